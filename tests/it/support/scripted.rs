//! A scripted A2A v1.0 agent of our own, for faults the official SDKs cannot produce: streams that end or
//! reset before the task finishes, garbage frames, JSON errors instead of a stream, HTTP errors, stalls.
//! The behaviour is chosen by the message text. `GetTask` reports a task working the first time and
//! completed (artifact text "recovered") after that, so a bridge has to keep following a broken stream,
//! through resubscribe and polling, to get the right final result.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

#[derive(Default)]
struct Log {
    methods: Vec<String>,
    /// Task ids already asked about once: the first `GetTask` says working, later ones completed.
    polled: std::collections::HashSet<String>,
    /// The Authorization header of every JSON-RPC request ("" when absent).
    auth: Vec<String>,
    /// The X-Agent-Key header of every JSON-RPC request ("" when absent).
    api_keys: Vec<String>,
    /// The `skillId` in the metadata of every message sent (`None` when absent).
    skill_ids: Vec<Option<String>>,
    /// The `traceparent` header of every JSON-RPC request ("" when absent).
    traceparent: Vec<String>,
}

/// A running scripted agent.
pub struct Scripted {
    pub url: String,
    log: Arc<Mutex<Log>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Words the descriptions of `Scripted::with_skills` are made of: three lists, one per position, with no word
/// in two lists.
pub const SKILL_WORDS: [[&str; 20]; 3] = [
    [
        "invoice",
        "weather",
        "flight",
        "hotel",
        "payroll",
        "translate",
        "summarize",
        "calendar",
        "inventory",
        "shipping",
        "refund",
        "contract",
        "recipe",
        "diagnose",
        "forecast",
        "audit",
        "compile",
        "playlist",
        "mortgage",
        "vaccine",
    ],
    [
        "harbor", "glacier", "orchard", "volcano", "meadow", "canyon", "lagoon", "prairie",
        "tundra", "delta", "savanna", "fjord", "marsh", "plateau", "reef", "dune", "geyser",
        "atoll", "bayou", "steppe",
    ],
    [
        "copper", "silver", "cobalt", "nickel", "zinc", "indigo", "amber", "scarlet", "violet",
        "emerald", "saffron", "ivory", "onyx", "maroon", "teal", "coral", "bronze", "pewter",
        "ochre", "jade",
    ],
];

/// The three words of skill `i` of `Scripted::with_skills`, one from each list: a combination no other of
/// the first 8,000 skills has.
pub fn skill_words(i: usize) -> [&'static str; 3] {
    [
        SKILL_WORDS[0][i % 20],
        SKILL_WORDS[1][(i / 20) % 20],
        SKILL_WORDS[2][(i / 400) % 20],
    ]
}

impl Scripted {
    pub async fn start() -> Scripted {
        Scripted::start_with(0, |_| json!({})).await
    }

    /// Started with `extra(url)`'s fields added to the card (security schemes, say).
    pub async fn start_with_card(extra: impl FnOnce(&str) -> Value) -> Scripted {
        Scripted::start_with(0, extra).await
    }

    /// The scripted agent with `n` generated skills (`skill-{i}`, described by `skill_words(i)`) instead of
    /// its one `fault` skill; 0: the usual card.
    pub async fn with_skills(n: usize) -> Scripted {
        Scripted::start_with(n, |_| json!({})).await
    }

    /// `n` skills as in `with_skills`, and `extra(url)`'s fields added to the card.
    async fn start_with(n: usize, extra: impl FnOnce(&str) -> Value) -> Scripted {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Log::default()));
        let skills: Vec<Value> = if n == 0 {
            vec![
                json!({"id": "fault", "name": "Fault", "description": "Misbehaves on purpose.", "tags": []}),
            ]
        } else {
            (0..n)
                .map(|i| {
                    let [a, b, c] = skill_words(i);
                    json!({"id": format!("skill-{i}"), "name": format!("Skill {i}"),
                        "description": format!("Handles {a} work near the {b} for {c} teams."), "tags": [a]})
                })
                .collect()
        };
        let mut card = json!({
            "name": "scripted", "description": "Scripted faults", "version": "1",
            "supportedInterfaces": [{"url": format!("{url}/"), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
            "capabilities": {"streaming": true},
            "defaultInputModes": ["text/plain"], "defaultOutputModes": ["text/plain"],
            "skills": skills
        });
        if let (Some(card), Value::Object(extra)) = (card.as_object_mut(), extra(&url)) {
            card.extend(extra);
        }
        let app = Router::new()
            .route(
                "/.well-known/agent-card.json",
                get(move || async move { axum::Json(card.clone()) }),
            )
            .route("/", post(rpc))
            .with_state(log.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Scripted { url, log, task }
    }

    /// The Authorization header of every JSON-RPC request, in order ("" when absent).
    pub fn auth(&self) -> Vec<String> {
        self.log.lock().unwrap().auth.clone()
    }

    /// The X-Agent-Key header of every JSON-RPC request, in order ("" when absent).
    pub fn api_keys(&self) -> Vec<String> {
        self.log.lock().unwrap().api_keys.clone()
    }

    /// The `skillId` of every message received, in order.
    pub fn skill_ids(&self) -> Vec<Option<String>> {
        self.log.lock().unwrap().skill_ids.clone()
    }

    /// The `traceparent` header of every JSON-RPC request, in order ("" when absent).
    pub fn traceparents(&self) -> Vec<String> {
        self.log.lock().unwrap().traceparent.clone()
    }

    /// JSON-RPC methods received, in order.
    pub fn methods(&self) -> Vec<String> {
        self.log.lock().unwrap().methods.clone()
    }
}

fn frame(id: &Value, result: Value) -> String {
    format!(
        "data: {}\r\n\r\n",
        json!({"jsonrpc": "2.0", "id": id, "result": result})
    )
}

fn task_event(id: &str, state: &str) -> Value {
    json!({"task": {"id": id, "contextId": "ctx-1", "status": {"state": state}}})
}

fn working(id: &str) -> Value {
    json!({"statusUpdate": {"taskId": id, "contextId": "ctx-1", "status": {"state": "TASK_STATE_WORKING",
        "message": {"messageId": "s1", "role": "ROLE_AGENT", "parts": [{"text": "working"}]}}}})
}

fn sse(chunks: Vec<Result<String, std::io::Error>>, then_stall: bool) -> Response {
    // A pause before each chunk, so every frame is flushed before the next (or before a reset).
    let stream = futures::StreamExt::then(futures::stream::iter(chunks), |c| async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        c.map(Bytes::from)
    });
    let body = if then_stall {
        Body::from_stream(futures::StreamExt::chain(
            stream,
            futures::stream::pending(),
        ))
    } else {
        Body::from_stream(stream)
    };
    ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}

async fn rpc(
    State(log): State<Arc<Mutex<Log>>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    // `tok-1` from the token server counts as revoked: a client has to fetch a new token.
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    log.lock().unwrap().auth.push(auth.clone());
    let api_key = headers
        .get("x-agent-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    log.lock().unwrap().api_keys.push(api_key);
    let traceparent = headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    log.lock().unwrap().traceparent.push(traceparent);
    if auth == "Bearer tok-1" {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "token revoked",
        )
            .into_response();
    }
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = req["id"].clone();
    let method = req["method"].as_str().unwrap_or("").to_owned();
    log.lock().unwrap().methods.push(method.clone());
    if let Some(message) = req["params"].get("message") {
        let skill = message["metadata"]["skillId"].as_str().map(str::to_owned);
        log.lock().unwrap().skill_ids.push(skill);
    }
    let text = req["params"]["message"]["parts"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let task_id = format!("task-{text}");
    match method.as_str() {
        "GetTask" | "CancelTask" => {
            let tid = req["params"]["id"].as_str().unwrap_or("").to_owned();
            let first_look = log.lock().unwrap().polled.insert(tid.clone());
            let state = match (method.as_str(), first_look) {
                ("CancelTask", _) => "TASK_STATE_CANCELED",
                (_, true) => "TASK_STATE_WORKING",
                _ => "TASK_STATE_COMPLETED",
            };
            axum::Json(json!({"jsonrpc": "2.0", "id": id, "result": {
                "id": tid, "contextId": "ctx-1", "status": {"state": state},
                "artifacts": [{"artifactId": "a", "parts": [{"text": "recovered"}]}]}}))
            .into_response()
        }
        "SubscribeToTask" => {
            // Resubscribing gets a snapshot and then the stream drops again: the bridge must poll.
            let tid = req["params"]["id"].as_str().unwrap_or("").to_owned();
            sse(vec![Ok(frame(&id, task_event(&tid, "TASK_STATE_WORKING")))], false)
        }
        "SendStreamingMessage" => match text.as_str() {
            // The stream ends cleanly before any final state.
            "drop" => sse(vec![Ok(frame(&id, task_event(&task_id, "TASK_STATE_SUBMITTED"))), Ok(frame(&id, working(&task_id)))], false),
            // The connection is reset mid-stream.
            "reset" => sse(
                vec![Ok(frame(&id, task_event(&task_id, "TASK_STATE_SUBMITTED"))), Err(std::io::Error::other("reset"))],
                false,
            ),
            // The task starts, then nothing more arrives.
            "stall" => sse(vec![Ok(frame(&id, task_event(&task_id, "TASK_STATE_WORKING")))], true),
            // A frame that is not JSON before any task.
            "garbage" => sse(vec![Ok("data: {this is not json\r\n\r\n".to_owned())], false),
            // A JSON-RPC error answered as plain JSON instead of a stream.
            "json-error" => axum::Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": "internal trouble"}})).into_response(),
            "http-500" => (StatusCode::INTERNAL_SERVER_ERROR, "upstream exploded").into_response(),
            // An error event in the middle of a stream, after the task exists.
            "error-event" => sse(
                vec![
                    Ok(frame(&id, task_event(&task_id, "TASK_STATE_WORKING"))),
                    Ok(format!("event: error\r\ndata: {}\r\n\r\n", json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32603, "message": "mid-stream"}}))),
                ],
                false,
            ),
            "slow-head" => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                StatusCode::NO_CONTENT.into_response()
            }
            _ => sse(vec![Ok(frame(&id, task_event(&task_id, "TASK_STATE_COMPLETED")))], false),
        },
        _ => axum::Json(json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}})).into_response(),
    }
}

/// An OAuth2 token endpoint (client credentials) issuing `tok-1`, `tok-2`, … to `client`/`secret`.
pub struct TokenServer {
    pub url: String,
    issued: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TokenServer {
    pub async fn start() -> TokenServer {
        use base64::Engine;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let issued = Arc::new(Mutex::new(Vec::new()));
        let state = issued.clone();
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("client:secret")
        );
        let app = Router::new().route(
            "/token",
            post(move |headers: axum::http::HeaderMap, body: String| {
                let state = state.clone();
                let expected = expected.clone();
                async move {
                    let auth = headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok());
                    if auth != Some(expected.as_str())
                        || !body.contains("grant_type=client_credentials")
                    {
                        return (
                            StatusCode::UNAUTHORIZED,
                            axum::Json(json!({"error": "invalid_client"})),
                        )
                            .into_response();
                    }
                    let mut issued = state.lock().unwrap();
                    let token = format!("tok-{}", issued.len() + 1);
                    issued.push(body);
                    axum::Json(
                        json!({"access_token": token, "token_type": "Bearer", "expires_in": 3600}),
                    )
                    .into_response()
                }
            }),
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TokenServer { url, issued, task }
    }

    /// The form bodies of every token request that got a token.
    pub fn issued(&self) -> Vec<String> {
        self.issued.lock().unwrap().clone()
    }
}
