//! `TaskView`: what the bridge knows of one task so far, folded from snapshots and stream events (pure).
//!
//! Also how a part reads to the model (`read_part`), by the conventions of the frameworks that tag their
//! parts: Google ADK (and kagent, built on it) put `adk_type` (or `kagent_type`) in a data part's metadata
//! (`function_call`, `function_response`, `executable_code`, `code_execution_result`) and `adk_thought` on a
//! model's thinking. Other frameworks seen in the field (fasta2a, strands, LangGraph and CrewAI samples,
//! the a2a-sdk and @a2a-js/sdk examples) send plain text and untagged data parts: text is the answer, data
//! is data.

use serde_json::Value;

use crate::a2a::{Artifact, Message, Part, SendResponse, StreamEvent, Task, TaskState, TaskStatus};

/// Most interim messages (Message events during a task) kept; older ones are only relayed as progress.
const MAX_INTERIM_MESSAGES: usize = 32;

/// What one part is to the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Words for the model: text, or a tagged data part made readable (code, its result, a question).
    Shown(String),
    /// The agent's own workings (thoughts, tool calls and their responses): progress, not the answer.
    Internal(String),
    /// A data part nobody tagged, or a file: carried as it is (data as JSON text, files as content).
    Raw,
}

/// The metadata value under `key` with a framework's prefix (`adk_`, `kagent_`) or none.
fn tagged<'a>(metadata: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    let meta = metadata?.as_object()?;
    ["adk_", "kagent_", ""]
        .iter()
        .find_map(|prefix| meta.get(&format!("{prefix}{key}")))
}

/// `name(k=v, …)` for a function call's `args` (JSON values, keys in the agent's order).
fn call_line(data: &Value) -> String {
    let name = data
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("function");
    let args = match data.get("args") {
        Some(Value::Object(args)) => args
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::new(),
    };
    format!("{name}({args})")
}

/// How `part` reads to the model.
pub fn read_part(part: &Part) -> Reading {
    match part {
        Part::Text { text, metadata } => {
            if tagged(metadata.as_ref(), "thought").and_then(Value::as_bool) == Some(true) {
                Reading::Internal(text.clone())
            } else {
                Reading::Shown(text.clone())
            }
        }
        Part::Data { data, metadata } => {
            let kind = tagged(metadata.as_ref(), "type").and_then(Value::as_str);
            let long_running =
                tagged(metadata.as_ref(), "is_long_running").and_then(Value::as_bool) == Some(true);
            match kind {
                // A long-running call waits on someone outside the agent (ADK's way of asking for approval).
                Some("function_call") if long_running => {
                    Reading::Shown(format!("The agent asks to run {}", call_line(data)))
                }
                Some("function_call") => Reading::Internal(format!("calling {}", call_line(data))),
                Some("function_response") => Reading::Internal(format!(
                    "{} returned {}",
                    data.get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("a function"),
                    crate::a2a::wire::truncate_json(data.get("response").unwrap_or(data))
                )),
                Some("executable_code") => match data.get("code").and_then(Value::as_str) {
                    Some(code) => {
                        let lang = data
                            .get("language")
                            .and_then(Value::as_str)
                            .filter(|l| !l.eq_ignore_ascii_case("LANGUAGE_UNSPECIFIED"))
                            .unwrap_or("")
                            .to_ascii_lowercase();
                        Reading::Shown(format!("```{lang}\n{code}\n```"))
                    }
                    None => Reading::Raw,
                },
                Some("code_execution_result") => match data.get("output").and_then(Value::as_str) {
                    Some(output) => Reading::Shown(output.to_owned()),
                    None => Reading::Raw,
                },
                _ => Reading::Raw,
            }
        }
        Part::File { .. } => Reading::Raw,
    }
}

/// The words of `message` for the model: what `read_part` shows, plus untagged data parts as JSON text
/// (a question may be only data), one part per line; `None` when there is nothing to say.
pub fn said(message: Option<&Message>) -> Option<String> {
    message.and_then(|m| words(m, false))
}

/// `said`, plus the agent's own workings (for progress lines).
fn said_with_workings(message: Option<&Message>) -> Option<String> {
    message.and_then(|m| words(m, true))
}

fn words(message: &Message, workings: bool) -> Option<String> {
    let lines: Vec<String> = message
        .parts
        .iter()
        .filter_map(|part| match (read_part(part), part) {
            (Reading::Shown(t), _) => Some(t),
            (Reading::Internal(t), _) if workings => Some(t),
            (Reading::Raw, Part::Data { data, .. }) => Some(data.to_string()),
            _ => None,
        })
        .filter(|t| !t.trim().is_empty())
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The line that stands for a status: the agent's words (its workings included), else `task {state}`.
pub fn status_line(status: &TaskStatus) -> String {
    said_with_workings(status.message.as_ref()).unwrap_or_else(|| format!("task {}", status.state))
}

/// The progress line for an interim message (a Message event during a task).
pub fn message_line(message: &Message) -> Option<String> {
    said_with_workings(Some(message))
}

/// The task as seen so far. Artifacts are joined by `artifactId`, honouring `append`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskView {
    pub task_id: Option<String>,
    pub context_id: Option<String>,
    /// `None` until a task appears; stays `None` for a direct Message reply.
    pub state: Option<TaskState>,
    /// The agent's latest status message (a question, an error, a progress note).
    pub status_message: Option<Message>,
    pub artifacts: Vec<Artifact>,
    /// A direct Message reply instead of a task.
    pub reply: Option<Message>,
    /// Messages the agent sent while the task ran (a Message event after the task appeared and before it
    /// settled): progress, and the output when the task ends without artifacts. The latest
    /// `MAX_INTERIM_MESSAGES`.
    pub interim: Vec<Message>,
    /// v0.3 `final: true` was seen.
    final_seen: bool,
    /// How much output is kept (`max_output_bytes`) and what was cut.
    pub output: OutputBudget,
}

/// The cap on one task's output as the bridge holds it: artifact bytes kept, the cap, and what did not fit.
/// Every artifact counts `ARTIFACT_OVERHEAD` bytes and every part `PART_OVERHEAD` on top of its content, so
/// a flood of empty parts or artifacts is capped too.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputBudget {
    pub max: usize,
    pub used: usize,
    /// Bytes (content and overhead) of output dropped because it did not fit.
    pub cut: usize,
}

/// What one artifact counts against the output budget besides its parts.
const ARTIFACT_OVERHEAD: usize = 256;
/// What one part counts against the output budget besides its content.
const PART_OVERHEAD: usize = 16;

impl Default for OutputBudget {
    fn default() -> Self {
        OutputBudget {
            max: usize::MAX,
            used: 0,
            cut: 0,
        }
    }
}

/// What a part counts against the output budget.
fn part_cost(part: &Part) -> usize {
    PART_OVERHEAD
        + match part {
            Part::Text { text, .. } => text.len(),
            Part::Data { data, .. } => serde_json::to_vec(data).map_or(0, |v| v.len()),
            Part::File {
                bytes,
                uri,
                media_type,
                name,
            } => [bytes, uri, media_type, name]
                .iter()
                .map(|f| f.as_ref().map_or(0, String::len))
                .sum(),
        }
}

impl OutputBudget {
    fn room(&self) -> usize {
        self.max.saturating_sub(self.used)
    }

    /// Keeps the parts that fit (a text part may be cut at a character boundary), counting the rest as cut.
    fn admit(&mut self, parts: &mut Vec<Part>) {
        let mut keep = parts.len();
        for (i, part) in parts.iter_mut().enumerate() {
            let cost = part_cost(part);
            if cost <= self.room() {
                self.used += cost;
                continue;
            }
            keep = i;
            if let Part::Text { text, .. } = part
                && self.room() > PART_OVERHEAD
            {
                let mut end = self.room() - PART_OVERHEAD;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                self.cut += text.len() - end;
                text.truncate(end);
                self.used += PART_OVERHEAD + end;
                keep = i + 1;
            }
            break;
        }
        for dropped in parts.drain(keep..) {
            self.cut += part_cost(&dropped);
        }
    }
}

/// The artifact's content cost.
fn artifact_cost(artifact: &Artifact) -> usize {
    ARTIFACT_OVERHEAD + artifact.parts.iter().map(part_cost).sum::<usize>()
}

impl TaskView {
    /// A copy without the artifacts (which can be large), for a view whose artifacts are replaced.
    pub fn clone_without_artifacts(&self) -> TaskView {
        TaskView {
            task_id: self.task_id.clone(),
            context_id: self.context_id.clone(),
            state: self.state,
            status_message: self.status_message.clone(),
            artifacts: Vec::new(),
            reply: self.reply.clone(),
            interim: self.interim.clone(),
            final_seen: self.final_seen,
            output: self.output.clone(),
        }
    }

    pub fn from_task(task: Task) -> Self {
        let mut view = TaskView::default();
        view.merge_task(task);
        view
    }

    /// A task known only by its id, before its first snapshot.
    pub fn for_task(task_id: &str) -> Self {
        TaskView {
            task_id: Some(task_id.to_owned()),
            ..TaskView::default()
        }
    }

    pub fn from_response(response: SendResponse) -> Self {
        let mut view = TaskView::default();
        match response {
            SendResponse::Task(t) => view.merge_task(t),
            SendResponse::Message(m) => view.set_reply(m),
        }
        view
    }

    /// Caps the output kept to `max_bytes` from now on (and trims what is there).
    pub fn limit_output(&mut self, max_bytes: usize) {
        self.output.max = max_bytes;
        self.recount_output();
    }

    /// Whether output was cut, and how many bytes.
    pub fn output_cut(&self) -> Option<usize> {
        (self.output.cut > 0).then_some(self.output.cut)
    }

    /// Counts the artifacts against the budget from scratch, trimming what does not fit.
    fn recount_output(&mut self) {
        let mut budget = std::mem::take(&mut self.output);
        budget.used = 0;
        budget.cut = 0;
        self.artifacts.retain_mut(|a| {
            if budget.room() < ARTIFACT_OVERHEAD {
                budget.cut += artifact_cost(a);
                return false;
            }
            budget.used += ARTIFACT_OVERHEAD;
            budget.admit(&mut a.parts);
            true
        });
        self.output = budget;
    }

    /// Fits an incoming artifact event into the budget before it is folded in (`false`: nothing of it fits,
    /// drop it); a replaced artifact gives its room back first.
    fn admit_artifact(&mut self, artifact: &mut Artifact, append: bool) -> bool {
        if self.output.max == usize::MAX {
            return true;
        }
        if self.output.room() == 0 {
            // Full: drop without looking for the artifact it belongs to.
            self.output.cut += artifact.parts.iter().map(part_cost).sum::<usize>();
            return false;
        }
        let existing = self
            .artifacts
            .iter()
            .find(|a| a.artifact_id == artifact.artifact_id);
        match existing {
            Some(old) if !append => {
                self.output.used = self.output.used.saturating_sub(artifact_cost(old));
                self.output.used += ARTIFACT_OVERHEAD;
            }
            Some(_) => {}
            None if self.output.room() < ARTIFACT_OVERHEAD => {
                self.output.cut += artifact_cost(artifact);
                return false;
            }
            None => self.output.used += ARTIFACT_OVERHEAD,
        }
        self.output.admit(&mut artifact.parts);
        true
    }

    /// Nothing more will happen without the caller: a reply, a terminal or interrupted state, or `final`.
    pub fn is_settled(&self) -> bool {
        self.reply.is_some() || self.final_seen || self.state.is_some_and(TaskState::is_settled)
    }

    /// The words of the agent's latest status message, if it has any.
    pub fn status_text(&self) -> Option<String> {
        said(self.status_message.as_ref())
    }

    /// A task snapshot replaces state and status; its artifacts replace ours when it has any.
    pub fn merge_task(&mut self, task: Task) {
        self.task_id = Some(task.id);
        if !task.context_id.is_empty() {
            self.context_id = Some(task.context_id);
        }
        self.set_status(task.status);
        if !task.artifacts.is_empty() {
            self.artifacts = task.artifacts;
            if self.output.max != usize::MAX {
                self.recount_output();
            }
        }
        // A fresh snapshot that is not settled means an earlier `final` no longer holds (a resumed task).
        self.final_seen = false;
    }

    /// A new status: the state always, the message when there is one or the task settled (a settled task's
    /// missing message clears an older progress note).
    fn set_status(&mut self, status: TaskStatus) {
        self.state = Some(status.state);
        if status.message.is_some() || status.state.is_settled() {
            self.status_message = status.message;
        }
    }

    fn set_reply(&mut self, message: Message) {
        if let Some(ctx) = &message.context_id {
            self.context_id = Some(ctx.clone());
        }
        if self.task_id.is_none() {
            self.task_id = message.task_id.clone();
        }
        self.reply = Some(message);
    }

    pub fn apply(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::Task(task) => self.merge_task(task),
            StreamEvent::Message(mut message) if self.takes_as_progress(&message) => {
                // Interim messages count against the output budget like artifacts, so a stream of them cannot
                // grow one call past `max_output_bytes` either.
                if self.output.max != usize::MAX {
                    self.output.admit(&mut message.parts);
                }
                if message.parts.is_empty() {
                    return;
                }
                if self.interim.len() == MAX_INTERIM_MESSAGES {
                    self.interim.remove(0);
                }
                self.interim.push(message);
            }
            StreamEvent::Message(message) => self.set_reply(message),
            StreamEvent::Status {
                task_id,
                context_id,
                status,
                is_final,
            } => {
                self.note_ids(task_id, context_id);
                self.set_status(status);
                self.final_seen |= is_final;
            }
            StreamEvent::Artifact {
                task_id,
                context_id,
                artifact,
                append,
                ..
            } => {
                self.note_ids(task_id, context_id);
                self.add_artifact(artifact, append);
            }
        }
    }

    /// Whether a Message event is progress of this task rather than the reply that ends the exchange: a
    /// task has appeared, has not settled, and the message does not name another task.
    pub fn takes_as_progress(&self, message: &Message) -> bool {
        self.state.is_some()
            && !self.is_settled()
            && message
                .task_id
                .as_deref()
                .is_none_or(|t| self.task_id.as_deref() == Some(t))
    }

    fn note_ids(&mut self, task_id: String, context_id: String) {
        if self.task_id.is_none() && !task_id.is_empty() {
            self.task_id = Some(task_id);
        }
        if self.context_id.is_none() && !context_id.is_empty() {
            self.context_id = Some(context_id);
        }
    }

    fn add_artifact(&mut self, mut artifact: Artifact, append: bool) {
        if !self.admit_artifact(&mut artifact, append) {
            return;
        }
        match self
            .artifacts
            .iter_mut()
            .find(|a| a.artifact_id == artifact.artifact_id)
        {
            Some(existing) if append => {
                // A chunk continues the text it follows: join the two raw; distinct parts stay distinct.
                let mut parts = artifact.parts.into_iter();
                let mut next = parts.next();
                if let (Some(Part::Text { text: last, .. }), Some(Part::Text { text: first, .. })) =
                    (existing.parts.last_mut(), next.as_ref())
                {
                    last.push_str(first);
                    next = None;
                }
                existing.parts.extend(next.into_iter().chain(parts));
            }
            Some(existing) => *existing = artifact,
            None => self.artifacts.push(artifact),
        }
    }
}

#[cfg(test)]
mod tests;

/// The output budget under arbitrary artifact events (kept apart from `tests`, which covers folding).
#[cfg(test)]
mod budget_tests {
    use proptest::prelude::*;

    use super::*;

    fn event(id: u8, text_len: usize, parts: usize, append: bool) -> StreamEvent {
        StreamEvent::Artifact {
            task_id: "t".into(),
            context_id: "c".into(),
            artifact: Artifact {
                artifact_id: format!("a{id}"),
                name: None,
                description: None,
                parts: (0..parts)
                    .map(|_| Part::text("é".repeat(text_len)))
                    .collect(),
            },
            append,
            last_chunk: false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn output_never_exceeds_the_cap(
            max in 0usize..5_000,
            events in prop::collection::vec((0u8..4, 0usize..300, 0usize..5, any::<bool>()), 0..40),
        ) {
            let mut view = TaskView::default();
            view.limit_output(max);
            for (id, len, parts, append) in events {
                view.apply(event(id, len, parts, append));
                prop_assert!(view.output.used <= max, "{} > {max}", view.output.used);
            }
            let kept: usize = view.artifacts.iter().flat_map(|a| &a.parts).map(|p| match p {
                Part::Text { text, .. } => text.len(),
                _ => 0,
            }).sum();
            prop_assert!(kept <= max);
        }
    }

    #[test]
    fn a_flood_of_chunks_is_cut_and_said() {
        let mut view = TaskView::default();
        view.limit_output(1 << 20);
        for i in 0..200 {
            view.apply(event(0, 32 << 10, 1, i > 0));
        }
        assert!(view.output.used <= 1 << 20);
        assert!(view.output_cut().unwrap() > 10 << 20);
        assert_eq!(view.artifacts.len(), 1);
    }
}
