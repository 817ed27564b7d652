//! The demo agent's side of the wire: tasks, stream events and JSON-RPC errors in the shapes of each protocol
//! version (pure: no IO, no clock).
//!
//! Messages and parts go through `a2a::wire::encode_message`, the encoder the bridge's client uses, and requests
//! are read with the client's decoders; only what a client never sends (tasks, events, errors) is encoded here.
//! Version differences (reference sections 2 to 5): v0.3 tags objects with `kind`, spells states in lowercase and
//! marks the last status update `final`; v1 wraps results in oneof keys (`task`, `statusUpdate`, …), spells states
//! `TASK_STATE_*`, leaves out false booleans, and attaches a `google.rpc.ErrorInfo` to A2A errors.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::a2a::error::{
    METHOD_NOT_FOUND, TASK_NOT_CANCELABLE, TASK_NOT_FOUND, UNSUPPORTED_OPERATION,
};
use crate::a2a::wire::encode_message;
use crate::a2a::{
    Artifact, Message, Part, ProtocolVersion, Role, SendResponse, StreamEvent, Task, TaskState,
    TaskStatus,
};

/// JSON-RPC: the body is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC: not a valid request object (batches included: A2A does not support them).
pub const INVALID_REQUEST: i64 = -32600;
/// JSON-RPC: the params do not fit the method.
pub const INVALID_PARAMS: i64 = -32602;
/// JSON-RPC: the server failed (here: too many unfinished tasks).
pub const INTERNAL_ERROR: i64 = -32603;
/// A2A v1 `VersionNotSupportedError`: the `A2A-Version` header does not match the method's version.
pub const VERSION_NOT_SUPPORTED: i64 = -32009;

/// A JSON-RPC error to answer with.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
        }
    }

    /// The `ErrorInfo.reason` v1 attaches (reference section 5); `None` for parse errors, which have none.
    fn reason(&self) -> Option<&'static str> {
        Some(match self.code {
            INVALID_REQUEST => "INVALID_REQUEST",
            METHOD_NOT_FOUND => "METHOD_NOT_FOUND",
            INVALID_PARAMS => "INVALID_PARAMS",
            INTERNAL_ERROR => "INTERNAL_ERROR",
            TASK_NOT_FOUND => "TASK_NOT_FOUND",
            TASK_NOT_CANCELABLE => "TASK_NOT_CANCELABLE",
            UNSUPPORTED_OPERATION => "UNSUPPORTED_OPERATION",
            VERSION_NOT_SUPPORTED => "VERSION_NOT_SUPPORTED",
            _ => return None,
        })
    }
}

/// A JSON-RPC success response.
pub fn rpc_result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// A JSON-RPC error response. `version` is `None` when the request was too broken to tell.
pub fn rpc_error(version: Option<ProtocolVersion>, id: &Value, error: &RpcError) -> Value {
    let mut body = Map::new();
    body.insert("code".into(), json!(error.code));
    body.insert("message".into(), json!(error.message));
    if let (Some(ProtocolVersion::V1_0), Some(reason)) = (version, error.reason()) {
        body.insert(
            "data".into(),
            json!([{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "a2a-protocol.org",
                "metadata": {},
            }]),
        );
    }
    json!({"jsonrpc": "2.0", "id": id, "error": Value::Object(body)})
}

/// A task state as each version spells it.
pub fn state_name(version: ProtocolVersion, state: TaskState) -> &'static str {
    match version {
        ProtocolVersion::V0_3 => state.as_str(),
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

/// Parts in either shape. `wire` keeps its part encoder private; a message carrying the parts reuses it.
fn encode_parts(version: ProtocolVersion, parts: &[Part]) -> Value {
    let carrier = Message {
        message_id: String::new(),
        role: Role::Agent,
        parts: parts.to_vec(),
        context_id: None,
        task_id: None,
        metadata: None,
    };
    match encode_message(version, &carrier) {
        Value::Object(mut m) => m.remove("parts").unwrap_or_else(|| json!([])),
        _ => json!([]),
    }
}

fn encode_artifact(version: ProtocolVersion, artifact: &Artifact) -> Value {
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

/// A task; the same object is the bare result of `tasks/get`, `tasks/cancel`, `GetTask` and `CancelTask`.
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
pub fn encode_send_result(version: ProtocolVersion, response: &SendResponse) -> Value {
    let (key, value) = match response {
        SendResponse::Task(task) => ("task", encode_task(version, task)),
        SendResponse::Message(message) => ("message", encode_message(version, message)),
    };
    match version {
        ProtocolVersion::V0_3 => value,
        ProtocolVersion::V1_0 => json!({ key: value }),
    }
}

/// The `result` of one stream event.
pub fn encode_event(version: ProtocolVersion, event: &StreamEvent) -> Value {
    match event {
        StreamEvent::Task(task) => encode_send_result(version, &SendResponse::Task(task.clone())),
        StreamEvent::Message(message) => {
            encode_send_result(version, &SendResponse::Message(message.clone()))
        }
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
            match version {
                ProtocolVersion::V0_3 => {
                    out.insert("kind".into(), json!("status-update"));
                    out.insert("final".into(), json!(is_final));
                    Value::Object(out)
                }
                // v1 has no `final`: the end of the stream says it.
                ProtocolVersion::V1_0 => json!({"statusUpdate": Value::Object(out)}),
            }
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
            match version {
                ProtocolVersion::V0_3 => {
                    out.insert("kind".into(), json!("artifact-update"));
                    out.insert("append".into(), json!(append));
                    out.insert("lastChunk".into(), json!(last_chunk));
                    Value::Object(out)
                }
                ProtocolVersion::V1_0 => {
                    // ProtoJSON leaves false booleans out.
                    if *append {
                        out.insert("append".into(), json!(true));
                    }
                    if *last_chunk {
                        out.insert("lastChunk".into(), json!(true));
                    }
                    json!({"artifactUpdate": Value::Object(out)})
                }
            }
        }
    }
}

/// `t` as RFC 3339 in UTC with microseconds and a `Z`, the form v1 requires (`2026-11-21T09:42:34.731362Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_micros()
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar, counting in 400-year eras
/// that start on 1 March so the leap day falls at the end of each year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests;
