//! Skill tools and `send_message`: the MCP arguments become one A2A message (A2A v0.3 `message/stream` or
//! `message/send`, v1.0 `SendStreamingMessage` / `SendMessage`), and the task it starts is followed.
//!
//! The task is followed for the wait budget and, while it waits on the user, `ask::until_answered` asks them
//! (if the client can be asked). Work that is still running when the budget is spent comes back as a handle
//! for `get_task`, or, to a client that declares the MCP tasks extension, as an MCP task.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{CallToolResponse, JsonObject, Tool};
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::args::{opt_number, opt_object, opt_text, text};
use super::{AGENT_NAME, Agent};
use crate::a2a::{Message, Part, Role};
use crate::bridge::Bridge;
use crate::bridge::ask::{self, Asked, Resume, Retry};
use crate::bridge::follow::Follow;
use crate::bridge::mcp_tasks;
use crate::bridge::progress::Progress;
use crate::bridge::result::{self, error_result};
use crate::bridge::schema::waiting_input_schema;
use crate::bridge::tools::{CONTINUE_HINT, agent_call_annotations};

pub const SEND_MESSAGE: &str = "send_message";
/// The first line of a result whose question the user was asked and declined: the model must not answer it
/// for them.
const DECLINED: &str = "The user declined to answer the agent's question; do not answer it for them unless they ask you to.";
/// Skill ids named in the error for an unknown `skill`; the rest are counted.
const MAX_SKILLS_NAMED: usize = 20;

/// Arguments of a skill tool: the message and how to continue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageArgs {
    /// What to ask the agent, in plain language.
    #[serde(deserialize_with = "text")]
    message: String,
    /// Continue an earlier conversation: the context_id from a previous result of this agent.
    #[serde(default, deserialize_with = "opt_text")]
    context_id: Option<String>,
    /// Answer an agent that asked for input: the task_id from that result.
    #[serde(default, deserialize_with = "opt_text")]
    task_id: Option<String>,
    #[schemars(
        description = "Optional structured input for the agent: a JSON object, written as JSON text (an object is accepted too). It is sent as a data part."
    )]
    // Typed as text in the schema: hosts' schema translators (Gemini function declarations, OpenAI strict
    // mode) reject an object without declared properties.
    #[serde(default, deserialize_with = "opt_object")]
    #[schemars(with = "Option<String>")]
    data: Option<JsonObject>,
    /// How long to wait for the result before returning a task handle to collect later with get_task.
    #[serde(default, deserialize_with = "opt_number")]
    #[schemars(range(min = 0))]
    wait_seconds: Option<f64>,
}

/// Arguments of `send_message`: a skill tool's, plus which agent (and optionally which skill).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessageArgs {
    #[schemars(description = AGENT_NAME)]
    #[serde(deserialize_with = "text")]
    agent: String,
    /// Optional skill id, passed to the agent in the message metadata.
    #[serde(default, deserialize_with = "opt_text")]
    skill: Option<String>,
    #[serde(flatten)]
    message: MessageArgs,
}

/// The input schema every skill tool shares.
pub fn skill_input_schema(max_wait_secs: f64) -> Arc<JsonObject> {
    waiting_input_schema::<MessageArgs>(max_wait_secs)
}

pub(super) fn send_message_tool(max_wait_secs: f64) -> Tool {
    const TITLE: &str = "Send a message to an A2A agent";
    Tool::new(
        SEND_MESSAGE,
        format!("Send a message to any configured A2A agent by name, when no skill tool fits. {CONTINUE_HINT}"),
        waiting_input_schema::<SendMessageArgs>(max_wait_secs),
    )
    .with_title(TITLE)
    .with_raw_output_schema(result::output_schema())
    .with_annotations(agent_call_annotations(TITLE.into()))
}

impl Bridge {
    /// A skill tool: the agent and skill come from the tool.
    pub(super) async fn skill_call(
        &self,
        index: usize,
        skill_id: Option<String>,
        args: MessageArgs,
        retry: Retry,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let agent = match self.agent(&self.registry.agents[index].config.name) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer().into(),
        };
        self.message_call(&agent, skill_id.as_deref(), args, retry, ctx)
            .await
    }

    /// `send_message`: any configured agent, by name.
    pub(super) async fn send_message(
        &self,
        args: SendMessageArgs,
        retry: Retry,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let agent = match self.agent(&args.agent) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer().into(),
        };
        // A skill id the card does not list is a mistake the model can correct, not something to pass on
        // silently: the agent would never see it as a choice (A2A has no skill selector).
        // Only the skills the config lets through (`skills.include` / `exclude`) count, and only they are named.
        let allowed = |s: &&crate::a2a::Skill| agent.slot.config.skills.allows(&s.id);
        if let Some(skill) = &args.skill
            && agent.conn.card.skills.iter().any(|s| allowed(&s))
            && !agent
                .conn
                .card
                .skills
                .iter()
                .filter(allowed)
                .any(|s| &s.id == skill)
        {
            let known: Vec<&str> = agent
                .conn
                .card
                .skills
                .iter()
                .filter(allowed)
                .take(MAX_SKILLS_NAMED)
                .map(|s| s.id.as_str())
                .collect();
            let total = agent.conn.card.skills.iter().filter(allowed).count();
            let more = total.saturating_sub(known.len());
            let more = if more > 0 {
                format!(" and {more} more (see get_agent_card)")
            } else {
                String::new()
            };
            return error_result(
                agent.name(),
                &format!(
                    "unknown skill \"{skill}\"; its card lists: {}{more}",
                    known.join(", ")
                ),
                None,
            )
            .into();
        }
        self.message_call(&agent, args.skill.as_deref(), args.message, retry, ctx)
            .await
    }

    async fn message_call(
        &self,
        agent: &Agent<'_>,
        skill_id: Option<&str>,
        args: MessageArgs,
        retry: Retry,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let name = agent.name();
        let wait = match self.wait_budget(args.wait_seconds, agent.slot.config.wait) {
            Ok(w) => w,
            Err(e) => return error_result(name, &e, None).into(),
        };
        // A 2026-07-28 client retrying with the answer to the question of an earlier round.
        let mut message = match retry.resume(name) {
            Resume::Fresh => args.into_message(skill_id),
            Resume::Answer(message) => message,
            Resume::Declined { task_id } => {
                return result::with_note(Box::pin(self.look(agent, &task_id)).await, DECLINED)
                    .into();
            }
            Resume::Foreign => {
                return error_result(
                    name,
                    "the requestState of this retry is not one the bridge issued for this agent",
                    None,
                )
                .into();
            }
        };
        // An answer to a task's question names the task, and models often drop the context_id; some agents then
        // start a new conversation (a2a-sdk 0.3.26 gives the answer a fresh context). The task knows its context:
        // one bounded `tasks/get` fills it in, and a failure leaves the message as the caller sent it.
        if message.context_id.is_none()
            && let Some(task_id) = message.task_id.clone()
            && let Ok(Ok(task)) = tokio::time::timeout(
                agent.conn.client.request_timeout(),
                // Boxed: only answers take this path (see `Follow::budget_spent`).
                Box::pin(agent.conn.client.get_task(&task_id)),
            )
            .await
            && !task.context_id.is_empty()
        {
            message.context_id = Some(task.context_id);
        }
        // A client that declares the MCP tasks extension gets running work as an MCP task it follows itself, so
        // a spent budget does not cancel it even where the agent's `cancel_on_timeout` says so.
        let wants_tasks = mcp_tasks::client_wants_tasks(ctx);
        let cancel = agent.slot.config.cancel_on_timeout && !wants_tasks;
        let follow = || {
            Follow::new(name, &agent.conn, wait, self.settings.heartbeat, &ctx.ct)
                .cancel_on_timeout(cancel)
        };
        let mut progress = Progress::for_call(ctx)
            .scrubbed(self.registry.scrubber.clone())
            .for_agent(agent.name());
        let outcome = follow().send(&message, &mut progress).await;
        let (outcome, declined) = match ask::until_answered(
            name,
            outcome,
            follow,
            &mut progress,
            ctx,
            &agent.conn.stopping,
        )
        .await
        {
            Asked::Outcome(outcome) => (outcome, false),
            Asked::Declined(outcome) => (outcome, true),
            Asked::InputRequired(question) => return question.into(),
        };
        if declined {
            return result::with_note(self.render(name, outcome), DECLINED).into();
        }
        // The tasks extension (2026-07-28 `io.modelcontextprotocol/tasks`) leaves the choice to the server, per
        // request: a call that ends within its budget is a plain result, which every client renders (some
        // declare the extension yet do not follow tasks); only work that outlasts it becomes a task.
        if wants_tasks && let Some(task) = self.task_for(name, &outcome) {
            return task;
        }
        self.render(name, outcome).into()
    }
}

impl MessageArgs {
    /// The A2A message for a call: the text, an optional data part, the conversation ids, and the skill id
    /// in the metadata (A2A has no skill selector; agents that route by skill can read it there).
    fn into_message(self, skill_id: Option<&str>) -> Message {
        let mut parts = vec![Part::text(self.message)];
        if let Some(data) = self.data {
            parts.push(Part::data(Value::Object(data)));
        }
        Message {
            message_id: crate::a2a::ids::new_message_id(),
            role: Role::User,
            parts,
            context_id: self.context_id.filter(|s| !s.is_empty()),
            task_id: self.task_id.filter(|s| !s.is_empty()),
            metadata: skill_id.map(|s| json!({"skillId": s})),
        }
    }
}
