//! The one definition of "an artifact's text", shared by every place that shows or counts it: tool results,
//! the character counts of resource links, `read_artifact` pages and `resources/read` of an artifact.
//!
//! An artifact's text is its parts in order (A2A v0.3 §6.7, A2A v1.0 §4.1.7):
//! - text parts as they are; consecutive text parts run together with nothing between them, because an agent
//!   that streams an artifact in `append` chunks (A2A v0.3 §7.2.3 `TaskArtifactUpdateEvent`) stores each
//!   chunk as a part of its own, and the stream the caller saw joined them raw;
//! - a data part as its JSON (compact), a file part as one bracketed line naming it; each on a line of its
//!   own (separated from its neighbours by `\n`).
//!
//! `ArtifactText` applies these rules to any `TextSink`: a `String` for an artifact held in memory
//! (`text_of`), a `Pager` for one read from a stream, which keeps only one page.

use serde_json::Value;

use super::types::{Artifact, Part};

/// Where an artifact's text goes, piece by piece.
pub trait TextSink {
    /// Appends `piece` to the text.
    fn push(&mut self, piece: &str);
}

impl TextSink for String {
    fn push(&mut self, piece: &str) {
        self.push_str(piece);
    }
}

/// Joins an artifact's parts into its text (the rules are in the module doc).
#[derive(Debug, Default)]
pub struct ArtifactText<S> {
    /// Where the text goes.
    pub sink: S,
    /// Something was written.
    written: bool,
    /// The last part was a text part.
    after_text: bool,
}

impl<S: TextSink> ArtifactText<S> {
    /// Joins into `sink`.
    pub fn new(sink: S) -> Self {
        ArtifactText {
            sink,
            written: false,
            after_text: false,
        }
    }

    /// A text part starts; its text follows through `text`.
    pub fn begin_text_part(&mut self) {
        if self.written && !self.after_text {
            self.sink.push("\n");
        }
        self.after_text = true;
    }

    /// More of the current text part.
    pub fn text(&mut self, piece: &str) {
        if !piece.is_empty() {
            self.sink.push(piece);
            self.written = true;
        }
    }

    /// A part that is not text, rendered as one line (`data_line`, `file_line`).
    pub fn line_part(&mut self, line: &str) {
        if self.written {
            self.sink.push("\n");
        }
        self.sink.push(line);
        self.written = true;
        self.after_text = false;
    }

    /// Feeds one part held in memory; `index` is its position in the artifact (named in file lines).
    pub fn part(&mut self, index: usize, part: &Part) {
        match part {
            Part::Text { text, .. } => {
                self.begin_text_part();
                self.text(text);
            }
            Part::Data { data, .. } => self.line_part(&data_line(data)),
            Part::File {
                bytes,
                uri,
                media_type,
                name,
            } => self.line_part(&file_line(
                index,
                name.as_deref(),
                media_type.as_deref(),
                uri.as_deref(),
                bytes.as_deref().map(base64_len),
            )),
        }
    }
}

/// The text of an artifact held in memory.
pub fn text_of(artifact: &Artifact) -> String {
    let mut text = ArtifactText::new(String::new());
    for (i, part) in artifact.parts.iter().enumerate() {
        text.part(i, part);
    }
    text.sink
}

/// A data part's line: its JSON, compact.
pub fn data_line(data: &Value) -> String {
    data.to_string()
}

/// A file part's line: its name, media type, and where its content is (its URI, or its size in bytes and the
/// part index under which `a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}/parts/{index}` serves it).
pub fn file_line(
    index: usize,
    name: Option<&str>,
    media_type: Option<&str>,
    uri: Option<&str>,
    bytes: Option<usize>,
) -> String {
    let name = name.unwrap_or("file");
    let media = media_type.unwrap_or("application/octet-stream");
    match (uri, bytes) {
        (Some(uri), _) => format!("[file {name} ({media}) at {uri}]"),
        (None, Some(n)) => {
            format!("[file {name} ({media}), {n} bytes: part {index} of this artifact]")
        }
        (None, None) => format!("[file {name} ({media})]"),
    }
}

/// The decoded size of base64 text of `len` characters (padding included), in bytes.
pub fn base64_len_of(len: usize) -> usize {
    len / 4 * 3
}

/// The decoded size of the base64 text `b64`, in bytes (padding subtracted).
pub fn base64_len(b64: &str) -> usize {
    let trimmed = b64.trim_end_matches('=');
    let pad = b64.len() - trimmed.len();
    base64_len_of(b64.len()).saturating_sub(pad.min(2))
}

/// A `TextSink` that keeps characters `[offset, offset + length)` of the text (the page) and counts all of
/// it: one page of an artifact read from a stream, in memory bounded by the page. With a `margin`, it also
/// keeps up to `margin` characters on either side of the page (the window), so that a configured secret cut
/// by the page's edges can still be recognised (`Scrubber::mask`).
#[derive(Debug)]
pub struct Pager {
    /// First character of the page.
    pub offset: usize,
    /// One past the last character of the page (`offset + length`, saturated).
    pub end: usize,
    /// First character kept (`offset - margin`, saturated).
    from: usize,
    /// One past the last character kept (`end + margin`, saturated).
    to: usize,
    /// The characters kept: `[from, to)` of the text, as far as the text goes.
    window: String,
    /// Characters of the whole text so far.
    pub total_chars: usize,
    /// UTF-8 bytes of the whole text so far.
    pub total_bytes: usize,
}

impl Pager {
    /// Keeps `length` characters from `offset`.
    pub fn new(offset: usize, length: usize) -> Pager {
        Pager::with_margin(offset, length, 0)
    }

    /// Keeps `length` characters from `offset`, and `margin` more on either side.
    pub fn with_margin(offset: usize, length: usize, margin: usize) -> Pager {
        let end = offset.saturating_add(length);
        Pager {
            offset,
            end,
            from: offset.saturating_sub(margin),
            to: end.saturating_add(margin),
            window: String::new(),
            total_chars: 0,
            total_bytes: 0,
        }
    }

    /// The page: characters `[offset, end)` of the text (fewer when the text ends first).
    pub fn page(&self) -> &str {
        &self.window[self.page_range()]
    }

    /// The page with its margins (`with_margin`).
    pub fn window(&self) -> &str {
        &self.window
    }

    /// Where the page lies in `window()`, in bytes.
    pub fn page_range(&self) -> std::ops::Range<usize> {
        let skip = self.offset - self.from;
        let take = self.end.min(self.total_chars).saturating_sub(self.offset);
        let mut at = self
            .window
            .char_indices()
            .map(|(i, _)| i)
            .chain([self.window.len()]);
        let start = at.nth(skip).unwrap_or(self.window.len());
        let end = if take == 0 {
            start
        } else {
            at.nth(take - 1).unwrap_or(self.window.len())
        };
        start..end
    }
}

impl TextSink for Pager {
    fn push(&mut self, piece: &str) {
        let start = self.total_chars;
        let count = piece.chars().count();
        self.total_chars += count;
        self.total_bytes += piece.len();
        if self.total_chars <= self.from || start >= self.to {
            return;
        }
        // The piece overlaps the window: keep the overlapping characters.
        let skip = self.from.saturating_sub(start);
        let take = self.to.min(self.total_chars) - start - skip;
        let mut indices = piece.char_indices().map(|(i, _)| i).chain([piece.len()]);
        let from = indices.nth(skip).unwrap_or(piece.len());
        let to = indices.nth(take.saturating_sub(1)).unwrap_or(piece.len());
        let to = if take == 0 { from } else { to };
        self.window.push_str(&piece[from..to]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(parts: Vec<Part>) -> Artifact {
        Artifact {
            artifact_id: "a".into(),
            name: None,
            description: None,
            parts,
        }
    }

    #[test]
    fn text_parts_run_together_and_other_parts_take_a_line() {
        let a = artifact(vec![
            Part::text("Hel"),
            Part::text("lo"),
            Part::data(serde_json::json!({"k": 1})),
            Part::text("next"),
            Part::File {
                bytes: None,
                uri: Some("https://x/f.pdf".into()),
                media_type: Some("application/pdf".into()),
                name: Some("f.pdf".into()),
            },
            Part::File {
                bytes: Some("AAAA".into()),
                uri: None,
                media_type: None,
                name: None,
            },
        ]);
        assert_eq!(
            text_of(&a),
            "Hello\n{\"k\":1}\nnext\n[file f.pdf (application/pdf) at https://x/f.pdf]\n\
             [file file (application/octet-stream), 3 bytes: part 5 of this artifact]"
        );
    }

    #[test]
    fn a_pager_keeps_exactly_its_page_and_margins_across_pieces() {
        let text = "añb€c😀d".repeat(7);
        let chars: Vec<char> = text.chars().collect();
        for offset in 0..chars.len() + 2 {
            for length in 1..12 {
                for piece in 1..6 {
                    for margin in [0, 1, 3] {
                        let mut pager = Pager::with_margin(offset, length, margin);
                        let mut rest = text.as_str();
                        while !rest.is_empty() {
                            let cut = rest
                                .char_indices()
                                .nth(piece)
                                .map_or(rest.len(), |(i, _)| i);
                            pager.push(&rest[..cut]);
                            rest = &rest[cut..];
                        }
                        let case = format!(
                            "offset {offset} length {length} piece {piece} margin {margin}"
                        );
                        let want: String = chars.iter().skip(offset).take(length).collect();
                        assert_eq!(pager.page(), want, "{case}");
                        let from = offset.saturating_sub(margin);
                        let window: String = chars
                            .iter()
                            .skip(from)
                            .take(offset - from + length + margin)
                            .collect();
                        assert_eq!(pager.window(), window, "{case}");
                        assert_eq!(pager.total_chars, chars.len());
                        assert_eq!(pager.total_bytes, text.len());
                    }
                }
            }
        }
    }

    #[test]
    fn base64_sizes_subtract_padding() {
        assert_eq!(base64_len("AAAA"), 3);
        assert_eq!(base64_len("AAA="), 2);
        assert_eq!(base64_len("AA=="), 1);
        assert_eq!(base64_len(""), 0);
    }
}
