//! Server-sent events carrying JSON-RPC responses → `StreamEvent`s (pure: no sockets, no clock).
//!
//! Framing (CRLF or LF line ends, multi-line `data:` joined by `\n`, `:` keep-alive comments) is handled by
//! `eventsource-stream`; this module turns each event's data into a model event. An `event: error` frame or a
//! JSON-RPC error object ends the stream with `A2aError::JsonRpc`.

use futures::{Stream, StreamExt};
use serde_json::Value;

use super::error::A2aError;
use super::types::StreamEvent;
use super::wire;

/// Decodes a byte stream of SSE frames into stream events. Stops after the first error.
pub fn decode_events<S, B, E>(bytes: S) -> impl Stream<Item = Result<StreamEvent, A2aError>>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    use eventsource_stream::Eventsource;
    let mut failed = false;
    bytes
        .eventsource()
        .filter_map(|frame| async move {
            match frame {
                Ok(event) if event.data.trim().is_empty() => None,
                Ok(event) => Some(decode_frame(&event.event, &event.data)),
                Err(e) => Some(Err(A2aError::InvalidResponse(format!(
                    "broken event stream: {e}"
                )))),
            }
        })
        .take_while(move |item| {
            // Yield the first error, then stop: nothing after it can be trusted.
            let keep = !failed;
            failed |= item.is_err();
            std::future::ready(keep)
        })
}

/// One SSE frame's data: a JSON-RPC response whose `result` is an event, or an error.
pub fn decode_frame(event_name: &str, data: &str) -> Result<StreamEvent, A2aError> {
    let value: Value = serde_json::from_str(data).map_err(|e| {
        A2aError::InvalidResponse(format!(
            "event is not JSON ({e}): {}",
            wire::truncate_str(data, 200)
        ))
    })?;
    if let Some(err) = value.get("error") {
        return Err(json_rpc_error(err));
    }
    if event_name == "error" {
        return Err(A2aError::InvalidResponse(format!(
            "error event: {}",
            wire::truncate_json(&value)
        )));
    }
    match value.get("result") {
        Some(result) => wire::decode_stream_result(result),
        // A bare StreamResponse (REST-style) without the JSON-RPC envelope.
        None => wire::decode_stream_result(&value),
    }
}

/// A JSON-RPC error object → `A2aError::JsonRpc`.
pub fn json_rpc_error(err: &Value) -> A2aError {
    A2aError::JsonRpc {
        code: err.get("code").and_then(Value::as_i64).unwrap_or(0),
        message: err
            .get("message")
            .and_then(Value::as_str)
            .map(|m| wire::truncate_str(m, 500))
            .unwrap_or_else(|| wire::truncate_json(err)),
    }
}

#[cfg(test)]
mod tests;
