//! The JSON-RPC 2.0 envelope around A2A's shapes (A2A v0.3 §6.11, A2A v1.0 §9.3), in both directions (pure).
//!
//! Client side: `request_body` builds a call, `decode_response` and `decode_event` read the answer. Server side (the
//! demo agent): `decode_request` reads a call, `result_response` and `error_response` build the answer.

use serde_json::{Map, Value, json};

use super::{Method, decode_stream_result, truncate_json, truncate_str};
use crate::a2a::error::{
    A2aError, INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR,
    TASK_NOT_CANCELABLE, TASK_NOT_FOUND, UNSUPPORTED_OPERATION, VERSION_NOT_SUPPORTED,
};
use crate::a2a::types::{ProtocolVersion, StreamEvent};

/// Most of a body or an error message quoted in an error.
const QUOTE_BYTES: usize = 200;
/// Most of an agent's own error message kept.
const MAX_ERROR_MESSAGE_BYTES: usize = 500;

/// The JSON-RPC 2.0 request envelope, serialized as it stands: `json!` with a `params` expression would first
/// copy the whole params through `serde_json::to_value`, then build a map only to serialize it (issue 16: about
/// 5% of an echo call's instructions). Fields in the order a `Value` map writes them (sorted), so the bytes are
/// the same as before.
#[derive(serde::Serialize)]
struct Envelope<'a> {
    id: u64,
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a Value,
}

/// The body of a call of the method named `name`: a JSON-RPC 2.0 request (`{"id", "jsonrpc": "2.0", "method",
/// "params"}`) as bytes. For a `Method`, `name` is `method.name(version)`.
pub fn request_body(id: u64, name: &str, params: &Value) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Envelope {
        id,
        jsonrpc: "2.0",
        method: name,
        params,
    })
}

/// The `result` of a JSON-RPC response body, or the error it carries.
pub fn decode_response(body: &[u8]) -> Result<Value, A2aError> {
    let mut value: Value = serde_json::from_slice(body).map_err(|e| {
        A2aError::InvalidResponse(format!(
            "not JSON ({e}): {}",
            truncate_str(&String::from_utf8_lossy(body), QUOTE_BYTES)
        ))
    })?;
    if let Some(err) = value.get("error") {
        return Err(decode_error(err));
    }
    match value.get_mut("result") {
        Some(result) => Ok(result.take()),
        None => Err(A2aError::InvalidResponse(format!(
            "JSON-RPC response has neither result nor error: {}",
            truncate_json(&value)
        ))),
    }
}

/// One stream event's data: a JSON-RPC response whose `result` is an event (A2A v0.3 §3.3.1, A2A v1.0 §9.4.2),
/// or its error. `error_frame`: the transport flagged the event as an error (SSE `event: error`).
pub fn decode_event(data: &str, error_frame: bool) -> Result<StreamEvent, A2aError> {
    let value: Value = serde_json::from_str(data).map_err(|e| {
        A2aError::InvalidResponse(format!(
            "event is not JSON ({e}): {}",
            truncate_str(data, QUOTE_BYTES)
        ))
    })?;
    if let Some(err) = value.get("error") {
        return Err(decode_error(err));
    }
    if error_frame {
        return Err(A2aError::InvalidResponse(format!(
            "error event: {}",
            truncate_json(&value)
        )));
    }
    match value.get("result") {
        Some(result) => decode_stream_result(result),
        // A bare StreamResponse (REST-style) without the JSON-RPC envelope.
        None => decode_stream_result(&value),
    }
}

/// A JSON-RPC error object → `A2aError::JsonRpc`.
pub fn decode_error(err: &Value) -> A2aError {
    A2aError::JsonRpc {
        code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
        message: err
            .get("message")
            .and_then(Value::as_str)
            .map(|m| truncate_str(m, MAX_ERROR_MESSAGE_BYTES))
            .unwrap_or_else(|| truncate_json(err)),
    }
}

/// A call as a server reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The caller's id, echoed in the answer (a string, a number or null).
    pub id: Value,
    /// The version the method name is spelled in.
    pub version: ProtocolVersion,
    pub method: Method,
    /// `params`, or an empty object when there are none.
    pub params: Value,
}

/// Why a body is not a call the server can answer; answered with `error_response(None, id, code, message)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestError {
    /// The caller's id when it could be read, else null.
    pub id: Value,
    pub code: i64,
    pub message: String,
}

/// Reads one JSON-RPC call. Batches are refused: A2A does not use them.
pub fn decode_request(body: &[u8]) -> Result<Request, RequestError> {
    let fail = |id: &Value, code: i64, message: String| RequestError {
        id: id.clone(),
        code,
        message,
    };
    let mut request: Value = serde_json::from_slice(body).map_err(|e| {
        fail(
            &Value::Null,
            PARSE_ERROR,
            format!("the body is not JSON: {e}"),
        )
    })?;
    let Some(object) = request.as_object_mut() else {
        return Err(fail(
            &Value::Null,
            INVALID_REQUEST,
            "expected one JSON-RPC request object (batches are not supported)".into(),
        ));
    };
    let id = match object.get("id") {
        None => Value::Null,
        Some(id) if id.is_string() || id.is_number() || id.is_null() => id.clone(),
        Some(_) => {
            return Err(fail(
                &Value::Null,
                INVALID_REQUEST,
                "id must be a string or a number".into(),
            ));
        }
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(fail(&id, INVALID_REQUEST, "jsonrpc must be \"2.0\"".into()));
    }
    let Some(name) = object.get("method").and_then(Value::as_str) else {
        return Err(fail(&id, INVALID_REQUEST, "method is missing".into()));
    };
    let Some((version, method)) = Method::from_name(name) else {
        return Err(fail(
            &id,
            METHOD_NOT_FOUND,
            format!("method {name:?} not found"),
        ));
    };
    let params = object.remove("params").unwrap_or_else(|| json!({}));
    Ok(Request {
        id,
        version,
        method,
        params,
    })
}

/// A success answer.
pub fn result_response(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An error answer. v1 attaches a `google.rpc.ErrorInfo` naming the error (A2A v1.0 §9.5); `version` is `None`
/// when the call was too broken to tell its version.
pub fn error_response(
    version: Option<ProtocolVersion>,
    id: &Value,
    code: i64,
    message: &str,
) -> Value {
    let mut body = Map::new();
    body.insert("code".into(), json!(code));
    body.insert("message".into(), json!(message));
    if let (Some(ProtocolVersion::V1_0), Some(reason)) = (version, error_reason(code)) {
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

/// The `ErrorInfo.reason` of a code; `None` for codes without one (parse errors, unknown codes).
fn error_reason(code: i64) -> Option<&'static str> {
    Some(match code {
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
