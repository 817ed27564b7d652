//! One `[[agents]]` entry: where the agent is, how to authenticate, which skills to expose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

use super::secret::{Secret, SecretSource, one_source};
use super::{BridgeSettings, seconds};
use crate::a2a::{Binding, ProtocolVersion};

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
    /// `None` = pick from the card (prefer 1.0, else 0.3; the pre-0.2 draft from the card's shape).
    pub protocol: Option<ProtocolVersion>,
    /// `None` = JSON-RPC when the card offers it, else HTTP+JSON (`binding`).
    pub binding: Option<Binding>,
    /// Replaces the card's description in tool descriptions.
    pub description: Option<String>,
    /// What skill tool names start with (`{tool_prefix}_{skill}`): the agent's name unless set; may be empty.
    pub tool_prefix: Option<String>,
    pub skills: SkillFilter,
    /// How the agent appears in `tools/list` (`expose`); `None` follows `bridge.tool_mode`.
    pub expose: Option<Expose>,
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
    /// `auth.type = "api_key"` without `header`: the key is sent as `X-API-Key` until the card's API-key scheme
    /// names another header, which is then used for the agent's requests.
    pub api_key_header_from_card: bool,
    /// Origins (`scheme://host:port`) besides those of `url`, `card_url`, `endpoint` and the OAuth2
    /// `token_url` where the card may send this agent's requests, credentials included.
    pub allowed_origins: Vec<url::Origin>,
    /// Whether the card may point at link-local and cloud metadata addresses.
    pub allow_link_local: bool,
    /// Most bytes of one answer (a JSON body, one stream event).
    pub max_response_bytes: usize,
    /// Most bytes of one task's output kept while following it.
    pub max_output_bytes: usize,
    /// Most bytes of one file a call sends this agent, and of all its files together.
    pub max_file_bytes: usize,
}

impl AgentConfig {
    /// Every origin the user named for this agent: `url`, `card_url`, `endpoint`, the OAuth2 `token_url` and
    /// `allowed_origins`. Credentials go nowhere else.
    pub fn configured_origins(&self) -> Vec<url::Origin> {
        let mut origins: Vec<url::Origin> = [
            Some(self.url.as_str()),
            self.card_url.as_deref(),
            self.endpoint.as_deref(),
            self.oauth2.as_ref().and_then(|o| o.token_url.as_deref()),
        ]
        .into_iter()
        .flatten()
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.origin())
        .collect();
        for o in &self.allowed_origins {
            if !origins.contains(o) {
                origins.push(o.clone());
            }
        }
        origins
    }

    /// Whether any credential is configured: a secret header, `auth`, or OAuth2.
    pub fn has_credentials(&self) -> bool {
        self.oauth2.is_some() || self.headers.values().any(HeaderValue::is_sensitive)
    }
}

/// An OAuth2 client-credentials grant.
#[derive(Debug, Clone)]
pub struct OAuth2Config {
    /// `None`: taken from the agent card's OAuth2 client-credentials flow (`a2a::card_auth`), which must be on
    /// one of the agent's configured origins.
    pub token_url: Option<String>,
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

/// How one agent appears in `tools/list` (`[[agents]] expose`). Set, it holds in every `tool_mode`; unset,
/// the agent's skills are tools in skills mode and are found through `find_skills` in compact mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expose {
    /// One tool per skill.
    Skills,
    /// One tool for the whole agent (the message goes to the agent without a skill id).
    Agent,
    /// No tool of its own: reachable through `send_message`, and found by `find_skills`.
    None,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgent {
    name: String,
    url: String,
    card_url: Option<String>,
    endpoint: Option<String>,
    protocol: Option<String>,
    binding: Option<String>,
    description: Option<String>,
    tool_prefix: Option<String>,
    #[serde(default)]
    skills: RawSkills,
    expose: Option<Expose>,
    streaming: Option<bool>,
    request_timeout_secs: Option<f64>,
    stream_idle_timeout_secs: Option<f64>,
    wait_seconds: Option<f64>,
    cancel_on_timeout: Option<bool>,
    #[serde(default)]
    headers: BTreeMap<String, RawHeader>,
    auth: Option<RawAuth>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    allow_link_local: Option<bool>,
    max_response_bytes: Option<usize>,
    max_output_bytes: Option<usize>,
    max_file_bytes: Option<usize>,
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

/// `auth = { type = "…", … }`: each type takes only its own keys, so serde names any other key as unknown.
#[derive(Debug, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    deny_unknown_fields,
    expecting = "a table such as { type = \"bearer\", token_env = \"VAR\" }"
)]
enum RawAuth {
    None {},
    Bearer {
        token_env: Option<String>,
        token_file: Option<PathBuf>,
    },
    ApiKey {
        header: Option<String>,
        key_env: Option<String>,
        key_file: Option<PathBuf>,
    },
    Basic {
        username: Option<String>,
        password_env: Option<String>,
        password_file: Option<PathBuf>,
    },
    /// OAuth2 client credentials.
    Oauth2 {
        token_url: Option<String>,
        client_id: Option<String>,
        client_secret_env: Option<String>,
        client_secret_file: Option<PathBuf>,
        #[serde(default)]
        scopes: Vec<String>,
    },
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
        if let Some(prefix) = &self.tool_prefix
            && !prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err((
                k("tool_prefix"),
                format!("{prefix:?}: use letters, digits, '_' or '-', or \"\" for none"),
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
            Some("draft") => Some(ProtocolVersion::Draft),
            Some(other) => {
                return Err((
                    k("protocol"),
                    format!("expected \"auto\", \"0.3\", \"1.0\" or \"draft\", got {other:?}"),
                ));
            }
        };
        let binding = match self.binding.as_deref() {
            None | Some("auto") => None,
            Some("jsonrpc") => Some(Binding::JsonRpc),
            Some("http+json") => Some(Binding::HttpJson),
            Some(other) => {
                return Err((
                    k("binding"),
                    format!("expected \"auto\", \"jsonrpc\" or \"http+json\", got {other:?}"),
                ));
            }
        };
        if protocol == Some(ProtocolVersion::Draft) && binding == Some(Binding::HttpJson) {
            return Err((
                k("binding"),
                "the pre-0.2 draft (protocol = \"draft\") has only the JSON-RPC binding".into(),
            ));
        }

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
        let api_key_header_from_card =
            matches!(&self.auth, Some(RawAuth::ApiKey { header: None, .. }));
        match self
            .auth
            .map(|auth| auth.resolve(&k("auth"), dir))
            .transpose()?
            .flatten()
        {
            Some(Auth::Header(name, value)) => {
                headers.insert(name, value);
            }
            Some(Auth::OAuth2(config)) => oauth2 = Some(config),
            None => {}
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
        let mut allowed_origins = Vec::new();
        for (i, o) in self.allowed_origins.iter().enumerate() {
            allowed_origins
                .push(parse_origin(o).map_err(|m| (format!("{key}.allowed_origins[{i}]"), m))?);
        }
        let max_response_bytes =
            super::positive(self.max_response_bytes, &k("max_response_bytes"))?
                .unwrap_or(bridge.max_response_bytes);
        let max_output_bytes = super::positive(self.max_output_bytes, &k("max_output_bytes"))?
            .unwrap_or(bridge.max_output_bytes);
        let max_file_bytes = super::positive(self.max_file_bytes, &k("max_file_bytes"))?
            .unwrap_or(bridge.max_file_bytes);
        Ok(AgentConfig {
            name: self.name,
            url: self.url,
            card_url: self.card_url,
            endpoint: self.endpoint,
            protocol,
            binding,
            description: self.description,
            tool_prefix: self.tool_prefix,
            skills: SkillFilter {
                include: self.skills.include,
                exclude: self.skills.exclude,
            },
            expose: self.expose,
            streaming: self.streaming,
            request_timeout,
            stream_idle_timeout,
            wait,
            cancel_on_timeout: self.cancel_on_timeout.unwrap_or(false),
            headers,
            oauth2,
            api_key_header_from_card,
            allowed_origins,
            allow_link_local: self.allow_link_local.unwrap_or(bridge.allow_link_local),
            max_response_bytes,
            max_output_bytes,
            max_file_bytes,
        })
    }
}

/// An `allowed_origins` entry: `scheme://host[:port]`, nothing after it.
fn parse_origin(text: &str) -> Result<url::Origin, String> {
    let parsed = url::Url::parse(text).map_err(|e| {
        format!("expected an origin such as \"https://host:8443\", got {text:?} ({e})")
    })?;
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host().is_none()
        || parsed.path() != "/"
        || parsed.query().is_some()
        || !parsed.username().is_empty()
    {
        return Err(format!(
            "expected an origin such as \"https://host:8443\" (scheme, host and port only), got {text:?}"
        ));
    }
    Ok(parsed.origin())
}

/// The header an API key goes in when neither the config nor the card names one.
pub const DEFAULT_API_KEY_HEADER: &str = "X-API-Key";

/// What an `auth` table comes to once its secret is resolved.
enum Auth {
    /// A header sent with every request.
    Header(HeaderName, HeaderValue),
    /// A token fetched at run time.
    OAuth2(OAuth2Config),
}

impl RawAuth {
    /// Checks the keys serde cannot (required ones, URLs, header names) and resolves the secret. `key` is the
    /// table's path (`agents[0].auth`); `None` for `type = "none"`.
    fn resolve(self, key: &str, dir: &Path) -> Result<Option<Auth>, KeyError> {
        let k = |field: &str| format!("{key}.{field}");
        let secret = |env: Option<String>, file: Option<PathBuf>, what: &str| {
            let source = one_source(env, file, what).map_err(|m| (k(&format!("{what}_env")), m))?;
            let field = match &source {
                SecretSource::Env(_) => k(&format!("{what}_env")),
                SecretSource::File(_) => k(&format!("{what}_file")),
            };
            source.resolve(dir).map_err(|m| (field, m))
        };
        let required = |value: Option<String>, field: &str, kind: &str| {
            value
                .filter(|v| !v.is_empty())
                .ok_or_else(|| (k(field), format!("required for auth type \"{kind}\"")))
        };
        let authorization = |value: String, field: &str| {
            let value = header_value(&value, true, &k(field))?;
            Ok(Some(Auth::Header(http::header::AUTHORIZATION, value)))
        };
        match self {
            RawAuth::None {} => Ok(None),
            RawAuth::Bearer {
                token_env,
                token_file,
            } => {
                let token = secret(token_env, token_file, "token")?;
                authorization(format!("Bearer {}", token.expose()), "token")
            }
            RawAuth::ApiKey {
                header,
                key_env,
                key_file,
            } => {
                let header = header.unwrap_or_else(|| DEFAULT_API_KEY_HEADER.into());
                let name = HeaderName::from_bytes(header.as_bytes()).map_err(|_| {
                    (
                        k("header"),
                        format!("{header:?} is not a valid header name"),
                    )
                })?;
                let secret = secret(key_env, key_file, "key")?;
                let value = header_value(secret.expose(), true, &k("key"))?;
                Ok(Some(Auth::Header(name, value)))
            }
            RawAuth::Basic {
                username,
                password_env,
                password_file,
            } => {
                let user = required(username, "username", "basic")?;
                let password = secret(password_env, password_file, "password")?;
                let encoded = base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", password.expose()));
                authorization(format!("Basic {encoded}"), "password")
            }
            RawAuth::Oauth2 {
                token_url,
                client_id,
                client_secret_env,
                client_secret_file,
                scopes,
            } => {
                // Left out: the agent card's client-credentials flow names it.
                let token_url = token_url.filter(|u| !u.is_empty());
                if let Some(url) = &token_url {
                    check_url(url).map_err(|m| (k("token_url"), m))?;
                }
                let client_id = required(client_id, "client_id", "oauth2")?;
                let client_secret = secret(client_secret_env, client_secret_file, "client_secret")?;
                Ok(Some(Auth::OAuth2(OAuth2Config {
                    token_url,
                    client_id,
                    client_secret,
                    scopes,
                })))
            }
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
