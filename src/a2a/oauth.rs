//! OAuth2 client credentials (RFC 6749 §4.4): the token an agent wants, fetched, cached and refreshed.
//!
//! The token is fetched on first use and reused until shortly before it expires; a 401 from the agent drops
//! it so the next request fetches a fresh one. Concurrent requests share one fetch. The client secret and the
//! tokens only ever live in sensitive header values and this struct, which has no `Debug` of its secrets.

use std::time::{Duration, Instant};

use http::HeaderValue;
use serde::Deserialize;

use super::error::{A2aError, redact_url};

/// Tokens are renewed this long before they expire, so a request never goes out with a dying token.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);
/// When the server does not say how long a token lives.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// Longest a token is reused, whatever `expires_in` says (a huge value must not overflow the clock).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Tokens remembered for scrubbing after they were replaced (an agent may echo an older one).
const REMEMBERED_TOKENS: usize = 4;
/// Most of a token endpoint's answer read (a token response is a few hundred bytes).
const MAX_TOKEN_RESPONSE_BYTES: usize = 64 << 10;

/// A client-credentials grant for one agent.
pub struct ClientCredentials {
    http: reqwest::Client,
    /// The token URL and scopes: from the config, or set from the agent card by `use_flow`.
    flow: std::sync::Mutex<Flow>,
    client_id: String,
    client_secret: String,
    timeout: Duration,
    cached: tokio::sync::Mutex<Option<(HeaderValue, Instant)>>,
    /// The latest tokens, newest last, for `secret_values`.
    issued: std::sync::Mutex<Vec<String>>,
}

/// Where tokens come from, and for which scopes. An empty `token_url`: none known yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Flow {
    token_url: String,
    scopes: Vec<String>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("flow", &self.flow())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<f64>,
    #[serde(default)]
    token_type: Option<String>,
}

impl ClientCredentials {
    /// A grant at `token_url` for `scopes`; an empty `token_url` must be set with `use_flow` before a token
    /// can be fetched.
    pub fn new(
        http: reqwest::Client,
        token_url: String,
        client_id: String,
        client_secret: String,
        scopes: Vec<String>,
        timeout: Duration,
    ) -> Self {
        ClientCredentials {
            http,
            flow: std::sync::Mutex::new(Flow { token_url, scopes }),
            client_id,
            client_secret,
            timeout,
            cached: tokio::sync::Mutex::new(None),
            issued: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Every secret value of this grant, for scrubbing: the client secret, its Basic form, and the latest
    /// tokens.
    pub fn secret_values(&self) -> Vec<String> {
        use base64::Engine;
        let mut out = vec![
            self.client_secret.clone(),
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", self.client_id, self.client_secret)),
        ];
        out.extend(
            self.issued
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .iter()
                .cloned(),
        );
        out
    }

    fn remember(&self, token: &str) {
        let mut issued = self
            .issued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        issued.push(token.to_owned());
        if issued.len() > REMEMBERED_TOKENS {
            issued.remove(0);
        }
    }

    /// `text` without this grant's secrets (a token endpoint may echo them in an error).
    fn scrub(&self, text: &str) -> String {
        super::scrub::Scrubber::new(self.secret_values(), [], Vec::new()).scrub(text)
    }

    /// The `Authorization` value to send, fetching a token when there is none or it is about to expire.
    pub async fn authorization(&self) -> Result<HeaderValue, A2aError> {
        // Holding the lock across the fetch makes concurrent callers wait for one fetch instead of each
        // starting their own.
        let mut cached = self.cached.lock().await;
        if let Some((value, valid_until)) = cached.as_ref()
            && Instant::now() < *valid_until
        {
            return Ok(value.clone());
        }
        let (value, lifetime) = self.fetch().await?;
        let valid_until = Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN);
        *cached = Some((value.clone(), valid_until));
        Ok(value)
    }

    fn flow(&self) -> Flow {
        self.flow
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Uses `token_url` and `scopes` from now on (what the agent card's client-credentials flow names); a
    /// change drops the cached token, which was issued for the old ones.
    pub async fn use_flow(&self, token_url: &str, scopes: &[String]) {
        let new = Flow {
            token_url: token_url.to_owned(),
            scopes: scopes.to_vec(),
        };
        let changed = {
            let mut flow = self
                .flow
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let changed = *flow != new;
            *flow = new;
            changed
        };
        if changed {
            self.invalidate().await;
        }
    }

    /// Forgets the cached token (the agent rejected it).
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    async fn fetch(&self) -> Result<(HeaderValue, Duration), A2aError> {
        let Flow { token_url, scopes } = self.flow();
        if token_url.is_empty() {
            return Err(A2aError::Unsupported(
                "no OAuth2 token URL: auth.token_url is not set and the agent card names no client-credentials flow"
                    .into(),
            ));
        }
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        let resp = self
            .http
            .post(&token_url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header(http::header::ACCEPT, "application/json")
            .form(&form)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| A2aError::from_reqwest(e, &token_url, self.timeout))?;
        let status = resp.status();
        if !status.is_success() {
            // Token endpoints answer errors as `{"error": "...", "error_description": "..."}`; one that echoes
            // the credentials gets them scrubbed.
            let error = super::client::status_error(resp, &token_url, self.timeout).await;
            return Err(match error {
                A2aError::Http { status, url, body } => A2aError::Http {
                    status,
                    url,
                    body: self.scrub(&body),
                },
                other => other,
            });
        }
        let body = super::client::read_capped(resp, MAX_TOKEN_RESPONSE_BYTES, self.timeout)
            .await
            .map_err(|e| A2aError::from_reqwest(e, &token_url, self.timeout))?;
        if body.timed_out {
            return Err(A2aError::Timeout(self.timeout));
        }
        if body.cut {
            return Err(A2aError::TooLarge {
                what: "token response",
                limit: MAX_TOKEN_RESPONSE_BYTES,
                key: "a fixed limit",
            });
        }
        let body = body.bytes;
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            A2aError::InvalidResponse(
                self.scrub(&format!("token endpoint answer has no access_token: {e}")),
            )
        })?;
        if let Some(kind) = &token.token_type
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(A2aError::InvalidResponse(format!(
                "token endpoint issued a {kind:?} token; only bearer tokens are supported"
            )));
        }
        let mut value =
            HeaderValue::from_str(&format!("Bearer {}", token.access_token)).map_err(|_| {
                A2aError::InvalidResponse("access_token is not a valid header value".into())
            })?;
        value.set_sensitive(true);
        self.remember(&token.access_token);
        let lifetime = token
            .expires_in
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| crate::time::secs_clamped(s, MAX_LIFETIME))
            .unwrap_or(DEFAULT_LIFETIME);
        tracing::debug!(token_url = %redact_url(&token_url), lifetime_secs = lifetime.as_secs(), "fetched an OAuth2 token");
        Ok((value, lifetime))
    }
}
