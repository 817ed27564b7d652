//! What can go wrong talking to an agent. Messages name the cause, never a credential.

use std::time::Duration;

/// An error from one A2A exchange. The agent's name is added by the caller, which knows it.
#[derive(Debug, thiserror::Error)]
pub enum A2aError {
    /// The TCP/TLS connection or the request itself failed.
    #[error("cannot reach {url}: {cause}")]
    Unreachable { url: String, cause: String },
    /// No answer (or no next stream event) within the configured time.
    #[error("no response within {}s", .0.as_secs_f64())]
    Timeout(Duration),
    /// The agent answered with an HTTP error status.
    #[error("HTTP {status} from {url}{}", if .body.is_empty() { String::new() } else { format!(": {}", .body) })]
    Http {
        status: u16,
        url: String,
        body: String,
    },
    /// The agent answered with a JSON-RPC error object.
    #[error("JSON-RPC error {code}: {message}")]
    JsonRpc { code: i64, message: String },
    /// The agent's answer is not valid A2A.
    #[error("invalid response: {0}")]
    InvalidResponse(String),
    /// The card lists no interface the client can use; `wanted` names the protocol versions looked for.
    #[error(
        "the card offers no {binding} interface with {wanted} (set endpoint and protocol to override)"
    )]
    NoInterface {
        wanted: String,
        /// The binding(s) looked for: `JSON-RPC`, `HTTP+JSON` or both.
        binding: &'static str,
    },
    /// Nothing came back about a message (no task, no reply) within `waited`; `sent` names the request.
    #[error(
        "no task or reply within {}s of sending {sent}; the agent may still act on it",
        .waited.as_secs_f64()
    )]
    NoTask { waited: Duration, sent: String },
    /// The agent does not answer in the protocol version(s) tried; `detail` says which, and what to set.
    #[error("{detail}")]
    NoVersion { detail: String },
    /// Every well-known card path failed; `attempts` says how, each in turn.
    #[error("no agent card: {attempts}")]
    NoCard { attempts: String },
    /// The event stream closed before the task reached a final state.
    #[error("the event stream ended before the task finished")]
    StreamEnded,
    /// The agent answered 429; `retry_after` is its `Retry-After`, in seconds from when it answered.
    #[error("HTTP 429 from {url}: the agent is rate limiting{}{}",
        match .retry_after { Some(s) => format!("; retry after {s} s"), None => "; retry later".to_owned() },
        if .body.is_empty() { String::new() } else { format!(": {}", .body) })]
    RateLimited {
        url: String,
        retry_after: Option<u64>,
        body: String,
    },
    /// The agent answered with a redirect the bridge does not follow (to another origin, or too many).
    #[error(
        "HTTP {status} from {url}: redirect to {location} not followed (the bridge follows redirects only \
         within the same origin, so credentials never leave it); configure the final URL instead"
    )]
    Redirected {
        status: u16,
        url: String,
        location: String,
    },
    /// An answer was larger than the configured cap; `key` names the setting that raises it.
    #[error(
        "the agent's {what} is larger than {limit} bytes ({key}); nothing past the cap was read"
    )]
    TooLarge {
        what: &'static str,
        limit: usize,
        key: &'static str,
    },
    /// The card sends requests where the bridge will not go (another origin with credentials, a link-local or
    /// metadata address); the message names the config key that allows it.
    #[error("{0}")]
    EndpointRefused(String),
    /// The agent does not offer an operation (its version has none, or it answered `-32601`); the message
    /// says which and what to do instead.
    #[error("{0}")]
    Unsupported(String),
}

// JSON-RPC 2.0 error codes (A2A v0.3 §8.1) and A2A's own (A2A v0.3 §8.2, A2A v1.0 §5.4).

/// JSON-RPC: the body is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: not a valid request object (batches included: A2A does not use them).
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC `Method not found`: the agent does not speak the version we tried.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// JSON-RPC: the params do not fit the method.
pub const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC: the server failed.
pub const INTERNAL_ERROR: i64 = -32603;
/// A2A `TaskNotFoundError`.
pub const TASK_NOT_FOUND: i64 = -32001;
/// A2A `TaskNotCancelableError`.
pub const TASK_NOT_CANCELABLE: i64 = -32002;
/// `PushNotificationNotSupportedError` (A2A v0.3 §8.2).
pub const PUSH_NOTIFICATION_NOT_SUPPORTED: i64 = -32003;
/// A2A `UnsupportedOperationError` (v1 answers it when subscribing to a finished task).
pub const UNSUPPORTED_OPERATION: i64 = -32004;
/// A2A v1 `VersionNotSupportedError`: the `A2A-Version` header names a version the method does not speak.
pub const VERSION_NOT_SUPPORTED: i64 = -32009;

impl A2aError {
    /// Describes a reqwest failure without the URL reqwest would embed (it may carry credentials someday),
    /// naming the innermost cause ("connection refused") that users can act on.
    pub(crate) fn from_reqwest(err: reqwest::Error, url: &str, timeout: Duration) -> Self {
        if err.is_timeout() {
            return A2aError::Timeout(timeout);
        }
        let mut cause = None;
        let mut inner: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
        while let Some(e) = inner {
            cause = Some(e.to_string());
            inner = e.source();
        }
        let cause = cause.unwrap_or_else(|| err.without_url().to_string());
        A2aError::Unreachable {
            url: redact_url(url),
            cause,
        }
    }

    /// Whether this is a JSON-RPC error with the given code.
    pub fn is_code(&self, wanted: i64) -> bool {
        matches!(self, A2aError::JsonRpc { code, .. } if *code == wanted)
    }
}

/// Drops user-info (`user:pass@`) and the query string from a URL shown in an error.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string()
        }
        Err(_) => url.to_owned(),
    }
}
