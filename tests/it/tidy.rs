//! Architecture invariants, checked by reading the source (rust-analyzer's "tidy" tests do the same).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Code lines of a file, without comments and without `#[cfg(test)]` tails.
fn code_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push((i + 1, line.to_owned()));
    }
    out
}

fn offenders(dir: &str, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(&src().join(dir)) {
        if file.components().any(|c| c.as_os_str() == "tests") || file.ends_with("tests.rs") {
            continue;
        }
        for (n, line) in code_lines(&file) {
            for needle in needles {
                if line.contains(needle) {
                    found.push(format!("{}:{n}: {}", file.display(), line.trim()));
                }
            }
        }
    }
    found
}

/// The A2A client knows nothing of MCP.
#[test]
fn a2a_never_imports_rmcp() {
    let found = offenders("a2a", &["rmcp"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// The MCP layer knows nothing of HTTP to agents.
#[test]
fn mcp_never_imports_reqwest_or_a2a() {
    let found = offenders("mcp", &["reqwest", "crate::a2a", "a2a::"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// stdout belongs to MCP on stdio: nothing in src/ prints to it.
#[test]
fn nothing_prints_to_stdout() {
    let found: Vec<String> = offenders(".", &["println!(", "print!(", "dbg!("])
        .into_iter()
        .filter(|l| !l.contains("eprintln!(") && !l.contains("eprint!("))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}
