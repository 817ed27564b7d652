//! The HTTP+JSON ("REST") binding's IO for `A2aClient` (A2A v1.0 §11, A2A v0.3 §3.2.3): each operation at a
//! URL of its own under the interface URL, the bodies and paths from `wire::rest`, answers read by the same
//! decoders as JSON-RPC results, SSE events as bare `StreamResponse` objects.

use std::time::Duration;

use http::header;
use serde_json::Value;

use super::{
    A2aClient, ERROR_BODY_TIMEOUT, EventStream, MAX_ERROR_BODY_BYTES, MAX_ERROR_READ_BYTES,
    read_capped, status_error, with_idle_timeout,
};
use crate::a2a::error::{A2aError, redact_url};
use crate::a2a::types::{ProtocolVersion, StreamEvent};
use crate::a2a::wire::{self, Method, rest::RestRequest};

/// The media type HTTP+JSON requests carry (A2A v1.0 §11.1 prefers `application/a2a+json`; every SDK
/// server also reads `application/json`, which older ones require).
const CONTENT_TYPE: &str = "application/json";

impl A2aClient {
    /// One unary HTTP+JSON call of `method`, from the JSON-RPC `params` built for it; the answer's JSON.
    pub(super) async fn rest_call(
        &self,
        version: ProtocolVersion,
        method: Method,
        params: Value,
    ) -> Result<Value, A2aError> {
        let request = wire::rest::request(version, method, &params, self.tenant())?;
        let timeout = self.inner.request_timeout;
        let watch = self.watch(version, method, &params);
        let resp = self
            .rest_send(
                version,
                &request,
                &request.method,
                watch,
                "application/json",
                timeout,
                true,
            )
            .await?;
        let body = self.read_answer(resp, timeout).await?;
        serde_json::from_slice(&body).map_err(|e| {
            A2aError::InvalidResponse(format!(
                "not JSON ({e}): {}",
                wire::truncate_str(&String::from_utf8_lossy(&body), 200)
            ))
        })
    }

    /// An HTTP+JSON event stream (`message:stream`, `tasks/{id}:subscribe`). A v0.3 server that allows only
    /// `GET` for subscribe (a2a-sdk 0.3) answers `POST` with 405: it is asked again with `GET`.
    pub(super) async fn rest_stream(
        &self,
        version: ProtocolVersion,
        method: Method,
        params: Value,
    ) -> Result<EventStream, A2aError> {
        let request = wire::rest::request(version, method, &params, self.tenant())?;
        let timeout = self.inner.request_timeout;
        let accept = "text/event-stream";
        let watch = self.watch(version, method, &params);
        let resp = match self
            .rest_send(
                version,
                &request,
                &request.method,
                watch,
                accept,
                timeout,
                false,
            )
            .await
        {
            Err(A2aError::Http { status: 405, .. }) if method == Method::SubscribeToTask => {
                self.rest_send(
                    version,
                    &request,
                    &http::Method::GET,
                    self.watch(version, method, &params),
                    accept,
                    timeout,
                    false,
                )
                .await?
            }
            other => other?,
        };
        let v03 = version == ProtocolVersion::V0_3;
        let fix = move |event: Result<StreamEvent, A2aError>| {
            event.map(|mut e| {
                if v03 {
                    wire::rest::unwrap_v03_event(&mut e);
                }
                e
            })
        };
        let idle = self.inner.stream_idle_timeout;
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("text/event-stream") {
            use futures::StreamExt;
            // Each event's data is a bare StreamResponse; `wire::rpc::decode_event` reads those too.
            let events = self.decode_events(resp.bytes_stream()).map(fix);
            return Ok(with_idle_timeout(events, idle));
        }
        // One JSON answer instead of a stream: a single StreamResponse.
        let body = self.read_answer(resp, idle).await?;
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| A2aError::InvalidResponse(format!("stream answer is not JSON ({e})")))?;
        let event = fix(wire::decode_stream_result(&value));
        Ok(Box::pin(futures::stream::once(async move { event })))
    }

    /// Sends one HTTP+JSON request with `http_method` (through `send_authorized`: headers, trace context,
    /// OAuth2 and its retry on 401). An error answer becomes the A2A error it names (`wire::rest::decode_error`),
    /// else an HTTP error. `watch`: the request's telemetry (trace headers, duration), when on. `whole`:
    /// `timeout` bounds the whole exchange, else only the response head.
    #[expect(
        clippy::too_many_arguments,
        reason = "one private call path, each argument a different concern"
    )]
    pub(super) async fn rest_send(
        &self,
        version: ProtocolVersion,
        request: &RestRequest,
        http_method: &http::Method,
        watch: Option<crate::telemetry::A2aRequest>,
        accept: &'static str,
        timeout: Duration,
        whole: bool,
    ) -> Result<reqwest::Response, A2aError> {
        let endpoint = &self.inner.endpoint;
        let mut url = self.inner.endpoint_url.clone().ok_or_else(|| {
            A2aError::InvalidResponse(format!("bad agent URL {:?}", redact_url(endpoint)))
        })?;
        url.path_segments_mut()
            .map_err(|()| {
                A2aError::InvalidResponse(format!(
                    "agent URL {:?} cannot have a path",
                    redact_url(endpoint)
                ))
            })?
            .pop_if_empty()
            .extend(&request.segments);
        let body = match &request.body {
            Some(body) => Some(bytes::Bytes::from(serde_json::to_vec(body).map_err(
                |e| A2aError::InvalidResponse(format!("cannot encode the request: {e}")),
            )?)),
            None => None,
        };
        let resp = self
            .send_authorized(
                version,
                watch.as_ref(),
                timeout,
                whole,
                || self.inner.http.request(http_method.clone(), url.clone()),
                |req| {
                    let req = req.header(header::ACCEPT, accept);
                    match &body {
                        Some(body) if *http_method != http::Method::GET => req
                            .header(header::CONTENT_TYPE, CONTENT_TYPE)
                            .body(body.clone()),
                        _ => req,
                    }
                },
            )
            .await?;
        let status = resp.status().as_u16();
        let checked = self.rest_status(resp).await;
        if let Some(watch) = watch {
            watch.finish(Some(status), None);
        }
        checked
    }

    /// A success as is; an error answer as the A2A error its body names, else as an HTTP error (429 and
    /// redirects as `status_error` reports them).
    async fn rest_status(&self, resp: reqwest::Response) -> Result<reqwest::Response, A2aError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let url = resp.url().to_string();
        let timeout = self.inner.request_timeout.min(ERROR_BODY_TIMEOUT);
        if status.is_redirection() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Err(status_error(resp, &url, timeout).await);
        }
        let body = match read_capped(resp, MAX_ERROR_READ_BYTES, timeout).await {
            Ok(body) => body.bytes,
            Err(_) => Vec::new(),
        };
        // 401 and 403 stay HTTP errors whatever the body says, explained with what the card asks for (as over
        // JSON-RPC): they are about credentials, not a dialect.
        let auth = matches!(status.as_u16(), 401 | 403);
        if !auth && let Some(e) = wire::rest::decode_error(status.as_u16(), &body) {
            return Err(e);
        }
        let text = String::from_utf8_lossy(&body);
        let error = A2aError::Http {
            status: status.as_u16(),
            url: redact_url(&url),
            body: wire::truncate_str(text.trim(), MAX_ERROR_BODY_BYTES),
        };
        Err(if auth {
            self.explain_auth(error)
        } else {
            error
        })
    }
}
