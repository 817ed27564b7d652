//! Real MCP clients for the integration tests: the official TypeScript SDK (a current 1.x and 1.22, which speaks
//! 2025-06-18), the official Python SDK, and the official MCP conformance suite. Scripts and pins live in
//! `tests/clients/`.
//!
//! Provisioning happens on first use, safely across threads and processes (a lock file per install, a marker
//! file holding a hash of the pins): `npm ci` from the committed `package-lock.json` into one npm prefix per
//! package, and one virtualenv for the Python SDK (`pip install -r tests/clients/requirements-py.txt`). They live
//! under `MCP_TEST_CLIENT_DIR` if set, else `$A2A_TEST_VENV_DIR/mcp-clients` if that is set (so worktrees share
//! them like the agents' venvs), else `<target dir>/mcp-test-clients`. Needs `node` >= 20 with `npm`, and
//! `python3` >= 3.10 (`A2A_TEST_PYTHON` overrides it).
//!
//! `run` spawns one client script with a scenario and returns the JSON line it prints. Also here: the demo agent
//! as a child process, and a TCP forwarder that records what the bridge sends to the agent (to learn the id of
//! a task the bridge canceled).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// How long one client script may run (its own watchdog is 90 s).
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);
/// Written into an install directory once it is complete.
const MARKER_FILE: &str = ".mcp-test-client-ready";

/// An npm package set under `tests/clients/<dir>/` (package.json + package-lock.json).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NpmSet {
    /// `@modelcontextprotocol/sdk` 1.32.2 (negotiates 2025-11-25).
    TsCurrent,
    /// `@modelcontextprotocol/sdk` 1.22.0 (negotiates 2025-06-18).
    Ts122,
    /// `@modelcontextprotocol/conformance` 0.1.13 (the last release that runs on Node 20).
    Conformance,
}

impl NpmSet {
    fn dir(self) -> &'static str {
        match self {
            NpmSet::TsCurrent => "ts-current",
            NpmSet::Ts122 => "ts-1.22",
            NpmSet::Conformance => "conformance",
        }
    }

    fn slot(self) -> &'static OnceLock<Result<PathBuf, String>> {
        static CURRENT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        static OLD: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        static CONFORMANCE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        match self {
            NpmSet::TsCurrent => &CURRENT,
            NpmSet::Ts122 => &OLD,
            NpmSet::Conformance => &CONFORMANCE,
        }
    }
}

/// Which client script runs a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sdk {
    /// `ts_client.mjs` on `@modelcontextprotocol/sdk` 1.32.2.
    TsCurrent,
    /// `ts_client.mjs` on `@modelcontextprotocol/sdk` 1.22.0.
    Ts122,
    /// `py_client.py` on `mcp` 2.3.0.
    Python,
}

/// Where the client finds the bridge.
#[derive(Clone, Debug)]
pub enum Target {
    /// The client spawns the built binary with `--config <path>` and speaks over its stdio.
    Stdio { config: PathBuf },
    /// Streamable HTTP at `url`, with `Authorization: Bearer <token>` when given.
    Http { url: String, token: Option<String> },
}

/// `tests/clients` in this package.
pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("clients")
}

/// Runs `scenario` with `sdk` against `target` and returns the JSON line the script printed. Panics (with the
/// script's output) when it fails, times out or prints no JSON.
pub async fn run(sdk: Sdk, scenario: &str, target: &Target) -> Value {
    let mut cmd = match sdk {
        Sdk::TsCurrent | Sdk::Ts122 => {
            let set = if sdk == Sdk::TsCurrent {
                NpmSet::TsCurrent
            } else {
                NpmSet::Ts122
            };
            let prefix = blocking(move || npm_prefix(set)).await;
            let mut cmd = Command::new(node());
            cmd.arg(clients_dir().join("ts_client.mjs")).arg(prefix);
            cmd
        }
        Sdk::Python => {
            let python = blocking(python_env).await;
            let mut cmd = Command::new(python);
            cmd.arg(clients_dir().join("py_client.py"))
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .env("PYTHONUNBUFFERED", "1")
                .env_remove("PYTHONPATH")
                .env_remove("PYTHONHOME");
            cmd
        }
    };
    cmd.arg(scenario);
    match target {
        Target::Stdio { config } => {
            cmd.arg("stdio")
                .arg(env!("CARGO_BIN_EXE_mcp-a2a-bridge"))
                .arg(config);
        }
        Target::Http { url, token } => {
            cmd.arg("http").arg(url);
            if let Some(token) = token {
                cmd.arg(token);
            }
        }
    }
    cmd.env(
        "RUST_LOG",
        std::env::var("IT_BRIDGE_LOG").unwrap_or_else(|_| "warn".into()),
    )
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    let what = format!("{sdk:?} client, scenario {scenario}, {target:?}");
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot spawn: {e}"));
    let output = match tokio::time::timeout(CLIENT_TIMEOUT, child.wait_with_output()).await {
        Ok(out) => out.unwrap_or_else(|e| panic!("{what}: wait failed: {e}")),
        Err(_) => panic!("{what}: did not finish within {CLIENT_TIMEOUT:?}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty());
    let parsed = line.and_then(|l| serde_json::from_str::<Value>(l).ok());
    match parsed {
        Some(v) if output.status.success() => v,
        _ => panic!(
            "{what}: failed ({})\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
            output.status,
            tail(stderr.as_bytes(), 6000)
        ),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("mcp test clients: provisioning task failed: {e}"),
    }
}

fn node() -> String {
    std::env::var("MCP_TEST_NODE").unwrap_or_else(|_| "node".into())
}

fn npm() -> String {
    std::env::var("MCP_TEST_NPM").unwrap_or_else(|_| "npm".into())
}

/// The npm prefix holding `set`'s `node_modules`, installed with `npm ci` on first use. Blocking; safe across
/// threads and processes. Panics with an actionable message when node or npm fails.
pub fn npm_prefix(set: NpmSet) -> PathBuf {
    match set.slot().get_or_init(|| provision_npm(set)) {
        Ok(p) => p.clone(),
        Err(msg) => panic!("{msg}"),
    }
}

/// The conformance suite's CLI script (`dist/index.js`), provisioned.
pub fn conformance_cli() -> PathBuf {
    npm_prefix(NpmSet::Conformance)
        .join("node_modules")
        .join("@modelcontextprotocol")
        .join("conformance")
        .join("dist")
        .join("index.js")
}

/// The Python SDK venv's interpreter, provisioned.
pub fn python_env() -> PathBuf {
    static SLOT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match SLOT.get_or_init(provision_python) {
        Ok(p) => p.clone(),
        Err(msg) => panic!("{msg}"),
    }
}

fn clients_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("MCP_TEST_CLIENT_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("A2A_TEST_VENV_DIR") {
        return PathBuf::from(dir).join("mcp-clients");
    }
    target_dir().join("mcp-test-clients")
}

/// The cargo target dir: `CARGO_TARGET_DIR` if set, else the `target` ancestor of the test executable, else
/// `<manifest>/target`.
fn target_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            manifest.join(dir)
        };
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(t) = exe
            .ancestors()
            .find(|a| a.file_name().is_some_and(|n| n == "target"))
    {
        return t.to_path_buf();
    }
    manifest.join("target")
}

/// FNV-1a 64: a stable content hash for the marker file.
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn tail(s: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(s);
    let s = s.trim();
    if s.len() <= max {
        return s.to_string();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

fn run_tool(cmd: &mut StdCommand, what: &str, fix: &str) -> Result<std::process::Output, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("mcp test clients: {what}: cannot run {cmd:?}: {e}. {fix}"))?;
    if !out.status.success() {
        return Err(format!(
            "mcp test clients: {what} failed ({}): {cmd:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n{fix}",
            out.status,
            tail(&out.stdout, 4000),
            tail(&out.stderr, 8000),
        ));
    }
    Ok(out)
}

/// Takes the cross-process lock `<root>/<key>.lock` (released when the file is dropped).
fn lock(root: &Path, key: &str) -> Result<std::fs::File, String> {
    std::fs::create_dir_all(root)
        .map_err(|e| format!("mcp test clients: cannot create {}: {e}", root.display()))?;
    let path = root.join(format!("{key}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("mcp test clients: cannot open {}: {e}", path.display()))?;
    // `File::lock` is stable since Rust 1.89; the package's rust-version says 1.88.
    #[allow(clippy::incompatible_msrv)]
    let locked = file.lock();
    locked.map_err(|e| format!("mcp test clients: cannot lock {}: {e}", path.display()))?;
    Ok(file)
}

fn provision_npm(set: NpmSet) -> Result<PathBuf, String> {
    let root = clients_root();
    let prefix = root.join(set.dir());
    let source = clients_dir().join(set.dir());
    let read = |name: &str| {
        let p = source.join(name);
        std::fs::read(&p).map_err(|e| format!("mcp test clients: cannot read {}: {e}", p.display()))
    };
    let (manifest, lockfile) = (read("package.json")?, read("package-lock.json")?);
    let no_node = format!(
        "Install Node.js >= 20 with npm (e.g. apt install nodejs npm), or point MCP_TEST_NODE / MCP_TEST_NPM at \
         them (currently `{}` / `{}`).",
        node(),
        npm()
    );
    let version = run_tool(
        StdCommand::new(node()).args([
            "-e",
            "const m = +process.versions.node.split('.')[0]; console.log(process.versions.node); process.exit(m >= 20 ? 0 : 3)",
        ]),
        "checking for Node.js >= 20",
        &no_node,
    )?;
    let node_version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let marker_text = format!(
        "package.json fnv1a64={:016x}\npackage-lock.json fnv1a64={:016x}\nnode={node_version}\n",
        fnv1a64(&manifest),
        fnv1a64(&lockfile)
    );
    let marker = prefix.join(MARKER_FILE);

    let guard = lock(&root, set.dir())?;
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == marker_text) {
        return Ok(prefix);
    }
    // A fresh prefix (an old or half-built one is thrown away).
    if prefix.exists() {
        std::fs::remove_dir_all(&prefix)
            .map_err(|e| format!("mcp test clients: cannot remove {}: {e}", prefix.display()))?;
    }
    std::fs::create_dir_all(&prefix)
        .map_err(|e| format!("mcp test clients: cannot create {}: {e}", prefix.display()))?;
    for (name, bytes) in [
        ("package.json", &manifest),
        ("package-lock.json", &lockfile),
    ] {
        let p = prefix.join(name);
        std::fs::write(&p, bytes)
            .map_err(|e| format!("mcp test clients: cannot write {}: {e}", p.display()))?;
    }
    run_tool(
        StdCommand::new(npm())
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&prefix)
            .env("npm_config_update_notifier", "false"),
        &format!("npm ci in {}", prefix.display()),
        &format!(
            "Check access to the npm registry (or the one set in npm_config_registry) and the pins in {}. \
             The prefix is rebuilt from scratch on the next run. {no_node}",
            source.display()
        ),
    )?;
    std::fs::write(&marker, &marker_text)
        .map_err(|e| format!("mcp test clients: cannot write {}: {e}", marker.display()))?;
    drop(guard);
    Ok(prefix)
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn provision_python() -> Result<PathBuf, String> {
    let root = clients_root();
    let venv = root.join("py-mcp");
    let python = venv_python(&venv);
    let req_path = clients_dir().join("requirements-py.txt");
    let req = std::fs::read(&req_path)
        .map_err(|e| format!("mcp test clients: cannot read {}: {e}", req_path.display()))?;
    let base = std::env::var("A2A_TEST_PYTHON")
        .unwrap_or_else(|_| if cfg!(windows) { "python" } else { "python3" }.to_string());
    let marker_text = format!(
        "requirements-py.txt fnv1a64={:016x}\nbase-python={base}\n",
        fnv1a64(&req)
    );
    let marker = venv.join(MARKER_FILE);

    let guard = lock(&root, "py-mcp")?;
    if python.is_file() && std::fs::read_to_string(&marker).is_ok_and(|m| m == marker_text) {
        return Ok(python);
    }
    let no_python = format!(
        "Install Python >= 3.10 (with the venv module, e.g. apt install python3-venv) or set A2A_TEST_PYTHON \
         to such an interpreter (currently `{base}`)."
    );
    run_tool(
        StdCommand::new(&base)
            .args([
                "-c",
                "import sys; sys.exit(0 if sys.version_info >= (3, 10) else 3)",
            ])
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME"),
        "checking for Python >= 3.10",
        &no_python,
    )?;
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .map_err(|e| format!("mcp test clients: cannot remove {}: {e}", venv.display()))?;
    }
    run_tool(
        StdCommand::new(&base)
            .arg("-m")
            .arg("venv")
            .arg(&venv)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME"),
        &format!("creating the venv {}", venv.display()),
        &no_python,
    )?;
    run_tool(
        StdCommand::new(&python)
            .args(["-m", "pip", "install", "-q", "-r"])
            .arg(&req_path)
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env("PIP_NO_INPUT", "1")
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
        &format!("pip install -r {}", req_path.display()),
        "Check network access to PyPI (or the index set in PIP_INDEX_URL) and the pins in that file. The venv \
         is rebuilt from scratch on the next run.",
    )?;
    run_tool(
        StdCommand::new(&python).args(["-c", "import mcp, httpx2, anyio"]),
        "importing mcp in the new venv",
        "The install looks broken; the venv is rebuilt from scratch on the next run.",
    )?;
    std::fs::write(&marker, &marker_text)
        .map_err(|e| format!("mcp test clients: cannot write {}: {e}", marker.display()))?;
    drop(guard);
    Ok(python)
}

/// How long the demo agent may take to serve its card.
const DEMO_READY_TIMEOUT: Duration = Duration::from_secs(15);

/// The built-in demo agent (`mcp-a2a-bridge demo-agent`) on a free loopback port; killed when dropped.
pub struct DemoAgent {
    pub addr: std::net::SocketAddr,
    _child: Child,
}

impl DemoAgent {
    pub async fn start() -> DemoAgent {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
        let child = Command::new(env!("CARGO_BIN_EXE_mcp-a2a-bridge"))
            .args(["demo-agent", "--listen", &addr.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the demo agent");
        let card = format!("http://{addr}/.well-known/agent-card.json");
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(resp) = http.get(&card).send().await
                && resp.status().is_success()
            {
                break;
            }
            assert!(
                started.elapsed() < DEMO_READY_TIMEOUT,
                "the demo agent did not serve its card at {card}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        DemoAgent {
            addr,
            _child: child,
        }
    }
}

/// A TCP forwarder to a local port that keeps a copy of every byte sent towards the target (the requests).
/// Stops accepting when dropped.
pub struct Recorder {
    pub addr: std::net::SocketAddr,
    sent: Arc<Mutex<Vec<u8>>>,
    task: JoinHandle<()>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Recorder {
    pub async fn start(target: std::net::SocketAddr) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the recorder");
        let addr = listener.local_addr().expect("recorder address");
        let sent = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let sent = Arc::clone(&sent);
            tokio::spawn(async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    let sent = Arc::clone(&sent);
                    tokio::spawn(async move {
                        let Ok(outbound) = TcpStream::connect(target).await else {
                            return;
                        };
                        let (mut in_read, mut in_write) = inbound.into_split();
                        let (mut out_read, mut out_write) = outbound.into_split();
                        let up = async {
                            let mut buf = vec![0u8; 16 * 1024];
                            loop {
                                match in_read.read(&mut buf).await {
                                    Ok(0) | Err(_) => break,
                                    Ok(n) => {
                                        sent.lock().unwrap().extend_from_slice(&buf[..n]);
                                        if out_write.write_all(&buf[..n]).await.is_err() {
                                            break;
                                        }
                                    }
                                }
                            }
                            let _ = out_write.shutdown().await;
                        };
                        let down = async {
                            let _ = tokio::io::copy(&mut out_read, &mut in_write).await;
                            let _ = in_write.shutdown().await;
                        };
                        tokio::join!(up, down);
                    });
                }
            })
        };
        Recorder { addr, sent, task }
    }

    /// `http://{addr}/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Every JSON-RPC request body sent through so far, in order.
    pub fn requests(&self) -> Vec<Value> {
        let bytes = self.sent.lock().unwrap().clone();
        let text = String::from_utf8_lossy(&bytes);
        let mut out = Vec::new();
        let mut rest = text.as_ref();
        while let Some(i) = rest.find("{\"") {
            let mut stream = serde_json::Deserializer::from_str(&rest[i..]).into_iter::<Value>();
            match stream.next() {
                Some(Ok(v)) => {
                    let used = stream.byte_offset();
                    if v.get("jsonrpc").is_some() {
                        out.push(v);
                    }
                    rest = &rest[i + used.max(1)..];
                }
                _ => rest = &rest[i + 2..],
            }
        }
        out
    }

    /// The task ids of every cancel request (`CancelTask` or `tasks/cancel`) sent through.
    pub fn canceled_task_ids(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|r| r["method"] == "CancelTask" || r["method"] == "tasks/cancel")
            .filter_map(|r| r["params"]["id"].as_str().map(str::to_owned))
            .collect()
    }
}
