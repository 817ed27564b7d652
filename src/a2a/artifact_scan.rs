//! Reads one artifact out of a `tasks/get` / `GetTask` answer as it streams in, keeping only what was asked
//! for: a page of its text (`artifact_text::Pager`) or one of its parts, plus small metadata. Everything else
//! in the answer (other artifacts, history, the status) is skipped without being held, so an artifact of any
//! size is read in memory bounded by the page (the bytes read are bounded by the caller's reader).
//!
//! The answer shapes read: a JSON-RPC response (A2A v0.3 §7.3, A2A v1.0 §9 and the pre-0.2 draft) whose
//! `result` is the Task or `{"task": Task}`; and a bare body of either (the HTTP+JSON binding, A2A v1.0 §11,
//! A2A v0.3 §3.2.3). Parts are told apart as `wire::decode_part` does (v0.3 `kind` parts, v1.0 `text` / `raw`
//! / `url` / `data` parts, v0.3 HTTP+JSON `fileWithBytes` / `fileWithUri` and `content`).
//!
//! Only data parts (their JSON becomes text), the JSON-RPC error object and the file part `Want::Part` asks
//! for are read whole, each within `Query::max_value_bytes`; ids, names, media types and URIs are kept up to
//! `MAX_SHORT_BYTES`. The JSON reader holds a member name whole, so `NameCap` refuses a name longer than
//! `MAX_NAME_BYTES` before it is read; nesting is bounded by the reader's default depth (128).

use std::io::{Read, Write};

use serde_json::Value;
use struson::reader::{JsonReader, JsonStreamReader, ReaderError, ReaderSettings, ValueType};
use struson::writer::JsonStreamWriter;

use super::artifact_text::{ArtifactText, Pager, TextSink, data_line, file_line};
use super::error::A2aError;

/// The shape around the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// A JSON-RPC response: `result` or `error`.
    JsonRpc,
    /// The HTTP+JSON binding: the body is the answer itself.
    Bare,
}

/// What to keep of the artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Characters `[offset, offset + length)` of its text (`artifact_text`).
    Text { offset: usize, length: usize },
    /// Part `index` (from 0), whole.
    Part(usize),
}

/// What one read is for.
#[derive(Debug, Clone)]
pub struct Query {
    /// The artifact; `None`: the task's only artifact (an error when it has several or none).
    pub artifact_id: Option<String>,
    pub want: Want,
    /// Characters kept on either side of a `Want::Text` page (`Pager::with_margin`), so that a configured
    /// secret cut by the page's edges is still recognised (`Scrubber::mask`).
    pub text_margin: usize,
    /// Most bytes of one data part's JSON, of a JSON-RPC error object, and of the base64 text of the file
    /// part `Want::Part` keeps (`max_response_bytes`): everything the read holds whole.
    pub max_value_bytes: usize,
    /// Whether data parts come wrapped as `{"data": …}` (v0.3 HTTP+JSON, `wire::rest::unwrap_v03_data`).
    pub unwrap_v03_data: bool,
}

/// Most artifact ids an error lists.
pub const MAX_LISTED_IDS: usize = 50;
/// Longest id, name, media type or URI kept, in bytes; a longer one is cut (and an id so cut never matches).
const MAX_SHORT_BYTES: usize = 8 << 10;

/// One part, as `Want::Part` keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum PartContent {
    /// A file part with bytes (base64, as the agent sent them).
    Bytes {
        base64: String,
        media_type: Option<String>,
        name: Option<String>,
    },
    /// A file part by URI.
    Uri {
        uri: String,
        media_type: Option<String>,
        name: Option<String>,
    },
    /// A text or data part: read it through the artifact's text.
    NotFile { kind: &'static str },
}

/// The artifact found.
#[derive(Debug)]
pub struct Found {
    pub artifact_id: String,
    pub name: Option<String>,
    /// The page asked for (with `Want::Text`) and the size of the whole text.
    pub pager: Pager,
    /// The part asked for (with `Want::Part`); `None` when the artifact has fewer parts.
    pub part: Option<PartContent>,
    /// Parts of the artifact.
    pub parts: usize,
}

/// Why no artifact came back.
#[derive(Debug)]
pub enum ScanError {
    /// The agent's error, or an answer that is not a task.
    Agent(A2aError),
    /// The task has no artifact with the id asked for, or (no id asked for) not exactly one: its ids, at
    /// most `MAX_LISTED_IDS`, and how many more there are.
    NoArtifact { ids: Vec<String>, more: usize },
    /// Reading the body failed (cap, time, connection): the reader's own error.
    Io(std::io::Error),
}

impl From<ReaderError> for ScanError {
    fn from(e: ReaderError) -> Self {
        match e {
            ReaderError::IoError { error, .. } => error.into(),
            other => ScanError::Agent(A2aError::InvalidResponse(format!(
                "the task is not valid JSON: {other}"
            ))),
        }
    }
}

impl From<std::io::Error> for ScanError {
    fn from(e: std::io::Error) -> Self {
        // The body reader's own errors (cap, time, connection) carry a `BodyError`; the string reader reports
        // malformed JSON inside a string as `InvalidData`.
        if let Some(cap) = e.get_ref().and_then(|i| i.downcast_ref::<NameTooLong>()) {
            return ScanError::Agent(A2aError::InvalidResponse(cap.to_string()));
        }
        let from_body = e
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<BodyError>().is_some());
        if !from_body && e.kind() == std::io::ErrorKind::InvalidData {
            return ScanError::Agent(A2aError::InvalidResponse(format!(
                "the task is not valid JSON: {e}"
            )));
        }
        ScanError::Io(e)
    }
}

/// An error of the body reader that `ScanError::Io` carries back to the caller (cap, time).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BodyError(pub String);

/// Longest member name read, in bytes of JSON (escapes included).
pub const MAX_NAME_BYTES: usize = 64 << 10;
/// Deepest nesting `NameCap` follows; the JSON reader stops at 128 before, on what it has read.
const MAX_CAP_DEPTH: usize = 1024;

/// Why `NameCap` stopped the read.
#[derive(Debug, thiserror::Error)]
#[error("the task's JSON has {0}")]
pub struct NameTooLong(&'static str);

/// A `Read` that follows the JSON it passes on just enough to tell member names from values, and fails once
/// a member name is longer than `MAX_NAME_BYTES`: the JSON reader (struson) holds a name whole, so without it
/// an agent could make the bridge hold a name as large as the answer. It never judges the JSON otherwise
/// (the reader does); on JSON that is not valid its notion of names may be wrong, which the reader reports.
struct NameCap<R> {
    inner: R,
    /// The open containers, innermost last: `true` for an object.
    stack: Vec<bool>,
    in_string: bool,
    /// The string being read is a member name.
    in_name: bool,
    /// The last byte was a backslash inside a string.
    escape: bool,
    /// Bytes of the name being read.
    name_len: usize,
    /// The last byte outside strings that was not whitespace.
    last: u8,
}

impl<R> NameCap<R> {
    fn new(inner: R) -> Self {
        NameCap {
            inner,
            stack: Vec::new(),
            in_string: false,
            in_name: false,
            escape: false,
            name_len: 0,
            last: 0,
        }
    }

    /// Follows `bytes`; `Err` once a name is too long or the nesting too deep.
    fn follow(&mut self, bytes: &[u8]) -> Result<(), NameTooLong> {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                // Straight to the next quote or backslash.
                let rest = &bytes[i..];
                let run = if self.escape {
                    self.escape = false;
                    1
                } else {
                    match rest.iter().position(|&b| b == b'"' || b == b'\\') {
                        Some(at) if rest[at] == b'"' => {
                            self.in_string = false;
                            self.last = b'"';
                            at + 1
                        }
                        Some(at) => {
                            self.escape = true;
                            at + 1
                        }
                        None => rest.len(),
                    }
                };
                if self.in_name {
                    self.name_len += run;
                    if self.name_len > MAX_NAME_BYTES + 1 {
                        return Err(NameTooLong("a member name longer than 64 KiB"));
                    }
                }
                i += run;
                continue;
            }
            let b = bytes[i];
            match b {
                b'"' => {
                    self.in_string = true;
                    self.in_name =
                        self.stack.last() == Some(&true) && matches!(self.last, b'{' | b',');
                    self.name_len = 0;
                }
                b'{' | b'[' => {
                    if self.stack.len() >= MAX_CAP_DEPTH {
                        return Err(NameTooLong("arrays or objects nested too deep"));
                    }
                    self.stack.push(b == b'{');
                    self.last = b;
                }
                b'}' | b']' => {
                    self.stack.pop();
                    self.last = b;
                }
                b' ' | b'\t' | b'\n' | b'\r' => {}
                _ => self.last = b,
            }
            i += 1;
        }
        Ok(())
    }
}

impl<R: Read> Read for NameCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n])
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        Ok(n)
    }
}

/// Reads `reader` (the answer's body) for `query`.
pub fn scan<R: Read>(reader: R, envelope: Envelope, query: &Query) -> Result<Found, ScanError> {
    let settings = ReaderSettings {
        track_path: false,
        ..ReaderSettings::default()
    };
    let mut json = JsonStreamReader::new_custom(NameCap::new(reader), settings);
    let mut scan = Scan {
        query,
        found: None,
        first: None,
        ids: Vec::new(),
        more_ids: 0,
        artifacts: 0,
        seen_task: false,
    };
    match envelope {
        Envelope::Bare => scan.answer(&mut json)?,
        Envelope::JsonRpc => {
            expect_object(&mut json, "JSON-RPC response")?;
            json.begin_object()?;
            let mut result = false;
            while json.has_next()? {
                match json.next_name()? {
                    "error" => {
                        let error = read_value(&mut json, query.max_value_bytes, "error object")?;
                        return Err(ScanError::Agent(super::wire::rpc::decode_error(&error)));
                    }
                    "result" => {
                        result = true;
                        scan.answer(&mut json)?;
                        if scan.found.is_some() {
                            return scan.finish();
                        }
                    }
                    _ => json.skip_value()?,
                }
            }
            if !result {
                return Err(ScanError::Agent(A2aError::InvalidResponse(
                    "JSON-RPC response has neither result nor error".into(),
                )));
            }
        }
    }
    scan.finish()
}

/// The state of one scan.
struct Scan<'q> {
    query: &'q Query,
    found: Option<Found>,
    /// With no id asked for: the first artifact, kept until a second one shows it is not the only one.
    first: Option<Found>,
    ids: Vec<String>,
    more_ids: usize,
    artifacts: usize,
    /// The answer had `id` or `status`: it is a task.
    seen_task: bool,
}

impl Scan<'_> {
    /// The answer: a Task, or `{"task": Task}`.
    fn answer<R: Read>(&mut self, json: &mut JsonStreamReader<R>) -> Result<(), ScanError> {
        expect_object(json, "task")?;
        json.begin_object()?;
        while json.has_next()? {
            let key = match json.next_name()? {
                "task" => "task",
                "artifacts" => "artifacts",
                "id" | "status" => "id",
                _ => "",
            };
            match key {
                "task" if json.peek()? == ValueType::Object => {
                    // The v1.0 wrapper: what was read beside it does not count.
                    self.reset();
                    self.answer(json)?;
                    if self.found.is_some() {
                        return Ok(());
                    }
                }
                "artifacts" if json.peek()? == ValueType::Array => {
                    json.begin_array()?;
                    while json.has_next()? {
                        self.artifact(json)?;
                        if self.found.is_some() {
                            // The rest of the answer is never read.
                            return Ok(());
                        }
                    }
                    json.end_array()?;
                }
                "id" => {
                    self.seen_task = true;
                    json.skip_value()?;
                }
                _ => json.skip_value()?,
            }
        }
        json.end_object()?;
        Ok(())
    }

    fn reset(&mut self) {
        self.first = None;
        self.ids.clear();
        self.more_ids = 0;
        self.artifacts = 0;
        self.seen_task = false;
    }

    fn note_id(&mut self, id: &str) {
        self.artifacts += 1;
        if self.ids.len() < MAX_LISTED_IDS {
            self.ids.push(id.to_owned());
        } else {
            self.more_ids += 1;
        }
    }

    /// One artifact: read for the query when it may be the one asked for (its id can come after its parts),
    /// else skipped.
    fn artifact<R: Read>(&mut self, json: &mut JsonStreamReader<R>) -> Result<(), ScanError> {
        if json.peek()? != ValueType::Object {
            json.skip_value()?;
            return Ok(());
        }
        let wanted = self.query.artifact_id.as_deref();
        // With no id asked for, only the first artifact is read; the others are only counted.
        let read_parts = wanted.is_some() || self.artifacts == 0;
        let mut id: Option<String> = None;
        let mut index_id: Option<String> = None;
        let mut name: Option<String> = None;
        let mut reading = Reading::new(self.query);
        let mut had_parts = false;
        json.begin_object()?;
        while json.has_next()? {
            let key = json.next_name_owned()?;
            match key.as_str() {
                "artifactId" if json.peek()? == ValueType::String => {
                    id = Some(short_string(json)?);
                }
                // Draft artifacts have only an `index` (`wire::draft::artifact_id`).
                "index" if json.peek()? == ValueType::Number => {
                    index_id = json
                        .next_number_as_str()?
                        .parse::<u64>()
                        .ok()
                        .map(|i| format!("artifact-{i}"));
                }
                "name" if json.peek()? == ValueType::String => name = Some(short_string(json)?),
                "parts" | "content" if json.peek()? == ValueType::Array => {
                    // `parts` wins over v0.3 HTTP+JSON's `content` (`wire::decode_parts`).
                    if key == "content" && had_parts {
                        json.skip_value()?;
                        continue;
                    }
                    let known_other = match (wanted, &id) {
                        (Some(w), Some(id)) => id != w,
                        _ => false,
                    };
                    if !read_parts || known_other {
                        json.skip_value()?;
                    } else {
                        reading = Reading::new(self.query);
                        reading.parts(json)?;
                    }
                    had_parts |= key == "parts";
                }
                _ => json.skip_value()?,
            }
        }
        json.end_object()?;
        let id = id.or(index_id).unwrap_or_default();
        let found = || Found {
            artifact_id: id.clone(),
            name: name.clone(),
            pager: reading.text.sink,
            part: reading.part,
            parts: reading.parts,
        };
        match wanted {
            Some(w) if w == id => self.found = Some(found()),
            Some(_) => self.note_id(&id),
            None if self.artifacts == 0 => {
                self.first = Some(found());
                self.note_id(&id);
            }
            None => self.note_id(&id),
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Found, ScanError> {
        if let Some(found) = self.found.take() {
            return Ok(found);
        }
        if !self.seen_task && self.artifacts == 0 {
            return Err(ScanError::Agent(A2aError::InvalidResponse(
                "the answer to tasks/get is not a task (no id, status or artifacts)".into(),
            )));
        }
        if self.query.artifact_id.is_none()
            && self.artifacts == 1
            && let Some(first) = self.first.take()
        {
            return Ok(first);
        }
        Err(ScanError::NoArtifact {
            ids: self.ids,
            more: self.more_ids,
        })
    }
}

/// The parts of one artifact as they are read: its text joined into a pager, and the part asked for.
struct Reading<'q> {
    query: &'q Query,
    text: ArtifactText<Pager>,
    part: Option<PartContent>,
    parts: usize,
    /// The buffer strings are read through (one per artifact, however many parts it has).
    buf: Vec<u8>,
}

impl<'q> Reading<'q> {
    fn new(query: &'q Query) -> Self {
        let pager = match query.want {
            Want::Text { offset, length } => Pager::with_margin(offset, length, query.text_margin),
            // Only the size of the text is of use.
            Want::Part(_) => Pager::new(0, 0),
        };
        Reading {
            query,
            text: ArtifactText::new(pager),
            part: None,
            parts: 0,
            buf: Vec::new(),
        }
    }

    fn parts<R: Read>(&mut self, json: &mut JsonStreamReader<R>) -> Result<(), ScanError> {
        json.begin_array()?;
        while json.has_next()? {
            let index = self.parts;
            self.parts += 1;
            self.part(json, index)?;
        }
        json.end_array()?;
        Ok(())
    }

    /// One part, told apart as `wire::decode_part` does: a `text` string makes it a text part (streamed into
    /// the text as it comes); else a `file` object, else `raw` / `url`, else `data`.
    fn part<R: Read>(
        &mut self,
        json: &mut JsonStreamReader<R>,
        index: usize,
    ) -> Result<(), ScanError> {
        if json.peek()? != ValueType::Object {
            return Err(unrecognised(index));
        }
        let keep_bytes = self.query.want == Want::Part(index);
        let mut is_text = false;
        let mut file = FileFields::default();
        let mut outer = FileFields::default();
        let mut has_file = false;
        let mut has_raw_or_url = false;
        let mut data: Option<Value> = None;
        json.begin_object()?;
        while json.has_next()? {
            let key = json.next_name_owned()?;
            match key.as_str() {
                "text" if !is_text && json.peek()? == ValueType::String => {
                    is_text = true;
                    self.text.begin_text_part();
                    stream_text(json, &mut self.text, &mut self.buf)?;
                }
                "file" if json.peek()? == ValueType::Object => {
                    has_file = true;
                    file = FileFields::default();
                    json.begin_object()?;
                    while json.has_next()? {
                        let key = json.next_name_owned()?;
                        let keep = (keep_bytes && !is_text).then_some(self.query.max_value_bytes);
                        file.field(json, &key, keep, false, &mut self.buf)?;
                    }
                    json.end_object()?;
                }
                "data" if !is_text => {
                    let mut value = read_value(json, self.query.max_value_bytes, "data part")?;
                    if self.query.unwrap_v03_data
                        && let Some(inner) = value
                            .as_object_mut()
                            .filter(|o| o.len() == 1)
                            .and_then(|o| o.remove("data"))
                    {
                        value = inner;
                    }
                    data = Some(value);
                }
                key => {
                    has_raw_or_url |= matches!(key, "raw" | "url");
                    let keep = (keep_bytes && !is_text).then_some(self.query.max_value_bytes);
                    outer.field(json, key, keep, true, &mut self.buf)?;
                }
            }
        }
        json.end_object()?;
        if is_text {
            if keep_bytes {
                self.part = Some(PartContent::NotFile { kind: "text" });
            }
            return Ok(());
        }
        let file = if has_file {
            Some(file)
        } else if has_raw_or_url {
            Some(outer)
        } else {
            None
        };
        match (file, data) {
            (Some(f), _) => {
                self.text.line_part(&file_line(
                    index,
                    f.name.as_deref(),
                    f.media_type.as_deref(),
                    f.uri.as_deref(),
                    f.bytes_len,
                ));
                if keep_bytes {
                    self.part = Some(match (f.uri, f.bytes) {
                        (Some(uri), _) => PartContent::Uri {
                            uri,
                            media_type: f.media_type,
                            name: f.name,
                        },
                        (None, Some(mut base64)) => PartContent::Bytes {
                            base64: {
                                // a2a-sdk 0.3 over HTTP+JSON encodes file bytes twice, as
                                // `wire::rest::unwrap_v03_data` undoes for answers held whole.
                                if self.query.unwrap_v03_data {
                                    super::wire::rest::sdk_v03_unwrap_bytes(&mut base64);
                                }
                                base64
                            },
                            media_type: f.media_type,
                            name: f.name,
                        },
                        (None, None) => PartContent::Bytes {
                            base64: String::new(),
                            media_type: f.media_type,
                            name: f.name,
                        },
                    });
                }
            }
            (None, Some(data)) => {
                self.text.line_part(&data_line(&data));
                if keep_bytes {
                    self.part = Some(PartContent::NotFile { kind: "data" });
                }
            }
            (None, None) => return Err(unrecognised(index)),
        }
        Ok(())
    }
}

fn unrecognised(index: usize) -> ScanError {
    ScanError::Agent(A2aError::InvalidResponse(format!(
        "unrecognised part {index} in the artifact (neither text, file nor data)"
    )))
}

/// The fields of a file: a v0.3 `file` object, or a v1.0 part's own (`outer`: `raw`, `url`, `filename`).
#[derive(Debug, Default)]
struct FileFields {
    /// The base64 text, when kept.
    bytes: Option<String>,
    /// Decoded size of the bytes, when there are bytes.
    bytes_len: Option<usize>,
    uri: Option<String>,
    media_type: Option<String>,
    name: Option<String>,
}

impl FileFields {
    fn field<R: Read>(
        &mut self,
        json: &mut JsonStreamReader<R>,
        key: &str,
        keep_bytes: Option<usize>,
        outer: bool,
        buf: &mut Vec<u8>,
    ) -> Result<(), ScanError> {
        if json.peek()? != ValueType::String {
            json.skip_value()?;
            return Ok(());
        }
        let bytes_key = if outer { "raw" } else { "bytes" };
        let uri_key = if outer { "url" } else { "uri" };
        match key {
            k if k == bytes_key || (!outer && k == "fileWithBytes") => {
                if self.bytes_len.is_some() {
                    json.skip_value()?;
                    return Ok(());
                }
                let (len, kept) = stream_base64(json, keep_bytes, buf)?;
                self.bytes_len = Some(len);
                self.bytes = kept;
            }
            k if k == uri_key || (!outer && k == "fileWithUri") => {
                if self.uri.is_none() {
                    self.uri = Some(short_string(json)?);
                } else {
                    json.skip_value()?;
                }
            }
            "mimeType" | "mediaType" => {
                if self.media_type.is_none() {
                    self.media_type = Some(short_string(json)?);
                } else {
                    json.skip_value()?;
                }
            }
            k if k == "name" || (outer && k == "filename") => {
                if self.name.is_none() || k == "filename" {
                    self.name = Some(short_string(json)?);
                } else {
                    json.skip_value()?;
                }
            }
            _ => json.skip_value()?,
        }
        Ok(())
    }
}

/// The `what` of the `A2aError::TooLarge` of a file part too large to keep whole (`Query::max_value_bytes`).
pub const BLOB_TOO_LARGE: &str = "file part (base64 text, kept whole for a blob)";

/// Size of the chunks strings are read in.
const CHUNK: usize = 64 << 10;

/// Streams the next string value into the text through `buf`, decoding UTF-8 across chunk boundaries.
fn stream_text<R: Read, S: TextSink>(
    json: &mut JsonStreamReader<R>,
    text: &mut ArtifactText<S>,
    buf: &mut Vec<u8>,
) -> Result<(), ScanError> {
    let mut reader = json.next_string_reader()?;
    buf.resize(CHUNK, 0);
    // Bytes of a character cut by the chunk boundary (at most 3).
    let mut carry = 0usize;
    loop {
        let n = reader.read(&mut buf[carry..])?;
        if n == 0 {
            break;
        }
        let filled = carry + n;
        // The reader hands out valid UTF-8 (the JSON text is checked); a chunk can end mid-character.
        let valid = match std::str::from_utf8(&buf[..filled]) {
            Ok(s) => s.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => {
                return Err(ScanError::Agent(A2aError::InvalidResponse(format!(
                    "the artifact's text is not UTF-8: {e}"
                ))));
            }
        };
        // `valid` bytes were just checked, so this is never the empty default.
        text.text(std::str::from_utf8(&buf[..valid]).unwrap_or_default());
        buf.copy_within(valid..filled, 0);
        carry = filled - valid;
    }
    if carry > 0 {
        return Err(ScanError::Agent(A2aError::InvalidResponse(
            "the artifact's text ends in the middle of a character".into(),
        )));
    }
    Ok(())
}

/// Streams a base64 string through `buf`: its decoded size, and the text itself when `keep` is
/// `Some(max)`: a text longer than `max` bytes ends the read with `A2aError::TooLarge` (`BLOB_TOO_LARGE`).
fn stream_base64<R: Read>(
    json: &mut JsonStreamReader<R>,
    keep: Option<usize>,
    buf: &mut Vec<u8>,
) -> Result<(usize, Option<String>), ScanError> {
    let mut reader = json.next_string_reader()?;
    buf.resize(CHUNK, 0);
    let mut kept = keep.map(|_| Vec::new());
    let mut len = 0usize;
    let mut pad = 0usize;
    loop {
        let n = reader.read(buf)?;
        if n == 0 {
            break;
        }
        len += n;
        for &b in &buf[..n] {
            pad = if b == b'=' { pad + 1 } else { 0 };
        }
        if let (Some(kept), Some(max)) = (&mut kept, keep) {
            if kept.len() + n > max {
                return Err(ScanError::Agent(A2aError::TooLarge {
                    what: BLOB_TOO_LARGE,
                    limit: max,
                    key: "max_response_bytes",
                }));
            }
            kept.extend_from_slice(&buf[..n]);
        }
    }
    let size = super::artifact_text::base64_len_of(len).saturating_sub(pad.min(2));
    let kept = match kept {
        Some(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
            ScanError::Agent(A2aError::InvalidResponse(
                "a file part's bytes are not base64 text".into(),
            ))
        })?),
        None => None,
    };
    Ok((size, kept))
}

/// The next string, at most `MAX_SHORT_BYTES` of it (cut on a character boundary); the rest is read past.
fn short_string<R: Read>(json: &mut JsonStreamReader<R>) -> Result<String, ScanError> {
    let mut reader = json.next_string_reader()?;
    let mut kept = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let room = (MAX_SHORT_BYTES + 4).saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    let text = match String::from_utf8(kept) {
        Ok(s) => s,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).unwrap_or_default()
        }
    };
    Ok(super::wire::truncate_str(&text, MAX_SHORT_BYTES))
}

/// A `Write` that refuses to hold more than `left` bytes.
struct Capped {
    out: Vec<u8>,
    left: usize,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() > self.left {
            return Err(std::io::Error::other("over the cap"));
        }
        self.left -= buf.len();
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The next value, whole, within `max` bytes of JSON; `what` names it in the error.
fn read_value<R: Read>(
    json: &mut JsonStreamReader<R>,
    max: usize,
    what: &str,
) -> Result<Value, ScanError> {
    let mut writer = JsonStreamWriter::new(Capped {
        out: Vec::new(),
        left: max,
    });
    match json.transfer_to(&mut writer) {
        Ok(()) => {}
        Err(struson::reader::TransferError::ReaderError(e)) => return Err(e.into()),
        Err(struson::reader::TransferError::WriterError(_)) => {
            return Err(ScanError::Agent(A2aError::TooLarge {
                what: if what == "data part" {
                    "data part"
                } else {
                    "error object"
                },
                limit: max,
                key: "max_response_bytes",
            }));
        }
    }
    let bytes = writer
        .finish_document_no_flush()
        .map(|c| c.out)
        .map_err(|_| {
            ScanError::Agent(A2aError::TooLarge {
                what: "data part",
                limit: max,
                key: "max_response_bytes",
            })
        })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ScanError::Agent(A2aError::InvalidResponse(format!("{what}: {e}"))))
}

fn expect_object<R: Read>(json: &mut JsonStreamReader<R>, what: &str) -> Result<(), ScanError> {
    let kind = json.peek()?;
    if kind != ValueType::Object {
        return Err(ScanError::Agent(A2aError::InvalidResponse(format!(
            "the {what} is a JSON {kind:?}, not an object"
        ))));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
