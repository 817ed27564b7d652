//! Asking the user when an agent needs input (`input-required`) or a sign-in (`auth-required`).
//!
//! Clients that `initialize` and declare elicitation are asked with a server→client `elicitation/create`
//! (form mode for a question, URL mode for a sign-in link). 2026-07-28 clients may not receive server→client
//! requests: they get an MRTR `InputRequiredResult` and retry the call with the answer, carrying a
//! `requestState` that names the A2A task. That state is untrusted input, but it only names a task of the
//! same agent the tool already reaches (as the `task_id` argument does), so it grants nothing new.
//! Clients that cannot elicit, or users who decline, get the resumable result instead.

use base64::Engine;
use rmcp::RoleServer;
use rmcp::model::{
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationSchema,
    InputRequest, InputRequests, InputResponses, JsonObject,
};
use rmcp::service::{ElicitationMode, RequestContext};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::a2a::{Message, Part, Role};

/// The key of the one input request the bridge makes.
pub const ANSWER_KEY: &str = "answer";

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
        message_id: uuid::Uuid::new_v4().to_string(),
        role: Role::User,
        parts: vec![Part::Text { text: answer }],
        context_id: pending.context_id.clone(),
        task_id: Some(pending.task_id.clone()),
        metadata: None,
    }
}

/// How this client can be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Server→client `elicitation/create` (session clients that declared elicitation).
    Request { url: bool },
    /// MRTR `InputRequiredResult` (2026-07-28 clients that declared elicitation).
    Mrtr,
    /// The client cannot be asked: return the resumable result.
    None,
}

pub fn channel(ctx: &RequestContext<RoleServer>) -> Channel {
    let modern = ctx.protocol_version().is_some_and(|v| !v.has_initialize());
    if modern {
        let declared = ctx
            .client_capabilities()
            .is_some_and(|c| c.elicitation.is_some());
        return if declared {
            Channel::Mrtr
        } else {
            Channel::None
        };
    }
    let modes = ctx.peer.supported_elicitation_modes();
    if modes.contains(&ElicitationMode::Form) {
        Channel::Request {
            url: modes.contains(&ElicitationMode::Url),
        }
    } else {
        Channel::None
    }
}

/// A one-field form: the agent's question, answered as free text.
pub fn question_form(agent: &str, question: &str) -> ElicitRequestParams {
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

/// The MRTR input requests for a question.
pub fn question_requests(agent: &str, question: &str) -> InputRequests {
    let mut requests = InputRequests::new();
    requests.insert(
        ANSWER_KEY.to_owned(),
        InputRequest::Elicitation(ElicitRequest::new(question_form(agent, question))),
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
    fn sign_in_links_are_found() {
        assert_eq!(
            find_url("Sign in at https://example.com/login to continue.").map(|u| u.to_string()),
            Some("https://example.com/login".into())
        );
        assert_eq!(find_url("no link here"), None);
    }
}
