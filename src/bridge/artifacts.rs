//! Large artifacts: read from the agent a page (or a part) at a time, and outlined in tool results.
//!
//! - Reading (`Bridge::read_from_agent`), shared by `read_artifact` and `resources/read`: the task is
//!   fetched with `tasks/get` / `GetTask` on every read (no state in the bridge, so any replica answers) and
//!   streamed (`A2aClient::read_artifact`): only the page asked for is kept, within `max_artifact_bytes` and
//!   `artifact_timeout_secs`.
//! - Outlining (`outline`): in a tool result, an artifact whose text (`a2a::artifact_text`) is longer than
//!   `inline_artifact_chars` is replaced by a summary (its first lines, its size in characters and bytes, its
//!   media types) and a `resource_link` to `a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}`; a file
//!   part with bytes over the threshold, or with bytes that are neither an image nor audio (which results
//!   inline), becomes a link to its part, `…/artifacts/{artifact_id}/parts/{index}`, which `resources/read`
//!   serves as a blob.

use rmcp::model::{CallToolResult, ContentBlock, Resource};

use super::Bridge;
use super::handlers::Agent;
use super::resources::Target;
use super::view::TaskView;
use crate::a2a::A2aError;
use crate::a2a::artifact_scan::{BLOB_TOO_LARGE, Found, MAX_LISTED_IDS, Query, Want};
use crate::a2a::artifact_text::{Pager, base64_len, text_of};
use crate::a2a::client::{ArtifactError, ArtifactLimits};
use crate::a2a::{Artifact, Part};

/// Why a read of an artifact returned nothing, in words naming the task (not the agent: the caller puts
/// `agent "name": ` in front, as `error_result` does).
pub(super) enum ReadFailure {
    /// The task has no such artifact (the ids it has are listed), or the part is not there.
    NotFound(String),
    /// The agent failed or could not be read.
    Agent(String),
}

impl ReadFailure {
    /// The sentence.
    pub(super) fn message(&self) -> &str {
        match self {
            ReadFailure::NotFound(m) | ReadFailure::Agent(m) => m,
        }
    }
}

impl Bridge {
    /// Reads what `want` asks of artifact `artifact_id` of task `task_id` from `agent` (`None`: the task's
    /// only artifact), streaming the answer (module doc).
    pub(super) async fn read_from_agent(
        &self,
        agent: &Agent<'_>,
        task_id: &str,
        artifact_id: Option<&str>,
        want: Want,
    ) -> Result<Found, ReadFailure> {
        let query = Query {
            artifact_id: artifact_id.map(str::to_owned),
            want,
            text_margin: self.registry.scrubber.longest().saturating_sub(1),
            max_value_bytes: agent.slot.config.max_response_bytes,
            unwrap_v03_data: false,
        };
        let limits = ArtifactLimits {
            max_bytes: self.settings.max_artifact_bytes,
            timeout: self.settings.artifact_timeout,
        };
        let name = agent.name();
        match agent
            .conn
            .client
            .read_artifact(task_id, &query, limits)
            .await
        {
            Ok(found) => Ok(found),
            Err(ArtifactError::Agent(
                e @ A2aError::TooLarge {
                    what: BLOB_TOO_LARGE,
                    ..
                },
            )) => Err(ReadFailure::Agent(format!(
                "task {task_id}: {e}. A file part is read whole as a blob, so it is capped by \
                 the agent's max_response_bytes: raise that key for agent \"{name}\", or ask the agent to \
                 return the file by URI (a file part with a uri is served as that link)"
            ))),
            Err(ArtifactError::Agent(e)) => Err(ReadFailure::Agent(format!("task {task_id}: {e}"))),
            Err(ArtifactError::NoArtifact { ids, more }) => {
                let which = match artifact_id {
                    Some(id) => format!("has no artifact {id:?}"),
                    None => "has more than one artifact (or none): pass artifact_id".to_owned(),
                };
                let more = if more > 0 {
                    format!(" and {more} more (the first {MAX_LISTED_IDS} are listed)")
                } else {
                    String::new()
                };
                // The ids are the agent's words: scrubbed here, since resources/read errors are not results.
                Err(ReadFailure::NotFound(self.registry.scrubber.scrub(
                    &format!(
                        "task {task_id} {which}; its artifacts are: [{}]{more}",
                        ids.join(", ")
                    ),
                )))
            }
        }
    }
}

impl Bridge {
    /// The page `pager` kept, with every character of a configured secret masked (`Scrubber::mask`): the
    /// page has as many characters as the agent's text there, so offsets and `total_chars` stay true, and a
    /// secret cut by the page's edges is masked too (`read_from_agent` keeps the margins for it).
    pub(super) fn page_text(&self, pager: &Pager) -> String {
        self.registry
            .scrubber
            .mask(pager.window(), pager.page_range())
    }
}

/// Most characters of an artifact's first lines in its summary.
const SUMMARY_CHARS: usize = 500;
/// Most lines in a summary.
const SUMMARY_LINES: usize = 5;
/// Artifacts linked one by one in one result; the summaries of the rest still name their URIs. (File parts
/// become links of their own, one per part, bounded by the output a view keeps.)
pub(super) const MAX_LINKS: usize = 20;

/// A result's view with its large artifacts outlined, and the links that go with them.
pub(super) struct Outlined {
    /// The view with large artifacts replaced by their summaries, and large or binary file parts by links.
    pub view: TaskView,
    /// The `resource_link`s of outlined artifacts (at most `MAX_LINKS`).
    pub links: Vec<ContentBlock>,
    /// The ids of the artifacts outlined (`link_long_artifacts` leaves them alone).
    pub outlined: Vec<String>,
}

/// `view` with its large artifacts outlined (module doc); `None` when nothing is over `threshold`, or the view
/// has no task to link to.
pub(super) fn outline(agent: &str, view: &TaskView, threshold: usize) -> Option<Outlined> {
    let task_id = view.task_id.as_deref()?;
    if !view.artifacts.iter().any(|a| over(a, threshold)) {
        return None;
    }
    let mut out = Outlined {
        view: view.clone_without_artifacts(),
        links: Vec::new(),
        outlined: Vec::new(),
    };
    for artifact in &view.artifacts {
        let target = |part: Option<usize>| {
            let (agent, task_id) = (agent.to_owned(), task_id.to_owned());
            let artifact_id = artifact.artifact_id.clone();
            match part {
                None => Target::Artifact {
                    agent,
                    task_id,
                    artifact_id,
                },
                Some(index) => Target::Part {
                    agent,
                    task_id,
                    artifact_id,
                    index,
                },
            }
            .uri()
        };
        let text = text_of(artifact);
        let chars = text.chars().count();
        // File parts with bytes that stay out of the result: large ones, and any that are not media.
        let parts: Vec<Part> = artifact
            .parts
            .iter()
            .enumerate()
            .map(|(i, part)| match part {
                Part::File {
                    bytes: Some(b64),
                    media_type,
                    name,
                    ..
                } => {
                    if inlined(media_type.as_deref(), b64, threshold) {
                        part.clone()
                    } else {
                        Part::File {
                            bytes: None,
                            uri: Some(target(Some(i))),
                            media_type: media_type.clone(),
                            name: name.clone(),
                        }
                    }
                }
                other => other.clone(),
            })
            .collect();
        if chars <= threshold {
            out.view.artifacts.push(with_parts(artifact, parts));
            continue;
        }
        let uri = target(None);
        let summary = summary(agent, task_id, artifact, &text, chars, threshold, &uri);
        // The summary stands in for the text and data; file parts stay (as links when they have bytes).
        let mut kept = vec![Part::text(summary)];
        kept.extend(parts.into_iter().filter(|p| matches!(p, Part::File { .. })));
        out.view.artifacts.push(with_parts(artifact, kept));
        out.outlined.push(artifact.artifact_id.clone());
        if out.links.len() < MAX_LINKS {
            let name = artifact
                .name
                .clone()
                .unwrap_or_else(|| artifact.artifact_id.clone());
            out.links.push(ContentBlock::resource_link(
                Resource::new(uri, name)
                    .with_description(format!(
                        "{chars} characters ({} bytes) of output of task {task_id}, read in pages",
                        text.len()
                    ))
                    .with_mime_type("text/plain")
                    .with_size(text.len() as u64),
            ));
        }
    }
    Some(out)
}

/// Whether a file part's bytes go into a result as they are: images and audio (which results show) within
/// the threshold.
fn inlined(media_type: Option<&str>, b64: &str, threshold: usize) -> bool {
    let media = media_type.unwrap_or("application/octet-stream");
    (media.starts_with("image/") || media.starts_with("audio/")) && base64_len(b64) <= threshold
}

/// Whether `artifact` is outlined, or has a file part that becomes a link.
fn over(artifact: &Artifact, threshold: usize) -> bool {
    let mut plain_bytes = 0usize;
    let mut only_text = true;
    for part in &artifact.parts {
        match part {
            Part::Text { text, .. } => plain_bytes += text.len(),
            Part::File {
                bytes: Some(b64),
                media_type,
                ..
            } if !inlined(media_type.as_deref(), b64, threshold) => return true,
            _ => only_text = false,
        }
    }
    // A text of at most `threshold` bytes has at most as many characters.
    if only_text && plain_bytes <= threshold {
        return false;
    }
    text_of(artifact).chars().count() > threshold
}

/// A copy of `artifact` with other parts.
fn with_parts(artifact: &Artifact, parts: Vec<Part>) -> Artifact {
    Artifact {
        artifact_id: artifact.artifact_id.clone(),
        name: artifact.name.clone(),
        description: artifact.description.clone(),
        parts,
    }
}

/// The summary that stands in for an artifact too long to inline: its name and id, size, media types, first
/// lines, and how to read it.
fn summary(
    agent: &str,
    task_id: &str,
    artifact: &Artifact,
    text: &str,
    chars: usize,
    threshold: usize,
    uri: &str,
) -> String {
    let mut media: Vec<&str> = Vec::new();
    for part in &artifact.parts {
        let m = match part {
            Part::Text { .. } => "text/plain",
            Part::Data { .. } => "application/json",
            Part::File { media_type, .. } => {
                media_type.as_deref().unwrap_or("application/octet-stream")
            }
        };
        if !media.contains(&m) {
            media.push(m);
        }
    }
    let name = artifact
        .name
        .as_deref()
        .map(|n| format!("{n:?} "))
        .unwrap_or_default();
    let head: String = text.chars().take(SUMMARY_CHARS.min(threshold)).collect();
    let head: Vec<&str> = head.lines().take(SUMMARY_LINES).collect();
    format!(
        "[artifact {name}({id:?}): {chars} characters ({bytes} bytes), {media}; longer than \
         inline_artifact_chars ({threshold}), so not inlined. It begins:\n{head}\n… read it in pages with \
         read_artifact (agent \"{agent}\", task_id \"{task_id}\", artifact_id {id:?}, offset 0), or read the \
         resource {uri}]",
        id = artifact.artifact_id,
        bytes = text.len(),
        media = media.join(", "),
        head = head.join("\n"),
    )
}

/// Adds the links of `outlined` to `result`, after its content.
pub(super) fn add_links(result: &mut CallToolResult, outlined: Outlined) {
    result.content.extend(outlined.links);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view_with(parts: Vec<Part>) -> TaskView {
        let mut view = TaskView::for_task("t1");
        view.artifacts.push(Artifact {
            artifact_id: "a".into(),
            name: Some("report".into()),
            description: None,
            parts,
        });
        view
    }

    #[test]
    fn small_text_stays_and_big_text_is_summarised_with_a_link() {
        assert!(outline("x", &view_with(vec![Part::text("short")]), 100).is_none());
        let long = format!("first line\nsecond\n{}", "z".repeat(300));
        let out = outline("x", &view_with(vec![Part::text(long.clone())]), 100).unwrap();
        assert_eq!(out.outlined, ["a"]);
        assert_eq!(out.links.len(), 1);
        let Part::Text { text, .. } = &out.view.artifacts[0].parts[0] else {
            panic!("summary")
        };
        assert!(text.contains("first line\nsecond"), "{text}");
        assert!(text.contains(&format!("{} characters", long.chars().count())));
        assert!(text.contains("a2a://x/tasks/t1/artifacts/a"), "{text}");
        assert!(!text.contains(&"z".repeat(200)), "{text}");
    }

    #[test]
    fn binary_and_large_file_bytes_become_part_links_small_images_stay() {
        let file = |mime: &str, b64: &str| Part::File {
            bytes: Some(b64.into()),
            uri: None,
            media_type: Some(mime.into()),
            name: Some("f".into()),
        };
        let out = outline(
            "x",
            &view_with(vec![
                file("image/png", "AAAA"),
                file("application/pdf", "AAAA"),
                file("image/png", &"A".repeat(400)),
            ]),
            250,
        )
        .unwrap();
        let parts = &out.view.artifacts[0].parts;
        assert!(matches!(&parts[0], Part::File { bytes: Some(_), .. }));
        for (i, part) in parts.iter().enumerate().skip(1) {
            match part {
                Part::File {
                    bytes: None,
                    uri: Some(uri),
                    ..
                } => {
                    assert_eq!(uri, &format!("a2a://x/tasks/t1/artifacts/a/parts/{i}"));
                }
                other => panic!("{other:?}"),
            }
        }
    }
}
