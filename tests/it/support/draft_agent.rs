//! A scripted agent that speaks the pre-0.2 draft of A2A as EDDI serves it: the card at
//! `/a2a/agents/{agentId}/agent.json` (no `protocolVersion`, `authentication` instead of `securitySchemes`,
//! modes `"text"`), JSON-RPC at `/a2a/agents/{agentId}` with `tasks/send`, `tasks/get`, `tasks/cancel`, and
//! (when the card says `streaming`, as the early samples did) `tasks/sendSubscribe`. The client names the
//! task (`params.id`); `sessionId` groups tasks; parts are tagged `type`; artifacts have an `index`, and
//! stream chunks carry `append` / `lastChunk` on the artifact. Any other method is `-32601`.
//!
//! Behaviour by the first text part:
//!   ask:X      input-required "What is your name?"; the next `tasks/send` with the same id completes
//!              the task with an artifact "hello, <answer>"
//!   hold:X     stays `working` until `tasks/cancel`
//!   fail:X     failed, status message "failed on purpose"
//!   garbage:X  a `result` that is no task (the number 42); streamed: a frame that is not JSON
//!   anything   completed with an artifact "echo: <text>" (streamed: two chunks "echo: " + text)

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The agent id in the paths.
pub const AGENT_ID: &str = "bot-7";

#[derive(Default)]
struct Shared {
    url: String,
    streaming: bool,
    /// Tasks by id: the last snapshot sent.
    tasks: HashMap<String, Value>,
    /// Task ids waiting for an answer.
    asking: std::collections::HashSet<String>,
    /// `(method, params)` of every JSON-RPC request, in order.
    calls: Vec<(String, Value)>,
}

/// A running draft agent.
pub struct DraftAgent {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DraftAgent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DraftAgent {
    /// Starts the agent; `streaming` is the card's `capabilities.streaming` (EDDI: false).
    pub async fn start(streaming: bool) -> DraftAgent {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Mutex::new(Shared {
            url: format!("{base}/a2a/agents/{AGENT_ID}"),
            streaming,
            ..Shared::default()
        }));
        let app = Router::new()
            .route("/a2a/agents/{agent}/agent.json", get(card))
            .route("/a2a/agents/{agent}", post(rpc))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        DraftAgent { base, shared, task }
    }

    /// The card's URL, as a user would configure it.
    pub fn card_url(&self) -> String {
        format!("{}/a2a/agents/{AGENT_ID}/agent.json", self.base)
    }

    /// JSON-RPC methods received, in order.
    pub fn methods(&self) -> Vec<String> {
        let shared = self.shared.lock().unwrap();
        shared.calls.iter().map(|(m, _)| m.clone()).collect()
    }

    /// Params of every request, in order.
    pub fn params(&self) -> Vec<Value> {
        let shared = self.shared.lock().unwrap();
        shared.calls.iter().map(|(_, p)| p.clone()).collect()
    }
}

async fn card(State(shared): State<Arc<Mutex<Shared>>>, Path(agent): Path<String>) -> Response {
    if agent != AGENT_ID {
        return (axum::http::StatusCode::NOT_FOUND, "no such agent").into_response();
    }
    let shared = shared.lock().unwrap();
    axum::Json(json!({
        "name": "EDDI bot",
        "description": "A conversational bot served over the A2A draft",
        "url": shared.url,
        "version": "5.4.0",
        "capabilities": {"streaming": shared.streaming, "pushNotifications": false,
            "stateTransitionHistory": false},
        "authentication": null,
        "defaultInputModes": ["text"],
        "defaultOutputModes": ["text"],
        "skills": [{"id": "chat", "name": "Chat", "description": "Talk to the bot.",
            "tags": ["chat"], "examples": ["hello"]}]
    }))
    .into_response()
}

fn answer(id: &Value, result: Value) -> Response {
    axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response()
}

fn error(id: &Value, code: i64, message: &str) -> Response {
    axum::Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}))
        .into_response()
}

fn text_of(params: &Value) -> String {
    params["message"]["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["type"] == "text")
        .filter_map(|p| p["text"].as_str())
        .collect()
}

fn status(state: &str, message: Option<&str>) -> Value {
    let mut status = json!({"state": state, "timestamp": "2026-11-30T12:00:00Z"});
    if let Some(m) = message {
        status["message"] = json!({"role": "agent", "parts": [{"type": "text", "text": m}]});
    }
    status
}

fn task(id: &str, session: &str, status: Value, artifacts: Option<Value>) -> Value {
    let mut task = json!({"id": id, "sessionId": session, "status": status});
    if let Some(a) = artifacts {
        task["artifacts"] = a;
    }
    task
}

fn text_artifact(text: &str) -> Value {
    json!([{"name": "answer", "index": 0, "parts": [{"type": "text", "text": text}]}])
}

async fn rpc(
    State(shared): State<Arc<Mutex<Shared>>>,
    Path(agent): Path<String>,
    body: Bytes,
) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let id = request["id"].clone();
    if agent != AGENT_ID {
        return error(&id, -32001, "no such agent");
    }
    let method = request["method"].as_str().unwrap_or("").to_owned();
    let params = request["params"].clone();
    let mut shared = shared.lock().unwrap();
    shared.calls.push((method.clone(), params.clone()));
    let task_id = params["id"].as_str().unwrap_or("").to_owned();
    // A continued task keeps its session when the request names none.
    let session = params["sessionId"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            shared
                .tasks
                .get(&task_id)
                .and_then(|t| t["sessionId"].as_str().map(str::to_owned))
        })
        .unwrap_or_default();
    match method.as_str() {
        "tasks/send" => {
            if task_id.is_empty() {
                return error(&id, -32602, "params.id (the task id) is required");
            }
            let text = text_of(&params);
            let snapshot = if shared.asking.remove(&task_id) {
                task(
                    &task_id,
                    &session,
                    status("completed", None),
                    Some(text_artifact(&format!("hello, {text}"))),
                )
            } else if text.starts_with("ask:") {
                shared.asking.insert(task_id.clone());
                task(
                    &task_id,
                    &session,
                    status("input-required", Some("What is your name?")),
                    None,
                )
            } else if text.starts_with("hold:") {
                task(&task_id, &session, status("working", Some("holding")), None)
            } else if text.starts_with("fail:") {
                task(
                    &task_id,
                    &session,
                    status("failed", Some("failed on purpose")),
                    None,
                )
            } else if text.starts_with("garbage:") {
                return answer(&id, json!(42));
            } else {
                task(
                    &task_id,
                    &session,
                    status("completed", None),
                    Some(text_artifact(&format!("echo: {text}"))),
                )
            };
            shared.tasks.insert(task_id, snapshot.clone());
            answer(&id, snapshot)
        }
        "tasks/sendSubscribe" if shared.streaming => {
            let text = text_of(&params);
            let frame = |result: Value| {
                format!(
                    "data: {}\n\n",
                    json!({"jsonrpc": "2.0", "id": id, "result": result})
                )
            };
            let body = if text.starts_with("garbage:") {
                format!(
                    "{}data: {{not json\n\n",
                    frame(
                        json!({"id": task_id, "status": status("working", None), "final": false})
                    )
                )
            } else {
                let done = task(
                    &task_id,
                    &session,
                    status("completed", None),
                    Some(text_artifact(&format!("echo: {text}"))),
                );
                shared.tasks.insert(task_id.clone(), done);
                [
                    frame(json!({"id": task_id, "status": status("working", Some("thinking")), "final": false})),
                    frame(json!({"id": task_id, "artifact": {"name": "answer", "index": 0,
                        "append": false, "lastChunk": false, "parts": [{"type": "text", "text": "echo: "}]}})),
                    frame(json!({"id": task_id, "artifact": {"name": "answer", "index": 0,
                        "append": true, "lastChunk": true, "parts": [{"type": "text", "text": text}]}})),
                    frame(json!({"id": task_id, "status": status("completed", None), "final": true})),
                ]
                .concat()
            };
            Response::builder()
                .header(header::CONTENT_TYPE, "text/event-stream")
                .body(Body::from(body))
                .unwrap()
        }
        "tasks/get" => match shared.tasks.get(&task_id) {
            Some(t) => answer(&id, t.clone()),
            None => error(&id, -32001, "Task not found"),
        },
        "tasks/cancel" => match shared.tasks.get(&task_id).cloned() {
            Some(t) if t["status"]["state"] == "working" => {
                let session = t["sessionId"].as_str().unwrap_or("").to_owned();
                let canceled = task(&task_id, &session, status("canceled", None), None);
                shared.tasks.insert(task_id, canceled.clone());
                answer(&id, canceled)
            }
            Some(_) => error(&id, -32002, "Task cannot be canceled"),
            None => error(&id, -32001, "Task not found"),
        },
        _ => error(&id, -32601, "Method not found"),
    }
}
