//! The HTTP+JSON ("REST") binding's requests and errors (pure: no IO).
//!
//! One URL per operation instead of one JSON-RPC endpoint (A2A v1.0 §11, A2A v0.3 §3.2.3):
//!
//! | operation | v1.0 | v0.3 |
//! |---|---|---|
//! | send | `POST /message:send` | `POST /v1/message:send` |
//! | stream | `POST /message:stream` | `POST /v1/message:stream` |
//! | get task | `GET /tasks/{id}` | `GET /v1/tasks/{id}` |
//! | cancel | `POST /tasks/{id}:cancel` | `POST /v1/tasks/{id}:cancel` |
//! | subscribe | `POST /tasks/{id}:subscribe` | `POST` (spec) or `GET` (a2a-sdk 0.3) `/v1/tasks/{id}:subscribe` |
//!
//! v1.0 bodies and answers are the same ProtoJSON objects as the JSON-RPC `params` and `result`, and a v1.0
//! tenant is a leading path segment. v0.3 bodies are the ProtoJSON of the v0.3 gRPC messages (A2A v0.3 §3.2.3
//! refers to them): a Message has `content` rather than `parts`, roles are `ROLE_USER`, parts are
//! `{text}`, `{file: {fileWithUri | fileWithBytes, mimeType, name}}` and `{data: {data}}`. The answers are
//! read by the lenient decoders in `wire`, then `unwrap_v03_data` undoes the extra `data` level. File bytes go
//! base64-encoded twice, as a2a-sdk 0.3 writes and reads them (`sdk_v03_bytes`), and come back once.
//! Errors are `google.rpc.Status` JSON (v1.0 §11.6, with an `ErrorInfo` reason) or, from a2a-sdk 0.3,
//! `{"message": …}` with an HTTP status per error type; `decode_error` makes them the JSON-RPC codes the
//! rest of the client reads.

use serde_json::{Map, Value, json};

use super::{Method, str_field, truncate_str};
use crate::a2a::error::{
    A2aError, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND,
    TASK_NOT_CANCELABLE, TASK_NOT_FOUND, UNSUPPORTED_OPERATION, VERSION_NOT_SUPPORTED,
};
use crate::a2a::types::{Message, Part, ProtocolVersion, SendResponse, StreamEvent, Task};

/// Most of an agent's own error message kept.
const MAX_ERROR_MESSAGE_BYTES: usize = 500;

/// One HTTP+JSON request: the HTTP method, the path segments under the interface URL, and the JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct RestRequest {
    pub method: http::Method,
    /// Path segments, not yet escaped (a task id may hold any character).
    pub segments: Vec<String>,
    pub body: Option<Value>,
}

/// The request for `op` in `version`, from the JSON-RPC `params` the client built for it (`send_params`,
/// `task_id_params`). Errors for the draft, which has no HTTP+JSON binding, and for params without the task
/// id an operation needs.
pub fn request(
    version: ProtocolVersion,
    op: Method,
    params: &Value,
    tenant: Option<&str>,
) -> Result<RestRequest, A2aError> {
    let mut segments: Vec<String> = match version {
        ProtocolVersion::V1_0 => tenant.map(|t| vec![t.to_owned()]).unwrap_or_default(),
        ProtocolVersion::V0_3 => vec!["v1".into()],
        ProtocolVersion::Draft => {
            return Err(A2aError::InvalidResponse(
                "the pre-0.2 draft has no HTTP+JSON binding (set binding = \"jsonrpc\")".into(),
            ));
        }
    };
    let task_id = || {
        str_field(params, "id")
            .ok_or_else(|| A2aError::InvalidResponse("a task request without a task id".into()))
    };
    let send_body = || match version {
        ProtocolVersion::V0_3 => v03_send_body(params),
        _ => {
            let mut body = params.clone();
            if let Some(obj) = body.as_object_mut() {
                obj.remove("tenant");
            }
            body
        }
    };
    let (method, body) = match op {
        Method::SendMessage => {
            segments.push("message:send".into());
            (http::Method::POST, Some(send_body()))
        }
        Method::SendStreamingMessage => {
            segments.push("message:stream".into());
            (http::Method::POST, Some(send_body()))
        }
        Method::GetTask => {
            segments.extend(["tasks".into(), task_id()?]);
            (http::Method::GET, None)
        }
        Method::CancelTask => {
            let id = task_id()?;
            segments.extend(["tasks".into(), format!("{id}:cancel")]);
            // v1.0's body is the `CancelTaskRequest`; a2a-sdk 0.3 reads the id from the path only.
            let body = (version == ProtocolVersion::V1_0).then(|| json!({"id": id}));
            (http::Method::POST, body)
        }
        Method::SubscribeToTask => {
            let id = task_id()?;
            segments.extend(["tasks".into(), format!("{id}:subscribe")]);
            (http::Method::POST, None)
        }
    };
    Ok(RestRequest {
        method,
        segments,
        body,
    })
}

/// A v0.3 `message/send` params object (`MessageSendParams`) as the v0.3 gRPC `SendMessageRequest` in ProtoJSON.
fn v03_send_body(params: &Value) -> Value {
    let mut body = Map::new();
    if let Some(message) = params.get("message") {
        body.insert("message".into(), v03_message(message));
    }
    if let Some(config) = params.get("configuration") {
        let mut config = config.clone();
        // The v0.3 gRPC `SendMessageConfiguration` names the JSON-RPC `pushNotificationConfig` `pushNotification`.
        if let Some(object) = config.as_object_mut()
            && let Some(push) = object.remove("pushNotificationConfig")
        {
            object.insert("pushNotification".into(), push);
        }
        body.insert("configuration".into(), config);
    }
    if let Some(meta) = params.get("metadata") {
        body.insert("metadata".into(), meta.clone());
    }
    Value::Object(body)
}

/// A v0.3 JSON-RPC Message (`kind`, `parts`, lowercase role) as the v0.3 gRPC `Message` in ProtoJSON.
fn v03_message(message: &Value) -> Value {
    let mut out = Map::new();
    for key in ["messageId", "contextId", "taskId", "metadata", "extensions"] {
        if let Some(v) = message.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let role = match message.get("role").and_then(Value::as_str) {
        Some("agent") => "ROLE_AGENT",
        _ => "ROLE_USER",
    };
    out.insert("role".into(), json!(role));
    let content = message
        .get("parts")
        .and_then(Value::as_array)
        .map(|parts| parts.iter().map(v03_part).collect())
        .unwrap_or_default();
    out.insert("content".into(), Value::Array(content));
    Value::Object(out)
}

fn v03_part(part: &Value) -> Value {
    let mut out = Map::new();
    match part.get("kind").and_then(Value::as_str) {
        Some("file") => {
            let file = part.get("file").cloned().unwrap_or_else(|| json!({}));
            let mut proto = Map::new();
            if let Some(b) = file.get("bytes").and_then(Value::as_str) {
                proto.insert("fileWithBytes".into(), json!(sdk_v03_bytes(b)));
            } else if let Some(u) = file.get("uri") {
                proto.insert("fileWithUri".into(), u.clone());
            }
            for key in ["mimeType", "name"] {
                if let Some(v) = file.get(key) {
                    proto.insert(key.into(), v.clone());
                }
            }
            out.insert("file".into(), Value::Object(proto));
        }
        Some("data") => {
            let data = part.get("data").cloned().unwrap_or_else(|| json!({}));
            out.insert("data".into(), json!({ "data": data }));
        }
        _ => {
            let text = part.get("text").cloned().unwrap_or_else(|| json!(""));
            out.insert("text".into(), text);
        }
    }
    if let Some(meta) = part.get("metadata") {
        out.insert("metadata".into(), meta.clone());
    }
    Value::Object(out)
}

/// `FileWithBytes.bytes` (base64 text, A2A v0.3 §6.6.2) as a v0.3 gRPC `FilePart.file_with_bytes` in ProtoJSON.
/// a2a-sdk 0.3, the reference server of this binding, puts the base64 *text* into the proto `bytes` field (its
/// `ToProto`/`FromProto` encode and decode it as UTF-8), and ProtoJSON writes that field as base64 again: the
/// SDK reads the file back only when it arrives encoded twice.
fn sdk_v03_bytes(base64_text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(base64_text.as_bytes())
}

/// The inverse of `sdk_v03_bytes` for answers: a `fileWithBytes` whose decoding is base64 text again was
/// encoded twice (a2a-sdk 0.3); anything else is taken as it is.
pub fn sdk_v03_unwrap_bytes(bytes: &mut String) {
    use base64::Engine;
    let engine = &base64::engine::general_purpose::STANDARD;
    if let Ok(inner) = engine.decode(bytes.as_bytes())
        && !inner.is_empty()
        && let Ok(text) = String::from_utf8(inner)
        && engine.decode(text.as_bytes()).is_ok()
    {
        *bytes = text;
    }
}

/// A v0.3 gRPC `DataPart` is `{data: {data: …}}`, read by the lenient decoder as data `{"data": …}`: take
/// the inner value back out; and file bytes encoded twice (`sdk_v03_unwrap_bytes`) once. Only for answers of a
/// v0.3 HTTP+JSON agent.
pub fn unwrap_v03_data(parts: &mut [Part]) {
    for part in parts {
        if let Part::File {
            bytes: Some(bytes), ..
        } = part
        {
            sdk_v03_unwrap_bytes(bytes);
        }
        if let Part::Data { data, .. } = part
            && let Some(obj) = data.as_object()
            && obj.len() == 1
            && let Some(inner) = obj.get("data")
        {
            *data = inner.clone();
        }
    }
}

/// `unwrap_v03_data` on every part of a message.
pub fn unwrap_v03_message(message: &mut Message) {
    unwrap_v03_data(&mut message.parts);
}

/// `unwrap_v03_data` on every part of a task (its status message and artifacts).
pub fn unwrap_v03_task(task: &mut Task) {
    if let Some(m) = &mut task.status.message {
        unwrap_v03_message(m);
    }
    for a in &mut task.artifacts {
        unwrap_v03_data(&mut a.parts);
    }
}

/// `unwrap_v03_data` on every part of a send result.
pub fn unwrap_v03_send(response: &mut SendResponse) {
    match response {
        SendResponse::Task(t) => unwrap_v03_task(t),
        SendResponse::Message(m) => unwrap_v03_message(m),
    }
}

/// `unwrap_v03_data` on every part of a stream event.
pub fn unwrap_v03_event(event: &mut StreamEvent) {
    match event {
        StreamEvent::Task(t) => unwrap_v03_task(t),
        StreamEvent::Message(m) => unwrap_v03_message(m),
        StreamEvent::Status { status, .. } => {
            if let Some(m) = &mut status.message {
                unwrap_v03_message(m);
            }
        }
        StreamEvent::Artifact { artifact, .. } => unwrap_v03_data(&mut artifact.parts),
    }
}

/// The A2A error an HTTP+JSON error answer stands for, as `A2aError::JsonRpc` with the JSON-RPC code of the
/// same error (A2A v1.0 §5.4 maps each to an HTTP status and an `ErrorInfo.reason`), so the client treats it
/// like the JSON-RPC binding's. `None` when the body says nothing A2A (a plain 404 from a router, HTML): the
/// caller reports the HTTP status.
pub fn decode_error(status: u16, body: &[u8]) -> Option<A2aError> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let message = |v: &Value| {
        v.get("message")
            .and_then(Value::as_str)
            .map(|m| truncate_str(m, MAX_ERROR_MESSAGE_BYTES))
    };
    // v1.0: google.rpc.Status, `{"error": {code, status, message, details: [{reason, …}]}}`.
    if let Some(error) = value.get("error").filter(|e| e.is_object()) {
        let reason = error
            .get("details")
            .and_then(Value::as_array)
            .and_then(|d| {
                d.iter()
                    .find_map(|i| i.get("reason").and_then(Value::as_str))
            });
        let code = reason
            .and_then(code_of_reason)
            .or_else(|| code_of_status(status))?;
        return Some(A2aError::JsonRpc {
            code,
            message: message(error).unwrap_or_else(|| format!("HTTP {status}")),
        });
    }
    // a2a-sdk 0.3 REST: `{"message": …}`, the error type told only by the HTTP status; the SDK's client
    // reads an error type name from `type` when there is one.
    let text = message(&value)?;
    let code = value
        .get("type")
        .and_then(Value::as_str)
        .and_then(code_of_type_name)
        .or_else(|| code_of_status(status))?;
    Some(A2aError::JsonRpc {
        code,
        message: text,
    })
}

/// `ErrorInfo.reason` (A2A v1.0 §5.4) → the JSON-RPC code.
fn code_of_reason(reason: &str) -> Option<i64> {
    Some(match reason {
        "TASK_NOT_FOUND" => TASK_NOT_FOUND,
        "TASK_NOT_CANCELABLE" => TASK_NOT_CANCELABLE,
        "PUSH_NOTIFICATION_NOT_SUPPORTED" => -32003,
        "UNSUPPORTED_OPERATION" => UNSUPPORTED_OPERATION,
        "CONTENT_TYPE_NOT_SUPPORTED" => -32005,
        "INVALID_AGENT_RESPONSE" => -32006,
        "EXTENDED_AGENT_CARD_NOT_CONFIGURED" => -32007,
        "EXTENSION_SUPPORT_REQUIRED" => -32008,
        "VERSION_NOT_SUPPORTED" => VERSION_NOT_SUPPORTED,
        "INVALID_REQUEST" => INVALID_REQUEST,
        "METHOD_NOT_FOUND" => METHOD_NOT_FOUND,
        "INVALID_PARAMS" => INVALID_PARAMS,
        "INTERNAL_ERROR" => INTERNAL_ERROR,
        _ => return None,
    })
}

/// An error class name (`TaskNotFoundError`) → the JSON-RPC code.
fn code_of_type_name(name: &str) -> Option<i64> {
    Some(match name {
        "TaskNotFoundError" => TASK_NOT_FOUND,
        "TaskNotCancelableError" => TASK_NOT_CANCELABLE,
        "UnsupportedOperationError" => UNSUPPORTED_OPERATION,
        "MethodNotFoundError" => METHOD_NOT_FOUND,
        "InvalidParamsError" => INVALID_PARAMS,
        "InvalidRequestError" => INVALID_REQUEST,
        "InternalError" => INTERNAL_ERROR,
        _ => return None,
    })
}

/// The error an HTTP status stands for when the body names none (a2a-sdk 0.3's table: 404 task not found,
/// 409 not cancelable, 501 unsupported, 422 invalid params, 500 internal).
fn code_of_status(status: u16) -> Option<i64> {
    Some(match status {
        404 => TASK_NOT_FOUND,
        409 => TASK_NOT_CANCELABLE,
        501 => UNSUPPORTED_OPERATION,
        400 | 422 => INVALID_PARAMS,
        500 => INTERNAL_ERROR,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_per_version_and_operation() {
        let params = json!({"id": "t/1"});
        let v1 = request(
            ProtocolVersion::V1_0,
            Method::CancelTask,
            &params,
            Some("acme"),
        )
        .unwrap();
        assert_eq!(v1.method, http::Method::POST);
        assert_eq!(v1.segments, ["acme", "tasks", "t/1:cancel"]);
        assert_eq!(v1.body, Some(json!({"id": "t/1"})));
        let v03 = request(ProtocolVersion::V0_3, Method::GetTask, &params, None).unwrap();
        assert_eq!(v03.method, http::Method::GET);
        assert_eq!(v03.segments, ["v1", "tasks", "t/1"]);
        assert!(request(ProtocolVersion::Draft, Method::GetTask, &params, None).is_err());
        assert!(request(ProtocolVersion::V1_0, Method::GetTask, &json!({}), None).is_err());
    }

    #[test]
    fn v03_bodies_are_grpc_protojson() {
        let params = json!({"message": {"kind": "message", "messageId": "m", "role": "user", "parts": [
                {"kind": "text", "text": "hi"},
                {"kind": "data", "data": {"k": 1}},
                {"kind": "file", "file": {"uri": "https://x/a", "mimeType": "text/plain"}}]},
            "configuration": {"blocking": true}});
        let req = request(ProtocolVersion::V0_3, Method::SendMessage, &params, None).unwrap();
        assert_eq!(req.segments, ["v1", "message:send"]);
        assert_eq!(
            req.body.unwrap(),
            json!({"message": {"messageId": "m", "role": "ROLE_USER", "content": [
                    {"text": "hi"},
                    {"data": {"data": {"k": 1}}},
                    {"file": {"fileWithUri": "https://x/a", "mimeType": "text/plain"}}]},
                "configuration": {"blocking": true}})
        );
        let push = json!({"message": {"kind": "message", "messageId": "m", "role": "user", "parts": []},
            "configuration": {"blocking": false, "pushNotificationConfig": {"url": "https://b/a2a/push/c", "token": "t"}}});
        let req = request(ProtocolVersion::V0_3, Method::SendMessage, &push, None).unwrap();
        assert_eq!(
            req.body.unwrap()["configuration"],
            json!({"blocking": false, "pushNotification": {"url": "https://b/a2a/push/c", "token": "t"}})
        );
    }

    #[test]
    fn v03_file_bytes_are_encoded_as_a2a_sdk_reads_them() {
        let params = json!({"message": {"kind": "message", "messageId": "m", "role": "user", "parts": [
                {"kind": "file", "file": {"bytes": "aGk=", "mimeType": "text/plain", "name": "a.txt"}}]}});
        let req = request(ProtocolVersion::V0_3, Method::SendMessage, &params, None).unwrap();
        assert_eq!(
            req.body.unwrap()["message"]["content"][0],
            json!({"file": {"fileWithBytes": "YUdrPQ==", "mimeType": "text/plain", "name": "a.txt"}})
        );
        let file = |b: &str| Part::File {
            bytes: Some(b.into()),
            uri: None,
            media_type: None,
            name: None,
        };
        // Twice encoded (a2a-sdk 0.3) comes back once; once encoded stays as it is.
        let mut parts = [file("YUdrPQ=="), file("iVBORw0KGgo=")];
        unwrap_v03_data(&mut parts);
        assert_eq!(parts, [file("aGk="), file("iVBORw0KGgo=")]);
    }

    #[test]
    fn errors_become_the_json_rpc_codes() {
        let v1 = br#"{"error":{"code":404,"status":"NOT_FOUND","message":"Task not found",
            "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"TASK_NOT_FOUND"}]}}"#;
        assert!(decode_error(404, v1).unwrap().is_code(TASK_NOT_FOUND));
        let v03 = br#"{"message":"Task not cancelable"}"#;
        assert!(decode_error(409, v03).unwrap().is_code(TASK_NOT_CANCELABLE));
        assert!(decode_error(404, b"Not Found").is_none());
        assert!(decode_error(418, br#"{"message":"teapot"}"#).is_none());
    }

    #[test]
    fn v03_data_parts_lose_their_extra_level() {
        let mut parts = vec![Part::data(json!({"data": {"k": 1}})), Part::text("t")];
        unwrap_v03_data(&mut parts);
        assert_eq!(parts[0], Part::data(json!({"k": 1})));
    }
}
