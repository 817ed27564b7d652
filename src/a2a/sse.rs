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

/// Largest single event the bridge accepts. Artifacts can be big, but an agent that never ends an event must
/// not grow the bridge's memory without bound.
pub const MAX_EVENT_BYTES: usize = 16 << 20;

/// Decodes a byte stream of SSE frames into stream events. Stops after the first error.
pub fn decode_events<S, B, E>(bytes: S) -> impl Stream<Item = Result<StreamEvent, A2aError>>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    decode_events_limited(bytes, MAX_EVENT_BYTES)
}

/// `decode_events` with an explicit cap on the bytes of one event.
pub fn decode_events_limited<S, B, E>(
    bytes: S,
    max_event_bytes: usize,
) -> impl Stream<Item = Result<StreamEvent, A2aError>>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    use eventsource_stream::Eventsource;
    let mut failed = false;
    let mut open_event_bytes = 0usize;
    let bytes = bytes.map(move |chunk| {
        let chunk = chunk.map_err(|e| e.to_string())?;
        let data = chunk.as_ref();
        // Bytes since the last blank line (the end of an event), whatever the line endings.
        open_event_bytes = match last_event_end(data) {
            Some(end) => data.len() - end,
            None => open_event_bytes + data.len(),
        };
        if open_event_bytes > max_event_bytes {
            return Err(format!("an event is larger than {max_event_bytes} bytes"));
        }
        Ok(chunk)
    });
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

/// The offset just past the last event boundary (a blank line) in `data`, if any.
fn last_event_end(data: &[u8]) -> Option<usize> {
    data.windows(2)
        .rposition(|w| w == b"\n\n" || w == b"\r\r")
        .map(|i| i + 2)
        .or_else(|| data.windows(3).rposition(|w| w == b"\n\r\n").map(|i| i + 3))
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
