//! The built bridge binary serving MCP over Streamable HTTP on an OS-assigned port (`--http 127.0.0.1:0`), rmcp's
//! HTTP client connected to it, and a round-robin TCP balancer to put in front of several bridges.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::ProtocolVersion;
use rmcp::service::ClientLifecycleMode;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::bridge::Generation;

/// How long the bridge may take to log `listening`.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(30);

/// A bridge process serving HTTP. Killed when dropped.
pub struct HttpBridge {
    /// The bound address, from the `listening addr=...` log line.
    pub addr: SocketAddr,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

/// Writes `config` to a temp dir and runs the binary on it with `args` and `env`, piping stderr.
fn spawn(config: &str, args: &[&str], env: &[(&str, &str)]) -> (Child, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path: PathBuf = dir.path().join("bridge.toml");
    std::fs::write(&config_path, config).expect("write config");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcp-a2a-bridge"));
    cmd.arg("--config")
        .arg(&config_path)
        .args(args)
        .env("RUST_LOG", "mcp_a2a_bridge=debug,info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.spawn().expect("spawn the bridge"), dir)
}

/// The address in a `listening` log line, text (`addr=1.2.3.4:5`) or JSON (`"addr":"1.2.3.4:5"`).
fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("listening") {
        return None;
    }
    let rest = if let Some(i) = line.find("\"addr\":\"") {
        &line[i + 8..]
    } else {
        &line[line.find("addr=")? + 5..]
    };
    let end = rest.find(['"', ' ']).unwrap_or(rest.len());
    rest[..end].parse().ok()
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
        let (mut child, dir) = spawn(config, args, env);
        let stderr = child.stderr.take().expect("piped stderr");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = oneshot::channel();
        {
            // Keeps draining stderr for the process's lifetime, so the bridge never blocks on a full pipe.
            let logs = Arc::clone(&logs);
            tokio::spawn(async move {
                let mut tx = Some(tx);
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(addr) = listening_addr(&line)
                        && let Some(tx) = tx.take()
                    {
                        let _ = tx.send(addr);
                    }
                    logs.lock().unwrap().push(line);
                }
            });
        }
        let addr = match tokio::time::timeout(LISTEN_TIMEOUT, rx).await {
            Ok(Ok(addr)) => addr,
            _ => {
                let _ = child.start_kill();
                tokio::time::sleep(Duration::from_millis(100)).await;
                panic!(
                    "the bridge did not log `listening`; its stderr:\n{}",
                    logs.lock().unwrap().join("\n")
                );
            }
        };
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
        self.logs.lock().unwrap().clone()
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
    let (child, _dir) = spawn(config, args, env);
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
pub type HttpClient = crate::support::bridge::Session;

/// Connects rmcp's HTTP client to `url`, sending `Authorization: Bearer <token>` if given.
pub async fn connect(
    url: &str,
    token: Option<&str>,
    generation: Generation,
) -> Result<HttpClient, rmcp::service::ClientInitializeError> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_owned());
    if let Some(token) = token {
        config = config.auth_header(token.to_owned());
    }
    let transport = StreamableHttpClientTransport::from_config(config);
    let lifecycle = match generation {
        Generation::Legacy => ClientLifecycleMode::Initialize,
        Generation::Modern => ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
    };
    let recorder = crate::support::bridge::Recorder::default();
    let client = tokio::time::timeout(
        Duration::from_secs(30),
        rmcp::service::serve_client_with_lifecycle(recorder.clone(), transport, lifecycle),
    )
    .await
    .expect("MCP handshake over HTTP timed out")?;
    Ok(HttpClient { client, recorder })
}

/// A round-robin TCP balancer: each new connection goes to the next target. Stops when dropped.
pub struct Balancer {
    pub addr: SocketAddr,
    /// Connections forwarded to each target, in target order.
    counts: Arc<Vec<AtomicUsize>>,
    task: JoinHandle<()>,
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Balancer {
    pub async fn start(targets: Vec<SocketAddr>) -> Balancer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the balancer");
        let addr = listener.local_addr().expect("balancer address");
        let counts: Arc<Vec<AtomicUsize>> =
            Arc::new(targets.iter().map(|_| AtomicUsize::new(0)).collect());
        let task = {
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                let mut next = 0;
                while let Ok((mut inbound, _)) = listener.accept().await {
                    let i = next % targets.len();
                    next += 1;
                    counts[i].fetch_add(1, Ordering::SeqCst);
                    let target = targets[i];
                    tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                }
            })
        };
        Balancer { addr, counts, task }
    }

    /// Connections forwarded to each target so far.
    pub fn counts(&self) -> Vec<usize> {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect()
    }
}
