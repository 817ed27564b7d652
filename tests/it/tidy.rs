//! Architecture invariants, checked by reading the source (rust-analyzer's "tidy" tests do the same).
//!
//! Every check walks a module's directory (or everything in `src/` but the named modules), never a list of
//! files, so files can move and be renamed within a module without the checks going blind. Test code (`tests.rs`,
//! `tests/` directories, and whatever follows `#[cfg(test)]` in a file) is left out.

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The non-test `.rs` files of a module: `src/{module}.rs` and everything under `src/{module}/` (`module` may be
/// a path such as `a2a/wire`; `"."` is all of `src/`).
fn module_files(module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let dir = if module == "." {
        src()
    } else {
        src().join(module)
    };
    if dir.is_dir() {
        walk(&dir, &mut files);
    }
    let file = src().join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    files.retain(|f| !f.ends_with("tests.rs") && !f.components().any(|c| c.as_os_str() == "tests"));
    files
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The non-test files of every module of `src/` except `except` (top-level module names).
fn files_outside(except: &[&str]) -> Vec<PathBuf> {
    module_files(".")
        .into_iter()
        .filter(|f| {
            let top = f.strip_prefix(src()).unwrap().components().next().unwrap();
            let top = top.as_os_str().to_str().unwrap().trim_end_matches(".rs");
            !except.contains(&top)
        })
        .collect()
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
        let code = match line.find("//") {
            // A trailing comment, unless the `//` is inside a string (as in a URL).
            Some(i) if line[..i].matches('"').count() % 2 == 0 => &line[..i],
            _ => line,
        };
        out.push((i + 1, code.to_owned()));
    }
    out
}

/// Lines of `files` that contain any of `needles`, as `file:line: code`.
fn lines_with(files: &[PathBuf], needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        for (n, line) in code_lines(file) {
            if needles.iter().any(|needle| line.contains(needle)) {
                found.push(format!("{}:{n}: {}", file.display(), line.trim()));
            }
        }
    }
    found
}

/// Every path a file names: each `use` tree expanded (`use a::{b, c::d as e};` gives `a::b` and `a::c::d`),
/// with the line it starts on.
fn use_paths(path: &Path) -> Vec<(usize, String)> {
    let lines = code_lines(path);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (n, line) = &lines[i];
        let t = line.trim_start();
        let t = t.strip_prefix("pub ").unwrap_or(t);
        let t = t
            .strip_prefix("pub(crate) ")
            .or_else(|| t.strip_prefix("pub(super) "))
            .unwrap_or(t);
        if let Some(rest) = t.strip_prefix("use ") {
            // A `use` item runs to its `;`, possibly over several lines.
            let mut tree = rest.to_owned();
            while !tree.contains(';') && i + 1 < lines.len() {
                i += 1;
                tree.push_str(&lines[i].1);
            }
            let tree: String = tree
                .split(';')
                .next()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            out.extend(expand_use(&tree).into_iter().map(|p| (*n, p)));
        }
        i += 1;
    }
    out
}

/// `a::{b, c::{d, e as f}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap().trim();
        return vec![path.trim_end_matches("::self").to_owned()];
    };
    let prefix = &tree[..open];
    let mut depth = 0;
    let mut close = tree.len();
    for (i, c) in tree.char_indices().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = i;
                    break;
                }
            }
            _ => {}
        }
    }
    let inner = &tree[open + 1..close];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand_use(&format!("{prefix}{}", p.trim())))
        .collect()
}

/// Whether `path` is `module` or inside it (`std::fs` is inside `std::fs`, `std::fsx` is not).
fn within(path: &str, module: &str) -> bool {
    path == module || path.starts_with(&format!("{module}::"))
}

/// `use` paths in `files` inside any of `modules`, and inline paths (`reqwest::get(…)`) to them.
fn uses_of(files: &[PathBuf], modules: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        for (n, path) in use_paths(file) {
            if modules.iter().any(|m| within(&path, m)) {
                found.push(format!("{}:{n}: use {path}", file.display()));
            }
        }
    }
    let inline: Vec<String> = modules.iter().map(|m| format!("{m}::")).collect();
    let inline: Vec<&str> = inline.iter().map(String::as_str).collect();
    found.extend(
        lines_with(files, &inline)
            .into_iter()
            .filter(|l| !l.contains(": use ") && !l.contains(": pub use ")),
    );
    found
}

#[test]
fn use_trees_are_expanded() {
    assert_eq!(
        expand_use("crate::{bridge, a2a::{wire as w, sse::self}}"),
        ["crate::bridge", "crate::a2a::wire", "crate::a2a::sse"]
    );
    assert_eq!(expand_use("std::net::SocketAddr"), ["std::net::SocketAddr"]);
    assert!(within("std::fs::read", "std::fs") && !within("std::fsx", "std::fs"));
}

/// The A2A client knows nothing of MCP.
#[test]
fn a2a_never_imports_rmcp() {
    let found = lines_with(&module_files("a2a"), &["rmcp"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// The MCP layer knows nothing of HTTP to agents.
#[test]
fn mcp_never_imports_reqwest_or_a2a() {
    let found = lines_with(&module_files("mcp"), &["reqwest", "crate::a2a", "a2a::"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// `a2a::wire` (shapes) and `a2a::sse` (frames) are pure: no network, no files, no async IO.
#[test]
fn wire_and_sse_do_no_io() {
    const IO: [&str; 7] = [
        "reqwest",
        "hyper",
        "tokio::net",
        "tokio::fs",
        "tokio::io",
        "std::net",
        "std::fs",
    ];
    for module in ["a2a/wire", "a2a/sse"] {
        let files = module_files(module);
        assert!(!files.is_empty(), "no files for {module}: moved?");
        let found = uses_of(&files, &IO);
        assert!(found.is_empty(), "{module} does IO: {found:#?}");
    }
}

/// The version difference lives in `a2a` (shapes in `wire`, method names and the version header in `client`):
/// nothing above it names a protocol version to branch on. `demo` is exempt, because the demo agent is a peer
/// that serves both versions, and so is `config`, which only maps the `protocol` key's text to the enum.
#[test]
fn nothing_above_a2a_branches_on_the_protocol_version() {
    let files = files_outside(&["a2a", "demo", "config"]);
    assert!(files.iter().any(|f| f.starts_with(src().join("bridge"))));
    let found = lines_with(
        &files,
        &[
            "ProtocolVersion::V0_3",
            "ProtocolVersion::V1_0",
            "ProtocolVersion::Draft",
            "V0_3 =>",
            "V1_0 =>",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

/// The demo agent is an A2A peer like any other: it shares `a2a`'s wire code but nothing of the bridge or the
/// MCP server. (The quickstart starts the bridge through the crate's top-level `run`.)
#[test]
fn demo_never_imports_bridge_or_mcp() {
    let files = module_files("demo");
    assert!(!files.is_empty(), "no files for demo: moved?");
    let found = uses_of(&files, &["crate::bridge", "crate::mcp", "rmcp"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// stdout belongs to MCP on stdio: nothing in src/ prints to it.
#[test]
fn nothing_prints_to_stdout() {
    let found: Vec<String> = lines_with(&module_files("."), &["println!(", "print!(", "dbg!("])
        .into_iter()
        .filter(|l| !l.contains("eprintln!(") && !l.contains("eprint!("))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
}

/// Telemetry is fed plain values by both sides: it knows neither MCP's types nor A2A's.
#[test]
fn telemetry_imports_neither_rmcp_nor_a2a() {
    let files = module_files("telemetry");
    assert!(!files.is_empty(), "no files for telemetry: moved?");
    let found = uses_of(
        &files,
        &["rmcp", "crate::a2a", "crate::bridge", "crate::mcp"],
    );
    assert!(found.is_empty(), "{found:#?}");
}
