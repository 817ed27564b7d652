//! Tool handlers, one file per tool: `Bridge::call_tool` looks the tool up and hands the arguments to it.
//!
//! - `message`: a skill tool, and `send_message` (any agent by name);
//! - `list_agents`, `get_agent_card`, `get_task`, `cancel_task`, `list_tasks`, `find_skills`, `read_artifact`:
//!   the bridge's own tools.
//!
//! Each file holds the tool's arguments (the serde type that reads them is the one its `inputSchema` is
//! derived from), the tool as listed, and the handler.
//!
//! Error mapping (ARCHITECTURE.md has the table): an unknown tool is `invalid_params` (MCP 2025-11-25 tools,
//! its message says how skills are reached: `Registry::unknown_tool`); arguments that do not
//! fit the schema, an unknown agent, and everything the agent did or failed to do are tool results,
//! `isError: true` when the call cannot go on, so the model reads the cause and can correct its call
//! (MCP 2025-11-25 tools, SEP-1303; `args` reads the arguments).

mod args;
mod cancel_task;
mod find_skills;
mod get_agent_card;
mod get_task;
mod list_agents;
mod list_tasks;
mod message;
mod read_artifact;

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResponse, CallToolResult, JsonObject, Tool};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use tracing::Instrument;

use args::{BadArgs, bad_args_result, parse_args};

use super::Bridge;
use super::ask::Retry;
use super::follow::Outcome;
use super::registry::{AgentSlot, Connected, Reachability};
use super::result::{Ending, error_result, failure_result, result_from_view};
use super::tools::Route;
use super::view::TaskView;

/// Description of every `agent` argument.
const AGENT_NAME: &str = "The agent's name, as list_agents shows it.";

/// The arguments that name an earlier task: `cancel_task`'s, and part of `get_task`'s.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRef {
    #[schemars(description = AGENT_NAME)]
    #[serde(deserialize_with = "args::text")]
    agent: String,
    /// The task_id from an earlier result.
    #[serde(deserialize_with = "args::text")]
    task_id: String,
}

/// The bridge's own tools, in listing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenericTool {
    ListAgents,
    GetAgentCard,
    SendMessage,
    GetTask,
    CancelTask,
    ListTasks,
    ReadArtifact,
    /// Listed only when the list is compact or an agent is exposed as `none` (see `tools::build_table`).
    FindSkills,
}

impl GenericTool {
    /// The tools listed in every mode, in order (`FindSkills` is added by `tools::build_table` when needed).
    pub const ALL: [GenericTool; 7] = [
        GenericTool::ListAgents,
        GenericTool::GetAgentCard,
        GenericTool::SendMessage,
        GenericTool::GetTask,
        GenericTool::CancelTask,
        GenericTool::ListTasks,
        GenericTool::ReadArtifact,
    ];

    /// The tool's name; skill tools never take it.
    pub fn name(self) -> &'static str {
        match self {
            GenericTool::ListAgents => list_agents::NAME,
            GenericTool::GetAgentCard => get_agent_card::NAME,
            GenericTool::SendMessage => message::SEND_MESSAGE,
            GenericTool::GetTask => get_task::NAME,
            GenericTool::CancelTask => cancel_task::NAME,
            GenericTool::ListTasks => list_tasks::NAME,
            GenericTool::ReadArtifact => read_artifact::NAME,
            GenericTool::FindSkills => find_skills::NAME,
        }
    }

    /// The tool as listed; `max_wait_secs` caps its `wait_seconds`.
    pub fn tool(self, max_wait_secs: f64) -> Tool {
        match self {
            GenericTool::ListAgents => list_agents::tool(),
            GenericTool::GetAgentCard => get_agent_card::tool(),
            GenericTool::SendMessage => message::send_message_tool(max_wait_secs),
            GenericTool::GetTask => get_task::tool(max_wait_secs),
            GenericTool::CancelTask => cancel_task::tool(),
            GenericTool::ListTasks => list_tasks::tool(),
            GenericTool::ReadArtifact => read_artifact::tool(),
            GenericTool::FindSkills => find_skills::tool(),
        }
    }
}

pub(super) use get_agent_card::card_output;

/// The input schema of skill tools, which every skill tool shares.
pub use message::{agent_input_schema, skill_input_schema};

/// A configured agent that is reachable now.
pub(in crate::bridge) struct Agent<'a> {
    pub slot: &'a AgentSlot,
    pub conn: Arc<Connected>,
}

impl Agent<'_> {
    /// The name as configured (whatever case the caller used).
    pub fn name(&self) -> &str {
        &self.slot.config.name
    }
}

/// Why a call cannot go to the agent it names.
pub(super) enum AgentError {
    /// No configured agent has that name: the caller's mistake.
    Unknown { name: String, configured: String },
    /// The agent is configured but has no connection now; `reason` says why (pending or down).
    NotReady { agent: String, reason: String },
}

impl AgentError {
    /// Why, in one sentence (for errors that are not tool results).
    pub(super) fn reason(&self) -> String {
        match self {
            AgentError::Unknown { name, configured } => {
                format!("no agent is named {name:?}; the configured agents are: {configured}")
            }
            AgentError::NotReady { agent, reason } => format!("agent \"{agent}\": {reason}"),
        }
    }

    /// The tool error: for an unknown name, which agents there are (the model picks one and calls again);
    /// for an agent that is not reachable, why.
    fn into_answer(self) -> CallToolResult {
        match self {
            AgentError::Unknown { name, configured } => error_result(
                &name,
                &format!("no agent has this name; the configured agents are: {configured}"),
                None,
            ),
            AgentError::NotReady { agent, reason } => error_result(&agent, &reason, None),
        }
    }
}

impl Bridge {
    /// Handles `tools/call`.
    pub async fn call_tool(
        &self,
        params: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let mut table = self.registry.table();
        // One lookup decides (each costs a hash of the name): unknown or generic tools wait for discovery.
        let known_skill = matches!(table.get(&params.name), Some((_, Route::Skill { .. })));
        if !known_skill {
            // A client may call before start-up discovery has finished: one that cached its tool list (the skill
            // tool is not listed yet), or a 2026-07-28 client, which has no handshake and can name an agent in a
            // generic tool at once. Both wait for the first card fetches (bounded), as `tools/list` does; once
            // discovery has settled this returns at once.
            self.registry
                .wait_initial(self.registry.initial_limit())
                .await;
            table = self.registry.table();
        }
        let Some((tool, route)) = table.get(&params.name) else {
            return Err(McpError::invalid_params(
                self.registry.unknown_tool(&params.name),
                None,
            ));
        };
        let (tool, route) = (tool.clone(), route.clone());
        drop(table);
        let name = params.name.to_string();
        let retry = Retry {
            input_responses: params.input_responses,
            request_state: params.request_state,
        };
        let args = params.arguments;
        let span = tracing::info_span!("tool_call", tool = %name, agent = tracing::field::Empty, task_id = tracing::field::Empty);
        async move {
            let started = std::time::Instant::now();
            let _in_flight = crate::telemetry::metrics().map(|m| m.call_started());
            // The agent a refused call was meant for, for the error's structured content.
            let meant_for = match &route {
                Route::Skill { agent, .. } => {
                    Some(self.registry.agents[*agent].config.name.clone())
                }
                Route::Generic(_) => args
                    .as_ref()
                    .and_then(|a| a.get("agent"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            };
            // Whether this tool's results are `CallOutput`s (declared in its `outputSchema` or not).
            let shaped = tool.output_schema.is_some() || matches!(route, Route::Skill { .. });
            let result = match self.route_call(&tool, route, args, retry, &ctx).await {
                Ok(result) => result,
                Err(bad) => {
                    tracing::info!(error = %bad.0, "tool arguments refused");
                    bad_args_result(shaped, meant_for.as_deref(), bad).into()
                }
            };
            let result = super::scrub_result::scrub_response(&self.registry.scrubber, result);
            let outcome = match &result {
                CallToolResponse::Complete(r) if r.is_error == Some(true) => "error",
                CallToolResponse::Complete(_) => "ok",
                CallToolResponse::InputRequired(_) => "input_required",
                CallToolResponse::Task(_) => "task",
                _ => "other",
            };
            tracing::info!(
                outcome,
                duration_ms = started.elapsed().as_millis() as u64,
                "tool call finished"
            );
            if let Some(m) = crate::telemetry::metrics() {
                // Only a configured agent's name becomes a label, never what a client typed.
                let agent = meant_for
                    .as_deref()
                    .and_then(|a| self.registry.find(a))
                    .map_or("", |(_, slot)| slot.config.name.as_str());
                let error_type = (outcome == "error").then_some("tool_error");
                m.tool_call(agent, &name, outcome, error_type, started.elapsed());
            }
            Ok(result)
        }
        .instrument(span)
        .await
    }

    /// Reads the arguments of the tool `route` names and runs its handler.
    async fn route_call(
        &self,
        tool: &Tool,
        route: Route,
        args: Option<JsonObject>,
        retry: Retry,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, BadArgs> {
        Ok(match route {
            // An agent's own tool: the skill, if any, comes with the arguments.
            Route::Skill {
                agent,
                skill_id: None,
            } => {
                self.agent_call(agent, parse_args(tool, args)?, retry, ctx)
                    .await
            }
            Route::Skill { agent, skill_id } => {
                self.skill_call(agent, skill_id, parse_args(tool, args)?, retry, ctx)
                    .await
            }
            Route::Generic(GenericTool::SendMessage) => {
                self.send_message(parse_args(tool, args)?, retry, ctx).await
            }
            Route::Generic(GenericTool::ListAgents) => {
                let list_agents::Args {} = parse_args(tool, args)?;
                self.list_agents().await.into()
            }
            Route::Generic(GenericTool::GetAgentCard) => {
                self.get_agent_card(parse_args(tool, args)?).into()
            }
            Route::Generic(GenericTool::GetTask) => {
                self.get_task(parse_args(tool, args)?, ctx).await.into()
            }
            Route::Generic(GenericTool::CancelTask) => {
                self.cancel_task(parse_args(tool, args)?).await.into()
            }
            Route::Generic(GenericTool::ListTasks) => {
                self.list_tasks(parse_args(tool, args)?).await.into()
            }
            Route::Generic(GenericTool::ReadArtifact) => {
                let args: read_artifact::Args = parse_args(tool, args)?;
                let agent = args.agent.clone();
                // A cancelled call drops the read, which stops it at once (`A2aClient::read_artifact`).
                tokio::select! {
                    result = self.read_artifact(args) => result.into(),
                    () = ctx.ct.cancelled() => {
                        error_result(&agent, "the read was cancelled by the client", None).into()
                    }
                }
            }
            Route::Generic(GenericTool::FindSkills) => {
                self.find_skills(parse_args(tool, args)?).into()
            }
        })
    }

    /// The agent named `name` (case-insensitive) with its connection, recorded on the call's span; the one
    /// lookup of every tool and MCP task that names an agent.
    pub(super) fn agent(&self, name: &str) -> Result<Agent<'_>, AgentError> {
        let Some((_, slot)) = self.registry.find(name) else {
            let configured: Vec<&str> = self
                .registry
                .agents
                .iter()
                .map(|a| a.config.name.as_str())
                .collect();
            return Err(AgentError::Unknown {
                name: name.to_owned(),
                configured: configured.join(", "),
            });
        };
        let agent = slot.config.name.clone();
        tracing::Span::current().record("agent", agent.as_str());
        match slot.state() {
            Reachability::Up(conn) => Ok(Agent { slot, conn }),
            Reachability::Pending => Err(AgentError::NotReady {
                agent,
                reason:
                    "not available yet: its agent card is still being fetched; try again shortly"
                        .into(),
            }),
            Reachability::Down { error, since } => Err(AgentError::NotReady {
                agent,
                reason: format!(
                    "unreachable for {}s ({error}); the bridge keeps retrying",
                    since.elapsed().as_secs()
                ),
            }),
        }
    }

    /// The wait budget a call asked for (`wait_seconds`), capped at `max_wait`; `default` when it asked for
    /// none. The error is the sentence for the tool error.
    fn wait_budget(&self, requested: Option<f64>, default: Duration) -> Result<Duration, String> {
        match requested {
            None => Ok(default),
            Some(s) if s.is_finite() && s >= 0.0 => {
                Ok(crate::time::secs_clamped(s, self.settings.max_wait))
            }
            Some(s) => Err(format!(
                "wait_seconds must be a non-negative number, got {s}"
            )),
        }
    }

    /// One `tasks/get`, rendered: settled states as they are, anything else as still running.
    async fn look(&self, agent: &Agent<'_>, task_id: &str) -> CallToolResult {
        match agent.conn.client.get_task(task_id).await {
            Ok(task) => {
                let ending = if task.status.state.is_settled() {
                    Ending::Settled
                } else {
                    Ending::BudgetSpent
                };
                // The same output cap as a followed task: a snapshot can hold as much as the agent made.
                let mut view = TaskView::from_task(task);
                view.limit_output(agent.conn.max_output_bytes);
                self.result(agent.name(), &view, ending)
            }
            Err(e) => error_result(agent.name(), &format!("task {task_id}: {e}"), None),
        }
    }

    /// The tool result for how following a task ended.
    fn render(&self, agent: &str, outcome: Outcome) -> CallToolResult {
        match outcome {
            Outcome::Done(view, ending) => {
                if let Some(id) = &view.task_id {
                    tracing::Span::current().record("task_id", id.as_str());
                }
                self.result(agent, &view, ending)
            }
            Outcome::Failed(error, view) => failure_result(agent, &error, &view),
            // rmcp drops the response of a canceled request; this result is never seen by the client.
            Outcome::Canceled => error_result(agent, "the call was canceled", None),
            Outcome::ShuttingDown(view) => shutting_down_result(agent, &view),
        }
    }

    /// `result_from_view` with the configured text cap and a note on output cut by `max_output_bytes`,
    /// scrubbed of configured secrets.
    pub(super) fn result(&self, agent: &str, view: &TaskView, ending: Ending) -> CallToolResult {
        // Artifacts past `inline_artifact_chars` are summarised and linked instead of inlined.
        let outlined = super::artifacts::outline(agent, view, self.settings.inline_artifact_chars);
        let (shown, skip) = match &outlined {
            Some(o) => (&o.view, o.outlined.as_slice()),
            None => (view, &[][..]),
        };
        let mut result = result_from_view(agent, shown, ending, self.settings.max_result_chars);
        if let Some(cut) = view.output_cut() {
            if let Some(m) = crate::telemetry::metrics() {
                m.bytes_cut(agent, "max_output_bytes", cut);
            }
            note_output_cut(&mut result, agent, view, cut);
        }
        let linked = outlined.as_ref().map_or(0, |o| o.links.len());
        link_long_artifacts(
            &mut result,
            agent,
            shown,
            self.settings.max_result_chars,
            (skip, linked),
        );
        if let Some(o) = outlined {
            super::artifacts::add_links(&mut result, o);
        }
        super::scrub_result::scrub_result(&self.registry.scrubber, result)
    }
}

/// Artifacts linked one by one in a result (outlined ones included).
const MAX_LINKED_ARTIFACTS: usize = super::artifacts::MAX_LINKS;

/// When the artifacts' text is longer than `max_chars` (so the result's text was cut), links every artifact
/// of the task as a resource (`a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}`) and says how to read
/// the rest with `read_artifact`, in the text and in `structuredContent.text`: the agent keeps the whole
/// output, and nothing is lost because it was long. `(outlined, linked)`: the artifacts already outlined and
/// linked (`artifacts::outline`), left alone, and how many links the result has already.
fn link_long_artifacts(
    result: &mut CallToolResult,
    agent: &str,
    view: &TaskView,
    max_chars: usize,
    (outlined, linked): (&[String], usize),
) {
    let Some(task_id) = view.task_id.as_deref() else {
        return;
    };
    let texts: Vec<(&crate::a2a::Artifact, usize)> = view
        .artifacts
        .iter()
        .filter(|a| !outlined.contains(&a.artifact_id))
        .map(|a| (a, super::resources::artifact_text(a).chars().count()))
        .collect();
    if texts.iter().map(|(_, n)| n).sum::<usize>() <= max_chars {
        return;
    }
    let count = texts.len();
    let mut lines = Vec::new();
    // A bounded note: the first `MAX_LINKED_ARTIFACTS` get a link and a line, the rest are counted
    // (`read_artifact` without `artifact_id` lists them all).
    let room = MAX_LINKED_ARTIFACTS.saturating_sub(linked);
    for (artifact, chars) in texts.into_iter().take(room) {
        let target = super::resources::Target::Artifact {
            agent: agent.to_owned(),
            task_id: task_id.to_owned(),
            artifact_id: artifact.artifact_id.clone(),
        };
        let uri = target.uri();
        let name = artifact
            .name
            .clone()
            .unwrap_or_else(|| artifact.artifact_id.clone());
        result
            .content
            .push(rmcp::model::ContentBlock::resource_link(
                rmcp::model::Resource::new(uri.clone(), name)
                    .with_description(format!("{chars} characters of output of task {task_id}")),
            ));
        lines.push(format!(
            "artifact {:?} ({chars} characters): read_artifact with agent \"{agent}\", task_id \"{task_id}\", \
             artifact_id {:?} and an offset, or read the resource {uri}",
            artifact.artifact_id, artifact.artifact_id
        ));
    }
    if count > room {
        lines.push(format!(
            "and {} more artifacts (read_artifact without artifact_id lists them)",
            count - room
        ));
    }
    let note = format!(
        "[the output is longer than max_result_chars ({max_chars}); the agent keeps all of it: {}]",
        lines.join("; ")
    );
    result
        .content
        .push(rmcp::model::ContentBlock::text(note.clone()));
    if let Some(Value::Object(output)) = &mut result.structured_content
        && let Some(Value::String(text)) = output.get_mut("text")
    {
        text.push('\n');
        text.push_str(&note);
    }
}

/// Says, in the text and in `structuredContent.text`, how much of the task's output the bridge dropped and how
/// to get it.
fn note_output_cut(result: &mut CallToolResult, agent: &str, view: &TaskView, cut: usize) {
    let task = view
        .task_id
        .as_deref()
        .map(|id| format!("; the agent keeps the whole task {id}: ask the operator to raise max_output_bytes and max_response_bytes for agent \"{agent}\" (then get_task with this task_id returns more)"))
        .unwrap_or_default();
    let note = format!(
        "[output cut: {cut} more bytes than max_output_bytes ({}) were left out{task}]",
        view.output.max
    );
    result.content.push(rmcp::model::ContentBlock::text(note));
}

/// The result of a call that the bridge's shutdown ended: the task keeps running on the agent, and its id goes
/// back so the work can be collected through another bridge (`get_task`).
fn shutting_down_result(agent: &str, view: &TaskView) -> CallToolResult {
    let message = match &view.task_id {
        Some(id) => format!(
            "the bridge is shutting down; task {id} keeps running on the agent: collect it with get_task \
             (agent \"{agent}\", task_id \"{id}\"), through another bridge if this one is gone"
        ),
        None => {
            "the bridge is shutting down before the agent started a task; send the message again"
                .into()
        }
    };
    error_result(agent, &message, Some(view))
}

impl Bridge {}
