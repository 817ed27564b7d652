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
use crate::bridge::files::{self, FileArg, FilePolicy, LocalFiles};
use crate::bridge::follow::Follow;
use crate::bridge::mcp_tasks;
use crate::bridge::progress::Progress;
use crate::bridge::result::{self, error_result};
use crate::bridge::schema::{input_schema, waiting_input_schema};
use crate::bridge::tools::{ARGUMENTS_EXPLAINED, agent_call_annotations};

pub const SEND_MESSAGE: &str = "send_message";
/// The first line of a result whose question the user was asked and declined: the model must not answer it
/// for them.
const DECLINED: &str = "The user declined to answer the agent's question; do not answer it for them unless they ask you to.";
/// Skill ids named in the error for an unknown `skill`; the rest are counted.
const MAX_SKILLS_NAMED: usize = 20;

/// Arguments of a skill tool: the message and how to continue.
///
/// Every skill tool repeats this schema, so each word here is sent once per skill in `tools/list`: only the
/// arguments whose name and type do not say what to pass have a description (a doc comment, which becomes
/// the schema's `description`). What every argument means in full is said once, in the server instructions
/// and in `send_message`'s description (`tools::ARGUMENTS_EXPLAINED`), and each result says which id to pass
/// next.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageArgs {
    // What to ask, in plain language.
    #[serde(deserialize_with = "text")]
    message: String,
    // An earlier result's context_id: the message continues that conversation.
    #[serde(default, deserialize_with = "opt_text")]
    context_id: Option<String>,
    // Only to answer an input-required task: its result says so, with the task_id to pass.
    #[serde(default, deserialize_with = "opt_text")]
    task_id: Option<String>,
    /// A JSON object, as JSON text
    // Typed as text in the schema: hosts' schema translators (Gemini function declarations, OpenAI strict
    // mode) reject an object without declared properties. An object is accepted too; it is sent as a data
    // part.
    #[serde(default, deserialize_with = "opt_object")]
    #[schemars(with = "Option<String>")]
    data: Option<JsonObject>,
    // How long to wait for the result before returning a task_id to collect with get_task.
    #[serde(default, deserialize_with = "opt_number")]
    #[schemars(range(min = 0))]
    wait_seconds: Option<f64>,
    // Files for the agent. Left out of the derived schema: `files::with_files` adds it to `send_message` and to
    // the skill tools whose skill accepts more than plain text, and a tool without it refuses the argument.
    #[serde(default, deserialize_with = "files::opt_files")]
    #[schemars(skip)]
    files: Vec<FileArg>,
}

/// Arguments of an agent's own tool (`expose = "agent"`, or a card without skills): a skill tool's, plus
/// optionally which skill. `send_message` takes the same and the agent's name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentArgs {
    /// Optional skill id, passed to the agent in the message metadata.
    #[serde(default, deserialize_with = "opt_text")]
    skill: Option<String>,
    #[serde(flatten)]
    message: MessageArgs,
}

/// Arguments of `send_message`: an agent tool's, plus which agent. (The fields are `AgentArgs`' again rather
/// than that struct flattened: serde cannot flatten twice under `deny_unknown_fields`.)
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

/// The input schema every skill tool shares. Unlike `send_message`'s, its `wait_seconds` has no `maximum`:
/// a longer wait is cut to `max_wait_seconds`, not refused, and every skill tool would repeat the number.
pub fn skill_input_schema() -> Arc<JsonObject> {
    input_schema::<MessageArgs>()
}

/// The input schema of an agent's own tool: a skill tool's plus an optional `skill`.
pub fn agent_input_schema() -> Arc<JsonObject> {
    input_schema::<AgentArgs>()
}

pub(super) fn send_message_tool(max_wait_secs: f64) -> Tool {
    const TITLE: &str = "Send a message to an A2A agent";
    Tool::new(
        SEND_MESSAGE,
        format!("Send a message to any configured A2A agent by name, when no skill tool fits. {ARGUMENTS_EXPLAINED}"),
        files::with_files(&waiting_input_schema::<SendMessageArgs>(max_wait_secs)),
    )
    .with_title(TITLE)
    .with_raw_output_schema(result::output_schema())
    .with_annotations(agent_call_annotations())
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

    /// An agent's own tool: the agent comes from the tool, the skill (optional) from the arguments, checked
    /// as `send_message` checks it.
    pub(super) async fn agent_call(
        &self,
        index: usize,
        args: AgentArgs,
        retry: Retry,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let agent = match self.agent(&self.registry.agents[index].config.name) {
            Ok(agent) => agent,
            Err(e) => return e.into_answer().into(),
        };
        self.targeted_call(&agent, args.skill, args.message, retry, ctx)
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
        self.targeted_call(&agent, args.skill, args.message, retry, ctx)
            .await
    }

    /// A message to `agent` and, if `skill` names one, one of its skills, which must be on its card.
    async fn targeted_call(
        &self,
        agent: &Agent<'_>,
        skill: Option<String>,
        message: MessageArgs,
        retry: Retry,
        ctx: &RequestContext<RoleServer>,
    ) -> CallToolResponse {
        // A skill id the card does not list is a mistake the model can correct, not something to pass on
        // silently: the agent would never see it as a choice (A2A has no skill selector).
        // Only the skills the config lets through (`skills.include` / `exclude`) count, and only they are named.
        let allowed = |s: &&crate::a2a::Skill| agent.slot.config.skills.allows(&s.id);
        if let Some(skill) = &skill
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
        self.message_call(agent, skill.as_deref(), message, retry, ctx)
            .await
    }

    async fn message_call(
        &self,
        agent: &Agent<'_>,
        skill_id: Option<&str>,
        mut args: MessageArgs,
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
            Resume::Fresh => {
                let files = std::mem::take(&mut args.files);
                match self.file_parts(agent, skill_id, files, ctx).await {
                    Ok(files) => args.into_message(skill_id, files),
                    Err(e) => return error_result(name, &e, None).into(),
                }
            }
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

impl Bridge {
    /// The file parts of a call's `files`, checked against what the skill (`skill_id`, else the agent's
    /// `defaultInputModes`) accepts and the agent's `max_file_bytes`; `file://` only over stdio, under the
    /// allowed roots. The error is the sentence for the tool error.
    async fn file_parts(
        &self,
        agent: &Agent<'_>,
        skill_id: Option<&str>,
        files: Vec<FileArg>,
        ctx: &RequestContext<RoleServer>,
    ) -> Result<Vec<Part>, String> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let card = &agent.conn.card;
        let (accepted, taker, skills) =
            match skill_id.and_then(|id| card.skills.iter().find(|s| s.id == id)) {
                // A skill that lists no input modes takes the card's defaults (A2A v0.3 §5.5.4).
                Some(skill) if !skill.input_modes.is_empty() => (
                    skill.input_modes.clone(),
                    format!("skill {:?}", skill.id),
                    Vec::new(),
                ),
                _ => (
                    files::default_input_modes(card),
                    "the agent".to_owned(),
                    card.skills
                        .iter()
                        .map(|s| (s.id.as_str(), s.input_modes.as_slice()))
                        .collect(),
                ),
            };
        let local = if !self.local_files() {
            LocalFiles::Refused
        } else if files.iter().any(FileArg::is_local) {
            LocalFiles::Under(self.file_roots(ctx).await)
        } else {
            LocalFiles::Under(Vec::new())
        };
        let policy = FilePolicy {
            max_bytes: agent.slot.config.max_file_bytes,
            accepted: &accepted,
            taker,
            skills,
            local,
        };
        files::file_parts(files, &policy).await
    }
}

impl MessageArgs {
    /// The A2A message for a call: the text, an optional data part, the files, the conversation ids, and the
    /// skill id in the metadata (A2A has no skill selector; agents that route by skill can read it there).
    fn into_message(self, skill_id: Option<&str>, files: Vec<Part>) -> Message {
        let mut parts = vec![Part::text(self.message)];
        if let Some(data) = self.data {
            parts.push(Part::data(Value::Object(data)));
        }
        parts.extend(files);
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
