//! Real A2A implementations nobody here wrote, as test peers: model-free agents (scripts in
//! `tests/agents/field/`) on pydantic's `fasta2a` 2.1.1, the official `a2a-sdk` 0.2.16,
//! `@a2a-js/sdk` 0.2.5 and 0.3.14, Google ADK 2.13.0 (a custom `BaseAgent` served by
//! ADK's own A2A server), python-a2a 0.5.10 (its own Flask server; the pre-0.2 draft) and
//! `@a2a-js/sdk` 1.3.0 (its REST routes only).
//!
//! Each implementation gets its own environment under `<venvs root>/field-<key>` (the same
//! root as `support::agents`: `A2A_TEST_VENV_DIR`, default `<target dir>/a2a-test-venvs`),
//! provisioned on first use from the pinned files next to the scripts by `support::provision`:
//! - Python: `python3 -m venv` + `pip install -r requirements-<key>.txt` (`A2A_TEST_PYTHON`
//!   chooses the base interpreter);
//! - Node: `package.json` + `package-lock.json` copied in, then `npm ci --omit=peer`
//!   (`A2A_TEST_NPM` chooses npm; Node >= 18 must be on `PATH`).
//!
//! `FieldAgent::start` spawns the agent on a free port and waits for `READY <url>`; the child
//! is killed on drop and exits by itself when its stdin closes.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use super::provision::{self, Env};

/// ADK imports a lot on start-up; on a busy 2-core machine that can take a while.
const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// python-a2a imports every integration it has (LangChain, OpenAI, Anthropic, boto3…) on start-up: more
/// than a minute on that busy machine.
const PYA2A_READY_TIMEOUT: Duration = Duration::from_secs(240);
const MARKER_FILE: &str = ".a2a-field-ready";

/// One real A2A implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Impl {
    /// pydantic `fasta2a` 2.1.1: card says protocolVersion "1.0"; `message/send` never blocks.
    Fasta2a,
    /// Official `a2a-sdk` 0.2.16 (protocol 0.2.6): card only at `agent.json`; ignores `blocking: false`.
    Sdk02,
    /// `@a2a-js/sdk` 0.2.5 (protocol 0.2.5): card only at `agent.json`.
    Js02,
    /// `@a2a-js/sdk` 0.3.14 (protocol 0.3.0).
    Js03,
    /// Google ADK 2.13.0 `to_a2a` (a2a-sdk 1.3.0 underneath, v0.3 compat on; card says "1.0").
    Adk,
    /// python-a2a 0.5.10: card says "0.3.0"; speaks the pre-0.2 draft at per-method paths.
    PyA2a,
    /// `@a2a-js/sdk` 1.3.0 (protocol 1.0), served only over the HTTP+JSON binding (`restHandler`).
    Js13,
}

impl Impl {
    pub const ALL: [Impl; 7] = [
        Impl::Fasta2a,
        Impl::Sdk02,
        Impl::Js02,
        Impl::Js03,
        Impl::Adk,
        Impl::PyA2a,
        Impl::Js13,
    ];

    /// Environment directory name under the venvs root, and the file-name key.
    pub fn key(self) -> &'static str {
        match self {
            Impl::Fasta2a => "fasta2a",
            Impl::Sdk02 => "sdk02",
            Impl::Js02 => "js02",
            Impl::Js03 => "js03",
            Impl::Adk => "adk",
            Impl::PyA2a => "pya2a",
            Impl::Js13 => "js13",
        }
    }

    /// Implementation and version, as in `tests/data/field/<label>/`.
    pub fn label(self) -> &'static str {
        match self {
            Impl::Fasta2a => "fasta2a-2.1.1",
            Impl::Sdk02 => "a2a-sdk-0.2.16",
            Impl::Js02 => "a2a-js-0.2.5",
            Impl::Js03 => "a2a-js-0.3.14",
            Impl::Adk => "google-adk-2.13.0",
            Impl::PyA2a => "python-a2a-0.5.10",
            Impl::Js13 => "a2a-js-1.3.0",
        }
    }

    fn is_node(self) -> bool {
        matches!(self, Impl::Js02 | Impl::Js03 | Impl::Js13)
    }

    fn python_script(self) -> &'static str {
        match self {
            Impl::Fasta2a => "fasta2a_agent.py",
            Impl::Sdk02 => "sdk02_agent.py",
            Impl::Adk => "adk_agent.py",
            Impl::PyA2a => "pya2a_agent.py",
            Impl::Js02 | Impl::Js03 | Impl::Js13 => {
                unreachable!("node agents have no python script")
            }
        }
    }

    /// Modules imported once after pip to check the install.
    fn python_check(self) -> &'static str {
        match self {
            Impl::Fasta2a => "import fasta2a, uvicorn",
            Impl::Sdk02 => "import a2a.server.apps, uvicorn",
            Impl::Adk => "import google.adk.a2a.utils.agent_to_a2a, uvicorn",
            // Importing python_a2a itself takes a minute (see PYA2A_READY_TIMEOUT): only find it.
            Impl::PyA2a => {
                "import flask, werkzeug, importlib.util; assert importlib.util.find_spec('python_a2a')"
            }
            Impl::Js02 | Impl::Js03 | Impl::Js13 => unreachable!(),
        }
    }

    fn slot(self) -> &'static OnceLock<Result<PathBuf, String>> {
        static SLOTS: [OnceLock<Result<PathBuf, String>>; 7] = [
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
            OnceLock::new(),
        ];
        &SLOTS[Impl::ALL.iter().position(|i| *i == self).unwrap()]
    }
}

/// A running field agent. Dropping it kills the process.
pub struct FieldAgent {
    /// `http://127.0.0.1:PORT` exactly as printed after `READY` (no trailing slash).
    pub url: String,
    child: Child,
    _stdout: Lines<BufReader<ChildStdout>>,
}

impl FieldAgent {
    /// Provision the environment if needed, spawn the agent and wait for `READY`. Panics on failure.
    /// `args` go to the agent script (e.g. `["--no-streaming"]` for a2a-sdk 0.2.16 / @a2a-js/sdk).
    pub async fn start(which: Impl, args: &[&str]) -> FieldAgent {
        let env = match tokio::task::spawn_blocking(move || environment(which)).await {
            Ok(p) => p,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!(
                "field agent {}: provisioning task failed: {e}",
                which.label()
            ),
        };
        let dir = field_dir();
        let mut cmd = if which.is_node() {
            let mut c = Command::new(node());
            // 1.x has another API (v1 types, `restHandler`): a script of its own.
            let script = if which == Impl::Js13 {
                "js13_agent.cjs"
            } else {
                "js_agent.cjs"
            };
            c.arg(dir.join(script)).arg("--sdk-dir").arg(&env);
            c
        } else {
            let mut c = Command::new(&env);
            c.arg(dir.join(which.python_script()));
            c
        };
        // Underscores: ADK agent names must be identifiers.
        cmd.args(["--name", &format!("{}_field", which.key())])
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1")
            .env_remove("PYTHONPATH")
            .env_remove("PYTHONHOME")
            .env_remove("NODE_OPTIONS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let cmdline = format!("{cmd:?}");
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("field agent: cannot spawn {cmdline}: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = Vec::new();
        let ready_timeout = if which == Impl::PyA2a {
            PYA2A_READY_TIMEOUT
        } else {
            READY_TIMEOUT
        };
        let waited = tokio::time::timeout(ready_timeout, async {
            loop {
                match lines.next_line().await {
                    Ok(Some(line)) => match line.strip_prefix("READY ") {
                        Some(url) => return Ok(url.trim().to_string()),
                        None => seen.push(line),
                    },
                    Ok(None) => return Err("stdout closed before READY".to_string()),
                    Err(e) => return Err(format!("reading stdout failed: {e}")),
                }
            }
        })
        .await;
        let url = match waited {
            Ok(Ok(url)) => url,
            Ok(Err(why)) => panic!(
                "field agent {cmdline} failed to start: {why}; stdout so far: {seen:?} (stderr above)"
            ),
            Err(_) => {
                let _ = child.start_kill();
                panic!(
                    "field agent {cmdline} printed no READY within {ready_timeout:?}; stdout: {seen:?}"
                )
            }
        };
        FieldAgent {
            url,
            child,
            _stdout: lines,
        }
    }

    /// Close stdin (the agent shuts down) and wait up to 10 s, then kill.
    pub async fn stop(mut self) {
        drop(self.child.stdin.take());
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// `tests/agents/field` in this package.
pub fn field_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("agents")
        .join("field")
}

fn node() -> String {
    std::env::var("A2A_TEST_NODE").unwrap_or_else(|_| "node".to_string())
}

/// Python agents: the venv's interpreter. Node agents: the package directory (`--sdk-dir`).
/// Provisions on first use; blocking; panics with an actionable message on failure.
pub fn environment(which: Impl) -> PathBuf {
    match which.slot().get_or_init(|| provision(which)) {
        Ok(p) => p.clone(),
        Err(msg) => panic!("{msg}"),
    }
}

fn provision(which: Impl) -> Result<PathBuf, String> {
    let src = field_dir();
    // What the environment is built from; its hash goes into the marker.
    let pinned: Vec<PathBuf> = if which.is_node() {
        let dir = src.join(which.key());
        vec![dir.join("package.json"), dir.join("package-lock.json")]
    } else {
        vec![src.join(format!("requirements-{}.txt", which.key()))]
    };
    let contents: Vec<Vec<u8>> = pinned
        .iter()
        .map(|p| {
            std::fs::read(p).map_err(|e| format!("field agents: cannot read {}: {e}", p.display()))
        })
        .collect::<Result<_, _>>()?;
    // Each file followed by a 0xff byte, so moving bytes between the files changes the hash.
    let hashed: Vec<u8> = contents
        .iter()
        .flat_map(|c| c.iter().copied().chain([0xff]))
        .collect();
    let base = provision::base_python();
    let npm = std::env::var("A2A_TEST_NPM").unwrap_or_else(|_| "npm".to_string());
    let key = format!("field-{}", which.key());
    let env = Env {
        who: "field agents",
        root: provision::venvs_root(),
        key: &key,
        marker_file: MARKER_FILE,
        marker_text: format!(
            "field={} fnv1a64={:016x}\nbase={}\n",
            which.key(),
            provision::fnv1a64(&hashed),
            if which.is_node() { &npm } else { &base }
        ),
    };
    if which.is_node() {
        let files: Vec<(&str, &[u8])> = pinned
            .iter()
            .zip(&contents)
            .map(|(p, c)| {
                let name = p.file_name().and_then(|n| n.to_str()).expect("a file name");
                (name, c.as_slice())
            })
            .collect();
        env.npm_ci(
            &npm,
            &files,
            &["--ignore-scripts", "--omit=peer", "--no-audit", "--no-fund"],
            "Install Node >= 18 with npm (or set A2A_TEST_NPM).",
        )
    } else {
        env.python_venv(&base, &pinned[0], which.python_check())
    }
}
