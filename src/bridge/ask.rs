//! Asking the user when an agent needs input (`input-required`) or a sign-in (`auth-required`).
//!
//! Only a client that declared the capability is asked, each mode on its own (MCP 2025-11-25 elicitation:
//! `form` for a question, `url` for a sign-in link; `elicitation: {}` alone means form). Clients that
//! `initialize` are asked with a server→client `elicitation/create`. 2026-07-28 clients may not receive
//! server→client requests, and declare their capabilities per request: one that declared form elicitation on
//! this request gets an MRTR `InputRequiredResult` and retries the call with the answer, carrying a
//! `requestState` that names the A2A task. That state is untrusted input, but it only names a task of the
//! same agent the tool already reaches (as the `task_id` argument does), so it grants nothing new.
//! Clients that cannot elicit, or users who decline, get the resumable result instead.
//!
//! `until_answered` is the loop a message call runs after its first follow: while the task waits on the user
//! and the client can ask, ask, send the answer, and follow again (at most `MAX_INPUT_ROUNDS` times).

use base64::Engine;
use rmcp::RoleServer;
use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationCapability,
    ElicitationSchema, InputRequest, InputRequests, InputRequiredResult, InputResponses,
    JsonObject,
};
use rmcp::service::{ElicitationMode, RequestContext};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::follow::{Follow, Outcome};
use super::progress::Progress;
use super::result::Ending;
use crate::a2a::{Message, Part, Role, TaskState};

/// The key of the one input request the bridge makes.
pub const ANSWER_KEY: &str = "answer";

/// What the user is asked when the agent wants input but gave no words for it.
const NO_QUESTION: &str = "The agent needs more input.";

/// How many questions one call answers through elicitation before returning the resumable result.
const MAX_INPUT_ROUNDS: usize = 8;

/// What a 2026-07-28 client sends back when it retries a call after an `InputRequiredResult`.
pub struct Retry {
    pub input_responses: Option<InputResponses>,
    pub request_state: Option<String>,
}

/// What a call's `Retry` amounts to.
pub enum Resume {
    /// Not a retry: send the call's own message.
    Fresh,
    /// The user's answer, to send as the task's next message.
    Answer(Message),
    /// The user declined: report the task as it stands, resumable by the model.
    Declined { task_id: String },
    /// The `requestState` is not one the bridge issued for this agent.
    Foreign,
}

impl Retry {
    /// What this retry means for a call to `agent`.
    pub fn resume(&self, agent: &str) -> Resume {
        let Some(state) = self.request_state.as_deref() else {
            return Resume::Fresh;
        };
        let Some(pending) =
            PendingInput::decode(state).filter(|p| p.agent.eq_ignore_ascii_case(agent))
        else {
            return Resume::Foreign;
        };
        match self
            .input_responses
            .as_ref()
            .and_then(answer_from_responses)
        {
            Some(answer) => Resume::Answer(answer_message(answer, &pending)),
            None => Resume::Declined {
                task_id: pending.task_id,
            },
        }
    }
}

/// How `until_answered` ended.
pub enum Asked {
    /// Render this outcome: the task settled, or it still waits and the user could not be (or was not) asked.
    Outcome(Outcome),
    /// A 2026-07-28 client is to ask the user and retry the call (MRTR).
    InputRequired(InputRequiredResult),
    /// The user was asked and declined (or dismissed the question): render this outcome, saying so.
    Declined(Outcome),
}

/// Asks the user while the task of `outcome` waits on them (MCP 2025-11-25 elicitation, form mode for
/// `input-required`, URL mode for `auth-required`; the interrupted states of A2A v0.3 `TaskState`), sending each answer
/// and following the task again with a fresh `follow()`. Stops when the task settles otherwise, the client
/// cannot be asked, the user declines or cancels, the bridge is stopping (`stopping`: the call then returns the
/// resumable result before the shutdown grace ends), or after `MAX_INPUT_ROUNDS`.
pub async fn until_answered<'a>(
    agent: &str,
    mut outcome: Outcome,
    follow: impl Fn() -> Follow<'a>,
    progress: &mut Progress,
    ctx: &RequestContext<RoleServer>,
    stopping: &tokio_util::sync::CancellationToken,
) -> Asked {
    for _ in 0..MAX_INPUT_ROUNDS {
        let Outcome::Done(view, Ending::Settled) = &outcome else {
            break;
        };
        let (Some(task_id), Some(state)) = (view.task_id.clone(), view.state) else {
            break;
        };
        let said = view.status_text();
        let pending = PendingInput {
            agent: agent.to_owned(),
            task_id,
            context_id: view.context_id.clone(),
        };
        let channel = channel(ctx);
        match (state, channel.via) {
            (TaskState::InputRequired, Via::Request) if channel.form => {
                // Boxed (as every await of this loop): asking is rare, and unboxed these futures would sit in
                // every tool call's future, which the runtime and rmcp move as a whole (issue 16).
                let asked = Box::pin(
                    ctx.peer
                        .create_elicitation(question_form(agent, said.as_deref())),
                );
                let answer = tokio::select! {
                    () = ctx.ct.cancelled() => None,
                    () = stopping.cancelled() => None,
                    r = asked => match r {
                        Ok(result) if result.action != ElicitationAction::Accept => {
                            return Asked::Declined(outcome);
                        }
                        Ok(result) => answer_from_result(&result),
                        Err(e) => {
                            tracing::warn!(agent, error = %e, "elicitation failed; returning a resumable result");
                            None
                        }
                    },
                };
                let Some(answer) = answer else { break };
                outcome =
                    Box::pin(follow().send(&answer_message(answer, &pending), progress)).await;
            }
            (TaskState::InputRequired, Via::Mrtr) if channel.form => {
                return Asked::InputRequired(InputRequiredResult::new(
                    Some(question_requests(agent, said.as_deref())),
                    Some(pending.encode()),
                ));
            }
            (TaskState::AuthRequired, Via::Request) if channel.url => {
                let (Some(said), Some(link)) = (&said, said.as_deref().and_then(find_url)) else {
                    break;
                };
                let asked = Box::pin(ctx.peer.elicit_url(
                    format!("The agent \"{agent}\" needs you to sign in: {said}"),
                    link,
                    uuid::Uuid::new_v4().to_string(),
                ));
                let accepted = tokio::select! {
                    () = ctx.ct.cancelled() => None,
                    () = stopping.cancelled() => None,
                    r = asked => r.ok(),
                };
                match accepted {
                    Some(ElicitationAction::Accept) => {}
                    Some(_) => return Asked::Declined(outcome),
                    None => break,
                }
                // Signed in out of band: follow the task again; if it still waits, say so.
                outcome = Box::pin(follow().resume(&pending.task_id, progress)).await;
                if matches!(&outcome, Outcome::Done(v, _) if v.state == Some(TaskState::AuthRequired))
                {
                    break;
                }
            }
            _ => break,
        }
    }
    Asked::Outcome(outcome)
}

/// What the MRTR `requestState` carries: which task of which agent the answer is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInput {
    pub agent: String,
    pub task_id: String,
    pub context_id: Option<String>,
}

impl PendingInput {
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    pub fn decode(state: &str) -> Option<PendingInput> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(state.trim())
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}

/// The user's answer, sent as the next message of the task that asked.
pub fn answer_message(answer: String, pending: &PendingInput) -> Message {
    Message {
        message_id: crate::a2a::ids::new_message_id(),
        role: Role::User,
        parts: vec![Part::text(answer)],
        context_id: pending.context_id.clone(),
        task_id: Some(pending.task_id.clone()),
        metadata: None,
    }
}

/// How this client can be asked, and in which elicitation modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channel {
    pub via: Via,
    /// Form mode (a question answered as text).
    pub form: bool,
    /// URL mode (a link the user opens, here to sign in).
    pub url: bool,
}

/// How a question reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Server→client `elicitation/create` (clients that `initialize`).
    Request,
    /// MRTR `InputRequiredResult` (2026-07-28 clients).
    Mrtr,
}

/// How this request's client can be asked: 2026-07-28 clients by what they declared on this request,
/// clients that `initialize` by what they declared then.
pub fn channel(ctx: &RequestContext<RoleServer>) -> Channel {
    let modern = ctx.protocol_version().is_some_and(|v| !v.has_initialize());
    if modern {
        let declared = ctx.meta.client_capabilities().and_then(|c| c.elicitation);
        let (form, url) = modes(declared.as_ref());
        return Channel {
            via: Via::Mrtr,
            form,
            url,
        };
    }
    let modes = ctx.peer.supported_elicitation_modes();
    Channel {
        via: Via::Request,
        form: modes.contains(&ElicitationMode::Form),
        url: modes.contains(&ElicitationMode::Url),
    }
}

/// `(form, url)`: the elicitation modes a declared capability allows. `elicitation: {}` predates the modes
/// and means form (MCP 2025-11-25 elicitation, "Capabilities").
pub fn modes(declared: Option<&ElicitationCapability>) -> (bool, bool) {
    match declared {
        Some(e) if e.form.is_none() && e.url.is_none() => (true, false),
        Some(e) => (e.form.is_some(), e.url.is_some()),
        None => (false, false),
    }
}

/// A one-field form: the agent's question (`said`, or a generic one when it gave none), answered as free text.
pub fn question_form(agent: &str, said: Option<&str>) -> ElicitRequestParams {
    let question = said.unwrap_or(NO_QUESTION);
    let schema: JsonObject = match json!({
        "type": "object",
        "properties": {
            ANSWER_KEY: {"type": "string", "title": "Answer", "description": format!("Your answer to {agent}")}
        },
        "required": [ANSWER_KEY]
    }) {
        Value::Object(m) => m,
        _ => JsonObject::new(),
    };
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: format!("The agent \"{agent}\" asks: {question}"),
        requested_schema: ElicitationSchema::from_json_schema(schema)
            .unwrap_or_else(|_| ElicitationSchema::new(Default::default())),
    }
}

/// The MRTR (or MCP task) input requests for the agent's question.
pub fn question_requests(agent: &str, said: Option<&str>) -> InputRequests {
    let mut requests = InputRequests::new();
    requests.insert(
        ANSWER_KEY.to_owned(),
        InputRequest::Elicitation(ElicitRequest::new(question_form(agent, said))),
    );
    requests
}

/// The text the user gave, if they accepted.
pub fn answer_from_result(result: &ElicitResult) -> Option<String> {
    if result.action != ElicitationAction::Accept {
        return None;
    }
    answer_from_content(result.content.as_ref()?)
}

/// The answer in MRTR `inputResponses` (an `ElicitResult` as JSON under our key).
pub fn answer_from_responses(responses: &InputResponses) -> Option<String> {
    let result: ElicitResult = serde_json::from_value(responses.get(ANSWER_KEY)?.clone()).ok()?;
    answer_from_result(&result)
}

fn answer_from_content(content: &Value) -> Option<String> {
    let answer = match content.get(ANSWER_KEY) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => return None,
    };
    (!answer.trim().is_empty()).then_some(answer)
}

/// The first http(s) URL in an agent's text (its sign-in link).
pub fn find_url(text: &str) -> Option<url::Url> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| {
                matches!(c, '(' | ')' | '<' | '>' | '"' | '\'' | ',' | '.' | ';')
            })
        })
        .filter(|w| w.starts_with("https://") || w.starts_with("http://"))
        .find_map(|w| url::Url::parse(w).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_input_round_trips_and_rejects_garbage() {
        let p = PendingInput {
            agent: "a".into(),
            task_id: "t:1".into(),
            context_id: Some("c".into()),
        };
        assert_eq!(PendingInput::decode(&p.encode()), Some(p));
        assert_eq!(PendingInput::decode("not base64!"), None);
        assert_eq!(PendingInput::decode("e30"), None); // "{}"
    }

    #[test]
    fn answers_come_only_from_accepted_forms() {
        let mut responses = InputResponses::new();
        responses.insert(
            ANSWER_KEY.into(),
            json!({"action": "accept", "content": {"answer": "Ada"}}),
        );
        assert_eq!(answer_from_responses(&responses).as_deref(), Some("Ada"));
        responses.insert(ANSWER_KEY.into(), json!({"action": "decline"}));
        assert_eq!(answer_from_responses(&responses), None);
    }

    #[test]
    fn each_elicitation_mode_counts_only_when_declared() {
        let caps = |v: Value| serde_json::from_value::<ElicitationCapability>(v).unwrap();
        assert_eq!(modes(None), (false, false));
        assert_eq!(modes(Some(&caps(json!({})))), (true, false));
        assert_eq!(modes(Some(&caps(json!({"form": {}})))), (true, false));
        assert_eq!(modes(Some(&caps(json!({"url": {}})))), (false, true));
        assert_eq!(
            modes(Some(&caps(json!({"form": {}, "url": {}})))),
            (true, true)
        );
    }

    #[test]
    fn sign_in_links_are_found() {
        assert_eq!(
            find_url("Sign in at https://example.com/login to continue.").map(|u| u.to_string()),
            Some("https://example.com/login".into())
        );
        assert_eq!(find_url("no link here"), None);
    }
}
