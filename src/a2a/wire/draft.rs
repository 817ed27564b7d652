//! The pre-0.2 draft of A2A (spring 2025), which some platforms still serve (pure: no IO).
//!
//! The draft predates `message/send` and `kind`. What differs from v0.3, per the draft JSON schema the early
//! A2A repository published (its `specification/json/a2a.json` before 0.2.0):
//! - methods `tasks/send`, `tasks/sendSubscribe`, `tasks/get`, `tasks/cancel`, `tasks/resubscribe`;
//! - the client names the task: `TaskSendParams {id, sessionId?, message, acceptedOutputModes?, metadata?}`;
//!   answering an `input-required` task is another `tasks/send` with the same `id`; `sessionId` groups tasks
//!   (v0.3 calls it `contextId`);
//! - `Message {role, parts, metadata?}` with no ids; parts tagged `type` (`text`, `file`, `data`);
//! - `Task {id, sessionId, status, artifacts?}`, artifacts told apart by `index` and chunked with `append`
//!   and `lastChunk` on the artifact itself;
//! - stream events `TaskStatusUpdateEvent {id, status, final}` and `TaskArtifactUpdateEvent {id, artifact}`;
//! - the card has no `protocolVersion`, `preferredTransport` or `supportedInterfaces`, and `authentication`
//!   instead of `securitySchemes`.
//!
//! The generic decoders in `wire` read draft answers too (`sessionId`, `index`, `type`-tagged parts); this
//! module holds the encoders and the shape tests they rely on.

use serde_json::{Map, Value, json};

use crate::a2a::types::{Message, Part, Role};

/// Params of `tasks/send` / `tasks/sendSubscribe` (draft `TaskSendParams`). `task_id` is the id of the task
/// to create or continue (the client names tasks in the draft); `session_id` its session (`contextId`),
/// left out when `None` (it is optional in the draft).
pub fn send_params(
    message: &Message,
    task_id: &str,
    session_id: Option<&str>,
    accepted_output_modes: &[String],
) -> Value {
    let mut params = Map::new();
    params.insert("id".into(), json!(task_id));
    if let Some(session) = session_id {
        params.insert("sessionId".into(), json!(session));
    }
    params.insert("message".into(), encode_message(message));
    if !accepted_output_modes.is_empty() {
        params.insert("acceptedOutputModes".into(), json!(accepted_output_modes));
    }
    Value::Object(params)
}

/// A draft message: `{role, parts, metadata?}`; the draft's messages carry no ids.
pub fn encode_message(message: &Message) -> Value {
    let mut out = Map::new();
    let role = match message.role {
        Role::User => "user",
        Role::Agent => "agent",
    };
    out.insert("role".into(), json!(role));
    out.insert(
        "parts".into(),
        Value::Array(message.parts.iter().map(encode_part).collect()),
    );
    if let Some(meta) = &message.metadata {
        out.insert("metadata".into(), meta.clone());
    }
    Value::Object(out)
}

/// A draft part, tagged with `type`: `{type: "text", text}`, `{type: "file", file: {name?, mimeType?,
/// bytes? | uri?}}`, `{type: "data", data}` (an object, as in v0.3; other values are wrapped as `{value}`).
pub fn encode_part(part: &Part) -> Value {
    let (mut out, metadata) = match part {
        Part::Text { text, metadata } => (json!({"type": "text", "text": text}), metadata),
        Part::Data { data, metadata } => {
            let data = if data.is_object() {
                data.clone()
            } else {
                json!({"value": data})
            };
            (json!({"type": "data", "data": data}), metadata)
        }
        Part::File {
            bytes,
            uri,
            media_type,
            name,
        } => {
            let mut file = Map::new();
            if let Some(b) = bytes {
                file.insert("bytes".into(), json!(b));
            } else if let Some(u) = uri {
                file.insert("uri".into(), json!(u));
            }
            if let Some(m) = media_type {
                file.insert("mimeType".into(), json!(m));
            }
            if let Some(n) = name {
                file.insert("name".into(), json!(n));
            }
            (json!({"type": "file", "file": file}), &None)
        }
    };
    if let (Some(meta), Some(obj)) = (metadata, out.as_object_mut()) {
        obj.insert("metadata".into(), meta.clone());
    }
    out
}

/// The id a draft artifact goes by: draft artifacts have no `artifactId`, only an `index` (a number) that
/// chunks of the same artifact share; `None` when there is no usable index.
pub fn artifact_id(artifact: &Value) -> Option<String> {
    artifact
        .get("index")
        .and_then(Value::as_u64)
        .map(|i| format!("artifact-{i}"))
}

/// Whether a stream event's `result` is a draft update: it names its task with `id` (not `taskId`), has no
/// `kind`, and carries an `artifact`, or a `status` with `final` (a draft Task carries neither `artifact` nor
/// `final`).
pub fn is_update(result: &Value) -> bool {
    result.get("kind").is_none()
        && result.get("taskId").is_none()
        && result.get("id").is_some_and(Value::is_string)
        && (result.get("artifact").is_some_and(Value::is_object)
            || (result.get("final").is_some_and(Value::is_boolean)
                && result.get("status").is_some_and(Value::is_object)))
}

/// Keys only a v0.3 or v1.0 card has; a card without any of them (and with a `url`) is the draft's.
const LATER_CARD_KEYS: [&str; 6] = [
    "protocolVersion",
    "supportedInterfaces",
    "preferredTransport",
    "additionalInterfaces",
    "securitySchemes",
    "security",
];

/// Whether a card has the draft's shape: a `url` and none of the keys later versions added
/// (`protocolVersion`, `preferredTransport`, `supportedInterfaces`, `securitySchemes`, …). Only a first
/// guess: an agent that refuses the draft's methods is tried in the released versions.
pub fn is_draft_card(raw: &Value) -> bool {
    raw.get("url").is_some_and(Value::is_string)
        && LATER_CARD_KEYS.iter().all(|k| raw.get(*k).is_none())
}

/// python-a2a serves each draft method at a path of its own under the endpoint rather than one JSON-RPC
/// endpoint: `…/tasks/send`, `…/tasks/get`, `…/tasks/cancel`, and `…/tasks/stream` for both streaming
/// methods. The path for `method` (a draft method name).
pub fn per_method_path(method: &str) -> &str {
    match method {
        "tasks/sendSubscribe" | "tasks/resubscribe" => "tasks/stream",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_params_name_the_task_and_tag_parts_with_type() {
        let message = Message {
            message_id: "m1".into(),
            role: Role::User,
            parts: vec![
                Part::text("hi"),
                Part::data(json!([1])),
                Part::File {
                    bytes: None,
                    uri: Some("https://x/a.pdf".into()),
                    media_type: Some("application/pdf".into()),
                    name: None,
                },
            ],
            context_id: None,
            task_id: None,
            metadata: None,
        };
        let params = send_params(&message, "t1", Some("s1"), &["text/plain".into()]);
        assert_eq!(
            params,
            json!({"id": "t1", "sessionId": "s1", "acceptedOutputModes": ["text/plain"],
                "message": {"role": "user", "parts": [
                    {"type": "text", "text": "hi"},
                    {"type": "data", "data": {"value": [1]}},
                    {"type": "file", "file": {"uri": "https://x/a.pdf", "mimeType": "application/pdf"}}]}})
        );
    }

    #[test]
    fn draft_cards_and_updates_are_told_apart_from_later_ones() {
        assert!(is_draft_card(
            &json!({"name": "e", "url": "http://h/a2a/agents/x", "authentication": {"schemes": []}})
        ));
        assert!(!is_draft_card(
            &json!({"name": "e", "url": "http://h/", "protocolVersion": "0.2.5"})
        ));
        assert!(!is_draft_card(&json!({"name": "e"})));
        assert!(is_update(
            &json!({"id": "t", "status": {"state": "working"}, "final": false})
        ));
        assert!(is_update(
            &json!({"id": "t", "artifact": {"index": 0, "parts": []}})
        ));
        // A draft Task (python-a2a streams them bare), and v0.3 updates, are not draft updates.
        assert!(!is_update(
            &json!({"id": "t", "sessionId": "s", "status": {"state": "working"}})
        ));
        assert!(!is_update(
            &json!({"kind": "status-update", "taskId": "t", "status": {"state": "working"}, "final": false})
        ));
    }

    #[test]
    fn draft_answers_decode_with_session_and_indexed_artifacts() {
        use crate::a2a::types::{StreamEvent, TaskState};
        let task = super::super::decode_task(&json!({"id": "t", "sessionId": "s",
            "status": {"state": "input-required"},
            "artifacts": [{"index": 2, "parts": [{"type": "text", "text": "x"}]}]}))
        .unwrap();
        assert_eq!(task.context_id, "s");
        assert_eq!(task.status.state, TaskState::InputRequired);
        assert_eq!(task.artifacts[0].artifact_id, "artifact-2");
        let event = super::super::decode_stream_result(&json!({"id": "t",
            "artifact": {"index": 0, "append": true, "lastChunk": true,
                "parts": [{"type": "text", "text": "more"}]}}))
        .unwrap();
        let StreamEvent::Artifact {
            task_id,
            artifact,
            append,
            last_chunk,
            ..
        } = event
        else {
            panic!("{event:?}");
        };
        assert_eq!(
            (
                task_id.as_str(),
                artifact.artifact_id.as_str(),
                append,
                last_chunk
            ),
            ("t", "artifact-0", true, true)
        );
        let event = super::super::decode_stream_result(
            &json!({"id": "t", "status": {"state": "completed"}, "final": true}),
        )
        .unwrap();
        assert!(
            matches!(event, StreamEvent::Status { is_final: true, ref task_id, .. } if task_id == "t")
        );
    }
}
