//! Server-sent events → `StreamEvent`s (pure: no sockets, no clock): framing only.
//!
//! Framing follows the SSE parsing rules (WHATWG HTML, "Server-sent events", interpreting an event stream):
//! lines end with CRLF, LF or a lone CR, also when a CRLF is split over two chunks (a lone CR from some servers
//! lost every event after the first with other decoders: a2aproject/a2a-js#714); a leading byte order mark is
//! dropped; `:` lines are comments (keep-alives); `data:` lines are joined by `\n`; a blank line ends an event.
//! Only `data` and `event` matter here (`id` and `retry` serve reconnection, which the bridge does with
//! `tasks/resubscribe` instead). An event the stream ends inside (no blank line after it) is discarded, as the
//! rules say and as `eventsource-stream` did: the follower then looks the task up. The size of one event is
//! capped, and each event's data goes to `wire::rpc`, which reads the JSON-RPC response it carries. The first
//! error (an `event: error` frame, a JSON-RPC error object, a broken frame) ends the stream, after the events
//! completed before it.
//!
//! The decoder is our own (it was `eventsource-stream`): it reads each chunk once, in place, and copies only
//! an event's data, where the other copied every chunk to normalise line ends, then into a string buffer, then
//! line by line (issue 16: about 3% of an echo call's instructions).

use std::collections::VecDeque;

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

/// `decode_events` with an explicit cap on the bytes of one event (its lines and line ends, comments
/// included, from the end of the previous event).
pub fn decode_events_limited<S, B, E>(
    bytes: S,
    max_event_bytes: usize,
) -> impl Stream<Item = Result<StreamEvent, A2aError>>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let start = Some((Box::pin(bytes), Frames::new(max_event_bytes)));
    futures::stream::unfold(start, |state| async move {
        // `None`: an error was yielded, nothing after it can be trusted.
        let (mut bytes, mut frames) = state?;
        loop {
            if let Some(frame) = frames.ready.pop_front() {
                let event = decode_frame(frame.name_error, &frame.data);
                let next = event.is_ok().then_some((bytes, frames));
                return Some((event, next));
            }
            if let Some(e) = frames.broken.take() {
                let error = A2aError::InvalidResponse(format!("broken event stream: {e}"));
                return Some((Err(error), None));
            }
            let fed = match bytes.next().await? {
                Ok(chunk) => frames.feed(chunk.as_ref()),
                Err(e) => Err(format!("Transport error: {e}")),
            };
            if let Err(e) = fed {
                // Reported after the events that the chunk completed before the broken line: they are whole,
                // and the last of them may be the task's final state.
                frames.broken = Some(e);
            }
        }
    })
}

/// An event read whole: its data lines joined, and whether it was named `error`.
struct Frame {
    name_error: bool,
    data: String,
}

/// The SSE line and event state between chunks.
struct Frames {
    /// The start of a line that a chunk ended in the middle of.
    partial: Vec<u8>,
    /// The last chunk ended with a CR: an LF starting the next one belongs to that line end.
    after_cr: bool,
    /// No line has ended yet: the first may start with a byte order mark.
    at_start: bool,
    /// The event being read: its `data` lines joined (`None`: no `data` line yet), and whether its `event`
    /// field is `error`.
    data: Option<String>,
    name_error: bool,
    /// Bytes of the event being read so far (its ended lines with their line ends).
    open_bytes: usize,
    max_event_bytes: usize,
    /// Events read, not yet handed out.
    ready: VecDeque<Frame>,
    /// Why the stream broke, to report once `ready` is handed out; nothing is read after it.
    broken: Option<String>,
}

impl Frames {
    fn new(max_event_bytes: usize) -> Self {
        Frames {
            partial: Vec::new(),
            after_cr: false,
            at_start: true,
            data: None,
            name_error: false,
            open_bytes: 0,
            max_event_bytes,
            ready: VecDeque::new(),
            broken: None,
        }
    }

    /// Reads the lines `chunk` ends; the rest waits for the next chunk. An error (an event over the cap, data
    /// that is not UTF-8) is the sentence for the error.
    fn feed(&mut self, chunk: &[u8]) -> Result<(), String> {
        if chunk.is_empty() {
            // Nothing to read, and a CR that ended the last chunk still waits for a possible LF.
            return Ok(());
        }
        let mut rest = chunk;
        if std::mem::take(&mut self.after_cr) && rest.first() == Some(&b'\n') {
            rest = &rest[1..];
        }
        while let Some(at) = memchr::memchr2(b'\n', b'\r', rest) {
            let (line, tail) = rest.split_at(at);
            let mut end_len = 1;
            if tail[0] == b'\r' {
                match tail.get(1) {
                    Some(b'\n') => end_len = 2,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            rest = &tail[end_len..];
            if self.partial.is_empty() {
                self.line(line, end_len)?;
            } else {
                // Checked before the line's two halves are joined: an oversized line is never held whole.
                self.check_size(line.len() + end_len)?;
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                let read = self.line(&whole, end_len);
                whole.clear();
                self.partial = whole;
                read?;
            }
        }
        // Checked before the start of the next line is kept, so what is held of one event never exceeds the cap,
        // whatever the size of the chunk that brought it.
        self.check_size(rest.len())?;
        self.partial.extend_from_slice(rest);
        Ok(())
    }

    /// Refuses the event being read if, with `more` bytes added to what is held of it, it would exceed the cap.
    fn check_size(&self, more: usize) -> Result<(), String> {
        if self.open_bytes + self.partial.len() + more > self.max_event_bytes {
            return Err(format!(
                "Transport error: an event is larger than {} bytes",
                self.max_event_bytes
            ));
        }
        Ok(())
    }

    /// One whole line (without its line end, `end_len` bytes long).
    fn line(&mut self, mut line: &[u8], end_len: usize) -> Result<(), String> {
        if std::mem::take(&mut self.at_start) {
            line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
        }
        if line.is_empty() {
            self.dispatch();
            return Ok(());
        }
        self.check_size(line.len() + end_len)?;
        self.open_bytes += line.len() + end_len;
        let (field, value) = match memchr::memchr(b':', line) {
            Some(0) => return Ok(()),
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                let value = std::str::from_utf8(value).map_err(|e| format!("UTF8 error: {e}"))?;
                match &mut self.data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => self.data = Some(value.to_owned()),
                }
            }
            b"event" => self.name_error = value == b"error",
            _ => {}
        }
        Ok(())
    }

    /// A blank line: the event read so far, if it has any data that is not blank, is ready.
    fn dispatch(&mut self) {
        self.open_bytes = 0;
        let name_error = std::mem::take(&mut self.name_error);
        if let Some(data) = self.data.take()
            && !data.trim().is_empty()
        {
            self.ready.push_back(Frame { name_error, data });
        }
    }
}

/// One SSE frame: its data is a JSON-RPC response (read by `wire::rpc`); a frame named `error` is an error.
pub fn decode_frame(named_error: bool, data: &str) -> Result<StreamEvent, A2aError> {
    rpc::decode_event(data, named_error)
}

/// The frames (named `error`, data) that `chunks` hold, read as `decode_events` reads them, or the error that
/// ended them: for comparing the framing with a reference decoder in tests.
#[cfg(test)]
pub(crate) fn frames_of(chunks: &[Vec<u8>], max_event_bytes: usize) -> (Vec<(bool, String)>, bool) {
    let mut frames = Frames::new(max_event_bytes);
    let mut out = Vec::new();
    for chunk in chunks {
        let fed = frames.feed(chunk);
        out.extend(frames.ready.drain(..).map(|f| (f.name_error, f.data)));
        if fed.is_err() {
            return (out, true);
        }
    }
    (out, false)
}

#[cfg(test)]
mod tests;
