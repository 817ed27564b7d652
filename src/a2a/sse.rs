//! Server-sent events → `StreamEvent`s (pure: no sockets, no clock): framing only.
//!
//! Framing (multi-line `data:` joined by `\n`, `:` keep-alive comments) is handled by `eventsource-stream`.
//! The SSE spec allows CRLF, LF or a lone CR as line end; `eventsource-stream` reads the first two only, so
//! every line end is made an LF here first (a lone CR from some servers lost every event after the first:
//! a2aproject/a2a-js#714). The size of one event is capped here, and each event's data goes to `wire::rpc`, which
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
    let mut line_ends = LineEnds::default();
    let bytes = bytes.map(move |chunk| {
        let chunk = chunk.map_err(|e| e.to_string())?;
        let chunk = line_ends.normalise(chunk.as_ref());
        let data = chunk.as_slice();
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

/// Turns CRLF and lone CR line ends into LF across chunk boundaries (a CR that ends one chunk may be the
/// first half of a CRLF split over two).
#[derive(Default)]
struct LineEnds {
    /// The previous chunk ended with a CR (already written as LF): an LF that starts this one is dropped.
    after_cr: bool,
}

impl LineEnds {
    fn normalise(&mut self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len());
        for &b in data {
            let after_cr = std::mem::replace(&mut self.after_cr, b == b'\r');
            match b {
                b'\n' if after_cr => {}
                b'\r' => out.push(b'\n'),
                _ => out.push(b),
            }
        }
        out
    }
}

/// The offset just past the last event boundary (a blank line) in `data`, if any.
fn last_event_end(data: &[u8]) -> Option<usize> {
    // Line ends are LF only by now.
    data.windows(2).rposition(|w| w == b"\n\n").map(|i| i + 2)
}

/// One SSE frame: its data is a JSON-RPC response (read by `wire::rpc`); a frame named `error` is an error.
pub fn decode_frame(event_name: &str, data: &str) -> Result<StreamEvent, A2aError> {
    rpc::decode_event(data, event_name == "error")
}

#[cfg(test)]
mod tests;
