//! Server-sent events → `StreamEvent`s (pure: no sockets, no clock): framing only.
//!
//! Framing (CRLF or LF line ends, multi-line `data:` joined by `\n`, `:` keep-alive comments) is handled by
//! `eventsource-stream`, the size of one event is capped here, and each event's data goes to `wire::rpc`, which
//! reads the JSON-RPC response it carries. The first error (an `event: error` frame, a JSON-RPC error object,
//! a broken frame) ends the stream.

use super::error::A2aError;
use super::types::StreamEvent;
use super::wire::rpc;
use futures::{Stream, StreamExt};

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

/// One SSE frame: its data is a JSON-RPC response (read by `wire::rpc`); a frame named `error` is an error.
pub fn decode_frame(event_name: &str, data: &str) -> Result<StreamEvent, A2aError> {
    rpc::decode_event(data, event_name == "error")
}

#[cfg(test)]
mod tests;
