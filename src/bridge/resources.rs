//! MCP resources (MCP 2025-11-25 resources) for what agents hold: each agent's card, `a2a://{agent}/card`; each
//! artifact of a task, `a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}`; and each file part of an
//! artifact, `…/artifacts/{artifact_id}/parts/{index}`.
//!
//! Nothing is stored in the bridge: reading an artifact fetches the task from its agent (A2A v0.3 `tasks/get`,
//! v1.0 `GetTask`), so any bridge process answers. The answer is streamed and only one page of the artifact's
//! text is kept (`bridge::artifacts`): an artifact URI reads as its text (`a2a::artifact_text`), a page at a
//! time: `?offset=N&length=M` in characters (default and most: `MAX_RESOURCE_PAGE_CHARS` from 0), with the
//! page's place in the `_meta` of the contents (`offset`, `length`, `totalChars`, and `nextUri` while there
//! is more). A part URI reads as the part: file bytes as a blob with their media type (within the agent's
//! `max_response_bytes` of base64, since a blob is held whole), a file URI as `text/uri-list`. Configured
//! secrets are masked in pages character by character (`*`), so offsets stay those of the agent's text, a
//! secret cut by a page's edge included (`Bridge::page_text`); blobs are passed as they are. Segments of the
//! URIs are percent-encoded, so ids with `/` or spaces round-trip.

use rmcp::ErrorData as McpError;
use rmcp::model::{MetaObject, ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde_json::json;

use super::Bridge;
use super::artifacts::ReadFailure;
use super::handlers::card_output;
use crate::a2a::Artifact;
use crate::a2a::artifact_scan::{PartContent, Want};

/// The URI scheme of everything the bridge serves as a resource.
pub const SCHEME: &str = "a2a://";
/// The template of artifact resources (RFC 6570).
pub const ARTIFACT_TEMPLATE: &str = "a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}";
/// The template of one part of an artifact (file parts: blobs, or their URI).
pub const PART_TEMPLATE: &str =
    "a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}/parts/{index}";
/// Most characters of one page of an artifact read as a resource (`?length=`), and the page of a URI without
/// `length`: an artifact up to this size reads whole, and a page stays within a few megabytes of memory.
pub const MAX_RESOURCE_PAGE_CHARS: usize = 1 << 20;
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
    /// `a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}/parts/{index}`: one part of an artifact.
    Part {
        /// The agent's configured name.
        agent: String,
        /// The A2A task id.
        task_id: String,
        /// The A2A artifact id within that task.
        artifact_id: String,
        /// The part's index in the artifact, from 0.
        index: usize,
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
            [agent, tasks, task_id, artifacts, artifact_id, parts, index]
                if tasks == "tasks"
                    && artifacts == "artifacts"
                    && parts == "parts"
                    && !agent.is_empty()
                    && !task_id.is_empty() =>
            {
                Some(Target::Part {
                    agent: agent.clone(),
                    task_id: task_id.clone(),
                    artifact_id: artifact_id.clone(),
                    index: index
                        .parse()
                        .ok()
                        .filter(|_| index.bytes().all(|b| b.is_ascii_digit()))?,
                })
            }
            _ => None,
        }
    }

    /// The agent the target belongs to.
    pub fn agent(&self) -> &str {
        match self {
            Target::Card { agent }
            | Target::Artifact { agent, .. }
            | Target::Part { agent, .. } => agent,
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
            Target::Part {
                agent,
                task_id,
                artifact_id,
                index,
            } => format!(
                "{SCHEME}{}/tasks/{}/artifacts/{}/parts/{index}",
                encode(agent),
                encode(task_id),
                encode(artifact_id)
            ),
        }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(super) fn encode(segment: &str) -> String {
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
                "One artifact of an A2A task, read from the agent as text (text parts as they are, data parts \
                 as JSON, file parts as a line naming them), a page at a time: add ?offset=N&length=M \
                 (characters); _meta says the total and the next page's URI. The task_id comes from a tool \
                 result; read_artifact without artifact_id lists a task's artifacts.",
            )
            .with_mime_type("text/plain"),
        ResourceTemplate::new(PART_TEMPLATE, "artifact_part")
            .with_title("A2A artifact part")
            .with_description(
                "One file part of an A2A task's artifact (index from 0): bytes as a blob with their media \
                 type, a file by URI as text/uri-list.",
            ),
        ResourceTemplate::new(CARD_TEMPLATE, "agent_card")
            .with_title("A2A agent card")
            .with_description("The agent card an A2A agent publishes, as last fetched.")
            .with_mime_type("application/json"),
    ]
}

/// The text of an artifact as results show it and `read_artifact` pages it (`a2a::artifact_text`).
pub fn artifact_text(artifact: &Artifact) -> String {
    crate::a2a::artifact_text::text_of(artifact)
}

/// `?offset=N&length=M` of an artifact URI, in characters; `Err` names what is wrong.
fn page_query(query: &str) -> Result<(usize, Option<usize>), String> {
    let mut offset = 0;
    let mut length = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = || {
            value
                .parse::<usize>()
                .map_err(|_| format!("{key} must be a whole number of characters, got {value:?}"))
        };
        match key {
            "offset" => offset = number()?,
            "length" => match number()? {
                0 => return Err("length must be 1 or more".into()),
                n => length = Some(n),
            },
            _ => {
                return Err(format!(
                    "unknown parameter {key:?} (offset and length are read)"
                ));
            }
        }
    }
    Ok((offset, length))
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
    /// have: `-32002` (resource not found) naming it; bad page parameters: invalid params; an agent that
    /// cannot be read: an internal error naming the agent and the cause.
    pub async fn read_resource(&self, uri: &str) -> Result<ReadResourceResult, McpError> {
        let not_found = |why: String| McpError::resource_not_found(why, None);
        let (base, query) = uri.split_once('?').unwrap_or((uri, ""));
        let target = Target::parse(base).ok_or_else(|| {
            not_found(format!(
                "{uri}: not a resource of this bridge (it serves {CARD_TEMPLATE}, {ARTIFACT_TEMPLATE} and \
                 {PART_TEMPLATE})"
            ))
        })?;
        if !query.is_empty() && !matches!(target, Target::Artifact { .. }) {
            return Err(McpError::invalid_params(
                format!("{uri}: only artifact URIs take ?offset=&length="),
                None,
            ));
        }
        let agent = self
            .agent(target.agent())
            .map_err(|e| not_found(format!("{uri}: {}", e.reason())))?;
        let name = agent.name();
        let failed = |f: ReadFailure| match f {
            ReadFailure::NotFound(m) => not_found(format!("{uri}: agent \"{name}\": {m}")),
            ReadFailure::Agent(m) => {
                McpError::internal_error(format!("agent \"{name}\": {m}"), None)
            }
        };
        let contents = match &target {
            Target::Card { .. } => {
                let mut card = card_output(&agent, self.settings.max_description_chars);
                self.registry.scrubber.scrub_value(&mut card);
                ResourceContents::text(card.to_string(), uri).with_mime_type("application/json")
            }
            Target::Artifact {
                task_id,
                artifact_id,
                ..
            } => {
                let (offset, length) = page_query(query)
                    .map_err(|m| McpError::invalid_params(format!("{uri}: {m}"), None))?;
                let length = length
                    .unwrap_or(MAX_RESOURCE_PAGE_CHARS)
                    .min(MAX_RESOURCE_PAGE_CHARS);
                let found = self
                    .read_from_agent(
                        &agent,
                        task_id,
                        Some(artifact_id),
                        Want::Text { offset, length },
                    )
                    .await
                    .map_err(failed)?;
                let total = found.pager.total_chars;
                let start = offset.min(total);
                let page = self.page_text(&found.pager);
                let got = page.chars().count();
                let mut meta = json!({
                    "offset": start,
                    "length": got,
                    "totalChars": total,
                    "totalBytes": found.pager.total_bytes,
                });
                if start + got < total {
                    meta["nextUri"] =
                        json!(format!("{base}?offset={}&length={length}", start + got));
                }
                let serde_json::Value::Object(meta) = meta else {
                    unreachable!("built as an object")
                };
                ResourceContents::text(page, uri).with_meta(MetaObject(meta))
            }
            Target::Part {
                task_id,
                artifact_id,
                index,
                ..
            } => {
                let found = self
                    .read_from_agent(&agent, task_id, Some(artifact_id), Want::Part(*index))
                    .await
                    .map_err(failed)?;
                match found.part {
                    Some(PartContent::Bytes {
                        base64, media_type, ..
                    }) => ResourceContents::blob(base64, uri).with_mime_type(
                        media_type.unwrap_or_else(|| "application/octet-stream".into()),
                    ),
                    Some(PartContent::Uri { uri: file_uri, .. }) => {
                        ResourceContents::text(self.registry.scrubber.scrub(&file_uri), uri)
                            .with_mime_type("text/uri-list")
                    }
                    Some(PartContent::NotFile { kind }) => {
                        return Err(not_found(format!(
                            "{uri}: part {index} is a {kind} part, not a file: read the artifact's text at {}",
                            Target::Artifact {
                                agent: agent.name().to_owned(),
                                task_id: task_id.clone(),
                                artifact_id: artifact_id.clone(),
                            }
                            .uri()
                        )));
                    }
                    None => {
                        return Err(not_found(format!(
                            "{uri}: artifact {artifact_id:?} of task {task_id} has {} parts (indexes from 0)",
                            found.parts
                        )));
                    }
                }
            }
        };
        Ok(ReadResourceResult::new(vec![contents]))
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
    fn part_uris_round_trip() {
        let t = Target::Part {
            agent: "a".into(),
            task_id: "t".into(),
            artifact_id: "x y".into(),
            index: 3,
        };
        assert_eq!(t.uri(), "a2a://a/tasks/t/artifacts/x%20y/parts/3");
        assert_eq!(Target::parse(&t.uri()), Some(t));
        assert_eq!(Target::parse("a2a://a/tasks/t/artifacts/x/parts/-1"), None);
        assert_eq!(Target::parse("a2a://a/tasks/t/artifacts/x/parts/+1"), None);
        assert_eq!(Target::parse("a2a://a/tasks/t/artifacts/x/part/1"), None);
    }

    #[test]
    fn page_queries() {
        assert_eq!(page_query(""), Ok((0, None)));
        assert_eq!(page_query("offset=5&length=7"), Ok((5, Some(7))));
        assert!(page_query("length=0").is_err());
        assert!(page_query("offset=-1").is_err());
        assert!(page_query("from=1").is_err());
    }
}
