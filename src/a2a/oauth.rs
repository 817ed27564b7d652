//! OAuth2 client credentials (RFC 6749 §4.4): the token an agent wants, fetched, cached and refreshed.
//!
//! The token is fetched on first use and reused until shortly before it expires; a 401 from the agent drops
//! it so the next request fetches a fresh one. Concurrent requests share one fetch. The client secret and the
//! tokens only ever live in sensitive header values and this struct, which has no `Debug` of its secrets.

use std::time::{Duration, Instant};

use http::HeaderValue;
use serde::Deserialize;

use super::error::{A2aError, redact_url};
use super::wire;

/// Tokens are renewed this long before they expire, so a request never goes out with a dying token.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);
/// When the server does not say how long a token lives.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// A client-credentials grant for one agent.
pub struct ClientCredentials {
    http: reqwest::Client,
    token_url: String,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    timeout: Duration,
    cached: tokio::sync::Mutex<Option<(HeaderValue, Instant)>>,
}

impl std::fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
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
            token_url,
            client_id,
            client_secret,
            scopes,
            timeout,
            cached: tokio::sync::Mutex::new(None),
        }
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

    /// Forgets the cached token (the agent rejected it).
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    async fn fetch(&self) -> Result<(HeaderValue, Duration), A2aError> {
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !self.scopes.is_empty() {
            form.push(("scope", self.scopes.join(" ")));
        }
        let resp = self
            .http
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .header(http::header::ACCEPT, "application/json")
            .form(&form)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| A2aError::from_reqwest(e, &self.token_url, self.timeout))?;
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .map_err(|e| A2aError::from_reqwest(e, &self.token_url, self.timeout))?;
        if !status.is_success() {
            // Token endpoints answer errors as `{"error": "...", "error_description": "..."}`; no secret in it.
            return Err(A2aError::Http {
                status: status.as_u16(),
                url: redact_url(&self.token_url),
                body: wire::truncate_str(String::from_utf8_lossy(&body).trim(), 300),
            });
        }
        let token: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            A2aError::InvalidResponse(format!("token endpoint answer has no access_token: {e}"))
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
        let lifetime = token
            .expires_in
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(DEFAULT_LIFETIME);
        tracing::debug!(token_url = %redact_url(&self.token_url), lifetime_secs = lifetime.as_secs(), "fetched an OAuth2 token");
        Ok((value, lifetime))
    }
}
