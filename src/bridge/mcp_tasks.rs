//! The MCP tasks extension (`io.modelcontextprotocol/tasks`, 2026-07-28) mapped onto A2A tasks.
//!
//! The extension leaves it to the server to decide, per request, whether a call becomes a task; the client
//! cannot ask for one, and declaring the extension does not mean it wants one. So a call from a client that
//! declares it runs like any other: followed for its wait budget, the user asked (by elicitation or MRTR, if
//! the client declared that) while the agent waits on them, and answered with a plain result when it ends in
//! time. Only work still running when the budget is spent is returned as an MCP task, in place of the
//! `get_task` handle other clients get. The bridge keeps no task state: the MCP task id is
//! `a2a:{agent}:{A2A task id}`, so `tasks/get`, `tasks/update` and `tasks/cancel` are answered from the agent
//! itself by any bridge process.
//!
//! | A2A state                         | MCP task status                                   |
//! |-----------------------------------|---------------------------------------------------|
//! | submitted, working, unknown       | working (the agent's latest words as the message) |
//! | input-required, auth-required     | input_required (one form: the agent's question)   |
//! | completed, failed, rejected       | completed (the tool result; isError when failed)  |
//! | canceled                          | cancelled                                         |

use std::time::SystemTime;

use rmcp::model::{
    CallToolResponse, CancelTaskParams, CreateTaskResult, DetailedTask, GetTaskParams,
    GetTaskResult, JsonObject, Task as McpTask, TaskPayload, TaskStatus as McpStatus,
    UpdateTaskParams,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};

use super::Bridge;
use super::ask::{self, PendingInput};
use super::follow::Outcome;
use super::handlers::{Agent, AgentError};
use super::result::Ending;
use super::view::{TaskView, said};
use crate::a2a::{Task, TaskState, TaskStatus};

/// How often clients should poll `tasks/get`.
const POLL_INTERVAL_MS: u64 = 1_000;
const PREFIX: &str = "a2a:";

/// Whether the client declared the tasks extension (per request for 2026 clients, at `initialize` otherwise).
pub fn client_wants_tasks(ctx: &RequestContext<RoleServer>) -> bool {
    ctx.client_capabilities()
        .is_some_and(|c| c.supports_tasks())
}

/// The MCP task id for an A2A task: agent names cannot contain `:`, task ids may.
pub fn mcp_task_id(agent: &str, a2a_task_id: &str) -> String {
    format!("{PREFIX}{agent}:{a2a_task_id}")
}

/// `(agent, A2A task id)` from an MCP task id.
pub fn parse_task_id(id: &str) -> Option<(&str, &str)> {
    let rest = id.strip_prefix(PREFIX)?;
    let (agent, task) = rest.split_once(':')?;
    (!agent.is_empty() && !task.is_empty()).then_some((agent, task))
}

impl Bridge {
    /// The MCP task for an outcome whose wait budget was spent while the A2A task still runs; `None` for any
    /// other outcome (settled, waiting on the user, failed, or never a task), which is a plain result.
    pub(super) fn task_for(&self, agent: &str, outcome: &Outcome) -> Option<CallToolResponse> {
        let Outcome::Done(view, Ending::BudgetSpent) = outcome else {
            return None;
        };
        let state = view.state?;
        if view.is_settled() {
            return None;
        }
        let task = Task {
            id: view.task_id.clone()?,
            context_id: view.context_id.clone().unwrap_or_default(),
            status: TaskStatus {
                state,
                message: view.status_message.clone(),
                timestamp: None,
            },
            artifacts: Vec::new(),
        };
        tracing::Span::current().record("task_id", task.id.as_str());
        Some(CallToolResponse::Task(CreateTaskResult::new(
            self.mcp_task(agent, &task),
        )))
    }

    /// `tasks/get`: the A2A task's state, and its result once it has one.
    pub async fn mcp_tasks_get(&self, params: GetTaskParams) -> Result<GetTaskResult, McpError> {
        let (agent, a2a_id) = self.task_target(&params.task_id)?;
        let name = agent.name();
        let task = agent
            .conn
            .client
            .get_task(a2a_id)
            .await
            .map_err(|e| task_error(name, a2a_id, e))?;
        let base = self.mcp_task(name, &task);
        let payload = match task.status.state {
            TaskState::Submitted | TaskState::Working | TaskState::Unknown => TaskPayload::Working,
            TaskState::InputRequired | TaskState::AuthRequired => TaskPayload::InputRequired {
                input_requests: ask::question_requests(
                    name,
                    said(task.status.message.as_ref()).as_deref(),
                ),
            },
            TaskState::Canceled => TaskPayload::Cancelled,
            TaskState::Completed | TaskState::Failed | TaskState::Rejected => {
                let result = self.result(name, &TaskView::from_task(task), Ending::Settled);
                let result = match serde_json::to_value(result) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => JsonObject::new(),
                };
                TaskPayload::Completed { result }
            }
        };
        // The status message and the question are the agent's words: scrubbed like every result.
        Ok(super::scrub_result::round_trip(
            &self.registry.scrubber,
            GetTaskResult::new(DetailedTask::new(base, payload)),
        ))
    }

    /// `tasks/update`: the answer to the agent's question, sent as the task's next message.
    pub async fn mcp_tasks_update(&self, params: UpdateTaskParams) -> Result<(), McpError> {
        let (agent, a2a_id) = self.task_target(&params.task_id)?;
        let answer = ask::answer_from_responses(&params.input_responses).ok_or_else(|| {
            McpError::invalid_params(
                format!(
                    "tasks/update needs an accepted \"{}\" response",
                    ask::ANSWER_KEY
                ),
                None,
            )
        })?;
        let pending = PendingInput {
            agent: agent.name().to_owned(),
            task_id: a2a_id.to_owned(),
            context_id: None,
        };
        let message = ask::answer_message(answer, &pending);
        agent
            .conn
            .client
            .send_message(&message, false)
            .await
            .map(|_| ())
            .map_err(|e| task_error(agent.name(), a2a_id, e))
    }

    /// `tasks/cancel`: cancels the A2A task.
    pub async fn mcp_tasks_cancel(&self, params: CancelTaskParams) -> Result<(), McpError> {
        let (agent, a2a_id) = self.task_target(&params.task_id)?;
        agent
            .conn
            .client
            .cancel_task(a2a_id)
            .await
            .map(|_| ())
            .map_err(|e| {
                McpError::invalid_params(
                    format!(
                        "agent \"{}\": cannot cancel task {a2a_id}: {e}",
                        agent.name()
                    ),
                    None,
                )
            })
    }

    /// The agent and A2A task id an MCP task id names; every failure is `invalid_params`, because MCP task
    /// requests have no tool result to carry one.
    fn task_target<'a>(&self, mcp_id: &'a str) -> Result<(Agent<'_>, &'a str), McpError> {
        let (agent, a2a_id) = parse_task_id(mcp_id)
            .ok_or_else(|| McpError::invalid_params(format!("unknown task id {mcp_id:?}"), None))?;
        match self.agent(agent) {
            Ok(agent) => Ok((agent, a2a_id)),
            Err(AgentError::Unknown { .. }) => Err(McpError::invalid_params(
                format!("task {mcp_id:?} names an unknown agent"),
                None,
            )),
            Err(AgentError::NotReady { agent, .. }) => Err(McpError::invalid_params(
                format!("agent \"{agent}\" is not reachable right now"),
                None,
            )),
        }
    }

    fn mcp_task(&self, agent: &str, task: &Task) -> McpTask {
        let when = task
            .status
            .timestamp
            .clone()
            .unwrap_or_else(|| crate::a2a::wire::timestamp(SystemTime::now()));
        let status = match task.status.state {
            TaskState::InputRequired | TaskState::AuthRequired => McpStatus::InputRequired,
            TaskState::Canceled => McpStatus::Cancelled,
            s if s.is_terminal() => McpStatus::Completed,
            _ => McpStatus::Working,
        };
        McpTask::new(mcp_task_id(agent, &task.id), status, when.clone(), when)
            .with_poll_interval_ms(POLL_INTERVAL_MS)
            .with_status_message(
                said(task.status.message.as_ref())
                    .unwrap_or_else(|| format!("A2A task {}", task.status.state)),
            )
    }
}

/// A failed request about an MCP task's A2A task, as `invalid_params` naming the agent and the task.
fn task_error(agent: &str, a2a_id: &str, error: crate::a2a::A2aError) -> McpError {
    McpError::invalid_params(format!("agent \"{agent}\": task {a2a_id}: {error}"), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_round_trip() {
        let id = mcp_task_id("research", "t:1:2");
        assert_eq!(id, "a2a:research:t:1:2");
        assert_eq!(parse_task_id(&id), Some(("research", "t:1:2")));
        assert_eq!(parse_task_id("other:x"), None);
        assert_eq!(parse_task_id("a2a:agent:"), None);
    }
}
