//! What the bridge costs next to calling the A2A agent directly.
//!
//! `cargo bench --bench bridge` drives the release bridge binary with a real MCP client (rmcp, over stdio and over
//! Streamable HTTP with one kept-alive session) against the built-in demo agent (`mcp-a2a-bridge demo-agent`, its
//! own process), next to the same A2A calls made straight to the agent with the bridge's own `A2aClient`, and
//! writes `BENCHMARKS.md`. `cargo bench --bench bridge -- --quick` runs every measurement with small counts in a
//! few seconds and prints the tables without writing anything: CI runs it so the harness cannot rot (it checks that
//! every call succeeds, never how fast).
//!
//! - `peers`: the processes (agent, bridge) and the clients (MCP, direct A2A);
//! - `measure`: latency percentiles and throughput at a fixed concurrency;
//! - `catalog`: `tools/list` and `find_skills` with 10 to 2,000 agents in each tool mode;
//! - `report`: the markdown tables and the targets;
//! - `process` (shared with `tests/it`): starting the bridge and the demo agent.

// Shared with the integration tests: the official SDK clients, provisioned under target/ on first use.
mod catalog;
#[allow(dead_code)] // the bench uses the provisioning, not the scenarios
#[path = "../../tests/it/support/clients.rs"]
mod clients;
mod compare;
mod measure;
mod peers;
// Shared with the integration tests: the bridge and the demo agent as child processes.
#[path = "../../tests/it/support/process.rs"]
mod process;
#[allow(dead_code)] // the bench uses the npm half
#[path = "../../tests/it/support/provision.rs"]
mod provision;
mod report;

use std::ffi::OsStr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use mcp_a2a_bridge::a2a::StreamEvent;
use serde_json::json;

use compare::{Comparison, InstructionRow, PeerColumn, ScriptTarget};
use futures::{FutureExt, TryFutureExt};
use measure::{Op, Rate, Stats, interleaved, throughput};
use peers::{Agent, Bridge, Direct, Via, Workdir, bridge_config, cpu_time, first_text};
use report::{Cell, GrowthRow, MemoryRun, Relay, Results};

/// Counts for one run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub quick: bool,
    pub latency_warmup: usize,
    pub latency_calls: usize,
    pub concurrency: Vec<usize>,
    pub throughput_for: Duration,
    pub stream_events: u64,
    pub stream_interval_ms: u64,
    pub memory_agents: usize,
    pub inflight_calls: usize,
    pub inflight_work_secs: u64,
    pub card_delay_ms: u64,
    pub startup_runs: usize,
    pub growth_agents: Vec<usize>,
    /// The agent count the start-up target is judged at (one of `growth_agents`).
    pub startup_agents: usize,
    pub growth_calls: usize,
    pub list_calls: usize,
    pub payloads: Vec<usize>,
    pub payload_calls: usize,
    /// Concurrency levels of the side-by-side throughput.
    pub peer_concurrency: Vec<usize>,
    /// Echo calls counted under callgrind, per bridge process and per peer process (after a tenth as many
    /// warm-up calls).
    pub callgrind_calls: usize,
    pub callgrind_peer_calls: usize,
    /// Agent counts of the catalog section (each in every tool mode).
    pub catalog_agents: Vec<usize>,
    /// The compact-list target is judged at this many agents and more.
    pub catalog_judged_from: usize,
    /// Complete `tools/list`s timed per catalog row, and `find_skills` calls where it is listed.
    pub catalog_list_calls: usize,
    pub catalog_find_calls: usize,
}

impl Plan {
    fn full() -> Plan {
        Plan {
            quick: false,
            latency_warmup: 200,
            latency_calls: 2000,
            concurrency: vec![1, 16, 64, 256],
            throughput_for: Duration::from_secs(3),
            // Slower than the bridge's progress coalescing (a burst of 10, then 10 per second per call), so
            // every event is relayed and its delay can be measured.
            stream_events: 100,
            stream_interval_ms: 110,
            memory_agents: 50,
            inflight_calls: 1000,
            inflight_work_secs: 5,
            card_delay_ms: 200,
            startup_runs: 5,
            growth_agents: vec![10, 50, 200],
            startup_agents: 50,
            growth_calls: 500,
            list_calls: 20,
            payloads: vec![1024, 1 << 20],
            payload_calls: 50,
            peer_concurrency: vec![1, 16, 64],
            callgrind_calls: 1000,
            callgrind_peer_calls: 200,
            catalog_agents: vec![10, 200, 2000],
            catalog_judged_from: 200,
            catalog_list_calls: 20,
            catalog_find_calls: 500,
        }
    }

    fn quick() -> Plan {
        Plan {
            quick: true,
            latency_warmup: 5,
            latency_calls: 30,
            concurrency: vec![1, 4],
            throughput_for: Duration::from_millis(200),
            stream_events: 12,
            stream_interval_ms: 110,
            memory_agents: 5,
            inflight_calls: 20,
            inflight_work_secs: 1,
            card_delay_ms: 20,
            startup_runs: 1,
            growth_agents: vec![2, 5],
            startup_agents: 5,
            growth_calls: 10,
            list_calls: 3,
            payloads: vec![1024, 64 << 10],
            payload_calls: 3,
            peer_concurrency: vec![1],
            callgrind_calls: 5,
            callgrind_peer_calls: 5,
            // Auto mode stays `skills` with 3 agents (19 tools) and turns compact with 12 (55).
            catalog_agents: vec![3, 12],
            catalog_judged_from: 12,
            catalog_list_calls: 3,
            catalog_find_calls: 10,
        }
    }
}

fn main() -> ExitCode {
    // `cargo bench` appends `--bench`; other flags are ours.
    let quick = std::env::args().any(|a| a == "--quick");
    let plan = if quick { Plan::quick() } else { Plan::full() };
    // `-- --instructions`: only the bridge's instructions per call (stdio and HTTP), printed; for trying a
    // change or a setting (`RUST_LOG`, `TOKIO_WORKER_THREADS` reach the bridge) in a minute.
    let instructions_only = std::env::args().any(|a| a == "--instructions");
    // `-- --catalog`: only the catalog section (tools/list and find_skills with many agents per tool mode),
    // printed, nothing written; with `--quick`, at the quick run's counts.
    let catalog_only = std::env::args().any(|a| a == "--catalog");
    // `-- --instructions --keep`: the work directory (callgrind's dumps, the bridge's log) is left in place
    // and its path printed, for reading the profile with `callgrind_annotate`.
    let keep = std::env::args().any(|a| a == "--keep");
    // `-- --memory`: only the memory section (50 agents idle, 5 with `--quick`, then the in-flight calls),
    // printed with the anonymous/file-backed split of the RSS; for trying a change to memory in a minute.
    let memory_only = std::env::args().any(|a| a == "--memory");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let work = match Workdir::new() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("bench: cannot make a work directory: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    if instructions_only {
        let counted = runtime.block_on(count_instructions(&plan, &work));
        if keep {
            eprintln!("bench: work directory kept: {}", work.keep().display());
        }
        return match counted {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if memory_only {
        return match runtime.block_on(memory_section(&plan, &work)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                let kept = work.keep();
                eprintln!("bench: {e:#}");
                eprintln!("bench: logs and configs kept in {}", kept.display());
                ExitCode::FAILURE
            }
        };
    }
    if catalog_only {
        return match runtime.block_on(catalog_section(&plan, &work)) {
            Ok(markdown) => {
                println!("{markdown}");
                eprintln!(
                    "bench: catalog section in {:.0}s (nothing written)",
                    started.elapsed().as_secs_f64()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                let kept = work.keep();
                eprintln!("bench: {e:#}");
                eprintln!("bench: logs and configs kept in {}", kept.display());
                ExitCode::FAILURE
            }
        };
    }
    let outcome = runtime.block_on(run(&plan, &work));
    match outcome {
        Ok(results) => {
            let markdown = report::render(&results);
            if plan.quick {
                println!("{markdown}");
                eprintln!(
                    "bench: quick run passed in {:.1}s (nothing written)",
                    started.elapsed().as_secs_f64()
                );
            } else {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
                if let Err(e) = std::fs::write(&path, &markdown) {
                    eprintln!("bench: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!("{markdown}");
                eprintln!(
                    "bench: wrote {} in {:.0}s",
                    path.display(),
                    started.elapsed().as_secs_f64()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let kept = work.keep();
            eprintln!("bench: {e:#}");
            eprintln!("bench: logs and configs kept in {}", kept.display());
            ExitCode::FAILURE
        }
    }
}

fn progress(what: &str) {
    eprintln!("bench: {what}");
}

async fn run(plan: &Plan, work: &Workdir) -> anyhow::Result<Results> {
    let machine = report::Machine::detect();
    let agent = Agent::start(work, plan.card_delay_ms).await?;
    let direct = Direct::new(agent.url(0))?;
    let config = bridge_config(&agent, 1);
    let stdio = Bridge::start(work, &config, Via::Stdio, "one-agent-stdio").await?;
    let http = Bridge::start(work, &config, Via::Http, "one-agent-http").await?;
    for bridge in [&stdio, &http] {
        let tools = bridge.tools().await?;
        ensure!(
            tools.iter().any(|t| t.name == "a0_echo"),
            "the bridge lists no a0_echo tool"
        );
    }

    progress("added latency per call");
    // Taking turns, so a slow moment of the machine hits every path alike.
    let latency = interleaved(
        plan.latency_warmup,
        plan.latency_calls,
        vec![
            Box::new(|| direct.call("ping", Some("echo")).map_ok(drop).boxed_local()),
            Box::new(|| {
                stdio
                    .call("a0_echo", json!({"message": "ping"}))
                    .map_ok(drop)
                    .boxed_local()
            }),
            Box::new(|| {
                http.call("a0_echo", json!({"message": "ping"}))
                    .map_ok(drop)
                    .boxed_local()
            }),
            // The MCP transport alone: `ping` goes client → bridge → client, with no tool and no agent.
            Box::new(|| stdio.ping().boxed_local()),
            Box::new(|| http.ping().boxed_local()),
        ],
    )
    .await?;

    progress("throughput");
    let agent_pid = agent.pid()?;
    let mut cells = Vec::new();
    for &c in &plan.concurrency {
        let d = direct.clone();
        let direct_cell = cell(None, agent_pid, async {
            throughput(c, plan.throughput_for, move || {
                let d = d.clone();
                async move { d.call("ping", Some("echo")).await.map(drop) }
            })
            .await
        })
        .await?;
        let mut bridged = Vec::new();
        for bridge in [&stdio, &http] {
            let peer = bridge.client.peer().clone();
            bridged.push(
                cell(Some(bridge.pid), agent_pid, async {
                    throughput(c, plan.throughput_for, move || {
                        let peer = peer.clone();
                        async move {
                            peers::call(&peer, "a0_echo", json!({"message": "ping"}))
                                .await
                                .map(drop)
                        }
                    })
                    .await
                })
                .await?,
            );
        }
        cells.push((c, [direct_cell, bridged[0], bridged[1]]));
    }

    progress("streaming relay");
    let ask = format!(
        "bench-stream {} {}",
        plan.stream_events, plan.stream_interval_ms
    );
    let events = direct.call(&ask, None).await?;
    let direct_delays = stream_delays(events.iter().filter_map(|(at, e)| match e {
        StreamEvent::Status { status, .. } => status.message.as_ref().map(|m| (*at, m.text())),
        _ => None,
    }));
    let mut relay = vec![Relay::of(
        "direct A2A stream",
        plan.stream_events,
        direct_delays,
    )];
    for (label, bridge) in [("bridge, stdio", &stdio), ("bridge, HTTP", &http)] {
        bridge.probe.take_arrivals();
        bridge
            .call("send_message", json!({"agent": "a0", "message": ask}))
            .await?;
        bridge
            .probe
            .wait_arrivals(plan.stream_events as usize, Duration::from_secs(10))
            .await;
        let delays = stream_delays(bridge.probe.take_arrivals().into_iter());
        relay.push(Relay::of(label, plan.stream_events, delays));
    }
    for r in &relay {
        ensure!(
            r.received as u64 == plan.stream_events,
            "{}: {} of {} stream events arrived",
            r.label,
            r.received,
            plan.stream_events
        );
    }

    progress("result size");
    let mut payloads = Vec::new();
    for &bytes in &plan.payloads {
        let ask = format!("big {bytes}");
        let ask = ask.as_str();
        let stats = interleaved(
            1,
            plan.payload_calls,
            vec![
                Box::new(|| {
                    let direct = &direct;
                    async move {
                        let events = direct.call(ask, None).await?;
                        match events.last() {
                            Some((_, StreamEvent::Message(m))) if m.text().len() == bytes => Ok(()),
                            _ => bail!("the direct reply to {ask:?} is not {bytes} bytes"),
                        }
                    }
                    .boxed_local()
                }),
                Box::new(|| big_call(&stdio, ask, bytes).boxed_local()),
                Box::new(|| big_call(&http, ask, bytes).boxed_local()),
            ],
        )
        .await?;
        payloads.push((bytes, [stats[0], stats[1], stats[2]]));
    }
    let mut comparison = compare_run(plan, work, &agent, &direct, &stdio, &http).await?;
    stdio.stop().await;
    http.stop().await;

    progress("memory");
    let memory = memory_run(plan, work, &agent).await?;

    progress("start-up and growth");
    let mut growth = Vec::new();
    let mut kept = Vec::new();
    for &agents in &plan.growth_agents {
        let (row, bridge) = startup_row(plan, work, &agent, agents).await?;
        growth.push(row);
        kept.push((agents, bridge));
    }
    // tools/list and a call to the last agent's tool, the bridges taking turns.
    let list = interleaved(
        1,
        plan.list_calls,
        kept.iter()
            .map(|(_, b)| -> Op<'_> { Box::new(move || b.tools().map_ok(drop).boxed_local()) })
            .collect(),
    )
    .await?;
    let tools: Vec<String> = kept
        .iter()
        .map(|(n, _)| format!("a{}_echo", n - 1))
        .collect();
    let calls = interleaved(
        plan.growth_calls / 10,
        plan.growth_calls,
        kept.iter()
            .zip(&tools)
            .map(|((_, b), tool)| -> Op<'_> {
                Box::new(move || {
                    b.call(tool, json!({"message": "ping"}))
                        .map_ok(drop)
                        .boxed_local()
                })
            })
            .collect(),
    )
    .await?;
    for (i, row) in growth.iter_mut().enumerate() {
        row.list = list[i];
        row.call = calls[i];
    }
    for (_, bridge) in kept {
        bridge.stop().await;
    }
    let catalog = catalog::run(plan, work, &agent).await?;
    // The bridge's column of the side-by-side table: the memory and start-up sections measured it.
    if let Some(column) = comparison.columns.get_mut(1) {
        column.idle_kib = memory.idle.peak_kib;
        column.per_call_kib = memory.per_call_kib();
        if let Some(row) = growth.iter().find(|g| g.agents == plan.startup_agents) {
            column.startup = row.startup;
        }
    }

    Ok(Results {
        plan: plan.clone(),
        machine,
        latency: [latency[0], latency[1], latency[2]],
        mcp_floor: [latency[3], latency[4]],
        throughput: cells,
        relay,
        payloads,
        memory,
        growth,
        catalog,
        comparison,
        load_after: report::load_average(),
    })
}

/// `bench-stream i/N t=<emit nanos>` messages with their arrival times → emit-to-arrival delays, in order.
fn stream_delays(arrivals: impl Iterator<Item = (u128, String)>) -> Vec<Duration> {
    arrivals
        .filter_map(|(at, text)| {
            let emitted: u128 = text.rsplit_once("t=")?.1.trim().parse().ok()?;
            Some(Duration::from_nanos(at.saturating_sub(emitted) as u64))
        })
        .collect()
}

/// `-- --memory`: the memory section alone, printed with the anonymous part of each RSS figure.
async fn memory_section(plan: &Plan, work: &Workdir) -> anyhow::Result<()> {
    let agent = Agent::start(work, plan.card_delay_ms).await?;
    let run = memory_run(plan, work, &agent).await?;
    for (state, m) in [
        ("idle", &run.idle),
        ("in flight", &run.during),
        ("after", &run.after),
    ] {
        println!(
            "{state}: RSS {:.1} MiB (anonymous {:.1} MiB, file-backed {:.1} MiB), peak {:.1} MiB",
            m.rss_kib as f64 / 1024.0,
            m.anon_kib as f64 / 1024.0,
            m.rss_kib.saturating_sub(m.anon_kib) as f64 / 1024.0,
            m.peak_kib as f64 / 1024.0,
        );
    }
    println!(
        "{} agents, {} calls in flight: {:.1} KiB per call",
        run.agents,
        run.calls,
        run.per_call_kib()
    );
    Ok(())
}

/// Peak RSS of a bridge with `memory_agents` agents, idle, then with `inflight_calls` `work` calls in flight.
async fn memory_run(plan: &Plan, work: &Workdir, agent: &Agent) -> anyhow::Result<MemoryRun> {
    let config = bridge_config(agent, plan.memory_agents);
    let (bridge, _) = start_listed(work, &config, plan.memory_agents, "memory").await?;
    let tools = (0..plan.memory_agents)
        .map(|i| format!("a{i}_work"))
        .collect();
    memory_of(plan, bridge, tools).await
}

/// Peak RSS of a running server whose tools are listed, idle, then with `inflight_calls` `work` calls in
/// flight, spread over `work_tools`; stops the server.
async fn memory_of(
    plan: &Plan,
    bridge: Bridge,
    work_tools: Vec<String>,
) -> anyhow::Result<MemoryRun> {
    ensure!(!work_tools.is_empty(), "no work tools to call");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = bridge.memory()?;

    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..plan.inflight_calls {
        let peer = bridge.client.peer().clone();
        let tool = work_tools[i % work_tools.len()].clone();
        let message = format!("work {}", plan.inflight_work_secs);
        calls.spawn(async move {
            let result = peers::call(&peer, &tool, json!({"message": message})).await?;
            ensure!(
                first_text(&result).starts_with("Done: worked for"),
                "{tool}: {}",
                first_text(&result)
            );
            Ok(())
        });
    }
    // Half-way through the work every call is in flight.
    tokio::time::sleep(Duration::from_millis(plan.inflight_work_secs * 500)).await;
    let during = bridge.memory()?;
    while let Some(joined) = calls.join_next().await {
        joined??;
    }
    let elapsed = started.elapsed();
    let after = bridge.memory()?;
    bridge.stop().await;
    Ok(MemoryRun {
        agents: work_tools.len(),
        calls: plan.inflight_calls,
        work_secs: plan.inflight_work_secs,
        idle,
        during,
        after,
        elapsed,
    })
}

/// Start-up with `agents` agents (median of `startup_runs`) next to the slowest single card fetch; returns the
/// row (tools/list and call times still to fill in) and the bridge of the last run, still running.
async fn startup_row(
    plan: &Plan,
    work: &Workdir,
    agent: &Agent,
    agents: usize,
) -> anyhow::Result<(GrowthRow, Bridge)> {
    let http = reqwest::Client::new();
    let mut slowest_card = Duration::ZERO;
    for i in 0..agents {
        let started = Instant::now();
        mcp_a2a_bridge::a2a::fetch_card(
            &http,
            &agent.url(i),
            &http::HeaderMap::new(),
            Duration::from_secs(30),
        )
        .await
        .with_context(|| format!("fetching the card of agent {i}"))?;
        slowest_card = slowest_card.max(started.elapsed());
    }

    let config = bridge_config(agent, agents);
    let mut startups = Vec::new();
    let mut last = None;
    for run in 0..plan.startup_runs {
        let (bridge, took) =
            start_listed(work, &config, agents, &format!("growth-{agents}")).await?;
        startups.push(took);
        if run + 1 == plan.startup_runs {
            last = Some(bridge);
        } else {
            bridge.stop().await;
        }
    }
    let bridge = last.context("no start-up run")?;
    let row = GrowthRow {
        agents,
        tools: GENERIC_TOOLS + 4 * agents,
        startup: Stats::of(startups),
        slowest_card,
        list: Stats::default(),
        call: Stats::default(),
    };
    Ok((row, bridge))
}

/// `big N` through a bridge: the reply must be exactly N bytes.
async fn big_call(bridge: &Bridge, ask: &str, bytes: usize) -> anyhow::Result<()> {
    let result = bridge
        .call("send_message", json!({"agent": "a0", "message": ask}))
        .await?;
    ensure!(
        first_text(&result).len() == bytes,
        "the bridged reply to {ask:?} is {} bytes, not {bytes}",
        first_text(&result).len()
    );
    Ok(())
}

/// Starts a bridge with `agents` agents and reads its tool list; returns it with the time from spawn to the
/// complete list. Every card has been fetched by then, so a short list is a bridge bug, and an error here.
async fn start_listed(
    work: &Workdir,
    config: &str,
    agents: usize,
    tag: &str,
) -> anyhow::Result<(Bridge, Duration)> {
    let expected = GENERIC_TOOLS + 4 * agents;
    let started = Instant::now();
    let bridge = Bridge::start(work, config, Via::Stdio, tag).await?;
    let tools = bridge.tools().await?;
    let took = started.elapsed();
    ensure!(
        tools.len() == expected,
        "{agents} agents: tools/list gave {} of {expected} tools",
        tools.len()
    );
    Ok((bridge, took))
}

/// Runs one throughput measurement and charges the CPU time each process spent during it: this bench (the
/// client), the bridge (if any) and the agent.
async fn cell(
    bridge_pid: Option<u32>,
    agent_pid: u32,
    run: impl std::future::Future<Output = anyhow::Result<Rate>>,
) -> anyhow::Result<Cell> {
    let sample = || -> anyhow::Result<[Duration; 3]> {
        Ok([
            cpu_time(None)?,
            match bridge_pid {
                Some(pid) => cpu_time(Some(pid))?,
                None => Duration::ZERO,
            },
            cpu_time(Some(agent_pid))?,
        ])
    };
    let before = sample()?;
    let rate = run.await?;
    let after = sample()?;
    Ok(Cell {
        rate,
        cpu: [0, 1, 2].map(|i| after[i].saturating_sub(before[i])),
    })
}
/// The generic tools every bridge lists before the skill tools (`list_agents` … `read_artifact`).
const GENERIC_TOOLS: usize = 7;
/// Skills on the demo agent's card (`echo`, `work`, `stream`, `ask`, `files`, `long`): what a peer without a
/// skill filter lists per agent.
const DEMO_CARD_SKILLS: usize = 6;

/// The side-by-side section: peers, other clients, instructions per call (see `compare`). `stdio` and `http`
/// are the one-agent bridges of the first sections, still running.
async fn compare_run(
    plan: &Plan,
    work: &Workdir,
    agent: &Agent,
    direct: &Direct,
    stdio: &Bridge,
    http: &Bridge,
) -> anyhow::Result<Comparison> {
    let mut out = Comparison {
        valgrind: compare::valgrind_version(),
        ..Comparison::default()
    };
    let one_agent_config = work.path().join("one-agent-stdio.toml");
    let bin = std::path::Path::new(process::BIN);
    if plan.quick {
        // Only the instruction count, with a handful of calls, so the callgrind plumbing cannot rot; nothing
        // is provisioned.
        if out.valgrind.is_some() {
            let args = [OsStr::new("--config"), one_agent_config.as_os_str()];
            // A failure is reported in the table, not fatal: a slow machine may not finish the handshake of
            // a debug build under callgrind in time.
            let per_call = async {
                let server =
                    compare::start_under_callgrind(work, "quick", bin, &args, Via::Stdio).await?;
                let counted = compare::instructions_per_call(work, "quick", &server, 2, 5, || {
                    server
                        .call("a0_echo", json!({"message": "ping"}))
                        .map_ok(drop)
                })
                .await;
                server.stop().await;
                counted
            }
            .await;
            out.instructions.push(InstructionRow {
                server: "mcp-a2a-bridge".into(),
                transport: "stdio",
                calls: 5,
                per_call: per_call.map_err(|e| format!("{e:#}")),
            });
        }
        out.skipped = Some("the quick run provisions no peers and no SDK clients");
        return Ok(out);
    }

    progress("peers: provisioning a2a-mcp-skillmap");
    let cli = tokio::task::spawn_blocking(compare::skillmap_cli).await??;
    let skillmap_label = format!("a2a-mcp-skillmap {}, stdio", compare::SKILLMAP_VERSION);
    let one = compare::skillmap_config(agent, 1);
    let skillmap = Bridge::spawn(
        work,
        compare::skillmap_command(work, &cli, &one, "skillmap-one")?,
        Via::Stdio,
        "skillmap-one",
    )
    .await?;
    let sm_echo = compare::skillmap_tool(&skillmap, "echo").await?;

    progress("peers: latency");
    let latency = interleaved(
        plan.latency_warmup,
        plan.latency_calls,
        vec![
            Box::new(|| direct.call("ping", Some("echo")).map_ok(drop).boxed_local()),
            Box::new(|| {
                stdio
                    .call("a0_echo", json!({"message": "ping"}))
                    .map_ok(drop)
                    .boxed_local()
            }),
            Box::new(|| {
                skillmap
                    .call(&sm_echo, json!({"message": "ping"}))
                    .map_ok(drop)
                    .boxed_local()
            }),
        ],
    )
    .await?;
    let mut columns: Vec<PeerColumn> = [
        "direct A2A",
        "mcp-a2a-bridge, stdio",
        skillmap_label.as_str(),
    ]
    .iter()
    .zip(latency)
    .map(|(label, latency)| PeerColumn {
        label: (*label).to_owned(),
        latency,
        ..PeerColumn::default()
    })
    .collect();

    progress("peers: throughput");
    for &c in &plan.peer_concurrency {
        let d = direct.clone();
        let rate = throughput(c, plan.throughput_for, move || {
            let d = d.clone();
            async move { d.call("ping", Some("echo")).await.map(drop) }
        })
        .await?;
        columns[0].rates.push((c, rate.per_sec()));
        for (i, (server, tool)) in [(stdio, "a0_echo".to_owned()), (&skillmap, sm_echo.clone())]
            .into_iter()
            .enumerate()
        {
            let peer = server.client.peer().clone();
            let rate = throughput(c, plan.throughput_for, move || {
                let peer = peer.clone();
                let tool = tool.clone();
                async move {
                    peers::call(&peer, &tool, json!({"message": "ping"}))
                        .await
                        .map(drop)
                }
            })
            .await?;
            columns[i + 1].rates.push((c, rate.per_sec()));
        }
    }

    progress("clients: TypeScript and Python SDKs");
    let http_url = http.url.clone().context("the HTTP bridge has no URL")?;
    let bridge_args = vec![
        "--config".to_owned(),
        one_agent_config.display().to_string(),
    ];
    let skillmap_args = vec![
        cli.display().to_string(),
        "--config".to_owned(),
        work.path().join("skillmap-one.json").display().to_string(),
    ];
    let node = which("node")?;
    let runs: [(
        &'static str,
        &'static str,
        String,
        compare::Sdk,
        ScriptTarget<'_>,
        &str,
    ); 4] = [
        (
            "TypeScript SDK 1.32.2",
            "HTTP",
            "mcp-a2a-bridge".into(),
            compare::Sdk::TypeScript,
            ScriptTarget::Http(&http_url),
            "a0_echo",
        ),
        (
            "Python SDK 2.3.0",
            "HTTP",
            "mcp-a2a-bridge".into(),
            compare::Sdk::Python,
            ScriptTarget::Http(&http_url),
            "a0_echo",
        ),
        (
            "TypeScript SDK 1.32.2",
            "stdio",
            "mcp-a2a-bridge".into(),
            compare::Sdk::TypeScript,
            ScriptTarget::Stdio {
                command: bin,
                args: bridge_args.clone(),
            },
            "a0_echo",
        ),
        (
            "TypeScript SDK 1.32.2",
            "stdio",
            skillmap_label.clone(),
            compare::Sdk::TypeScript,
            ScriptTarget::Stdio {
                command: &node,
                args: skillmap_args.clone(),
            },
            &sm_echo,
        ),
    ];
    for (client, transport, server, sdk, target, tool) in runs {
        let run = compare::run_script(
            sdk,
            target,
            tool,
            plan.latency_warmup,
            plan.latency_calls,
            0,
        )
        .await?;
        out.clients.push(compare::ClientRow {
            client,
            transport,
            server,
            stats: run.calls,
        });
    }

    if out.valgrind.is_some() {
        progress("instructions per call (callgrind)");
        let bridge_args = [OsStr::new("--config"), one_agent_config.as_os_str()];
        // Stateless HTTP (`[server] stateful = false`), as replicas behind a load balancer run.
        let stateless_config = work.path().join("one-agent-stateless.toml");
        std::fs::write(
            &stateless_config,
            stateless(&std::fs::read_to_string(&one_agent_config)?),
        )?;
        let stateless_args = [OsStr::new("--config"), stateless_config.as_os_str()];
        let skillmap_args = [
            cli.as_os_str(),
            OsStr::new("--config"),
            OsStr::new(&skillmap_args[2]),
        ];
        let cases: [(&str, &std::path::Path, &[&OsStr], Via, usize); 4] = [
            (
                "bridge-stdio",
                bin,
                &bridge_args,
                Via::Stdio,
                plan.callgrind_calls,
            ),
            (
                "bridge-http",
                bin,
                &bridge_args,
                Via::Http,
                plan.callgrind_calls,
            ),
            (
                "bridge-http-stateless",
                bin,
                &stateless_args,
                Via::Http,
                plan.callgrind_calls,
            ),
            (
                "skillmap-stdio",
                &node,
                &skillmap_args,
                Via::Stdio,
                plan.callgrind_peer_calls,
            ),
        ];
        for (tag, program, args, via, calls) in cases {
            let per_call = async {
                let server = compare::start_under_callgrind(work, tag, program, args, via).await?;
                let tool = if tag.starts_with("skillmap") {
                    compare::skillmap_tool(&server, "echo").await?
                } else {
                    "a0_echo".to_owned()
                };
                let counted =
                    compare::instructions_per_call(work, tag, &server, calls / 10, calls, || {
                        server.call(&tool, json!({"message": "ping"})).map_ok(drop)
                    })
                    .await;
                server.stop().await;
                counted
            }
            .await;
            out.instructions.push(InstructionRow {
                server: if tag.starts_with("skillmap") {
                    skillmap_label.clone()
                } else {
                    "mcp-a2a-bridge".into()
                },
                transport: match (via, tag.ends_with("stateless")) {
                    (Via::Http, true) => "HTTP, stateless",
                    (Via::Http, false) => "HTTP",
                    (Via::Stdio, _) => "stdio",
                },
                calls,
                per_call: per_call.map_err(|e| format!("{e:#}")),
            });
        }
    }
    skillmap.stop().await;

    progress("peers: tools/list, memory and start-up with many agents");
    let agents = plan.memory_agents;
    let many_bridge = work.path().join("peers-many.toml");
    std::fs::write(&many_bridge, bridge_config(agent, agents))?;
    let many_skillmap = compare::skillmap_config(agent, agents);
    compare::skillmap_command(work, &cli, &many_skillmap, "skillmap-many")?;
    let lists = [
        ScriptTarget::Stdio {
            command: bin,
            args: vec!["--config".into(), many_bridge.display().to_string()],
        },
        ScriptTarget::Stdio {
            command: &node,
            args: vec![
                cli.display().to_string(),
                "--config".into(),
                work.path().join("skillmap-many.json").display().to_string(),
            ],
        },
    ];
    for (column, target) in columns[1..].iter_mut().zip(lists) {
        let run = compare::run_script(
            compare::Sdk::TypeScript,
            target,
            "unused",
            0,
            0,
            plan.list_calls,
        )
        .await?;
        column.list_bytes = run.list_bytes;
        column.list_tools = run.tools;
        column.ts_list = run.lists;
    }
    // Start-up: spawn to a complete tools/list, as for the bridge in the growth section.
    // skillmap has no skill filter: it lists every skill of the demo card (the bridge's bench agents expose four).
    let expected = 3 + DEMO_CARD_SKILLS * plan.startup_agents;
    let startup_config = compare::skillmap_config(agent, plan.startup_agents);
    let mut startups = Vec::new();
    for _ in 0..plan.startup_runs {
        let started = Instant::now();
        let peer = Bridge::spawn(
            work,
            compare::skillmap_command(work, &cli, &startup_config, "skillmap-startup")?,
            Via::Stdio,
            "skillmap-startup",
        )
        .await?;
        let tools = peer.tools().await?;
        startups.push(started.elapsed());
        peer.stop().await;
        ensure!(
            tools.len() == expected,
            "skillmap with {} agents listed {} of {expected} tools",
            plan.startup_agents,
            tools.len()
        );
    }
    columns[2].startup = Stats::of(startups);
    let peer = Bridge::spawn(
        work,
        compare::skillmap_command(work, &cli, &many_skillmap, "skillmap-many")?,
        Via::Stdio,
        "skillmap-many",
    )
    .await?;
    let work_tools: Vec<String> = peer
        .tools()
        .await?
        .into_iter()
        .map(|t| t.name.to_string())
        .filter(|n| n.ends_with("__work"))
        .collect();
    ensure!(
        work_tools.len() == agents,
        "skillmap lists {} work tools for {agents} agents",
        work_tools.len()
    );
    let memory = memory_of(plan, peer, work_tools).await?;
    columns[2].idle_kib = memory.idle.peak_kib;
    columns[2].per_call_kib = memory.per_call_kib();
    out.columns = columns;
    Ok(out)
}

/// The full path of `program` on `PATH` (callgrind and the SDK's stdio transport want one).
fn which(program: &str) -> anyhow::Result<std::path::PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .with_context(|| format!("no {program} on PATH"))
}

/// `--catalog`: the catalog section alone, as markdown.
async fn catalog_section(plan: &Plan, work: &Workdir) -> anyhow::Result<String> {
    let agent = Agent::start(work, plan.card_delay_ms).await?;
    let rows = catalog::run(plan, work, &agent).await?;
    let mut markdown = String::new();
    report::render_catalog(&mut markdown, plan, &rows);
    Ok(markdown)
}

/// A bench bridge config (`peers::bridge_config`) with `[server] stateful = false`.
fn stateless(config: &str) -> String {
    assert!(
        config.contains("[server]\n"),
        "no [server] table to make stateless"
    );
    config.replacen("[server]\n", "[server]\nstateful = false\n", 1)
}

/// `--instructions`: the bridge's instructions per echo call over stdio and HTTP, printed.
async fn count_instructions(plan: &Plan, work: &Workdir) -> anyhow::Result<()> {
    ensure!(
        compare::valgrind_version().is_some(),
        "valgrind is not installed (apt-get install valgrind)"
    );
    let agent = Agent::start(work, 0).await?;
    let config = work.path().join("instructions.toml");
    std::fs::write(&config, bridge_config(&agent, 1))?;
    // The same over stateless HTTP, as replicas behind a load balancer run.
    let stateless_config = work.path().join("instructions-stateless.toml");
    std::fs::write(&stateless_config, stateless(&bridge_config(&agent, 1)))?;
    let bin = std::path::Path::new(process::BIN);
    for (tag, via, config) in [
        ("stdio", Via::Stdio, &config),
        ("http", Via::Http, &config),
        ("http-stateless", Via::Http, &stateless_config),
    ] {
        let args = [OsStr::new("--config"), config.as_os_str()];
        let server = compare::start_under_callgrind(work, tag, bin, &args, via).await?;
        let calls = plan.callgrind_calls;
        let per_call =
            compare::instructions_per_call(work, tag, &server, calls / 10, calls, || {
                server
                    .call("a0_echo", json!({"message": "ping"}))
                    .map_ok(drop)
            })
            .await?;
        server.stop().await;
        println!("{tag}: {per_call:.0} instructions per call ({calls} calls)");
    }
    Ok(())
}
