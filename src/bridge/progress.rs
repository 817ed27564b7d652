//! Relaying what an agent says while it works as MCP progress notifications.
//!
//! Progress values strictly increase (one step per notification) and there is no total: A2A tasks do not
//! say how much work remains. Without a progress token from the client nothing is sent.

use std::time::{Duration, Instant};

use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::{Peer, RoleServer};

use super::view::status_line;
use crate::a2a::{Part, StreamEvent, join_text, wire};

/// Longest progress message: a progress line is a status, not the result.
const MAX_PROGRESS_MESSAGE_CHARS: usize = 500;
/// Shortest gap between two notifications of one call (at most 10 per second): a flood of tiny events is
/// coalesced, the latest line winning; `flush` sends a held line, so the last state always goes out.
pub const MIN_PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Sends progress for one tool call.
pub struct Progress {
    target: Option<(Peer<RoleServer>, ProgressToken)>,
    step: u32,
    last_sent: Instant,
    /// The latest line not sent yet (it came too soon after the previous one).
    pending: Option<String>,
}

impl Progress {
    pub fn new(peer: Peer<RoleServer>, token: Option<ProgressToken>) -> Self {
        Progress {
            target: token.map(|t| (peer, t)),
            step: 0,
            // The first line goes out at once.
            last_sent: Instant::now()
                .checked_sub(MIN_PROGRESS_INTERVAL)
                .unwrap_or_else(Instant::now),
            pending: None,
        }
    }

    /// Sends one notification, or holds it (replacing any held one) when the previous went out less than
    /// `MIN_PROGRESS_INTERVAL` ago; `pending_until` says when to `flush` it. A client that went away is not an
    /// error for the call itself.
    pub async fn send(&mut self, message: String) {
        if self.target.is_none() {
            self.last_sent = Instant::now();
            return;
        }
        if self.last_sent.elapsed() < MIN_PROGRESS_INTERVAL {
            self.pending = Some(message);
            return;
        }
        self.deliver(message).await;
    }

    /// When a held line is due, if there is one.
    pub fn pending_until(&self) -> Option<Instant> {
        self.pending
            .as_ref()
            .map(|_| self.last_sent + MIN_PROGRESS_INTERVAL)
    }

    /// Sends the held line now, if there is one.
    pub async fn flush(&mut self) {
        if let Some(message) = self.pending.take() {
            self.deliver(message).await;
        }
    }

    async fn deliver(&mut self, message: String) {
        self.pending = None;
        self.last_sent = Instant::now();
        let Some((peer, token)) = &self.target else {
            return;
        };
        self.step += 1;
        let param = ProgressNotificationParam::new(token.clone(), f64::from(self.step))
            .with_message(message);
        if let Err(e) = peer.notify_progress(param).await {
            tracing::debug!(error = %e, "progress notification not delivered");
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
