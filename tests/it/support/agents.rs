//! Real A2A peers for the integration tests: small Python agents built on the
//! official `a2a-sdk` (0.3.26 for protocol v0.3, 1.3.0 for protocol v1.0 with an
//! optional v0.3 compatibility layer). Scripts live in `tests/agents/`.
//!
//! `python_env` provisions one virtualenv per SDK under
//! `<target dir>/a2a-test-venvs/{v03,v1}` on first use (pip install from
//! `tests/agents/requirements-*.txt`) with `support::provision`.
//! `Agent::start` spawns an agent, which binds port 0 and prints
//! `READY <url>` with the port it got; the test waits for that line. The child is killed when the `Agent` is dropped, and the
//! agent also exits by itself when its stdin closes (i.e. when this process dies).
//!
//! Environment knobs:
//! - `A2A_TEST_PYTHON`: base interpreter used to create the venvs (default `python3`).
//! - `A2A_TEST_VENV_DIR`: where the venvs live (default `<target dir>/a2a-test-venvs`).
//! - `A2A_TEST_AGENT_LOG`: log level inside the agents (default: warnings only).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use super::provision::{self, Env};

/// How long an agent may take to print `READY`.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Written into `<venv>/` once pip has succeeded.
const MARKER_FILE: &str = ".a2a-test-ready";

/// Which a2a-sdk the agent runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sdk {
    /// a2a-sdk 0.3.26: protocol v0.3 (`message/send`, `kind`, lowercase states).
    V03,
    /// a2a-sdk 1.3.0: protocol v1.0 (`SendMessage`, `A2A-Version: 1.0`), optionally with v0.3 compat.
    V1,
}

impl Sdk {
    fn key(self) -> &'static str {
        match self {
            Sdk::V03 => "v03",
            Sdk::V1 => "v1",
        }
    }

    fn script(self) -> &'static str {
        match self {
            Sdk::V03 => "agent_v03.py",
            Sdk::V1 => "agent_v1.py",
        }
    }

    fn requirements(self) -> &'static str {
        match self {
            Sdk::V03 => "requirements-v03.txt",
            Sdk::V1 => "requirements-v1.txt",
        }
    }

    fn slot(self) -> &'static OnceLock<Result<PathBuf, String>> {
        static V03: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        static V1: OnceLock<Result<PathBuf, String>> = OnceLock::new();
        match self {
            Sdk::V03 => &V03,
            Sdk::V1 => &V1,
        }
    }
}

/// What to start. Build with `AgentSpec::v03/v1/v1_compat(name)` and the chained setters.
#[derive(Clone, Debug)]
pub struct AgentSpec {
    pub sdk: Sdk,
    /// Card `name`.
    pub name: String,
    /// Card `capabilities.streaming` (the SDK then refuses streaming methods when false).
    pub streaming: bool,
    /// V1 only: enable the SDK's v0.3 compat layer and advertise a "0.3" interface (dual card).
    pub compat: bool,
    /// Mount the whole app (card + JSON-RPC) under this path, e.g. `/agents/echo`.
    pub path_prefix: Option<String>,
    /// Replace the default skills (`echo`, `research`). `Some(vec![])` = a card with no skills.
    pub skills: Option<Vec<String>>,
    /// Skills only the authenticated extended card adds (the card then says it has one).
    pub extended_skills: Vec<String>,
    /// Require `Authorization: Bearer <this>` on every POST (the card stays public).
    pub bearer: Option<String>,
    /// Serve only the HTTP+JSON (REST) binding, the card's only interface (`--rest`).
    pub rest: bool,
    /// Card `capabilities.pushNotifications`, and the SDK's push notification store and sender (`--push`).
    pub push: bool,
}

impl AgentSpec {
    fn new(sdk: Sdk, name: impl Into<String>, compat: bool) -> Self {
        AgentSpec {
            sdk,
            name: name.into(),
            streaming: true,
            compat,
            path_prefix: None,
            skills: None,
            extended_skills: Vec::new(),
            bearer: None,
            rest: false,
            push: false,
        }
    }

    /// Only the HTTP+JSON binding (v1: at `{url}/rest`; v0.3: the SDK's REST app), the card's only interface.
    pub fn rest(mut self) -> Self {
        self.rest = true;
        self
    }

    /// Push notifications on: the card declares them and the SDK sends them (`--push`).
    pub fn push(mut self) -> Self {
        self.push = true;
        self
    }

    /// An a2a-sdk 0.3.26 agent (protocol v0.3).
    pub fn v03(name: impl Into<String>) -> Self {
        Self::new(Sdk::V03, name, false)
    }

    /// An a2a-sdk 1.3.0 agent speaking only protocol v1.0.
    pub fn v1(name: impl Into<String>) -> Self {
        Self::new(Sdk::V1, name, false)
    }

    /// An a2a-sdk 1.3.0 agent speaking v1.0 and (compat layer) v0.3 on the same URL; dual card.
    pub fn v1_compat(name: impl Into<String>) -> Self {
        Self::new(Sdk::V1, name, true)
    }

    /// Card says `streaming: false`.
    pub fn non_streaming(mut self) -> Self {
        self.streaming = false;
        self
    }

    /// Serve everything under `p` (e.g. `/agents/echo`).
    pub fn prefix(mut self, p: impl Into<String>) -> Self {
        self.path_prefix = Some(p.into());
        self
    }

    /// Replace the skills with these ids (name = id title-cased, description "Skill <id>.").
    /// An empty slice gives a card with `skills: []`.
    pub fn skills(mut self, ids: &[&str]) -> Self {
        self.skills = Some(ids.iter().map(|s| s.to_string()).collect());
        self
    }

    /// An authenticated extended card adding these skills, served only to callers with `bearer`.
    pub fn extended(mut self, ids: &[&str], bearer: &str) -> Self {
        self.extended_skills = ids.iter().map(|s| s.to_string()).collect();
        self.bearer = Some(bearer.to_owned());
        self
    }

    fn args(&self) -> Vec<String> {
        let mut args = vec!["--name".to_string(), self.name.clone()];
        args.push(
            if self.streaming {
                "--streaming"
            } else {
                "--no-streaming"
            }
            .into(),
        );
        if self.sdk == Sdk::V1 {
            args.push(
                if self.compat {
                    "--compat"
                } else {
                    "--no-compat"
                }
                .into(),
            );
        }
        if self.rest {
            args.push("--rest".into());
        }
        if self.push {
            args.push("--push".into());
        }
        if let Some(p) = &self.path_prefix {
            args.push("--path-prefix".into());
            args.push(p.clone());
        }
        if let Some(skills) = &self.skills {
            args.push("--skills".into());
            args.push(if skills.is_empty() {
                "none".to_string()
            } else {
                skills.join(",")
            });
        }
        if !self.extended_skills.is_empty() {
            args.push("--extended-skills".into());
            args.push(self.extended_skills.join(","));
        }
        if let Some(token) = &self.bearer {
            args.push("--bearer".into());
            args.push(token.clone());
        }
        args
    }
}

/// The agents that tests share: one per SDK set-up, started on first use and running until the test binary
/// exits (an agent also exits by itself when its stdin closes). Their logs hold every sharing test's requests, so
/// those tests look only for their own task ids there.
#[derive(Clone, Copy, Debug)]
pub enum Shared {
    /// `AgentSpec::v03("Echo v03")`.
    V03,
    /// `AgentSpec::v1("Echo v1")`.
    V1,
    /// `AgentSpec::v1_compat("Echo dual")`.
    V1Compat,
}

/// The shared agent `which`; the first caller starts it, and every caller waits until it is up.
pub async fn shared(which: Shared) -> &'static Agent {
    match tokio::task::spawn_blocking(move || shared_blocking(which)).await {
        Ok(agent) => agent,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("starting a shared agent: {e}"),
    }
}

fn shared_blocking(which: Shared) -> &'static Agent {
    static AGENTS: [OnceLock<Agent>; 3] = [const { OnceLock::new() }; 3];
    // Tests asking at once wait for the one start.
    AGENTS[which as usize].get_or_init(|| {
        let spec = match which {
            Shared::V03 => AgentSpec::v03("Echo v03"),
            Shared::V1 => AgentSpec::v1("Echo v1"),
            Shared::V1Compat => AgentSpec::v1_compat("Echo dual"),
        };
        start_detached(spec)
    })
}

/// Starts an agent on a runtime of its own, on a thread that keeps it alive: a test's runtime ends with the
/// test, and the agent must outlive the test that started it.
fn start_detached(spec: AgentSpec) -> Agent {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for a shared agent");
        runtime.block_on(async move {
            let _ = tx.send(Agent::start(spec).await);
            std::future::pending::<()>().await
        })
    });
    rx.recv()
        .expect("the shared agent did not start (the reason is printed above)")
}

/// A running agent. Dropping it kills the process.
pub struct Agent {
    /// Base URL exactly as printed after `READY`: `http://127.0.0.1:PORT{prefix}` (no trailing slash).
    /// The card is at `{url}/.well-known/agent-card.json`, JSON-RPC at `{url}/`.
    pub url: String,
    // Killed when dropped (`kill_on_drop`).
    _child: Child,
    // Kept so the pipe stays open for the child's lifetime (the agent writes nothing after READY).
    _stdout: Lines<BufReader<ChildStdout>>,
}

impl Agent {
    /// Provision the venv if needed, spawn the agent and wait for `READY`. Panics on failure.
    pub async fn start(spec: AgentSpec) -> Agent {
        let sdk = spec.sdk;
        let python = match tokio::task::spawn_blocking(move || python_env(sdk)).await {
            Ok(p) => p,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a2a test agent: provisioning task failed: {e}"),
        };
        let script = agents_dir().join(sdk.script());
        let args = spec.args();
        let mut cmd = Command::new(&python);
        cmd.arg(&script)
            .args(&args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let cmdline = format!(
            "{} {} {}",
            python.display(),
            script.display(),
            args.join(" ")
        );
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("a2a test agent: cannot spawn `{cmdline}`: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();

        let mut seen: Vec<String> = Vec::new();
        let waited = tokio::time::timeout(READY_TIMEOUT, async {
            loop {
                match lines.next_line().await {
                    Ok(Some(line)) => {
                        if let Some(url) = line.strip_prefix("READY ") {
                            return Ok(url.trim().to_string());
                        }
                        seen.push(line);
                    }
                    Ok(None) => return Err("stdout closed before READY".to_string()),
                    Err(e) => return Err(format!("reading stdout failed: {e}")),
                }
            }
        })
        .await;
        let url = match waited {
            Ok(Ok(url)) => url,
            Ok(Err(why)) => {
                let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                panic!(
                    "a2a test agent `{cmdline}` failed to start: {why}; exit status: {status:?}; \
                     stdout so far: {seen:?} (its stderr is shown above)"
                );
            }
            Err(_) => {
                let _ = child.start_kill();
                panic!(
                    "a2a test agent `{cmdline}` did not print READY within {READY_TIMEOUT:?}; \
                     stdout so far: {seen:?} (its stderr is shown above)"
                );
            }
        };
        Agent {
            url,
            _child: child,
            _stdout: lines,
        }
    }

    /// The test-only log: `{"cancelled":[task ids], "requests":[JSON-RPC methods],
    /// "headers":[A2A-Version or null], "auth":[Authorization or null],
    /// "messages":[{"taskId","contextId","text","metadata","method","configuration","paramsMetadata"}],
    /// "cancelRequests":[params.id of every tasks/cancel|CancelTask, including rejected ones]}`.
    /// `messages` holds the fields exactly as the client put them on the wire (text = the
    /// concatenated text parts); `cancelled` only lists cancels that reached the executor
    /// (the SDKs reject cancels of finished tasks before that).
    pub async fn log(&self) -> Value {
        let url = format!("{}/_test/log", self.url);
        let resp = reqwest::get(&url)
            .await
            .unwrap_or_else(|e| panic!("GET {url} failed: {e}"));
        let status = resp.status();
        assert!(status.is_success(), "GET {url}: HTTP {status}");
        resp.json::<Value>()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: bad JSON: {e}"))
    }

    /// Task ids whose cancel reached the agent's executor (`log()["cancelled"]`).
    pub async fn cancelled(&self) -> Vec<String> {
        strings(&self.log().await["cancelled"])
    }

    /// `cancelled()` once it lists a task: polled every 100 ms for at most `limit`, then whatever it holds.
    pub async fn wait_cancelled(&self, limit: Duration) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let cancelled = self.cancelled().await;
            if !cancelled.is_empty() || tokio::time::Instant::now() >= deadline {
                return cancelled;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// JSON-RPC method names received, in order (`log()["requests"]`; unparsable bodies as "").
    pub async fn requests(&self) -> Vec<String> {
        strings(&self.log().await["requests"])
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|x| x.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// `tests/agents` in this package.
fn agents_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("agents")
}

/// Path to the venv's python for `sdk`, creating the venv and pip-installing the
/// pinned requirements on first use. Blocking; safe across threads and processes.
/// Panics with an actionable message when Python or pip fails.
pub fn python_env(sdk: Sdk) -> PathBuf {
    match sdk.slot().get_or_init(|| provision(sdk)) {
        Ok(p) => p.clone(),
        Err(msg) => panic!("{msg}"),
    }
}

fn provision(sdk: Sdk) -> Result<PathBuf, String> {
    let req_path = agents_dir().join(sdk.requirements());
    let req = std::fs::read(&req_path)
        .map_err(|e| format!("a2a test agents: cannot read {}: {e}", req_path.display()))?;
    let base = provision::base_python();
    let env = Env {
        who: "a2a test agents",
        root: provision::venvs_root(),
        key: sdk.key(),
        marker_file: MARKER_FILE,
        marker_text: format!(
            "requirements={} fnv1a64={:016x}\nbase-python={base}\n",
            sdk.requirements(),
            provision::fnv1a64(&req)
        ),
    };
    env.python_venv(&base, &req_path, "import a2a, uvicorn, starlette")
}
