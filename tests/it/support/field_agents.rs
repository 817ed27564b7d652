//! Real A2A implementations nobody here wrote, as test peers: model-free agents (scripts in
//! `tests/agents/field/`) on pydantic's `fasta2a` 2.1.1, the official `a2a-sdk` 0.2.16,
//! `@a2a-js/sdk` 0.2.5 and 0.3.14, and Google ADK 2.13.0 (a custom `BaseAgent` served by
//! ADK's own A2A server).
//!
//! Each implementation gets its own environment under `<venvs root>/field-<key>` (the same
//! root as `support::agents`: `A2A_TEST_VENV_DIR`, default `<target dir>/a2a-test-venvs`),
//! provisioned on first use from the pinned files next to the scripts, safely across threads
//! and processes (a lock file per environment, a marker with a hash of the pins):
//! - Python: `python3 -m venv` + `pip install -r requirements-<key>.txt` (`A2A_TEST_PYTHON`
//!   chooses the base interpreter);
//! - Node: `package.json` + `package-lock.json` copied in, then `npm ci --omit=peer`
//!   (`A2A_TEST_NPM` chooses npm; Node >= 18 must be on `PATH`).
//!
//! `FieldAgent::start` spawns the agent on a free port and waits for `READY <url>`; the child
//! is killed on drop and exits by itself when its stdin closes.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// ADK imports a lot on start-up; on a busy 2-core machine that can take a while.
const READY_TIMEOUT: Duration = Duration::from_secs(90);
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
}

impl Impl {
    pub const ALL: [Impl; 5] = [
        Impl::Fasta2a,
        Impl::Sdk02,
        Impl::Js02,
        Impl::Js03,
        Impl::Adk,
    ];

    /// Environment directory name under the venvs root, and the file-name key.
    pub fn key(self) -> &'static str {
        match self {
            Impl::Fasta2a => "fasta2a",
            Impl::Sdk02 => "sdk02",
            Impl::Js02 => "js02",
            Impl::Js03 => "js03",
            Impl::Adk => "adk",
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
        }
    }

    fn is_node(self) -> bool {
        matches!(self, Impl::Js02 | Impl::Js03)
    }

    fn python_script(self) -> &'static str {
        match self {
            Impl::Fasta2a => "fasta2a_agent.py",
            Impl::Sdk02 => "sdk02_agent.py",
            Impl::Adk => "adk_agent.py",
            Impl::Js02 | Impl::Js03 => unreachable!("node agents have no python script"),
        }
    }

    /// Modules imported once after pip to check the install.
    fn python_check(self) -> &'static str {
        match self {
            Impl::Fasta2a => "import fasta2a, uvicorn",
            Impl::Sdk02 => "import a2a.server.apps, uvicorn",
            Impl::Adk => "import google.adk.a2a.utils.agent_to_a2a, uvicorn",
            Impl::Js02 | Impl::Js03 => unreachable!(),
        }
    }

    fn slot(self) -> &'static OnceLock<Result<PathBuf, String>> {
        static SLOTS: [OnceLock<Result<PathBuf, String>>; 5] = [
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
    pub which: Impl,
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
            c.arg(dir.join("js_agent.cjs")).arg("--sdk-dir").arg(&env);
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
        let waited = tokio::time::timeout(READY_TIMEOUT, async {
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
                    "field agent {cmdline} printed no READY within {READY_TIMEOUT:?}; stdout: {seen:?}"
                )
            }
        };
        FieldAgent {
            which,
            url,
            child,
            _stdout: lines,
        }
    }

    /// The JSON-RPC endpoint, `{url}/`.
    pub fn rpc_url(&self) -> String {
        format!("{}/", self.url)
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

fn venvs_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("A2A_TEST_VENV_DIR") {
        return PathBuf::from(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        let dir = if dir.is_absolute() {
            dir
        } else {
            manifest.join(dir)
        };
        return dir.join("a2a-test-venvs");
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(t) = exe
            .ancestors()
            .find(|a| a.file_name().is_some_and(|n| n == "target"))
    {
        return t.join("a2a-test-venvs");
    }
    manifest.join("target").join("a2a-test-venvs")
}

fn fnv1a64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for bytes in parts {
        for b in *bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn tail(s: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(s);
    let s = s.trim();
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    s[start..].to_string()
}

fn run(cmd: &mut StdCommand, what: &str, fix: &str) -> Result<(), String> {
    let out = cmd
        .env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        .env("PIP_NO_INPUT", "1")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("npm_config_update_notifier", "false")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("field agents: {what}: cannot run {cmd:?}: {e}. {fix}"))?;
    if !out.status.success() {
        return Err(format!(
            "field agents: {what} failed ({}): {cmd:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n{fix}",
            out.status,
            tail(&out.stdout, 4000),
            tail(&out.stderr, 8000),
        ));
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("field agents: cannot read {}: {e}", path.display()))
}

fn provision(which: Impl) -> Result<PathBuf, String> {
    let root = venvs_root();
    let env_dir = root.join(format!("field-{}", which.key()));
    let src = field_dir();
    // What the environment is built from; its hash goes into the marker.
    let pinned: Vec<PathBuf> = if which.is_node() {
        let dir = src.join(which.key());
        vec![dir.join("package.json"), dir.join("package-lock.json")]
    } else {
        vec![src.join(format!("requirements-{}.txt", which.key()))]
    };
    let contents: Vec<Vec<u8>> = pinned.iter().map(|p| read(p)).collect::<Result<_, _>>()?;
    let refs: Vec<&[u8]> = contents.iter().map(Vec::as_slice).collect();
    let base = std::env::var("A2A_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let npm = std::env::var("A2A_TEST_NPM").unwrap_or_else(|_| "npm".to_string());
    let marker_text = format!(
        "field={} fnv1a64={:016x}\nbase={}\n",
        which.key(),
        fnv1a64(&refs),
        if which.is_node() { &npm } else { &base }
    );
    let marker = env_dir.join(MARKER_FILE);
    let result = if which.is_node() {
        env_dir.clone()
    } else {
        env_dir.join("bin").join("python")
    };

    std::fs::create_dir_all(&root)
        .map_err(|e| format!("field agents: cannot create {}: {e}", root.display()))?;
    let lock_path = root.join(format!("field-{}.lock", which.key()));
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("field agents: cannot open {}: {e}", lock_path.display()))?;
    #[allow(clippy::incompatible_msrv)]
    let locked = lock.lock();
    locked.map_err(|e| format!("field agents: cannot lock {}: {e}", lock_path.display()))?;

    if std::fs::read_to_string(&marker).is_ok_and(|m| m == marker_text) && result.exists() {
        return Ok(result);
    }
    if env_dir.exists() {
        std::fs::remove_dir_all(&env_dir)
            .map_err(|e| format!("field agents: cannot remove {}: {e}", env_dir.display()))?;
    }

    if which.is_node() {
        std::fs::create_dir_all(&env_dir)
            .map_err(|e| format!("field agents: cannot create {}: {e}", env_dir.display()))?;
        for (path, bytes) in pinned.iter().zip(&contents) {
            let to = env_dir.join(path.file_name().expect("a file name"));
            std::fs::write(&to, bytes)
                .map_err(|e| format!("field agents: cannot write {}: {e}", to.display()))?;
        }
        run(
            StdCommand::new(&npm)
                .args([
                    "ci",
                    "--ignore-scripts",
                    "--omit=peer",
                    "--no-audit",
                    "--no-fund",
                ])
                .current_dir(&env_dir),
            &format!("npm ci in {}", env_dir.display()),
            "Install Node >= 18 with npm (or set A2A_TEST_NPM), and check access to the npm \
             registry. The directory is rebuilt from scratch on the next run.",
        )?;
    } else {
        let no_python = format!(
            "Install Python >= 3.10 with the venv module, or set A2A_TEST_PYTHON (now `{base}`)."
        );
        run(
            StdCommand::new(&base).arg("-m").arg("venv").arg(&env_dir),
            &format!("creating the venv {}", env_dir.display()),
            &no_python,
        )?;
        run(
            StdCommand::new(&result)
                .args(["-m", "pip", "install", "-q", "-r"])
                .arg(&pinned[0]),
            &format!("pip install -r {}", pinned[0].display()),
            "Check network access to PyPI and the pins in that file. The venv is rebuilt from \
             scratch on the next run.",
        )?;
        run(
            StdCommand::new(&result).args(["-c", which.python_check()]),
            "checking the new venv's imports",
            "The install looks broken; the venv is rebuilt from scratch on the next run.",
        )?;
    }
    std::fs::write(&marker, &marker_text)
        .map_err(|e| format!("field agents: cannot write {}: {e}", marker.display()))?;
    drop(lock);
    Ok(result)
}
