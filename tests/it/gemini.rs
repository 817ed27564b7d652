//! Gemini CLI (0.61, `@google/gemini-cli` from npm) as the MCP host, over stdio and Streamable HTTP: it must get
//! the bridge's whole tool list and call every demo skill to its end. The model behind it is scripted here: a
//! loopback server speaking the Gemini API (`GOOGLE_GEMINI_BASE_URL`) that records the function declarations
//! Gemini CLI built from the bridge's tools and answers with one function call per turn, so the test sees what
//! a real model would be offered and what each call returned.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::hosts::DemoAgent;
use crate::support::bridge::agent_toml;
use crate::support::clients::{self, NpmSet};
use crate::support::http::HttpBridge;
use crate::support::provision;

/// How long one Gemini CLI run may take (five tool calls, one of them working for a second).
const RUN_TIMEOUT: Duration = Duration::from_secs(180);
/// The name the MCP server has in Gemini CLI's settings; Gemini CLI calls its tools `mcp_{server}_{tool}`.
const SERVER: &str = "a2a";

/// Every tool the bridge lists for the demo agent: the generic tools and one per skill.
const TOOLS: [&str; 13] = [
    "list_agents",
    "get_agent_card",
    "send_message",
    "get_task",
    "cancel_task",
    "list_tasks",
    "read_artifact",
    "demo_stream",
    "demo_work",
    "demo_ask",
    "demo_echo",
    "demo_files",
    "demo_long",
];

/// The calls the scripted model makes, in order: every demo skill, then a generic tool.
fn script() -> Vec<(String, Value)> {
    [
        ("demo_echo", json!({"message": "hello from gemini"})),
        (
            "demo_stream",
            json!({"message": "Tell me about the bridge"}),
        ),
        ("demo_work", json!({"message": "1"})),
        ("demo_ask", json!({"message": "Say hello"})),
        ("list_agents", json!({})),
    ]
    .into_iter()
    .map(|(tool, args)| (format!("mcp_{SERVER}_{tool}"), args))
    .collect()
}

/// What the scripted model saw.
#[derive(Default)]
struct Seen {
    /// The function declarations of each turn that offered tools.
    declarations: Vec<Vec<String>>,
    /// Each function response Gemini CLI sent back, in order: `(name, response)`.
    responses: Vec<(String, Value)>,
    /// Script position: the next call to make.
    next: usize,
}

/// A Gemini API stand-in on a loopback port; stops when dropped.
struct ScriptedModel {
    url: String,
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ScriptedModel {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ScriptedModel {
    async fn start() -> ScriptedModel {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let state = Arc::clone(&seen);
        let app = Router::new().fallback(move |uri: Uri, body: Bytes| {
            let seen = Arc::clone(&state);
            async move { answer(&seen, &uri, &body) }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        ScriptedModel { url, seen, task }
    }
}

/// One `generateContent` / `streamGenerateContent?alt=sse` answer: the next scripted function call when the
/// request offers tools, plain text when the script is done, and a routing verdict for Gemini CLI's model
/// router (its requests offer no tools).
fn answer(seen: &Mutex<Seen>, uri: &Uri, body: &[u8]) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let declarations: Vec<String> = request["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["functionDeclarations"].as_array())
        .flatten()
        .filter_map(|d| d["name"].as_str().map(str::to_owned))
        .collect();
    let parts = if declarations.is_empty() {
        json!([{"text": json!({"complexity_reasoning": "a scripted test", "complexity_score": 1}).to_string()}])
    } else {
        let mut seen = seen.lock().unwrap();
        let last = request["contents"]
            .as_array()
            .and_then(|c| c.last())
            .map(|c| c["parts"].clone())
            .unwrap_or_default();
        for part in last.as_array().into_iter().flatten() {
            if let Some(response) = part.get("functionResponse") {
                let name = response["name"].as_str().unwrap_or_default().to_owned();
                seen.responses.push((name, response["response"].clone()));
            }
        }
        seen.declarations.push(declarations);
        let script = script();
        match script.get(seen.next) {
            Some((name, args)) => {
                seen.next += 1;
                json!([{"functionCall": {"name": name, "args": args}}])
            }
            None => json!([{"text": "All done."}]),
        }
    };
    let answer = json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
    });
    if uri.query().is_some_and(|q| q.contains("alt=sse")) {
        (
            [(header::CONTENT_TYPE, "text/event-stream")],
            format!("data: {answer}\r\n\r\n"),
        )
            .into_response()
    } else {
        axum::Json(answer).into_response()
    }
}

/// Runs Gemini CLI once, headless (`-p`, tools approved with `--yolo`), with `server` as its only MCP server,
/// against `model`. Panics with its output when it fails.
async fn run_gemini(server: Value, model: &ScriptedModel) {
    let prefix = clients::blocking(|| clients::npm_prefix(NpmSet::GeminiCli)).await;
    let home = tempfile::tempdir().unwrap();
    let settings = json!({
        "security": {"folderTrust": {"enabled": false}, "auth": {"selectedType": "gemini-api-key"}},
        "general": {"disableAutoUpdate": true, "disableUpdateNag": true},
        "privacy": {"usageStatisticsEnabled": false},
        "telemetry": {"enabled": false},
        "mcpServers": {SERVER: server},
    });
    std::fs::create_dir_all(home.path().join(".gemini")).unwrap();
    std::fs::write(
        home.path().join(".gemini").join("settings.json"),
        settings.to_string(),
    )
    .unwrap();
    let gemini = prefix
        .join("node_modules")
        .join("@google")
        .join("gemini-cli")
        .join("bundle")
        .join("gemini.js");
    let child = Command::new(clients::node())
        .arg(gemini)
        .args([
            "-p",
            "Use every tool of the demo agent.",
            "--yolo",
            "-o",
            "json",
        ])
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("GEMINI_API_KEY", "scripted-test-key")
        .env("GOOGLE_GEMINI_BASE_URL", &model.url)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn Gemini CLI");
    let output = match tokio::time::timeout(RUN_TIMEOUT, child.wait_with_output()).await {
        Ok(out) => out.expect("wait for Gemini CLI"),
        Err(_) => panic!("Gemini CLI did not finish within {RUN_TIMEOUT:?}"),
    };
    assert!(
        output.status.success(),
        "Gemini CLI failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        provision::tail(&output.stderr, 6000)
    );
}

/// Every bridge tool was offered to the model, and every scripted call came back with what the agent did.
fn check(seen: &Seen) {
    let first = seen.declarations.first().expect("no turn offered tools");
    for tool in TOOLS {
        let name = format!("mcp_{SERVER}_{tool}");
        assert!(
            first.contains(&name),
            "{name} was not offered to the model: {first:?}"
        );
    }
    let script = script();
    let names: Vec<&str> = seen.responses.iter().map(|(n, _)| n.as_str()).collect();
    let wanted: Vec<&str> = script.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, wanted, "function responses");
    let output = |i: usize| {
        let response = &seen.responses[i].1;
        let text = response["output"].as_str().map(str::to_owned);
        assert!(
            response.get("error").is_none(),
            "{} failed: {response}",
            names[i]
        );
        text.unwrap_or_else(|| response.to_string())
    };
    let echo = output(0);
    assert!(echo.contains("hello from gemini"), "{echo}");
    let stream = output(1);
    assert!(stream.contains("state: completed"), "{stream}");
    let work = output(2);
    assert!(work.contains("state: completed"), "{work}");
    // Gemini CLI declares no elicitation in headless mode: the question comes back as a resumable result.
    let ask = output(3);
    assert!(ask.contains("state: input-required"), "{ask}");
    assert!(ask.contains("task_id"), "{ask}");
    let agents = output(4);
    assert!(
        agents.contains("demo") && agents.contains("reachable"),
        "{agents}"
    );
}

#[tokio::test]
async fn gemini_cli_over_stdio_lists_and_calls_every_demo_skill() {
    let agent = DemoAgent::start().await;
    let model = ScriptedModel::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bridge.toml");
    std::fs::write(&config, agent_toml("demo", &agent.url, "")).unwrap();
    let server = json!({
        "command": env!("CARGO_BIN_EXE_mcp-a2a-bridge"),
        "args": ["--config", config],
        "env": {"RUST_LOG": "warn"},
    });
    run_gemini(server, &model).await;
    check(&model.seen.lock().unwrap());
}

#[tokio::test]
async fn gemini_cli_over_http_lists_and_calls_every_demo_skill() {
    let agent = DemoAgent::start().await;
    let model = ScriptedModel::start().await;
    let bridge = HttpBridge::start(&agent_toml("demo", &agent.url, ""), &[], &[]).await;
    run_gemini(json!({"httpUrl": bridge.mcp_url()}), &model).await;
    check(&model.seen.lock().unwrap());
}
