//! The built bridge binary serving MCP over Streamable HTTP on an OS-assigned port (`--http 127.0.0.1:0`), and
//! rmcp's HTTP client connected to it.

use std::net::SocketAddr;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use tokio::process::{Child, Command};

use super::bridge::{Generation, Recorder};
use super::process::{self, Logs};

/// A bridge process serving HTTP. Killed when dropped.
pub struct HttpBridge {
    /// The bound address, from the `listening addr=...` log line.
    pub addr: SocketAddr,
    child: Child,
    logs: Logs,
    _dir: tempfile::TempDir,
}

/// Writes `config` to a temp dir and returns the binary on it with `args` and `env`.
fn command(config: &str, args: &[&str], env: &[(&str, &str)]) -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut cmd, _) = process::bridge_command(dir.path(), "bridge.toml", config).expect("config");
    cmd.args(args).env("RUST_LOG", "mcp_a2a_bridge=debug,info");
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd, dir)
}

impl HttpBridge {
    /// Starts the bridge on `--http 127.0.0.1:0` plus `args`, and waits until it listens.
    pub async fn start(config: &str, args: &[&str], env: &[(&str, &str)]) -> HttpBridge {
        let mut all = vec!["--http", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Self::start_with_args(config, &all, env).await
    }

    /// Starts the bridge with exactly `args` (the address comes from them or from `[server].listen`).
    pub async fn start_with_args(config: &str, args: &[&str], env: &[(&str, &str)]) -> HttpBridge {
        let (cmd, dir) = command(config, args, env);
        let (child, logs, addr) = process::spawn_listening(cmd, None, process::bridge_listening)
            .await
            .unwrap_or_else(|e| panic!("the bridge did not start: {e:#}"));
        HttpBridge {
            addr,
            child,
            logs,
            _dir: dir,
        }
    }

    /// `http://{addr}`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://{addr}/mcp`.
    pub fn mcp_url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// Every stderr line so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lines()
    }

    /// The first stderr line (already logged or still to come) for which `find` gives `Some`, waiting at most
    /// `limit`.
    pub async fn wait_for_log<T>(
        &self,
        limit: Duration,
        find: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        self.logs.wait_for(limit, find).await
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("the bridge is running")
    }

    /// Sends SIGTERM (through `kill`, to stay free of libc bindings).
    pub async fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .await
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits for the process to exit; panics after `limit`.
    pub async fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => status.expect("wait for the bridge"),
            Err(_) => panic!(
                "the bridge did not exit within {limit:?}; its stderr:\n{}",
                self.logs().join("\n")
            ),
        }
    }
}

/// Runs the bridge until it exits by itself (within `limit`): its exit status and stderr.
pub async fn run_to_exit(
    config: &str,
    args: &[&str],
    env: &[(&str, &str)],
    limit: Duration,
) -> (ExitStatus, String) {
    let (mut cmd, _dir) = command(config, args, env);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn the bridge");
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .expect("the bridge should have exited by itself")
        .expect("wait for the bridge");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// rmcp's Streamable HTTP client, connected (the same session type the stdio tests use).
pub type HttpClient = super::bridge::Session;

/// Connects rmcp's HTTP client to `url`, sending `Authorization: Bearer <token>` if given.
pub async fn connect(
    url: &str,
    token: Option<&str>,
    generation: Generation,
) -> anyhow::Result<HttpClient> {
    connect_with(url, token, generation, Recorder::default()).await
}

/// `connect`, with `recorder` as the client (what it declares and how it answers elicitation).
pub async fn connect_with(
    url: &str,
    token: Option<&str>,
    generation: Generation,
    recorder: Recorder,
) -> anyhow::Result<HttpClient> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    if let Some(token) = token {
        config = config.auth_header(token.to_owned());
    }
    let client = process::connect_http(config, recorder.clone(), generation).await?;
    Ok(HttpClient { client, recorder })
}
