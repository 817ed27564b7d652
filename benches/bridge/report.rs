//! The results as markdown: the machine, the targets (met or missed, and why), and one table per measurement.

use std::fmt::Write as _;
use std::time::Duration;

use crate::Plan;
use crate::catalog::CatalogRow;
use crate::measure::{Rate, Stats, ms};
use crate::peers::Memory;

/// What the numbers were measured on.
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_gib: f64,
    pub kernel: String,
    pub rustc: String,
    pub date: String,
    pub commit: String,
    /// `/proc/loadavg`'s 1, 5 and 15 minute averages when the run started: other work skews every figure.
    pub load: String,
}

impl Machine {
    pub fn detect() -> Machine {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map(|(_, m)| m.trim().to_owned())
            .unwrap_or_else(|| "unknown CPU".into());
        let memory_kib: f64 = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0);
        let run = |cmd: &str, args: &[&str]| {
            std::process::Command::new(cmd)
                .args(args)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
                .unwrap_or_default()
        };
        let mut commit = run("git", &["rev-parse", "--short", "HEAD"]);
        if !run("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty() {
            commit.push_str(" with uncommitted changes");
        }
        Machine {
            cpus: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            cpu_model,
            memory_gib: memory_kib / 1024.0 / 1024.0,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            rustc: run("rustc", &["--version"]),
            date: run("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            commit,
            load: load_average(),
        }
    }
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Emit-to-arrival delays of one stream.
pub struct Relay {
    pub label: &'static str,
    pub received: usize,
    pub expected: u64,
    pub stats: Stats,
}

impl Relay {
    pub fn of(label: &'static str, expected: u64, delays: Vec<Duration>) -> Relay {
        Relay {
            label,
            received: delays.len(),
            expected,
            stats: Stats::of(delays),
        }
    }
}

/// The bridge's memory with many agents, idle and with many calls in flight.
pub struct MemoryRun {
    pub agents: usize,
    pub calls: usize,
    pub work_secs: u64,
    pub idle: Memory,
    pub during: Memory,
    pub after: Memory,
    pub elapsed: Duration,
}

impl MemoryRun {
    pub fn per_call_kib(&self) -> f64 {
        self.after.peak_kib.saturating_sub(self.idle.peak_kib) as f64 / self.calls as f64
    }
}

/// One agent count: start-up, tools/list and per-call cost.
pub struct GrowthRow {
    pub agents: usize,
    pub tools: usize,
    pub startup: Stats,
    pub slowest_card: Duration,
    pub list: Stats,
    pub call: Stats,
}

/// One throughput measurement and the CPU time spent on it by the bench client, the bridge and the agent.
#[derive(Debug, Clone, Copy)]
pub struct Cell {
    pub rate: Rate,
    pub cpu: [Duration; 3],
}

impl Cell {
    fn per_sec(&self) -> f64 {
        self.rate.per_sec()
    }

    /// Microseconds of CPU per call, per process.
    fn cpu_us(&self, i: usize) -> f64 {
        self.cpu[i].as_secs_f64() * 1e6 / self.rate.calls.max(1) as f64
    }
}

/// Everything one run measured.
pub struct Results {
    pub plan: Plan,
    pub machine: Machine,
    /// Direct, bridge over stdio, bridge over HTTP.
    pub latency: [Stats; 3],
    /// `ping` over stdio and HTTP: the MCP transport with no tool behind it.
    pub mcp_floor: [Stats; 2],
    /// Concurrency → direct, stdio, HTTP.
    pub throughput: Vec<(usize, [Cell; 3])>,
    pub relay: Vec<Relay>,
    /// Result size in bytes → direct, stdio, HTTP.
    pub payloads: Vec<(usize, [Stats; 3])>,
    pub memory: MemoryRun,
    pub growth: Vec<GrowthRow>,
    pub catalog: Vec<CatalogRow>,
    pub comparison: crate::compare::Comparison,
    pub load_after: String,
}

const PATHS: [&str; 3] = ["direct A2A", "bridge, stdio", "bridge, HTTP"];

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

struct Target {
    goal: String,
    measured: String,
    met: bool,
    /// Why, when missed (or what the number depends on).
    note: &'static str,
}

fn targets(r: &Results) -> Vec<Target> {
    let mut out = Vec::new();
    let added_http = ms(r.latency[2].p50) - ms(r.latency[0].p50);
    out.push(Target {
        goal: "added p50 latency per call over HTTP < 0.5 ms".into(),
        measured: format!(
            "{added_http:+.3} ms ({:.3} vs {:.3} ms direct)",
            ms(r.latency[2].p50),
            ms(r.latency[0].p50)
        ),
        met: added_http < 0.5,
        note: WHY_HTTP_LATENCY,
    });
    // The full run has 64; the quick run judges its largest level, only to exercise this code.
    let level = r
        .throughput
        .iter()
        .find(|(c, _)| *c == 64)
        .or(r.throughput.last());
    if let Some((c, cells)) = level {
        let rates = cells.each_ref().map(Cell::per_sec);
        for (i, via) in [(1, "stdio"), (2, "HTTP")] {
            let ratio = rates[i] / rates[0];
            out.push(Target {
                goal: format!(
                    "throughput at {c} concurrent calls ≥ {}% of direct ({via})",
                    if i == 1 { 80 } else { 50 }
                ),
                measured: format!(
                    "{:.0}% ({:.0} vs {:.0} calls/s)",
                    ratio * 100.0,
                    rates[i],
                    rates[0]
                ),
                met: ratio >= if i == 1 { 0.8 } else { 0.5 },
                note: if i == 1 {
                    WHY_STDIO_THROUGHPUT
                } else {
                    WHY_HTTP_THROUGHPUT
                },
            });
        }
    }
    let m = &r.memory;
    out.push(Target {
        goal: format!("idle peak RSS with {} agents < 16 MiB", m.agents),
        measured: format!("{:.1} MiB", mib(m.idle.peak_kib)),
        met: mib(m.idle.peak_kib) < 16.0,
        note: WHY_IDLE_RSS,
    });
    out.push(Target {
        goal: "< 32 KiB per in-flight call".into(),
        measured: format!(
            "{:.1} KiB ({} calls: peak {:.1} MiB)",
            m.per_call_kib(),
            m.calls,
            mib(m.after.peak_kib)
        ),
        met: m.per_call_kib() < 32.0,
        note: WHY_PER_CALL_RSS,
    });
    if let Some(row) = r.growth.iter().find(|g| g.agents == r.plan.startup_agents) {
        let over = ms(row.startup.p50) - ms(row.slowest_card);
        out.push(Target {
            goal: format!(
                "start-up with {} agents within 50 ms of the slowest card fetch",
                row.agents
            ),
            measured: format!(
                "{over:+.1} ms ({:.1} vs {:.1} ms)",
                ms(row.startup.p50),
                ms(row.slowest_card)
            ),
            met: over <= 50.0,
            note: WHY_STARTUP,
        });
    }
    if let Some(t) = catalog_target(r) {
        out.push(t);
    }
    comparison_targets(&r.comparison, &mut out);
    if let (Some(first), Some(last)) = (r.growth.first(), r.growth.last()) {
        let (a, b) = (ms(first.call.p50), ms(last.call.p50));
        // Flat: within 15% plus 0.05 ms of timer and scheduling noise.
        out.push(Target {
            goal: format!(
                "per-call cost flat from {} to {} agents",
                first.agents, last.agents
            ),
            measured: format!("p50 {a:.3} → {b:.3} ms"),
            met: b <= a * 1.15 + 0.05,
            note: WHY_FLAT,
        });
    }
    out
}

/// "A config of hundreds of agents costs the model a few kilobytes of tool list" (issue 13): the compact list
/// (in `compact` mode, and in `auto` once it turned compact) at `catalog_judged_from` agents and more.
fn catalog_target(r: &Results) -> Option<Target> {
    let judged: Vec<&CatalogRow> = r
        .catalog
        .iter()
        .filter(|row| row.mode != "skills" && row.agents >= r.plan.catalog_judged_from)
        .collect();
    let largest = judged.iter().map(|row| row.list_bytes).max()?;
    let counts: Vec<String> = judged
        .iter()
        .map(|row| row.agents)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|n| thousands(n as f64))
        .collect();
    Some(Target {
        goal: format!(
            "tools/list in compact and auto mode with {} agents < 8 KiB",
            counts.join(" and ")
        ),
        measured: format!(
            "at most {:.1} KiB ({} tools)",
            largest as f64 / 1024.0,
            judged.iter().map(|row| row.tools).max().unwrap_or(0)
        ),
        met: (largest as f64) < 8.0 * 1024.0,
        note: WHY_COMPACT_LIST,
    })
}

/// The targets the side-by-side section judges: the Node client over HTTP, instructions per call, and the tool
/// list in the TypeScript client.
fn comparison_targets(c: &crate::compare::Comparison, out: &mut Vec<Target>) {
    let client = |name: &str, transport: &str| {
        c.clients.iter().find(|row| {
            row.client.starts_with(name)
                && row.transport == transport
                && row.server == "mcp-a2a-bridge"
        })
    };
    if let (Some(ts), Some(py)) = (client("TypeScript", "HTTP"), client("Python", "HTTP")) {
        let gap = ms(ts.stats.p50) - ms(py.stats.p50);
        out.push(Target {
            goal: "HTTP, TypeScript SDK client: p50 within 0.5 ms of the Python SDK client's"
                .into(),
            measured: format!(
                "{gap:+.3} ms ({:.3} vs {:.3} ms)",
                ms(ts.stats.p50),
                ms(py.stats.p50)
            ),
            met: gap <= 0.5,
            note: WHY_NODE_HTTP,
        });
        out.push(Target {
            goal: "HTTP, TypeScript SDK client: p99 < 5 ms".into(),
            measured: format!(
                "{:.3} ms (max {:.3} ms)",
                ms(ts.stats.p99),
                ms(ts.stats.max)
            ),
            met: ms(ts.stats.p99) < 5.0,
            note: WHY_NODE_HTTP,
        });
    }
    for (transport, limit, note) in [
        ("stdio", 150_000.0, WHY_INSTR_STDIO),
        ("HTTP", 250_000.0, WHY_INSTR_HTTP),
    ] {
        if let Some(row) = c
            .instructions
            .iter()
            .find(|row| row.server == "mcp-a2a-bridge" && row.transport == transport)
            && let Ok(per_call) = row.per_call
        {
            out.push(Target {
                goal: format!(
                    "≤ {} instructions per echo call ({transport})",
                    thousands(limit)
                ),
                measured: thousands(per_call),
                met: per_call <= limit,
                note,
            });
        }
    }
    if let Some(bridge) = c.columns.get(1) {
        let kib = bridge.list_bytes as f64 / 1024.0;
        out.push(Target {
            goal: format!("tools/list for {} tools < 120 KiB", bridge.list_tools),
            measured: format!("{kib:.1} KiB"),
            met: kib < 120.0,
            note: WHY_LIST,
        });
        out.push(Target {
            goal: format!(
                "tools/list for {} tools < 30 ms in the TypeScript SDK client",
                bridge.list_tools
            ),
            measured: format!("p50 {:.1} ms", ms(bridge.ts_list.p50)),
            met: ms(bridge.ts_list.p50) < 30.0,
            note: WHY_LIST,
        });
    }
}

/// `1234567.8` → `1,234,568`.
fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// Why a target is missed, shown only when it is. Written from the CPU table and a `perf` profile of the full run
// on the reference machine (2 cores shared by all three processes); the notes at the end give the detail.
const WHY_HTTP_LATENCY: &str = "The MCP Streamable HTTP round trip alone (`ping`, no tool, no agent) already takes \
0.5–0.7 ms here: every request is a POST answered with an SSE stream, through rmcp's server and client. The \
bridge's own share of a call is the rest, about 0.1 ms, as over stdio.";
const WHY_STDIO_THROUGHPUT: &str = "CPU-bound on 2 shared cores. A call costs the bridge 100–150 µs of CPU (MCP \
framing, an HTTP request to the agent and its SSE reply, the result), while the demo agent's echo costs \
35–50 µs; the direct path pays only the client and the agent. The ceiling in the CPU table predicts the measured share. \
With an agent that does real work per call, the share approaches 100%.";
const WHY_HTTP_THROUGHPUT: &str = "As for stdio, plus the Streamable HTTP transport: a POST answered with an SSE \
stream per call, in rmcp's HTTP server (about 1.5× the bridge instructions of a stdio call, see \"Instructions per \
call\") and in the rmcp client (5× the client CPU of stdio in the CPU table).";
const WHY_IDLE_RSS: &str = "Most of it is file-backed: the pages of the binary and its libraries that the bridge \
has mapped in. The anonymous part (the memory table's column: heap and stacks, with the tool table, the cards and \
the connections) is about 4 MiB. See \"Memory\" in the notes.";
const WHY_PER_CALL_RSS: &str = "Libraries hold about 30 KB of every call in flight before the bridge's own bytes: \
hyper's HTTP/1.1 connection to the agent (one per open stream; HTTP/1.1 multiplexes nothing) about 26 KB, rmcp's \
task for the request 4.5 KB (heaptrack). That leaves about 2 KiB of the goal for the bridge's own bytes, which \
this round cut from about 12 to 9 KB. See \"Memory per call\" in the notes.";
const WHY_STARTUP: &str = "Start-up waits for every card; after the last one arrives, the tool table is built \
once.";
const WHY_NODE_HTTP: &str = "The tail is the Node client's own, not the bridge's: over stdio too, the same \
TypeScript client's p99 is several times the rmcp client's against the same bridge (the clients table), and the \
rmcp client's p99 over HTTP is under 1 ms here. The TypeScript client's p50 (once 42 ms, a Nagle/delayed-ACK stall) is below the Python client's. See \
\"Node clients over HTTP\" in the notes.";
const WHY_INSTR_STDIO: &str = "See \"Instructions per call\" in the notes: what was tried, what each gave, and \
where the rest goes.";
const WHY_INSTR_HTTP: &str = "A stdio call plus rmcp's Streamable HTTP server (an HTTP request, an SSE response and \
the session's channels per call). See \"Instructions per call\" in the notes.";
const WHY_LIST: &str = "Each skill tool carries the skill's description (up to `max_description_chars`) and \
up to three examples, which the card decides; see \"Tool list\" in the notes for what else a tool holds.";
const WHY_COMPACT_LIST: &str = "The compact list is the bridge's own tools and find_skills, whatever the number \
of agents; it grows only with their descriptions and schemas.";
const WHY_FLAT: &str =
    "A call finds its tool by name in a hash map; the agent count should not show.";

pub fn render(r: &Results) -> String {
    let p = &r.plan;
    let m = &r.machine;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "# Benchmarks\n");
    let _ = writeln!(
        w,
        "What the bridge costs next to calling the A2A agent directly. Every figure comes from one run of\n\
         `cargo bench --locked --bench bridge`, which rewrites this file (about ten minutes, the peers and SDK clients\n\
         provisioned under `target/` on the first run; `-- --quick` checks the harness in seconds, provisions\n\
         nothing and writes nothing; `-- --instructions` only counts the bridge's instructions per call;\n\
         `-- --catalog` only runs the many-agents section and `-- --memory` the memory section, printed).\n"
    );
    let _ = writeln!(
        w,
        "**Machine:** {} × {}, {:.1} GiB RAM, Linux {}; {}; {}; commit {}. Load average (1, 5, 15 min)\n\
         {} at the start of the run, {} at the end.\n",
        m.cpus,
        m.cpu_model,
        m.memory_gib,
        m.kernel,
        m.rustc,
        m.date,
        m.commit,
        m.load,
        r.load_after
    );
    let _ = writeln!(
        w,
        "**Setup:** three processes on this one machine, over loopback: the bench (an rmcp MCP client, and the\n\
         bridge's own `A2aClient` for direct calls), the release bridge binary (stdio, or Streamable HTTP with one\n\
         kept-alive session), and the demo agent (`mcp-a2a-bridge demo-agent`). \"Direct\" is the A2A call the bridge\n\
         itself makes for a tool call: `SendStreamingMessage` (protocol 1.0) with the skill id in the metadata, read\n\
         to the end. The bridge logs at its default level (`info`, one line per call) to a file.\n"
    );

    let _ = writeln!(w, "## Targets\n");
    let _ = writeln!(w, "| Target | Measured | Result | Why |");
    let _ = writeln!(w, "|---|---|---|---|");
    for t in targets(r) {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} |",
            t.goal,
            t.measured,
            if t.met { "met" } else { "**missed**" },
            if t.met { "" } else { t.note }
        );
    }

    let _ = writeln!(
        w,
        "\n## Added latency per call\n\n`echo` skill, one call at a time, {} calls per path after {} warm-up calls; the paths take turns\n\
         call by call, so a slow moment of the machine hits all of them alike.\n",
        p.latency_calls, p.latency_warmup
    );
    let _ = writeln!(
        w,
        "| Path | p50 ms | p95 ms | p99 ms | added p50 ms | added p99 ms | p50 ratio |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|");
    for (i, s) in r.latency.iter().enumerate() {
        let base = &r.latency[0];
        let (added50, added99, ratio) = if i == 0 {
            ("—".into(), "—".into(), "1.00".into())
        } else {
            (
                format!("{:+.3}", ms(s.p50) - ms(base.p50)),
                format!("{:+.3}", ms(s.p99) - ms(base.p99)),
                format!("{:.2}", ms(s.p50) / ms(base.p50)),
            )
        };
        let _ = writeln!(
            w,
            "| {} | {:.3} | {:.3} | {:.3} | {added50} | {added99} | {ratio} |",
            PATHS[i],
            ms(s.p50),
            ms(s.p95),
            ms(s.p99)
        );
    }
    for (i, s) in r.mcp_floor.iter().enumerate() {
        let _ = writeln!(
            w,
            "| MCP `ping` only, {} | {:.3} | {:.3} | {:.3} | | | |",
            ["stdio", "HTTP"][i],
            ms(s.p50),
            ms(s.p95),
            ms(s.p99)
        );
    }
    let _ = writeln!(
        w,
        "\nThe `ping` rows are the MCP round trip alone (rmcp client and server, no tool, no agent): the part of the\n\
         added latency that is the transport rather than the bridge."
    );

    let _ = writeln!(
        w,
        "\n## Throughput\n\n`echo` calls kept in flight for {:.1} s per cell; calls/s, and the bridge's share of direct.\n",
        p.throughput_for.as_secs_f64()
    );
    let _ = writeln!(
        w,
        "| Concurrent calls | direct | bridge, stdio | stdio / direct | bridge, HTTP | HTTP / direct |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    for (c, cells) in &r.throughput {
        let rates = cells.each_ref().map(Cell::per_sec);
        let _ = writeln!(
            w,
            "| {c} | {:.0} | {:.0} | {:.0}% | {:.0} | {:.0}% |",
            rates[0],
            rates[1],
            rates[1] / rates[0] * 100.0,
            rates[2],
            rates[2] / rates[0] * 100.0
        );
    }
    let _ = writeln!(
        w,
        "\nWhere the CPU goes: microseconds of CPU (user + system, from `/proc/<pid>/stat`) per call in each process\n\
         during the cells above. With {} cores shared by all three processes, no path can exceed {} s of CPU per\n\
         second, so the ceiling on calls/s is {}000 000 / total µs.\n",
        m.cpus, m.cpus, m.cpus
    );
    let _ = writeln!(
        w,
        "| Concurrent calls | path | bench client µs | bridge µs | agent µs | total µs | ceiling calls/s |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|");
    for (c, cells) in &r.throughput {
        for (i, cell) in cells.iter().enumerate() {
            let total: f64 = (0..3).map(|k| cell.cpu_us(k)).sum();
            let bridge = if i == 0 {
                "—".to_owned()
            } else {
                format!("{:.0}", cell.cpu_us(1))
            };
            let _ = writeln!(
                w,
                "| {c} | {} | {:.0} | {bridge} | {:.0} | {:.0} | {:.0} |",
                PATHS[i],
                cell.cpu_us(0),
                cell.cpu_us(2),
                total,
                m.cpus as f64 * 1e6 / total
            );
        }
    }

    let _ = writeln!(
        w,
        "\n## Streaming relay\n\nOne task streaming {} status updates, one every {} ms; each carries the agent's clock at\n\
         emission, compared with the client's on arrival (same machine). Through the bridge an update arrives as an\n\
         MCP progress notification.\n",
        p.stream_events, p.stream_interval_ms
    );
    let _ = writeln!(w, "| Path | events received | p50 ms | p99 ms | max ms |");
    let _ = writeln!(w, "|---|---|---|---|---|");
    for relay in &r.relay {
        let _ = writeln!(
            w,
            "| {} | {} of {} | {:.3} | {:.3} | {:.3} |",
            relay.label,
            relay.received,
            relay.expected,
            ms(relay.stats.p50),
            ms(relay.stats.p99),
            ms(relay.stats.max)
        );
    }

    let mem = &r.memory;
    let _ = writeln!(
        w,
        "\n## Memory\n\nThe bridge process (stdio) with {} configured agents: VmRSS, RssAnon and VmHWM (peak) from\n\
         `/proc/<pid>/status`. Anonymous memory is the heap and the stacks; the rest of the RSS is the pages of the\n\
         binary and its libraries, which the kernel shares between processes running the same binary and can drop.\n\
         In flight: {} `work {}` calls at once, spread over the agents (each holds an A2A\n\
         event stream open); measured half-way through and after they all returned ({:.1} s).\n",
        mem.agents,
        mem.calls,
        mem.work_secs,
        mem.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        w,
        "| State | RSS MiB | of which anonymous MiB | peak RSS MiB |"
    );
    let _ = writeln!(w, "|---|---|---|---|");
    for (label, m) in [
        ("idle, after tools/list".to_owned(), mem.idle),
        (format!("{} calls in flight", mem.calls), mem.during),
        ("after the calls".to_owned(), mem.after),
    ] {
        let _ = writeln!(
            w,
            "| {label} | {:.1} | {:.1} | {:.1} |",
            mib(m.rss_kib),
            mib(m.anon_kib),
            mib(m.peak_kib)
        );
    }
    let _ = writeln!(
        w,
        "\nPer in-flight call: (peak with calls − idle peak) / calls = **{:.1} KiB**.",
        mem.per_call_kib()
    );

    let _ = writeln!(
        w,
        "\n## Start-up and growth\n\nThe agents are one demo agent process under path prefixes, each answering its card after {} ms.\n\
         Start-up: from spawning the bridge to a complete `tools/list` (the MCP handshake included), median of {}.\n\
         Slowest card: the slowest of the same cards fetched one at a time. `tools/list` and the `echo` call (to the\n\
         last agent's tool) are p50 over {} and {} calls, the bridges (all running) taking turns.\n",
        p.card_delay_ms, p.startup_runs, p.list_calls, p.growth_calls
    );
    let _ = writeln!(
        w,
        "| Agents | tools | start-up ms | slowest card ms | start-up − slowest ms | tools/list ms | echo call ms |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|");
    for g in &r.growth {
        let _ = writeln!(
            w,
            "| {} | {} | {:.1} | {:.1} | {:+.1} | {:.3} | {:.3} |",
            g.agents,
            g.tools,
            ms(g.startup.p50),
            ms(g.slowest_card),
            ms(g.startup.p50) - ms(g.slowest_card),
            ms(g.list.p50),
            ms(g.call.p50)
        );
    }

    render_catalog(w, p, &r.catalog);

    let _ = writeln!(
        w,
        "\n## Result size\n\n`big N` replies with N bytes of text; p50 over {} calls per path, taking turns. Through the bridge the text appears\n\
         twice in the MCP result (the text content, and `structuredContent.text` for hosts that read only that).\n",
        p.payload_calls
    );
    let _ = writeln!(
        w,
        "| Result | direct ms | bridge, stdio ms | stdio / direct | bridge, HTTP ms | HTTP / direct |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|");
    for (bytes, s) in &r.payloads {
        let _ = writeln!(
            w,
            "| {} | {:.3} | {:.3} | {:.2} | {:.3} | {:.2} |",
            size(*bytes),
            ms(s[0].p50),
            ms(s[1].p50),
            ms(s[1].p50) / ms(s[0].p50),
            ms(s[2].p50),
            ms(s[2].p50) / ms(s[0].p50)
        );
    }
    render_comparison(w, r);
    let _ = writeln!(w, "{NOTES}");
    out
}

/// The catalog section: `tools/list` and `find_skills` for many agents in each tool mode.
pub fn render_catalog(w: &mut String, p: &Plan, rows: &[CatalogRow]) {
    let _ = writeln!(
        w,
        "\n## Many agents: tool modes\n\n`tools/list` and `find_skills` with {} demo agents (4 of the demo skills each, one \
         agent process under path prefixes), one bridge (stdio) per count and `tool_mode`, started and measured \
         in turn. KiB: the whole list as one `tools/list` result in compact JSON (the bridge sends pages of 500 \
         tools). Start-up: spawn to the complete list. `tools/list` ms: p50 of {} complete lists (every page). \
         `find_skills`: {} calls taking turns over five queries in the demo skills' words, every other one naming \
         an agent; every agent has the same four skills, so a query matches one skill of every agent and all \
         of them are ranked (a worst case for the ranking). `auto` turns compact past {} tools.\n",
        p.catalog_agents
            .iter()
            .map(|n| thousands(*n as f64))
            .collect::<Vec<_>>()
            .join(", "),
        p.catalog_list_calls,
        p.catalog_find_calls,
        mcp_a2a_bridge::config::DEFAULT_COMPACT_ABOVE_TOOLS
    );
    let _ = writeln!(
        w,
        "| Agents | tool_mode | tools | tools/list KiB | start-up ms | tools/list ms | find_skills p50 ms | find_skills p99 ms |"
    );
    let _ = writeln!(w, "|---|---|---|---|---|---|---|---|");
    for row in rows {
        let (p50, p99) = match &row.find {
            Some(s) => (format!("{:.3}", ms(s.p50)), format!("{:.3}", ms(s.p99))),
            None => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {:.1} | {:.1} | {:.3} | {p50} | {p99} |",
            thousands(row.agents as f64),
            row.mode,
            row.tools,
            row.list_bytes as f64 / 1024.0,
            ms(row.startup),
            ms(row.list.p50),
        );
    }
}

fn render_comparison(w: &mut String, r: &Results) {
    let c = &r.comparison;
    let p = &r.plan;
    let _ = writeln!(w, "\n## Side by side\n");
    if let Some(why) = c.skipped {
        let _ = writeln!(w, "Peers and SDK clients not measured: {why}.\n");
    }
    if !c.columns.is_empty() {
        let _ = writeln!(
            w,
            "The same demo agent, the same client (the bench's rmcp client over stdio) and the same `echo` skill. \
             a2a-mcp-skillmap (npm, Node {}) reaches the agent over its A2A v0.3 interface \
             (`message/send`); the bridge picks 1.0 (`SendStreamingMessage`). Latency: {} one-at-a-time calls \
             per column after {} warm-up calls, taking turns. Throughput: {:.1} s per cell. Memory, tools/list \
             and start-up: {} agents (4 of the demo skills each), as in the memory and start-up sections; tools/list time is \
             `listTools()` in the official TypeScript SDK 1.32.2 over stdio, p50 of {}, which includes compiling \
             a validator for every output schema it is given.\n",
            node_version(),
            p.latency_calls,
            p.latency_warmup,
            p.throughput_for.as_secs_f64(),
            p.memory_agents,
            p.list_calls
        );
        let mut header = String::from("| | ");
        let mut rule = String::from("|---|");
        for col in &c.columns {
            header.push_str(&format!("{} | ", col.label));
            rule.push_str("---|");
        }
        let _ = writeln!(w, "{}\n{rule}", header.trim_end());
        let row = |w: &mut String,
                   name: &str,
                   f: &dyn Fn(usize, &crate::compare::PeerColumn) -> String| {
            let cells: Vec<String> = c
                .columns
                .iter()
                .enumerate()
                .map(|(i, col)| f(i, col))
                .collect();
            let _ = writeln!(w, "| {name} | {} |", cells.join(" | "));
        };
        row(w, "p50 ms", &|_, col| format!("{:.3}", ms(col.latency.p50)));
        row(w, "p99 ms", &|_, col| format!("{:.3}", ms(col.latency.p99)));
        for (k, level) in p.peer_concurrency.iter().enumerate() {
            row(w, &format!("calls/s at {level} concurrent"), &|_, col| {
                col.rates
                    .get(k)
                    .map(|(_, r)| format!("{r:.0}"))
                    .unwrap_or_default()
            });
        }
        let instr = |server: &str| {
            c.instructions
                .iter()
                .find(|row| row.server == server && row.transport == "stdio")
                .map(|row| match &row.per_call {
                    Ok(n) => thousands(*n),
                    Err(_) => "failed (see below)".into(),
                })
                .unwrap_or_else(|| "—".into())
        };
        row(w, "instructions per call (callgrind)", &|i, col| match i {
            0 => "—".into(),
            1 => instr("mcp-a2a-bridge"),
            _ => instr(&col.label),
        });
        row(
            w,
            &format!("idle peak RSS, {} agents, MiB", p.memory_agents),
            &|i, col| {
                if i == 0 {
                    "—".into()
                } else {
                    format!("{:.1}", mib(col.idle_kib))
                }
            },
        );
        row(
            w,
            &format!("KiB per in-flight call ({} `work` calls)", p.inflight_calls),
            &|i, col| {
                if i == 0 {
                    "—".into()
                } else {
                    format!("{:.1}", col.per_call_kib)
                }
            },
        );
        row(
            w,
            &format!("start-up with {} agents, ms", p.startup_agents),
            &|i, col| {
                if i == 0 {
                    "—".into()
                } else {
                    format!("{:.1}", ms(col.startup.p50))
                }
            },
        );
        row(w, "tools/list: tools, KiB", &|i, col| {
            if i == 0 {
                "—".into()
            } else {
                format!("{}, {:.1}", col.list_tools, col.list_bytes as f64 / 1024.0)
            }
        });
        row(w, "tools/list in the TypeScript SDK, ms", &|i, col| {
            if i == 0 {
                "—".into()
            } else {
                format!("{:.1}", ms(col.ts_list.p50))
            }
        });
    }

    if !c.clients.is_empty() {
        let _ = writeln!(
            w,
            "\n### Clients\n\nOne-at-a-time `echo` calls from the official SDKs' clients ({} per row after {} warm-up \
             calls; one row at a time, not taking turns), next to the bench's own rmcp client from the latency \
             section. Each SDK client runs in its own process and times its calls itself.\n",
            p.latency_calls, p.latency_warmup
        );
        let _ = writeln!(
            w,
            "| Client | transport | server | p50 ms | p95 ms | p99 ms | max ms |"
        );
        let _ = writeln!(w, "|---|---|---|---|---|---|---|");
        for (i, transport) in ["stdio", "HTTP"].iter().enumerate() {
            let s = &r.latency[i + 1];
            let _ = writeln!(
                w,
                "| rmcp 3.11 (the bench) | {transport} | mcp-a2a-bridge | {:.3} | {:.3} | {:.3} | {:.3} |",
                ms(s.p50),
                ms(s.p95),
                ms(s.p99),
                ms(s.max)
            );
        }
        for row in &c.clients {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
                row.client,
                row.transport,
                row.server,
                ms(row.stats.p50),
                ms(row.stats.p95),
                ms(row.stats.p99),
                ms(row.stats.max)
            );
        }
    }

    let _ = writeln!(w, "\n### Instructions per call\n");
    match &c.valgrind {
        None => {
            let _ = writeln!(
                w,
                "Not counted: valgrind is not installed (`apt-get install valgrind`); the column stays empty.\n"
            );
        }
        Some(version) => {
            let _ = writeln!(
                w,
                "Instructions executed by the server process for one `echo` call, all threads, counted by \
                 `valgrind --tool=callgrind` ({version}): the counters are zeroed after a tenth as many warm-up \
                 calls and dumped after the counted ones. Unlike times, these counts do not depend on the load \
                 of the machine. The server runs at its default log level.\n"
            );
            let _ = writeln!(
                w,
                "| Server | transport | calls counted | instructions per call |"
            );
            let _ = writeln!(w, "|---|---|---|---|");
            for row in &c.instructions {
                let value = match &row.per_call {
                    Ok(n) => thousands(*n),
                    Err(e) => format!("not counted: {}", e.replace('\n', " ").replace('|', "/")),
                };
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {value} |",
                    row.server, row.transport, row.calls
                );
            }
        }
    }
}

fn node_version() -> String {
    std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "?".into())
}

/// What the numbers mean and where the time goes, from the CPU table and `perf` profiles of the full run.
const NOTES: &str = "
## Notes

- **What \"added\" includes.** The bridged figures are measured at the MCP client, so they include the rmcp
  client's own work: JSON-RPC framing, and over HTTP a POST with an SSE reply per call. Any MCP host pays a cost like
  this. The direct figures use the bridge's own A2A client, so they show exactly the agent leg of a bridged call.
- **Ratios against a cheap agent.** The demo agent's `echo` takes 30–60 µs of CPU and about 0.3 ms end to end, so
  every ratio here is a worst case. Against an agent that calls a model (hundreds of milliseconds), the bridge adds
  the same fraction of a millisecond (stdio, HTTP), and its share of direct throughput approaches 100%.
- **Load.** The machine this file was written on is shared; the load average is in the header. Wall-clock figures
  (latency, throughput, start-up) move with it, the instruction counts do not. Rerun on a quiet machine before
  reading much into a p99 or a throughput ratio.
- **Before this round, on the same machine.** The machine changed since the last run of this file, so its
  figures do not compare with this one's. The build before this round (commit 5b9bf91, thin LTO), run through
  the same bench on this machine just before this file was written: 262,062 / 416,429 instructions per stdio /
  HTTP echo call, 9,279 / 3,817 calls/s at 64 concurrent calls (29% / 12% of direct; 127 µs of the bridge's CPU
  per stdio call), idle RSS 19.2 MiB with 50 agents, 50.8 KiB per call in flight.
- **Node clients over HTTP.** The bridge writes a response in more than one piece (headers, then SSE events);
  without `TCP_NODELAY`, Nagle's algorithm held a later piece back until the client acknowledged the earlier one,
  and Node's client delays that ACK (about 40 ms per call, as issue 16 measured). The bridge sets `TCP_NODELAY` on every connection it accepts
  and, through reqwest's `tcp_nodelay(true)`, on every connection it opens; the clients table shows the TypeScript
  client over HTTP as fast as the Python one (faster, at p50). Its p99 is the Node client's own: the same client
  has as long a tail over stdio, where the rmcp client's p99 against the same bridge is well under a millisecond.
- **Instructions per call: what was tried.** Counted with `-- --instructions` (callgrind, 1,000 echo calls per
  transport; `-- --instructions --keep` leaves the dumps for `callgrind_annotate`). Stdio / HTTP per call:
  - the tool call's future boxed (`Box::pin` in `call_tool`), so tokio no longer moves rmcp's whole per-request
    state machine: kept (issue 16 counted 376 K per stdio call before, and −27% for this change in a scratch copy;
    the tree then counted about 300 K);
  - the per-call `info` log line: 301 K with it, 279 K at `RUST_LOG=warn` (−7%). Kept at `info`: it is the
    operator's one record of each call;
  - one runtime worker (`TOKIO_WORKER_THREADS=1`, the effect of a current-thread runtime on the instruction count):
    295 K (−2%); fewer cross-thread wake-ups show in wall time and kernel time rather than in user-space
    instructions, which this machine's load hides. Not changed;
  - outbound requests: each agent URL is parsed once (`A2aClient`); `TCP_NODELAY` set explicitly. Same-origin
    redirects stay (a security rule, `bridge::same_origin_redirects`);
  - then profiled (323.6 K / 479.3 K at the start of this round): 18% of the instructions were `memcpy`, 31 K per
    call copying the tool call's 15.8 KB future twice (into its box and into its `Instrumented` wrapper; valgrind
    counts `rep movsb` per byte). Boxing every other `ServerHandler` method as well changed nothing in
    instructions (325.4 K; it does cut memory, see \"Memory per call\"). What helped: the call boxed before it
    is instrumented, `Follow::race` taking a boxed request future (an `async fn` keeps its argument and the
    pinned copy side by side), and the rare paths (budget spent, cancel, recovery,
    polling, progress and elicitation futures) boxed: the future went from 15.8 to 9.0 KB (debug build), memcpy
    from 58.4 K to 34.8 K per call;
  - scrubbing skipped when no secret is configured (it copied every text of every result and round-tripped the
    structured content through JSON): about −13 K per call;
  - the JSON-RPC envelope serialized straight to bytes (a typed struct) instead of `json!`, which deep-copied the
    params through `to_value`: envelope 16.5 K → 6.5 K, about −15 K per call with the Value no longer serialized
    again;
  - message ids from a random per-process base plus a counter (UUID-shaped) instead of a random UUID per call:
    no change in the count (the `getrandom` system call it saves is kernel time, which callgrind does not
    count);
  - the four above together: 274.0 K / 427.1 K;
  - the SSE decoder replaced by our own single pass over each chunk (it copied every chunk twice and parsed
    line by line through nom): 262.9 K / 419.5 K (−4% / −2%). It is checked against the old decoder by a
    property test, which also found that the old one panicked on a stream starting with a byte order mark;
  - one tool-table lookup fewer per call: 262.4 K / 417.7 K;
  - the release binary built with whole-program LTO and one codegen unit (was thin LTO, four units): 254.3 K /
    405.4 K (−3%), and 2 MiB less idle RSS (see \"Memory\"). Kept;
  - mimalloc as the global allocator (malloc and free are 18% of a call's instructions with glibc's), tried on
    the thin-LTO build before the memory changes: 224.2 K / 347.2 K against 262.3 K / 416.7 K (−15% / −17%), but
    the idle RSS went from 17.7 to 35.2 MiB with its defaults (19.5 MiB with `MIMALLOC_ARENA_EAGER_COMMIT=0`) and
    each call in flight took 52–64 KiB instead of 48. Not kept: it trades the memory goals for an instruction
    count that still misses its goal;
  - the next round, on the LTO build (243.5 K / 392.9 K at its start): the stdio transport is our own
    (`mcp::stdio`). rmcp read every line as an untagged enum, buffering it and trying the request types in turn,
    formatting an error for each of the thirteen before `tools/call`: 38.6 K per call. Ours reads the envelope,
    then a `tools/call` straight into rmcp's `CallToolRequest`, and gives every other line to rmcp's codec:
    14.6 K, and 220.1 K per stdio call (−10%). A test feeds the same bytes, malformed lines included, to rmcp's
    transport and ours and compares what each reads and writes;
  - rmcp's HTTP service behind an `Arc`: it cloned itself for every request, its whole config with the Host and
    Origin lists, and axum cloned it once more: 373.9 K per HTTP call (−19 K, −5%);
  - stateless HTTP (`stateful = false`, the \"HTTP, stateless\" row) answered with a JSON body instead of an SSE
    stream when no notification comes first (rmcp's `json_response`): 409.8 K per call with it and without (the
    stream is not where a stateless request's cost is: rmcp serves each one with a fresh service and task). Not
    kept;
  - not done: the A2A params still go through a `serde_json::Value` (`wire::send_params`, about 6 K), and events
    are read into a `Value` before the typed `StreamEvent` (about 7 K per event); the log line's format.

  Where a stdio echo call's 263 K instructions went before the LTO change (callgrind inclusive costs, non-overlapping): rmcp reading
  and parsing the request 40 K (15%; its request parsing tries one request type after another, building and
  dropping an error for each, about 8 K), rmcp writing the result 13 K (5%), rmcp's dispatch in the request task
  11 K (4%); reqwest and hyper for the agent request 49 K (18%; reqwest parses the URL twice per request in its
  redirect layer, 12 K, whatever the redirect policy) plus the agent connection's task 16 K (6%); the bridge's own
  call 90 K (34%: the event JSON 14 K, the A2A params and envelope 13 K, the result 13 K, copying the call's
  future into its box 9 K, tracing's span and log line, timers); the rest, 45 K (17%), is the runtime's
  scheduling, rmcp's serve loop and channels, and the log writer thread. Across all of it, malloc/free are 18%
  and memcpy 13%. Libraries accounted for more than 150 K of the 263 K. Of that, the bridge has since taken rmcp's
  request parsing into its own transport (its `receive` took 38.6 K with rmcp's transport and takes 14.6 K now,
  most of it serde_json); about 130 K remain in the libraries it calls (reqwest and hyper, rmcp's serve loop,
  dispatch and writing, the runtime, tracing). With the transport that is about 145 K, nearly the whole 150 K
  goal, before any of the bridge's own work: the goal cannot be met by the bridge's code alone. Over HTTP, rmcp's
  Streamable HTTP server adds about 150 K per call (an HTTP request, an SSE response and the session's channels,
  and rmcp's own message parsing, about 36 K, which stdio no longer pays); with the 130 K the libraries take of
  every call, that is about 280 K before any of the bridge's own work, so the 250 K goal cannot be met either
  without changing rmcp, reqwest or hyper.
- **HTTP vs stdio.** The `ping` rows isolate the transport: Streamable HTTP costs about 0.3 ms more per round trip
  than stdio here, and about 150 K more instructions per call in the bridge (rmcp's HTTP server: an HTTP request,
  an SSE response and the session's channels per call), plus more CPU in the rmcp client (the CPU table).
- **Memory.** At rest, most of the bridge's RSS is its binary's pages: the memory table's anonymous column is the
  heap and the stacks, about 4 MiB with 50 agents (the tool table, the cards, the connections); the rest is
  file-backed, the pages of the binary and its libraries the bridge has mapped in (what it has run, and what the
  kernel maps around each page it faults in), shared with any other process running the same binary. Building the
  release binary with whole-program LTO and one codegen unit (`Cargo.toml`) shrank the binary from 22 to 17 MB
  (its machine code from 12.7 to 11.2 MB) and the file-backed part of the idle RSS from 13.5 to 11.5 MiB.
- **Memory per call.** Where the bytes of a call in flight go, from `heaptrack` (peak heap, 1,000 `work` calls
  in flight over stdio, per call), and what this round changed:
  - hyper's HTTP/1.1 connection to the agent, one per open stream (HTTP/1.1 multiplexes nothing): a read buffer
    and a write buffer (7.1 and 7.3 KB per call on average at the peak; hyper starts each at 8 KiB), the
    connection's request channel (8.5 KB, its first block of slots), the client's and pool's bookkeeping (about
    3 KB): about 26 KB, none of it configurable through reqwest;
  - rmcp's task for the request: 6.9 KB, now 4.5 KB. Its size is that of the largest request handler's future,
    which was the bridge's `resources/read`; the handlers larger than a tool call's are now boxed, so the largest
    is rmcp's own (the subscription handshake);
  - the bridge's tool call state machine: 9.2 KB, now 6.0 KB (release-build sizes from `-Zprint-type-sizes`;
    the 15.8 and 9.0 KB above are debug-build sizes). The polling and recovery steps are boxed out of the
    streaming path, whose state machine every call in flight holds, and the task view (400 bytes) is borrowed
    down that path instead of moved, since each by-value copy stayed in the state machine; the settled view is
    taken for the result instead of cloned;
  - unchanged: the request future boxed for the race (1.7 KB) and the request body reqwest keeps for redirects
    (1.1 KB). With the state machine, the bridge's own share is about 9 KB per call (about 12 before).

  hyper and rmcp are about 30 KB per call, which leaves about 2 KiB of the 32 KiB goal for the bridge's own
  bytes and the allocator's overhead: the goal cannot be met with agents that speak HTTP/1.1 without changing
  those libraries as well as the bridge. a2a-mcp-skillmap needs more than twice as much per call. The figure
  also moves from run to run with the allocator's fragmentation: three `-- --memory` runs of one build
  (commit 8997636) gave 41.6, 43.4 and 44.4 KiB per call, where a full run of the same build an hour earlier gave
  39.2; the changes since it measure the same (41.8 to 44.3 KiB).
- **Tool list.** Skill tools declare no `outputSchema` (their `structuredContent` says nothing the text lacks,
  MCP 2025-11-25 tools: the schema is optional), so the TypeScript client compiles no validator for them. A skill
  tool is about 530 bytes for the demo skills (1.3 KiB before): its description is the skill's own with up to three
  short examples (the agent's description is in `list_agents` and its card, no longer repeated per skill); the
  input schema, which every skill tool repeats, describes only `data` (JSON text), since the other arguments say
  what they are by name and each result names the id to pass next, and what they all mean is said once, in the
  server instructions and `send_message`'s description; no `wait_seconds` maximum (a longer wait is cut to the
  cap, not refused); the annotations only where they differ from MCP's defaults (`destructiveHint: false`); the
  title once. Output schemas (on `send_message`, `get_task`, `cancel_task`) carry types and names, no
  descriptions.
- **Many agents.** In `skills` mode the list grows with every skill (megabytes at 2,000 agents, and a
  client pages through it); in `compact` mode, and in `auto` past its threshold, it is the bridge's own tools
  and `find_skills`, the same few kilobytes however many agents there are. `find_skills` ranks every skill
  sharing a word with the query (BM25 over one index built with the tool table), so its time grows with the
  matches: the demo agents' identical skills make every agent match, a worst case.
- **Growth.** `tools/list` grows with the number of tools because its answer does. A call's cost does not grow with
  the number of agents. Start-up stays 10–20 ms behind the slowest card with 50 agents and 40–70 ms with 200: the
  tool table is built once when the list is read, not once per agent.
- **Streaming relay.** A status update reaches the MCP client as a progress notification a few tenths of a
  millisecond after it would have reached a direct A2A client. The maximum is scheduling noise on a busy machine.
- **Large results.** The text of a result travels twice: in the text content and in `structuredContent.text`.
  Sending it once (the words only in the text content) cut a 1 MiB answer from 27.7 to 16.0 ms over stdio, but
  Claude Code 2.1 hands the model `structuredContent` instead of the text when there is one, so its model saw no
  answer at all: the text is back in `structuredContent`.
- **Peers.** a2a-mcp-skillmap is driven by the same rmcp client over stdio, on the demo agent's v0.3 interface
  (it sends `message/send` and waits). Its start-up with 50 agents is about 50 × the 200 ms card delay: it fetches
  the cards one after another.
";
