//! JSON shapes of A2A v0.3 and v1.0, to and from the model in `types`, in both directions (pure: no IO).
//!
//! The client encodes requests and decodes results with it; the demo agent decodes requests and encodes results
//! with the same functions. Version differences handled here:
//! - method names: `message/send` vs `SendMessage`, and so on (A2A v0.3 §3.5.6, A2A v1.0 §5.3);
//! - parts: v0.3 tags them with `kind` and nests files under `file` (A2A v0.3 §6.5); v1 uses oneof keys (`text`,
//!   `raw`, `url`, `data`; A2A v1.0 §4.1.6);
//! - roles `user`/`agent` vs `ROLE_USER`/`ROLE_AGENT`; states `input-required` vs `TASK_STATE_INPUT_REQUIRED`
//!   (A2A v0.3 §6.3, A2A v1.0 §4.1.3);
//! - results: v0.3 returns the bare object told apart by `kind`, v1 wraps it (`{"task": …}`, `{"statusUpdate": …}`;
//!   A2A v1.0 §3.2.3 Stream Response);
//! - `final` exists only in v0.3 status updates (A2A v0.3 §7.2.2); in v1 the end of the stream marks it;
//! - v1 leaves false booleans out (ProtoJSON).
//!
//! Decoding is lenient: unknown fields are ignored, and a v1 decoder also accepts the v0.3 spellings
//! (and vice versa), since servers in the wild mix them. Encoding is strict per version.
//!
//! `rpc` holds the JSON-RPC envelope around these shapes; `card` reads agent cards and picks an interface.

mod card;
pub mod draft;
mod list;
pub mod rest;
pub mod rpc;
pub mod security;

use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::error::A2aError;
use super::types::{
    Artifact, Message, Part, ProtocolVersion, Role, SendResponse, StreamEvent, Task, TaskState,
    TaskStatus,
};

pub use card::{choose_binding, choose_interface, decode_card, skill_gaps};
pub use list::{
    ListTasksRequest, ListTasksResponse, MAX_PAGE_SIZE, decode_task_page, list_tasks_params,
};

/// An A2A operation, named per version by the JSON-RPC binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    SendMessage,
    SendStreamingMessage,
    GetTask,
    CancelTask,
    SubscribeToTask,
}

impl Method {
    /// Every operation the bridge uses.
    pub const ALL: [Method; 5] = [
        Method::SendMessage,
        Method::SendStreamingMessage,
        Method::GetTask,
        Method::CancelTask,
        Method::SubscribeToTask,
    ];

    /// The JSON-RPC method name in `version` (A2A v0.3 §3.5.6, A2A v1.0 §5.3).
    pub fn name(self, version: ProtocolVersion) -> &'static str {
        use Method::*;
        match (version, self) {
            (ProtocolVersion::V0_3, SendMessage) => "message/send",
            (ProtocolVersion::V0_3, SendStreamingMessage) => "message/stream",
            (ProtocolVersion::V0_3, GetTask) => "tasks/get",
            (ProtocolVersion::V0_3, CancelTask) => "tasks/cancel",
            (ProtocolVersion::V0_3, SubscribeToTask) => "tasks/resubscribe",
            (ProtocolVersion::V1_0, SendMessage) => "SendMessage",
            (ProtocolVersion::V1_0, SendStreamingMessage) => "SendStreamingMessage",
            (ProtocolVersion::V1_0, GetTask) => "GetTask",
            (ProtocolVersion::V1_0, CancelTask) => "CancelTask",
            (ProtocolVersion::V1_0, SubscribeToTask) => "SubscribeToTask",
            // The pre-0.2 draft (`wire::draft`).
            (ProtocolVersion::Draft, SendMessage) => "tasks/send",
            (ProtocolVersion::Draft, SendStreamingMessage) => "tasks/sendSubscribe",
            (ProtocolVersion::Draft, GetTask) => "tasks/get",
            (ProtocolVersion::Draft, CancelTask) => "tasks/cancel",
            (ProtocolVersion::Draft, SubscribeToTask) => "tasks/resubscribe",
        }
    }

    /// The operation a JSON-RPC method name stands for, and the version that spells it so (the inverse of
    /// `name`). `None` for any other name, in any case.
    pub fn from_name(name: &str) -> Option<(ProtocolVersion, Method)> {
        ProtocolVersion::ALL
            .into_iter()
            .flat_map(|version| Method::ALL.map(|method| (version, method)))
            .find(|(version, method)| method.name(*version) == name)
    }

    /// Whether the answer is an event stream (SSE) rather than one JSON-RPC response.
    pub fn streams(self) -> bool {
        matches!(self, Method::SendStreamingMessage | Method::SubscribeToTask)
    }
}

/// A task state as `version` spells it (A2A v0.3 §6.3, A2A v1.0 §4.1.3); `decode_state` reads both.
pub fn state_name(version: ProtocolVersion, state: TaskState) -> &'static str {
    match version {
        // The draft spells states as v0.3 does.
        ProtocolVersion::V0_3 | ProtocolVersion::Draft => state.as_str(),
        ProtocolVersion::V1_0 => match state {
            TaskState::Submitted => "TASK_STATE_SUBMITTED",
            TaskState::Working => "TASK_STATE_WORKING",
            TaskState::InputRequired => "TASK_STATE_INPUT_REQUIRED",
            TaskState::AuthRequired => "TASK_STATE_AUTH_REQUIRED",
            TaskState::Completed => "TASK_STATE_COMPLETED",
            TaskState::Canceled => "TASK_STATE_CANCELED",
            TaskState::Failed => "TASK_STATE_FAILED",
            TaskState::Rejected => "TASK_STATE_REJECTED",
            TaskState::Unknown => "TASK_STATE_UNSPECIFIED",
        },
    }
}

/// `t` as RFC 3339 in UTC with microseconds and a `Z` (`2026-11-21T09:42:34.731362Z`), the form A2A v1.0 §5.6.1
/// requires of timestamps and v0.3 accepts.
pub fn timestamp(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

/// Params of a send (streaming or not): A2A v0.3 §7.1.1 `MessageSendParams`, A2A v1.0 §3.2.1
/// `SendMessageRequest`. `blocking` is explicit on both versions because SDKs disagree on the default; v1 spells
/// it with the opposite polarity as `returnImmediately` (A2A v1.0 §3.2.2).
pub fn send_params(
    version: ProtocolVersion,
    message: &Message,
    blocking: bool,
    accepted_output_modes: &[String],
    tenant: Option<&str>,
) -> Value {
    if version == ProtocolVersion::Draft {
        // The draft has no `blocking`: the agent decides. The client names new tasks and their sessions; a
        // task continued without its session keeps the one the agent has.
        let new_id = || uuid::Uuid::new_v4().to_string();
        let session_id = match (&message.context_id, &message.task_id) {
            (Some(context), _) => Some(context.clone()),
            (None, Some(_)) => None,
            (None, None) => Some(new_id()),
        };
        let task_id = message.task_id.clone().unwrap_or_else(new_id);
        return draft::send_params(
            message,
            &task_id,
            session_id.as_deref(),
            accepted_output_modes,
        );
    }
    let mut configuration = Map::new();
    if !accepted_output_modes.is_empty() {
        configuration.insert("acceptedOutputModes".into(), json!(accepted_output_modes));
    }
    match version {
        ProtocolVersion::V0_3 | ProtocolVersion::Draft => {
            configuration.insert("blocking".into(), Value::Bool(blocking));
        }
        ProtocolVersion::V1_0 => {
            configuration.insert("returnImmediately".into(), Value::Bool(!blocking));
        }
    }
    let mut params = Map::new();
    params.insert("message".into(), encode_message(version, message));
    params.insert("configuration".into(), Value::Object(configuration));
    add_tenant(version, &mut params, tenant);
    Value::Object(params)
}

/// Where an agent is asked to send push notifications about the task a send starts, and the token it sends
/// back with each (`X-A2A-Notification-Token`): A2A v0.3 §6.8 `PushNotificationConfig`, A2A v1.0
/// `TaskPushNotificationConfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushConfig {
    /// The webhook URL (absolute).
    pub url: String,
    /// Opaque to the agent; the receiver checks it.
    pub token: String,
}

/// Adds `push` to the `configuration` of send params built by `send_params`: v0.3
/// `configuration.pushNotificationConfig` (A2A v0.3 §7.1.1 `MessageSendConfiguration`), v1.0
/// `configuration.taskPushNotificationConfig` (A2A v1.0 §3.2.2 `SendMessageConfiguration`). The draft has no
/// such field in a send: its params are left as they are.
pub fn add_push_config(version: ProtocolVersion, params: &mut Value, push: &PushConfig) {
    let field = match version {
        ProtocolVersion::V0_3 => "pushNotificationConfig",
        ProtocolVersion::V1_0 => "taskPushNotificationConfig",
        ProtocolVersion::Draft => return,
    };
    if let Some(configuration) = params
        .get_mut("configuration")
        .and_then(Value::as_object_mut)
    {
        configuration.insert(field.into(), json!({"url": push.url, "token": push.token}));
    }
}

/// Params of `tasks/get`, `tasks/cancel`, `tasks/resubscribe` and their v1 names (A2A v0.3 §7.4.1 `TaskIdParams`).
pub fn task_id_params(version: ProtocolVersion, task_id: &str, tenant: Option<&str>) -> Value {
    let mut params = Map::new();
    params.insert("id".into(), Value::String(task_id.to_owned()));
    add_tenant(version, &mut params, tenant);
    Value::Object(params)
}

fn add_tenant(version: ProtocolVersion, params: &mut Map<String, Value>, tenant: Option<&str>) {
    if let (ProtocolVersion::V1_0, Some(tenant)) = (version, tenant) {
        params.insert("tenant".into(), Value::String(tenant.to_owned()));
    }
}

/// A message (A2A v0.3 §6.4, A2A v1.0 §4.1.4).
pub fn encode_message(version: ProtocolVersion, message: &Message) -> Value {
    if version == ProtocolVersion::Draft {
        return draft::encode_message(message);
    }
    let mut out = Map::new();
    out.insert("messageId".into(), json!(message.message_id));
    let role = match (version, message.role) {
        (ProtocolVersion::V0_3 | ProtocolVersion::Draft, Role::User) => "user",
        (ProtocolVersion::V0_3 | ProtocolVersion::Draft, Role::Agent) => "agent",
        (ProtocolVersion::V1_0, Role::User) => "ROLE_USER",
        (ProtocolVersion::V1_0, Role::Agent) => "ROLE_AGENT",
    };
    out.insert("role".into(), json!(role));
    if version == ProtocolVersion::V0_3 {
        out.insert("kind".into(), json!("message"));
    }
    out.insert("parts".into(), encode_parts(version, &message.parts));
    if let Some(id) = &message.context_id {
        out.insert("contextId".into(), json!(id));
    }
    if let Some(id) = &message.task_id {
        out.insert("taskId".into(), json!(id));
    }
    if let Some(meta) = &message.metadata {
        out.insert("metadata".into(), meta.clone());
    }
    Value::Object(out)
}

fn encode_parts(version: ProtocolVersion, parts: &[Part]) -> Value {
    Value::Array(parts.iter().map(|p| encode_part(version, p)).collect())
}

/// One part: v0.3 `{"kind": "text", "text": …}`, v1 `{"text": …}` (A2A v0.3 §6.5, A2A v1.0 §4.1.6); the part's
/// `metadata`, when it has one, goes along in both.
pub fn encode_part(version: ProtocolVersion, part: &Part) -> Value {
    if version == ProtocolVersion::Draft {
        return draft::encode_part(part);
    }
    let mut out = match (version, part) {
        (ProtocolVersion::V0_3 | ProtocolVersion::Draft, Part::Text { text, .. }) => {
            json!({"kind": "text", "text": text})
        }
        (ProtocolVersion::V1_0, Part::Text { text, .. }) => json!({"text": text}),
        (ProtocolVersion::V0_3 | ProtocolVersion::Draft, Part::Data { data, .. }) => {
            // v0.3 data parts must be objects; the SDK's own compat layer wraps other values the same way.
            let data = if data.is_object() {
                data.clone()
            } else {
                json!({"value": data})
            };
            json!({"kind": "data", "data": data})
        }
        (ProtocolVersion::V1_0, Part::Data { data, .. }) => json!({"data": data}),
        (
            _,
            Part::File {
                bytes,
                uri,
                media_type,
                name,
            },
        ) => {
            // v0.3 nests the file under `file`; v1 puts it on the part itself, with other key names.
            let [bytes_key, uri_key, media_type_key, name_key] = match version {
                ProtocolVersion::V0_3 | ProtocolVersion::Draft => {
                    ["bytes", "uri", "mimeType", "name"]
                }
                ProtocolVersion::V1_0 => ["raw", "url", "mediaType", "filename"],
            };
            let mut file = Map::new();
            if let Some(b) = bytes {
                file.insert(bytes_key.into(), json!(b));
            } else if let Some(u) = uri {
                file.insert(uri_key.into(), json!(u));
            }
            if let Some(m) = media_type {
                file.insert(media_type_key.into(), json!(m));
            }
            if let Some(n) = name {
                file.insert(name_key.into(), json!(n));
            }
            match version {
                ProtocolVersion::V0_3 | ProtocolVersion::Draft => {
                    json!({"kind": "file", "file": file})
                }
                ProtocolVersion::V1_0 => Value::Object(file),
            }
        }
    };
    if let (Part::Text { metadata, .. } | Part::Data { metadata, .. }, Some(obj)) =
        (part, out.as_object_mut())
        && let Some(meta) = metadata
    {
        obj.insert("metadata".into(), meta.clone());
    }
    out
}

fn encode_status(version: ProtocolVersion, status: &TaskStatus) -> Value {
    let mut out = Map::new();
    out.insert("state".into(), json!(state_name(version, status.state)));
    if let Some(message) = &status.message {
        out.insert("message".into(), encode_message(version, message));
    }
    if let Some(t) = &status.timestamp {
        out.insert("timestamp".into(), json!(t));
    }
    Value::Object(out)
}

/// An artifact (A2A v0.3 §6.7, A2A v1.0 §4.1.7).
pub fn encode_artifact(version: ProtocolVersion, artifact: &Artifact) -> Value {
    let mut out = Map::new();
    out.insert("artifactId".into(), json!(artifact.artifact_id));
    if let Some(name) = &artifact.name {
        out.insert("name".into(), json!(name));
    }
    if let Some(d) = &artifact.description {
        out.insert("description".into(), json!(d));
    }
    out.insert("parts".into(), encode_parts(version, &artifact.parts));
    Value::Object(out)
}

/// A task (A2A v0.3 §6.1, A2A v1.0 §4.1.1); the same object is the bare result of `tasks/get`, `tasks/cancel`,
/// `GetTask` and `CancelTask`.
pub fn encode_task(version: ProtocolVersion, task: &Task) -> Value {
    let mut out = Map::new();
    if version == ProtocolVersion::V0_3 {
        out.insert("kind".into(), json!("task"));
    }
    out.insert("id".into(), json!(task.id));
    out.insert("contextId".into(), json!(task.context_id));
    out.insert("status".into(), encode_status(version, &task.status));
    if !task.artifacts.is_empty() {
        let artifacts = task
            .artifacts
            .iter()
            .map(|a| encode_artifact(version, a))
            .collect();
        out.insert("artifacts".into(), Value::Array(artifacts));
    }
    Value::Object(out)
}

/// The result of `message/send` / `SendMessage`: v0.3 the bare object, v1 `{"task": …}` or `{"message": …}`.
/// The inverse of `decode_send_result`.
pub fn encode_send_result(version: ProtocolVersion, response: &SendResponse) -> Value {
    match response {
        SendResponse::Task(task) => wrap(version, "task", encode_task(version, task)),
        SendResponse::Message(message) => {
            wrap(version, "message", encode_message(version, message))
        }
    }
}

/// The `result` of one stream event (A2A v0.3 §7.2.1, A2A v1.0 §3.2.3). The inverse of `decode_stream_result`.
pub fn encode_stream_result(version: ProtocolVersion, event: &StreamEvent) -> Value {
    match event {
        StreamEvent::Task(task) => wrap(version, "task", encode_task(version, task)),
        StreamEvent::Message(message) => wrap(version, "message", encode_message(version, message)),
        StreamEvent::Status {
            task_id,
            context_id,
            status,
            is_final,
        } => {
            let mut out = Map::new();
            out.insert("taskId".into(), json!(task_id));
            out.insert("contextId".into(), json!(context_id));
            out.insert("status".into(), encode_status(version, status));
            if version == ProtocolVersion::V0_3 {
                out.insert("kind".into(), json!("status-update"));
                out.insert("final".into(), json!(is_final));
            }
            // v1 has no `final`: the end of the stream says it.
            wrap(version, "statusUpdate", Value::Object(out))
        }
        StreamEvent::Artifact {
            task_id,
            context_id,
            artifact,
            append,
            last_chunk,
        } => {
            let mut out = Map::new();
            out.insert("taskId".into(), json!(task_id));
            out.insert("contextId".into(), json!(context_id));
            out.insert("artifact".into(), encode_artifact(version, artifact));
            if version == ProtocolVersion::V0_3 {
                out.insert("kind".into(), json!("artifact-update"));
            }
            // ProtoJSON (v1) leaves false booleans out; v0.3 always writes them.
            for (key, set) in [("append", *append), ("lastChunk", *last_chunk)] {
                if set || version == ProtocolVersion::V0_3 {
                    out.insert(key.into(), json!(set));
                }
            }
            wrap(version, "artifactUpdate", Value::Object(out))
        }
    }
}

/// v1 wraps each result in its oneof key; v0.3 sends the bare object, told apart by `kind`.
fn wrap(version: ProtocolVersion, key: &str, value: Value) -> Value {
    match version {
        ProtocolVersion::V0_3 | ProtocolVersion::Draft => value,
        ProtocolVersion::V1_0 => json!({ key: value }),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

fn bad(what: impl Into<String>) -> A2aError {
    A2aError::InvalidResponse(what.into())
}

fn str_field(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn required_str(v: &Value, key: &str, what: &str) -> Result<String, A2aError> {
    str_field(v, key).ok_or_else(|| bad(format!("{what} has no \"{key}\"")))
}

/// The strings of the list at `key` (entries that are not strings skipped); empty when there is none.
pub(crate) fn string_list(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Accepts every spelling: `working`, `TASK_STATE_WORKING`, `TASK_STATE_CANCELLED` (v0.3 ProtoJSON), any case;
/// the inverse of `state_name` for both versions.
pub fn decode_state(s: &str) -> TaskState {
    let norm = s
        .trim()
        .trim_start_matches("TASK_STATE_")
        .to_ascii_lowercase()
        .replace('_', "-");
    match norm.as_str() {
        "submitted" => TaskState::Submitted,
        "working" => TaskState::Working,
        "input-required" => TaskState::InputRequired,
        "auth-required" => TaskState::AuthRequired,
        "completed" => TaskState::Completed,
        "canceled" | "cancelled" => TaskState::Canceled,
        "failed" => TaskState::Failed,
        "rejected" => TaskState::Rejected,
        _ => TaskState::Unknown,
    }
}

fn decode_role(s: &str) -> Role {
    match s.to_ascii_lowercase().trim_start_matches("role_") {
        "user" => Role::User,
        _ => Role::Agent,
    }
}

/// A part in either shape: v0.3 `{"kind":"text",…}` or v1 `{"text":…}` / `{"raw":…}` / `{"url":…}` / `{"data":…}`.
pub fn decode_part(v: &Value) -> Result<Part, A2aError> {
    if let Some(text) = v.get("text").and_then(Value::as_str) {
        return Ok(Part::Text {
            text: text.to_owned(),
            metadata: v.get("metadata").filter(|m| m.is_object()).cloned(),
        });
    }
    if let Some(file) = v.get("file").filter(|f| f.is_object()) {
        // v0.3 REST (ProtoJSON of the v0.3 gRPC `FilePart`) says `fileWithBytes` / `fileWithUri`.
        return Ok(Part::File {
            bytes: str_field(file, "bytes").or_else(|| str_field(file, "fileWithBytes")),
            uri: str_field(file, "uri").or_else(|| str_field(file, "fileWithUri")),
            media_type: str_field(file, "mimeType").or_else(|| str_field(file, "mediaType")),
            name: str_field(file, "name"),
        });
    }
    if v.get("raw").is_some() || v.get("url").is_some() {
        return Ok(Part::File {
            bytes: str_field(v, "raw"),
            uri: str_field(v, "url"),
            media_type: str_field(v, "mediaType").or_else(|| str_field(v, "mimeType")),
            name: str_field(v, "filename").or_else(|| str_field(v, "name")),
        });
    }
    if let Some(data) = v.get("data") {
        return Ok(Part::Data {
            data: data.clone(),
            metadata: v.get("metadata").filter(|m| m.is_object()).cloned(),
        });
    }
    Err(bad(format!("unrecognised part {}", truncate_json(v))))
}

fn decode_parts(v: &Value) -> Result<Vec<Part>, A2aError> {
    // v0.3 REST (ProtoJSON) spells the list `content`; JSON-RPC uses `parts`.
    let list = v.get("parts").or_else(|| v.get("content"));
    match list.and_then(Value::as_array) {
        Some(items) => items.iter().map(decode_part).collect(),
        None => Ok(Vec::new()),
    }
}

pub fn decode_message(v: &Value) -> Result<Message, A2aError> {
    Ok(Message {
        message_id: str_field(v, "messageId").unwrap_or_default(),
        role: v
            .get("role")
            .and_then(Value::as_str)
            .map(decode_role)
            .unwrap_or(Role::Agent),
        parts: decode_parts(v)?,
        context_id: str_field(v, "contextId"),
        task_id: str_field(v, "taskId"),
        metadata: v.get("metadata").cloned(),
    })
}

fn decode_status(v: &Value) -> Result<TaskStatus, A2aError> {
    let state = v
        .get("state")
        .and_then(Value::as_str)
        .map(decode_state)
        .ok_or_else(|| bad("task status has no \"state\""))?;
    let message = match v.get("message") {
        Some(m) if m.is_object() => Some(decode_message(m)?),
        _ => None,
    };
    Ok(TaskStatus {
        state,
        message,
        timestamp: str_field(v, "timestamp"),
    })
}

pub fn decode_artifact(v: &Value) -> Result<Artifact, A2aError> {
    Ok(Artifact {
        // Draft artifacts have only an `index`.
        artifact_id: str_field(v, "artifactId")
            .or_else(|| draft::artifact_id(v))
            .unwrap_or_default(),
        name: str_field(v, "name"),
        description: str_field(v, "description"),
        parts: decode_parts(v)?,
    })
}

pub fn decode_task(v: &Value) -> Result<Task, A2aError> {
    let status = v
        .get("status")
        .ok_or_else(|| bad("task has no \"status\""))?;
    let artifacts = match v.get("artifacts").and_then(Value::as_array) {
        Some(items) => items
            .iter()
            .map(decode_artifact)
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok(Task {
        id: required_str(v, "id", "task")?,
        // The draft's `sessionId` is the later `contextId`.
        context_id: str_field(v, "contextId")
            .or_else(|| str_field(v, "sessionId"))
            .unwrap_or_default(),
        status: decode_status(status)?,
        artifacts,
    })
}

/// Whether send params ask to wait for the task to settle, the inverse of `send_params`: v0.3
/// `configuration.blocking` (default true), v1 `configuration.returnImmediately` (default false). Either
/// spelling is read in either version.
pub fn decode_blocking(params: &Value) -> bool {
    let config = params.get("configuration");
    let flag = |key: &str| config.and_then(|c| c.get(key)).and_then(Value::as_bool);
    flag("blocking")
        .or_else(|| flag("returnImmediately").map(|r| !r))
        .unwrap_or(true)
}

/// The `result` of a send: v0.3 bare object with `kind`, v1 `{"task":…}` / `{"message":…}`.
///
/// Task and Message are told apart by the protocol's discriminators, in this order: v0.3 `kind` (A2A v0.3
/// §7.1); a v1 wrapper key (A2A v1.0 §3.2.2), which is an object holding nothing but that key; then the
/// shape: a Task has `id` and `status` (A2A v0.3 §6.1), a Message `parts` and no `status`. So a Task that
/// also carries the user's `message` (python-a2a) stays a Task.
pub fn decode_send_result(result: &Value) -> Result<SendResponse, A2aError> {
    match result.get("kind").and_then(Value::as_str) {
        Some("task") => return decode_task(result).map(SendResponse::Task),
        Some("message") => return decode_message(result).map(SendResponse::Message),
        _ => {}
    }
    let looks_like_task = result.get("status").is_some_and(Value::is_object);
    if !looks_like_task {
        if let Some(task) = result.get("task").filter(|t| t.is_object()) {
            return decode_task(task).map(SendResponse::Task);
        }
        // v0.3 HTTP+JSON (gRPC ProtoJSON) spells a message's parts `content`.
        if let Some(message) = result
            .get("message")
            .filter(|m| m.get("parts").is_some() || m.get("content").is_some())
        {
            return decode_message(message).map(SendResponse::Message);
        }
    }
    if looks_like_task {
        return decode_task(result).map(SendResponse::Task);
    }
    if result.get("parts").is_some() {
        return decode_message(result).map(SendResponse::Message);
    }
    Err(bad(format!(
        "send result is neither a task nor a message: {}",
        truncate_json(result)
    )))
}

/// The `result` of one stream event (JSON-RPC streams carry a full JSON-RPC response per event).
pub fn decode_stream_result(result: &Value) -> Result<StreamEvent, A2aError> {
    // The pre-0.2 draft: `{id, status, final}` and `{id, artifact}`, untagged (`wire::draft`).
    if draft::is_update(result) {
        return decode_draft_update(result);
    }
    // v1 (and v0.3 REST) wrap the event in a oneof key.
    if let Some(update) = result.get("statusUpdate") {
        return decode_status_update(update);
    }
    if let Some(update) = result.get("artifactUpdate") {
        return decode_artifact_update(update);
    }
    match result.get("kind").and_then(Value::as_str) {
        Some("status-update") => decode_status_update(result),
        Some("artifact-update") => decode_artifact_update(result),
        _ => match decode_send_result(result)? {
            SendResponse::Task(t) => Ok(StreamEvent::Task(t)),
            SendResponse::Message(m) => Ok(StreamEvent::Message(m)),
        },
    }
}

/// A draft update (`draft::is_update`): the task is `id`, and chunking (`append`, `lastChunk`) sits on the
/// artifact itself.
fn decode_draft_update(v: &Value) -> Result<StreamEvent, A2aError> {
    let task_id = str_field(v, "id").unwrap_or_default();
    let context_id = str_field(v, "sessionId").unwrap_or_default();
    if let Some(artifact) = v.get("artifact") {
        let flag = |key: &str| {
            artifact
                .get(key)
                .or_else(|| v.get(key))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        return Ok(StreamEvent::Artifact {
            task_id,
            context_id,
            artifact: decode_artifact(artifact)?,
            append: flag("append"),
            last_chunk: flag("lastChunk"),
        });
    }
    match decode_status_update(v)? {
        StreamEvent::Status {
            status, is_final, ..
        } => Ok(StreamEvent::Status {
            task_id,
            context_id,
            status,
            is_final,
        }),
        other => Ok(other),
    }
}

fn decode_status_update(v: &Value) -> Result<StreamEvent, A2aError> {
    let status = decode_status(
        v.get("status")
            .ok_or_else(|| bad("status update has no \"status\""))?,
    )?;
    // v1 dropped `final`; the SDK's own compat layer derives it from the state the same way.
    let is_final = v
        .get("final")
        .and_then(Value::as_bool)
        .unwrap_or(status.state.is_terminal());
    Ok(StreamEvent::Status {
        task_id: str_field(v, "taskId").unwrap_or_default(),
        context_id: str_field(v, "contextId").unwrap_or_default(),
        status,
        is_final,
    })
}

fn decode_artifact_update(v: &Value) -> Result<StreamEvent, A2aError> {
    let artifact = decode_artifact(
        v.get("artifact")
            .ok_or_else(|| bad("artifact update has no \"artifact\""))?,
    )?;
    Ok(StreamEvent::Artifact {
        task_id: str_field(v, "taskId").unwrap_or_default(),
        context_id: str_field(v, "contextId").unwrap_or_default(),
        artifact,
        // ProtoJSON leaves false booleans out, so absent means false.
        append: v.get("append").and_then(Value::as_bool).unwrap_or(false),
        last_chunk: v.get("lastChunk").and_then(Value::as_bool).unwrap_or(false),
    })
}

/// A short, single-line rendering of a JSON value for error messages.
pub fn truncate_json(v: &Value) -> String {
    let s = v.to_string();
    truncate_str(&s, 200)
}

/// At most `max` bytes of `s`, cut on a character boundary, with an ellipsis when cut.
pub fn truncate_str(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests;
