//! JSON shapes of A2A v0.3 and v1.0, to and from the model in `types` (pure: no IO).
//!
//! Version differences handled here (see `shared/reference/a2a-protocol.md` sections 2 to 4):
//! - method names: `message/send` vs `SendMessage`, and so on;
//! - parts: v0.3 tags them with `kind` and nests files under `file`; v1 uses oneof keys (`text`, `raw`, `url`, `data`);
//! - roles `user`/`agent` vs `ROLE_USER`/`ROLE_AGENT`; states `input-required` vs `TASK_STATE_INPUT_REQUIRED`;
//! - results: v0.3 returns the bare object told apart by `kind`, v1 wraps it (`{"task": …}`, `{"statusUpdate": …}`);
//! - `final` exists only in v0.3 status updates; in v1 the end of the stream marks it.
//!
//! Decoding is lenient: unknown fields are ignored, and a v1 decoder also accepts the v0.3 spellings
//! (and vice versa), since servers in the wild mix them.

use serde_json::{Map, Value, json};

use super::error::A2aError;
use super::types::{
    AgentCard, AgentInterface, Artifact, Message, Part, ProtocolVersion, Role, SendResponse, Skill,
    StreamEvent, Task, TaskState, TaskStatus,
};

/// The JSON-RPC method for each operation, per version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    SendMessage,
    SendStreamingMessage,
    GetTask,
    CancelTask,
    SubscribeToTask,
}

impl Method {
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
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

/// Params of a send (streaming or not). `blocking` is explicit on both versions because SDKs disagree on the
/// default (reference section 9.9); v1 spells it with the opposite polarity as `returnImmediately`.
pub fn send_params(
    version: ProtocolVersion,
    message: &Message,
    blocking: bool,
    accepted_output_modes: &[String],
    tenant: Option<&str>,
) -> Value {
    let mut configuration = Map::new();
    if !accepted_output_modes.is_empty() {
        configuration.insert("acceptedOutputModes".into(), json!(accepted_output_modes));
    }
    match version {
        ProtocolVersion::V0_3 => {
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

/// Params of `tasks/get`, `tasks/cancel`, `tasks/resubscribe` and their v1 names.
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

pub fn encode_message(version: ProtocolVersion, message: &Message) -> Value {
    let mut out = Map::new();
    out.insert("messageId".into(), json!(message.message_id));
    let role = match (version, message.role) {
        (ProtocolVersion::V0_3, Role::User) => "user",
        (ProtocolVersion::V0_3, Role::Agent) => "agent",
        (ProtocolVersion::V1_0, Role::User) => "ROLE_USER",
        (ProtocolVersion::V1_0, Role::Agent) => "ROLE_AGENT",
    };
    out.insert("role".into(), json!(role));
    if version == ProtocolVersion::V0_3 {
        out.insert("kind".into(), json!("message"));
    }
    let parts = message
        .parts
        .iter()
        .map(|p| encode_part(version, p))
        .collect();
    out.insert("parts".into(), Value::Array(parts));
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

fn encode_part(version: ProtocolVersion, part: &Part) -> Value {
    match (version, part) {
        (ProtocolVersion::V0_3, Part::Text { text }) => json!({"kind": "text", "text": text}),
        (ProtocolVersion::V1_0, Part::Text { text }) => json!({"text": text}),
        (ProtocolVersion::V0_3, Part::Data { data }) => {
            // v0.3 data parts must be objects; the SDK's own compat layer wraps other values the same way.
            let data = if data.is_object() {
                data.clone()
            } else {
                json!({"value": data})
            };
            json!({"kind": "data", "data": data})
        }
        (ProtocolVersion::V1_0, Part::Data { data }) => json!({"data": data}),
        (
            ProtocolVersion::V0_3,
            Part::File {
                bytes,
                uri,
                media_type,
                name,
            },
        ) => {
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
            json!({"kind": "file", "file": file})
        }
        (
            ProtocolVersion::V1_0,
            Part::File {
                bytes,
                uri,
                media_type,
                name,
            },
        ) => {
            let mut out = Map::new();
            if let Some(b) = bytes {
                out.insert("raw".into(), json!(b));
            } else if let Some(u) = uri {
                out.insert("url".into(), json!(u));
            }
            if let Some(m) = media_type {
                out.insert("mediaType".into(), json!(m));
            }
            if let Some(n) = name {
                out.insert("filename".into(), json!(n));
            }
            Value::Object(out)
        }
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

fn string_list(v: &Value, key: &str) -> Vec<String> {
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

/// Accepts every spelling: `working`, `TASK_STATE_WORKING`, `TASK_STATE_CANCELLED` (v0.3 ProtoJSON), any case.
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
        });
    }
    if let Some(file) = v.get("file").filter(|f| f.is_object()) {
        return Ok(Part::File {
            bytes: str_field(file, "bytes"),
            uri: str_field(file, "uri"),
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
        return Ok(Part::Data { data: data.clone() });
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
        artifact_id: str_field(v, "artifactId").unwrap_or_default(),
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
        context_id: str_field(v, "contextId").unwrap_or_default(),
        status: decode_status(status)?,
        artifacts,
    })
}

/// The `result` of a send: v0.3 bare object with `kind`, v1 `{"task":…}` / `{"message":…}`.
pub fn decode_send_result(result: &Value) -> Result<SendResponse, A2aError> {
    if let Some(task) = result.get("task") {
        return decode_task(task).map(SendResponse::Task);
    }
    if let Some(message) = result.get("message").filter(|m| m.get("parts").is_some()) {
        return decode_message(message).map(SendResponse::Message);
    }
    match result.get("kind").and_then(Value::as_str) {
        Some("task") => decode_task(result).map(SendResponse::Task),
        Some("message") => decode_message(result).map(SendResponse::Message),
        _ if result.get("status").is_some() => decode_task(result).map(SendResponse::Task),
        _ if result.get("parts").is_some() => decode_message(result).map(SendResponse::Message),
        _ => Err(bad(format!(
            "send result is neither a task nor a message: {}",
            truncate_json(result)
        ))),
    }
}

/// The `result` of one stream event (JSON-RPC streams carry a full JSON-RPC response per event).
pub fn decode_stream_result(result: &Value) -> Result<StreamEvent, A2aError> {
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

// ---------------------------------------------------------------------------------------------------------
// Cards

/// Parses a v0.3 card, a v1 card, or the merged "dual" card a2a-sdk 1.x serves with its compat layer.
pub fn decode_card(raw: Value) -> Result<AgentCard, A2aError> {
    if !raw.is_object() {
        return Err(bad("agent card is not a JSON object"));
    }
    let name = str_field(&raw, "name").ok_or_else(|| bad("agent card has no \"name\""))?;
    let capabilities = raw.get("capabilities").cloned().unwrap_or(Value::Null);
    let skills = raw
        .get("skills")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(decode_skill).collect())
        .unwrap_or_default();

    let mut interfaces = Vec::new();
    if let Some(list) = raw.get("supportedInterfaces").and_then(Value::as_array) {
        for entry in list {
            let Some(url) = str_field(entry, "url") else {
                continue;
            };
            interfaces.push(AgentInterface {
                url,
                binding: str_field(entry, "protocolBinding")
                    .or_else(|| str_field(entry, "transport"))
                    .unwrap_or_else(|| "JSONRPC".into()),
                // An interface without a version is treated as 0.3, as a2a-sdk 1.3.0's client does.
                protocol_version: str_field(entry, "protocolVersion")
                    .unwrap_or_else(|| "0.3".into()),
                tenant: str_field(entry, "tenant"),
            });
        }
    }
    // v0.3 fields; on a dual card they describe the 0.3 interfaces, which may already be listed above.
    if let Some(url) = str_field(&raw, "url") {
        let version = str_field(&raw, "protocolVersion").unwrap_or_else(|| "0.3".into());
        let binding = str_field(&raw, "preferredTransport").unwrap_or_else(|| "JSONRPC".into());
        let mut legacy = vec![AgentInterface {
            url,
            binding,
            protocol_version: version.clone(),
            tenant: None,
        }];
        if let Some(extra) = raw.get("additionalInterfaces").and_then(Value::as_array) {
            for entry in extra {
                if let Some(url) = str_field(entry, "url") {
                    legacy.push(AgentInterface {
                        url,
                        binding: str_field(entry, "transport").unwrap_or_else(|| "JSONRPC".into()),
                        protocol_version: version.clone(),
                        tenant: None,
                    });
                }
            }
        }
        for iface in legacy {
            let known = interfaces.iter().any(|i| {
                i.url == iface.url
                    && i.binding.eq_ignore_ascii_case(&iface.binding)
                    && major_of(&i.protocol_version) == major_of(&iface.protocol_version)
            });
            if !known {
                interfaces.push(iface);
            }
        }
    }

    Ok(AgentCard {
        name,
        description: str_field(&raw, "description").unwrap_or_default(),
        version: str_field(&raw, "version").unwrap_or_default(),
        streaming: capabilities
            .get("streaming")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        skills,
        interfaces,
        default_output_modes: string_list(&raw, "defaultOutputModes"),
        raw,
    })
}

fn decode_skill(v: &Value) -> Option<Skill> {
    let id = str_field(v, "id")?;
    Some(Skill {
        name: str_field(v, "name").unwrap_or_else(|| id.clone()),
        description: str_field(v, "description").unwrap_or_default(),
        tags: string_list(v, "tags"),
        examples: string_list(v, "examples"),
        input_modes: string_list(v, "inputModes"),
        output_modes: string_list(v, "outputModes"),
        id,
    })
}

fn major_of(version: &str) -> u64 {
    version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or(0)
}

/// Picks the JSON-RPC interface to use: version 1.x first (exactly 1.0 before later minors), else 0.3
/// (any 0.x ≥ 0.2). `wanted` restricts the choice to one version (config `protocol = "0.3"` / `"1.0"`).
pub fn choose_interface(
    card: &AgentCard,
    wanted: Option<ProtocolVersion>,
) -> Option<(&AgentInterface, ProtocolVersion)> {
    let jsonrpc = || {
        card.interfaces
            .iter()
            .filter(|i| i.binding.eq_ignore_ascii_case("JSONRPC"))
    };
    let v1 = || {
        let exact = jsonrpc().find(|i| i.protocol_version.trim() == "1.0");
        exact
            .or_else(|| jsonrpc().find(|i| major_of(&i.protocol_version) == 1))
            .map(|i| (i, ProtocolVersion::V1_0))
    };
    let v03 = || {
        jsonrpc()
            .find(|i| major_of(&i.protocol_version) == 0)
            .map(|i| (i, ProtocolVersion::V0_3))
    };
    match wanted {
        Some(ProtocolVersion::V1_0) => v1(),
        Some(ProtocolVersion::V0_3) => v03(),
        None => v1().or_else(v03),
    }
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
