//! The built binary as a child process, shared by the integration tests and the benchmark harness
//! (`benches/bridge` includes this file with `#[path]`): the bridge on a config file, over stdio or Streamable
//! HTTP with rmcp's client connected, the demo agent on an OS-assigned port, a child's stderr read line by line
//! (to learn the address it bound), and the parameters of a `tools/call`.
//!
//! Addresses are never guessed: every listener binds port 0 and the child logs the address it got.
//!
//! Both binaries use nearly all of it; the few items only one of them uses carry `#[allow(dead_code)]` with the
//! name of the one that does, so anything neither uses is still flagged.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{ClientHandler, RoleClient};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStderr, Command};
use tokio::sync::Notify;

/// The bridge binary cargo built for this test or bench target.
pub const BIN: &str = env!("CARGO_BIN_EXE_mcp-a2a-bridge");

/// How long a child may take to log the address it listens on.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an MCP handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of a child's stderr kept in memory; later ones still go to the log file, if any.
const KEPT_LINES: usize = 10_000;

/// Which MCP generation the client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// `initialize` handshake (up to 2025-11-25).
    Legacy,
    /// No handshake: `server/discover` and per-request `_meta` (2026-07-28).
    #[allow(dead_code)] // the tests use it, the bench does not
    Modern,
}

impl Generation {
    fn lifecycle(self) -> ClientLifecycleMode {
        match self {
            Generation::Legacy => ClientLifecycleMode::Initialize,
            Generation::Modern => ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        }
    }
}

/// Writes `config` to `dir/file` and returns `BIN --config <that file>`.
pub fn bridge_command(dir: &Path, file: &str, config: &str) -> anyhow::Result<(Command, PathBuf)> {
    let path = dir.join(file);
    std::fs::write(&path, config).with_context(|| format!("writing {}", path.display()))?;
    let mut cmd = Command::new(BIN);
    cmd.arg("--config").arg(&path);
    Ok((cmd, path))
}

/// Spawns `cmd` (a bridge on stdio) with its stderr going to `stderr` and runs the MCP handshake with `handler`.
/// Returns the connected client and the bridge's process id.
pub async fn connect_stdio<H: ClientHandler>(
    cmd: Command,
    stderr: Stdio,
    handler: H,
    generation: Generation,
) -> anyhow::Result<(RunningService<RoleClient, H>, u32)> {
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(stderr)
        .spawn()
        .context("spawning the bridge")?;
    let pid = transport.id().context("the bridge has no process id")?;
    let client = tokio::time::timeout(
        HANDSHAKE_TIMEOUT,
        rmcp::service::serve_client_with_lifecycle(handler, transport, generation.lifecycle()),
    )
    .await
    .context("the MCP handshake over stdio timed out")?
    .context("the MCP handshake over stdio failed")?;
    Ok((client, pid))
}

/// Connects rmcp's Streamable HTTP client with `config` and runs the MCP handshake with `handler`.
pub async fn connect_http<H: ClientHandler>(
    config: StreamableHttpClientTransportConfig,
    handler: H,
    generation: Generation,
) -> anyhow::Result<RunningService<RoleClient, H>> {
    let transport = StreamableHttpClientTransport::from_config(config);
    tokio::time::timeout(
        HANDSHAKE_TIMEOUT,
        rmcp::service::serve_client_with_lifecycle(handler, transport, generation.lifecycle()),
    )
    .await
    .context("the MCP handshake over HTTP timed out")?
    .context("the MCP handshake over HTTP failed")
}

/// Spawns `cmd` (a bridge with `--http` or `[server].listen`, or the demo agent) with stderr read by [`Logs`] and
/// waits for the line that tells where it listens (`find`). Kills the child and returns its stderr as the error
/// when that line does not come.
pub async fn spawn_listening<T>(
    mut cmd: Command,
    log_file: Option<std::fs::File>,
    find: impl Fn(&str) -> Option<T>,
) -> anyhow::Result<(Child, Logs, T)> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().context("spawning the built binary")?;
    let logs = Logs::drain(child.stderr.take().context("piped stderr")?, log_file);
    match logs.wait_for(LISTEN_TIMEOUT, find).await {
        Some(found) => Ok((child, logs, found)),
        None => {
            let _ = child.start_kill();
            bail!(
                "no `listening` line within {LISTEN_TIMEOUT:?}; stderr:\n{}",
                logs.lines().join("\n")
            )
        }
    }
}

/// The bridge's `listening` line: the bound address (text `addr=1.2.3.4:5` or JSON `"addr":"1.2.3.4:5"`).
pub fn bridge_listening(line: &str) -> Option<SocketAddr> {
    line.contains("listening")
        .then(|| log_field(line, "addr"))??
        .parse()
        .ok()
}

/// The demo agent's `demo agent listening` line: its base URL without the trailing slash.
pub fn demo_agent_listening(line: &str) -> Option<String> {
    line.contains("demo agent listening")
        .then(|| log_field(line, "url"))?
        .map(|url| url.trim_end_matches('/').to_owned())
}

/// The value of field `name` in a log line, text (`name=value`) or JSON (`"name":"value"`).
fn log_field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let json = format!("\"{name}\":\"");
    let text = format!(" {name}=");
    let rest = match line.find(&json) {
        Some(i) => &line[i + json.len()..],
        None => &line[line.find(&text)? + text.len()..],
    };
    Some(&rest[..rest.find(['"', ' ']).unwrap_or(rest.len())])
}

/// A child's stderr, read line by line for the child's whole life (so it never blocks on a full pipe): the first
/// lines kept in memory, every line appended to the log file if there is one.
#[derive(Clone)]
pub struct Logs {
    lines: Arc<Mutex<Vec<String>>>,
    grew: Arc<Notify>,
}

impl Logs {
    fn drain(stderr: ChildStderr, mut file: Option<std::fs::File>) -> Logs {
        let logs = Logs {
            lines: Arc::default(),
            grew: Arc::default(),
        };
        let keep = logs.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(f) = file.as_mut() {
                    use std::io::Write;
                    let _ = writeln!(f, "{line}");
                }
                let mut kept = keep.lines.lock().unwrap();
                if kept.len() < KEPT_LINES {
                    kept.push(line);
                }
                drop(kept);
                keep.grew.notify_waiters();
            }
            // The pipe closed: wake waiters so they see no more lines are coming.
            keep.grew.notify_waiters();
        });
        logs
    }

    /// The lines kept so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The first line (already read or still to come) for which `find` gives `Some`, waiting at most `limit`.
    pub async fn wait_for<T>(
        &self,
        limit: Duration,
        find: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut seen = 0;
        loop {
            // Registered before looking, so a line pushed in between still wakes us.
            let grew = self.grew.notified();
            {
                let lines = self.lines.lock().unwrap();
                if let Some(found) = lines[seen..].iter().find_map(|l| find(l)) {
                    return Some(found);
                }
                seen = lines.len();
            }
            if tokio::time::timeout_at(deadline, grew).await.is_err() {
                return None;
            }
        }
    }
}

/// The demo agent (`BIN demo-agent`) on an OS-assigned loopback port, as its own process; killed when dropped.
pub struct DemoAgent {
    /// `http://127.0.0.1:PORT`, as the agent logged it (no trailing slash).
    pub base: String,
    child: Child,
}

impl DemoAgent {
    /// Starts `demo-agent --listen 127.0.0.1:0` plus `args` and waits until it logs the URL it serves; its stderr
    /// goes to `log_file` if given.
    pub async fn start(
        args: &[&str],
        log_file: Option<std::fs::File>,
    ) -> anyhow::Result<DemoAgent> {
        let mut cmd = Command::new(BIN);
        cmd.args(["demo-agent", "--listen", "127.0.0.1:0"])
            .args(args)
            // `info` for the `demo agent listening` line; the agent logs nothing per request at that level.
            .env("RUST_LOG", "info");
        let (child, _logs, base) = spawn_listening(cmd, log_file, demo_agent_listening)
            .await
            .context("starting the demo agent")?;
        Ok(DemoAgent { base, child })
    }

    /// The agent's JSON-RPC endpoint (and card base), `{base}/`.
    #[allow(dead_code)] // the tests use it, the bench builds its own per-agent URLs from `base`
    pub fn url(&self) -> String {
        format!("{}/", self.base)
    }

    #[allow(dead_code)] // the bench uses it (CPU time), the tests do not
    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().context("the demo agent has exited")
    }
}

/// `tools/call` parameters: `tool` with `args` (an object; anything else means no arguments).
pub fn call_params(tool: &str, args: Value) -> CallToolRequestParams {
    let params = CallToolRequestParams::new(tool.to_owned());
    match args {
        Value::Object(map) => params.with_arguments(map),
        _ => params,
    }
}
