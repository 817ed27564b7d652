//! `A2aClient`: JSON-RPC over HTTP to one agent, in the protocol version its card chose.
//!
//! Knows nothing of MCP. Every request has a timeout (the whole request for unary calls, the gap between
//! events for streams); headers carrying credentials are marked sensitive so they never reach a log.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::{Stream, StreamExt};
use http::{HeaderMap, HeaderValue, header};
use serde_json::Value;

use super::error::A2aError;
use super::oauth::ClientCredentials;
use super::sse;
use super::types::{AgentCard, Message, ProtocolVersion, SendResponse, StreamEvent, Task};
use super::wire::{self, Method, rpc};

/// Events of one stream, each bounded by the idle timeout.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, A2aError>> + Send>>;

/// The header v1 agents require on every call; a missing one means 0.3 to them.
pub const VERSION_HEADER: &str = "A2A-Version";

/// Most of an HTTP error body worth showing to a user.
const MAX_ERROR_BODY_BYTES: usize = 300;

/// Connection settings shared by all calls to one agent.
#[derive(Clone)]
pub struct A2aClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: String,
    /// `endpoint` parsed once, so requests do not parse it again (`None`: not a URL; requests then fail
    /// with reqwest's own error naming the problem).
    endpoint_url: Option<reqwest::Url>,
    version: ProtocolVersion,
    tenant: Option<String>,
    headers: HeaderMap,
    request_timeout: Duration,
    stream_idle_timeout: Duration,
    accepted_output_modes: Vec<String>,
    oauth: Option<Arc<ClientCredentials>>,
    next_id: AtomicU64,
}

/// What an `A2aClient` is built from.
pub struct ClientSettings {
    pub endpoint: String,
    pub version: ProtocolVersion,
    pub tenant: Option<String>,
    /// Extra headers (credentials included) sent on every request.
    pub headers: HeaderMap,
    pub request_timeout: Duration,
    pub stream_idle_timeout: Duration,
    pub accepted_output_modes: Vec<String>,
    /// OAuth2 client credentials: a bearer token fetched and refreshed on demand.
    pub oauth: Option<Arc<ClientCredentials>>,
}

impl A2aClient {
    pub fn new(http: reqwest::Client, settings: ClientSettings) -> Self {
        A2aClient {
            inner: Arc::new(Inner {
                http,
                endpoint_url: reqwest::Url::parse(&settings.endpoint).ok(),
                endpoint: settings.endpoint,
                version: settings.version,
                tenant: settings.tenant,
                headers: settings.headers,
                request_timeout: settings.request_timeout,
                stream_idle_timeout: settings.stream_idle_timeout,
                accepted_output_modes: settings.accepted_output_modes,
                oauth: settings.oauth,
                next_id: AtomicU64::new(1),
            }),
        }
    }

    pub fn version(&self) -> ProtocolVersion {
        self.inner.version
    }

    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The bound on one unary request (and on a stream's response head).
    pub fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    /// `message/send` / `SendMessage`. With `blocking`, the agent answers once the task settles.
    pub async fn send_message(
        &self,
        message: &Message,
        blocking: bool,
    ) -> Result<SendResponse, A2aError> {
        let params = self.send_params(message, blocking);
        let result = self.call(Method::SendMessage, params).await?;
        wire::decode_send_result(&result)
    }

    /// `message/stream` / `SendStreamingMessage`.
    pub async fn stream_message(&self, message: &Message) -> Result<EventStream, A2aError> {
        let params = self.send_params(message, true);
        self.open_stream(Method::SendStreamingMessage, params).await
    }

    /// `tasks/get` / `GetTask`.
    pub async fn get_task(&self, task_id: &str) -> Result<Task, A2aError> {
        let params = wire::task_id_params(self.inner.version, task_id, self.tenant());
        let result = self.call(Method::GetTask, params).await?;
        wire::decode_task(result.get("task").unwrap_or(&result))
    }

    /// `tasks/cancel` / `CancelTask`.
    pub async fn cancel_task(&self, task_id: &str) -> Result<Task, A2aError> {
        let params = wire::task_id_params(self.inner.version, task_id, self.tenant());
        let result = self.call(Method::CancelTask, params).await?;
        wire::decode_task(result.get("task").unwrap_or(&result))
    }

    /// `tasks/resubscribe` / `SubscribeToTask`: the events of a running task from now on.
    pub async fn resubscribe(&self, task_id: &str) -> Result<EventStream, A2aError> {
        let params = wire::task_id_params(self.inner.version, task_id, self.tenant());
        self.open_stream(Method::SubscribeToTask, params).await
    }

    fn tenant(&self) -> Option<&str> {
        self.inner.tenant.as_deref()
    }

    fn send_params(&self, message: &Message, blocking: bool) -> Value {
        wire::send_params(
            self.inner.version,
            message,
            blocking,
            &self.inner.accepted_output_modes,
            self.tenant(),
        )
    }

    /// POSTs one JSON-RPC request. With OAuth2, a 401 drops the cached token and the request is sent once
    /// more with a fresh one. `whole`: `timeout` bounds the whole exchange, else only the response head
    /// (a stream's body is bounded per event).
    async fn post(
        &self,
        method: Method,
        params: Value,
        accept: &'static str,
        timeout: Duration,
        whole: bool,
    ) -> Result<reqwest::Response, A2aError> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let body = rpc::request(self.inner.version, id, method, params);
        let body =
            bytes::Bytes::from(serde_json::to_vec(&body).map_err(|e| {
                A2aError::InvalidResponse(format!("cannot encode the request: {e}"))
            })?);
        let endpoint = &self.inner.endpoint;
        for attempt in 0..2 {
            let req = match &self.inner.endpoint_url {
                Some(url) => self.inner.http.post(url.clone()),
                None => self.inner.http.post(endpoint),
            };
            let mut req = req
                .headers(self.inner.headers.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ACCEPT, accept)
                .body(body.clone());
            // v0.3 calls carry no version header: a v1 SDK with its compat layer rejects 0.3 methods sent
            // with `1.0`.
            if self.inner.version == ProtocolVersion::V1_0 {
                req = req.header(VERSION_HEADER, "1.0");
            }
            if let Some(oauth) = &self.inner.oauth {
                req = req.header(header::AUTHORIZATION, oauth.authorization().await?);
            }
            let resp = if whole {
                req.timeout(timeout)
                    .send()
                    .await
                    .map_err(|e| A2aError::from_reqwest(e, endpoint, timeout))?
            } else {
                tokio::time::timeout(timeout, req.send())
                    .await
                    .map_err(|_| A2aError::Timeout(timeout))?
                    .map_err(|e| A2aError::from_reqwest(e, endpoint, timeout))?
            };
            if resp.status() == reqwest::StatusCode::UNAUTHORIZED
                && attempt == 0
                && let Some(oauth) = &self.inner.oauth
            {
                tracing::debug!(endpoint = %super::error::redact_url(endpoint), "401 from the agent; fetching a new token");
                oauth.invalidate().await;
                continue;
            }
            return self.check_status(resp).await;
        }
        unreachable!("the second attempt always returns")
    }

    async fn call(&self, method: Method, params: Value) -> Result<Value, A2aError> {
        let timeout = self.inner.request_timeout;
        let resp = self
            .post(method, params, "application/json", timeout, true)
            .await?;
        let body = resp
            .bytes()
            .await
            .map_err(|e| A2aError::from_reqwest(e, &self.inner.endpoint, timeout))?;
        rpc::decode_response(&body)
    }

    async fn open_stream(&self, method: Method, params: Value) -> Result<EventStream, A2aError> {
        let idle = self.inner.stream_idle_timeout;
        let resp = self
            .post(
                method,
                params,
                "text/event-stream",
                self.inner.request_timeout,
                false,
            )
            .await?;
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("text/event-stream") {
            let events = sse::decode_events(resp.bytes_stream());
            return Ok(with_idle_timeout(events, idle));
        }
        // Servers answer errors before the stream starts as plain JSON (a2a-sdk 1.x does, for v1).
        let body = tokio::time::timeout(idle, resp.bytes())
            .await
            .map_err(|_| A2aError::Timeout(idle))?
            .map_err(|e| A2aError::from_reqwest(e, &self.inner.endpoint, idle))?;
        let result = rpc::decode_response(&body)?;
        let event = wire::decode_stream_result(&result)?;
        Ok(Box::pin(futures::stream::once(async move { Ok(event) })))
    }

    async fn check_status(&self, resp: reqwest::Response) -> Result<reqwest::Response, A2aError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = resp.text().await.unwrap_or_default();
        Err(A2aError::Http {
            status: status.as_u16(),
            url: super::error::redact_url(&self.inner.endpoint),
            body: wire::truncate_str(body.trim(), MAX_ERROR_BODY_BYTES),
        })
    }
}

/// Ends the stream with `A2aError::Timeout` when no event arrives for `idle`.
fn with_idle_timeout<S>(events: S, idle: Duration) -> EventStream
where
    S: Stream<Item = Result<StreamEvent, A2aError>> + Send + 'static,
{
    let events = Box::pin(events);
    Box::pin(futures::stream::unfold(
        Some(events),
        move |state| async move {
            let mut events = state?;
            match tokio::time::timeout(idle, events.next()).await {
                Ok(Some(item)) => Some((item, Some(events))),
                Ok(None) => None,
                Err(_) => Some((Err(A2aError::Timeout(idle)), None)),
            }
        },
    ))
}

/// Fetches and parses an agent card. `url` is the agent's base URL (the well-known paths are tried under it)
/// or, when it ends in `.json`, the card itself. Returns the card and the URL it came from.
pub async fn fetch_card(
    http: &reqwest::Client,
    url: &str,
    headers: &HeaderMap,
    timeout: Duration,
) -> Result<(AgentCard, String), A2aError> {
    let candidates = card_urls(url)?;
    let mut last_err = None;
    for candidate in &candidates {
        match fetch_card_at(http, candidate, headers, timeout).await {
            Ok(card) => return Ok((card, candidate.clone())),
            // Only a missing card moves on to the legacy path; anything else is the answer.
            Err(e @ A2aError::Http { status: 404, .. }) => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| A2aError::InvalidResponse("no card URL to try".into())))
}

/// The URLs to try for a card, in order.
pub fn card_urls(url: &str) -> Result<Vec<String>, A2aError> {
    let parsed = url::Url::parse(url)
        .map_err(|e| A2aError::InvalidResponse(format!("bad agent URL {url:?}: {e}")))?;
    if parsed.path().ends_with(".json") {
        return Ok(vec![parsed.to_string()]);
    }
    // Agents hosted under a path keep it: join against the URL with a trailing slash.
    let mut base = parsed;
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    let join = |p: &str| {
        base.join(p)
            .map(|u| u.to_string())
            .map_err(|e| A2aError::InvalidResponse(format!("bad agent URL {url:?}: {e}")))
    };
    Ok(vec![
        join(".well-known/agent-card.json")?,
        join(".well-known/agent.json")?,
    ])
}

async fn fetch_card_at(
    http: &reqwest::Client,
    url: &str,
    headers: &HeaderMap,
    timeout: Duration,
) -> Result<AgentCard, A2aError> {
    let resp = http
        .get(url)
        .headers(headers.clone())
        .header(header::ACCEPT, "application/json")
        // Some SDKs pick the card's shape from this header; we read both shapes, and prefer the v1 one.
        .header(VERSION_HEADER, HeaderValue::from_static("1.0"))
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| A2aError::from_reqwest(e, url, timeout))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(A2aError::Http {
            status: status.as_u16(),
            url: super::error::redact_url(url),
            body: String::new(),
        });
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| A2aError::from_reqwest(e, url, timeout))?;
    let raw: Value = serde_json::from_slice(&body)
        .map_err(|e| A2aError::InvalidResponse(format!("agent card is not JSON: {e}")))?;
    wire::decode_card(raw)
}
