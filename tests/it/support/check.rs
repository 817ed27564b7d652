//! `check`: tool calls, and what the MCP caller sees of them compared with a snapshot, as rust-analyzer's
//! `check(input, expect![[...]])` tests do. `UPDATE_EXPECT=1 cargo test` rewrites the snapshots in place.
//!
//! The rendering is the model's view: whether the result is an error, the task state, the `data` of
//! `structuredContent`, and each content block (text in full, other blocks by kind). Values that change from
//! run to run are replaced before comparing: the call's task id and context id by `<task_id>` and
//! `<context_id>`, any other UUID by `<uuid>`, loopback ports by `<port>`, `for 3s` by `for <secs>s`, and
//! whole JSON numbers written as floats (`1.0`, protobuf's way) by integers.

use std::ops::Deref;

use expect_test::Expect;
use serde_json::Value;

use super::bridge::{Call, Session};

/// Calls `tool` with `args` through each session; every caller must see the same, and that is compared with
/// `expect`. Returns the calls, in session order, for further assertions (progress, the agent's log).
pub async fn check<S: Deref<Target = Session>>(
    sessions: &[S],
    tool: &str,
    args: Value,
    expect: Expect,
) -> Vec<Call> {
    let mut calls = Vec::new();
    for session in sessions {
        calls.push(session.call(tool, args.clone()).await);
    }
    same_for_all(calls.iter().map(render).collect(), expect);
    calls
}

/// Like [`check`], for calls the bridge refuses: the JSON-RPC error each caller gets.
pub async fn check_refused<S: Deref<Target = Session>>(
    sessions: &[S],
    tool: &str,
    args: Value,
    expect: Expect,
) {
    let mut seen = Vec::new();
    for session in sessions {
        match session.try_call(tool, args.clone()).await {
            Ok(call) => panic!("{tool} was not refused:\n{}", render(&call)),
            Err(e) => seen.push(format!("{e}\n")),
        }
    }
    same_for_all(seen, expect);
}

/// Asserts that every caller saw the same and compares that with `expect` (once: a snapshot rewritten more than
/// once per run is garbled).
pub fn same_for_all(seen: Vec<String>, expect: Expect) {
    let first = seen.first().expect("at least one session").clone();
    for (i, other) in seen.iter().enumerate().skip(1) {
        assert_eq!(
            &first, other,
            "session {i} saw something else than session 0"
        );
    }
    expect.assert_eq(&first);
}

/// What the caller sees of a call, with volatile values replaced.
pub fn render(call: &Call) -> String {
    let structured = call.result.structured_content.as_ref();
    let field = |name: &str| structured.and_then(|s| s[name].as_str()).unwrap_or("");
    let mut out = String::new();
    if call.is_error() {
        out.push_str("isError\n");
    }
    if let Some(state) = structured.and_then(|s| s["state"].as_str()) {
        out.push_str(&format!("state: {state}\n"));
    }
    if let Some(data) = structured.and_then(|s| s["data"].as_array())
        && !data.is_empty()
    {
        out.push_str(&format!("data: {}\n", Value::Array(data.clone())));
    }
    for block in &call.result.content {
        out.push_str("---\n");
        match block.as_text() {
            Some(text) => out.push_str(&text.text),
            None => {
                let json = serde_json::to_value(block).unwrap_or_default();
                let kind = json["type"].as_str().unwrap_or("?");
                let what = ["mimeType", "uri", "name"]
                    .iter()
                    .filter_map(|k| json[*k].as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                out.push_str(&format!("[{kind} {what}]"));
            }
        }
        out.push('\n');
    }
    normalize(&out, field("task_id"), field("context_id"))
}

/// Replaces the task id, the context id and the other volatile values in `text`.
pub fn normalize(text: &str, task_id: &str, context_id: &str) -> String {
    let mut text = text.to_owned();
    for (id, placeholder) in [(task_id, "<task_id>"), (context_id, "<context_id>")] {
        if !id.is_empty() {
            text = text.replace(id, placeholder);
        }
    }
    let text = rewrite(&text, uuid);
    let text = rewrite(&text, |rest, _| {
        let port = rest.strip_prefix("127.0.0.1:")?;
        let digits = leading(port, |c| c.is_ascii_digit());
        (digits > 0).then(|| ("127.0.0.1:".len() + digits, "127.0.0.1:<port>"))
    });
    let text = rewrite(&text, |rest, _| {
        let number = rest.strip_prefix("for ")?;
        let digits = leading(number, |c| c.is_ascii_digit() || c == '.');
        (digits > 0 && number[digits..].starts_with('s'))
            .then(|| ("for ".len() + digits, "for <secs>"))
    });
    rewrite(&text, |rest, before| {
        let after = rest.strip_prefix(".0")?.chars().next()?;
        (before.is_some_and(|b| b.is_ascii_digit()) && matches!(after, ',' | '}' | ']'))
            .then_some((2, ""))
    })
}

/// Walks `text` and, wherever `rule(rest, previous char)` gives `(length, replacement)`, replaces that many bytes.
fn rewrite(
    text: &str,
    rule: impl Fn(&str, Option<char>) -> Option<(usize, &'static str)>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut before = None;
    let mut i = 0;
    while i < text.len() {
        if let Some((len, with)) = rule(&text[i..], before) {
            out.push_str(with);
            before = text[..i + len].chars().next_back();
            i += len;
        } else {
            let c = text[i..].chars().next().expect("a char at a boundary");
            out.push(c);
            before = Some(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Bytes at the start of `s` whose chars satisfy `ok`.
fn leading(s: &str, ok: impl Fn(char) -> bool) -> usize {
    s.find(|c| !ok(c)).unwrap_or(s.len())
}

/// A UUID (`8-4-4-4-12` hex digits, not inside a longer run of them) at the start of `rest`.
fn uuid(rest: &str, before: Option<char>) -> Option<(usize, &'static str)> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    const LEN: usize = 36;
    if before.is_some_and(|b| b.is_ascii_hexdigit()) || rest.len() < LEN {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    for (g, len) in GROUPS.iter().enumerate() {
        if !bytes[i..i + len].iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        i += len;
        if g < GROUPS.len() - 1 {
            if bytes[i] != b'-' {
                return None;
            }
            i += 1;
        }
    }
    let after = bytes.get(LEN).copied();
    (!after.is_some_and(|b| b.is_ascii_hexdigit())).then_some((LEN, "<uuid>"))
}

#[test]
fn volatile_values_are_replaced() {
    let text = "task_id: t-1 | context_id: c-9 | id 0b7c1c5e-3f3a-4a7e-9a51-2f1d2c3b4a5f.";
    assert_eq!(
        normalize(text, "t-1", "c-9"),
        "task_id: <task_id> | context_id: <context_id> | id <uuid>."
    );
    let uuid = "0b7c1c5e-3f3a-4a7e-9a51-2f1d2c3b4a5f";
    assert_eq!(normalize(&format!("x{uuid}"), "", ""), "x<uuid>");
    assert_eq!(normalize(&format!("a{uuid}"), "", ""), format!("a{uuid}"));
    assert_eq!(
        normalize(
            "down for 12s: http://127.0.0.1:4567/x, v 1.0 {\"n\":1.0,\"x\":1.5}",
            "",
            ""
        ),
        "down for <secs>s: http://127.0.0.1:<port>/x, v 1.0 {\"n\":1,\"x\":1.5}"
    );
}
