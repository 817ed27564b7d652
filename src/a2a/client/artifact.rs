//! `A2aClient::read_artifact`: one artifact of a task read out of a streamed `tasks/get` / `GetTask` answer
//! (A2A v0.3 §7.3, A2A v1.0 §3.1.3; over JSON-RPC in every version the client speaks, the pre-0.2 draft
//! included, and over the HTTP+JSON binding), keeping only a page of its text or one of its parts
//! (`artifact_scan`).
//!
//! The body is not held: it is parsed as it arrives, on a blocking thread fed through `SyncIoBridge`, so the
//! memory a read takes is the page (or the part) plus small metadata, whatever the artifact's size. Instead of
//! `max_response_bytes`, the read is bounded by `ArtifactLimits`: the bytes of the body (`max_artifact_bytes`)
//! and the time to read it (`artifact_timeout_secs`). A read whose caller gave up stops at once, even while
//! waiting for the agent's next chunk (the blocking thread does not outlive the call).

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{A2aClient, Route, rpc_error_in_http_error};
use crate::a2a::artifact_scan::{self, BodyError, Envelope, Found, Query, ScanError};
use crate::a2a::error::A2aError;
use crate::a2a::types::Binding;
use crate::a2a::wire::{self, Method};

/// What bounds one artifact read.
#[derive(Debug, Clone, Copy)]
pub struct ArtifactLimits {
    /// Most bytes of the `tasks/get` answer read (`max_artifact_bytes`).
    pub max_bytes: usize,
    /// Longest time to read it, response head included (`artifact_timeout_secs`).
    pub timeout: Duration,
}

/// Why an artifact read returned nothing.
#[derive(Debug)]
pub enum ArtifactError {
    /// The agent failed, refused, or answered with something that is not a task (or is too big or slow).
    Agent(A2aError),
    /// The task has no such artifact (or, no id asked for, not exactly one): its ids, at most
    /// `artifact_scan::MAX_LISTED_IDS`, and how many more.
    NoArtifact { ids: Vec<String>, more: usize },
}

impl A2aClient {
    /// Reads what `query` asks of one artifact of task `task_id`, within `limits` (see the module doc).
    pub async fn read_artifact(
        &self,
        task_id: &str,
        query: &Query,
        limits: ArtifactLimits,
    ) -> Result<Found, ArtifactError> {
        let outcome = self
            .on_routes(|route| self.read_artifact_on(route, task_id, query, limits))
            .await;
        match self.scrubbed(outcome) {
            Ok(Ok(found)) => Ok(found),
            Ok(Err((ids, more))) => Err(ArtifactError::NoArtifact { ids, more }),
            Err(e) => Err(ArtifactError::Agent(e)),
        }
    }

    /// One attempt along `route`; a missing artifact is an answer (`Ok(Err(ids, more))`), not a refusal.
    async fn read_artifact_on(
        &self,
        route: Route,
        task_id: &str,
        query: &Query,
        limits: ArtifactLimits,
    ) -> Result<Result<Found, (Vec<String>, usize)>, A2aError> {
        let started = tokio::time::Instant::now();
        let version = route.version;
        let params = wire::task_id_params(version, task_id, self.tenant());
        let head_timeout = self.inner.request_timeout.min(limits.timeout);
        let (resp, envelope) = if self.inner.binding == Binding::HttpJson {
            let request = wire::rest::request(version, Method::GetTask, &params, self.tenant())?;
            let watch = self.watch(version, Method::GetTask, &params);
            let resp = self
                .rest_send(
                    version,
                    &request,
                    &request.method,
                    watch,
                    "application/json",
                    head_timeout,
                    false,
                )
                .await?;
            (resp, Envelope::Bare)
        } else {
            let resp = self
                .post_on(
                    route,
                    Method::GetTask,
                    params,
                    "application/json",
                    head_timeout,
                    false,
                )
                .await
                .map_err(|e| rpc_error_in_http_error(route, e))?;
            (resp, Envelope::JsonRpc)
        };
        let mut query = query.clone();
        query.unwrap_v03_data = self.is_v03_rest(version);
        let failure: Arc<Mutex<Option<A2aError>>> = Arc::default();
        let abandoned = CancellationToken::new();
        let _stop_when_dropped = abandoned.clone().drop_guard();
        let deadline = started + limits.timeout;
        let body = body_reader(resp, deadline, limits, failure.clone(), abandoned);
        let scanned =
            tokio::task::spawn_blocking(move || artifact_scan::scan(body, envelope, &query))
                .await
                .map_err(|e| {
                    A2aError::InvalidResponse(format!("the artifact read stopped: {e}"))
                })?;
        match scanned {
            Ok(found) => Ok(Ok(found)),
            Err(ScanError::NoArtifact { ids, more }) => Ok(Err((ids, more))),
            Err(ScanError::Agent(e)) => Err(e),
            Err(ScanError::Io(e)) => Err(failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
                .unwrap_or_else(|| A2aError::InvalidResponse(format!("reading the task: {e}")))),
        }
    }
}

/// The body of `resp` as a blocking `Read` (for `spawn_blocking`): at most `limits.max_bytes`, until
/// `deadline`, while the caller waits: once `abandoned` is cancelled (the caller's future was dropped), a
/// read waiting for the next chunk returns at once with an error, so the blocking thread and the connection
/// are not held until the deadline. The cause of an error it returns is left in `failure` as the `A2aError`
/// to report.
fn body_reader(
    resp: reqwest::Response,
    deadline: tokio::time::Instant,
    limits: ArtifactLimits,
    failure: Arc<Mutex<Option<A2aError>>>,
    abandoned: CancellationToken,
) -> impl Read + Send + 'static {
    let url = crate::a2a::error::redact_url(resp.url().as_str());
    let timeout = limits.timeout;
    let set = {
        let failure = failure.clone();
        move |e: A2aError| {
            let text = e.to_string();
            *failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
            std::io::Error::other(BodyError(text))
        }
    };
    let stop = abandoned.clone();
    let chunks = futures::stream::unfold(Some(resp), move |state| {
        let set = set.clone();
        let url = url.clone();
        let stop = stop.clone();
        async move {
            let mut resp = state?;
            let next = tokio::select! {
                _ = stop.cancelled() => {
                    return Some((Err(set(A2aError::InvalidResponse("the read was abandoned".into()))), None));
                }
                next = tokio::time::timeout_at(deadline, resp.chunk()) => next,
            };
            match next {
                Err(_) => Some((Err(set(A2aError::Timeout(timeout))), None)),
                Ok(Err(e)) => Some((Err(set(A2aError::from_reqwest(e, &url, timeout))), None)),
                Ok(Ok(None)) => None,
                Ok(Ok(Some(chunk))) => Some((Ok(chunk), Some(resp))),
            }
        }
    });
    let reader =
        tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(Box::pin(chunks)));
    CappedRead {
        inner: reader,
        left: limits.max_bytes,
        limit: limits.max_bytes,
        failure,
        abandoned,
    }
}

/// A `Read` that fails past `left` bytes, or once its reader was abandoned.
struct CappedRead<R> {
    inner: R,
    left: usize,
    limit: usize,
    failure: Arc<Mutex<Option<A2aError>>>,
    abandoned: CancellationToken,
}

impl<R: Read> Read for CappedRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let fail = |failure: &Mutex<Option<A2aError>>, e: A2aError| {
            let text = e.to_string();
            *failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
            std::io::Error::other(BodyError(text))
        };
        if self.abandoned.is_cancelled() {
            return Err(fail(
                &self.failure,
                A2aError::InvalidResponse("the read was abandoned".into()),
            ));
        }
        // One byte past the cap tells a body that ends exactly at it from one that goes on.
        let want = buf.len().min(self.left.saturating_add(1));
        let n = self.inner.read(&mut buf[..want])?;
        if n > self.left {
            return Err(fail(
                &self.failure,
                A2aError::TooLarge {
                    what: "answer to tasks/get (read for an artifact)",
                    limit: self.limit,
                    key: "max_artifact_bytes",
                },
            ));
        }
        self.left -= n;
        Ok(n)
    }
}
