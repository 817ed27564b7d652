//! Relaying what an agent says while it works as MCP progress notifications.
//!
//! Progress values strictly increase (one step per notification) and there is no total: A2A tasks do not
//! say how much work remains. Without a progress token from the client nothing is sent.

use crate::a2a::scrub::Scrubber;
use std::time::{Duration, Instant};

use rmcp::model::{ProgressNotificationParam, ProgressToken};
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

/// Sends progress for one tool call.
pub struct Progress {
    target: Option<(Peer<RoleServer>, ProgressToken)>,
    step: u32,
    last_sent: Instant,
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
            pending: None,
            allowance: PROGRESS_BURST,
            refilled: Instant::now(),
        }
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
        match peer.notify_progress(param).await {
            Ok(()) => {
                if let Some(m) = crate::telemetry::metrics() {
                    m.progress_sent(&self.agent);
                }
            }
            Err(e) => tracing::debug!(error = %e, "progress notification not delivered"),
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
