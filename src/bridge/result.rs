//! A task (or direct reply) → the MCP tool result the model reads (pure).
//!
//! Text parts become text; data parts become `structuredContent.data` plus JSON text; files with bytes become
//! image/audio content by media type, or an embedded resource; files by URI become resource links. Every
//! result ends with one line carrying agent, state, task id and context id, and one sentence telling the
//! model what to do next; `structuredContent` carries the same in machine-readable form (`CallOutput`).

use std::sync::{Arc, OnceLock};

use rmcp::model::{CallToolResult, ContentBlock, JsonObject, Resource, ResourceContents};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::schema;
use super::view::{Reading, TaskView, read_part, said};
use crate::a2a::{Part, TaskState};

/// The `structuredContent` of every tool that sends a message or reads a task, on success and on error
/// alike, so a client can rely on one shape. Its schema is every such tool's `outputSchema`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct CallOutput {
    /// The agent's name, as configured.
    pub agent: String,
    /// The A2A task state the agent reported (v0.3 spelling), `message` for a direct Message reply (no
    /// task), or `error` when the call never got an answer about a task.
    pub state: CallState,
    /// The A2A task id; null when the agent replied without a task or the call never reached one.
    pub task_id: Option<String>,
    /// The A2A context id (the conversation); null when the agent gave none.
    pub context_id: Option<String>,
    /// The agent's text output (or the error), as the text content says it.
    pub text: String,
    /// Data parts of the output, in order.
    pub data: Vec<Value>,
    /// File parts of the output, in order; their bytes or links are in the content blocks.
    pub files: Vec<FileRef>,
}

/// The `state` of a `CallOutput`: the A2A task state the agent reported, in the v0.3 spelling (A2A v0.3
/// `TaskState`; v1.0 states are mapped onto it), `message` for a direct Message reply (A2A v0.3 §7.1: the
/// agent answered without a task), or `error` when the call never got an answer about a task (agent
/// unreachable, protocol error, no answer in time, bad `wait_seconds`). Never a state the agent did not
/// report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CallState {
    Submitted,
    Working,
    InputRequired,
    AuthRequired,
    Completed,
    Canceled,
    Failed,
    Rejected,
    Unknown,
    Message,
    Error,
}

impl From<TaskState> for CallState {
    fn from(state: TaskState) -> Self {
        match state {
            TaskState::Submitted => CallState::Submitted,
            TaskState::Working => CallState::Working,
            TaskState::InputRequired => CallState::InputRequired,
            TaskState::AuthRequired => CallState::AuthRequired,
            TaskState::Completed => CallState::Completed,
            TaskState::Canceled => CallState::Canceled,
            TaskState::Failed => CallState::Failed,
            TaskState::Rejected => CallState::Rejected,
            TaskState::Unknown => CallState::Unknown,
        }
    }
}

/// A file the agent returned.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct FileRef {
    /// The file's name, or `{artifact id}-{part index}` when it has none.
    pub name: String,
    /// Its media type (`application/octet-stream` when the agent gave none).
    pub media_type: String,
    /// Where the agent keeps it; null when the bytes came inline.
    pub uri: Option<String>,
}

/// The `outputSchema` of every tool whose result is a `CallOutput`, built once and shared.
pub fn output_schema() -> Arc<JsonObject> {
    static SCHEMA: OnceLock<Arc<JsonObject>> = OnceLock::new();
    Arc::clone(SCHEMA.get_or_init(schema::output_schema::<CallOutput>))
}

impl CallOutput {
    /// Sets `self` as the result's `structuredContent`.
    fn attach(self, result: &mut CallToolResult) {
        // A struct of strings, arrays of JSON values and an enum always serializes.
        result.structured_content = serde_json::to_value(self).ok();
    }
}

/// Why the call returned: the task settled, or the wait budget ran out first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Settled,
    BudgetSpent,
}

/// Builds the tool result for `view`. `max_chars` caps the text so one huge artifact cannot flood the
/// model's context (the cut is stated, never silent).
///
/// The state shown is only ever one the agent reported (`unknown` when a view has none, which `Follow`
/// never hands over), or `message` for a direct reply. Distinct parts are separate lines (`append` chunks
/// were already joined by `TaskView`); artifacts are separated by a blank line.
pub fn result_from_view(
    agent: &str,
    view: &TaskView,
    ending: Ending,
    max_chars: usize,
) -> CallToolResult {
    let state = view.state.unwrap_or(TaskState::Unknown);
    let shown: CallState = if view.reply.is_some() {
        CallState::Message
    } else {
        state.into()
    };
    let state_name = if view.reply.is_some() {
        "message"
    } else {
        state.as_str()
    };
    let is_error = view.reply.is_none()
        && matches!(
            state,
            TaskState::Failed | TaskState::Rejected | TaskState::Canceled
        );

    let mut texts: Vec<String> = Vec::new();
    let mut data: Vec<Value> = Vec::new();
    let mut raw_data: Vec<Value> = Vec::new();
    let mut files: Vec<FileRef> = Vec::new();
    let mut media: Vec<ContentBlock> = Vec::new();

    let status_text = view.status_text();

    // `is_artifact`: the parts are an artifact's (which `resources/read` serves), not a direct reply's.
    let mut collect =
        |parts: &[Part], artifact_id: &str, is_artifact: bool, texts: &mut Vec<String>| {
            let mut lines: Vec<String> = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                let reading = read_part(part);
                if let Reading::Shown(t) = &reading
                    && !t.is_empty()
                {
                    lines.push(t.clone());
                }
                match part {
                    Part::Text { .. } => {}
                    Part::Data { data: d, .. } => {
                        data.push(d.clone());
                        if reading == Reading::Raw {
                            raw_data.push(d.clone());
                        }
                    }
                    Part::File {
                        bytes,
                        uri,
                        media_type,
                        name,
                    } => {
                        let mime = media_type
                            .clone()
                            .unwrap_or_else(|| "application/octet-stream".into());
                        let label = name.clone().unwrap_or_else(|| format!("{artifact_id}-{i}"));
                        files.push(FileRef {
                            name: label.clone(),
                            media_type: mime.clone(),
                            uri: uri.clone(),
                        });
                        if let Some(b64) = bytes {
                            let served = match (&view.task_id, is_artifact) {
                                (Some(task_id), true) => Some(super::resources::Target::Part {
                                    agent: agent.to_owned(),
                                    task_id: task_id.clone(),
                                    artifact_id: artifact_id.to_owned(),
                                    index: i,
                                }),
                                _ => None,
                            };
                            media.push(file_block(b64, &mime, agent, artifact_id, i, served));
                        } else if let Some(u) = uri {
                            // A link is a URI the client may fetch or subscribe to (MCP 2025-11-25 tools,
                            // resource links), and hosts read links with resources/read, which serves only the
                            // bridge's own a2a:// URIs (an outlined part, `artifacts`): those stay links. The
                            // agent's own URL is for whoever can reach it (MCP 2025-11-25 resources: https://
                            // only when the client fetches it itself), so it is plain text.
                            media.push(if super::resources::Target::parse(u).is_some() {
                                ContentBlock::resource_link(
                                    Resource::new(u.clone(), label).with_mime_type(mime),
                                )
                            } else {
                                ContentBlock::text(format!("File {label} ({mime}): {u}"))
                            });
                        }
                    }
                }
            }
            if !lines.is_empty() {
                texts.push(lines.join("\n"));
            }
        };

    if let Some(reply) = &view.reply {
        collect(&reply.parts, "reply", false, &mut texts);
    }
    for artifact in &view.artifacts {
        collect(&artifact.parts, &artifact.artifact_id, true, &mut texts);
    }
    let produced = !(texts.is_empty() && data.is_empty() && files.is_empty());
    // The words of a settled task's status message are part of its answer; its data parts too.
    if view.reply.is_none()
        && state.is_settled()
        && let Some(message) = &view.status_message
    {
        for part in &message.parts {
            if let Part::Data { data: d, .. } = part {
                data.push(d.clone());
            }
        }
    }

    let mut main = String::new();
    match state {
        _ if view.reply.is_some() => {}
        TaskState::InputRequired => {
            main.push_str(&format!(
                "The agent \"{agent}\" needs more input: {}\n",
                status_text.as_deref().unwrap_or("(no question given)")
            ));
        }
        TaskState::AuthRequired => {
            main.push_str(&format!(
                "The agent \"{agent}\" needs the user to authenticate: {}\n",
                status_text.as_deref().unwrap_or("(no instructions given)")
            ));
        }
        TaskState::Failed | TaskState::Rejected | TaskState::Canceled => {
            main.push_str(&format!(
                "agent \"{agent}\": task {state}{}\n",
                status_text
                    .as_deref()
                    .map(|t| format!(": {t}"))
                    .unwrap_or_default()
            ));
        }
        _ => {}
    }
    let body = texts.join("\n\n");
    main.push_str(&body);
    // A completed task without output: its words are the messages it sent while working and its final
    // status message.
    if !produced && matches!(state, TaskState::Completed) && view.reply.is_none() {
        let mut words: Vec<String> = view.interim.iter().filter_map(|m| said(Some(m))).collect();
        if let Some(t) = &status_text
            && !words.contains(t)
        {
            words.push(t.clone());
        }
        main.push_str(&words.join("\n"));
    }
    if ending == Ending::BudgetSpent && !state.is_settled() && main.is_empty() {
        main.push_str(&format!(
            "The agent \"{agent}\" is still working on this task (state: {state_name})."
        ));
        if let Some(t) = &status_text {
            main.push_str(&format!(" Latest update: {t}"));
        }
    }
    let main = cap_text(main.trim_end(), max_chars);

    let mut content = Vec::new();
    if !main.is_empty() {
        content.push(ContentBlock::text(main.clone()));
    }
    for d in &raw_data {
        content.push(ContentBlock::text(d.to_string()));
    }
    content.extend(media);
    content.push(ContentBlock::text(footer(agent, view, state_name, ending)));

    let mut result = if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    CallOutput {
        agent: agent.to_owned(),
        state: shown,
        task_id: view.task_id.clone(),
        context_id: view.context_id.clone(),
        text: main,
        data,
        files,
    }
    .attach(&mut result);
    result
}

/// The tool error for a call that could not be followed: the agent's name and the cause; when a task is
/// known, its id and the state the agent last reported, in the text and in `structuredContent`.
pub fn failure_result(
    agent: &str,
    error: &crate::a2a::A2aError,
    view: &TaskView,
) -> CallToolResult {
    let message = match (&view.task_id, view.state) {
        (Some(id), Some(state)) => format!("{error} (task {id}, last reported {state})"),
        (Some(id), None) => format!("{error} (task {id})"),
        // Too large to read, so its task id is unknown: the agent may well have taken the message.
        _ if matches!(error, crate::a2a::A2aError::TooLarge { .. }) => format!(
            "{error}; the agent may have received the message: list_tasks (A2A 1.0 agents) shows its recent tasks"
        ),
        _ => error.to_string(),
    };
    error_result(agent, &message, Some(view))
}

/// A tool error that never reached a task (agent unreachable, protocol error): text naming the agent and
/// the cause, with the same structured shape as other results.
/// `result` with `note` as its first line, in the text content and in `structuredContent.text` alike.
pub fn with_note(mut result: CallToolResult, note: &str) -> CallToolResult {
    if let Some(ContentBlock::Text(text)) = result
        .content
        .iter_mut()
        .find(|c| matches!(c, ContentBlock::Text(_)))
    {
        text.text = format!("{note}\n{}", text.text);
    }
    if let Some(Value::String(text)) = result
        .structured_content
        .as_mut()
        .and_then(|s| s.get_mut("text"))
    {
        *text = format!("{note}\n{text}");
    }
    result
}

pub fn error_result(agent: &str, message: &str, view: Option<&TaskView>) -> CallToolResult {
    let text = format!("agent \"{agent}\": {message}");
    let mut result = CallToolResult::error(vec![ContentBlock::text(text.clone())]);
    CallOutput {
        agent: agent.to_owned(),
        state: CallState::Error,
        task_id: view.and_then(|v| v.task_id.clone()),
        context_id: view.and_then(|v| v.context_id.clone()),
        text,
        data: Vec::new(),
        files: Vec::new(),
    }
    .attach(&mut result);
    result
}

/// A file part with bytes as a content block: an image or audio by its media type, else an embedded resource
/// under the URI `resources/read` serves it at (`a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}/parts/
/// {index}`, `served`); a part the bridge cannot read again (a direct reply's, or a view without a task) is
/// named `urn:a2a-bridge:inline:{agent}:{artifact_id or "reply"}:{index}`, which is not a resource URI: its
/// bytes are all there is.
fn file_block(
    b64: &str,
    mime: &str,
    agent: &str,
    artifact_id: &str,
    index: usize,
    served: Option<super::resources::Target>,
) -> ContentBlock {
    if mime.starts_with("image/") {
        ContentBlock::image(b64.to_owned(), mime.to_owned())
    } else if mime.starts_with("audio/") {
        ContentBlock::audio(b64.to_owned(), mime.to_owned())
    } else {
        let uri = match served {
            Some(target) => target.uri(),
            None => format!(
                "urn:a2a-bridge:inline:{}:{}:{index}",
                super::resources::encode(agent),
                super::resources::encode(artifact_id)
            ),
        };
        ContentBlock::resource(
            ResourceContents::blob(b64.to_owned(), uri).with_mime_type(mime.to_owned()),
        )
    }
}

/// The result of `tasks/cancel` / `CancelTask`: the task as the agent reports it right after. An agent that
/// cancels a moment later (@a2a-js/sdk 0.2) still says `working`: the result says that the cancel was
/// requested and how to confirm it.
pub fn cancel_result(agent: &str, view: &TaskView, max_chars: usize) -> CallToolResult {
    let state = view.state.unwrap_or(TaskState::Unknown);
    let mut result = result_from_view(agent, view, Ending::Settled, max_chars);
    if state == TaskState::Canceled {
        // A canceled task is what was asked for, not an error.
        result.is_error = Some(false);
        return result;
    }
    if state.is_terminal() {
        return result;
    }
    let task = view.task_id.as_deref().unwrap_or("");
    let note = format!(
        "The cancel of task {task} was requested; the agent \"{agent}\" still reports it as {state}. To \
         confirm it ended, call get_task with agent \"{agent}\" and task_id \"{task}\"."
    );
    result.content.insert(0, ContentBlock::text(note.clone()));
    if let Some(Value::Object(out)) = result.structured_content.as_mut() {
        let text = match out.get("text").and_then(Value::as_str) {
            Some(t) if !t.is_empty() => format!("{note}\n{t}"),
            _ => note,
        };
        out.insert("text".into(), Value::String(text));
    }
    result
}

/// The machine-readable line and the next step, in one plain sentence.
fn footer(agent: &str, view: &TaskView, state_name: &str, ending: Ending) -> String {
    let mut line = format!("[agent: {agent} | state: {state_name}");
    if let Some(t) = &view.task_id {
        line.push_str(&format!(" | task_id: {t}"));
    }
    if let Some(c) = &view.context_id {
        line.push_str(&format!(" | context_id: {c}"));
    }
    line.push(']');
    let task = view.task_id.as_deref().unwrap_or("");
    let next = match view.state {
        _ if view.reply.is_some() => view.context_id.as_ref().map(|c| {
            format!("To follow up in the same conversation, call again with context_id \"{c}\".")
        }),
        Some(TaskState::InputRequired) => Some(format!(
            "To answer, call the same tool again with task_id \"{task}\" and the answer as message."
        )),
        Some(TaskState::AuthRequired) => Some(format!(
            "Ask the user to complete that step, then call the same tool again with task_id \"{task}\"."
        )),
        Some(s) if !s.is_terminal() && ending == Ending::BudgetSpent => Some(format!(
            "The task keeps running: call get_task with agent \"{agent}\" and task_id \"{task}\" to collect the result."
        )),
        Some(TaskState::Completed) => view.context_id.as_ref().map(|c| {
            format!("To follow up in the same conversation, call again with context_id \"{c}\".")
        }),
        _ => None,
    };
    match next {
        Some(n) => format!("{line}\n{n}"),
        None => line,
    }
}

/// `text` cut to `max` characters, saying how much was left out.
fn cap_text(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => {
            let rest = text[cut..].chars().count();
            format!(
                "{}\n[… {rest} more characters cut by the bridge (max_result_chars)]",
                &text[..cut]
            )
        }
    }
}

#[cfg(test)]
mod tests;
