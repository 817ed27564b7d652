//! Skill tools and `send_message`: the MCP arguments become one A2A message (A2A v0.3 `message/stream` or
//! `message/send`, v1.0 `SendStreamingMessage` / `SendMessage`), and the task it starts is followed.
//!
//! A call from a client that declares the MCP tasks extension becomes an MCP task when the work outlasts a
//! short first wait; otherwise the task is followed for the wait budget and, while it waits on the user,
//! `ask::until_answered` asks them.

use std::sync::Arc;

use rmcp::model::{CallToolResponse, JsonObject, Tool};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AGENT_NAME, Agent, parse_args};
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

/// Arguments of a skill tool: the message and how to continue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageArgs {
    /// What to ask the agent, in plain language.
    message: String,
    /// Continue an earlier conversation: the context_id from a previous result of this agent.
    #[serde(default)]
    context_id: Option<String>,
    /// Answer an agent that asked for input: the task_id from that result.
    #[serde(default)]
    task_id: Option<String>,
    /// Optional structured input, sent to the agent as a JSON data part.
    #[serde(default)]
    data: Option<JsonObject>,
    /// How long to wait for the result before returning a task handle to collect later with get_task.
    #[serde(default)]
    #[schemars(range(min = 0))]
    wait_seconds: Option<f64>,
}

/// Arguments of `send_message`: a skill tool's, plus which agent (and optionally which skill).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessageArgs {
    #[schemars(description = AGENT_NAME)]
    agent: String,
    /// Optional skill id, passed to the agent in the message metadata.
    #[serde(default)]
    skill: Option<String>,
    #[serde(flatten)]
    message: MessageArgs,
}

/// The input schema every skill tool shares.
pub fn skill_input_schema(max_wait_secs: f64) -> Arc<JsonObject> {
    waiting_input_schema::<MessageArgs>(max_wait_secs)
}

pub(super) fn send_message_tool(max_wait_secs: f64) -> Tool {
    Tool::new(
        SEND_MESSAGE,
        format!("Send a message to any configured A2A agent by name, when no skill tool fits. {CONTINUE_HINT}"),
        waiting_input_schema::<SendMessageArgs>(max_wait_secs),
    )
    .with_raw_output_schema(result::output_schema())
    .with_annotations(agent_call_annotations("Send a message to an A2A agent".into()))
}

impl Bridge {
    /// A skill tool: the agent and skill come from the tool, so the arguments may not name them.
    pub(super) async fn skill_call(
        &self,
        tool: &str,
        index: usize,
        skill_id: Option<String>,
        args: Option<JsonObject>,
        retry: Retry,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if args
            .as_ref()
            .is_some_and(|a| a.contains_key("agent") || a.contains_key("skill"))
        {
            return Err(McpError::invalid_params(
                format!("{tool}: unknown argument (agent and skill are implied by the tool)"),
                None,
            ));
        }
        let args: MessageArgs = parse_args(tool, args)?;
        let agent = match self.agent(&self.registry.agents[index].config.name) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer().map(Into::into),
        };
        Ok(self
            .message_call(&agent, skill_id.as_deref(), args, retry, ctx)
            .await)
    }

    /// `send_message`: any configured agent, by name.
    pub(super) async fn send_message(
        &self,
        args: SendMessageArgs,
        retry: Retry,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let agent = match self.agent(&args.agent) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer().map(Into::into),
        };
        Ok(self
            .message_call(&agent, args.skill.as_deref(), args.message, retry, ctx)
            .await)
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
            Err(e) => return error_result(name, &e.message, None).into(),
        };
        // A 2026-07-28 client retrying with the answer to the question of an earlier round.
        let message = match retry.resume(name) {
            Resume::Fresh => args.into_message(skill_id),
            Resume::Answer(message) => message,
            Resume::Declined { task_id } => return self.look(agent, &task_id).await.into(),
            Resume::Foreign => {
                return error_result(
                    name,
                    "the requestState of this retry is not one the bridge issued for this agent",
                    None,
                )
                .into();
            }
        };
        let follow = |wait| Follow::new(name, &agent.conn, wait, self.settings.heartbeat, &ctx.ct);
        let mut progress = Progress::new(ctx.peer.clone(), ctx.meta.get_progress_token());
        // A client that speaks the MCP tasks extension gets a task for work that outlasts a short first wait
        // (or waits on the user); quick answers stay plain results, which every client renders.
        if mcp_tasks::client_wants_tasks(ctx) {
            let outcome = follow(wait.min(mcp_tasks::FIRST_WAIT))
                .send(&message, &mut progress)
                .await;
            return match self.task_for(name, &outcome) {
                Some(task) => task,
                None => self.render(name, outcome).into(),
            };
        }
        let follow = || follow(wait).cancel_on_timeout(agent.slot.config.cancel_on_timeout);
        let outcome = follow().send(&message, &mut progress).await;
        match ask::until_answered(name, outcome, follow, &mut progress, ctx).await {
            Asked::Outcome(outcome) => self.render(name, outcome).into(),
            Asked::InputRequired(question) => question.into(),
        }
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
            message_id: uuid::Uuid::new_v4().to_string(),
            role: Role::User,
            parts,
            context_id: self.context_id.filter(|s| !s.is_empty()),
            task_id: self.task_id.filter(|s| !s.is_empty()),
            metadata: skill_id.map(|s| json!({"skillId": s})),
        }
    }
}
