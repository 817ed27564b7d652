//! Serving MCP over Streamable HTTP: rmcp's `StreamableHttpService` at `/mcp` inside an axum app, behind bearer
//! authentication, plus `/healthz`, `/readyz` and (with `public_url`) the agents' push notifications at
//! `POST /a2a/push/{call id}` outside it (their own token, see `push_webhook`), a bound on concurrent tool calls
//! (`CallLimit`), and a graceful shutdown that lets in-flight calls finish.
//!
//! What guards `/mcp`, outermost first:
//! 1. bearer tokens (`require_bearer`): 401 with `WWW-Authenticate: Bearer`, compared in constant time, never logged;
//! 2. inside rmcp: the `Host` allowlist and the `Origin` allowlist (403, against DNS rebinding and web pages), then
//!    the body limit (413).
//!
//! Both MCP generations are served: clients that `initialize` get a session (unless `stateful = false`), and
//! 2026-07-28 clients are always served request by request. Everything a request needs lives in the one
//! `BridgeServer` handed to the service factory (a cheap clone; the factory runs per session and per request).
//!
//! Shutdown (`serve_http`): on the shutdown token the listener closes and idle connections are dropped; tool calls
//! still running get `shutdown_grace` to finish (their results still reach the clients), then the rest are
//! canceled, sessions and streams end, and the function returns.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use futures::StreamExt;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use subtle::ConstantTimeEq;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::BridgeServer;
use super::limit::CallLimit;
use super::sessions::Sessions;
use crate::bridge::Bridge;
use crate::bridge::push::{self, Delivery, PushHub};
use crate::config::{Secret, ServerSettings};

/// After the grace period, canceled calls get this long to tell their agents before the process moves on.
const CANCEL_SETTLE: Duration = Duration::from_secs(5);
/// Once calls are done, connections (streams ended by the cancellation) get this long to close.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Counts `/mcp` POST responses still being sent. A tool call's handler returns before its result has gone out
/// on the response stream; shutdown waits for the stream too, so the result is not cut off.
#[derive(Clone)]
struct Responses(Arc<watch::Sender<usize>>);

/// One response in flight; dropped with the response body (sent to the end, or the client went away).
struct ResponseGuard(Arc<watch::Sender<usize>>);

impl Responses {
    fn new() -> Self {
        Responses(Arc::new(watch::Sender::new(0)))
    }

    fn enter(&self) -> ResponseGuard {
        self.0.send_modify(|n| *n += 1);
        ResponseGuard(Arc::clone(&self.0))
    }

    /// Returns once no response is in flight.
    async fn idle(&self) {
        let _ = self.0.subscribe().wait_for(|n| *n == 0).await;
    }
}

impl Drop for ResponseGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

/// Tracks the response to every POST but `subscriptions/listen` (a 2026 client's stream of notifications, open
/// for as long as the client likes, like the GET stream of a session).
async fn track_responses(
    State(responses): State<Responses>,
    request: Request,
    next: Next,
) -> Response {
    let listen = request
        .headers()
        .get("mcp-method")
        .is_some_and(|m| m.as_bytes() == b"subscriptions/listen");
    if request.method() != Method::POST || listen {
        return next.run(request).await;
    }
    let guard = responses.enter();
    let response = next.run(request).await;
    response.map(|body| {
        let stream = body.into_data_stream().map(move |chunk| {
            let _in_flight = &guard;
            chunk
        });
        Body::from_stream(stream)
    })
}

/// What rmcp answers wrongly or not at all, set right around it (MCP 2025-11-25 basic/transports):
/// - a POST body that is not JSON-RPC gets 400 with a JSON-RPC error: `-32700` (not JSON) or `-32600` (JSON,
///   but not a JSON-RPC message); rmcp says 415, which clients read as a wrong Content-Type;
/// - `DELETE` of a session gets 200, and 404 once the session has ended; rmcp says 202 either way;
/// - an `initialize` past `server.max_sessions` gets 503 with `Retry-After`.
#[derive(Clone)]
struct Gate {
    sessions: Arc<Sessions>,
    /// `None`: no sessions (`stateful = false`).
    max_sessions: Option<usize>,
    max_body_bytes: usize,
}

/// How long a client refused for the session limit is asked to wait.
const SESSIONS_RETRY_AFTER_SECS: u32 = 5;

async fn gate_requests(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    match *request.method() {
        Method::POST => gate_post(gate, request, next).await,
        Method::DELETE => gate_delete(gate, request, next).await,
        _ => next.run(request).await,
    }
}

fn session_id(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers.get("mcp-session-id").and_then(|v| v.to_str().ok())
}

async fn gate_delete(gate: Gate, request: Request, next: Next) -> Response {
    let existed = match session_id(request.headers()) {
        Some(id) => gate.sessions.exists(id).await,
        None => true,
    };
    let response = next.run(request).await;
    if response.status() != StatusCode::ACCEPTED {
        return response;
    }
    if existed {
        StatusCode::OK.into_response()
    } else {
        (StatusCode::NOT_FOUND, "Not Found: Session not found").into_response()
    }
}

/// Just the method of a JSON-RPC message, read without building anything else.
#[derive(serde::Deserialize)]
struct MethodOnly<'a> {
    #[serde(borrow)]
    method: Option<std::borrow::Cow<'a, str>>,
}

async fn gate_post(gate: Gate, request: Request, next: Next) -> Response {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/json")
        });
    if !is_json {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match read_body(body, gate.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    if let Some(max) = gate.max_sessions
        && session_id(&parts.headers).is_none()
        && serde_json::from_slice::<MethodOnly>(&bytes)
            .is_ok_and(|m| m.method.as_deref() == Some("initialize"))
    {
        let open = gate.sessions.count().await;
        if open >= max {
            tracing::warn!(open, max, "initialize refused: too many sessions open");
            let mut response = jsonrpc_error(
                StatusCode::SERVICE_UNAVAILABLE,
                request_id(&bytes),
                -32000,
                &format!(
                    "the bridge has {open} MCP sessions open, the most it serves (server.max_sessions); \
                     try again when a session has ended"
                ),
            );
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(SESSIONS_RETRY_AFTER_SECS),
            );
            return response;
        }
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes.clone())))
        .await;
    if response.status() != StatusCode::UNSUPPORTED_MEDIA_TYPE {
        return response;
    }
    // The Content-Type was right, so rmcp could not read the body as a JSON-RPC message.
    let detail = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Err(e) => jsonrpc_error(
            StatusCode::BAD_REQUEST,
            serde_json::Value::Null,
            -32700,
            &format!("Parse error: the body is not JSON: {e}"),
        ),
        Ok(_) => jsonrpc_error(
            StatusCode::BAD_REQUEST,
            request_id(&bytes),
            -32600,
            &format!(
                "Invalid Request: the body is not a JSON-RPC 2.0 request, notification or response ({})",
                detail.trim_start_matches("fail to deserialize request body ")
            ),
        ),
    }
}

/// The body, up to `max` bytes (`[server] max_body_bytes`): past it 413 with a JSON-RPC error body (id null, the
/// request's id is past the cut) naming the key, so MCP clients show the reason; 400 if it cannot be read.
async fn read_body(body: Body, max: usize) -> Result<bytes::Bytes, Response> {
    let mut chunks = body.into_data_stream();
    let mut collected = bytes::BytesMut::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| {
            (
                StatusCode::BAD_REQUEST,
                format!("Bad Request: cannot read the body: {e}"),
            )
                .into_response()
        })?;
        if chunk.len() > max.saturating_sub(collected.len()) {
            return Err(jsonrpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                serde_json::Value::Null,
                -32600,
                &format!(
                    "Payload Too Large: the request body is larger than {max} bytes ([server] max_body_bytes of \
                     the bridge's config); send large files by https URI, or raise max_body_bytes"
                ),
            ));
        }
        collected.extend_from_slice(&chunk);
    }
    Ok(collected.freeze())
}

/// The `id` of a JSON-RPC request body if it has a valid one (string or number), else null.
fn request_id(body: &[u8]) -> serde_json::Value {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        id: Option<serde_json::Value>,
    }
    serde_json::from_slice::<IdOnly>(body)
        .ok()
        .and_then(|m| m.id)
        .filter(|id| id.is_string() || id.is_number())
        .unwrap_or(serde_json::Value::Null)
}

/// A JSON-RPC error response with an HTTP status.
fn jsonrpc_error(status: StatusCode, id: serde_json::Value, code: i64, message: &str) -> Response {
    (
        status,
        axum::Json(
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
        ),
    )
        .into_response()
}

/// What `/readyz` reports.
#[derive(Clone)]
struct Health {
    bridge: Arc<Bridge>,
    /// Set once the first card fetch of every agent has finished (succeeded or failed).
    discovered: Arc<AtomicBool>,
    shutdown: CancellationToken,
}

/// Serves MCP at `http://{addr}/mcp` until `shutdown` fires and in-flight calls have finished (or the grace period
/// has passed). Logs `listening addr=...` with the bound address, so `--http 127.0.0.1:0` can be used.
pub async fn serve_http(
    server: BridgeServer,
    bridge: Arc<Bridge>,
    settings: &ServerSettings,
    addr: SocketAddr,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let limit = CallLimit::new(settings.max_concurrent_calls);
    let server = server.with_call_limit(limit.clone());
    // Not a child of `shutdown`: canceling it ends every session and stream, which must wait for the drain.
    let mcp_ct = CancellationToken::new();

    let sessions = Arc::new(Sessions::new(settings.session_keep_alive));
    // rmcp's service clones itself for every request (its whole config, the Host and Origin lists with it), and
    // axum clones the service it routes to once more: behind an `Arc`, a request clones a pointer instead.
    let rmcp = Arc::new(StreamableHttpService::new(
        move || Ok(server.clone()),
        Arc::clone(&sessions),
        rmcp_config(settings, mcp_ct.clone()),
    ));
    let service = tower::service_fn(move |request: Request| {
        let rmcp = Arc::clone(&rmcp);
        async move { Ok::<_, std::convert::Infallible>(rmcp.handle(request).await) }
    });
    let gate = Gate {
        sessions: Arc::clone(&sessions),
        max_sessions: settings.stateful.then_some(settings.max_sessions),
        max_body_bytes: settings.max_body_bytes,
    };

    let responses = Responses::new();
    let mut mcp = Router::new()
        .nest_service("/mcp", service)
        .layer(middleware::from_fn_with_state(gate, gate_requests))
        .layer(middleware::from_fn_with_state(
            responses.clone(),
            track_responses,
        ));
    if !settings.tokens.is_empty() {
        let tokens: Arc<[Secret]> = settings.tokens.clone().into();
        mcp = mcp.layer(middleware::from_fn_with_state(tokens, require_bearer));
    }
    let health = Health {
        bridge: Arc::clone(&bridge),
        discovered: Arc::new(AtomicBool::new(false)),
        shutdown: shutdown.clone(),
    };
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(health.clone())
        .merge(mcp);
    // `/metrics` (telemetry.metrics): outside the MCP bearer check, behind its own token if one is set.
    if let Some(metrics) = crate::telemetry::endpoint::router_for_mcp_listener(addr) {
        app = app.merge(metrics);
    }
    if let Some(metrics) = crate::telemetry::metrics() {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            loop {
                metrics.set_sessions(sessions.count().await);
                tokio::select! {
                    () = tokio::time::sleep(crate::telemetry::SESSIONS_SAMPLE) => {}
                    () = shutdown.cancelled() => break,
                }
            }
        });
    }
    if settings.public_url.is_some() {
        let webhooks = Webhooks {
            hub: Arc::clone(bridge.push()),
            max_body_bytes: settings.max_body_bytes,
        };
        app = app.merge(
            Router::new()
                .route(
                    &format!("{}/{{call_id}}", push::PUSH_PATH),
                    post(push_webhook),
                )
                .with_state(webhooks),
        );
        bridge.push().start_serving();
    }

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr().context("reading the bound address")?;
    tracing::info!(
        addr = %local,
        url = %format!("http://{local}/mcp"),
        stateful = settings.stateful,
        tokens = settings.tokens.len(),
        "listening"
    );
    if !crate::config::is_loopback(local) && settings.has_default_hosts() {
        tracing::warn!(
            "listening beyond loopback, but only Host: localhost, 127.0.0.1 and ::1 are accepted; add the names \
             clients use to server.allowed_hosts"
        );
    }

    // Ready once start-up discovery is over: `tools()` waits for it (bounded by the card timeout).
    let discovery = {
        let shutdown = shutdown.clone();
        let discovered = Arc::clone(&health.discovered);
        tokio::spawn(async move {
            tokio::select! {
                _ = bridge.tools() => discovered.store(true, Ordering::SeqCst),
                () = shutdown.cancelled() => {}
            }
        })
    };

    // Nagle's algorithm would hold each response's last small write until the client ACKs the previous one, and
    // clients that delay their ACKs (Node's, in every TypeScript SDK host) then wait ~40 ms per call.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on an accepted connection");
        }
    });
    let stop_accepting = shutdown.clone().cancelled_owned();
    let mut serving = tokio::spawn(
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stop_accepting)
        .into_future(),
    );
    tokio::select! {
        result = &mut serving => {
            mcp_ct.cancel();
            discovery.abort();
            return result.context("the HTTP server task failed")?.context("serving HTTP failed");
        }
        () = shutdown.cancelled() => {}
    }
    discovery.abort();

    let running = limit.running();
    tracing::info!(
        running,
        grace_secs = settings.shutdown_grace.as_secs_f64(),
        "shutting down: no new connections; waiting for in-flight tool calls"
    );
    limit.close();
    let finished = async { tokio::join!(limit.idle(), responses.idle()) };
    if tokio::time::timeout(settings.shutdown_grace, finished)
        .await
        .is_ok()
    {
        if running > 0 {
            tracing::info!("in-flight tool calls finished");
        }
        mcp_ct.cancel();
    } else {
        tracing::warn!(
            running = limit.running(),
            "shutdown grace period over; canceling the remaining tool calls"
        );
        mcp_ct.cancel();
        let _ = tokio::time::timeout(CANCEL_SETTLE, limit.idle()).await;
    }
    match tokio::time::timeout(CLOSE_TIMEOUT, &mut serving).await {
        Ok(Ok(result)) => result.context("serving HTTP failed")?,
        Ok(Err(e)) => return Err(e).context("the HTTP server task failed"),
        Err(_) => {
            tracing::warn!("connections still open after shutdown; closing them");
            serving.abort();
        }
    }
    tracing::info!("HTTP server stopped");
    Ok(())
}

/// rmcp's side: sessions or not, Host and Origin allowlists, body limit, and the token that ends everything.
fn rmcp_config(settings: &ServerSettings, ct: CancellationToken) -> StreamableHttpServerConfig {
    // No priming from rmcp itself: `Sessions` primes request streams for the sessions whose revision has it.
    let config = StreamableHttpServerConfig::default()
        .with_sse_retry(None)
        .with_legacy_session_mode(settings.stateful)
        .with_max_request_body_bytes(settings.max_body_bytes)
        .with_cancellation_token(ct);
    let config = if settings.allowed_hosts.iter().any(|h| h == "*") {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(settings.allowed_hosts.iter().cloned())
    };
    if settings.allowed_origins.iter().any(|o| o == "*") {
        config.disable_allowed_origins()
    } else {
        // Enforced even when the list is empty: then no browser page may call at all.
        config
            .with_allowed_origins(settings.allowed_origins.iter().cloned())
            .enforce_origin_validation()
    }
}

/// Lets a request through only with `Authorization: Bearer <one of the tokens>`.
async fn require_bearer(
    State(tokens): State<Arc<[Secret]>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token);
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    match presented {
        Some(token) if token_matches(&tokens, token) => next.run(request).await,
        Some(_) => {
            tracing::warn!(%peer, "rejected MCP request: wrong bearer token");
            unauthorized(true)
        }
        None => {
            tracing::debug!(%peer, "rejected MCP request: no bearer token");
            unauthorized(false)
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Compares against every configured token, without stopping at a match, in constant time for tokens of the
/// same length (the length of a token is not secret; its content is).
fn token_matches(tokens: &[Secret], presented: &str) -> bool {
    tokens
        .iter()
        .fold(subtle::Choice::from(0), |found, t| {
            found | t.expose().as_bytes().ct_eq(presented.as_bytes())
        })
        .into()
}

/// 401 with the challenge RFC 6750 asks for; `invalid` says a token was sent but is not one of ours.
fn unauthorized(invalid: bool) -> Response {
    let challenge = if invalid {
        r#"Bearer realm="mcp-a2a-bridge", error="invalid_token""#
    } else {
        r#"Bearer realm="mcp-a2a-bridge""#
    };
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "Unauthorized: send Authorization: Bearer <token> with one of the tokens in server.auth_tokens\n",
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// Alive: the process answers.
/// What the push notification route needs.
#[derive(Clone)]
struct Webhooks {
    hub: Arc<PushHub>,
    max_body_bytes: usize,
}

/// `POST /a2a/push/{call id}`: an agent's push notification (A2A v0.3 §9, A2A v1.0 push notifications; a2a-sdk
/// posts the task, or in 1.x a `StreamResponse`). Outside the MCP bearer tokens: the agent authenticates with
/// the `X-A2A-Notification-Token` the bridge gave it for that call, checked in constant time by the bridge
/// (`PushHub::deliver`). 401 for a missing or wrong token, 413 past `max_body_bytes`; otherwise 200, whether or
/// not a call here was waiting. The body is read (bounded) and dropped: the woken call asks the agent itself.
async fn push_webhook(
    State(webhooks): State<Webhooks>,
    Path(call_id): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let token = parts
        .headers
        .get(push::TOKEN_HEADER)
        .map(|v| v.as_bytes().to_vec());
    if let Err(response) = read_body(body, webhooks.max_body_bytes).await {
        return response;
    }
    match webhooks.hub.deliver(&call_id, token.as_deref()) {
        Delivery::Refused => {
            tracing::debug!("push notification refused: missing or wrong token");
            (
                StatusCode::UNAUTHORIZED,
                "Unauthorized: missing or wrong X-A2A-Notification-Token",
            )
                .into_response()
        }
        delivery => {
            tracing::debug!(woke = delivery == Delivery::Woken, "push notification");
            StatusCode::OK.into_response()
        }
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the config is loaded and start-up discovery has finished (every agent answered or failed its first card
/// fetch). How many agents are reachable is informational: a bridge with agents down still serves the others.
async fn readyz(State(health): State<Health>) -> Response {
    let (agents, reachable) = health.bridge.reachability();
    let (status, code) = if health.shutdown.is_cancelled() {
        ("shutting_down", StatusCode::SERVICE_UNAVAILABLE)
    } else if health.discovered.load(Ordering::SeqCst) {
        ("ready", StatusCode::OK)
    } else {
        ("starting", StatusCode::SERVICE_UNAVAILABLE)
    };
    (
        code,
        axum::Json(json!({"status": status, "agents": agents, "reachable": reachable})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_parsed_and_matched() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
        let tokens = [Secret::new("old-token"), Secret::new("new-token")];
        assert!(token_matches(&tokens, "old-token"));
        assert!(token_matches(&tokens, "new-token"));
        assert!(!token_matches(&tokens, "new-toke"));
        assert!(!token_matches(&tokens, ""));
        assert!(!token_matches(&[], "new-token"));
    }
}
