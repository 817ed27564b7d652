//! `A2aClient`: JSON-RPC over HTTP to one agent, in the protocol version its card chose.
//!
//! Knows nothing of MCP. Every request has a timeout (the whole request for unary calls, the gap between
//! events for streams); headers carrying credentials are marked sensitive so they never reach a log.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use futures::{Stream, StreamExt};
use http::{HeaderMap, HeaderValue, header};
use serde_json::Value;

use super::error::A2aError;
use super::oauth::ClientCredentials;
use super::sse;
use super::types::{AgentCard, Binding, Message, ProtocolVersion, SendResponse, StreamEvent, Task};
use super::wire::{self, Method, rpc};

mod artifact;
pub use artifact::{ArtifactError, ArtifactLimits};
mod more;
pub use more::offers_extended_card;
mod rest;

/// Events of one stream, each bounded by the idle timeout.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, A2aError>> + Send>>;

/// The header v1 agents require on every call; a missing one means 0.3 to them.
pub const VERSION_HEADER: &str = "A2A-Version";

/// Most of an HTTP error body worth showing to a user.
const MAX_ERROR_BODY_BYTES: usize = 300;
/// Most of an HTTP error body read at all (the rest is never downloaded).
const MAX_ERROR_READ_BYTES: usize = 4 << 10;
/// Largest agent card read; a bigger one is refused with an error naming the size.
pub const MAX_CARD_BYTES: usize = 1 << 20;

/// What protects the bridge from one agent's answers: the size cap on each answer, and the scrubber that
/// takes configured secrets out of everything the agent sends back before it reaches an error or a log.
#[derive(Clone, Debug)]
pub struct Guards {
    /// Most bytes of one answer (a JSON body, one stream event): `max_response_bytes`.
    pub max_response_bytes: usize,
    pub scrubber: super::scrub::Scrubber,
    /// What the agent card asks for that the config does not provide (`card_auth::AuthPlan::missing`): added
    /// to HTTP 401 and 403 errors, so the user reads what to configure.
    pub auth_hint: Option<Arc<str>>,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            max_response_bytes: crate::config::DEFAULT_MAX_RESPONSE_BYTES,
            scrubber: super::scrub::Scrubber::default(),
            auth_hint: None,
        }
    }
}

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
    guards: Guards,
    next_id: AtomicU64,
    /// Set when the version was not stated by the user: what the agent was found to speak.
    learned: Option<Arc<VersionMemory>>,
    /// JSON-RPC, or the HTTP+JSON binding (`client::rest`).
    binding: Binding,
    /// For the draft: whether the agent answers at its endpoint or at per-method paths (`DRAFT_PATHS_*`);
    /// shared with the `VersionMemory` when there is one.
    draft_paths: Arc<AtomicU8>,
    /// The agent's configured name, for telemetry (`with_agent_name`).
    agent_name: Option<String>,
}

/// `draft_paths`: not known yet.
const DRAFT_PATHS_UNKNOWN: u8 = 0;
/// `draft_paths`: the draft's methods are answered at the endpoint itself.
const DRAFT_PATHS_ENDPOINT: u8 = 1;
/// `draft_paths`: they are answered at per-method paths (`…/tasks/send`: python-a2a).
const DRAFT_PATHS_PER_METHOD: u8 = 2;

/// Where one call goes: the protocol version it is made in and, for the draft, whether at a per-method path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Route {
    version: ProtocolVersion,
    per_method: bool,
}

impl Route {
    fn at(version: ProtocolVersion) -> Route {
        Route {
            version,
            per_method: false,
        }
    }

    /// For errors and logs: `A2A 1.0`, `the pre-0.2 draft at per-method paths`.
    fn describe(self) -> String {
        match (self.version, self.per_method) {
            (ProtocolVersion::Draft, false) => "the pre-0.2 draft".into(),
            (ProtocolVersion::Draft, true) => {
                "the pre-0.2 draft at per-method paths (…/tasks/send)".into()
            }
            (v, _) => format!("A2A {v}"),
        }
    }
}

/// The protocol version an agent was found to speak, kept for the process's life (across card refreshes) by
/// whoever owns the agent, with the version its card named when it was learned: a refreshed card that names
/// another version (the agent was upgraded) starts over. Empty until a call settles it.
/// The second field holds, for an agent found to speak the draft, where it answers (`DRAFT_PATHS_*`).
#[derive(Debug, Default)]
pub struct VersionMemory(
    std::sync::Mutex<Option<(ProtocolVersion, ProtocolVersion)>>,
    Arc<AtomicU8>,
);

impl VersionMemory {
    /// What the agent speaks, if it was learned while its card named `card`.
    fn get(&self, card: ProtocolVersion) -> Option<ProtocolVersion> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .filter(|(named, _)| *named == card)
            .map(|(_, speaks)| speaks)
    }

    /// Records that the agent whose card names `card` speaks `speaks`.
    fn set(&self, card: ProtocolVersion, speaks: ProtocolVersion) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((card, speaks));
    }
}

/// Every way to reach an agent whose card names `card`, in the order they are tried while nothing is known:
/// the card's own first, then the other released version, then the pre-0.2 draft (at the endpoint, then at
/// per-method paths); a draft-shaped card starts with the draft. HTTP+JSON has no draft.
fn fallback_routes(card: ProtocolVersion, binding: Binding) -> Vec<Route> {
    let draft = [
        Route::at(ProtocolVersion::Draft),
        Route {
            version: ProtocolVersion::Draft,
            per_method: true,
        },
    ];
    let v1 = Route::at(ProtocolVersion::V1_0);
    let v03 = Route::at(ProtocolVersion::V0_3);
    let mut routes = match card {
        ProtocolVersion::V1_0 => vec![v1, v03, draft[0], draft[1]],
        ProtocolVersion::V0_3 => vec![v03, v1, draft[0], draft[1]],
        ProtocolVersion::Draft => vec![draft[0], draft[1], v03, v1],
    };
    if binding == Binding::HttpJson {
        routes.retain(|r| r.version != ProtocolVersion::Draft);
    }
    routes
}

/// Whether an answer says the agent does not speak the call as it was made (so the next route is worth a
/// try): a version error, HTTP 404, 405 or 501 (no such path or method), or HTTP 500 whose body is a message
/// in another dialect (`parts` and `role`, no JSON-RPC envelope: python-a2a's answer to a JSON-RPC request it
/// cannot read). Any other HTTP 500 is the agent failing, not refusing: the message may have had effects, and
/// sending it again in another dialect could repeat them.
fn is_refusal(e: &A2aError) -> bool {
    match e {
        A2aError::Http {
            status: 404 | 405 | 501,
            ..
        } => true,
        A2aError::Http {
            status: 500, body, ..
        } => {
            body.starts_with('{')
                && !body.contains("\"jsonrpc\"")
                && body.contains("\"parts\"")
                && body.contains("\"role\"")
        }
        e => is_version_error(e),
    }
}

/// Whether an error says the agent does not speak the version of the call: JSON-RPC `-32601` (method not
/// found) or A2A v1.0 `-32009` (version not supported).
fn is_version_error(e: &A2aError) -> bool {
    e.is_code(super::error::METHOD_NOT_FOUND) || e.is_code(super::error::VERSION_NOT_SUPPORTED)
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
    pub guards: Guards,
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
                guards: settings.guards,
                next_id: AtomicU64::new(1),
                learned: None,
                binding: Binding::JsonRpc,
                draft_paths: Arc::new(AtomicU8::new(DRAFT_PATHS_UNKNOWN)),
                agent_name: None,
            }),
        }
    }

    /// Makes calls over `binding` (the HTTP+JSON binding: `client::rest`) instead of JSON-RPC.
    pub fn with_binding(mut self, binding: Binding) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.binding = binding;
        }
        self
    }

    /// The binding calls are made over.
    pub fn binding(&self) -> Binding {
        self.inner.binding
    }

    /// Lets the client find the version the agent speaks: when the first calls get `-32601` or `-32009`,
    /// the other version is tried once, and what worked is kept in `memory` (shared by every client of the
    /// agent, so it outlives card refreshes). Only for versions the user did not state.
    pub fn with_version_fallback(mut self, memory: Arc<VersionMemory>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.draft_paths = memory.1.clone();
            inner.learned = Some(memory);
        }
        self
    }

    /// Names the agent in telemetry (the A2A request spans and duration metric).
    pub fn with_agent_name(mut self, name: &str) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.agent_name = Some(name.to_owned());
        }
        self
    }

    /// The version calls are made in: what the agent was found to speak, else the card's.
    pub fn version(&self) -> ProtocolVersion {
        self.inner
            .learned
            .as_ref()
            .and_then(|m| m.get(self.inner.version))
            .unwrap_or(self.inner.version)
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
        self.send_message_with_push(message, blocking, None).await
    }

    /// Whether a send to this agent can carry a push notification config (`send_message_with_push`): not in
    /// the pre-0.2 draft.
    pub fn takes_push_config(&self) -> bool {
        self.version() != ProtocolVersion::Draft
    }

    /// `send_message`, asking the agent to send push notifications about the task to `push` (in the send's
    /// `configuration`, `wire::add_push_config`; the draft gets none).
    pub async fn send_message_with_push(
        &self,
        message: &Message,
        blocking: bool,
        push: Option<&wire::PushConfig>,
    ) -> Result<SendResponse, A2aError> {
        let result = self
            .call_any(Method::SendMessage, |v| {
                let mut params = self.send_params(v, message, blocking);
                if let Some(push) = push {
                    wire::add_push_config(v, &mut params, push);
                }
                params
            })
            .await;
        let result = result.and_then(|r| wire::decode_send_result(&r));
        self.scrubbed(result.map(|mut r| {
            if self.is_v03_rest(self.version()) {
                wire::rest::unwrap_v03_send(&mut r);
            }
            r
        }))
    }

    /// `message/stream` / `SendStreamingMessage`.
    pub async fn stream_message(&self, message: &Message) -> Result<EventStream, A2aError> {
        let opened = self
            .on_routes(|route| {
                self.open_stream_on(
                    route,
                    Method::SendStreamingMessage,
                    self.send_params(route.version, message, true),
                )
            })
            .await;
        self.scrubbed_stream(opened)
    }

    /// `tasks/get` / `GetTask`.
    pub async fn get_task(&self, task_id: &str) -> Result<Task, A2aError> {
        let result = self
            .call_any(Method::GetTask, |v| {
                wire::task_id_params(v, task_id, self.tenant())
            })
            .await;
        let result = result.and_then(|r| wire::decode_task(r.get("task").unwrap_or(&r)));
        self.scrubbed(result.map(|t| self.fix_v03_rest_task(t)))
    }

    /// `tasks/cancel` / `CancelTask`.
    pub async fn cancel_task(&self, task_id: &str) -> Result<Task, A2aError> {
        let version = self.version();
        let params = wire::task_id_params(version, task_id, self.tenant());
        let result = self.call(version, Method::CancelTask, params).await;
        let result = result.and_then(|r| wire::decode_task(r.get("task").unwrap_or(&r)));
        self.scrubbed(result.map(|t| self.fix_v03_rest_task(t)))
    }

    /// `tasks/resubscribe` / `SubscribeToTask`: the events of a running task from now on.
    pub async fn resubscribe(&self, task_id: &str) -> Result<EventStream, A2aError> {
        let version = self.version();
        let params = wire::task_id_params(version, task_id, self.tenant());
        self.scrubbed_stream(
            self.open_stream(version, Method::SubscribeToTask, params)
                .await,
        )
    }

    /// `result` with any error's agent-sent text scrubbed of configured secrets.
    fn scrubbed<T>(&self, result: Result<T, A2aError>) -> Result<T, A2aError> {
        result.map_err(|e| self.inner.guards.scrubber.scrub_error(e))
    }

    /// `scrubbed` for a stream and each of its events.
    fn scrubbed_stream(
        &self,
        result: Result<EventStream, A2aError>,
    ) -> Result<EventStream, A2aError> {
        let scrubber = self.inner.guards.scrubber.clone();
        self.scrubbed(result).map(|events| {
            Box::pin(events.map(move |event| event.map_err(|e| scrubber.scrub_error(e))))
                as EventStream
        })
    }

    fn tenant(&self) -> Option<&str> {
        self.inner.tenant.as_deref()
    }

    /// Whether answers come in the v0.3 HTTP+JSON shapes (`wire::rest`).
    fn is_v03_rest(&self, version: ProtocolVersion) -> bool {
        self.inner.binding == Binding::HttpJson && version == ProtocolVersion::V0_3
    }

    /// A task read from a v0.3 HTTP+JSON agent with its data parts unwrapped (`wire::rest::unwrap_v03_data`).
    fn fix_v03_rest_task(&self, mut task: Task) -> Task {
        if self.is_v03_rest(self.version()) {
            wire::rest::unwrap_v03_task(&mut task);
        }
        task
    }

    /// Whether the draft's methods go to per-method paths, as far as is known.
    fn draft_per_method(&self) -> bool {
        self.inner.draft_paths.load(Ordering::Relaxed) == DRAFT_PATHS_PER_METHOD
    }

    /// The routes one call tries, in order: only the known one once the agent's version (and, for the draft,
    /// its paths) is settled; else, with version fallback, every route (`fallback_routes`); else, for a
    /// configured draft, the endpoint and then the per-method paths.
    fn routes(&self) -> Vec<Route> {
        let card = self.inner.version;
        let paths = self.inner.draft_paths.load(Ordering::Relaxed);
        let known = |version: ProtocolVersion| Route {
            version,
            per_method: version == ProtocolVersion::Draft && paths == DRAFT_PATHS_PER_METHOD,
        };
        match &self.inner.learned {
            Some(memory) => match memory.get(card) {
                Some(v) => vec![known(v)],
                None => fallback_routes(card, self.inner.binding),
            },
            None if card == ProtocolVersion::Draft && paths == DRAFT_PATHS_UNKNOWN => {
                fallback_routes(card, self.inner.binding)
                    .into_iter()
                    .take(2)
                    .collect()
            }
            None => vec![known(card)],
        }
    }

    /// Keeps what a call that got an answer along `route` (the `tried`-th tried) showed about the agent.
    fn learn(&self, route: Route, tried: usize) {
        if route.version == ProtocolVersion::Draft {
            let paths = if route.per_method {
                DRAFT_PATHS_PER_METHOD
            } else {
                DRAFT_PATHS_ENDPOINT
            };
            self.inner.draft_paths.store(paths, Ordering::Relaxed);
        }
        let Some(memory) = &self.inner.learned else {
            return;
        };
        if memory.get(self.inner.version).is_some() {
            return;
        }
        if tried > 0 {
            tracing::info!(
                endpoint = %super::error::redact_url(&self.inner.endpoint),
                card = %self.inner.version,
                speaks = %route.describe(),
                "the agent does not speak the A2A version its card names; using what it answered from now on (set `protocol` to make it explicit)"
            );
        }
        memory.set(self.inner.version, route.version);
    }

    /// One call along each of `routes()` in turn until the agent answers: a success, or a JSON-RPC error
    /// other than a refusal (the method exists there), settles the route; a refusal (`is_refusal`) moves
    /// on; anything else (the agent did not answer) ends the call and settles nothing. When every route is
    /// refused, the error names each (or is the first, when that was an HTTP error: the agent may just be
    /// failing).
    async fn on_routes<T, F, Fut>(&self, attempt: F) -> Result<T, A2aError>
    where
        F: Fn(Route) -> Fut,
        Fut: std::future::Future<Output = Result<T, A2aError>>,
    {
        let routes = self.routes();
        let mut refused: Vec<(Route, A2aError)> = Vec::new();
        for (i, route) in routes.iter().copied().enumerate() {
            match attempt(route).await {
                Ok(answer) => {
                    self.learn(route, i);
                    return Ok(answer);
                }
                Err(e) if is_refusal(&e) => refused.push((route, e)),
                Err(e @ A2aError::JsonRpc { .. }) => {
                    self.learn(route, i);
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(self.refused_everywhere(refused))
    }

    /// The error when every route was refused: with one route, the error with the settings that fix it;
    /// with several, each route and its answer (unless the first answer was an HTTP error, returned as is).
    fn refused_everywhere(&self, mut refused: Vec<(Route, A2aError)>) -> A2aError {
        if refused.len() <= 1 {
            let Some((route, e)) = refused.pop() else {
                return A2aError::InvalidResponse("no route to the agent".into());
            };
            if !is_version_error(&e) {
                return e;
            }
            return A2aError::NoVersion {
                detail: format!(
                    "{e} (the bridge speaks {} to it; check `protocol` and `endpoint` for this agent)",
                    route.describe()
                ),
            };
        }
        if !is_version_error(&refused[0].1) {
            return refused.swap_remove(0).1;
        }
        let tried: Vec<String> = refused
            .iter()
            .map(|(route, e)| format!("{}: {e}", route.describe()))
            .collect();
        A2aError::NoVersion {
            detail: format!(
                "the agent answers in none of the protocols the bridge speaks ({}). If the card points at \
                 the wrong place or version, set `endpoint` and `protocol` for this agent",
                tried.join("; ")
            ),
        }
    }

    /// One call in the version the agent speaks, trying the others first when it is not known yet
    /// (`with_version_fallback`, `on_routes`).
    async fn call_any(
        &self,
        method: Method,
        params: impl Fn(ProtocolVersion) -> Value,
    ) -> Result<Value, A2aError> {
        self.on_routes(|route| self.call_on(route, method, params(route.version)))
            .await
    }

    fn send_params(&self, version: ProtocolVersion, message: &Message, blocking: bool) -> Value {
        wire::send_params(
            version,
            message,
            blocking,
            &self.inner.accepted_output_modes,
            self.tenant(),
        )
    }

    /// The URL a JSON-RPC call along `route` goes to: the endpoint, or for the draft at per-method paths the
    /// method's own path under it (`wire::draft::per_method_path`). `None`: the endpoint is not a URL.
    fn route_url(&self, route: Route, method: Method) -> Option<reqwest::Url> {
        let endpoint = self.inner.endpoint_url.clone()?;
        if !route.per_method {
            return Some(endpoint);
        }
        let mut base = endpoint;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.join(wire::draft::per_method_path(method.name(route.version)))
            .ok()
    }

    /// POSTs one JSON-RPC request along `route`. With OAuth2, a 401 drops the cached token and the request is
    /// sent once more with a fresh one. `whole`: `timeout` bounds the whole exchange, else only the response
    /// head (a stream's body is bounded per event).
    async fn post_on(
        &self,
        route: Route,
        method: Method,
        params: Value,
        accept: &'static str,
        timeout: Duration,
        whole: bool,
    ) -> Result<reqwest::Response, A2aError> {
        let version = route.version;
        let url = self.route_url(route, method);
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let watch = self.watch(version, method, &params);
        let body = rpc::request_body(id, method.name(version), &params);
        self.post_body(version, url, body, watch, accept, timeout, whole)
            .await
    }

    /// POSTs the JSON-RPC request `body` (its bytes from `rpc::request_body`, or why it could not be encoded) to
    /// `url` (`None`: the endpoint as configured), as `post_on` does, with `watch`'s trace context and duration
    /// when telemetry is on.
    #[expect(
        clippy::too_many_arguments,
        reason = "one private call path, each argument a different concern"
    )]
    async fn post_body(
        &self,
        version: ProtocolVersion,
        url: Option<reqwest::Url>,
        body: Result<Vec<u8>, serde_json::Error>,
        watch: Option<crate::telemetry::A2aRequest>,
        accept: &'static str,
        timeout: Duration,
        whole: bool,
    ) -> Result<reqwest::Response, A2aError> {
        let body =
            bytes::Bytes::from(body.map_err(|e| {
                A2aError::InvalidResponse(format!("cannot encode the request: {e}"))
            })?);
        let endpoint = &self.inner.endpoint;
        let resp = self
            .send_authorized(
                version,
                watch.as_ref(),
                timeout,
                whole,
                || match &url {
                    Some(url) => self.inner.http.post(url.clone()),
                    None => self.inner.http.post(endpoint),
                },
                |req| {
                    req.header(header::CONTENT_TYPE, "application/json")
                        .header(header::ACCEPT, accept)
                        .body(body.clone())
                },
            )
            .await?;
        let status = resp.status().as_u16();
        let checked = self.check_status(resp).await;
        if let Some(watch) = watch {
            watch.finish(Some(status), None);
        }
        checked
    }

    /// Sends one request to the agent: `start` (method and URL), the configured headers, `fill` (the caller's
    /// headers and body, which win over configured ones as before), `watch`'s trace context, the `A2A-Version`
    /// header for v1.0 (v0.3 calls carry none: a v1 SDK with its compat layer rejects 0.3 methods sent with
    /// `1.0`) and the OAuth2 token. With OAuth2, a 401 drops the cached token and the request is made and sent
    /// once more. `whole`: `timeout` bounds the whole exchange, else only the response head. The status is the
    /// caller's to check.
    pub(super) async fn send_authorized(
        &self,
        version: ProtocolVersion,
        watch: Option<&crate::telemetry::A2aRequest>,
        timeout: Duration,
        whole: bool,
        start: impl Fn() -> reqwest::RequestBuilder,
        fill: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, A2aError> {
        let endpoint = &self.inner.endpoint;
        for attempt in 0..2 {
            let mut req = fill(start().headers(self.inner.headers.clone()));
            if let Some(watch) = watch {
                req = req.headers(watch.trace_headers());
            }
            if version == ProtocolVersion::V1_0 {
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
            return Ok(resp);
        }
        unreachable!("the second attempt always returns")
    }

    /// Telemetry of one request: its client span (whose context goes out as `traceparent`) and its duration.
    /// `None`, at the cost of two atomic loads, when telemetry is off.
    fn watch(
        &self,
        version: ProtocolVersion,
        method: Method,
        params: &Value,
    ) -> Option<crate::telemetry::A2aRequest> {
        if !crate::telemetry::traces_on() && crate::telemetry::metrics().is_none() {
            return None;
        }
        let url = self.inner.endpoint_url.as_ref();
        let task_id = params
            .get("id")
            .or_else(|| params.get("message").and_then(|m| m.get("taskId")))
            .and_then(Value::as_str);
        let redacted = super::error::redact_url(&self.inner.endpoint);
        crate::telemetry::a2a_request(crate::telemetry::A2aRequestInfo {
            agent: self.inner.agent_name.as_deref().unwrap_or_default(),
            method: method.name(version),
            protocol_version: version.as_str(),
            url: &redacted,
            host: url.and_then(|u| u.host_str()),
            port: url.and_then(|u| u.port_or_known_default()),
            task_id,
        })
    }

    async fn call(
        &self,
        version: ProtocolVersion,
        method: Method,
        params: Value,
    ) -> Result<Value, A2aError> {
        let route = Route {
            version,
            per_method: version == ProtocolVersion::Draft && self.draft_per_method(),
        };
        self.call_on(route, method, params).await
    }

    /// `call` along `route`, over the client's binding.
    async fn call_on(
        &self,
        route: Route,
        method: Method,
        params: Value,
    ) -> Result<Value, A2aError> {
        if self.inner.binding == Binding::HttpJson {
            return self.rest_call(route.version, method, params).await;
        }
        let timeout = self.inner.request_timeout;
        let resp = self
            .post_on(route, method, params, "application/json", timeout, true)
            .await
            .map_err(|e| rpc_error_in_http_error(route, e))?;
        let body = self.read_answer(resp, timeout).await?;
        rpc::decode_response(&body)
    }

    /// An answer's body, read up to `max_response_bytes` within `timeout`.
    async fn read_answer(
        &self,
        resp: reqwest::Response,
        timeout: Duration,
    ) -> Result<Vec<u8>, A2aError> {
        let limit = self.inner.guards.max_response_bytes;
        let body = read_capped(resp, limit, timeout)
            .await
            .map_err(|e| A2aError::from_reqwest(e, &self.inner.endpoint, timeout))?;
        if body.timed_out {
            return Err(A2aError::Timeout(timeout));
        }
        if body.cut {
            return Err(A2aError::TooLarge {
                what: "answer",
                limit,
                key: "max_response_bytes",
            });
        }
        Ok(body.bytes)
    }

    async fn open_stream(
        &self,
        version: ProtocolVersion,
        method: Method,
        params: Value,
    ) -> Result<EventStream, A2aError> {
        let route = Route {
            version,
            per_method: version == ProtocolVersion::Draft && self.draft_per_method(),
        };
        self.open_stream_on(route, method, params).await
    }

    /// `open_stream` along `route`, over the client's binding.
    async fn open_stream_on(
        &self,
        route: Route,
        method: Method,
        params: Value,
    ) -> Result<EventStream, A2aError> {
        if self.inner.binding == Binding::HttpJson {
            return self.rest_stream(route.version, method, params).await;
        }
        let idle = self.inner.stream_idle_timeout;
        let resp = self
            .post_on(
                route,
                method,
                params,
                "text/event-stream",
                self.inner.request_timeout,
                false,
            )
            .await
            .map_err(|e| rpc_error_in_http_error(route, e))?;
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("text/event-stream") {
            let events = self.decode_events(resp.bytes_stream());
            return Ok(with_idle_timeout(events, idle));
        }
        // Servers answer errors before the stream starts as plain JSON (a2a-sdk 1.x does, for v1).
        let body = self.read_answer(resp, idle).await?;
        let result = rpc::decode_response(&body)?;
        let event = wire::decode_stream_result(&result)?;
        Ok(Box::pin(futures::stream::once(async move { Ok(event) })))
    }

    async fn check_status(&self, resp: reqwest::Response) -> Result<reqwest::Response, A2aError> {
        if resp.status().is_success() {
            return Ok(resp);
        }
        let url = resp.url().to_string();
        let error = status_error(
            resp,
            &url,
            self.inner.request_timeout.min(ERROR_BODY_TIMEOUT),
        )
        .await;
        Err(self.explain_auth(error))
    }
}

/// Draft servers (python-a2a) send JSON-RPC errors with HTTP 404 or 500: along a draft route, an HTTP
/// error whose body is a JSON-RPC error is that error.
fn rpc_error_in_http_error(route: Route, e: A2aError) -> A2aError {
    match &e {
        A2aError::Http { body, .. } if route.version == ProtocolVersion::Draft => {
            match rpc::decode_response(body.as_bytes()) {
                Err(rpc @ A2aError::JsonRpc { .. }) => rpc,
                _ => e,
            }
        }
        _ => e,
    }
}

/// Longest wait for the body of an HTTP error: it only decorates the error.
const ERROR_BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// A body read by `read_capped`.
pub(crate) struct CappedBody {
    pub bytes: Vec<u8>,
    /// The body went on past the cap; `bytes` holds the first `cap` bytes.
    pub cut: bool,
    /// The time ran out; `bytes` holds what came before.
    pub timed_out: bool,
}

/// Reads at most `cap` bytes of `resp`'s body within `timeout`, never more: a body that goes on past the cap
/// is dropped unread (`cut`), one that is too slow is left (`timed_out`), with what came so far.
pub(crate) async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
    timeout: Duration,
) -> Result<CappedBody, reqwest::Error> {
    let deadline = tokio::time::Instant::now() + timeout;
    let mut body = CappedBody {
        bytes: Vec::new(),
        cut: false,
        timed_out: false,
    };
    loop {
        match tokio::time::timeout_at(deadline, resp.chunk()).await {
            Err(_) => {
                body.timed_out = true;
                return Ok(body);
            }
            Ok(Err(e)) => return Err(e),
            Ok(Ok(None)) => return Ok(body),
            Ok(Ok(Some(chunk))) => {
                let room = cap - body.bytes.len();
                if chunk.len() > room {
                    body.bytes.extend_from_slice(&chunk[..room]);
                    body.cut = true;
                    return Ok(body);
                }
                body.bytes.extend_from_slice(&chunk);
            }
        }
    }
}

/// The error for a response that is not a success, from `url` (the URL that answered, after any redirects
/// followed): 429 with its `Retry-After`, a redirect that was not followed with its `Location`, else the
/// status with the start of the body (at most `MAX_ERROR_READ_BYTES` read, within `timeout`).
pub(crate) async fn status_error(
    resp: reqwest::Response,
    url: &str,
    timeout: Duration,
) -> A2aError {
    let status = resp.status();
    let url = super::error::redact_url(url);
    if status.is_redirection() {
        let location = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|l| {
                resp.url()
                    .join(l)
                    .map(|u| super::error::redact_url(u.as_str()))
                    .unwrap_or_else(|_| wire::truncate_str(l, MAX_ERROR_BODY_BYTES))
            })
            .unwrap_or_else(|| "(no Location)".into());
        return A2aError::Redirected {
            status: status.as_u16(),
            url,
            location,
        };
    }
    let retry_after = resp
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| retry_after_secs(v, std::time::SystemTime::now()));
    let body = match read_capped(resp, MAX_ERROR_READ_BYTES, timeout).await {
        Ok(body) => String::from_utf8_lossy(&body.bytes).into_owned(),
        Err(_) => String::new(),
    };
    let body = wire::truncate_str(body.trim(), MAX_ERROR_BODY_BYTES);
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return A2aError::RateLimited {
            url,
            retry_after,
            body,
        };
    }
    A2aError::Http {
        status: status.as_u16(),
        url,
        body,
    }
}

/// Longest `Retry-After` believed: a day.
const MAX_RETRY_AFTER_SECS: u64 = 24 * 3600;

/// `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP date) as seconds from `now`, at most a day;
/// `None` when it is neither.
pub fn retry_after_secs(value: &str, now: std::time::SystemTime) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs.min(MAX_RETRY_AFTER_SECS));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let now = now.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let at = u64::try_from(date.timestamp()).ok()?;
    Some(at.saturating_sub(now).min(MAX_RETRY_AFTER_SECS))
}

impl A2aClient {
    /// The events of an SSE body (A2A v0.3 §7.2, A2A v1.0 §3.3), each at most `max_response_bytes` (and the
    /// decoder's own `sse::MAX_EVENT_BYTES`). An event past the cap ends the stream with `A2aError::TooLarge`
    /// naming the setting, so the tool error tells the user what to raise.
    fn decode_events<S, B, E>(
        &self,
        bytes: S,
    ) -> impl Stream<Item = Result<StreamEvent, A2aError>> + use<S, B, E>
    where
        S: Stream<Item = Result<B, E>>,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let max_response_bytes = self.inner.guards.max_response_bytes;
        let max_event = sse::MAX_EVENT_BYTES.min(max_response_bytes);
        sse::decode_events_limited(bytes, max_event)
            .map(move |event| event.map_err(|e| event_cap_named(e, max_event, max_response_bytes)))
    }
}

/// `error` as `A2aError::TooLarge` naming `max_response_bytes` when it is the decoder's "an event is larger
/// than `max_event` bytes" (the decoder knows no config keys); other errors unchanged.
fn event_cap_named(error: A2aError, max_event: usize, max_response_bytes: usize) -> A2aError {
    match error {
        A2aError::InvalidResponse(m)
            if m.contains(&format!("an event is larger than {max_event} bytes")) =>
        {
            A2aError::TooLarge {
                what: "stream event",
                limit: max_event,
                key: if max_event == max_response_bytes {
                    "max_response_bytes"
                } else {
                    "the bridge's fixed limit on one event"
                },
            }
        }
        other => other,
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
    let mut failures: Vec<A2aError> = Vec::new();
    for candidate in &candidates {
        match fetch_card_at(http, candidate, headers, timeout).await {
            Ok(card) => return Ok((card, candidate.clone())),
            // An auth failure is the answer: the other path would only fail the same way.
            Err(
                e @ A2aError::Http {
                    status: 401 | 403, ..
                },
            ) => return Err(e),
            // Anything else (404, a catch-all's 200 HTML or 500, a timeout) moves on to the legacy path.
            Err(e) => failures.push(e),
        }
    }
    Err(match failures.len() {
        0 => A2aError::InvalidResponse("no card URL to try".into()),
        1 => failures.remove(0),
        _ => A2aError::NoCard {
            attempts: failures
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; then "),
        },
    })
}

/// A card's body, at most `MAX_CARD_BYTES`, within `timeout`.
async fn read_card_body(
    resp: reqwest::Response,
    url: &str,
    timeout: Duration,
) -> Result<Vec<u8>, A2aError> {
    let body = read_capped(resp, MAX_CARD_BYTES, timeout)
        .await
        .map_err(|e| A2aError::from_reqwest(e, url, timeout))?;
    if body.timed_out {
        return Err(A2aError::Timeout(timeout));
    }
    if body.cut {
        return Err(A2aError::TooLarge {
            what: "agent card",
            limit: MAX_CARD_BYTES,
            key: "a fixed limit: cards are a few kilobytes",
        });
    }
    Ok(body.bytes)
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
        return Err(match status_error(resp, url, timeout).await {
            A2aError::Http { status, url, .. } => A2aError::Http {
                status,
                url,
                body: String::new(),
            },
            other => other,
        });
    }
    let body = read_card_body(resp, url, timeout).await?;
    let raw: Value = serde_json::from_slice(&body)
        .map_err(|e| A2aError::InvalidResponse(format!("agent card is not JSON: {e}")))?;
    wire::decode_card(raw)
}

#[cfg(test)]
mod version_memory_tests {
    use super::*;

    #[test]
    fn routes_try_the_cards_version_then_the_other_then_the_draft() {
        let versions = |card, binding| {
            fallback_routes(card, binding)
                .into_iter()
                .map(Route::describe)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            versions(ProtocolVersion::V0_3, Binding::JsonRpc),
            [
                "A2A 0.3",
                "A2A 1.0",
                "the pre-0.2 draft",
                "the pre-0.2 draft at per-method paths (…/tasks/send)"
            ]
        );
        assert_eq!(
            versions(ProtocolVersion::Draft, Binding::JsonRpc)[..2],
            [
                "the pre-0.2 draft",
                "the pre-0.2 draft at per-method paths (…/tasks/send)"
            ]
        );
        assert_eq!(
            versions(ProtocolVersion::V1_0, Binding::HttpJson),
            ["A2A 1.0", "A2A 0.3"]
        );
    }

    #[test]
    fn refusals_are_version_errors_missing_paths_and_non_json_rpc_500s() {
        let http = |status, body: &str| A2aError::Http {
            status,
            url: "u".into(),
            body: body.into(),
        };
        assert!(is_refusal(&A2aError::JsonRpc {
            code: -32601,
            message: "m".into()
        }));
        assert!(is_refusal(&http(404, "")));
        assert!(is_refusal(&http(500, r#"{"role":"agent","parts":[]}"#)));
        assert!(!is_refusal(&http(500, "upstream trouble")));
        assert!(!is_refusal(&http(
            500,
            r#"{"jsonrpc":"2.0","error":{"code":-32603}}"#
        )));
        assert!(!is_refusal(&http(502, "")));
    }

    #[test]
    fn a_learned_version_holds_only_for_the_card_version_it_was_learned_with() {
        let memory = VersionMemory::default();
        assert_eq!(memory.get(ProtocolVersion::V1_0), None);
        memory.set(ProtocolVersion::V1_0, ProtocolVersion::V0_3);
        assert_eq!(
            memory.get(ProtocolVersion::V1_0),
            Some(ProtocolVersion::V0_3)
        );
        // The card now names 0.3 (the agent changed): what was learned for the 1.0 card no longer applies.
        assert_eq!(memory.get(ProtocolVersion::V0_3), None);
    }
}

#[cfg(test)]
mod event_cap_tests {
    use super::*;

    /// An event past the cap becomes `TooLarge` naming `max_response_bytes`; everything else is left as it was.
    #[tokio::test]
    async fn an_oversize_event_names_max_response_bytes() {
        // No blank line yet: the event is still open when the cap is passed.
        let big = format!("data: {}", "x".repeat(300));
        let chunks = vec![Ok::<_, std::convert::Infallible>(big.into_bytes())];
        let mut events = Box::pin(
            sse::decode_events_limited(futures::stream::iter(chunks), 100)
                .map(|e| e.map_err(|e| event_cap_named(e, 100, 100))),
        );
        let error = events.next().await.unwrap().unwrap_err();
        assert_eq!(
            error.to_string(),
            "the agent's stream event is larger than 100 bytes (max_response_bytes); nothing past the cap was read"
        );
        let error = event_cap_named(
            A2aError::InvalidResponse("an event is larger than 7 bytes".into()),
            100,
            100,
        );
        assert!(matches!(error, A2aError::InvalidResponse(_)), "{error}");
        let error = event_cap_named(
            A2aError::InvalidResponse(
                "broken event stream: an event is larger than 100 bytes".into(),
            ),
            100,
            200,
        );
        assert!(
            error.to_string().contains("the bridge's fixed limit"),
            "{error}"
        );
    }
}
