//! A task (or direct reply) → the MCP tool result the model reads (pure).
//!
//! Text parts become text; data parts become `structuredContent.data` plus JSON text; files with bytes become
//! image/audio content by media type, or an embedded resource; files by URI become resource links. Every
//! result ends with one line carrying agent, state, task id and context id, and one sentence telling the
//! model what to do next; `structuredContent` carries the same in machine-readable form.

use rmcp::model::{CallToolResult, ContentBlock, Resource, ResourceContents};
use serde_json::{Value, json};

use super::view::TaskView;
use crate::a2a::{Part, TaskState};

/// Why the call returned: the task settled, or the wait budget ran out first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Settled,
    BudgetSpent,
}

/// Builds the tool result for `view`. `max_chars` caps the text so one huge artifact cannot flood the
/// model's context (the cut is stated, never silent).
pub fn result_from_view(
    agent: &str,
    view: &TaskView,
    ending: Ending,
    max_chars: usize,
) -> CallToolResult {
    let state = view.state.unwrap_or(TaskState::Completed);
    let state_name = if view.reply.is_some() {
        "completed"
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
    let mut files: Vec<Value> = Vec::new();
    let mut media: Vec<ContentBlock> = Vec::new();

    let status_text = view
        .status_message
        .as_ref()
        .map(|m| m.text())
        .filter(|t| !t.trim().is_empty());

    let mut collect = |parts: &[Part], artifact_id: &str, texts: &mut Vec<String>| {
        let mut text = String::new();
        for (i, part) in parts.iter().enumerate() {
            match part {
                // Chunks of one artifact are pieces of one text: join them without separators.
                Part::Text { text: t } => text.push_str(t),
                Part::Data { data: d } => {
                    data.push(d.clone());
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
                    files.push(json!({"name": label, "media_type": mime, "uri": uri}));
                    if let Some(b64) = bytes {
                        media.push(file_block(
                            b64,
                            &mime,
                            &label,
                            view.task_id.as_deref(),
                            artifact_id,
                        ));
                    } else if let Some(u) = uri {
                        media.push(ContentBlock::resource_link(
                            Resource::new(u.clone(), label).with_mime_type(mime),
                        ));
                    }
                }
            }
        }
        if !text.is_empty() {
            texts.push(text);
        }
    };

    if let Some(reply) = &view.reply {
        collect(&reply.parts, "reply", &mut texts);
    }
    for artifact in &view.artifacts {
        collect(&artifact.parts, &artifact.artifact_id, &mut texts);
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
    // A completed task whose only words are in its final status message.
    if body.is_empty()
        && data.is_empty()
        && files.is_empty()
        && matches!(state, TaskState::Completed)
        && view.reply.is_none()
        && let Some(t) = &status_text
    {
        main.push_str(t);
    }
    if ending == Ending::BudgetSpent && main.is_empty() {
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
    for d in &data {
        content.push(ContentBlock::text(d.to_string()));
    }
    content.extend(media);
    content.push(ContentBlock::text(footer(agent, view, state_name, ending)));

    let structured = json!({
        "agent": agent,
        "state": state_name,
        "task_id": view.task_id,
        "context_id": view.context_id,
        "text": main,
        "data": data,
        "files": files,
    });
    let mut result = if is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    result.structured_content = Some(structured);
    result
}

/// A tool error that never reached a task (agent unreachable, protocol error): text naming the agent and
/// the cause, with the same structured shape as other results.
pub fn error_result(agent: &str, message: &str, view: Option<&TaskView>) -> CallToolResult {
    let text = format!("agent \"{agent}\": {message}");
    let mut result = CallToolResult::error(vec![ContentBlock::text(text.clone())]);
    result.structured_content = Some(json!({
        "agent": agent,
        "state": "error",
        "task_id": view.and_then(|v| v.task_id.clone()),
        "context_id": view.and_then(|v| v.context_id.clone()),
        "text": text,
        "data": [],
        "files": [],
    }));
    result
}

fn file_block(
    b64: &str,
    mime: &str,
    label: &str,
    task_id: Option<&str>,
    artifact_id: &str,
) -> ContentBlock {
    if mime.starts_with("image/") {
        ContentBlock::image(b64.to_owned(), mime.to_owned())
    } else if mime.starts_with("audio/") {
        ContentBlock::audio(b64.to_owned(), mime.to_owned())
    } else {
        let uri = format!(
            "a2a://task/{}/artifact/{}/{}",
            task_id.unwrap_or("none"),
            artifact_id,
            label
        );
        ContentBlock::resource(
            ResourceContents::blob(b64.to_owned(), uri).with_mime_type(mime.to_owned()),
        )
    }
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
