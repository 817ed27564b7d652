//! `file://` URIs → files under the allowed roots, read with a bound.
//!
//! The check is made on real paths: the file and every root are canonicalized (symlinks resolved, `.` and
//! `..` gone), and the file must lie inside a root component by component (`/home/a/work2` is not inside
//! `/home/a/work`). The last component is then opened without following a symlink (unix `O_NOFOLLOW`), and
//! without blocking on a FIFO (`O_NONBLOCK`); on unix the opened file is checked to lie inside a root (on Linux by
//! the path of its descriptor, elsewhere by device and inode against a fresh resolve), which defeats a directory
//! swapped for a symlink in between.
//! Only a regular file is read, and never more than the cap + 1 bytes.

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
    let resolved = resolve_under_roots(path, roots)?;
    read_capped(path, &resolved, max)
}

/// A local file found inside an allowed root: what `read_capped` opens and checks again.
#[derive(Debug)]
pub struct Resolved {
    /// The file's real path (symlinks and `..` resolved).
    real: PathBuf,
    /// The roots' real paths.
    real_roots: Vec<PathBuf>,
    /// The roots as given, for errors.
    roots: Vec<PathBuf>,
}

/// Finds `path` inside one of `roots` (both resolved on disk; a root that does not exist allows nothing).
/// Blocking.
///
/// Why a file cannot be resolved (missing, no permission) is said only when its directory really lies inside
/// a root; otherwise the answer is `Outside`, so the model cannot probe what exists elsewhere (through `..`,
/// a percent-encoded `/`, or a symlink out of the root).
pub fn resolve_under_roots(path: &Path, roots: &[PathBuf]) -> Result<Resolved, RootError> {
    if roots.is_empty() {
        return Err(RootError::NoRoots);
    }
    let real_roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    let inside = |real: &Path| real_roots.iter().any(|r| real.starts_with(r));
    let outside = || RootError::Outside {
        path: path.to_owned(),
        roots: roots.to_vec(),
    };
    let real = match std::fs::canonicalize(path) {
        Ok(real) => real,
        Err(e)
            if path
                .parent()
                .and_then(|dir| std::fs::canonicalize(dir).ok())
                .is_some_and(|dir| inside(&dir)) =>
        {
            return Err(RootError::Io {
                path: path.to_owned(),
                error: e.to_string(),
            });
        }
        Err(_) => return Err(outside()),
    };
    if !inside(&real) {
        return Err(outside());
    }
    Ok(Resolved {
        real,
        real_roots,
        roots: roots.to_vec(),
    })
}

/// Reads the regular file `resolved` found (`path` names it in errors), at most `max` bytes (refused past
/// that, having read at most `max` + 1). Blocking.
///
/// A directory on the way may be swapped for a symlink between `resolve_under_roots` and the open (`O_NOFOLLOW`
/// guards only the last component), so on unix the opened file is checked once more (`opened_inside`).
pub fn read_capped(path: &Path, resolved: &Resolved, max: usize) -> Result<Vec<u8>, RootError> {
    let io = |e: std::io::Error| RootError::Io {
        path: path.to_owned(),
        error: e.to_string(),
    };
    let file = open_no_follow(&resolved.real).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(RootError::NotAFile(path.to_owned()));
    }
    #[cfg(unix)]
    if !opened_inside(path, &file, &meta, &resolved.real_roots) {
        return Err(RootError::Outside {
            path: path.to_owned(),
            roots: resolved.roots.clone(),
        });
    }
    let len = usize::try_from(meta.len()).ok();
    if len.is_none_or(|n| n > max) {
        return Err(RootError::TooLarge(len));
    }
    // The file may grow between the look and the read: read one byte past the cap to know.
    let mut raw = Vec::with_capacity(len.unwrap_or(0).min(max));
    file.take(u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(io)?;
    if raw.len() > max {
        return Err(RootError::TooLarge(None));
    }
    Ok(raw)
}

/// Whether the file opened for `path` lies inside one of `real_roots`. On Linux its path is read from the open
/// descriptor itself (`/proc/self/fd`), which no later rename can change; elsewhere (or without `/proc`), `path`
/// resolved again must lie inside a root and be the file opened (same device and inode).
#[cfg(unix)]
fn opened_inside(
    path: &Path,
    file: &std::fs::File,
    meta: &std::fs::Metadata,
    real_roots: &[PathBuf],
) -> bool {
    use std::os::unix::fs::MetadataExt;
    let inside = |real: &Path| real_roots.iter().any(|r| real.starts_with(r));
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        if let Ok(opened) = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
            return inside(&opened);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
    std::fs::canonicalize(path)
        .ok()
        .filter(|real| inside(real))
        .and_then(|real| std::fs::metadata(real).ok())
        .is_some_and(|now| (now.dev(), now.ino()) == (meta.dev(), meta.ino()))
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
