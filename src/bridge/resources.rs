//! MCP resources (MCP 2025-11-25 resources) for what agents hold: each agent's card, `a2a://{agent}/card`, and
//! each artifact of a task, `a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}`.
//!
//! Nothing is stored in the bridge: reading an artifact fetches the task from its agent (A2A v0.3 `tasks/get`,
//! v1.0 `GetTask`), so any bridge process answers. The answer is within the agent's `max_response_bytes`, as
//! every answer is, and scrubbed of configured secrets. Segments of the URIs are percent-encoded, so ids with
//! `/` or spaces round-trip.

use rmcp::ErrorData as McpError;
use rmcp::model::{ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde_json::Value;

use super::Bridge;
use super::handlers::card_output;
use crate::a2a::{Artifact, Part};

/// The URI scheme of everything the bridge serves as a resource.
pub const SCHEME: &str = "a2a://";
/// The template of artifact resources (RFC 6570).
pub const ARTIFACT_TEMPLATE: &str = "a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}";
/// The template of card resources.
pub const CARD_TEMPLATE: &str = "a2a://{agent}/card";

/// What an `a2a://` URI names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `a2a://{agent}/card`: a configured agent's card.
    Card {
        /// The agent's configured name.
        agent: String,
    },
    /// `a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}`: one artifact of a task, read from the agent.
    Artifact {
        /// The agent's configured name.
        agent: String,
        /// The A2A task id.
        task_id: String,
        /// The A2A artifact id within that task.
        artifact_id: String,
    },
}

impl Target {
    /// Parses an `a2a://` URI; `None` for anything else.
    pub fn parse(uri: &str) -> Option<Target> {
        let rest = uri.strip_prefix(SCHEME)?;
        let segments: Vec<String> = rest
            .split('/')
            .map(decode)
            .collect::<Option<Vec<String>>>()?;
        match segments.as_slice() {
            [agent, card] if card == "card" && !agent.is_empty() => Some(Target::Card {
                agent: agent.clone(),
            }),
            [agent, tasks, task_id, artifacts, artifact_id]
                if tasks == "tasks"
                    && artifacts == "artifacts"
                    && !agent.is_empty()
                    && !task_id.is_empty() =>
            {
                Some(Target::Artifact {
                    agent: agent.clone(),
                    task_id: task_id.clone(),
                    artifact_id: artifact_id.clone(),
                })
            }
            _ => None,
        }
    }

    /// The URI of this target.
    pub fn uri(&self) -> String {
        match self {
            Target::Card { agent } => format!("{SCHEME}{}/card", encode(agent)),
            Target::Artifact {
                agent,
                task_id,
                artifact_id,
            } => format!(
                "{SCHEME}{}/tasks/{}/artifacts/{}",
                encode(agent),
                encode(task_id),
                encode(artifact_id)
            ),
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX`; `None` for a malformed escape or bytes that are not UTF-8.
fn decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The resource templates the bridge serves (`resources/templates/list`).
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(ARTIFACT_TEMPLATE, "artifact")
            .with_title("A2A task artifact")
            .with_description(
                "One artifact of an A2A task, read from the agent: text parts as text, data parts as JSON, \
                 file parts with bytes as blobs, file parts by URI as text/uri-list. The task_id comes from a \
                 tool result; read_artifact without artifact_id lists a task's artifacts.",
            ),
        ResourceTemplate::new(CARD_TEMPLATE, "agent_card")
            .with_title("A2A agent card")
            .with_description("The agent card an A2A agent publishes, as last fetched.")
            .with_mime_type("application/json"),
    ]
}

/// The text of an artifact as `read_artifact` pages it: text parts as they are, data parts as JSON, file parts
/// as a line naming them; parts separated by newlines.
pub fn artifact_text(artifact: &Artifact) -> String {
    let mut out = String::new();
    for part in &artifact.parts {
        if !out.is_empty() {
            out.push('\n');
        }
        match part {
            Part::Text { text, .. } => out.push_str(text),
            Part::Data { data, .. } => out.push_str(&data.to_string()),
            Part::File {
                bytes,
                uri,
                media_type,
                name,
            } => {
                let name = name.as_deref().unwrap_or("file");
                let media = media_type.as_deref().unwrap_or("application/octet-stream");
                match (uri, bytes) {
                    (Some(uri), _) => out.push_str(&format!("[file {name} ({media}) at {uri}]")),
                    (None, Some(b)) => out.push_str(&format!(
                        "[file {name} ({media}), {} bytes: read the artifact as a resource for its content]",
                        b.len() / 4 * 3
                    )),
                    (None, None) => out.push_str(&format!("[file {name} ({media})]")),
                }
            }
        }
    }
    out
}

impl Bridge {
    /// `resources/list`: the card of every reachable agent, once every agent has answered (or failed) its
    /// first card fetch, as for `tools/list`. Artifacts are not listed (they are found through tool results
    /// and the template).
    pub async fn list_resources(&self) -> Vec<Resource> {
        self.registry
            .wait_initial(self.registry.initial_limit())
            .await;
        self.registry
            .agents
            .iter()
            .filter(|slot| matches!(slot.state(), super::Reachability::Up(_)))
            .map(|slot| {
                let agent = &slot.config.name;
                Resource::new(
                    Target::Card {
                        agent: agent.clone(),
                    }
                    .uri(),
                    format!("{agent} card"),
                )
                .with_title(format!("Agent card of {agent}"))
                .with_mime_type("application/json")
            })
            .collect()
    }

    /// `resources/read` of an `a2a://` URI. An unknown URI or agent, a task or artifact the agent does not
    /// have: `-32002` (resource not found) naming it; an agent that cannot be reached: an internal error
    /// naming the agent and the cause.
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, McpError> {
        let not_found = |why: String| McpError::resource_not_found(why, None);
        let target = Target::parse(uri).ok_or_else(|| {
            not_found(format!(
                "{uri}: not a resource of this bridge (it serves {CARD_TEMPLATE} and {ARTIFACT_TEMPLATE})"
            ))
        })?;
        let name = match &target {
            Target::Card { agent } | Target::Artifact { agent, .. } => agent,
        };
        let agent = self
            .agent(name)
            .map_err(|e| not_found(format!("{uri}: {}", e.reason())))?;
        let contents = match &target {
            Target::Card { .. } => {
                let mut card = card_output(&agent, self.settings.max_description_chars);
                self.registry.scrubber.scrub_value(&mut card);
                vec![
                    ResourceContents::text(card.to_string(), uri)
                        .with_mime_type("application/json"),
                ]
            }
            Target::Artifact {
                task_id,
                artifact_id,
                ..
            } => {
                let task = agent.conn.client.get_task(task_id).await.map_err(|e| {
                    let e = self.registry.scrubber.scrub_error(e);
                    McpError::internal_error(
                        format!("agent \"{}\": task {task_id}: {e}", agent.name()),
                        None,
                    )
                })?;
                let artifact = task
                    .artifacts
                    .iter()
                    .find(|a| &a.artifact_id == artifact_id)
                    .ok_or_else(|| {
                        not_found(format!(
                            "{uri}: task {task_id} of agent \"{}\" has no artifact {artifact_id:?}",
                            agent.name()
                        ))
                    })?;
                self.artifact_contents(uri, artifact)
            }
        };
        Ok(ReadResourceResult::new(contents))
    }

    /// One resource content per part, scrubbed.
    fn artifact_contents(&self, uri: &str, artifact: &Artifact) -> Vec<ResourceContents> {
        let scrub = |s: &str| self.registry.scrubber.scrub(s);
        artifact
            .parts
            .iter()
            .map(|part| match part {
                Part::Text { text, .. } => ResourceContents::text(scrub(text), uri),
                Part::Data { data, .. } => {
                    let mut data: Value = data.clone();
                    self.registry.scrubber.scrub_value(&mut data);
                    ResourceContents::text(data.to_string(), uri).with_mime_type("application/json")
                }
                Part::File {
                    bytes: Some(bytes),
                    media_type,
                    ..
                } => ResourceContents::blob(bytes.clone(), uri).with_mime_type(
                    media_type
                        .clone()
                        .unwrap_or_else(|| "application/octet-stream".into()),
                ),
                Part::File { uri: file_uri, .. } => {
                    ResourceContents::text(scrub(file_uri.as_deref().unwrap_or("")), uri)
                        .with_mime_type("text/uri-list")
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_with_odd_ids() {
        let t = Target::Artifact {
            agent: "research".into(),
            task_id: "a/b c".into(),
            artifact_id: "ü%".into(),
        };
        let uri = t.uri();
        assert_eq!(uri, "a2a://research/tasks/a%2Fb%20c/artifacts/%C3%BC%25");
        assert_eq!(Target::parse(&uri), Some(t));
        let card = Target::Card {
            agent: "x y".into(),
        };
        assert_eq!(Target::parse(&card.uri()), Some(card));
    }

    #[test]
    fn other_uris_are_not_targets() {
        for uri in [
            "a2a://x",
            "a2a:///card",
            "a2a://x/cards",
            "a2a://x/tasks/t/artifact/a",
            "a2a://x/tasks//artifacts/a",
            "a2a://x/tasks/t/artifacts/a/b",
            "a2a://x/card%ZZ",
            "a2a://x/%FF/card",
            "file:///etc/passwd",
        ] {
            assert_eq!(Target::parse(uri), None, "{uri}");
        }
    }

    #[test]
    fn artifact_text_joins_parts() {
        let artifact = Artifact {
            artifact_id: "a".into(),
            name: None,
            description: None,
            parts: vec![
                Part::text("first"),
                Part::data(serde_json::json!({"k": 1})),
                Part::File {
                    bytes: None,
                    uri: Some("https://x/f.pdf".into()),
                    media_type: Some("application/pdf".into()),
                    name: Some("f.pdf".into()),
                },
            ],
        };
        assert_eq!(
            artifact_text(&artifact),
            "first\n{\"k\":1}\n[file f.pdf (application/pdf) at https://x/f.pdf]"
        );
    }
}
