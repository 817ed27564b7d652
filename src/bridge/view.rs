//! `TaskView`: what the bridge knows of one task so far, folded from snapshots and stream events (pure).

use crate::a2a::{Artifact, Message, SendResponse, StreamEvent, Task, TaskState, TaskStatus};

/// The words of a status message: its text parts, or `None` when there is no message or only blank text.
pub fn said(message: Option<&Message>) -> Option<String> {
    message.map(Message::text).filter(|t| !t.trim().is_empty())
}

/// The line that stands for a status: the agent's words, else `task {state}`.
pub fn status_line(status: &TaskStatus) -> String {
    said(status.message.as_ref()).unwrap_or_else(|| format!("task {}", status.state))
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
    /// v0.3 `final: true` was seen.
    final_seen: bool,
}

impl TaskView {
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

    fn note_ids(&mut self, task_id: String, context_id: String) {
        if self.task_id.is_none() && !task_id.is_empty() {
            self.task_id = Some(task_id);
        }
        if self.context_id.is_none() && !context_id.is_empty() {
            self.context_id = Some(context_id);
        }
    }

    fn add_artifact(&mut self, artifact: Artifact, append: bool) {
        match self
            .artifacts
            .iter_mut()
            .find(|a| a.artifact_id == artifact.artifact_id)
        {
            Some(existing) if append => existing.parts.extend(artifact.parts),
            Some(existing) => *existing = artifact,
            None => self.artifacts.push(artifact),
        }
    }
}

#[cfg(test)]
mod tests;
