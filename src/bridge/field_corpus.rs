//! The field corpus (issue 9 §5): every file in `tests/data/field/cases.toml`, fed through the decoding and
//! folding path the bridge uses, and checked against what the MCP model must see.
//!
//! - `card`: `wire::decode_card` and `wire::choose_interface`;
//! - `sse`: `sse::decode_events` (the body cut into small chunks, so framing is tested across chunk
//!   boundaries), each event folded into a `TaskView` as `Follow` does, then `result_from_view`; an error
//!   event before the task settled is judged with the recovery snapshot beside the file
//!   (`<name>.get.json`) by `follow::error_stands`, as `Follow` does;
//! - `response`: `wire::rpc::decode_response`, the method's decoder, a `TaskView`, and the handler's
//!   rendering (`cancel_result` for `tasks/cancel`); an HTTP error file (`*.httpNNN.txt`) is the
//!   `A2aError::Http` the client makes of it.

use std::path::{Path, PathBuf};

use futures::StreamExt;
use rmcp::model::CallToolResult;
use serde_json::Value;

use super::follow::error_stands;
use super::result::{Ending, cancel_result, error_result, failure_result, result_from_view};
use super::view::TaskView;
use crate::a2a::wire::{self, rpc};
use crate::a2a::{A2aError, sse};

const AGENT: &str = "field";
const MAX_CHARS: usize = 100_000;
/// Bytes per chunk fed to the SSE decoder.
const CHUNK: usize = 61;

const KNOWN_KEYS: &[&str] = &[
    "id",
    "kind",
    "file",
    "source",
    "wire",
    "method",
    "note",
    "protocol_version",
    "streaming",
    "skills",
    "endpoint_path",
    "state",
    "is_error",
    "text_contains",
    "text_excludes",
    "text_order",
    "task_id",
    "task_id_value",
    "context_id",
    "data_contains",
    "error_code",
    "events",
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/field")
}

fn strs(case: &toml::Table, key: &str) -> Vec<String> {
    case.get(key)
        .and_then(toml::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// What the model reads: every text block of the result, in order.
fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The path after the authority (`""` when the URL has none, not even `/`).
fn raw_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/')
        .map_or(String::new(), |i| rest[i..].to_owned())
}

fn check_card(case: &toml::Table, body: &str, fail: &mut Vec<String>) {
    let raw: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return fail.push(format!("not JSON: {e}")),
    };
    let card = match wire::decode_card(raw) {
        Ok(c) => c,
        Err(e) => return fail.push(format!("decode_card: {e}")),
    };
    let Some((iface, version)) = wire::choose_interface(&card, None) else {
        return fail.push("no interface chosen".into());
    };
    // As `A2aClient::for_card` does: a card of the draft's shape is spoken to in the draft first.
    let version = crate::a2a::connect::first_guess(&card, version);
    if let Some(want) = case.get("protocol_version").and_then(toml::Value::as_str)
        && version.as_str() != want
    {
        fail.push(format!("protocol {version}, want {want}"));
    }
    if let Some(want) = case.get("streaming").and_then(toml::Value::as_bool)
        && card.streaming != want
    {
        fail.push(format!("streaming {}, want {want}", card.streaming));
    }
    if case.contains_key("skills") {
        let got: Vec<String> = card.skills.iter().map(|s| s.id.clone()).collect();
        if got != strs(case, "skills") {
            fail.push(format!("skills {got:?}, want {:?}", strs(case, "skills")));
        }
    }
    if let Some(want) = case.get("endpoint_path").and_then(toml::Value::as_str)
        && raw_path(&iface.url) != want
    {
        fail.push(format!("endpoint {:?}, want path {want:?}", iface.url));
    }
}

/// An SSE body through the decoder and the fold; `(result, events decoded)`.
async fn read_stream(path: &Path, body: &[u8]) -> (CallToolResult, usize) {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(CHUNK).map(|c| Ok(c.to_vec())).collect();
    let items: Vec<Result<crate::a2a::StreamEvent, A2aError>> =
        sse::decode_events(futures::stream::iter(chunks))
            .collect()
            .await;
    let events = items.iter().filter(|i| i.is_ok()).count();
    let mut view = TaskView::default();
    for item in items {
        match item {
            Ok(event) => {
                view.apply(event);
                if view.is_settled() {
                    return (
                        result_from_view(AGENT, &view, Ending::Settled, MAX_CHARS),
                        events,
                    );
                }
            }
            Err(error) if view.task_id.is_none() => {
                return (failure_result(AGENT, &error, &view), events);
            }
            Err(error) => {
                // Recovery: the snapshot taken after the break, when the corpus has one.
                let snapshot = path.with_extension("get.json");
                let before = view.state;
                if let Ok(text) = std::fs::read(&snapshot)
                    && let Ok(result) = rpc::decode_response(&text)
                    && let Ok(task) = wire::decode_task(result.get("task").unwrap_or(&result))
                {
                    view.merge_task(task);
                    if view.is_settled() {
                        return (
                            result_from_view(AGENT, &view, Ending::Settled, MAX_CHARS),
                            events,
                        );
                    }
                    // `Follow` looks twice; a recorded snapshot is the same both times.
                    let seen = view.clone();
                    if error_stands(&error, before, &view)
                        && let Ok(task) = wire::decode_task(result.get("task").unwrap_or(&result))
                    {
                        view.merge_task(task);
                        if error_stands(&error, before, &view) && view == seen {
                            return (failure_result(AGENT, &error, &view), events);
                        }
                    }
                }
                break;
            }
        }
    }
    (
        result_from_view(AGENT, &view, Ending::BudgetSpent, MAX_CHARS),
        events,
    )
}

/// A non-streaming answer through the decoders and the rendering its handler uses.
fn read_response(file: &str, method: &str, body: &[u8]) -> CallToolResult {
    if let Some(status) = file
        .split('.')
        .find_map(|p| p.strip_prefix("http").and_then(|s| s.parse::<u16>().ok()))
    {
        let error = A2aError::Http {
            status,
            url: "http://127.0.0.1/".into(),
            body: String::from_utf8_lossy(body).trim().to_owned(),
        };
        return error_result(AGENT, &error.to_string(), None);
    }
    let result = match rpc::decode_response(body) {
        Ok(r) => r,
        Err(e) => return error_result(AGENT, &e.to_string(), None),
    };
    let task = || wire::decode_task(result.get("task").unwrap_or(&result));
    let view = match method {
        "message/send" | "SendMessage" | "tasks/send" => match wire::decode_send_result(&result) {
            Ok(r) => TaskView::from_response(r),
            Err(e) => return error_result(AGENT, &e.to_string(), None),
        },
        "tasks/cancel" | "CancelTask" => {
            return match task() {
                Ok(t) => cancel_result(AGENT, &TaskView::from_task(t), MAX_CHARS),
                Err(e) => error_result(AGENT, &e.to_string(), None),
            };
        }
        _ => match task() {
            Ok(t) => TaskView::from_task(t),
            Err(e) => return error_result(AGENT, &e.to_string(), None),
        },
    };
    let ending = if view.is_settled() {
        Ending::Settled
    } else {
        Ending::BudgetSpent
    };
    result_from_view(AGENT, &view, ending, MAX_CHARS)
}

fn check_result(case: &toml::Table, result: &CallToolResult, fail: &mut Vec<String>) {
    let out = result.structured_content.clone().unwrap_or(Value::Null);
    let text = text_of(result);
    let shown = format!("{text:?}");
    if let Some(want) = case.get("state").and_then(toml::Value::as_str)
        && out["state"] != want
    {
        fail.push(format!("state {}, want {want}: {shown}", out["state"]));
    }
    let want_error = case
        .get("is_error")
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    if result.is_error.unwrap_or(false) != want_error {
        fail.push(format!(
            "is_error {:?}, want {want_error}: {shown}",
            result.is_error
        ));
    }
    for fragment in strs(case, "text_contains") {
        if !text.contains(&fragment) {
            fail.push(format!("text lacks {fragment:?}: {shown}"));
        }
    }
    for fragment in strs(case, "text_excludes") {
        if text.contains(&fragment) {
            fail.push(format!("text has {fragment:?}: {shown}"));
        }
    }
    let order = strs(case, "text_order");
    if !order.is_empty() {
        let mut wanted = order.iter().peekable();
        for line in text.lines() {
            if wanted.peek().is_some_and(|w| line == w.as_str()) {
                wanted.next();
            }
        }
        if let Some(missing) = wanted.next() {
            fail.push(format!("line {missing:?} missing or out of order: {shown}"));
        }
    }
    match case.get("task_id").and_then(toml::Value::as_bool) {
        Some(true) if !out["task_id"].is_string() => fail.push(format!("no task_id: {shown}")),
        Some(false) if !out["task_id"].is_null() => {
            fail.push(format!("task_id {}, want none", out["task_id"]))
        }
        _ => {}
    }
    if let Some(want) = case.get("task_id_value").and_then(toml::Value::as_str)
        && out["task_id"] != want
    {
        fail.push(format!("task_id {}, want {want}", out["task_id"]));
    }
    if case.get("context_id").and_then(toml::Value::as_bool) == Some(true)
        && !out["context_id"].is_string()
    {
        fail.push(format!("no context_id: {shown}"));
    }
    let data = out["data"].to_string();
    for fragment in strs(case, "data_contains") {
        if !data.contains(&fragment) {
            fail.push(format!("structuredContent.data lacks {fragment:?}: {data}"));
        }
    }
    if let Some(code) = case.get("error_code").and_then(toml::Value::as_integer)
        && !text.contains(&code.to_string())
    {
        fail.push(format!("the error does not name {code}: {shown}"));
    }
}

#[tokio::test]
async fn every_field_case_reads_as_expected() {
    let manifest = std::fs::read_to_string(dir().join("cases.toml")).expect("cases.toml");
    let manifest: toml::Table = toml::from_str(&manifest).expect("cases.toml is TOML");
    let cases = manifest["case"].as_array().expect("[[case]] entries");
    assert!(cases.len() >= 40, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let case = case.as_table().expect("a case is a table");
        let id = case["id"].as_str().unwrap_or("?").to_owned();
        let mut fail = Vec::new();
        for key in case.keys() {
            if !KNOWN_KEYS.contains(&key.as_str()) {
                fail.push(format!("unknown key {key:?}"));
            }
        }
        let file = case["file"].as_str().expect("file");
        let path = dir().join(file);
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{id}: {file}: {e}"));
        match case["kind"].as_str() {
            Some("card") => check_card(case, &String::from_utf8_lossy(&body), &mut fail),
            Some("sse") => {
                let (result, events) = read_stream(&path, &body).await;
                if let Some(want) = case.get("events").and_then(toml::Value::as_integer)
                    && events as i64 != want
                {
                    fail.push(format!("{events} events decoded, want {want}"));
                }
                check_result(case, &result, &mut fail);
            }
            Some("response") => {
                let method = case["method"].as_str().expect("method");
                check_result(case, &read_response(file, method, &body), &mut fail);
            }
            other => fail.push(format!("unknown kind {other:?}")),
        }
        failures.extend(fail.into_iter().map(|f| format!("{id}: {f}")));
    }
    assert!(
        failures.is_empty(),
        "{} field case failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
