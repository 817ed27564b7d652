//! `read_artifact`: one page of an artifact's text (`a2a::artifact_text`), for clients that do not read MCP
//! resources. The task is fetched from the agent (A2A v0.3 `tasks/get`, v1.0 `GetTask`) on every call and
//! streamed, keeping only the page (`bridge::artifacts`), so any bridge process answers, nothing is kept
//! between pages, and an artifact of any size (within `max_artifact_bytes`) is read in bounded memory.

use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AGENT_NAME;
use super::args::{opt_number, opt_text, text};
use crate::a2a::artifact_scan::Want;
use crate::bridge::Bridge;
use crate::bridge::resources::Target;
use crate::bridge::result::error_result;
use crate::bridge::schema::input_schema;

pub const NAME: &str = "read_artifact";

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[schemars(description = AGENT_NAME)]
    #[serde(deserialize_with = "text")]
    pub(super) agent: String,
    /// The task_id from an earlier result.
    #[serde(deserialize_with = "text")]
    task_id: String,
    /// The artifact's id; may be left out when the task has one artifact (otherwise the error lists them).
    #[serde(default, deserialize_with = "opt_text")]
    artifact_id: Option<String>,
    /// First character to return (default 0); pass next_offset from the previous page.
    #[serde(default, deserialize_with = "opt_number")]
    #[schemars(range(min = 0))]
    offset: Option<f64>,
    /// Most characters to return (default and maximum: the bridge's max_result_chars).
    #[serde(default, deserialize_with = "opt_number")]
    #[schemars(range(min = 1))]
    length: Option<f64>,
}

const TITLE: &str = "Read an A2A artifact in pages";

pub(super) fn tool() -> Tool {
    Tool::new(
        NAME,
        "Read the text of one artifact of an A2A task, a page at a time (offset and length in characters); \
         for output too large to come back whole. The result says the total length and the next offset.",
        input_schema::<Args>(),
    )
    .with_title(TITLE)
    .with_annotations(
        ToolAnnotations::new()
            .read_only(true)
            .idempotent(true)
            .open_world(true),
    )
}

/// The `structuredContent` of `read_artifact`.
#[derive(Debug, Serialize)]
struct Page<'a> {
    agent: &'a str,
    task_id: &'a str,
    artifact_id: &'a str,
    /// The same artifact as an MCP resource.
    uri: String,
    offset: usize,
    /// Characters in this page.
    length: usize,
    /// Characters in the whole artifact text.
    total_chars: usize,
    /// Where the next page starts; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_offset: Option<usize>,
    text: &'a str,
}

impl Bridge {
    pub(super) async fn read_artifact(&self, args: Args) -> CallToolResult {
        let agent = match self.agent(&args.agent) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer(),
        };
        let name = agent.name();
        let max = self.settings.max_result_chars;
        let offset = match args.offset {
            None => 0,
            Some(n) if n.is_finite() && n >= 0.0 => n as usize,
            Some(n) => {
                return error_result(name, &format!("offset must be 0 or more, got {n}"), None);
            }
        };
        let length = match args.length {
            None => max,
            Some(n) if n.is_finite() && n >= 1.0 => (n as usize).min(max),
            Some(n) => {
                return error_result(name, &format!("length must be 1 or more, got {n}"), None);
            }
        };
        let want = Want::Text { offset, length };
        let found = match self
            .read_from_agent(&agent, &args.task_id, args.artifact_id.as_deref(), want)
            .await
        {
            Ok(found) => found,
            Err(failure) => return error_result(name, failure.message(), None),
        };
        let total_chars = found.pager.total_chars;
        let start = offset.min(total_chars);
        // Secrets masked character by character: offsets stay those of the agent's text.
        let page_text = self.page_text(&found.pager);
        let page_text = page_text.as_str();
        let end_at = start + page_text.chars().count();
        let page = Page {
            agent: name,
            task_id: &args.task_id,
            artifact_id: &found.artifact_id,
            uri: Target::Artifact {
                agent: name.to_owned(),
                task_id: args.task_id.clone(),
                artifact_id: found.artifact_id.clone(),
            }
            .uri(),
            offset: start,
            length: end_at - start,
            total_chars,
            next_offset: (end_at < total_chars).then_some(end_at),
            text: page_text,
        };
        let footer = match page.next_offset {
            Some(next) => format!(
                "[characters {}..{} of {total_chars}; next page: read_artifact with offset {next}]",
                page.offset, end_at
            ),
            None => format!(
                "[characters {}..{} of {total_chars}; end of the artifact]",
                page.offset, end_at
            ),
        };
        let text = format!("{page_text}\n{footer}");
        let mut result =
            CallToolResult::structured(serde_json::to_value(&page).unwrap_or_default());
        result.content = vec![ContentBlock::text(text)];
        result
    }
}
