//! `file://` URIs → files under the allowed roots, read with a bound.
//!
//! The check is made on real paths: the file and every root are canonicalized (symlinks resolved, `.` and
//! `..` gone), and the file must lie inside a root component by component (`/home/a/work2` is not inside
//! `/home/a/work`). The last component is then opened without following a symlink (unix `O_NOFOLLOW`), and
//! without blocking on a FIFO (`O_NONBLOCK`); only a regular file is read, and never more than the cap + 1
//! bytes.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Roots named in an error; the rest are counted.
const MAX_ROOTS_NAMED: usize = 5;

/// Why a local file is not sent.
#[derive(Debug, PartialEq, Eq)]
pub enum RootError {
    /// Neither the config nor the client allows any directory.
    NoRoots,
    /// The file is not inside any root (after resolving symlinks and `..`).
    Outside { path: PathBuf, roots: Vec<PathBuf> },
    /// Not a regular file (a directory, a device, a FIFO, a symlink swapped in after the check).
    NotAFile(PathBuf),
    /// More bytes than the room left (the size when known).
    TooLarge(Option<usize>),
    /// It cannot be read (missing, no permission).
    Io { path: PathBuf, error: String },
}

impl std::fmt::Display for RootError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootError::NoRoots => f.write_str(
                "no directory is allowed for file:// URIs (set bridge.file_roots in the bridge's config, or use \
                 a client that declares MCP roots); send the file's content as bytes (base64) instead",
            ),
            RootError::Outside { path, roots } => {
                let mut named: Vec<String> = roots
                    .iter()
                    .take(MAX_ROOTS_NAMED)
                    .map(|r| r.display().to_string())
                    .collect();
                if roots.len() > MAX_ROOTS_NAMED {
                    named.push(format!("{} more", roots.len() - MAX_ROOTS_NAMED));
                }
                write!(
                    f,
                    "{} is outside the directories allowed for file:// URIs ({})",
                    path.display(),
                    named.join(", ")
                )
            }
            RootError::NotAFile(path) => write!(f, "{} is not a regular file", path.display()),
            RootError::TooLarge(_) => f.write_str("too large"),
            RootError::Io { path, error } => write!(f, "cannot read {}: {error}", path.display()),
        }
    }
}

/// The local path a `file://` URI names: percent-decoded, on this machine (no host, or `localhost`).
pub fn path_of_file_uri(url: &url::Url) -> Result<PathBuf, String> {
    match url.host_str() {
        None | Some("") => {}
        Some(h) if h.eq_ignore_ascii_case("localhost") => {}
        Some(h) => {
            return Err(format!(
                "file URI names the host {h:?}; only files on this machine (file:///path) can be sent"
            ));
        }
    }
    let path = url
        .to_file_path()
        .map_err(|()| format!("{url} does not name a local file path"))?;
    // NUL cannot be in a path; the OS would refuse it anyway, with a less clear error.
    if path.as_os_str().to_string_lossy().contains('\0') {
        return Err("a file path cannot contain NUL".into());
    }
    Ok(path)
}

/// The directories among MCP roots (MCP 2025-11-25 client/roots: each `uri` is a `file://` URI); other
/// schemes are skipped.
pub fn roots_of<'a>(uris: impl IntoIterator<Item = &'a str>) -> Vec<PathBuf> {
    uris.into_iter()
        .filter_map(|u| url::Url::parse(u).ok())
        .filter(|u| u.scheme() == "file")
        .filter_map(|u| path_of_file_uri(&u).ok())
        .collect()
}

/// Reads `path` if it lies inside one of `roots` once both are resolved, at most `max` bytes (refused past
/// that, having read at most `max` + 1). Blocking.
#[cfg(test)]
pub fn read_under_roots(path: &Path, roots: &[PathBuf], max: usize) -> Result<Vec<u8>, RootError> {
    let real = resolve_under_roots(path, roots)?;
    read_capped(path, &real, max)
}

/// The real path of `path` (symlinks and `..` resolved) if it lies inside one of `roots` (resolved too; a root
/// that does not exist allows nothing). Blocking.
pub fn resolve_under_roots(path: &Path, roots: &[PathBuf]) -> Result<PathBuf, RootError> {
    if roots.is_empty() {
        return Err(RootError::NoRoots);
    }
    let real_roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    let outside = || RootError::Outside {
        path: path.to_owned(),
        roots: roots.to_vec(),
    };
    let real = match std::fs::canonicalize(path) {
        Ok(real) => real,
        // Say why only for a path inside a root: outside, whether a file exists is none of the caller's business.
        Err(e) if roots.iter().chain(&real_roots).any(|r| path.starts_with(r)) => {
            return Err(RootError::Io {
                path: path.to_owned(),
                error: e.to_string(),
            });
        }
        Err(_) => return Err(outside()),
    };
    if real_roots.iter().any(|r| real.starts_with(r)) {
        Ok(real)
    } else {
        Err(outside())
    }
}

/// Reads the regular file at `real` (resolved by `resolve_under_roots`; `path` names it in errors), at most
/// `max` bytes (refused past that, having read at most `max` + 1). Blocking.
pub fn read_capped(path: &Path, real: &Path, max: usize) -> Result<Vec<u8>, RootError> {
    let io = |e: std::io::Error| RootError::Io {
        path: path.to_owned(),
        error: e.to_string(),
    };
    let file = open_no_follow(real).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(RootError::NotAFile(path.to_owned()));
    }
    let len = usize::try_from(meta.len()).ok();
    if len.is_none_or(|n| n > max) {
        return Err(RootError::TooLarge(len));
    }
    // The file may grow between the look and the read: read one byte past the cap to know.
    let mut raw = Vec::with_capacity(len.unwrap_or(0).min(max));
    file.take(max as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(io)?;
    if raw.len() > max {
        return Err(RootError::TooLarge(None));
    }
    Ok(raw)
}

/// Opens `path` for reading; on unix without following a symlink in its last component (one swapped in after
/// the check) and without waiting for a FIFO's writer.
fn open_no_follow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(path)
}
