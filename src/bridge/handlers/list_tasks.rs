//! `list_tasks`: an agent's tasks, filtered by context and state, a page at a time (A2A v1.0 `ListTasks`), so
//! a model that lost a `task_id` can find its work again. Agents spoken to in v0.3, and v1.0 agents without
//! the method, get a tool error saying so.

use rmcp::model::{CallToolResult, ContentBlock, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AGENT_NAME;
use super::args::{opt_text, text};
use crate::a2a::types::{Task, TaskState, join_text};
use crate::a2a::wire::{ListTasksRequest, MAX_PAGE_SIZE, truncate_str};
use crate::bridge::Bridge;
use crate::bridge::result::error_result;
use crate::bridge::schema::input_schema;

pub const NAME: &str = "list_tasks";

/// Most bytes of a task's text shown in the listing.
const SUMMARY_BYTES: usize = 200;
/// Longest task id, context id or timestamp shown: they come from the agent.
const MAX_ID_BYTES: usize = 256;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Args {
    #[schemars(description = AGENT_NAME)]
    #[serde(deserialize_with = "text")]
    agent: String,
    /// Only tasks of this conversation: the context_id from an earlier result.
    #[serde(default, deserialize_with = "opt_text")]
    context_id: Option<String>,
    /// Only tasks in this state.
    #[serde(default)]
    state: Option<StateFilter>,
    /// The next_page_token of the previous page.
    #[serde(default, deserialize_with = "opt_text")]
    page_token: Option<String>,
    /// Most tasks in one page (1 to 100; the agent's default, usually 50, when left out).
    // A number, not an integer: some hosts send `10.0`.
    #[serde(default, deserialize_with = "super::args::opt_number")]
    #[schemars(range(min = 1, max = 100))]
    page_size: Option<f64>,
}

/// A task state to filter by, spelled as results show it.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
enum StateFilter {
    Submitted,
    Working,
    InputRequired,
    AuthRequired,
    Completed,
    Canceled,
    Failed,
    Rejected,
}

impl From<StateFilter> for TaskState {
    fn from(s: StateFilter) -> TaskState {
        match s {
            StateFilter::Submitted => TaskState::Submitted,
            StateFilter::Working => TaskState::Working,
            StateFilter::InputRequired => TaskState::InputRequired,
            StateFilter::AuthRequired => TaskState::AuthRequired,
            StateFilter::Completed => TaskState::Completed,
            StateFilter::Canceled => TaskState::Canceled,
            StateFilter::Failed => TaskState::Failed,
            StateFilter::Rejected => TaskState::Rejected,
        }
    }
}

const TITLE: &str = "List an agent's A2A tasks";

pub(super) fn tool() -> Tool {
    Tool::new(
        NAME,
        "List an A2A agent's tasks, newest first, to find work whose task_id was lost: filter by context_id (the conversation) and state, and page with page_token. Only A2A 1.0 agents can list their tasks.",
        input_schema::<Args>(),
    )
    .with_title(TITLE)
    .with_annotations(
        ToolAnnotations::new()
            .read_only(true)
            .open_world(true),
    )
}

/// The `structuredContent` of `list_tasks`.
#[derive(Debug, Serialize)]
struct TaskList {
    agent: String,
    tasks: Vec<TaskEntry>,
    /// Pass as page_token for the next page; null on the last page.
    next_page_token: Option<String>,
    /// How many tasks match in all, when the agent says.
    total_size: Option<u64>,
}

#[derive(Debug, Serialize)]
struct TaskEntry {
    task_id: String,
    context_id: String,
    state: &'static str,
    /// When the task last changed state, as the agent wrote it.
    timestamp: Option<String>,
    /// The start of the task's latest status message, else of its output.
    text: String,
}

impl TaskEntry {
    fn from_task(task: &Task) -> TaskEntry {
        let status_text = task
            .status
            .message
            .as_ref()
            .map(|m| m.text())
            .unwrap_or_default();
        let text = if status_text.trim().is_empty() {
            task.artifacts
                .iter()
                .map(|a| join_text(&a.parts))
                .find(|t| !t.trim().is_empty())
                .unwrap_or_default()
        } else {
            status_text
        };
        TaskEntry {
            task_id: truncate_str(&task.id, MAX_ID_BYTES),
            context_id: truncate_str(&task.context_id, MAX_ID_BYTES),
            state: task.status.state.as_str(),
            timestamp: task
                .status
                .timestamp
                .as_deref()
                .map(|t| truncate_str(t, MAX_ID_BYTES)),
            text: truncate_str(text.trim(), SUMMARY_BYTES).replace('\n', " "),
        }
    }
}

impl TaskList {
    /// One line per task, then how to get the next page.
    fn text(&self) -> String {
        let mut lines: Vec<String> = Vec::new();
        let total = self
            .total_size
            .map(|n| format!(" of {n}"))
            .unwrap_or_default();
        lines.push(format!(
            "agent \"{}\": {} task(s){total}, newest first",
            self.agent,
            self.tasks.len()
        ));
        for t in &self.tasks {
            let mut line = format!(
                "- task_id {} ({}), context_id {}",
                t.task_id, t.state, t.context_id
            );
            if let Some(ts) = &t.timestamp {
                line.push_str(&format!(", at {ts}"));
            }
            if !t.text.is_empty() {
                line.push_str(&format!(": {}", t.text));
            }
            lines.push(line);
        }
        match &self.next_page_token {
            Some(token) => lines.push(format!(
                "More tasks: call list_tasks again with page_token \"{token}\"."
            )),
            None => lines.push("This is the last page.".into()),
        }
        lines.push("Collect a task's result with get_task (agent and task_id).".into());
        lines.join("\n")
    }
}

impl Bridge {
    pub(super) async fn list_tasks(&self, args: Args) -> CallToolResult {
        let agent = match self.agent(&args.agent) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer(),
        };
        let query = ListTasksRequest {
            context_id: args.context_id.filter(|c| !c.trim().is_empty()),
            state: args.state.map(TaskState::from),
            page_size: args
                .page_size
                .filter(|n| n.is_finite())
                .map(|n| (n.round().clamp(1.0, f64::from(MAX_PAGE_SIZE))) as u32),
            page_token: args.page_token.filter(|t| !t.is_empty()),
        };
        match agent.conn.client.list_tasks(&query).await {
            Ok(page) => {
                let list = TaskList {
                    agent: agent.name().to_owned(),
                    tasks: page.tasks.iter().map(TaskEntry::from_task).collect(),
                    next_page_token: page.next_page_token,
                    total_size: page.total_size,
                };
                // Ids, timestamps and tokens come from the agent: the text is cut like any result.
                let text = truncate_str(&list.text(), self.settings.max_result_chars);
                let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                result.structured_content = serde_json::to_value(&list).ok();
                result
            }
            Err(e) => error_result(agent.name(), &format!("listing tasks: {e}"), None),
        }
    }
}
