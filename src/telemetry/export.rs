//! The HTTP transport under the OTLP exporters: the project's own `reqwest` (0.12, rustls) instead of the
//! blocking client `opentelemetry-otlp` would bring (another `reqwest`).
//!
//! The SDK exports from its own threads (the batch span processor's, the periodic metric reader's) with a plain
//! executor, where an async `reqwest` cannot run. So the exporter gets a runtime of its own: one worker thread
//! that lives as long as the exporters, independent of the bridge's runtime (spans still flush at exit, after
//! that runtime has stopped).

use std::time::Duration;

use bytes::Bytes;
use opentelemetry_http::{HttpClient, HttpError, Request, Response};

/// Longest one export may take when `OTEL_EXPORTER_OTLP_TIMEOUT` does not say (the OTLP default, 10 s).
const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most of a collector's answer read: it is only checked for its status.
const MAX_ANSWER_BYTES: usize = 64 << 10;

/// An `HttpClient` for `opentelemetry-otlp`: `reqwest` on a dedicated one-thread runtime.
#[derive(Debug, Clone)]
pub(super) struct ExportClient {
    http: reqwest::Client,
    runtime: std::sync::Arc<ExportRuntime>,
    timeout: Duration,
}

/// The export runtime, stopped without waiting when the last exporter lets go of it (dropping a runtime the
/// ordinary way panics inside another runtime).
#[derive(Debug)]
struct ExportRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ExportRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl ExportClient {
    /// The client and its runtime. The error says what failed (no thread, no TLS roots).
    pub(super) fn new() -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otlp-export")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the OTLP export thread: {e}"))?;
        let timeout = std::env::var("OTEL_EXPORTER_OTLP_TIMEOUT")
            .ok()
            .and_then(|ms| ms.trim().parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_EXPORT_TIMEOUT);
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the OTLP HTTP client: {e}"))?;
        Ok(ExportClient {
            http,
            runtime: std::sync::Arc::new(ExportRuntime(Some(runtime))),
            timeout,
        })
    }
}

#[async_trait::async_trait]
impl HttpClient for ExportClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let http = self.http.clone();
        let timeout = self.timeout;
        let Some(runtime) = &self.runtime.0 else {
            return Err(HttpError::from("the OTLP export thread has stopped"));
        };
        let task = runtime.spawn(async move {
            let (parts, body) = request.into_parts();
            let url = reqwest::Url::parse(&parts.uri.to_string())?;
            let mut response = http
                .request(parts.method, url)
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let headers = std::mem::take(response.headers_mut());
            let mut body = Vec::new();
            let read = tokio::time::timeout(timeout, async {
                while let Some(chunk) = response.chunk().await? {
                    let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
                    body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if room <= chunk.len() {
                        break;
                    }
                }
                Ok::<_, reqwest::Error>(())
            })
            .await;
            if let Ok(Err(e)) = read {
                return Err(HttpError::from(e));
            }
            let mut answer = Response::new(Bytes::from(body));
            *answer.status_mut() = status;
            *answer.headers_mut() = headers;
            Ok(answer)
        });
        task.await
            .map_err(|e| HttpError::from(format!("the OTLP export task failed: {e}")))?
    }
}
