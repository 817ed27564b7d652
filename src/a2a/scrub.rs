//! Scrubbing configured secrets out of what agents and token endpoints send back (pure).
//!
//! An agent (or a token endpoint) that echoes the request's credentials in an error body, a JSON-RPC error or
//! a task's text must not get them relayed into a tool result or a log. `Scrubber` knows every secret value
//! the bridge holds (secret headers, `auth` values and their Basic/base64 forms, OAuth2 client secrets and the
//! tokens obtained with them) and replaces each occurrence with `[redacted]` (or, in a page of a text read in
//! pages, masks each of its characters with `*`, so offsets stay those of the whole text: `Scrubber::mask`).
//! Values shorter than `MIN_SECRET_LEN` are not scrubbed: replacing every "ab" would wreck the text without protecting anything.

use std::sync::Arc;

use base64::Engine;
use http::HeaderMap;
use serde_json::Value;

use super::error::A2aError;
use super::oauth::ClientCredentials;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";
/// What each character of a secret is replaced with in a page of a text read in pages (`Scrubber::mask`),
/// which keeps the text's length.
pub const MASK: char = '*';
/// Shorter values are not scrubbed.
pub const MIN_SECRET_LEN: usize = 4;

/// Every secret value of the bridge, ready to scrub text. Cheap to clone.
#[derive(Clone, Default)]
pub struct Scrubber {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    fixed: Vec<String>,
    /// Tokens change at run time: asked for at each scrub.
    oauth: Vec<Arc<ClientCredentials>>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubber")
            .field("secrets", &self.inner.fixed.len())
            .finish_non_exhaustive()
    }
}

impl Scrubber {
    /// A scrubber for `secrets` (raw values) and the values of every sensitive header in `headers`, plus the
    /// client secrets and tokens of `oauth`.
    pub fn new<'a>(
        secrets: impl IntoIterator<Item = String>,
        headers: impl IntoIterator<Item = &'a HeaderMap>,
        oauth: Vec<Arc<ClientCredentials>>,
    ) -> Scrubber {
        let mut raw: Vec<String> = secrets.into_iter().collect();
        for map in headers {
            for value in map.values().filter(|v| v.is_sensitive()) {
                if let Ok(text) = value.to_str() {
                    raw.extend(header_secrets(text));
                }
            }
        }
        let mut fixed = Vec::new();
        for secret in raw {
            for form in forms(&secret) {
                if form.len() >= MIN_SECRET_LEN && !fixed.contains(&form) {
                    fixed.push(form);
                }
            }
        }
        // Longest first, so a value containing another is replaced whole.
        fixed.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Scrubber {
            inner: Arc::new(Inner { fixed, oauth }),
        }
    }

    /// Whether the bridge holds no secret at all (none configured, no OAuth2): every scrub is then the
    /// identity, and callers skip the walk over a result (most bridges; issue 16 counted about 5% of a tool
    /// call's instructions in scrubbing with nothing to scrub).
    pub fn is_empty(&self) -> bool {
        self.inner.fixed.is_empty() && self.inner.oauth.is_empty()
    }

    /// The forms of the OAuth2 values as they are now (tokens change at run time).
    fn dynamic(&self) -> Vec<String> {
        self.inner
            .oauth
            .iter()
            .flat_map(|o| o.secret_values())
            .flat_map(|s| forms(&s))
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .collect()
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        if self.is_empty() {
            return out;
        }
        let dynamic = self.dynamic();
        for secret in self.inner.fixed.iter().chain(&dynamic) {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// Bytes of the longest secret form (0 with none): an occurrence spans at most this many characters.
    pub fn longest(&self) -> usize {
        let dynamic = self.dynamic();
        let fixed = self.inner.fixed.iter();
        fixed.chain(&dynamic).map(String::len).max().unwrap_or(0)
    }

    /// The part `keep` (a byte range on character boundaries) of `window` with every character that belongs
    /// to an occurrence of a secret in `window` replaced by `MASK`, so the result has as many characters as
    /// `window[keep]`: for one page of a text read in pages, where offsets must stay those of the whole text.
    /// `window` holds the page with `longest() - 1` characters of the text on either side (as far as the
    /// text goes), so that an occurrence cut by the page's edges is masked too. Occurrences may overlap.
    pub fn mask(&self, window: &str, keep: std::ops::Range<usize>) -> String {
        let page = &window[keep.clone()];
        let mut hidden: Vec<(usize, usize)> = Vec::new();
        let dynamic = self.dynamic();
        for secret in self.inner.fixed.iter().chain(&dynamic) {
            let mut at = 0;
            while let Some(i) = window[at..].find(secret.as_str()) {
                let start = at + i;
                hidden.push((start, start + secret.len()));
                // The next occurrence may start inside this one: one character on.
                at = start + window[start..].chars().next().map_or(1, char::len_utf8);
            }
        }
        if hidden.is_empty() {
            return page.to_owned();
        }
        hidden.sort_unstable();
        let mut out = String::with_capacity(page.len());
        let mut next = 0;
        // The furthest end of the occurrences started so far.
        let mut covered = 0;
        for (i, c) in page.char_indices() {
            let pos = keep.start + i;
            while next < hidden.len() && hidden[next].0 <= pos {
                covered = covered.max(hidden[next].1);
                next += 1;
            }
            out.push(if pos < covered { MASK } else { c });
        }
        out
    }

    /// Scrubs every string in `value`, keys included.
    pub fn scrub_value(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => {
                let clean = self.scrub(s);
                if clean != *s {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_value(v)),
            Value::Object(map) => {
                let dirty: Vec<String> = map
                    .keys()
                    .filter(|k| self.scrub(k) != **k)
                    .cloned()
                    .collect();
                for key in dirty {
                    if let Some(v) = map.remove(&key) {
                        map.insert(self.scrub(&key), v);
                    }
                }
                map.values_mut().for_each(|v| self.scrub_value(v));
            }
            _ => {}
        }
    }

    /// The error with every text that came from the peer scrubbed.
    pub fn scrub_error(&self, error: A2aError) -> A2aError {
        match error {
            A2aError::Unreachable { url, cause } => A2aError::Unreachable {
                url,
                cause: self.scrub(&cause),
            },
            A2aError::Http { status, url, body } => A2aError::Http {
                status,
                url: self.scrub(&url),
                body: self.scrub(&body),
            },
            A2aError::JsonRpc { code, message } => A2aError::JsonRpc {
                code,
                message: self.scrub(&message),
            },
            A2aError::InvalidResponse(m) => A2aError::InvalidResponse(self.scrub(&m)),
            A2aError::RateLimited {
                url,
                retry_after,
                body,
            } => A2aError::RateLimited {
                url: self.scrub(&url),
                retry_after,
                body: self.scrub(&body),
            },
            A2aError::Redirected {
                status,
                url,
                location,
            } => A2aError::Redirected {
                status,
                url: self.scrub(&url),
                location: self.scrub(&location),
            },
            A2aError::EndpointRefused(m) => A2aError::EndpointRefused(self.scrub(&m)),
            other => other,
        }
    }
}

/// The secret parts of a header value: the whole value, and for `Bearer`/`Basic` the token, the decoded
/// `user:password` and the password.
fn header_secrets(value: &str) -> Vec<String> {
    let mut out = vec![value.to_owned()];
    let (scheme, rest) = value.split_once(' ').unwrap_or(("", value));
    if scheme.eq_ignore_ascii_case("bearer") {
        out.push(rest.trim().to_owned());
    } else if scheme.eq_ignore_ascii_case("basic") {
        out.push(rest.trim().to_owned());
        if let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(rest.trim())
            && let Ok(pair) = String::from_utf8(decoded)
        {
            if let Some((_, password)) = pair.split_once(':') {
                out.push(password.to_owned());
            }
            out.push(pair);
        }
    }
    out
}

/// The forms a secret may come back in: as is, JSON-escaped, percent-encoded, and base64-encoded.
fn forms(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let json = serde_json::to_string(secret).unwrap_or_default();
    out.push(json.trim_matches('"').to_owned());
    out.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    out.push(base64::engine::general_purpose::STANDARD.encode(secret));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn sensitive(v: &str) -> HeaderValue {
        let mut v = HeaderValue::from_str(v).unwrap();
        v.set_sensitive(true);
        v
    }

    #[test]
    fn scrubs_every_form_of_every_secret() {
        let mut headers = HeaderMap::new();
        let basic = base64::engine::general_purpose::STANDARD.encode("alice:hunter2-pw");
        headers.insert("authorization", sensitive(&format!("Basic {basic}")));
        headers.insert("x-api-key", sensitive("key/with+odd\"chars"));
        headers.insert("x-team", HeaderValue::from_static("platform"));
        let other = {
            let mut h = HeaderMap::new();
            h.insert("authorization", sensitive("Bearer tok-abcdef"));
            h
        };
        let s = Scrubber::new(["cs-secret".to_owned()], [&headers, &other], Vec::new());
        let echoed = format!(
            "auth={basic} pw=hunter2-pw pair=alice:hunter2-pw key=key/with+odd\"chars json=key/with+odd\\\"chars \
             pct=key%2Fwith%2Bodd%22chars bearer=tok-abcdef client=cs-secret b64={} team=platform",
            base64::engine::general_purpose::STANDARD.encode("cs-secret")
        );
        let clean = s.scrub(&echoed);
        for leaked in [
            "hunter2",
            &basic,
            "odd",
            "tok-abcdef",
            "cs-secret",
            "Y3Mtc2VjcmV0",
        ] {
            assert!(!clean.contains(leaked), "{leaked} in {clean}");
        }
        assert!(clean.contains("team=platform"), "{clean}");
        assert!(clean.contains(REDACTED));
    }

    #[test]
    fn scrubs_errors_and_json() {
        let s = Scrubber::new(["sekret-1".to_owned()], [], Vec::new());
        let e = s.scrub_error(A2aError::Http {
            status: 400,
            url: "http://x/".into(),
            body: "bad token sekret-1".into(),
        });
        assert!(!e.to_string().contains("sekret-1"), "{e}");
        let mut v = serde_json::json!({"a": ["sekret-1"], "sekret-1": {"b": "x sekret-1 y"}});
        s.scrub_value(&mut v);
        assert!(!v.to_string().contains("sekret-1"), "{v}");
    }

    #[test]
    fn short_values_are_left_alone() {
        let s = Scrubber::new(["ab".to_owned()], [], Vec::new());
        assert_eq!(s.scrub("abc"), "abc");
    }

    #[test]
    fn a_page_masks_every_character_of_secrets_cut_by_its_edges() {
        let s = Scrubber::new(["sekret-99".to_owned()], [], Vec::new());
        let margin = s.longest() - 1;
        let text = "abc sekret-99 def sekret-99sekret-99 ghi ééé sekret-99";
        let chars: Vec<char> = text.chars().collect();
        let whole = s.mask(text, 0..text.len());
        assert_eq!(whole.chars().count(), chars.len());
        assert!(
            !whole.contains("sekret") && !whole.contains("-99"),
            "{whole}"
        );
        // Every page, cut anywhere, shows no character of an occurrence and keeps its length.
        for offset in 0..chars.len() {
            for length in 1..12 {
                let from = offset.saturating_sub(margin);
                let to = (offset + length + margin).min(chars.len());
                let window: String = chars[from..to].iter().collect();
                let byte = |n: usize| {
                    window
                        .char_indices()
                        .nth(n)
                        .map_or(window.len(), |(i, _)| i)
                };
                let end = (offset + length).min(chars.len());
                let page = s.mask(&window, byte(offset - from)..byte(end - from));
                let want: String = whole.chars().skip(offset).take(length).collect();
                assert_eq!(page, want, "offset {offset} length {length}");
            }
        }
        assert_eq!(s.mask("aaa", 1..2), "a");
    }
}
