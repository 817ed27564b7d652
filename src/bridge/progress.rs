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

/// Sends progress for one tool call.
pub struct Progress {
    target: Option<(Peer<RoleServer>, ProgressToken)>,
    step: u32,
    last_sent: Instant,
}

impl Progress {
    pub fn new(peer: Peer<RoleServer>, token: Option<ProgressToken>) -> Self {
        Progress {
            target: token.map(|t| (peer, t)),
            step: 0,
            last_sent: Instant::now(),
        }
    }

    /// Sends one notification. A client that went away is not an error for the call itself.
    pub async fn send(&mut self, message: String) {
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
