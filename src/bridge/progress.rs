//! Relaying what an agent says while it works as MCP progress notifications.
//!
//! Progress values strictly increase (one step per notification) and there is no total: A2A tasks do not
//! say how much work remains. Without a progress token from the client nothing is sent.

use crate::a2a::scrub::Scrubber;
use std::time::{Duration, Instant};

use rmcp::model::{PingRequest, ProgressNotificationParam, ProgressToken, ServerRequest};
use rmcp::service::RequestContext;
use rmcp::{Peer, RoleServer};

use super::view::status_line;
use crate::a2a::{Part, StreamEvent, join_text, wire};

/// Longest progress message: a progress line is a status, not the result.
const MAX_PROGRESS_MESSAGE_CHARS: usize = 500;
/// Notifications one call may send per second, sustained: a flood of tiny events is coalesced, the latest line
/// winning; `flush` sends a held line, so the last state always goes out.
pub const PROGRESS_PER_SECOND: u32 = 10;
/// Notifications that may go out at once before the rate applies, so a quick task's few lines all arrive.
pub const PROGRESS_BURST: u32 = 10;
/// The time one notification's allowance takes to come back.
const PROGRESS_REFILL: Duration = Duration::from_millis(1000 / PROGRESS_PER_SECOND as u64);
/// Longest wait for the client's answer to the ping that confirms progress was handled (`Progress::finish`).
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(1);

/// Marks a call whose client reads progress and results from one ordered byte stream (stdio) and answers
/// server requests (a client that initialized): such a call confirms its progress with a ping before its
/// result (`Progress::finish`). Set by the MCP server in the request's extensions.
#[derive(Debug, Clone, Copy)]
pub struct ConfirmProgress;

/// Sends progress for one tool call.
pub struct Progress {
    target: Option<(Peer<RoleServer>, ProgressToken)>,
    step: u32,
    last_sent: Instant,
    /// A notification went to the client.
    delivered: bool,
    /// Ping the client before the result when anything was delivered (see `finish`).
    confirm: bool,
    /// The latest line not sent yet (it came while the allowance was spent).
    pending: Option<String>,
    /// Token bucket: notifications that may go out now (up to `PROGRESS_BURST`), and when it was last topped up.
    allowance: u32,
    refilled: Instant,
    /// Configured secrets are scrubbed from every line: agent text may echo them.
    scrubber: Option<Scrubber>,
    /// The agent the call went to, for the progress metric.
    agent: String,
}

impl Progress {
    pub fn new(peer: Peer<RoleServer>, token: Option<ProgressToken>) -> Self {
        Progress {
            scrubber: None,
            agent: String::new(),
            target: token.map(|t| (peer, t)),
            step: 0,
            last_sent: Instant::now(),
            delivered: false,
            confirm: false,
            pending: None,
            allowance: PROGRESS_BURST,
            refilled: Instant::now(),
        }
    }

    /// Progress for the tool call of `ctx`, to its progress token if it gave one; confirmed with a ping before
    /// the result when the server marked the call `ConfirmProgress` and the client initialized (so it answers
    /// server requests).
    pub fn for_call(ctx: &RequestContext<RoleServer>) -> Self {
        let mut progress = Progress::new(ctx.peer.clone(), ctx.meta.get_progress_token());
        progress.confirm = ctx.extensions.get::<ConfirmProgress>().is_some()
            && ctx.protocol_version().is_some_and(|v| v.has_initialize());
        progress
    }

    /// Scrubs every line sent with `scrubber` (the registry's: every configured secret).
    pub fn scrubbed(mut self, scrubber: Scrubber) -> Self {
        self.scrubber = Some(scrubber);
        self
    }

    /// Names the agent the call went to (the configured name), for the progress metric.
    pub fn for_agent(mut self, agent: &str) -> Self {
        agent.clone_into(&mut self.agent);
        self
    }

    /// Tops the allowance up for the time passed since the last top-up.
    fn refill(&mut self) {
        let earned = self.refilled.elapsed().as_millis() / PROGRESS_REFILL.as_millis();
        if earned > 0 {
            let earned = u32::try_from(earned).unwrap_or(u32::MAX);
            self.allowance = self.allowance.saturating_add(earned).min(PROGRESS_BURST);
            self.refilled += PROGRESS_REFILL * earned.min(PROGRESS_BURST);
            if self.allowance == PROGRESS_BURST {
                self.refilled = Instant::now();
            }
        }
    }

    /// Sends one notification, or holds it (replacing any held one) when the call has spent its allowance
    /// (`PROGRESS_BURST` at once, `PROGRESS_PER_SECOND` sustained); `pending_until` says when to `flush` it. A
    /// client that went away is not an error for the call itself.
    pub async fn send(&mut self, message: String) {
        if self.target.is_none() {
            self.last_sent = Instant::now();
            return;
        }
        self.refill();
        if self.allowance == 0 {
            self.pending = Some(message);
            return;
        }
        self.deliver(message).await;
    }

    /// When a held line may go out, if there is one.
    pub fn pending_until(&self) -> Option<Instant> {
        self.pending
            .as_ref()
            .map(|_| self.refilled + PROGRESS_REFILL)
    }

    /// Sends the held line now, if there is one.
    pub async fn flush(&mut self) {
        self.refill();
        if let Some(message) = self.pending.take() {
            self.deliver(message).await;
        }
    }

    async fn deliver(&mut self, message: String) {
        self.pending = None;
        self.last_sent = Instant::now();
        self.allowance = self.allowance.saturating_sub(1);
        let Some((peer, token)) = &self.target else {
            return;
        };
        self.step += 1;
        let message = match &self.scrubber {
            Some(scrubber) => scrubber.scrub(&message),
            None => message,
        };
        let param = ProgressNotificationParam::new(token.clone(), f64::from(self.step))
            .with_message(message);
        // Boxed: rmcp's notification future is large, and unboxed it would sit in every call's future (and in
        // every `race` of `Follow`), which is moved as a whole, whether the call sends progress or not.
        match Box::pin(peer.notify_progress(param)).await {
            Ok(()) => {
                self.delivered = true;
                if let Some(m) = crate::telemetry::metrics() {
                    m.progress_sent(&self.agent);
                }
            }
            Err(e) => tracing::debug!(error = %e, "progress notification not delivered"),
        }
    }

    /// Sends the held line; then, for a `ConfirmProgress` call that delivered any notification, pings the
    /// client and waits for its answer (at most `CONFIRM_TIMEOUT`), so the result goes out only after the client
    /// has handled every notification. The official TypeScript SDK (1.x, up to 1.32 at least) handles a
    /// notification in a microtask but a response at once: a progress line read in the same chunk as the result
    /// reaches a handler that is already gone ("unknown progress token") and the host loses it. It answers a
    /// ping only after the microtasks queued before it, so its answer proves the lines were handled (MCP
    /// 2025-11-25 basic/utilities/ping: either side may ping, the receiver must answer).
    pub async fn finish(&mut self) {
        self.flush().await;
        if !(self.confirm && self.delivered) {
            return;
        }
        let Some((peer, _)) = &self.target else {
            return;
        };
        // Boxed, as in `deliver`.
        let ping = Box::pin(peer.send_request(ServerRequest::PingRequest(PingRequest::default())));
        match tokio::time::timeout(CONFIRM_TIMEOUT, ping).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "progress confirmation ping failed"),
            Err(_) => tracing::debug!("progress confirmation ping unanswered"),
        }
    }

    /// How long since the last notification (or since the call began).
    pub fn idle_for(&self) -> Duration {
        self.last_sent.elapsed()
    }
}

/// The line to show for a stream event, or `None` when it says nothing new.
pub fn progress_message(event: &StreamEvent) -> Option<String> {
    let text = match event {
        StreamEvent::Task(task) => status_line(&task.status),
        StreamEvent::Message(_) => return None,
        StreamEvent::Status { status, .. } => status_line(status),
        StreamEvent::Artifact { artifact, .. } => {
            let text = join_text(&artifact.parts);
            if text.is_empty() {
                let kinds: Vec<&str> = artifact
                    .parts
                    .iter()
                    .map(|p| match p {
                        Part::Text { .. } => "text",
                        Part::File { .. } => "file",
                        Part::Data { .. } => "data",
                    })
                    .collect();
                format!(
                    "artifact {}: {}",
                    artifact.name.as_deref().unwrap_or(&artifact.artifact_id),
                    kinds.join(", ")
                )
            } else {
                text
            }
        }
    };
    Some(wire::truncate_str(&text, MAX_PROGRESS_MESSAGE_CHARS))
}
