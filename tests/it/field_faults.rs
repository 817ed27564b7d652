//! Issue 9: shapes real agents produce that no installable SDK here reproduces, served by small
//! agents of our own (one `Quirk` each): a card whose version is wrong or missing, a pre-0.2 draft
//! agent, an HTTP error whose body never ends, an error event that ends a stream while the task is
//! left `working`, a card only at the legacy path behind a catch-all, and python-a2a's Task that
//! also carries the user's `message`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::support::bridge::{self, Bridge, Generation, Recorder, agent_toml};

/// How the agent misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Quirk {
    /// The card says 1.0; the agent speaks only v0.3 (and answers -32601 to v1 names).
    CardSaysV1SpeaksV03,
    /// The card labels its one interface 0.3; the agent speaks only v1 (the user sets `protocol`).
    CardSaysV03SpeaksV1,
    /// The pre-0.2 draft: only `tasks/send` and `tasks/get`.
    Draft,
    /// Every method is `-32601` (and there are no per-method paths: HTTP 405).
    RefusesAll,
    /// `message/send` answers HTTP 500 headers, then a body that never ends.
    StalledErrorBody,
    /// `message/stream` sends a working task, then a JSON-RPC -32603 error event; `tasks/get` says
    /// `working` forever.
    ErrorEventTaskStuck,
    /// `agent-card.json` answers 500 (a catch-all); the card is at `agent.json`.
    CardOnlyAtLegacyPath,
    /// python-a2a: a Task without `kind` that carries `status` and the user's `message`.
    StatusAndMessage,
    /// Every call fails with HTTP 500 and a web framework's JSON error body (`{"detail": …}`).
    FrameworkError,
}

struct Shared {
    quirk: Quirk,
    url: String,
    methods: Mutex<Vec<String>>,
}

struct Agent {
    url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const TASK: &str = "0b6d2f8a-4c1e-4a9b-b3d7-6e2c8f0a1d05";
const CONTEXT: &str = "c-field";

impl Agent {
    async fn start(quirk: Quirk) -> Agent {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            quirk,
            url: url.clone(),
            methods: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/.well-known/agent-card.json", get(card_new))
            .route("/.well-known/agent.json", get(card_legacy))
            .route("/", post(rpc))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Agent { url, shared, task }
    }

    fn methods(&self) -> Vec<String> {
        self.shared.methods.lock().unwrap().clone()
    }
}

fn card(shared: &Shared) -> Value {
    let url = format!("{}/", shared.url);
    let skills = json!([{"id": "q", "name": "Quirk", "description": "Misreads.", "tags": []}]);
    match shared.quirk {
        Quirk::CardSaysV1SpeaksV03 => json!({
            "name": "quirk", "description": "d", "version": "1", "capabilities": {"streaming": false},
            "supportedInterfaces": [{"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
            "skills": skills,
        }),
        Quirk::CardSaysV03SpeaksV1 => json!({
            "name": "quirk", "description": "d", "version": "1", "capabilities": {"streaming": false},
            "protocolVersion": "0.3.0", "url": url, "skills": skills,
        }),
        // The draft's card: a url, no version anywhere.
        Quirk::Draft => json!({
            "name": "quirk", "description": "d", "version": "1", "url": url,
            "capabilities": {"streaming": false}, "skills": skills,
        }),
        Quirk::ErrorEventTaskStuck => json!({
            "name": "quirk", "description": "d", "version": "1", "capabilities": {"streaming": true},
            "protocolVersion": "0.3.0", "url": url, "skills": skills,
        }),
        _ => json!({
            "name": "quirk", "description": "d", "version": "1", "capabilities": {"streaming": false},
            "protocolVersion": "0.3.0", "url": url, "skills": skills,
        }),
    }
}

async fn card_new(State(shared): State<Arc<Shared>>) -> Response {
    if shared.quirk == Quirk::CardOnlyAtLegacyPath {
        return (StatusCode::INTERNAL_SERVER_ERROR, "catch-all").into_response();
    }
    axum::Json(card(&shared)).into_response()
}

async fn card_legacy(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(card(&shared)).into_response()
}

fn answer(id: &Value, result: Value) -> Response {
    axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": result})).into_response()
}

fn error(id: &Value, code: i64, message: &str) -> Response {
    axum::Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}))
        .into_response()
}

fn completed_v03(text: &str) -> Value {
    json!({"kind": "task", "id": TASK, "contextId": CONTEXT, "status": {"state": "completed"},
        "artifacts": [{"artifactId": "a", "parts": [{"kind": "text", "text": text}]}]})
}

async fn rpc(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
    let id = request["id"].clone();
    let method = request["method"].as_str().unwrap_or("").to_owned();
    shared.methods.lock().unwrap().push(method.clone());
    let v1_header = headers.get("A2A-Version").is_some();
    match (shared.quirk, method.as_str()) {
        (Quirk::CardSaysV1SpeaksV03, "message/send") if !v1_header => {
            answer(&id, completed_v03("spoken in 0.3"))
        }
        (Quirk::CardSaysV03SpeaksV1, "SendMessage") => answer(
            &id,
            json!({"task": {"id": TASK, "contextId": CONTEXT, "status": {"state": "TASK_STATE_COMPLETED"},
                "artifacts": [{"artifactId": "a", "parts": [{"text": "spoken in 1.0"}]}]}}),
        ),
        (Quirk::Draft, "tasks/send" | "tasks/get") => answer(&id, completed_v03("draft")),
        (Quirk::StalledErrorBody, _) => {
            // Headers, a little body, then nothing: the body never finishes.
            let chunks = futures::stream::once(async {
                Ok::<_, std::io::Error>(Bytes::from_static(b"upstream trouble"))
            })
            .chain(futures::stream::pending());
            Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from_stream(chunks))
                .unwrap()
        }
        (Quirk::ErrorEventTaskStuck, "message/stream") => {
            let working = json!({"jsonrpc": "2.0", "id": id, "result": {"kind": "task", "id": TASK,
                "contextId": CONTEXT, "status": {"state": "working"}}});
            let crash = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603,
                "message": "Internal error: executor raised ZeroDivisionError"}});
            let body = format!("data: {working}\n\ndata: {crash}\n\n");
            Response::builder()
                .header(header::CONTENT_TYPE, "text/event-stream")
                .body(Body::from(body))
                .unwrap()
        }
        (Quirk::ErrorEventTaskStuck, "tasks/get") => answer(
            &id,
            json!({"kind": "task", "id": TASK, "contextId": CONTEXT, "status": {"state": "working"}}),
        ),
        (Quirk::ErrorEventTaskStuck, "tasks/resubscribe") => {
            error(&id, -32004, "resubscribe is not supported")
        }
        (Quirk::CardOnlyAtLegacyPath, "message/send") => answer(&id, completed_v03("found")),
        (Quirk::FrameworkError, _) => Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"detail":"Internal Server Error"}"#))
            .unwrap(),
        (Quirk::StatusAndMessage, "message/send") => answer(
            &id,
            json!({"id": TASK, "sessionId": CONTEXT, "contextId": CONTEXT,
                "status": {"state": "completed", "message": {"role": "agent",
                    "parts": [{"type": "text", "text": "The answer is 4."}]}},
                "message": {"role": "user", "parts": [{"type": "text", "text": "What is 2+2?"}]},
                "artifacts": [{"artifactId": "art-1", "parts": [{"type": "text", "text": "4"}]}]}),
        ),
        _ => error(&id, -32601, "Method not found"),
    }
}

async fn bridge_on(agent: &Agent, extra: &str) -> Bridge {
    bridge::start(
        &agent_toml("f", &agent.url, extra),
        Generation::Legacy,
        Recorder::default(),
    )
    .await
}

async fn ask(bridge: &Bridge, message: &str) -> crate::support::bridge::Call {
    bridge
        .call("f_q", json!({"message": message, "wait_seconds": 20}))
        .await
}

/// Issue 9 §2: a card that names the wrong version; the other one is tried once and remembered.
#[tokio::test]
async fn field_version_fallback_is_tried_once_and_remembered() {
    let agent = Agent::start(Quirk::CardSaysV1SpeaksV03).await;
    let bridge = bridge_on(&agent, "").await;
    for _ in 0..2 {
        let call = ask(&bridge, "hi").await;
        assert!(!call.is_error(), "{}", call.text());
        assert!(call.text().contains("spoken in 0.3"), "{}", call.text());
    }
    assert_eq!(
        agent.methods(),
        ["SendMessage", "message/send", "message/send"],
        "the second call goes straight to the version that worked"
    );
}

/// An HTTP 500 with a framework's JSON body is the agent failing after it may have acted, not a dialect it
/// refuses: the message goes out once, not again in the other version or the draft.
#[tokio::test]
async fn field_a_failing_agent_gets_the_message_once() {
    let agent = Agent::start(Quirk::FrameworkError).await;
    let bridge = bridge_on(&agent, "").await;
    let call = ask(&bridge, "book it").await;
    assert!(call.is_error(), "{}", call.text());
    assert!(call.text().contains("HTTP 500"), "{}", call.text());
    let sends: Vec<String> = agent
        .methods()
        .into_iter()
        .filter(|m| m != "tasks/get" && m != "GetTask")
        .collect();
    assert_eq!(sends.len(), 1, "{sends:?}");
}

/// Issue 9 §2: `protocol = "1.0"` from the user is obeyed even when the card labels no 1.0 interface.
#[tokio::test]
async fn field_explicit_protocol_overrides_the_cards_label() {
    let agent = Agent::start(Quirk::CardSaysV03SpeaksV1).await;
    let bridge = bridge_on(&agent, "protocol = \"1.0\"").await;
    let call = ask(&bridge, "hi").await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().contains("spoken in 1.0"), "{}", call.text());
    assert_eq!(agent.methods(), ["SendMessage"]);
}

/// Issue 12 §1: an agent that speaks only the pre-0.2 draft (its card has the draft's shape) is spoken to
/// in the draft from the first call, and `list_agents` says so.
#[tokio::test]
async fn field_pre_0_2_draft_agent_is_spoken_to_in_the_draft() {
    let agent = Agent::start(Quirk::Draft).await;
    let bridge = bridge_on(&agent, "").await;
    let call = ask(&bridge, "hi").await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().contains("draft"), "{}", call.text());
    assert_eq!(agent.methods(), ["tasks/send"]);
    let listed = bridge.call("list_agents", json!({})).await;
    assert_eq!(listed.structured()["agents"][0]["protocol"], "draft");
}

/// Issue 12 §1: an agent that answers none of the protocols gets an error naming each one tried and the
/// keys that fix it.
#[tokio::test]
async fn field_an_agent_refusing_every_protocol_is_named_in_the_error() {
    let agent = Agent::start(Quirk::RefusesAll).await;
    let bridge = bridge_on(&agent, "").await;
    let call = ask(&bridge, "hi").await;
    assert!(call.is_error(), "{}", call.text());
    let text = call.text();
    for fragment in [
        "agent \"f\"",
        "A2A 0.3",
        "A2A 1.0",
        "pre-0.2 draft",
        "`protocol`",
        "`endpoint`",
    ] {
        assert!(text.contains(fragment), "{fragment}: {text}");
    }
    assert_eq!(call.structured()["state"], "error");
}

/// Issue 9 §1: an HTTP error whose body never ends is a prompt tool error, not a long wait.
#[tokio::test]
async fn field_stalled_error_body_is_a_prompt_tool_error() {
    let agent = Agent::start(Quirk::StalledErrorBody).await;
    let bridge = bridge_on(&agent, "").await;
    let started = Instant::now();
    let call = ask(&bridge, "hi").await;
    assert!(call.is_error(), "{}", call.text());
    assert!(call.text().contains("HTTP 500"), "{}", call.text());
    assert!(call.text().contains("upstream trouble"), "{}", call.text());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

/// Issue 9 §4: an error event that ends a stream, with the task not moving, is the agent's error with
/// the task id, at once.
#[tokio::test]
async fn field_error_event_with_a_stuck_task_is_a_tool_error() {
    let agent = Agent::start(Quirk::ErrorEventTaskStuck).await;
    let bridge = bridge_on(&agent, "").await;
    let started = Instant::now();
    let call = ask(&bridge, "hi").await;
    assert!(call.is_error(), "{}", call.text());
    let text = call.text();
    for fragment in ["agent \"f\"", "-32603", "ZeroDivisionError", TASK] {
        assert!(text.contains(fragment), "{fragment}: {text}");
    }
    assert_eq!(call.structured()["task_id"], TASK);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// Issue 9 §4: a card behind a catch-all that answers 500 at agent-card.json is found at agent.json.
#[tokio::test]
async fn field_card_discovery_falls_back_on_any_non_auth_failure() {
    let agent = Agent::start(Quirk::CardOnlyAtLegacyPath).await;
    let bridge = bridge_on(&agent, "").await;
    let call = ask(&bridge, "hi").await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().contains("found"), "{}", call.text());
}

/// Issue 9 §3: python-a2a's Task with `status` and the user's `message` is a Task: the artifact is the
/// answer, never the user's question, and the task id is kept.
#[tokio::test]
async fn field_python_a2a_task_with_a_message_is_a_task() {
    let agent = Agent::start(Quirk::StatusAndMessage).await;
    let bridge = bridge_on(&agent, "").await;
    let call = ask(&bridge, "What is 2+2?").await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(call.structured()["state"], "completed", "{}", call.text());
    assert_eq!(call.structured()["task_id"], TASK);
    assert!(call.text().starts_with('4'), "{}", call.text());
    assert!(!call.text().contains("What is 2+2?"), "{}", call.text());
}
