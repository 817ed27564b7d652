//! Tool handlers: a skill call and the bridge's own tools, from MCP arguments to an MCP result.
//!
//! Error mapping (ARCHITECTURE.md has the table): an unknown tool or arguments that do not fit the schema are
//! `invalid_params`; everything the agent did or failed to do is a tool result, `isError: true` when the task
//! failed or the agent could not be reached, so the model reads the cause.

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ElicitationAction,
    InputRequiredResult, InputResponses, JsonObject,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tracing::Instrument;

use super::follow::{Follow, Outcome};
use super::progress::Progress;
use super::registry::{Connected, Reachability, protocol_of};
use super::result::{Ending, error_result, result_from_view};
use super::tools::{self, Route};
use super::{Bridge, ask, mcp_tasks, view::TaskView};
use crate::a2a::{Message, Part, Role, TaskState, error::TASK_NOT_CANCELABLE};

/// How many questions one call answers through elicitation before returning the resumable result.
const MAX_INPUT_ROUNDS: usize = 8;

/// What a 2026 client sends back when it retries a call after an `InputRequiredResult`.
struct Mrtr {
    input_responses: Option<InputResponses>,
    request_state: Option<String>,
}

/// Arguments of a skill tool and of `send_message`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageArgs {
    #[serde(default)]
    agent: Option<String>,
    #[serde(default)]
    skill: Option<String>,
    message: String,
    #[serde(default)]
    context_id: Option<String>,
    #[serde(default)]
    task_id: Option<String>,
    #[serde(default)]
    data: Option<JsonObject>,
    #[serde(default)]
    wait_seconds: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentArgs {
    agent: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskArgs {
    agent: String,
    task_id: String,
    #[serde(default)]
    wait_seconds: Option<f64>,
}

fn parse_args<T: DeserializeOwned>(tool: &str, args: Option<JsonObject>) -> Result<T, McpError> {
    serde_json::from_value(Value::Object(args.unwrap_or_default()))
        .map_err(|e| McpError::invalid_params(format!("{tool}: invalid arguments: {e}"), None))
}

impl Bridge {
    /// Handles `tools/call`.
    pub async fn call_tool(
        &self,
        params: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let mut table = self.registry.table();
        if table.get(&params.name).is_none() {
            // A client that cached its tool list may call before start-up discovery has finished.
            self.registry
                .wait_initial(self.registry.initial_limit())
                .await;
            table = self.registry.table();
        }
        let Some((_, route)) = table.get(&params.name) else {
            return Err(McpError::invalid_params(
                format!("unknown tool: {}", params.name),
                None,
            ));
        };
        let route = route.clone();
        drop(table);
        let name = params.name.to_string();
        let mrtr = Mrtr {
            input_responses: params.input_responses.clone(),
            request_state: params.request_state.clone(),
        };
        let span = tracing::info_span!("tool_call", tool = %name, agent = tracing::field::Empty, task_id = tracing::field::Empty);
        async move {
            let started = std::time::Instant::now();
            let result = match route {
                Route::Skill { agent, skill_id } => {
                    let args: MessageArgs = parse_args(&name, params.arguments)?;
                    if args.agent.is_some() || args.skill.is_some() {
                        return Err(McpError::invalid_params(
                            format!(
                                "{name}: unknown argument (agent and skill are implied by the tool)"
                            ),
                            None,
                        ));
                    }
                    self.message_call(agent, skill_id, args, mrtr, &ctx).await
                }
                Route::Generic(tools::SEND_MESSAGE) => {
                    let args: MessageArgs = parse_args(&name, params.arguments)?;
                    let agent_name = args.agent.clone().unwrap_or_default();
                    let index = self.agent_index(&agent_name)?;
                    let skill = args.skill.clone();
                    self.message_call(index, skill, args, mrtr, &ctx).await
                }
                Route::Generic(tools::LIST_AGENTS) => {
                    let _: JsonObject = parse_args(&name, params.arguments)?;
                    self.registry
                        .wait_initial(self.registry.initial_limit())
                        .await;
                    self.list_agents().into()
                }
                Route::Generic(tools::GET_AGENT_CARD) => {
                    let args: AgentArgs = parse_args(&name, params.arguments)?;
                    self.get_agent_card(&args.agent)?.into()
                }
                Route::Generic(tools::GET_TASK) => {
                    let args: TaskArgs = parse_args(&name, params.arguments)?;
                    self.get_task(args, &ctx).await?.into()
                }
                Route::Generic(tools::CANCEL_TASK) => {
                    let args: TaskArgs = parse_args(&name, params.arguments)?;
                    self.cancel_task(args).await?.into()
                }
                Route::Generic(other) => {
                    return Err(McpError::internal_error(
                        format!("tool {other} has no handler"),
                        None,
                    ));
                }
            };
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
            Ok(result)
        }
        .instrument(span)
        .await
    }

    fn agent_index(&self, name: &str) -> Result<usize, McpError> {
        match self.registry.find(name) {
            Some((i, _)) => Ok(i),
            None => {
                let known: Vec<&str> = self
                    .registry
                    .agents
                    .iter()
                    .map(|a| a.config.name.as_str())
                    .collect();
                Err(McpError::invalid_params(
                    format!(
                        "unknown agent {name:?}; configured agents: {}",
                        known.join(", ")
                    ),
                    None,
                ))
            }
        }
    }

    /// The agent's connection, or a tool error saying why it is not available.
    fn connected(&self, index: usize) -> Result<std::sync::Arc<Connected>, CallToolResult> {
        let slot = &self.registry.agents[index];
        match slot.state() {
            Reachability::Up(c) => Ok(c),
            Reachability::Pending => Err(error_result(
                &slot.config.name,
                "not available yet: its agent card is still being fetched; try again shortly",
                None,
            )),
            Reachability::Down { error, since } => Err(error_result(
                &slot.config.name,
                &format!(
                    "unreachable for {}s ({error}); the bridge keeps retrying",
                    since.elapsed().as_secs()
                ),
                None,
            )),
        }
    }

    fn wait_budget(&self, requested: Option<f64>, default: Duration) -> Result<Duration, McpError> {
        match requested {
            None => Ok(default),
            Some(s) if s.is_finite() && s >= 0.0 => {
                Ok(Duration::from_secs_f64(s).min(self.settings.max_wait))
            }
            Some(s) => Err(McpError::invalid_params(
                format!("wait_seconds must be a non-negative number, got {s}"),
                None,
            )),
        }
    }

    async fn message_call(
        &self,
        index: usize,
        skill_id: Option<String>,
        args: MessageArgs,
        mrtr: Mrtr,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let slot = &self.registry.agents[index];
        let agent = slot.config.name.as_str();
        tracing::Span::current().record("agent", agent);
        let conn = match self.connected(index) {
            Ok(c) => c,
            Err(result) => return result.into(),
        };
        let wait = match self.wait_budget(args.wait_seconds, slot.config.wait) {
            Ok(w) => w,
            Err(e) => return error_result(agent, &e.message, None).into(),
        };
        let mut message = build_message(&args, skill_id.as_deref());
        // A 2026 client retrying with the answer to the question of an earlier round.
        if let Some(state) = mrtr.request_state.as_deref() {
            let Some(pending) =
                ask::PendingInput::decode(state).filter(|p| p.agent.eq_ignore_ascii_case(agent))
            else {
                return error_result(
                    agent,
                    "the requestState of this retry is not one the bridge issued for this agent",
                    None,
                )
                .into();
            };
            match mrtr
                .input_responses
                .as_ref()
                .and_then(ask::answer_from_responses)
            {
                Some(answer) => message = ask::answer_message(answer, &pending),
                // Declined: report the task as it stands, resumable by the model.
                None => return self.look(agent, &conn, &pending.task_id).await.into(),
            }
        }
        // A client that speaks the MCP tasks extension gets a task for work that outlasts a short first wait
        // (or waits on the user); quick answers stay plain results, which every client renders.
        let as_task = mcp_tasks::client_wants_tasks(ctx);
        let follow = |wait: Duration, cancel_on_timeout: bool| Follow {
            agent,
            client: &conn.client,
            streaming: conn.streaming,
            deadline: tokio::time::Instant::now() + wait,
            heartbeat: self.settings.heartbeat,
            cancel_on_timeout,
            ct: &ctx.ct,
        };
        let mut progress = Progress::new(ctx.peer.clone(), ctx.meta.get_progress_token());
        if as_task {
            let first_wait = wait.min(mcp_tasks::FIRST_WAIT);
            let outcome = follow(first_wait, false)
                .send(&message, &mut progress)
                .await;
            return match self.task_for(agent, &outcome) {
                Some(task) => task,
                None => self.render(agent, outcome).into(),
            };
        }
        let follow = |wait: Duration| follow(wait, slot.config.cancel_on_timeout);
        let mut outcome = follow(wait).send(&message, &mut progress).await;
        for _ in 0..MAX_INPUT_ROUNDS {
            let Outcome::Done(view, Ending::Settled) = &outcome else {
                break;
            };
            let (Some(task_id), Some(state)) = (view.task_id.clone(), view.state) else {
                break;
            };
            let said = view
                .status_message
                .as_ref()
                .map(|m| m.text())
                .unwrap_or_default();
            let pending = ask::PendingInput {
                agent: agent.to_owned(),
                task_id,
                context_id: view.context_id.clone(),
            };
            match (state, ask::channel(ctx)) {
                (TaskState::InputRequired, ask::Channel::Request { .. }) => {
                    let question = if said.is_empty() {
                        "The agent needs more input.".to_owned()
                    } else {
                        said
                    };
                    let asked = ctx
                        .peer
                        .create_elicitation(ask::question_form(agent, &question));
                    let answer = tokio::select! {
                        () = ctx.ct.cancelled() => None,
                        r = asked => match r {
                            Ok(result) => ask::answer_from_result(&result),
                            Err(e) => {
                                tracing::warn!(agent, error = %e, "elicitation failed; returning a resumable result");
                                None
                            }
                        },
                    };
                    let Some(answer) = answer else { break };
                    outcome = follow(wait)
                        .send(&ask::answer_message(answer, &pending), &mut progress)
                        .await;
                }
                (TaskState::InputRequired, ask::Channel::Mrtr) => {
                    let question = if said.is_empty() {
                        "The agent needs more input.".to_owned()
                    } else {
                        said
                    };
                    return InputRequiredResult::new(
                        Some(ask::question_requests(agent, &question)),
                        Some(pending.encode()),
                    )
                    .into();
                }
                (TaskState::AuthRequired, ask::Channel::Request { url: true }) => {
                    let Some(link) = ask::find_url(&said) else {
                        break;
                    };
                    let asked = ctx.peer.elicit_url(
                        format!("The agent \"{agent}\" needs you to sign in: {said}"),
                        link,
                        uuid::Uuid::new_v4().to_string(),
                    );
                    let accepted = tokio::select! {
                        () = ctx.ct.cancelled() => false,
                        r = asked => matches!(r, Ok(ElicitationAction::Accept)),
                    };
                    if !accepted {
                        break;
                    }
                    // Signed in out of band: follow the task again; if it still waits, say so.
                    outcome = follow(wait).resume(&pending.task_id, &mut progress).await;
                    if matches!(&outcome, Outcome::Done(v, _) if v.state == Some(TaskState::AuthRequired))
                    {
                        break;
                    }
                }
                _ => break,
            }
        }
        self.render(agent, outcome).into()
    }

    /// One `tasks/get`, rendered: settled states as they are, anything else as still running.
    async fn look(&self, agent: &str, conn: &Connected, task_id: &str) -> CallToolResult {
        match conn.client.get_task(task_id).await {
            Ok(task) => {
                let settled = task.status.state.is_settled();
                let view = TaskView::from_task(task);
                let ending = if settled {
                    Ending::Settled
                } else {
                    Ending::BudgetSpent
                };
                result_from_view(agent, &view, ending, self.settings.max_result_chars)
            }
            Err(e) => error_result(agent, &format!("task {task_id}: {e}"), None),
        }
    }

    fn render(&self, agent: &str, outcome: Outcome) -> CallToolResult {
        match outcome {
            Outcome::Done(view, ending) => {
                if let Some(id) = &view.task_id {
                    tracing::Span::current().record("task_id", id.as_str());
                }
                result_from_view(agent, &view, ending, self.settings.max_result_chars)
            }
            Outcome::Failed(error, view) => error_result(agent, &error.to_string(), Some(&view)),
            // rmcp drops the response of a canceled request; this result is never seen by the client.
            Outcome::Canceled => error_result(agent, "the call was canceled", None),
        }
    }

    /// The agent a task tool names, recorded on the span, with its connection or the tool error saying why
    /// it has none.
    fn task_agent(
        &self,
        args: &TaskArgs,
    ) -> Result<Result<(&str, std::sync::Arc<Connected>), CallToolResult>, McpError> {
        let index = self.agent_index(&args.agent)?;
        let agent = self.registry.agents[index].config.name.as_str();
        tracing::Span::current().record("agent", agent);
        tracing::Span::current().record("task_id", args.task_id.as_str());
        Ok(self.connected(index).map(|conn| (agent, conn)))
    }

    async fn get_task(
        &self,
        args: TaskArgs,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let (agent, conn) = match self.task_agent(&args)? {
            Ok(found) => found,
            Err(result) => return Ok(result),
        };
        let wait = self.wait_budget(args.wait_seconds, Duration::ZERO)?;
        if wait.is_zero() {
            return Ok(self.look(agent, &conn, &args.task_id).await);
        }
        let mut progress = Progress::new(ctx.peer.clone(), ctx.meta.get_progress_token());
        let follow = Follow {
            agent,
            client: &conn.client,
            streaming: conn.streaming,
            deadline: tokio::time::Instant::now() + wait,
            heartbeat: self.settings.heartbeat,
            cancel_on_timeout: false,
            ct: &ctx.ct,
        };
        let outcome = follow.resume(&args.task_id, &mut progress).await;
        Ok(self.render(agent, outcome))
    }

    async fn cancel_task(&self, args: TaskArgs) -> Result<CallToolResult, McpError> {
        let (agent, conn) = match self.task_agent(&args)? {
            Ok(found) => found,
            Err(result) => return Ok(result),
        };
        Ok(match conn.client.cancel_task(&args.task_id).await {
            Ok(task) => {
                let state = task.status.state;
                let view = TaskView::from_task(task);
                let mut result = result_from_view(
                    agent,
                    &view,
                    Ending::Settled,
                    self.settings.max_result_chars,
                );
                // A canceled task is what was asked for, not an error.
                if state == TaskState::Canceled {
                    result.is_error = Some(false);
                }
                result
            }
            Err(e) if e.is_code(TASK_NOT_CANCELABLE) => error_result(
                agent,
                &format!(
                    "task {} cannot be canceled (it has probably finished already): {e}",
                    args.task_id
                ),
                None,
            ),
            Err(e) => error_result(
                agent,
                &format!("canceling task {}: {e}", args.task_id),
                None,
            ),
        })
    }

    fn list_agents(&self) -> CallToolResult {
        let table = self.registry.table();
        let mut agents = Vec::new();
        for (index, slot) in self.registry.agents.iter().enumerate() {
            let state = slot.state();
            let tools: Vec<Value> = table
                .routes
                .iter()
                .filter_map(|(name, route)| match route {
                    Route::Skill { agent, skill_id } if *agent == index => {
                        Some(json!({"tool": name, "skill": skill_id}))
                    }
                    _ => None,
                })
                .collect();
            let mut entry = json!({
                "name": slot.config.name,
                "url": crate::a2a::error::redact_url(&slot.config.url),
                "protocol": protocol_of(&state).map(|v| v.as_str()),
            });
            match &state {
                Reachability::Up(c) => {
                    let mut skills: Vec<Value> = c
                        .card
                        .skills
                        .iter()
                        .map(|s| {
                            let tool = tools
                                .iter()
                                .find(|t| t["skill"].as_str() == Some(s.id.as_str()))
                                .and_then(|t| t["tool"].as_str());
                            json!({"id": s.id, "name": s.name, "description": s.description, "tool": tool})
                        })
                        .collect();
                    if c.card.skills.is_empty()
                        && let Some(t) = tools.first()
                    {
                        skills.push(json!({"id": null, "name": c.card.name, "tool": t["tool"]}));
                    }
                    entry["status"] = json!("reachable");
                    entry["card_name"] = json!(c.card.name);
                    entry["description"] = json!(
                        slot.config
                            .description
                            .as_deref()
                            .unwrap_or(&c.card.description)
                    );
                    entry["streaming"] = json!(c.streaming);
                    entry["endpoint"] = json!(crate::a2a::error::redact_url(c.client.endpoint()));
                    entry["skills"] = Value::Array(skills);
                }
                Reachability::Pending => {
                    entry["status"] = json!("connecting");
                }
                Reachability::Down { error, since } => {
                    entry["status"] = json!("unreachable");
                    entry["error"] = json!(error);
                    entry["down_for_secs"] = json!(since.elapsed().as_secs());
                }
            }
            agents.push(entry);
        }
        let mut lines = Vec::new();
        for a in &agents {
            let mut line = format!(
                "- {} ({}): {}",
                a["name"].as_str().unwrap_or(""),
                a["status"].as_str().unwrap_or(""),
                a["protocol"]
                    .as_str()
                    .map(|p| format!("A2A {p}"))
                    .unwrap_or_else(|| "protocol unknown".into())
            );
            if let Some(err) = a["error"].as_str() {
                line.push_str(&format!(", {err}"));
            }
            if let Some(skills) = a["skills"].as_array() {
                let names: Vec<String> = skills
                    .iter()
                    .map(|s| {
                        format!(
                            "{} (tool {})",
                            s["name"].as_str().unwrap_or(""),
                            s["tool"].as_str().unwrap_or("-")
                        )
                    })
                    .collect();
                line.push_str(&format!("; skills: {}", names.join(", ")));
            }
            lines.push(line);
        }
        let mut result = CallToolResult::success(vec![ContentBlock::text(lines.join("\n"))]);
        result.structured_content = Some(json!({"agents": agents}));
        result
    }

    fn get_agent_card(&self, name: &str) -> Result<CallToolResult, McpError> {
        let index = self.agent_index(name)?;
        let slot = &self.registry.agents[index];
        Ok(match self.connected(index) {
            Ok(c) => {
                // The card is what the agent publishes; the bridge's own config (and so every secret) stays out.
                let value = json!({
                    "agent": slot.config.name,
                    "protocol": c.client.version().as_str(),
                    "card_url": crate::a2a::error::redact_url(&c.card_url),
                    "endpoint": crate::a2a::error::redact_url(c.client.endpoint()),
                    "card": c.card.raw,
                });
                CallToolResult::structured(value)
            }
            Err(result) => result,
        })
    }
}

/// The A2A message for a call: the text, an optional data part, the conversation ids, and the skill id in
/// the metadata (A2A has no skill selector; agents that route by skill can read it there).
fn build_message(args: &MessageArgs, skill_id: Option<&str>) -> Message {
    let mut parts = vec![Part::Text {
        text: args.message.clone(),
    }];
    if let Some(data) = &args.data {
        parts.push(Part::Data {
            data: Value::Object(data.clone()),
        });
    }
    Message {
        message_id: uuid::Uuid::new_v4().to_string(),
        role: Role::User,
        parts,
        context_id: args.context_id.clone().filter(|s| !s.is_empty()),
        task_id: args.task_id.clone().filter(|s| !s.is_empty()),
        metadata: skill_id.map(|s| json!({"skillId": s})),
    }
}
