//! The stdio transport: newline-delimited JSON-RPC on stdin/stdout (MCP 2025-11-25, Transports §stdio), framed
//! as rmcp's `AsyncRwTransport` frames it, except that a `tools/call` request is read straight into rmcp's
//! `CallToolRequest`.
//!
//! rmcp reads every message as an untagged enum: the line is buffered into serde's `Content`, then each
//! request type is tried in turn, and `tools/call` is the fourteenth; each refusal formats a serde error that
//! is thrown away. Its `receive` took 38.6 K instructions of a 243.5 K stdio echo call, this one 14.6 K
//! (callgrind; BENCHMARKS.md, "Instructions per call"). Here a cheap first pass reads the envelope (`jsonrpc`,
//! `id`, `method`, and whether `result` or `error` is present, and nothing else at the top level); a
//! `tools/call` request is then read by `CallToolRequest`'s own `Deserialize`, the code rmcp reaches for it
//! after the thirteen request types before it. The envelope refuses unknown keys, since serde_json would skip
//! their values without checking them and rmcp's buffering does check them. Anything else (other methods,
//! notifications, responses, malformed lines) goes to rmcp's own codec untouched, so what is accepted, ignored
//! or answered with `Invalid Request` stays rmcp's decision; `tests` feeds the same bytes to both transports
//! and compares.
//!
//! One answer is ours: a `tools/call` whose params do not read gets `Invalid params` with its id. rmcp took
//! one whose params have the wrong shape for a request for an unknown method (its enum ends in a catch-all)
//! and answered `Method not found`, and ignored one whose params hold a value serde cannot read (a lone
//! surrogate, a number past `f64`) without a word, leaving the client waiting.
//!
//! Framing follows rmcp: lines of at most `rmcp::transport::async_rw::DEFAULT_MAX_LINE_LENGTH` bytes with
//! their `\n` (a longer line is dropped and logged, the session goes on), empty lines skipped, an unterminated
//! last line dropped at end of input. When writing to stdout fails, the session ends, since nothing more can
//! reach the client (rmcp's transport kept reading stdin, and calling agents, until it closed).

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures::{SinkExt, StreamExt};
use rmcp::RoleServer;
use rmcp::model::{
    CallToolRequest, ClientJsonRpcMessage, ClientRequest, ErrorData, JsonRpcRequest,
    JsonRpcVersion2_0, RequestId, ServerJsonRpcMessage,
};
use rmcp::transport::Transport;
use rmcp::transport::async_rw::{
    DEFAULT_MAX_LINE_LENGTH, JsonRpcMessageCodec, JsonRpcMessageCodecError,
};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Mutex;
use tokio_util::codec::{
    AnyDelimiterCodec, AnyDelimiterCodecError, Decoder, FramedRead, FramedWrite,
};
use tokio_util::sync::CancellationToken;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// At most this many characters of serde's reason go into an `Invalid params` answer.
const MAX_QUOTED_CHARS: usize = 200;

/// stdout, framed as rmcp frames it (one JSON object and a `\n` per message).
type Writer<W> = FramedWrite<W, JsonRpcMessageCodec<ServerJsonRpcMessage>>;

/// An MCP server transport over a reader and a writer (stdin and stdout). See the module docs.
pub struct StdioTransport<R, W> {
    read: FramedRead<R, Lines>,
    /// rmcp's codec, for every line the fast path does not take.
    codec: JsonRpcMessageCodec<ClientJsonRpcMessage>,
    /// Shared with the send futures, which rmcp runs concurrently and which must be `'static`; `None` once
    /// closed.
    write: Arc<Mutex<Option<Writer<W>>>>,
    /// An answer owed to a line that reached no handler (`Invalid Request`, or a `tools/call` whose params do not
    /// read), kept across a canceled `receive`.
    owed: Option<Owed>,
    /// Canceled when writing fails: with stdout gone nothing reaches the client, so the session ends.
    write_failed: CancellationToken,
}

/// Where the owed answer is: not yet in the writer's buffer, or in it and not yet flushed (so a `receive`
/// canceled during the flush does not queue it twice).
enum Owed {
    Queue(Box<ServerJsonRpcMessage>),
    Flush,
}

impl<R: AsyncRead, W: AsyncWrite> StdioTransport<R, W> {
    /// Reads messages from `read` and writes them to `write`, one JSON object per line, lines of at most
    /// rmcp's `DEFAULT_MAX_LINE_LENGTH` (16 MiB).
    pub fn new(read: R, write: W) -> Self {
        Self::with_max_line_length(read, write, DEFAULT_MAX_LINE_LENGTH)
    }

    /// As `new`, with lines of at most `max` bytes, the `\n` included (rmcp's
    /// `AsyncRwTransport::with_max_line_length`).
    pub fn with_max_line_length(read: R, write: W, max: usize) -> Self {
        Self {
            read: FramedRead::new(read, Lines::new(max)),
            codec: JsonRpcMessageCodec::default(),
            write: Arc::new(Mutex::new(Some(FramedWrite::new(
                write,
                JsonRpcMessageCodec::default(),
            )))),
            owed: None,
            write_failed: CancellationToken::new(),
        }
    }
}

impl<R, W> Transport<RoleServer> for StdioTransport<R, W>
where
    R: AsyncRead + Send + Unpin,
    W: AsyncWrite + Send + Unpin + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let write = Arc::clone(&self.write);
        let write_failed = self.write_failed.clone();
        async move {
            match write.lock().await.as_mut() {
                Some(framed) => framed.send(item).await.map_err(|e| {
                    if let JsonRpcMessageCodecError::Io(_) = e {
                        write_failed.cancel();
                    }
                    e.into()
                }),
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::NotConnected,
                    "Transport is closed",
                )),
            }
        }
    }

    // Cancel-safe, as rmcp's service loop needs (it polls `receive` in a `select!`): a partly read line stays
    // in the `FramedRead`'s buffer, and an answer owed stays owed.
    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            if self.owed.is_some() {
                let mut write = self.write.lock().await;
                let framed = write.as_mut()?;
                if let Some(Owed::Queue(answer)) = &self.owed {
                    // A clone: a `feed` canceled before the writer took it must leave the answer owed.
                    if framed
                        .feed(ServerJsonRpcMessage::clone(answer))
                        .await
                        .is_err()
                    {
                        return None;
                    }
                    self.owed = Some(Owed::Flush);
                }
                if framed.flush().await.is_err() {
                    return None;
                }
                self.owed = None;
            }
            let next = tokio::select! {
                biased;
                () = self.write_failed.cancelled() => {
                    tracing::warn!("writing to stdout failed; ending the session");
                    return None;
                }
                next = self.read.next() => next?,
            };
            let line = match next {
                Ok(line) => line,
                Err(e) => {
                    tracing::error!("Error reading from stream: {e}");
                    return None;
                }
            };
            match decode(&mut self.codec, &line) {
                Decoded::Message(message) => return Some(*message),
                Decoded::Skip => {}
                Decoded::Answer(answer) => self.owed = Some(Owed::Queue(answer)),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        drop(self.write.lock().await.take());
        Ok(())
    }
}

/// What one line holds.
enum Decoded {
    Message(Box<ClientJsonRpcMessage>),
    /// Empty, not JSON, or a notification rmcp ignores.
    Skip,
    /// To be answered here: JSON but no JSON-RPC message (`Invalid Request`, id null, as rmcp answers), or a
    /// `tools/call` whose params do not read (`Invalid params` with its id; rmcp took it for an unknown
    /// method and answered `Method not found`).
    Answer(Box<ServerJsonRpcMessage>),
}

/// One line (without its `\n`) → a message, by the fast path or by rmcp's codec (given the line as it came,
/// since it strips the `\r` and the byte order mark itself).
fn decode(codec: &mut JsonRpcMessageCodec<ClientJsonRpcMessage>, line: &[u8]) -> Decoded {
    let bare = line.strip_suffix(b"\r").unwrap_or(line);
    if bare.is_empty() {
        return Decoded::Skip;
    }
    match tool_call(bare.strip_prefix(UTF8_BOM).unwrap_or(bare)) {
        Fast::Call(message) => return Decoded::Message(message),
        Fast::BadParams(answer) => return Decoded::Answer(answer),
        Fast::Other => {}
    }
    let mut framed = BytesMut::with_capacity(line.len() + 1);
    framed.extend_from_slice(line);
    framed.extend_from_slice(b"\n");
    match codec.decode(&mut framed) {
        Ok(Some(message)) => Decoded::Message(Box::new(message)),
        Ok(None) => Decoded::Skip,
        Err(JsonRpcMessageCodecError::Serde(e)) => match e.classify() {
            // Not JSON: no id to answer, and answering junk invites a storm (rmcp, and the other SDKs, ignore it).
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                tracing::debug!("Ignoring unparsable incoming message: {e}");
                Decoded::Skip
            }
            serde_json::error::Category::Data | serde_json::error::Category::Io => {
                tracing::debug!("Protocol error on incoming message: {e}");
                Decoded::Answer(Box::new(ServerJsonRpcMessage::error(
                    ErrorData::invalid_request("Invalid request", None),
                    None,
                )))
            }
        },
        // The codec sees one whole line at a time, so its length limit and I/O never come into it.
        Err(e) => {
            tracing::debug!("Ignoring incoming message: {e}");
            Decoded::Skip
        }
    }
}

/// The envelope of a message: enough to tell a `tools/call` request from everything else. Unknown keys are
/// refused rather than skipped: serde_json skips a value without checking its strings, numbers or depth, which
/// rmcp's buffering does check.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    /// Required, and `"2.0"`.
    #[serde(rename = "jsonrpc")]
    _jsonrpc: JsonRpcVersion2_0,
    id: Option<RequestId>,
    #[serde(borrow)]
    method: Option<std::borrow::Cow<'a, str>>,
    // Present at all (even `null`) is what makes rmcp refuse a request shape.
    #[serde(default, deserialize_with = "present")]
    result: bool,
    #[serde(default, deserialize_with = "present")]
    error: bool,
    /// Read (and checked) by `CallToolRequest` in the second pass.
    #[serde(rename = "params")]
    _params: Option<serde::de::IgnoredAny>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

/// What the fast path makes of a line.
enum Fast {
    /// A `tools/call` request.
    Call(Box<ClientJsonRpcMessage>),
    /// A `tools/call` request whose params do not read: the `Invalid params` error to answer it with.
    BadParams(Box<ServerJsonRpcMessage>),
    /// Anything else: rmcp's path decides.
    Other,
}

/// A `tools/call` request read without rmcp's untagged enum.
fn tool_call(line: &[u8]) -> Fast {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(line) else {
        return Fast::Other;
    };
    let id = match envelope {
        Envelope {
            method: Some(method),
            id: Some(id),
            result: false,
            error: false,
            ..
        } if method == "tools/call" => id,
        _ => return Fast::Other,
    };
    // `Request`'s own `Deserialize` reads `method` and `params` and skips the envelope's other keys.
    match serde_json::from_slice::<CallToolRequest>(line) {
        Ok(request) => Fast::Call(Box::new(ClientJsonRpcMessage::Request(
            JsonRpcRequest::new(id, ClientRequest::CallToolRequest(request)),
        ))),
        Err(e) => {
            tracing::debug!(%id, "tools/call with params that do not read: {e}");
            let category = e.classify();
            let e = e.to_string();
            // serde_json's position ("at line 1 column 80") says nothing to the client about its params, and a
            // value it quotes may be long.
            let e = e.split(" at line ").next().unwrap_or(&e);
            let e = match e.char_indices().nth(MAX_QUOTED_CHARS) {
                Some((end, _)) => format!("{}…", &e[..end]),
                None => e.to_owned(),
            };
            // The shape hint only where the shape was wrong, not for a value serde could not read.
            let hint = match category {
                serde_json::error::Category::Data => "; they take `name` and an `arguments` object",
                _ => "",
            };
            Fast::BadParams(Box::new(ServerJsonRpcMessage::error(
                ErrorData::invalid_params(
                    format!("tools/call: the params do not read ({e}){hint}"),
                    None,
                ),
                Some(id),
            )))
        }
    }
}

/// Splits input into lines of at most `max` bytes with their `\n`. A longer line is dropped (logged) and
/// reading goes on; an unterminated last line is dropped at end of input, as rmcp's transport does.
struct Lines {
    inner: AnyDelimiterCodec,
    max: usize,
}

impl Lines {
    fn new(max: usize) -> Self {
        Self {
            inner: Self::codec(max),
            max,
        }
    }

    /// The codec's limit leaves the `\n` out; rmcp's counts it.
    fn codec(max: usize) -> AnyDelimiterCodec {
        AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), max.saturating_sub(1))
    }
}

impl Decoder for Lines {
    type Item = Bytes;
    type Error = std::io::Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, std::io::Error> {
        loop {
            match self.inner.decode(buf) {
                Ok(line) => return Ok(line),
                // The codec drops the rest of the line itself; an error here would end the stream for good.
                Err(AnyDelimiterCodecError::MaxChunkLengthExceeded) => tracing::error!(
                    max_line_length = self.max,
                    "Incoming message exceeded the maximum line length, discarding it"
                ),
                Err(AnyDelimiterCodecError::Io(e)) => return Err(e),
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, std::io::Error> {
        let line = self.decode(buf)?;
        if line.is_none() {
            // The codec keeps where its search stopped; with the buffer emptied, that must go too.
            buf.clear();
            self.inner = Self::codec(self.max);
        }
        Ok(line)
    }
}

#[cfg(test)]
mod tests;
