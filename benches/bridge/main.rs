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
//! - `report`: the markdown tables and the targets;
//! - `process` (shared with `tests/it`): starting the bridge and the demo agent.

mod measure;
mod peers;
// Shared with the integration tests: the bridge and the demo agent as child processes.
#[path = "../../tests/it/support/process.rs"]
mod process;
mod report;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use mcp_a2a_bridge::a2a::StreamEvent;
use serde_json::json;

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
        }
    }
}

fn main() -> ExitCode {
    // `cargo bench` appends `--bench`; other flags are ours.
    let quick = std::env::args().any(|a| a == "--quick");
    let plan = if quick { Plan::quick() } else { Plan::full() };
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

/// Peak RSS of a bridge with `memory_agents` agents, idle, then with `inflight_calls` `work` calls in flight.
async fn memory_run(plan: &Plan, work: &Workdir, agent: &Agent) -> anyhow::Result<MemoryRun> {
    let config = bridge_config(agent, plan.memory_agents);
    let (bridge, _) = start_listed(work, &config, plan.memory_agents, "memory").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = bridge.memory()?;

    let started = Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..plan.inflight_calls {
        let peer = bridge.client.peer().clone();
        let tool = format!("a{}_work", i % plan.memory_agents);
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
        agents: plan.memory_agents,
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
