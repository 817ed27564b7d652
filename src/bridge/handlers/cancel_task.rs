//! `cancel_task`: cancels an A2A task (A2A v0.3 `tasks/cancel`, v1.0 `CancelTask`).

use rmcp::model::{CallToolResult, Tool, ToolAnnotations};

use super::TaskRef;
use crate::a2a::error::TASK_NOT_CANCELABLE;
use crate::bridge::Bridge;
use crate::bridge::result::{self, error_result};
use crate::bridge::schema::input_schema;
use crate::bridge::view::TaskView;

pub const NAME: &str = "cancel_task";

pub type Args = TaskRef;

const TITLE: &str = "Cancel an A2A task";

pub(super) fn tool() -> Tool {
    Tool::new(
        NAME,
        "Cancel a running A2A task: pass the agent and task_id from an earlier result.",
        input_schema::<Args>(),
    )
    .with_title(TITLE)
    .with_raw_output_schema(result::output_schema())
    .with_annotations(
        ToolAnnotations::new()
            .destructive(true)
            .idempotent(true)
            .open_world(true),
    )
}

impl Bridge {
    pub(super) async fn cancel_task(&self, args: Args) -> CallToolResult {
        tracing::Span::current().record("task_id", args.task_id.as_str());
        let agent = match self.agent(&args.agent) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer(),
        };
        let name = agent.name();
        match agent.conn.client.cancel_task(&args.task_id).await {
            Ok(task) => result::cancel_result(
                name,
                &TaskView::from_task(task),
                self.settings.max_result_chars,
            ),
            Err(e) if e.is_code(TASK_NOT_CANCELABLE) => error_result(
                name,
                &format!(
                    "task {} cannot be canceled (it has probably finished already): {e}",
                    args.task_id
                ),
                None,
            ),
            Err(e) => error_result(name, &format!("canceling task {}: {e}", args.task_id), None),
        }
    }
}
