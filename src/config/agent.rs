//! One `[[agents]]` entry: where the agent is, how to authenticate, which skills to expose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use super::secret::{Secret, SecretSource, one_source};
use super::{BridgeSettings, seconds};
use crate::a2a::ProtocolVersion;

type KeyError = (String, String);

/// A validated agent entry with its secrets resolved into request headers.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Used in tool names and in the generic tools' `agent` argument.
    pub name: String,
    /// Base URL, or the full URL of the card when it ends in `.json`.
    pub url: String,
    /// Explicit card URL; wins over `url`.
    pub card_url: Option<String>,
    /// Overrides the JSON-RPC URL the card advertises (cards often name the wrong host).
    pub endpoint: Option<String>,
    /// `None` = pick from the card (prefer 1.0, else 0.3).
    pub protocol: Option<ProtocolVersion>,
    /// Replaces the card's description in tool descriptions.
    pub description: Option<String>,
    pub skills: SkillFilter,
    /// Overrides the card's `capabilities.streaming`.
    pub streaming: Option<bool>,
    pub request_timeout: Duration,
    pub stream_idle_timeout: Duration,
    /// Default wait budget for this agent's calls.
    pub wait: Duration,
    /// Whether running out of the wait budget also cancels the A2A task (default: it keeps running).
    pub cancel_on_timeout: bool,
    /// Extra headers and credentials, sent with every request (card fetches included). Credential values
    /// are marked sensitive.
    pub headers: HeaderMap,
    /// OAuth2 client credentials (`auth.type = "oauth2"`): the token is fetched at run time.
    pub oauth2: Option<OAuth2Config>,
}

/// An OAuth2 client-credentials grant.
#[derive(Debug, Clone)]
pub struct OAuth2Config {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub scopes: Vec<String>,
}

/// Which skills become tools: `include` (if not empty) keeps only those ids, then `exclude` drops ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SkillFilter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl SkillFilter {
    pub fn allows(&self, skill_id: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|s| s == skill_id))
            && !self.exclude.iter().any(|s| s == skill_id)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgent {
    name: String,
    url: String,
    card_url: Option<String>,
    endpoint: Option<String>,
    protocol: Option<String>,
    description: Option<String>,
    #[serde(default)]
    skills: RawSkills,
    streaming: Option<bool>,
    request_timeout_secs: Option<f64>,
    stream_idle_timeout_secs: Option<f64>,
    wait_seconds: Option<f64>,
    cancel_on_timeout: Option<bool>,
    #[serde(default)]
    headers: BTreeMap<String, RawHeader>,
    auth: Option<RawAuth>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSkills {
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

/// A header value: plain text, or a secret reference `{ env = "VAR" }` / `{ file = "path" }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawHeader {
    Plain(String),
    Secret(RawHeaderSecret),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeaderSecret {
    env: Option<String>,
    file: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    #[serde(rename = "type")]
    kind: String,
    token_env: Option<String>,
    token_file: Option<PathBuf>,
    header: Option<String>,
    key_env: Option<String>,
    key_file: Option<PathBuf>,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    token_url: Option<String>,
    client_id: Option<String>,
    client_secret_env: Option<String>,
    client_secret_file: Option<PathBuf>,
    #[serde(default)]
    scopes: Vec<String>,
}

impl RawAgent {
    pub(super) fn validate(
        self,
        key: &str,
        bridge: &BridgeSettings,
        dir: &Path,
    ) -> Result<AgentConfig, KeyError> {
        let k = |field: &str| format!("{key}.{field}");
        if self.name.is_empty()
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err((
                k("name"),
                format!(
                    "{:?}: use letters, digits, '_' or '-' (the name becomes part of tool names)",
                    self.name
                ),
            ));
        }
        check_url(&self.url).map_err(|m| (k("url"), m))?;
        if let Some(u) = &self.card_url {
            check_url(u).map_err(|m| (k("card_url"), m))?;
        }
        if let Some(u) = &self.endpoint {
            check_url(u).map_err(|m| (k("endpoint"), m))?;
        }
        let protocol = match self.protocol.as_deref() {
            None | Some("auto") => None,
            Some("0.3") => Some(ProtocolVersion::V0_3),
            Some("1.0") => Some(ProtocolVersion::V1_0),
            Some(other) => {
                return Err((
                    k("protocol"),
                    format!("expected \"auto\", \"0.3\" or \"1.0\", got {other:?}"),
                ));
            }
        };

        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let hk = format!("{key}.headers.{name}");
            let header_name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| (hk.clone(), format!("{name:?} is not a valid header name")))?;
            let (value, sensitive) = match value {
                RawHeader::Plain(v) => (v.clone(), false),
                RawHeader::Secret(s) => {
                    let source = one_source(s.env.clone(), s.file.clone(), "")
                        .map_err(|_| (hk.clone(), "give exactly one of env or file".into()))?;
                    let secret = source.resolve(dir).map_err(|m| (hk.clone(), m))?;
                    (secret.expose().to_owned(), true)
                }
            };
            headers.insert(header_name, header_value(&value, sensitive, &hk)?);
        }
        let mut oauth2 = None;
        if let Some(auth) = self.auth {
            if auth.kind == "oauth2" {
                oauth2 = Some(auth.into_oauth2(&k("auth"), dir)?);
            } else if let Some((name, value)) = auth.into_header(&k("auth"), dir)? {
                headers.insert(name, value);
            }
        }

        let request_timeout = seconds(self.request_timeout_secs, &k("request_timeout_secs"))?
            .unwrap_or(bridge.request_timeout);
        let stream_idle_timeout = seconds(
            self.stream_idle_timeout_secs,
            &k("stream_idle_timeout_secs"),
        )?
        .unwrap_or(bridge.stream_idle_timeout);
        let wait = seconds(self.wait_seconds, &k("wait_seconds"))?.unwrap_or(bridge.wait);
        if wait > bridge.max_wait {
            return Err((
                k("wait_seconds"),
                format!(
                    "{}s is more than bridge.max_wait_seconds ({}s)",
                    wait.as_secs_f64(),
                    bridge.max_wait.as_secs_f64()
                ),
            ));
        }
        Ok(AgentConfig {
            name: self.name,
            url: self.url,
            card_url: self.card_url,
            endpoint: self.endpoint,
            protocol,
            description: self.description,
            skills: SkillFilter {
                include: self.skills.include,
                exclude: self.skills.exclude,
            },
            streaming: self.streaming,
            request_timeout,
            stream_idle_timeout,
            wait,
            cancel_on_timeout: self.cancel_on_timeout.unwrap_or(false),
            headers,
            oauth2,
        })
    }
}

impl RawAuth {
    /// The client-credentials grant of `type = "oauth2"`.
    fn into_oauth2(self, key: &str, dir: &Path) -> Result<OAuth2Config, KeyError> {
        for (name, present) in [
            ("token_env", self.token_env.is_some()),
            ("token_file", self.token_file.is_some()),
            ("header", self.header.is_some()),
            ("username", self.username.is_some()),
        ] {
            if present {
                return Err((
                    format!("{key}.{name}"),
                    "not used by auth type \"oauth2\"".into(),
                ));
            }
        }
        let token_url = self.token_url.ok_or_else(|| {
            (
                format!("{key}.token_url"),
                "required for auth type \"oauth2\"".into(),
            )
        })?;
        check_url(&token_url).map_err(|m| (format!("{key}.token_url"), m))?;
        let client_id = self.client_id.filter(|c| !c.is_empty()).ok_or_else(|| {
            (
                format!("{key}.client_id"),
                "required for auth type \"oauth2\"".into(),
            )
        })?;
        let source = one_source(
            self.client_secret_env,
            self.client_secret_file,
            "client_secret",
        )
        .map_err(|m| (format!("{key}.client_secret_env"), m))?;
        let field = match &source {
            SecretSource::Env(_) => format!("{key}.client_secret_env"),
            SecretSource::File(_) => format!("{key}.client_secret_file"),
        };
        let client_secret = source.resolve(dir).map_err(|m| (field, m))?;
        Ok(OAuth2Config {
            token_url,
            client_id,
            client_secret,
            scopes: self.scopes,
        })
    }

    /// The header this auth method sends, with its secret resolved.
    fn into_header(
        self,
        key: &str,
        dir: &Path,
    ) -> Result<Option<(HeaderName, HeaderValue)>, KeyError> {
        let resolve = |env: Option<String>, file: Option<PathBuf>, what: &str| {
            let field = format!("{key}.{what}");
            let source =
                one_source(env, file, what).map_err(|m| (format!("{key}.{what}_env"), m))?;
            let field = match &source {
                SecretSource::Env(_) => format!("{field}_env"),
                SecretSource::File(_) => format!("{field}_file"),
            };
            source.resolve(dir).map_err(|m| (field, m))
        };
        let unexpected = |fields: &[(&str, bool)]| -> Result<(), KeyError> {
            for (name, present) in fields {
                if *present {
                    return Err((
                        format!("{key}.{name}"),
                        format!("not used by auth type {:?}", self.kind),
                    ));
                }
            }
            Ok(())
        };
        let auth_header = http::header::AUTHORIZATION;
        match self.kind.as_str() {
            "none" => {
                unexpected(&[
                    ("token_env", self.token_env.is_some()),
                    ("token_file", self.token_file.is_some()),
                    ("header", self.header.is_some()),
                    ("key_env", self.key_env.is_some()),
                    ("username", self.username.is_some()),
                ])?;
                Ok(None)
            }
            "bearer" => {
                unexpected(&[
                    ("header", self.header.is_some()),
                    ("username", self.username.is_some()),
                ])?;
                let token = resolve(self.token_env.clone(), self.token_file.clone(), "token")?;
                let value = header_value(
                    &format!("Bearer {}", token.expose()),
                    true,
                    &format!("{key}.token"),
                )?;
                Ok(Some((auth_header, value)))
            }
            "api_key" => {
                unexpected(&[
                    ("token_env", self.token_env.is_some()),
                    ("username", self.username.is_some()),
                ])?;
                let header = self.header.clone().unwrap_or_else(|| "X-API-Key".into());
                let name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
                    (
                        format!("{key}.header"),
                        format!("{header:?} is not a valid header name"),
                    )
                })?;
                let secret = resolve(self.key_env.clone(), self.key_file.clone(), "key")?;
                Ok(Some((
                    name,
                    header_value(secret.expose(), true, &format!("{key}.key"))?,
                )))
            }
            "basic" => {
                unexpected(&[
                    ("token_env", self.token_env.is_some()),
                    ("header", self.header.is_some()),
                ])?;
                let user = self.username.clone().ok_or_else(|| {
                    (
                        format!("{key}.username"),
                        "required for auth type \"basic\"".into(),
                    )
                })?;
                let password = resolve(
                    self.password_env.clone(),
                    self.password_file.clone(),
                    "password",
                )?;
                let encoded = base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", password.expose()));
                Ok(Some((
                    auth_header,
                    header_value(
                        &format!("Basic {encoded}"),
                        true,
                        &format!("{key}.password"),
                    )?,
                )))
            }
            other => Err((
                format!("{key}.type"),
                format!(
                    "expected \"none\", \"bearer\", \"api_key\", \"basic\" or \"oauth2\", got {other:?}"
                ),
            )),
        }
    }
}

fn header_value(value: &str, sensitive: bool, key: &str) -> Result<HeaderValue, KeyError> {
    let mut v = HeaderValue::from_str(value).map_err(|_| {
        (
            key.to_owned(),
            "the value contains characters not allowed in an HTTP header".into(),
        )
    })?;
    v.set_sensitive(sensitive);
    Ok(v)
}

fn check_url(u: &str) -> Result<(), String> {
    match url::Url::parse(u) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(())
        }
        Ok(_) => Err(format!("expected an absolute http(s) URL, got {u:?}")),
        Err(e) => Err(format!("expected an absolute http(s) URL, got {u:?} ({e})")),
    }
}
