//! Side by side: the bridge next to a peer bridge a user would pick instead (a2a-mcp-skillmap, from npm, on the
//! demo agent's v0.3 interface), the bridge as other MCP clients see it (the official TypeScript and Python SDKs),
//! and the CPU of one call counted in instructions (`valgrind --tool=callgrind`), which the load of a shared
//! machine does not change.
//!
//! Everything here is provisioned on first use under `target/` (skillmap: `bench-peers/`, from the committed
//! `peers/skillmap/package-lock.json`; the SDK clients: the integration tests' `support::clients`), and only by
//! the full run: `--quick` provisions nothing.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::clients;
use crate::measure::Stats;
use crate::peers::{Agent, Bridge, Via, Workdir};
use crate::provision::{self, Env};

/// The peer's pinned version (`peers/skillmap/package.json`).
pub const SKILLMAP_VERSION: &str = "0.2.1";
/// How long one client script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(600);

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches")
        .join("bridge")
}

/// skillmap's CLI (`dist/cli/index.js`), installed with `npm ci` under `target/bench-peers/skillmap` on first use.
pub fn skillmap_cli() -> anyhow::Result<PathBuf> {
    let source = bench_dir().join("peers").join("skillmap");
    let read = |name: &str| {
        std::fs::read(source.join(name))
            .with_context(|| format!("reading {}", source.join(name).display()))
    };
    let (manifest, lockfile) = (read("package.json")?, read("package-lock.json")?);
    let env = Env {
        who: "bench peer a2a-mcp-skillmap",
        root: provision::target_dir().join("bench-peers"),
        key: "skillmap",
        marker_file: ".bench-peer-ready",
        marker_text: format!(
            "package.json fnv1a64={:016x}\npackage-lock.json fnv1a64={:016x}\n",
            provision::fnv1a64(&manifest),
            provision::fnv1a64(&lockfile)
        ),
    };
    let prefix = env
        .npm_ci(
            "npm",
            &[
                ("package.json", &manifest),
                ("package-lock.json", &lockfile),
            ],
            &[
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ],
            "Needs Node.js >= 20 with npm.",
        )
        .map_err(anyhow::Error::msg)?;
    Ok(prefix
        .join("node_modules")
        .join("a2a-mcp-skillmap")
        .join("dist")
        .join("cli")
        .join("index.js"))
}

/// skillmap's config for `agents` agents (the same URLs as the bridge's), over stdio, logging only warnings
/// (the bridge logs one line per call at its default level; skillmap's default `info` logs several).
pub fn skillmap_config(agent: &Agent, agents: usize) -> String {
    let list: Vec<Value> = (0..agents).map(|i| json!({"url": agent.url(i)})).collect();
    json!({"agents": list, "transport": "stdio", "logging": {"level": "warn"}}).to_string()
}

/// `node <skillmap> --config <file>` with `config` written into the work directory.
pub fn skillmap_command(
    work: &Workdir,
    cli: &Path,
    config: &str,
    tag: &str,
) -> anyhow::Result<Command> {
    let path = work.path().join(format!("{tag}.json"));
    std::fs::write(&path, config).with_context(|| format!("writing {}", path.display()))?;
    let mut cmd = Command::new("node");
    cmd.arg(cli).arg("--config").arg(path);
    Ok(cmd)
}

/// skillmap names a tool `{agent id}__{skill id}`, its agent id made from the card's name (with a hash in front for
/// a second agent of the same name): the first listed tool of `skill` belongs to the first agent.
pub async fn skillmap_tool(peer: &Bridge, skill: &str) -> anyhow::Result<String> {
    let suffix = format!("__{skill}");
    peer.tools()
        .await?
        .into_iter()
        .map(|t| t.name.to_string())
        .find(|n| n.ends_with(&suffix))
        .with_context(|| format!("skillmap lists no {suffix} tool"))
}

/// Samples from one client script run, in microseconds.
pub struct ScriptRun {
    pub calls: Stats,
    pub lists: Stats,
    pub list_bytes: u64,
    pub tools: u64,
}

/// What a client script drives.
pub enum ScriptTarget<'a> {
    Http(&'a str),
    Stdio {
        command: &'a Path,
        args: Vec<String>,
    },
}

/// Which SDK a script uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sdk {
    TypeScript,
    Python,
}

/// Runs one SDK's bench script against `target`: `lists` timed `tools/list`, then `warmup` + `calls` timed
/// one-at-a-time calls of `tool`.
pub async fn run_script(
    sdk: Sdk,
    target: ScriptTarget<'_>,
    tool: &str,
    warmup: usize,
    calls: usize,
    lists: usize,
) -> anyhow::Result<ScriptRun> {
    let mut job =
        json!({"tool": tool, "message": "ping", "warmup": warmup, "calls": calls, "lists": lists});
    match &target {
        ScriptTarget::Http(url) => {
            job["transport"] = json!("http");
            job["url"] = json!(url);
        }
        ScriptTarget::Stdio { command, args } => {
            job["transport"] = json!("stdio");
            job["command"] = json!(command);
            job["args"] = json!(args);
        }
    }
    let mut cmd = match sdk {
        Sdk::TypeScript => {
            let prefix =
                tokio::task::spawn_blocking(|| clients::npm_prefix(clients::NpmSet::TsCurrent))
                    .await
                    .context("provisioning the TypeScript SDK")?;
            let mut cmd = Command::new("node");
            cmd.arg(bench_dir().join("clients").join("mcp_bench.mjs"))
                .arg(prefix);
            cmd
        }
        Sdk::Python => {
            ensure!(
                matches!(target, ScriptTarget::Http(_)),
                "the Python bench script speaks HTTP only"
            );
            let python = tokio::task::spawn_blocking(clients::python_env)
                .await
                .context("provisioning the Python SDK")?;
            let mut cmd = Command::new(python);
            cmd.arg(bench_dir().join("clients").join("mcp_bench.py"))
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .env_remove("PYTHONPATH");
            cmd
        }
    };
    cmd.arg(job.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .with_context(|| format!("spawning the {sdk:?} bench client"))?;
    let out = tokio::time::timeout(SCRIPT_TIMEOUT, child.wait_with_output())
        .await
        .with_context(|| {
            format!("the {sdk:?} bench client took longer than {SCRIPT_TIMEOUT:?}")
        })??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let v: Value = serde_json::from_str(line).with_context(|| {
        format!(
            "the {sdk:?} bench client printed no JSON ({}); stderr: {}",
            out.status,
            provision::tail(&out.stderr, 3000)
        )
    })?;
    if let Some(e) = v.get("error") {
        bail!(
            "the {sdk:?} bench client failed: {}",
            e.as_str().unwrap_or_default()
        );
    }
    let samples = |key: &str| -> Vec<Duration> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_f64)
                    .map(|us| Duration::from_nanos((us * 1000.0) as u64))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (call_samples, list_samples) = (samples("calls"), samples("lists"));
    ensure!(
        call_samples.len() == calls && list_samples.len() == lists,
        "the {sdk:?} bench client reported {} calls and {} lists, not {calls} and {lists}",
        call_samples.len(),
        list_samples.len()
    );
    Ok(ScriptRun {
        calls: Stats::of(call_samples),
        lists: Stats::of(list_samples),
        list_bytes: v["listBytes"].as_u64().unwrap_or(0),
        tools: v["tools"].as_u64().unwrap_or(0),
    })
}

/// `valgrind --version`, or `None` when valgrind is not installed (the instruction counts are then skipped).
pub fn valgrind_version() -> Option<String> {
    let out = std::process::Command::new("valgrind")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `program args…` under callgrind, with instrumentation running from the start and its dumps in `work`.
pub fn under_callgrind(
    work: &Workdir,
    tag: &str,
    program: &Path,
    args: &[&std::ffi::OsStr],
) -> Command {
    let mut cmd = Command::new("valgrind");
    cmd.arg("--tool=callgrind")
        .arg(format!(
            "--callgrind-out-file={}",
            work.path().join(format!("callgrind-{tag}.out")).display()
        ))
        .arg(program)
        .args(args);
    cmd
}

/// Instructions per call of the server process `server` (started under `under_callgrind` with `tag`): `warmup`
/// calls, the counters zeroed, `calls` calls made by `call`, a dump; its total `Ir` divided by `calls`.
pub async fn instructions_per_call<F, Fut>(
    work: &Workdir,
    tag: &str,
    server: &Bridge,
    warmup: usize,
    calls: usize,
    call: F,
) -> anyhow::Result<f64>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    for _ in 0..warmup {
        call().await?;
    }
    callgrind_control(&["-z"], server.pid).await?;
    for _ in 0..calls {
        call().await?;
    }
    callgrind_control(&["-d"], server.pid).await?;
    // The dump is `callgrind-<tag>.out.<n>`, its totals on a `totals:` (or `summary:`) line.
    let prefix = format!("callgrind-{tag}.out.");
    let mut dumps: Vec<PathBuf> = std::fs::read_dir(work.path())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    dumps.sort();
    let dump = dumps.last().context("callgrind wrote no dump")?;
    let text = std::fs::read_to_string(dump)?;
    let total: u64 = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("totals:")
                .or_else(|| l.strip_prefix("summary:"))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("no totals in {}", dump.display()))?;
    Ok(total as f64 / calls.max(1) as f64)
}

async fn callgrind_control(args: &[&str], pid: u32) -> anyhow::Result<()> {
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new("callgrind_control")
            .args(args)
            .arg(pid.to_string())
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .context("callgrind_control took longer than 120 s")??;
    ensure!(
        out.status.success(),
        "callgrind_control {args:?} {pid}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// Starts `bridge` (a command without the transport flags) under callgrind and connects over `via`.
pub async fn start_under_callgrind(
    work: &Workdir,
    tag: &str,
    program: &Path,
    args: &[&std::ffi::OsStr],
    via: Via,
) -> anyhow::Result<Bridge> {
    let cmd = under_callgrind(work, tag, program, args);
    Bridge::spawn(work, cmd, via, &format!("callgrind-{tag}")).await
}

/// One client's view of the bridge (or of the peer): one-at-a-time echo calls.
pub struct ClientRow {
    pub client: &'static str,
    pub transport: &'static str,
    pub server: String,
    pub stats: Stats,
}

/// Instructions per echo call of one server process, or why it was not counted.
pub struct InstructionRow {
    pub server: String,
    pub transport: &'static str,
    pub calls: usize,
    pub per_call: Result<f64, String>,
}

/// One bridge's column in the side-by-side table.
#[derive(Default)]
pub struct PeerColumn {
    pub label: String,
    /// One-at-a-time echo calls from the bench's rmcp client, taking turns with the other columns.
    pub latency: Stats,
    /// Concurrency → calls/s.
    pub rates: Vec<(usize, f64)>,
    /// With the memory run's agent count: idle peak RSS (KiB) and KiB per in-flight call.
    pub idle_kib: u64,
    pub per_call_kib: f64,
    /// Spawn to a complete tools/list with the start-up agent count, median.
    pub startup: Stats,
    /// tools/list with the memory run's agent count: JSON bytes, tool count, and the time `listTools()` takes
    /// in the TypeScript SDK.
    pub list_bytes: u64,
    pub list_tools: u64,
    pub ts_list: Stats,
}

/// Everything this module measured; `skipped` says why nothing was (the quick run).
#[derive(Default)]
pub struct Comparison {
    pub skipped: Option<&'static str>,
    pub valgrind: Option<String>,
    pub clients: Vec<ClientRow>,
    pub instructions: Vec<InstructionRow>,
    /// Direct A2A (latency and rates only), then the bridge, then the peer.
    pub columns: Vec<PeerColumn>,
}
