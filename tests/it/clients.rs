//! Real MCP hosts' client libraries against the built bridge and the demo agent: the official TypeScript SDK (a
//! current 1.x and 1.22, which speaks 2025-06-18) and the official Python SDK (which negotiates 2026-07-28), each
//! over stdio and Streamable HTTP, in every scenario a host runs into (list, call, progress, progress order,
//! elicitation, cancel, bad arguments); and the official MCP conformance suite against the HTTP endpoint.
//! The clients are scripts in `tests/clients/`, provisioned by `support::clients` on first use.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::bridge::{self, Generation, agent_toml};
use crate::support::clients::{self, Sdk, Target};
use crate::support::http::{self as http_support, HttpBridge};
use crate::support::net::Forwarder;
use crate::support::process::DemoAgent;

const TOKEN: &str = "it-clients-token";
const DEMO_TOOLS: [&str; 6] = [
    "demo_stream",
    "demo_work",
    "demo_ask",
    "demo_echo",
    "demo_files",
    "demo_long",
];
const GENERIC_TOOLS: [&str; 7] = [
    "list_agents",
    "get_agent_card",
    "send_message",
    "get_task",
    "cancel_task",
    "list_tasks",
    "read_artifact",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Stdio,
    Http,
}

/// The demo agent behind a recording forwarder, and a bridge the client can reach.
struct Setup {
    recorder: Forwarder,
    target: Target,
    config: String,
    http: Option<HttpBridge>,
    _agent: DemoAgent,
    _dir: tempfile::TempDir,
}

async fn setup(transport: Transport) -> Setup {
    let agent = demo_agent().await;
    let agent_addr = agent
        .base
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("the demo agent's address: {}", agent.base));
    let recorder = Forwarder::recording(agent_addr).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let agents = agent_toml("demo", &recorder.url(), "");
    let (target, config, http) = match transport {
        Transport::Stdio => {
            let path = dir.path().join("bridge.toml");
            std::fs::write(&path, &agents).expect("write config");
            (Target::Stdio { config: path }, agents, None)
        }
        Transport::Http => {
            let config =
                format!("[server]\nauth_tokens = [{{ env = \"IT_CLIENTS_TOKEN\" }}]\n\n{agents}");
            let bridge = HttpBridge::start(&config, &[], &[("IT_CLIENTS_TOKEN", TOKEN)]).await;
            let target = Target::Http {
                url: bridge.mcp_url(),
                token: Some(TOKEN.into()),
            };
            (target, config, Some(bridge))
        }
    };
    Setup {
        recorder,
        target,
        config,
        http,
        _agent: agent,
        _dir: dir,
    }
}

/// The demo agent as its own process, on an OS-assigned port.
async fn demo_agent() -> DemoAgent {
    DemoAgent::start(&[], None)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

/// The protocol revision each client negotiates with the bridge.
fn expected_protocol(sdk: Sdk) -> &'static str {
    match sdk {
        Sdk::TsCurrent => "2025-11-25",
        Sdk::Ts122 => "2025-06-18",
        Sdk::Python => "2026-07-28",
    }
}

/// Errors the client library reported outside any request (the TypeScript SDK's `onerror`); none is expected.
fn sdk_errors(out: &Value) -> Vec<String> {
    out["sdkErrors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn assert_ok_result(out: &Value) {
    assert!(out.get("protocolError").is_none(), "{out}");
    assert_eq!(out["isError"], false, "{out}");
}

/// `tools/list`: every demo skill and generic tool, at the expected protocol revision, with no client errors.
async fn list(sdk: Sdk, transport: Transport) {
    let s = setup(transport).await;
    let out = clients::run(sdk, "list", &s.target).await;
    assert_eq!(out["protocolVersion"], expected_protocol(sdk), "{out}");
    let tools: Vec<&str> = out["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tools: {out}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for tool in DEMO_TOOLS.iter().chain(GENERIC_TOOLS.iter()) {
        assert!(tools.contains(tool), "{tool} missing: {out}");
    }
    assert_eq!(sdk_errors(&out), Vec::<String>::new(), "{out}");
}

/// A plain call of the demo `echo` skill.
async fn call(sdk: Sdk, transport: Transport) {
    let s = setup(transport).await;
    let out = clients::run(sdk, "call", &s.target).await;
    assert_ok_result(&out);
    // The demo answers echo with a direct Message, not a task.
    assert_eq!(out["structured"]["state"], "message", "{out}");
    assert_eq!(out["structured"]["agent"], "demo", "{out}");
    let text = out["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("hello from the "), "{out}");
}

/// A streamed call (demo `stream`): the working status and every chunk arrive as progress, the chunks joined
/// are the start of the result.
async fn progress(sdk: Sdk, transport: Transport) {
    let s = setup(transport).await;
    let out = clients::run(sdk, "progress", &s.target).await;
    assert_ok_result(&out);
    assert_eq!(out["structured"]["state"], "completed", "{out}");
    let messages: Vec<&str> = out["progress"]
        .as_array()
        .unwrap_or_else(|| panic!("no progress: {out}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let working = messages
        .iter()
        .position(|m| *m == "Writing the answer…")
        .unwrap_or_else(|| panic!("no working status: {out}"));
    let chunks: Vec<&str> = messages[working + 1..]
        .iter()
        .filter(|m| !m.starts_with("task "))
        .copied()
        .collect();
    assert!(chunks.len() > 10, "{out}");
    // Whether the last chunks come before the result is the `order` scenario's business (issue 10, stdio).
    let text = out["text"].as_str().unwrap_or_default();
    assert!(text.starts_with(&chunks.concat()), "{out}");
}

/// Ten quick streamed calls: every progress notification of a call reaches the client before its result
/// (the client reports the ones it got for a request that was already answered).
async fn order(sdk: Sdk, transport: Transport) {
    let s = setup(transport).await;
    let out = clients::run(sdk, "order", &s.target).await;
    assert_eq!(out["calls"], 10, "{out}");
    // Progress is coalesced (a burst of 10, then 10 per second per call, the last line always sent), so a
    // quick call of 20 chunks relays about 11 of them; every call relays at least its last.
    assert!(out["progress"].as_u64().unwrap_or(0) >= 10, "{out}");
    assert_eq!(out["lateProgress"], 0, "{out}");
}

/// Demo `ask`: the client declared elicitation, answers the agent's question, and the call ends with the greeting.
async fn elicit(sdk: Sdk, transport: Transport) {
    let s = setup(transport).await;
    let out = clients::run(sdk, "elicit", &s.target).await;
    assert_ok_result(&out);
    assert_eq!(out["structured"]["state"], "completed", "{out}");
    let text = out["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("Hello, Ada!"), "{out}");
    let asked: Vec<&str> = out["elicitations"]
        .as_array()
        .unwrap_or_else(|| panic!("no elicitations: {out}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(asked.len(), 1, "{out}");
    assert!(asked[0].contains("What is your name?"), "{out}");
}

/// The client cancels a long call (demo `work 30`) once it is running: the bridge cancels the A2A task, and
/// `get_task` then reports it canceled.
async fn cancel(sdk: Sdk, transport: Transport) {
    let s = setup(transport).await;
    let out = clients::run(sdk, "cancel", &s.target).await;
    assert!(
        out.get("finished").is_none(),
        "the call was not canceled: {out}"
    );
    assert_ne!(out["aborted"], "no progress in 5 s", "{out}");
    assert!(
        out["elapsedMs"].as_u64().unwrap_or(u64::MAX) < 20_000,
        "{out}"
    );

    // The bridge's cancel request to the agent names the task.
    let started = Instant::now();
    let task_id = loop {
        let ids = s.recorder.canceled_task_ids();
        if let Some(id) = ids.first() {
            assert_eq!(ids.len(), 1, "{ids:?}");
            break id.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the bridge sent no cancel to the agent; requests: {:?}",
            s.recorder.requests()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // get_task through the bridge: the same endpoint over HTTP, a fresh bridge on the same config over stdio.
    let args = json!({"agent": "demo", "task_id": task_id});
    let got = match &s.http {
        Some(bridge) => {
            let client = http_support::connect(&bridge.mcp_url(), Some(TOKEN), Generation::Legacy)
                .await
                .expect("connect rmcp over HTTP");
            client.call("get_task", args).await
        }
        None => {
            let bridge =
                bridge::start(&s.config, Generation::Legacy, bridge::Recorder::default()).await;
            // A fresh bridge answers "not available yet" until it has fetched the agent's card; `list_agents`
            // waits for discovery.
            let listed = bridge.call("list_agents", json!({})).await;
            assert_eq!(
                listed.structured()["agents"][0]["status"],
                "reachable",
                "{}",
                listed.text()
            );
            bridge.call("get_task", args).await
        }
    };
    // A canceled task is reported as a tool error (`isError: true`) whose state says canceled.
    assert_eq!(got.structured()["state"], "canceled", "{}", got.text());
    assert!(got.text().contains(&task_id), "{}", got.text());
}

/// A call without the required `message`: a tool execution error the model can correct (MCP 2025-11-25 tools,
/// SEP-1303), not a JSON-RPC error.
async fn badarg(sdk: Sdk, transport: Transport) {
    let s = setup(transport).await;
    let out = clients::run(sdk, "badarg", &s.target).await;
    assert!(
        out.get("protocolError").is_none(),
        "a protocol error: {out}"
    );
    assert_eq!(out["isError"], true, "{out}");
    let text = out["text"].as_str().unwrap_or_default();
    assert!(text.contains("message"), "{out}");
}

macro_rules! client_tests {
    ($($(#[$attr:meta])* $name:ident: $scenario:ident($sdk:ident, $transport:ident);)*) => {
        $(
            $(#[$attr])*
            #[tokio::test]
            async fn $name() {
                $scenario(Sdk::$sdk, Transport::$transport).await;
            }
        )*
    };
}

client_tests! {
    ts_current_stdio_list: list(TsCurrent, Stdio);
    ts_current_stdio_call: call(TsCurrent, Stdio);
    ts_current_stdio_progress: progress(TsCurrent, Stdio);
    ts_current_stdio_progress_order: order(TsCurrent, Stdio);
    ts_current_stdio_elicit: elicit(TsCurrent, Stdio);
    ts_current_stdio_cancel: cancel(TsCurrent, Stdio);
    ts_current_stdio_bad_argument: badarg(TsCurrent, Stdio);

    ts_current_http_list: list(TsCurrent, Http);
    ts_current_http_call: call(TsCurrent, Http);
    ts_current_http_progress: progress(TsCurrent, Http);
    ts_current_http_progress_order: order(TsCurrent, Http);
    ts_current_http_elicit: elicit(TsCurrent, Http);
    ts_current_http_cancel: cancel(TsCurrent, Http);
    ts_current_http_bad_argument: badarg(TsCurrent, Http);

    ts_1_22_stdio_list: list(Ts122, Stdio);
    ts_1_22_stdio_call: call(Ts122, Stdio);
    ts_1_22_stdio_progress: progress(Ts122, Stdio);
    ts_1_22_stdio_progress_order: order(Ts122, Stdio);
    ts_1_22_stdio_elicit: elicit(Ts122, Stdio);
    ts_1_22_stdio_cancel: cancel(Ts122, Stdio);
    ts_1_22_stdio_bad_argument: badarg(Ts122, Stdio);

    ts_1_22_http_list: list(Ts122, Http);
    ts_1_22_http_call: call(Ts122, Http);
    ts_1_22_http_progress: progress(Ts122, Http);
    ts_1_22_http_progress_order: order(Ts122, Http);
    ts_1_22_http_elicit: elicit(Ts122, Http);
    ts_1_22_http_cancel: cancel(Ts122, Http);
    ts_1_22_http_bad_argument: badarg(Ts122, Http);

    python_stdio_list: list(Python, Stdio);
    python_stdio_call: call(Python, Stdio);
    python_stdio_progress: progress(Python, Stdio);
    // The client sends `tools/call` right after spawning the bridge (2026-07-28 has no handshake): a generic tool
    // naming an agent waits for the first card fetches, as `tools/list` does.
    python_stdio_progress_order: order(Python, Stdio);
    python_stdio_elicit: elicit(Python, Stdio);
    python_stdio_cancel: cancel(Python, Stdio);
    python_stdio_bad_argument: badarg(Python, Stdio);

    python_http_list: list(Python, Http);
    python_http_call: call(Python, Http);
    python_http_progress: progress(Python, Http);
    python_http_progress_order: order(Python, Http);
    python_http_elicit: elicit(Python, Http);
    python_http_cancel: cancel(Python, Http);
    python_http_bad_argument: badarg(Python, Http);
}

/// Conformance scenarios that apply to the bridge, a tools-only server over Streamable HTTP: each must run and
/// none of its checks may fail (warnings are allowed and printed).
const CONFORMANCE_APPLICABLE: [&str; 6] = [
    "server-initialize",
    "ping",
    "tools-list",
    "server-sse-multiple-streams",
    // Pending in the suite; its priming and `retry` checks apply to every stateful HTTP server. Its resume
    // check calls the fixture tool `test_reconnection`, which the bridge does not have: a warning, not a failure.
    "server-sse-polling",
    "dns-rebinding-protection",
];

/// Scenarios that do not apply, and why. Every scenario the suite runs must be in one of the two lists.
const CONFORMANCE_NOT_APPLICABLE: [(&str, &str); 26] = [
    // The bridge declares only `tools` (and the tasks extension): no logging, completions, resources or prompts.
    ("logging-set-level", "no `logging` capability"),
    (
        "tools-call-with-logging",
        "no `logging` capability; also calls a fixture tool",
    ),
    ("completion-complete", "no `completions` capability"),
    ("resources-list", "no `resources` capability"),
    ("resources-read-text", "no `resources` capability"),
    ("resources-read-binary", "no `resources` capability"),
    ("resources-templates-read", "no `resources` capability"),
    ("resources-subscribe", "no `resources` capability"),
    ("resources-unsubscribe", "no `resources` capability"),
    ("prompts-list", "no `prompts` capability"),
    ("prompts-get-simple", "no `prompts` capability"),
    ("prompts-get-with-args", "no `prompts` capability"),
    ("prompts-get-embedded-resource", "no `prompts` capability"),
    ("prompts-get-with-image", "no `prompts` capability"),
    // These call fixture tools of the suite's reference server (`test_simple_text`, `test_image_content`, …);
    // the bridge's tools are its agents' skills. The behaviours behind them (progress, elicitation, error
    // results, content kinds) are covered by the client tests above with the demo agent.
    ("tools-call-simple-text", "fixture tool test_simple_text"),
    ("tools-call-image", "fixture tool test_image_content"),
    ("tools-call-audio", "fixture tool test_audio_content"),
    (
        "tools-call-embedded-resource",
        "fixture tool test_embedded_resource",
    ),
    (
        "tools-call-mixed-content",
        "fixture tool test_multiple_content_types",
    ),
    ("tools-call-error", "fixture tool test_error_handling"),
    (
        "tools-call-with-progress",
        "fixture tool test_tool_with_progress",
    ),
    (
        "tools-call-sampling",
        "fixture tool test_sampling; the bridge never samples",
    ),
    ("tools-call-elicitation", "fixture tool test_elicitation"),
    (
        "elicitation-sep1034-defaults",
        "fixture tool test_elicitation_sep1034_defaults",
    ),
    (
        "elicitation-sep1330-enums",
        "fixture tool test_elicitation_sep1330_enums",
    ),
    (
        "json-schema-2020-12",
        "fixture tool json_schema_2020_12_tool",
    ),
];

/// The official MCP conformance suite (`@modelcontextprotocol/conformance`, every server scenario) against the
/// HTTP endpoint with the demo agent: every scenario that applies to a tools-only server passes.
#[tokio::test]
async fn conformance_suite_server_scenarios_pass() {
    let cli = tokio::task::spawn_blocking(clients::conformance_cli)
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    let agent = demo_agent().await;
    // Loopback without tokens: the suite's client sends no credentials.
    let config = agent_toml("demo", &agent.url(), "");
    let bridge = HttpBridge::start(&config, &[], &[]).await;
    let out_dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = tokio::process::Command::new(
        std::env::var("MCP_TEST_NODE").unwrap_or_else(|_| "node".into()),
    );
    cmd.arg(&cli)
        .args(["server", "--url", &bridge.mcp_url(), "--suite", "all", "-o"])
        .arg(out_dir.path())
        .current_dir(out_dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let output = tokio::time::timeout(
        Duration::from_secs(180),
        cmd.spawn()
            .expect("spawn the conformance suite")
            .wait_with_output(),
    )
    .await
    .expect("the conformance suite did not finish within 180 s")
    .expect("wait for the conformance suite");
    let summary = String::from_utf8_lossy(&output.stdout);
    let summary = summary
        .find("=== SUMMARY ===")
        .map_or(summary.as_ref(), |i| &summary[i..])
        .to_owned();

    let results = conformance_results(out_dir.path());
    let mut problems = Vec::new();
    for scenario in CONFORMANCE_APPLICABLE {
        match results.get(scenario) {
            None => problems.push(format!("{scenario}: did not run")),
            Some(checks) => {
                for (id, status, message) in checks {
                    match status.as_str() {
                        "FAILURE" => problems.push(format!("{scenario}: {id} failed: {message}")),
                        "WARNING" => eprintln!("conformance {scenario}: {id} warning: {message}"),
                        _ => {}
                    }
                }
            }
        }
    }
    for scenario in results.keys() {
        let known = CONFORMANCE_APPLICABLE.contains(&scenario.as_str())
            || CONFORMANCE_NOT_APPLICABLE
                .iter()
                .any(|(s, _)| s == scenario);
        if !known {
            problems.push(format!(
                "{scenario}: a scenario this test does not know; classify it as applicable or not"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "conformance problems:\n{}\n\nsuite summary:\n{summary}\nstderr:\n{}",
        problems.join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `<dir>/server-<scenario>-<timestamp>/checks.json` → scenario → (check id, status, error message).
fn conformance_results(dir: &Path) -> BTreeMap<String, Vec<(String, String, String)>> {
    let mut out = BTreeMap::new();
    let entries = std::fs::read_dir(dir).expect("read the conformance results");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("server-") else {
            continue;
        };
        // The timestamp is `YYYY-MM-DDTHH-MM-SS-mmmZ` (24 characters) after a hyphen.
        if rest.len() < 26 || !rest.ends_with('Z') {
            continue;
        }
        let scenario = rest[..rest.len() - 25].to_owned();
        let path = entry.path().join("checks.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let checks: Vec<Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
        let list = checks
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap_or_default().to_owned(),
                    c["status"].as_str().unwrap_or_default().to_owned(),
                    c["errorMessage"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        out.insert(scenario, list);
    }
    out
}
