//! The demo agent's HTTP side: the card on GET `{prefix}/.well-known/agent-card.json` and JSON-RPC on POST, under
//! any path prefix, so one process can stand in for many agents (`http://host/agents/7` is agent 7 to a bridge).
//!
//! One endpoint speaks both protocol versions, told apart by the method name (`wire::Method::from_name`):
//! - v1 methods (`SendMessage`, `SendStreamingMessage`, `GetTask`, `CancelTask`, `SubscribeToTask`) require
//!   `A2A-Version: 1.x`; without it they get -32009, since a missing header means 0.3 (A2A v1.0 §3.6.2);
//! - v0.3 methods (`message/send`, `message/stream`, `tasks/get`, `tasks/cancel`, `tasks/resubscribe`) take no
//!   header or a 0.x one.
//!
//! Streams are SSE, one JSON-RPC response per event, ending after a terminal or interrupted state. An error before
//! a stream starts is plain JSON for v1 (as a2a-sdk 1.x does) and a single SSE event for v0.3 (as a2a-sdk 0.3 does).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use futures::Stream;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::CancellationToken;

use super::RpcError;
use super::card::card;
use super::skills::{self, Started};
use super::store::{Store, TaskEntry};
use crate::a2a::client::VERSION_HEADER;
use crate::a2a::error::{
    INVALID_PARAMS, METHOD_NOT_FOUND, TASK_NOT_CANCELABLE, TASK_NOT_FOUND, UNSUPPORTED_OPERATION,
    VERSION_NOT_SUPPORTED,
};
use crate::a2a::wire::rpc::{self, Request};
use crate::a2a::wire::{
    Method as Operation, decode_blocking, decode_message, encode_send_result, encode_stream_result,
    encode_task,
};
use crate::a2a::{Message, ProtocolVersion, SendResponse, StreamEvent, Task, TaskState};

/// Largest request body the demo agent reads: a few files of several MB, base64-encoded.
const MAX_REQUEST_BYTES: usize = 32 * 1024 * 1024;
/// Most tasks kept at once; past it the oldest settled tasks are dropped (each holds a few KiB).
pub const DEFAULT_MAX_TASKS: usize = 10_000;
/// How long a settled task stays readable with `tasks/get`.
pub const DEFAULT_SETTLED_TTL: Duration = Duration::from_secs(10 * 60);
/// How often settled tasks past their TTL are dropped.
const SWEEP_INTERVAL: Duration = Duration::from_secs(30);
/// SSE keep-alive comments, as a2a-sdk sends them: they keep proxies from closing quiet streams.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// How the demo agent behaves beyond its skills.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    /// Wait this long before answering a card request (to benchmark start-up against slow agents).
    pub card_delay: Duration,
    pub max_tasks: usize,
    pub settled_ttl: Duration,
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions {
            card_delay: Duration::ZERO,
            max_tasks: DEFAULT_MAX_TASKS,
            settled_ttl: DEFAULT_SETTLED_TTL,
        }
    }
}

/// A demo agent bound to its address, not yet serving.
pub struct DemoAgent {
    listener: TcpListener,
    addr: SocketAddr,
    options: AgentOptions,
}

struct AgentState {
    store: Store,
    card_delay: Duration,
    addr: SocketAddr,
    shutdown: CancellationToken,
}

impl DemoAgent {
    /// Binds `addr` (port 0 picks a free port).
    pub async fn bind(addr: SocketAddr, options: AgentOptions) -> std::io::Result<DemoAgent> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        Ok(DemoAgent {
            listener,
            addr,
            options,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The agent's base URL; an unspecified address (`0.0.0.0`) is given as loopback, which reaches it.
    pub fn url(&self) -> String {
        format!("http://{}/", reachable(self.addr))
    }

    /// Serves until `shutdown` fires; running tasks stop and open streams end then.
    pub async fn serve(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let state = Arc::new(AgentState {
            store: Store::new(self.options.max_tasks, self.options.settled_ttl),
            card_delay: self.options.card_delay,
            addr: self.addr,
            shutdown: shutdown.clone(),
        });
        let sweeper = tokio::spawn({
            let state = Arc::clone(&state);
            let shutdown = shutdown.clone();
            async move {
                let mut ticks = tokio::time::interval(SWEEP_INTERVAL);
                loop {
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        _ = ticks.tick() => {
                            state.store.sweep();
                            tracing::debug!(tasks = state.store.len(), "settled tasks swept");
                        }
                    }
                }
            }
        });
        // Requests up to MAX_REQUEST_BYTES, so the `files` skill takes the files the bridge sends (axum's
        // default is 2 MB).
        let app = Router::new()
            .fallback(handle)
            .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
            .with_state(state);
        // Small SSE writes must leave at once: Nagle's algorithm would hold them for the peer's delayed ACK.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        tracing::info!(url = %format!("http://{}/", reachable(self.addr)), "demo agent listening");
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        let _ = sweeper.await;
        served.context("demo agent: serving HTTP failed")
    }
}

fn reachable(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    }
}

async fn handle(
    State(agent): State<Arc<AgentState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    if method == Method::GET {
        let prefix = path
            .strip_suffix("/.well-known/agent-card.json")
            .or_else(|| path.strip_suffix("/.well-known/agent.json"));
        return match prefix {
            Some(prefix) => {
                if !agent.card_delay.is_zero() {
                    tokio::time::sleep(agent.card_delay).await;
                }
                let url = format!("http://{}{prefix}/", card_host(&headers, agent.addr));
                axum::Json(card(&url)).into_response()
            }
            None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
        };
    }
    if method == Method::POST {
        return rpc(&agent, &headers, &body).await;
    }
    (
        StatusCode::METHOD_NOT_ALLOWED,
        [(header::ALLOW, "GET, POST")],
    )
        .into_response()
}

/// The host the card names: the one the client used (so a card fetched through a proxy or another name points
/// back the same way), else the bound address.
fn card_host(headers: &HeaderMap, addr: SocketAddr) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| reachable(addr).to_string())
}

/// A method's version must match the `A2A-Version` header: a missing header means 0.3 (A2A v1.0 §3.6.2).
fn check_version(
    version: ProtocolVersion,
    headers: &HeaderMap,
    method: &str,
) -> Result<(), RpcError> {
    let header = headers
        .get(VERSION_HEADER)
        .and_then(|h| h.to_str().ok())
        .map(str::trim)
        .filter(|h| !h.is_empty());
    let major = header.map(|h| h.split('.').next().unwrap_or_default().trim());
    match (version, major) {
        (ProtocolVersion::V1_0, Some("1")) => Ok(()),
        (ProtocolVersion::V1_0, _) => Err(RpcError::new(
            VERSION_NOT_SUPPORTED,
            format!(
                "A2A version '{}' is not supported by {method}: send the header A2A-Version: 1.0",
                header.unwrap_or("0.3")
            ),
        )),
        (ProtocolVersion::V0_3, None | Some("0")) => Ok(()),
        (ProtocolVersion::V0_3, Some(_)) => Err(RpcError::new(
            VERSION_NOT_SUPPORTED,
            format!(
                "{method} is a protocol 0.3 method, but A2A-Version is '{}': send no header or 0.3",
                header.unwrap_or_default()
            ),
        )),
        // `Method::from_name` never reads a name as the draft's: the demo agent does not speak it.
        (ProtocolVersion::Draft, _) => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("{method} (the pre-0.2 draft) is not served here"),
        )),
    }
}

async fn rpc(agent: &Arc<AgentState>, headers: &HeaderMap, body: &[u8]) -> Response {
    let Request {
        id,
        version,
        method: op,
        params,
    } = match rpc::decode_request(body) {
        Ok(request) => request,
        Err(e) => {
            return axum::Json(rpc::error_response(None, &e.id, e.code, &e.message))
                .into_response();
        }
    };
    let method = op.name(version);
    tracing::debug!(method, "json-rpc request");
    let reply = Reply { version, id, op };
    if let Err(e) = check_version(version, headers, method) {
        return reply.error(e);
    }
    let result = match op {
        Operation::SendMessage => send(agent, &reply, &params).await,
        Operation::SendStreamingMessage => stream(agent, &reply, &params),
        Operation::GetTask => {
            task_of(agent, &params).map(|entry| reply.ok(encode_task(version, &entry.snapshot())))
        }
        Operation::CancelTask => cancel(agent, &reply, &params),
        Operation::SubscribeToTask => subscribe(agent, &reply, &params),
    };
    result.unwrap_or_else(|e| reply.error(e))
}

/// How to answer one request.
struct Reply {
    version: ProtocolVersion,
    id: Value,
    op: Operation,
}

impl Reply {
    fn ok(&self, result: Value) -> Response {
        axum::Json(rpc::result_response(&self.id, result)).into_response()
    }

    fn error(&self, error: RpcError) -> Response {
        tracing::debug!(code = error.code, message = %error.message, "json-rpc error");
        let body = rpc::error_response(Some(self.version), &self.id, error.code, &error.message);
        if self.op.streams() && self.version == ProtocolVersion::V0_3 {
            let event = Event::default().data(body.to_string());
            return Sse::new(futures::stream::iter([Ok::<_, Infallible>(event)])).into_response();
        }
        axum::Json(body).into_response()
    }

    /// An SSE stream: `first`, then (with a source) every event of the task until it settles.
    fn events(
        &self,
        first: StreamEvent,
        source: Option<(Arc<TaskEntry>, broadcast::Receiver<StreamEvent>)>,
        shutdown: CancellationToken,
    ) -> Response {
        let relay = Relay {
            version: self.version,
            id: self.id.clone(),
            first: Some(first),
            source,
            shutdown,
            done: false,
        };
        Sse::new(relay.into_stream())
            .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
            .into_response()
    }
}

fn message_param(params: &Value) -> Result<Message, RpcError> {
    let raw = params
        .get("message")
        .filter(|m| m.is_object())
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, "params.message is required"))?;
    let message = decode_message(raw)
        .map_err(|e| RpcError::new(INVALID_PARAMS, format!("params.message: {e}")))?;
    if message.parts.is_empty() {
        return Err(RpcError::new(
            INVALID_PARAMS,
            "params.message.parts must not be empty",
        ));
    }
    Ok(message)
}

fn task_of(agent: &AgentState, params: &Value) -> Result<Arc<TaskEntry>, RpcError> {
    let id = params
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::new(INVALID_PARAMS, "params.id is required"))?;
    agent
        .store
        .get(id)
        .ok_or_else(|| RpcError::new(TASK_NOT_FOUND, format!("task {id} not found")))
}

async fn send(agent: &AgentState, reply: &Reply, params: &Value) -> Result<Response, RpcError> {
    let message = message_param(params)?;
    let response = match skills::start(&agent.store, &agent.shutdown, message)? {
        Started::Reply(message) => SendResponse::Message(message),
        Started::Task {
            entry,
            snapshot,
            events,
        } => SendResponse::Task(if decode_blocking(params) {
            settle(&entry, events, &agent.shutdown).await
        } else {
            snapshot
        }),
    };
    Ok(reply.ok(encode_send_result(reply.version, &response)))
}

/// Waits until the task settles (or the agent shuts down) and returns it.
async fn settle(
    entry: &TaskEntry,
    mut events: broadcast::Receiver<StreamEvent>,
    shutdown: &CancellationToken,
) -> Task {
    while !entry.state().is_settled() {
        tokio::select! {
            () = shutdown.cancelled() => break,
            got = events.recv() => match got {
                Ok(event) if ends_stream(&event) => break,
                // Missed events only matter for the state, which the loop reads again.
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
        }
    }
    entry.snapshot()
}

fn stream(agent: &AgentState, reply: &Reply, params: &Value) -> Result<Response, RpcError> {
    let message = message_param(params)?;
    Ok(
        match skills::start(&agent.store, &agent.shutdown, message)? {
            Started::Reply(message) => {
                reply.events(StreamEvent::Message(message), None, agent.shutdown.clone())
            }
            Started::Task {
                entry,
                snapshot,
                events,
            } => reply.events(
                StreamEvent::Task(snapshot),
                Some((entry, events)),
                agent.shutdown.clone(),
            ),
        },
    )
}

fn cancel(agent: &AgentState, reply: &Reply, params: &Value) -> Result<Response, RpcError> {
    let entry = task_of(agent, params)?;
    let state = entry.state();
    if state.is_terminal()
        || !entry.set_status(
            TaskState::Canceled,
            Some("Canceled at the client's request.".into()),
        )
    {
        return Err(RpcError::new(
            TASK_NOT_CANCELABLE,
            format!("task {} is {state} and cannot be canceled", entry.id),
        ));
    }
    entry.stop.cancel();
    tracing::debug!(task_id = %entry.id, "task canceled");
    Ok(reply.ok(encode_task(reply.version, &entry.snapshot())))
}

fn subscribe(agent: &AgentState, reply: &Reply, params: &Value) -> Result<Response, RpcError> {
    let entry = task_of(agent, params)?;
    let (snapshot, events) = entry.watch();
    if snapshot.status.state.is_terminal() {
        return Err(RpcError::new(
            UNSUPPORTED_OPERATION,
            format!(
                "task {} is {}: there is nothing to subscribe to",
                entry.id, snapshot.status.state
            ),
        ));
    }
    Ok(reply.events(
        StreamEvent::Task(snapshot),
        Some((entry, events)),
        agent.shutdown.clone(),
    ))
}

/// Whether a stream ends after this event: a reply, or a terminal or interrupted state.
fn ends_stream(event: &StreamEvent) -> bool {
    match event {
        StreamEvent::Message(_) => true,
        StreamEvent::Task(task) => task.status.state.is_settled(),
        StreamEvent::Status { status, .. } => status.state.is_settled(),
        StreamEvent::Artifact { .. } => false,
    }
}

/// One SSE response's worth of a task's events.
struct Relay {
    version: ProtocolVersion,
    id: Value,
    first: Option<StreamEvent>,
    source: Option<(Arc<TaskEntry>, broadcast::Receiver<StreamEvent>)>,
    shutdown: CancellationToken,
    done: bool,
}

impl Relay {
    fn into_stream(self) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
        futures::stream::unfold(self, |mut relay| async move {
            let event = relay.next().await?;
            relay.done = ends_stream(&event) || relay.source.is_none();
            let result = encode_stream_result(relay.version, &event);
            let data = rpc::result_response(&relay.id, result).to_string();
            Some((Ok(Event::default().data(data)), relay))
        })
    }

    async fn next(&mut self) -> Option<StreamEvent> {
        if self.done {
            return None;
        }
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        let (entry, events) = self.source.as_mut()?;
        tokio::select! {
            () = self.shutdown.cancelled() => None,
            got = events.recv() => match got {
                Ok(event) => Some(event),
                // Fell behind: start again from a fresh snapshot, which the client merges like any task event.
                Err(RecvError::Lagged(_)) => {
                    let (task, fresh) = entry.watch();
                    *events = fresh;
                    Some(StreamEvent::Task(task))
                }
                Err(RecvError::Closed) => None,
            },
        }
    }
}
