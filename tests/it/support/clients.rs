//! Real MCP clients for the integration tests: the official TypeScript SDK (a current 1.x and 1.22, which speaks
//! 2025-06-18), the official Python SDK, and the official MCP conformance suite. Scripts and pins live in
//! `tests/clients/`.
//!
//! Provisioning (`support::provision`) happens on first use, safely across threads and processes: `npm ci` from
//! the committed `package-lock.json` into one npm prefix per package, and one virtualenv for the Python SDK
//! (`pip install -r tests/clients/requirements-py.txt`). They live
//! under `MCP_TEST_CLIENT_DIR` if set, else `$A2A_TEST_VENV_DIR/mcp-clients` if that is set (so worktrees share
//! them like the agents' venvs), else `<target dir>/mcp-test-clients`. Needs `node` >= 20 with `npm`, and
//! `python3` >= 3.10 (`A2A_TEST_PYTHON` overrides it).
//!
//! `run` spawns one client script with a scenario and returns the JSON line it prints.

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use tokio::process::Command;

use super::provision::{self, Env};

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
    /// `@google/gemini-cli` 0.61.0: a whole MCP host (tests/it/gemini.rs).
    GeminiCli,
}

impl NpmSet {
    fn dir(self) -> &'static str {
        match self {
            NpmSet::TsCurrent => "ts-current",
            NpmSet::Ts122 => "ts-1.22",
            NpmSet::Conformance => "conformance",
            NpmSet::GeminiCli => "gemini-cli",
        }
    }

    fn slot(self) -> &'static OnceLock<Result<PathBuf, String>> {
        static CURRENT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        static OLD: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        static CONFORMANCE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        static GEMINI: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        match self {
            NpmSet::TsCurrent => &CURRENT,
            NpmSet::Ts122 => &OLD,
            NpmSet::Conformance => &CONFORMANCE,
            NpmSet::GeminiCli => &GEMINI,
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
            provision::tail(stderr.as_bytes(), 6000)
        ),
    }
}

/// Runs blocking provisioning off the async runtime, passing its panic on.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("mcp test clients: provisioning task failed: {e}"),
    }
}

/// The `node` binary the clients run on (`MCP_TEST_NODE`, else `node` on the PATH).
pub fn node() -> String {
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
    provision::target_dir().join("mcp-test-clients")
}

fn provision_npm(set: NpmSet) -> Result<PathBuf, String> {
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
    let version = provision::run(
        StdCommand::new(node()).args([
            "-e",
            "const m = +process.versions.node.split('.')[0]; console.log(process.versions.node); process.exit(m >= 20 ? 0 : 3)",
        ]),
        "mcp test clients: checking for Node.js >= 20",
        &no_node,
        provision::CHECK_TIMEOUT,
    )?;
    let node_version = String::from_utf8_lossy(&version.stdout).trim().to_string();
    let env = Env {
        who: "mcp test clients",
        root: clients_root(),
        key: set.dir(),
        marker_file: MARKER_FILE,
        marker_text: format!(
            "package.json fnv1a64={:016x}\npackage-lock.json fnv1a64={:016x}\nnode={node_version}\n",
            provision::fnv1a64(&manifest),
            provision::fnv1a64(&lockfile)
        ),
    };
    env.npm_ci(
        &npm(),
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
        &format!("The pins are in {}. {no_node}", source.display()),
    )
}

fn provision_python() -> Result<PathBuf, String> {
    let req_path = clients_dir().join("requirements-py.txt");
    let req = std::fs::read(&req_path)
        .map_err(|e| format!("mcp test clients: cannot read {}: {e}", req_path.display()))?;
    let base = provision::base_python();
    let env = Env {
        who: "mcp test clients",
        root: clients_root(),
        key: "py-mcp",
        marker_file: MARKER_FILE,
        marker_text: format!(
            "requirements-py.txt fnv1a64={:016x}\nbase-python={base}\n",
            provision::fnv1a64(&req)
        ),
    };
    env.python_venv(&base, &req_path, "import mcp, httpx2, anyio")
}
