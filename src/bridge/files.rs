//! Files a call sends an agent: the `files` argument of skill tools and `send_message` → A2A file parts
//! (A2A v0.3 §6.5.2 `FilePart` by `bytes` or `uri`; A2A v1.0 §4.1.6 `Part` with `raw` or `url`; `wire` writes
//! each dialect's shape).
//!
//! Each entry is `{uri, name?, mime_type?}` or `{name?, mime_type?, bytes}` (base64). What happens to a URI
//! depends on its scheme:
//! - `http(s)` and other schemes: sent as a file by URI; the bridge does not fetch it, the agent does.
//! - `data:`: decoded and sent as bytes (an agent may not read data URIs; every agent reads bytes).
//! - `file://`: only over stdio, where the bridge runs on the user's machine, and only under an allowed root
//!   (`bridge.file_roots`, plus the client's MCP roots when it declares them; `roots`): read, at most
//!   `max_file_bytes` + 1 bytes, and sent as bytes. Over Streamable HTTP it is always refused.
//!
//! A missing media type is guessed from the name's (or the URI's) extension, else `application/octet-stream`.
//! When the card lists input modes (the skill's `inputModes`, else `defaultInputModes`), each file's media type
//! must be one of them (`*/*`, `type/*` and a bare `type` match a family; parameters such as `; charset=` are
//! ignored). Every file is checked (and read) before anything is sent: one bad file sends nothing.
//!
//! Tool schemas: `send_message` always takes `files`; a skill tool only when its skill accepts a media type
//! other than plain text (`with_files`, `takes_files`), which keeps `tools/list` small.

mod roots;

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use percent_encoding::percent_decode_str;
use rmcp::RoleServer;
use rmcp::model::JsonObject;
use rmcp::service::RequestContext;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{Deserializer, Error as _};
use serde_json::Value;

use crate::a2a::{AgentCard, Part};

pub use roots::{RootError, read_capped, resolve_under_roots, roots_of};

/// The description of the `files` argument (one line: it is repeated in every tool that takes files), where
/// `file://` is refused (Streamable HTTP). `for_transport` swaps in `FILES_DESCRIPTION_LOCAL` over stdio.
const FILES_DESCRIPTION: &str =
    "Files for the agent: each {uri} (https://…) or {name, mime_type, bytes} with base64 bytes.";
/// The description of the `files` argument over stdio, where `file://` URIs under the allowed roots are read.
const FILES_DESCRIPTION_LOCAL: &str = "Files for the agent: each {uri} (https://…, or file://… on this machine) or {name, mime_type, bytes} with base64 bytes.";
/// Media types a skill tool's description names (`files_line`); the rest are counted.
const MAX_MODES_DESCRIBED: usize = 4;
/// Longest media type a skill tool's description names, in characters.
const MAX_MODE_CHARS: usize = 40;
/// When no media type is given and none can be guessed (RFC 2046 §4.5.1).
pub const OCTET_STREAM: &str = "application/octet-stream";
/// Input modes named in a refusal; the rest are counted.
const MAX_MODES_NAMED: usize = 20;
/// Skills named in a refusal as taking the file instead.
const MAX_SKILLS_NAMED: usize = 3;
/// Entries of one call's `files`; more is a mistake, not a use.
pub const MAX_FILES: usize = 64;

/// One entry of `files`, as the model writes it. Exactly one of `uri` and `bytes`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileArg {
    // A URI: http(s) (sent by reference), data: (sent as bytes), file:// (read, over stdio under the roots).
    #[serde(default, alias = "url")]
    uri: Option<String>,
    // The file's name; its extension also gives the media type when `mime_type` is missing.
    #[serde(default, alias = "filename")]
    name: Option<String>,
    // `type/subtype`, parameters allowed.
    #[serde(default, alias = "mimeType", alias = "media_type", alias = "mediaType")]
    mime_type: Option<String>,
    // The content, base64 (standard or URL-safe alphabet, padding optional, whitespace ignored).
    #[serde(default)]
    bytes: Option<String>,
}

impl FileArg {
    /// A file given by URI.
    #[cfg(test)]
    pub fn by_uri(uri: &str) -> Self {
        FileArg {
            uri: Some(uri.to_owned()),
            ..FileArg::default()
        }
    }

    /// A file given by its base64 content.
    #[cfg(test)]
    pub fn by_bytes(name: Option<&str>, mime_type: Option<&str>, bytes: &str) -> Self {
        FileArg {
            name: name.map(str::to_owned),
            mime_type: mime_type.map(str::to_owned),
            bytes: Some(bytes.to_owned()),
            ..FileArg::default()
        }
    }

    /// Whether this entry names a file on the bridge's machine.
    pub fn is_local(&self) -> bool {
        self.uri.as_deref().is_some_and(|u| {
            u.trim_start()
                .get(..5)
                .is_some_and(|s| s.eq_ignore_ascii_case("file:"))
        })
    }
}

/// Only the `files` argument: its schema is derived from this, then added to a tool's.
#[derive(JsonSchema)]
struct FilesOnly {
    #[schemars(description = FILES_DESCRIPTION)]
    #[allow(dead_code)]
    files: Option<Vec<FileArg>>,
}

/// `schema` with the `files` argument added (MCP 2025-11-25 tools `inputSchema`).
pub fn with_files(schema: &JsonObject) -> Arc<JsonObject> {
    let mut schema = schema.clone();
    let files = super::schema::input_schema::<FilesOnly>()
        .get("properties")
        .and_then(|p| p.get("files"))
        .cloned();
    let files = files.map(|mut files| {
        // The item type's doc comment is for Rust readers; the argument's one line speaks to the model.
        if let Some(Value::Object(items)) = files.get_mut("items") {
            items.remove("description");
            items.remove("title");
        }
        files
    });
    if let (Some(files), Some(Value::Object(properties))) = (files, schema.get_mut("properties")) {
        properties.insert("files".into(), files);
    }
    Arc::new(schema)
}

/// `schema` (one from `with_files`) with the `files` description for the transport: `local` (stdio) says
/// `file://` works; otherwise the schema is returned as it is, without `file://`.
pub fn for_transport(schema: &Arc<JsonObject>, local: bool) -> Arc<JsonObject> {
    if !local {
        return Arc::clone(schema);
    }
    let mut schema = JsonObject::clone(schema);
    if let Some(Value::Object(files)) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut("files"))
    {
        files.insert("description".into(), FILES_DESCRIPTION_LOCAL.into());
    }
    Arc::new(schema)
}

/// The line a skill tool's description ends with when the skill takes files: the media types it takes
/// besides plain text, at most `MAX_MODES_DESCRIBED` (each cut at `MAX_MODE_CHARS`), e.g.
/// `Files: image/*, application/pdf.`; `None` when it takes none (`takes_files`).
pub fn files_line(modes: &[String]) -> Option<String> {
    if !takes_files(modes) {
        return None;
    }
    let extra: Vec<&str> = modes
        .iter()
        .map(|m| m.trim())
        .filter(|m| {
            let e = essence(m);
            !e.is_empty() && e != "text/plain" && e != "text"
        })
        .collect();
    let named: Vec<String> = extra
        .iter()
        .take(MAX_MODES_DESCRIBED)
        .map(|m| crate::a2a::wire::truncate_str(m, MAX_MODE_CHARS))
        .collect();
    let more = match extra.len() - named.len() {
        0 => String::new(),
        n => format!(", {n} more"),
    };
    Some(format!("Files: {}{more}.", named.join(", ")))
}

/// Whether a skill with these input modes gets the `files` argument: it accepts something besides plain
/// text (`text/plain`, the bare `text` of older cards), or anything (`*/*`). A card that lists no modes says
/// nothing, and its skill tools stay small (`send_message` takes files for any agent).
pub fn takes_files(modes: &[String]) -> bool {
    modes.iter().any(|m| {
        let m = essence(m);
        !m.is_empty() && m != "text/plain" && m != "text"
    })
}

/// The card's `defaultInputModes` (A2A v0.3 §5.5, A2A v1.0 §4.4.1): what the agent takes when no skill
/// says otherwise. Entries that are not strings are skipped.
pub fn default_input_modes(card: &AgentCard) -> Vec<String> {
    crate::a2a::wire::string_list(&card.raw, "defaultInputModes")
}

/// A media type without parameters, trimmed and lowercased: `Text/Plain; charset=utf-8` → `text/plain`.
fn essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether `media_type` is one of `accepted` (input modes): equal essences, `*/*` (or `*`), `type/*`, or a
/// bare `type` (older cards say `text`). An empty list accepts everything: the card says nothing.
pub fn accepts(accepted: &[String], media_type: &str) -> bool {
    if accepted.is_empty() {
        return true;
    }
    let given = essence(media_type);
    let top = given.split('/').next().unwrap_or_default();
    accepted.iter().any(|mode| {
        let mode = essence(mode);
        match mode.split_once('/') {
            _ if mode == "*/*" || mode == "*" => true,
            Some((t, "*")) => t == top,
            Some(_) => mode == given,
            None => mode == top,
        }
    })
}

/// Whether `text` is a media type, `type/subtype` with RFC 6838 §4.2 name characters, parameters allowed.
fn is_media_type(text: &str) -> bool {
    let name = |s: &str| {
        !s.is_empty()
            && s.len() <= 127
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
    };
    let essence = text.split(';').next().unwrap_or_default().trim();
    essence
        .split_once('/')
        .is_some_and(|(t, s)| name(t) && name(s))
}

/// The media type for a file named `name` (or at a URI path ending so): the extension's, else
/// `application/octet-stream`.
pub fn guess_media_type(name: &str) -> String {
    mime_guess::from_path(name)
        .first_raw()
        .unwrap_or(OCTET_STREAM)
        .to_owned()
}

/// `files` as a tool argument: a list, one object, or JSON text holding either (hosts stringify arrays);
/// `null` and `""` count as none.
pub fn opt_files<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<FileArg>, D::Error> {
    let value = match Value::deserialize(d)? {
        Value::String(s) if s.trim().is_empty() => return Ok(Vec::new()),
        Value::String(s) => serde_json::from_str::<Value>(&s).map_err(|_| {
            D::Error::custom(
                "expected a list of files (or its JSON text), got text that is not one",
            )
        })?,
        other => other,
    };
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        item @ Value::Object(_) => vec![item],
        _ => {
            return Err(D::Error::custom(
                "expected a list of files, each {uri} or {name, mime_type, bytes}",
            ));
        }
    };
    if items.len() > MAX_FILES {
        return Err(D::Error::custom(format!(
            "{} files; at most {MAX_FILES} may go in one call",
            items.len()
        )));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value::<FileArg>(item).map_err(|e| {
                D::Error::custom(format!(
                    "[{i}]: {} (each file is {{uri}} or {{name, mime_type, bytes}})",
                    e.to_string().replace('`', "\"")
                ))
            })
        })
        .collect()
}

/// Where `file://` URIs may point, for one call.
#[derive(Debug, Clone)]
pub enum LocalFiles {
    /// The bridge serves Streamable HTTP: it is not on the user's machine, and `file://` is refused.
    Refused,
    /// Over stdio: files under these roots (configured and the client's; not yet canonicalized).
    Under(Vec<PathBuf>),
}

/// What a call's files are checked against.
#[derive(Debug, Clone)]
pub struct FilePolicy<'a> {
    /// Most bytes of one file, and of the call's files together (`max_file_bytes`).
    pub max_bytes: usize,
    /// The media types the skill (or agent) takes; empty: the card lists none.
    pub accepted: &'a [String],
    /// Who takes them, for errors: `skill "x"` or `the agent`.
    pub taker: String,
    /// When no skill was named: the agent's skills (id, input modes), so a refusal can name those that take
    /// the file (`send_message` with `skill`).
    pub skills: Vec<(&'a str, &'a [String])>,
    /// Whether `file://` is read, and under which roots.
    pub local: LocalFiles,
}

/// Turns a call's `files` into A2A file parts, or says (in one sentence naming the file) why not. Every file
/// is checked, and local ones read, before any part is returned, so a refused file sends nothing. Reads run
/// on the blocking pool.
pub async fn file_parts(files: Vec<FileArg>, policy: &FilePolicy<'_>) -> Result<Vec<Part>, String> {
    let mut parts = Vec::with_capacity(files.len());
    let mut total = 0usize;
    for (i, file) in files.into_iter().enumerate() {
        let part = file_part(
            i,
            file,
            policy,
            policy.max_bytes - total.min(policy.max_bytes),
        )
        .await?;
        if let Part::File { bytes: Some(b), .. } = &part {
            total += decoded_len(b);
        }
        parts.push(part);
    }
    Ok(parts)
}

/// Bytes that `b64` (standard, padded) decodes to.
fn decoded_len(b64: &str) -> usize {
    let pad = b64.bytes().rev().take_while(|&b| b == b'=').count();
    (b64.len() / 4 * 3).saturating_sub(pad)
}

/// One entry → one part; `room`: bytes the call's files may still take.
async fn file_part(
    i: usize,
    file: FileArg,
    policy: &FilePolicy<'_>,
    room: usize,
) -> Result<Part, String> {
    let FileArg {
        uri,
        name,
        mime_type,
        bytes,
    } = file;
    let label = name
        .as_deref()
        .or(uri.as_deref())
        .map(|l| format!("files[{i}] ({:?})", clip(l)))
        .unwrap_or_else(|| format!("files[{i}]"));
    let max = policy.max_bytes;
    let too_big = |n: Option<usize>| {
        let size = n.map(|n| format!(" ({n} bytes)")).unwrap_or_default();
        if room < max && n.is_none_or(|n| n <= max) {
            format!(
                "{label}: too large{size}: the files of one call may hold at most max_file_bytes ({max} bytes) \
                 together, and {room} are left"
            )
        } else {
            format!("{label}: too large{size}: at most max_file_bytes ({max} bytes) per file")
        }
    };
    if let Some(m) = &mime_type
        && !is_media_type(m)
    {
        return Err(format!(
            "{label}: mime_type {:?} is not a media type (type/subtype, such as image/png)",
            clip(m)
        ));
    }
    let given_type = mime_type.as_deref().map(|m| m.trim().to_owned());
    let check_type = |media_type: &str| -> Result<(), String> {
        if accepts(policy.accepted, media_type) {
            return Ok(());
        }
        let mut takes: Vec<String> = policy
            .accepted
            .iter()
            .take(MAX_MODES_NAMED)
            .map(|m| clip(m))
            .collect();
        if policy.accepted.len() > MAX_MODES_NAMED {
            takes.push(format!("{} more", policy.accepted.len() - MAX_MODES_NAMED));
        }
        let elsewhere: Vec<String> = policy
            .skills
            .iter()
            .filter(|(_, modes)| !modes.is_empty() && accepts(modes, media_type))
            .take(MAX_SKILLS_NAMED)
            .map(|(id, _)| format!("{:?}", clip(id)))
            .collect();
        let elsewhere = if elsewhere.is_empty() {
            String::new()
        } else {
            format!(
                "; the agent's skill {} takes it: name it in `skill`",
                elsewhere.join(", ")
            )
        };
        Err(format!(
            "{label} is {media_type}, which {} does not accept; it takes {} (set mime_type if the file's type \
             is not {media_type}){elsewhere}",
            policy.taker,
            takes.join(", ")
        ))
    };
    // A data URL (after `data:`) → a part with its bytes.
    let data_part = |data: &str| -> Result<Part, String> {
        let (media, raw) = data_url(data, room).map_err(|e| too_big_or(e, &label, &too_big))?;
        let media_type = media_type_of(given_type.clone(), media, name.as_deref());
        check_type(&media_type)?;
        // A data URL has no name; agents file what they get by name, so it gets one from its type.
        let name = name.clone().or_else(|| Some(default_name(&media_type)));
        Ok(bytes_part(&raw, media_type, name))
    };
    match (uri, bytes) {
        (Some(_), Some(_)) => Err(format!("{label}: give uri or bytes, not both")),
        (None, None) => Err(format!(
            "{label}: give uri (a link, or file:// on this machine) or bytes (base64)"
        )),
        (None, Some(bytes)) => {
            // A data URL where bytes were expected is read for what it is.
            if let Some(data) = bytes.trim_start().strip_prefix("data:") {
                return data_part(data);
            }
            let media_type = media_type_of(given_type, None, name.as_deref());
            check_type(&media_type)?;
            let raw = decode_base64(&bytes, room).map_err(|e| too_big_or(e, &label, &too_big))?;
            Ok(bytes_part(&raw, media_type, name))
        }
        (Some(uri), None) => {
            let uri = uri.trim().to_owned();
            let parsed = url::Url::parse(&uri).map_err(|e| {
                format!(
                    "{label}: {:?} is not a URI ({e}); a file on this machine is file:///path, or send its bytes",
                    clip(&uri)
                )
            })?;
            match parsed.scheme() {
                "file" => {
                    let roots = match &policy.local {
                        LocalFiles::Refused => {
                            return Err(format!(
                                "{label}: file:// URIs are refused over HTTP: the bridge does not run on your \
                                 machine; send the file's content as bytes (base64) instead"
                            ));
                        }
                        LocalFiles::Under(roots) => roots.clone(),
                    };
                    // `file:roots/x` parses as `file:///roots/x` (WHATWG URL): a relative path taken for an
                    // absolute one. RFC 8089 §2: a file URI's path is absolute, `file:/p` or `file:///p`.
                    if !uri[uri.find(':').map_or(0, |c| c + 1)..].starts_with('/') {
                        return Err(format!(
                            "{label}: {:?} is not an absolute file URI; write file:///absolute/path (a relative \
                             path has no meaning to the bridge)",
                            clip(&uri)
                        ));
                    }
                    let path =
                        roots::path_of_file_uri(&parsed).map_err(|e| format!("{label}: {e}"))?;
                    let name =
                        name.or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()));
                    let media_type = media_type_of(given_type, None, name.as_deref());
                    // Where it is first (outside the roots, its type is not the point), then what it is, then
                    // its content.
                    let resolved = {
                        let path = path.clone();
                        tokio::task::spawn_blocking(move || resolve_under_roots(&path, &roots))
                            .await
                            .map_err(|e| format!("{label}: resolving the path failed: {e}"))?
                            .map_err(|e| format!("{label}: {e}"))?
                    };
                    check_type(&media_type)?;
                    let read =
                        tokio::task::spawn_blocking(move || read_capped(&path, &resolved, room))
                            .await
                            .map_err(|e| format!("{label}: reading the file failed: {e}"))?;
                    let raw = match read {
                        Ok(raw) => raw,
                        Err(RootError::TooLarge(n)) => return Err(too_big(n)),
                        Err(e) => return Err(format!("{label}: {e}")),
                    };
                    Ok(bytes_part(&raw, media_type, name))
                }
                "data" => data_part(&uri[uri.find(':').map_or(0, |c| c + 1)..]),
                // `C:\report.pdf` parses as a URI with the scheme `c`.
                s if s.len() == 1 => Err(format!(
                    "{label}: {:?} is a path, not a URI; a file on this machine is file:///C:/…, or send its bytes",
                    clip(&uri)
                )),
                _ => {
                    let name = name.or_else(|| {
                        parsed
                            .path_segments()
                            .and_then(|mut s| s.next_back())
                            .filter(|s| !s.is_empty())
                            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
                    });
                    let media_type = media_type_of(given_type, None, name.as_deref());
                    check_type(&media_type)?;
                    Ok(Part::File {
                        bytes: None,
                        uri: Some(uri),
                        media_type: Some(media_type),
                        name,
                    })
                }
            }
        }
    }
}

/// A file's media type: the one the model gave, else the content's own (a data URL's), else the one `name`'s
/// extension suggests, else `application/octet-stream`.
fn media_type_of(given: Option<String>, content: Option<String>, name: Option<&str>) -> String {
    given
        .or(content)
        .or_else(|| name.map(guess_media_type))
        .unwrap_or_else(|| OCTET_STREAM.into())
}

/// A name for a file that came without one: `file.<ext>` with the media type's usual extension (the subtype
/// when it is one, `pdf`; else a usual one, `txt` for `text/plain`; else the first whose own guess is this
/// type), else `file`.
fn default_name(media_type: &str) -> String {
    let essence = essence(media_type);
    let Some(exts) = mime_guess::get_mime_extensions_str(&essence) else {
        return "file".to_owned();
    };
    let subtype = essence.split('/').nth(1).unwrap_or_default();
    // The usual ones where the table lists a rarer extension first (`asm` for text/plain, `jfif` for JPEG).
    const USUAL: [&str; 5] = ["txt", "jpg", "html", "mp3", "svg"];
    let ext = exts
        .iter()
        .find(|e| **e == subtype)
        .or_else(|| exts.iter().find(|e| USUAL.contains(e)))
        .or_else(|| {
            exts.iter()
                .find(|e| mime_guess::from_ext(e).first_raw() == Some(essence.as_str()))
        })
        .or(exts.first());
    ext.map_or_else(|| "file".to_owned(), |ext| format!("file.{ext}"))
}

/// Why content could not be decoded.
#[derive(Debug, PartialEq, Eq)]
enum Decode {
    /// More than the room left; the size when known.
    TooLarge(Option<usize>),
    Invalid(String),
}

fn too_big_or(e: Decode, label: &str, too_big: &dyn Fn(Option<usize>) -> String) -> String {
    match e {
        Decode::TooLarge(n) => too_big(n),
        Decode::Invalid(why) => format!("{label}: {why}"),
    }
}

/// Base64 as models write it: standard or URL-safe alphabet, padding optional, whitespace (line breaks)
/// ignored. Refused without decoding when it cannot fit in `max` bytes.
fn decode_base64(text: &str, max: usize) -> Result<Vec<u8>, Decode> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    // What valid base64 of this length decodes to (4 characters hold 3 bytes; a partial group of 2 or 3
    // characters 1 or 2), known without decoding.
    let size = compact.trim_end_matches('=').len() / 4 * 3
        + (compact.trim_end_matches('=').len() % 4 * 3 / 4);
    if size > max {
        return Err(Decode::TooLarge(Some(size)));
    }
    const LENIENT: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let engine = if compact.contains(['-', '_']) {
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT)
    } else {
        GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT)
    };
    let raw = engine
        .decode(compact.as_bytes())
        .map_err(|e| Decode::Invalid(format!("bytes is not valid base64 ({e})")))?;
    if raw.len() > max {
        return Err(Decode::TooLarge(Some(raw.len())));
    }
    Ok(raw)
}

/// The part of a data URL after `data:` (RFC 2397): its media type, if it names one, and its content.
fn data_url(data: &str, max: usize) -> Result<(Option<String>, Vec<u8>), Decode> {
    let Some((header, content)) = data.split_once(',') else {
        return Err(Decode::Invalid(
            "a data: URI needs a comma before its content".into(),
        ));
    };
    let (media, base64) = match header.strip_suffix(";base64") {
        Some(media) => (media, true),
        None => (header, false),
    };
    let media = media.trim();
    let media = (!media.is_empty() && is_media_type(media)).then(|| media.to_owned());
    let raw = if base64 {
        decode_base64(content, max)?
    } else {
        if content.len() / 3 > max {
            return Err(Decode::TooLarge(None));
        }
        let raw: Vec<u8> = percent_decode_str(content).collect();
        if raw.len() > max {
            return Err(Decode::TooLarge(Some(raw.len())));
        }
        raw
    };
    Ok((media, raw))
}

/// A file part carrying `raw` as standard, padded base64.
fn bytes_part(raw: &[u8], media_type: String, name: Option<String>) -> Part {
    Part::File {
        bytes: Some(general_purpose::STANDARD.encode(raw)),
        uri: None,
        media_type: Some(media_type),
        name,
    }
}

/// How long the client may take to list its roots.
const ROOTS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// Client roots considered; more is not a workspace.
const MAX_CLIENT_ROOTS: usize = 64;

impl super::Bridge {
    /// The directories `file://` URIs may point into for this call: `bridge.file_roots`, plus the client's
    /// roots when it declared the `roots` capability (MCP 2025-11-25 client/roots, `roots/list`, asked at most
    /// `ROOTS_TIMEOUT`). A client that cannot be asked (MCP 2026-07-28 forbids server requests) adds none.
    // Roots are deprecated from MCP 2026-07-28 on; clients of 2025-11-25 and before still declare them.
    #[allow(deprecated)]
    pub(super) async fn file_roots(&self, ctx: &RequestContext<RoleServer>) -> Vec<PathBuf> {
        let mut roots = self.settings.file_roots.clone();
        if ctx.client_capabilities().is_none_or(|c| c.roots.is_none()) {
            return roots;
        }
        let listed = tokio::time::timeout(ROOTS_TIMEOUT, ctx.peer.list_roots()).await;
        match listed {
            Ok(Ok(listed)) => roots.extend(roots_of(
                listed
                    .roots
                    .iter()
                    .take(MAX_CLIENT_ROOTS)
                    .map(|r| r.uri.as_str()),
            )),
            Ok(Err(e)) => tracing::debug!(error = %e, "the client did not list its roots"),
            Err(_) => tracing::warn!("the client did not list its roots within 5 s"),
        }
        roots
    }
}

/// At most 80 bytes of something the model or a card wrote, for an error.
fn clip(text: &str) -> String {
    crate::a2a::wire::truncate_str(text, 80)
}

#[cfg(test)]
mod tests;
