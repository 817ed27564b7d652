//! Provisioning of the test peers' environments, shared by `support::agents` (a2a-sdk agents),
//! `support::clients` (MCP client SDKs) and `support::field_agents` (third-party A2A implementations):
//! a Python virtualenv from a pinned requirements file, or an npm prefix from a committed
//! `package.json` + `package-lock.json`.
//!
//! Each environment is a directory `<root>/<key>`, built on first use under the cross-process lock
//! `<root>/<key>.lock` (several test binaries or nextest processes may ask at once) and marked complete by a
//! marker file holding a hash of its pins; a missing or different marker means a rebuild from scratch. Every
//! external command is bounded ([`STEP_TIMEOUT`]) so a stuck registry fails the run with the step's name
//! instead of hanging it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one install step (`pip install`, `npm ci`, creating a venv) may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a quick check (an interpreter's version, an import) may take.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(120);

/// The cargo target dir: `CARGO_TARGET_DIR` if set, else the `target` ancestor of the test executable
/// (`target/debug/deps/it-…`), else `<manifest>/target`.
pub fn target_dir() -> PathBuf {
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

/// Where the agents' environments live: `A2A_TEST_VENV_DIR` if set, else `<target dir>/a2a-test-venvs`.
pub fn venvs_root() -> PathBuf {
    match std::env::var_os("A2A_TEST_VENV_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir().join("a2a-test-venvs"),
    }
}

/// The base interpreter venvs are created with: `A2A_TEST_PYTHON`, else `python3` (`python` on Windows).
pub fn base_python() -> String {
    std::env::var("A2A_TEST_PYTHON")
        .unwrap_or_else(|_| if cfg!(windows) { "python" } else { "python3" }.to_string())
}

/// FNV-1a 64: a stable content hash for marker files (no extra crates).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The last `max` bytes of `s` (lossy UTF-8, trimmed), with `…` in front when cut.
pub fn tail(s: &[u8], max: usize) -> String {
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

/// Runs `cmd` (stdin closed, no Python or npm prompts) for at most `limit`. `what` names the step in every
/// error (e.g. `a2a test agents: pip install -r …`); `fix` says what to do about it. A step still running at
/// `limit` is killed (with its process group on Unix, so npm's and pip's children go too).
pub fn run(cmd: &mut Command, what: &str, fix: &str, limit: Duration) -> Result<Output, String> {
    cmd.env_remove("PYTHONPATH")
        .env_remove("PYTHONHOME")
        .env("PIP_NO_INPUT", "1")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .env("npm_config_update_notifier", "false")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}. {fix}"))?;
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                // std has no wait with a timeout; a 100 ms poll costs nothing next to an install.
                std::thread::sleep(Duration::from_millis(100));
            }
            Ok(None) => {
                kill(&mut child);
                return Err(format!(
                    "{what}: did not finish within {limit:?} and was killed: {cmd:?}. {fix}"
                ));
            }
            Err(e) => {
                kill(&mut child);
                return Err(format!("{what}: cannot wait for {cmd:?}: {e}. {fix}"));
            }
        }
    };
    // A grandchild still holding the pipes open could keep them from closing: take what came within a moment.
    let collect = |rx: std::sync::mpsc::Receiver<Vec<u8>>| {
        rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default()
    };
    let out = Output {
        status,
        stdout: collect(stdout),
        stderr: collect(stderr),
    };
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}): {cmd:?}\n--- stdout ---\n{}\n--- stderr ---\n{}\n{fix}",
            out.status,
            tail(&out.stdout, 4000),
            tail(&out.stderr, 8000),
        ));
    }
    Ok(out)
}

/// Reads `pipe` to its end on a thread of its own; the bytes arrive on the returned channel.
fn read_all(pipe: Option<impl Read + Send + 'static>) -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    if let Some(mut pipe) = pipe {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = tx.send(bytes);
        });
    }
    rx
}

/// Kills a step that ran too long: its whole process group on Unix, else the child alone.
fn kill(child: &mut std::process::Child) {
    #[cfg(unix)]
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// One environment: the directory `<root>/<key>`, locked through `<root>/<key>.lock` and complete when
/// `<root>/<key>/<marker_file>` holds exactly `marker_text`.
pub struct Env<'a> {
    /// Who provisions, for messages (`a2a test agents`, `mcp test clients`, `field agents`).
    pub who: &'a str,
    pub root: PathBuf,
    pub key: &'a str,
    pub marker_file: &'a str,
    /// What the environment is built from (hashes of its pins, the base interpreter); any change rebuilds it.
    pub marker_text: String,
}

impl Env<'_> {
    /// `<root>/<key>`.
    pub fn dir(&self) -> PathBuf {
        self.root.join(self.key)
    }

    /// The venv's interpreter, after creating the venv with `base` and `pip install -r requirements` and
    /// checking that `imports` (a Python statement) runs in it, unless the marker says it is already done.
    pub fn python_venv(
        &self,
        base: &str,
        requirements: &Path,
        imports: &str,
    ) -> Result<PathBuf, String> {
        let who = self.who;
        let venv = self.dir();
        let python = if cfg!(windows) {
            venv.join("Scripts").join("python.exe")
        } else {
            venv.join("bin").join("python")
        };
        self.build(&python, || {
            let no_python = format!(
                "Install Python >= 3.10 or set A2A_TEST_PYTHON to such an interpreter (currently `{base}`)."
            );
            run(
                Command::new(base).args([
                    "-c",
                    "import sys; v = sys.version_info; sys.exit(0 if v >= (3, 10) else \
                     'Python %d.%d.%d is older than 3.10' % v[:3])",
                ]),
                &format!("{who}: checking for Python >= 3.10 (`{base}`)"),
                &no_python,
                CHECK_TIMEOUT,
            )?;
            run(
                Command::new(base).arg("-m").arg("venv").arg(&venv),
                &format!("{who}: creating the venv {} with `{base} -m venv`", venv.display()),
                &format!(
                    "{no_python} The venv module must be installed: on Debian and Ubuntu it is the separate \
                     package python3-venv (or python3.X-venv for Python 3.X)."
                ),
                STEP_TIMEOUT,
            )?;
            run(
                Command::new(&python)
                    .args(["-m", "pip", "install", "-q", "-r"])
                    .arg(requirements),
                &format!("{who}: pip install -r {}", requirements.display()),
                "Check network access to PyPI (or the index set in PIP_INDEX_URL) and the pins in that file. \
                 The venv is rebuilt from scratch on the next run.",
                STEP_TIMEOUT,
            )?;
            run(
                Command::new(&python).args(["-c", imports]),
                &format!("{who}: `{imports}` in the new venv {}", venv.display()),
                "The install looks broken; the venv is rebuilt from scratch on the next run.",
                CHECK_TIMEOUT,
            )?;
            Ok(())
        })?;
        Ok(python)
    }

    /// The npm prefix `<root>/<key>` after copying `files` (`package.json`, `package-lock.json`) into it and
    /// running `npm ci` with `args`, unless the marker says it is already done. `fix` says how to get a
    /// working Node.js and npm.
    pub fn npm_ci(
        &self,
        npm: &str,
        files: &[(&str, &[u8])],
        args: &[&str],
        fix: &str,
    ) -> Result<PathBuf, String> {
        let who = self.who;
        let prefix = self.dir();
        self.build(&prefix, || {
            std::fs::create_dir_all(&prefix)
                .map_err(|e| format!("{who}: cannot create {}: {e}", prefix.display()))?;
            for (name, bytes) in files {
                let p = prefix.join(name);
                std::fs::write(&p, bytes)
                    .map_err(|e| format!("{who}: cannot write {}: {e}", p.display()))?;
            }
            run(
                Command::new(npm).arg("ci").args(args).current_dir(&prefix),
                &format!("{who}: npm ci in {}", prefix.display()),
                &format!(
                    "Check access to the npm registry (or the one set in npm_config_registry) and the pins. \
                     The prefix is rebuilt from scratch on the next run. {fix}"
                ),
                STEP_TIMEOUT,
            )?;
            Ok(())
        })?;
        Ok(prefix)
    }

    /// Under the lock: nothing when the marker matches and `result` exists, else `steps` on a fresh directory
    /// (an old or half-built one is thrown away), then the marker.
    fn build(
        &self,
        result: &Path,
        steps: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), String> {
        let who = self.who;
        let dir = self.dir();
        let marker = dir.join(self.marker_file);
        std::fs::create_dir_all(&self.root)
            .map_err(|e| format!("{who}: cannot create {}: {e}", self.root.display()))?;
        let lock_path = self.root.join(format!("{}.lock", self.key));
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("{who}: cannot open {}: {e}", lock_path.display()))?;
        // Released when `lock` is dropped.
        lock.lock()
            .map_err(|e| format!("{who}: cannot lock {}: {e}", lock_path.display()))?;
        if result.exists() && std::fs::read_to_string(&marker).is_ok_and(|m| m == self.marker_text)
        {
            return Ok(());
        }
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| format!("{who}: cannot remove {}: {e}", dir.display()))?;
        }
        steps()?;
        std::fs::write(&marker, &self.marker_text)
            .map_err(|e| format!("{who}: cannot write {}: {e}", marker.display()))?;
        drop(lock);
        Ok(())
    }
}
