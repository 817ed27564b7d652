//! The processes a benchmark drives and the clients that drive them: the demo agent (`demo-agent`, its own
//! process), the built bridge on stdio or Streamable HTTP (its own process, so its RSS is its own), an MCP client
//! (rmcp) for the bridge, and an A2A client (the bridge's own `A2aClient`) for calling the agent directly.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use futures::StreamExt;
use mcp_a2a_bridge::a2a::{
    A2aClient, ClientSettings, Message, Part, ProtocolVersion, Role, StreamEvent,
};
use rmcp::model::{
    CallToolResult, ClientCapabilities, ClientConfig, Implementation, ProgressNotificationParam,
    Tool,
};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientHandler, RoleClient};
use serde_json::{Value, json};
use tokio::process::Child;
use tokio::sync::Notify;

use crate::process::{self, DemoAgent, Generation};

/// The longest any single step may take before the harness calls itself broken.
const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// Where configs and process logs go: a temporary directory, kept when the run fails.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> anyhow::Result<Workdir> {
        let dir = tempfile::Builder::new()
            .prefix("mcp-a2a-bridge-bench-")
            .tempdir()?;
        Ok(Workdir { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Leaves the directory in place (for reading the logs after a failure) and returns its path.
    pub fn keep(self) -> PathBuf {
        self.dir.keep()
    }

    fn log(&self, name: &str) -> anyhow::Result<File> {
        Ok(File::create(self.path().join(format!("{name}.log")))?)
    }
}

pub fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// The demo agent, as its own process. One process stands in for many agents under path prefixes.
pub struct Agent {
    demo: DemoAgent,
}

impl Agent {
    /// Starts `demo-agent` on an OS-assigned port; card requests are answered after `card_delay_ms`.
    pub async fn start(work: &Workdir, card_delay_ms: u64) -> anyhow::Result<Agent> {
        let delay = card_delay_ms.to_string();
        let demo = DemoAgent::start(&["--card-delay-ms", &delay], Some(work.log("agent")?)).await?;
        Ok(Agent { demo })
    }

    pub fn pid(&self) -> anyhow::Result<u32> {
        self.demo.pid()
    }

    /// The URL of agent `index` (a path prefix on the one process).
    pub fn url(&self, index: usize) -> String {
        format!("{}/agents/{index}", self.demo.base)
    }
}

/// A bridge config with `agents` agents named `a0`, `a1`, … (tools `a0_echo`, `a0_work`, …).
pub fn bridge_config(agent: &Agent, agents: usize) -> String {
    // One tool per skill however many agents (the list whose growth is measured).
    bridge_config_with_mode(agent, agents, "skills")
}

/// The demo skills every bench agent exposes: the four the tables have always counted (50 agents give the
/// 200 skills of the tool-list target); the demo's `files` and `long` are left out.
pub const BENCH_SKILLS: &str = r#"["echo", "work", "stream", "ask"]"#;

/// `bridge_config` in another `tool_mode` (`skills`, `compact` or `auto`).
pub fn bridge_config_with_mode(agent: &Agent, agents: usize, tool_mode: &str) -> String {
    // Results of 1 MiB must come back whole, and 1,000 calls must be allowed in flight over HTTP.
    let mut text = format!(
        "[bridge]\nmax_result_chars = 4000000\nwait_seconds = 120\ntool_mode = \"{tool_mode}\"\n\n[server]\nmax_concurrent_calls = 4096\n\n",
    );
    for i in 0..agents {
        text.push_str(&format!(
            "[[agents]]\nname = \"a{i}\"\nurl = \"{}\"\nskills = {{ include = {BENCH_SKILLS} }}\n\n",
            agent.url(i)
        ));
    }
    text
}

/// The MCP client's handler: records `bench-stream` progress with the time it arrived.
#[derive(Clone, Default)]
pub struct Probe {
    arrivals: Arc<Mutex<Vec<(u128, String)>>>,
    arrived: Arc<Notify>,
}

impl Probe {
    /// Every `bench-stream` progress message so far, with its arrival time (unix nanos); clears the record.
    pub fn take_arrivals(&self) -> Vec<(u128, String)> {
        std::mem::take(&mut *self.arrivals.lock().unwrap())
    }

    /// Waits until `count` `bench-stream` messages have arrived, at most `limit` (the client hands each
    /// notification to a task of its own, so some may still be on their way when the call's result is in).
    pub async fn wait_arrivals(&self, count: usize, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let arrived = self.arrived.notified();
            if self.arrivals.lock().unwrap().len() >= count {
                return;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return;
            }
        }
    }
}

impl ClientHandler for Probe {
    fn get_info(&self) -> ClientConfig {
        // No extensions: every call returns its result in the response, as with most MCP hosts today.
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("bridge-bench", "0"),
        )
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let at = now_nanos();
        if let Some(message) = params.message
            && message.starts_with("bench-stream ")
        {
            self.arrivals.lock().unwrap().push((at, message));
            self.arrived.notify_waiters();
        }
    }
}

/// Which MCP transport a bridge serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Stdio,
    Http,
}

/// A running bridge process with a connected MCP client.
pub struct Bridge {
    pub client: RunningService<RoleClient, Probe>,
    pub probe: Probe,
    pub pid: u32,
    /// The HTTP bridge's process; the stdio one lives inside the transport.
    http_child: Option<Child>,
    /// The MCP endpoint of an HTTP bridge, for other clients to connect to.
    pub url: Option<String>,
}

impl Bridge {
    /// Starts the bridge on `config` and connects; returns when the MCP handshake is done.
    pub async fn start(
        work: &Workdir,
        config: &str,
        via: Via,
        tag: &str,
    ) -> anyhow::Result<Bridge> {
        let (cmd, _) = process::bridge_command(work.path(), &format!("{tag}.toml"), config)?;
        Bridge::spawn(work, cmd, via, tag).await
    }

    /// Runs `cmd` (an MCP server: the bridge, a peer bridge, or either under a profiler) and connects over
    /// `via`; for HTTP, `cmd` gets `--http 127.0.0.1:0` and must log the address it bound as the bridge does.
    pub async fn spawn(
        work: &Workdir,
        mut cmd: tokio::process::Command,
        via: Via,
        tag: &str,
    ) -> anyhow::Result<Bridge> {
        let probe = Probe::default();
        let log = work.log(&format!("bridge-{tag}"))?;
        match via {
            Via::Stdio => {
                let (client, pid) =
                    process::connect_stdio(cmd, log.into(), probe.clone(), Generation::Legacy)
                        .await?;
                Ok(Bridge {
                    client,
                    probe,
                    pid,
                    http_child: None,
                    url: None,
                })
            }
            Via::Http => {
                cmd.args(["--http", "127.0.0.1:0"]);
                let (child, _logs, addr) =
                    process::spawn_listening(cmd, Some(log), process::bridge_listening).await?;
                let pid = child.id().context("the bridge has no pid")?;
                let url = format!("http://{addr}/mcp");
                let config = StreamableHttpClientTransportConfig::with_uri(url.clone())
                    .max_concurrent_requests(4096)
                    .max_sse_event_size(64 << 20);
                let client =
                    process::connect_http(config, probe.clone(), Generation::Legacy).await?;
                Ok(Bridge {
                    client,
                    probe,
                    pid,
                    http_child: Some(child),
                    url: Some(url),
                })
            }
        }
    }

    pub async fn tools(&self) -> anyhow::Result<Vec<Tool>> {
        within("tools/list", self.client.peer().list_all_tools())
            .await?
            .context("tools/list failed")
    }

    /// Calls a tool; a tool error is an error here (the benchmarks only make calls that succeed).
    pub async fn call(&self, tool: &str, args: Value) -> anyhow::Result<CallToolResult> {
        call(self.client.peer(), tool, args).await
    }

    /// One MCP `ping` round trip.
    pub async fn ping(&self) -> anyhow::Result<()> {
        let request = rmcp::model::ClientRequest::PingRequest(Default::default());
        within("ping", self.client.peer().send_request(request))
            .await?
            .context("ping failed")?;
        Ok(())
    }

    /// VmRSS and VmHWM of the bridge process, in KiB.
    pub fn memory(&self) -> anyhow::Result<Memory> {
        Memory::of(self.pid)
    }

    pub async fn stop(mut self) {
        let _ = self.client.cancel().await;
        if let Some(mut child) = self.http_child.take() {
            let _ = child.kill().await;
        }
    }
}

/// One `tools/call` on `peer`, bounded by the step timeout; a tool error is an error.
pub async fn call(
    peer: &rmcp::Peer<RoleClient>,
    tool: &str,
    args: Value,
) -> anyhow::Result<CallToolResult> {
    let result = within(
        "tools/call",
        peer.call_tool(process::call_params(tool, args)),
    )
    .await?
    .with_context(|| format!("tools/call {tool} failed"))?;
    if result.is_error == Some(true) {
        bail!(
            "tools/call {tool} returned a tool error: {:?}",
            result.content
        );
    }
    Ok(result)
}

/// The text of a tool result's first content block.
pub fn first_text(result: &CallToolResult) -> &str {
    result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.as_str())
        .unwrap_or("")
}

async fn within<F: std::future::Future>(what: &str, fut: F) -> anyhow::Result<F::Output> {
    tokio::time::timeout(STEP_TIMEOUT, fut)
        .await
        .with_context(|| format!("{what} took longer than {}s", STEP_TIMEOUT.as_secs()))
}

/// A process's resident memory, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    pub rss_kib: u64,
    pub peak_kib: u64,
    /// The anonymous part of `rss_kib` (heap, stacks); the rest is file-backed (the binary's pages, libraries).
    pub anon_kib: u64,
}

impl Memory {
    fn of(pid: u32) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .with_context(|| format!("reading /proc/{pid}/status"))?;
        let field = |name: &str| -> anyhow::Result<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .with_context(|| format!("no {name} in /proc/{pid}/status"))
        };
        Ok(Memory {
            rss_kib: field("VmRSS:")?,
            peak_kib: field("VmHWM:")?,
            anon_kib: field("RssAnon:")?,
        })
    }
}

/// The same A2A call the bridge makes, straight to the agent: `SendStreamingMessage` (protocol 1.0, as the bridge
/// chooses for the demo agent) with the skill id in the metadata, read to the end of the task.
#[derive(Clone)]
pub struct Direct {
    client: A2aClient,
}

impl Direct {
    pub fn new(endpoint: String) -> anyhow::Result<Direct> {
        let http = reqwest::Client::builder().build()?;
        Ok(Direct {
            client: A2aClient::new(
                http,
                ClientSettings {
                    endpoint,
                    version: ProtocolVersion::V1_0,
                    tenant: None,
                    headers: http::HeaderMap::new(),
                    request_timeout: STEP_TIMEOUT,
                    stream_idle_timeout: STEP_TIMEOUT,
                    accepted_output_modes: mcp_a2a_bridge::bridge::ACCEPTED_OUTPUT_MODES
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                    oauth: None,
                    guards: Default::default(),
                },
            ),
        })
    }

    /// Sends `text` and reads the stream until the task settles; returns each event with its arrival time.
    pub async fn call(
        &self,
        text: &str,
        skill: Option<&str>,
    ) -> anyhow::Result<Vec<(u128, StreamEvent)>> {
        let message = Message {
            message_id: uuid::Uuid::new_v4().to_string(),
            role: Role::User,
            parts: vec![Part::text(text)],
            context_id: None,
            task_id: None,
            metadata: skill.map(|s| json!({"skillId": s})),
        };
        let mut events = Vec::new();
        let mut stream =
            within("a direct A2A call", self.client.stream_message(&message)).await??;
        while let Some(event) = within("a direct A2A event", stream.next()).await? {
            let event = event?;
            let done = match &event {
                StreamEvent::Message(_) => true,
                StreamEvent::Task(t) => t.status.state.is_settled(),
                StreamEvent::Status {
                    status, is_final, ..
                } => *is_final || status.state.is_settled(),
                StreamEvent::Artifact { .. } => false,
            };
            events.push((now_nanos(), event));
            if done {
                return Ok(events);
            }
        }
        bail!("the agent's stream ended before the task settled")
    }
}

/// CPU time (user + system) a process has used so far; `None` means this process.
pub fn cpu_time(pid: Option<u32>) -> anyhow::Result<Duration> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the
    // 14th and 15th fields of the line, the 12th and 13th after the name.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .with_context(|| format!("unexpected {path}"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .and_then(|f| f.parse().ok())
            .with_context(|| format!("unexpected {path}"))
    };
    let total = ticks(11)? + ticks(12)?;
    Ok(Duration::from_millis(
        total.saturating_mul(1000) / clock_ticks().max(1),
    ))
}

/// Clock ticks per second of `/proc/*/stat` (`getconf CLK_TCK`; 100 on Linux everywhere in practice).
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100)
    })
}
