//! The TOML config: `RawConfig` (serde, as written) → `Config` (validated, secrets resolved).
//!
//! Read once at start-up; every error names the file and the key (`bridge.toml: agents[1].auth.token_env:
//! environment variable RESEARCH_TOKEN is not set`). Unknown keys are errors, so a typo never silently
//! falls back to a default. `bridge.example.toml` documents every key.

mod agent;
mod secret;
mod server;
mod telemetry;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub use agent::{AgentConfig, DEFAULT_API_KEY_HEADER, Expose, OAuth2Config, SkillFilter};
pub use secret::{Secret, SecretSource};
pub use server::{ServerSettings, is_loopback};
pub use telemetry::TelemetrySettings;

/// Default time for one unary request to an agent.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time for fetching an agent card; short, since start-up waits on it.
pub const DEFAULT_CARD_TIMEOUT: Duration = Duration::from_secs(10);
/// Default longest silence on an event stream. Agents send keep-alive comments (a2a-sdk: every 15 s), and the
/// bridge recovers a stalled stream by polling, so this only catches dead connections.
pub const DEFAULT_STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// Default wait budget of one tool call: under the ~60 s after which desktop clients give up on a call.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(45);
/// Default cap on a per-call `wait_seconds`.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(600);
/// Progress heartbeat while the agent is silent: keeps clients that reset their timeout on progress alive,
/// and keeps HTTP sessions from idling out.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(10);
/// Longest pause between attempts to fetch the card of an agent that is down.
pub const DEFAULT_CARD_RETRY_MAX: Duration = Duration::from_secs(60);

/// A config problem: where (file and key) and what.
#[derive(Debug, thiserror::Error)]
#[error("{}: {}{message}", .file.display(), .key.as_deref().map(|k| format!("{k}: ")).unwrap_or_default())]
pub struct ConfigError {
    pub file: PathBuf,
    pub key: Option<String>,
    pub message: String,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from.
    pub path: PathBuf,
    pub bridge: BridgeSettings,
    pub agents: Vec<AgentConfig>,
    /// How to serve MCP over HTTP (`[server]`).
    pub server: ServerSettings,
    /// OpenTelemetry export and `/metrics` (`[telemetry]`).
    pub telemetry: TelemetrySettings,
}

/// Settings that apply to every agent unless the agent overrides them.
#[derive(Debug, Clone)]
pub struct BridgeSettings {
    pub request_timeout: Duration,
    pub card_timeout: Duration,
    pub stream_idle_timeout: Duration,
    pub wait: Duration,
    pub max_wait: Duration,
    pub heartbeat: Duration,
    pub card_retry_max: Duration,
    /// Re-fetch reachable agents' cards this often, announcing changed skills with `tools/list_changed`.
    pub card_refresh: Option<Duration>,
    /// Text longer than this (in characters) is cut in tool results, with a note saying so.
    pub max_result_chars: usize,
    /// Longest generated tool name, in characters (`max_tool_name_length`).
    pub max_tool_name_len: usize,
    /// Most bytes of one answer from an agent (a JSON body, one stream event); agents may override it.
    pub max_response_bytes: usize,
    /// Most bytes of one task's output (artifacts) kept while following it; agents may override it.
    pub max_output_bytes: usize,
    /// Skills of one card that become tools; the rest are left out with a warning.
    pub max_skills_per_agent: usize,
    /// Card and skill descriptions are cut to this many characters (tool descriptions, `list_agents`).
    pub max_description_chars: usize,
    /// Whether a card (or a redirect) may send the bridge to link-local and cloud metadata addresses;
    /// agents may override it.
    pub allow_link_local: bool,
    /// One tool per skill, a compact list with `find_skills`, or compact past `compact_above_tools`.
    pub tool_mode: ToolMode,
    /// In `auto` mode: a skills-mode list of more tools than this is replaced by the compact one.
    pub compact_above_tools: usize,
    /// Most tools in one `tools/list` page; the rest follow through `nextCursor`.
    pub tools_page_size: usize,
    /// Most bytes of one file a call sends an agent, and of all its files together (`max_file_bytes`);
    /// agents may override it.
    pub max_file_bytes: usize,
    /// Directories whose files a call may send by `file://` URI over stdio (`file_roots`): `~` expanded,
    /// relative paths taken from the config file's directory; canonicalized when a call uses them.
    pub file_roots: Vec<PathBuf>,
    /// An artifact whose text is longer than this (in characters), or a file part with more bytes, is not
    /// inlined in a tool result: a summary and a resource link stand in for it (default: `max_result_chars`).
    pub inline_artifact_chars: usize,
    /// Most bytes of one `tasks/get` answer read for `read_artifact` and `resources/read` of an artifact,
    /// which stream it and keep one page (unlike `max_response_bytes`, which bounds answers held whole).
    pub max_artifact_bytes: usize,
    /// Longest time one such read may take, response head included.
    pub artifact_timeout: Duration,
}

/// What `tools/list` holds (`bridge.tool_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolMode {
    /// One tool per skill of every agent (and one per agent without skills).
    Skills,
    /// The generic tools and `find_skills`: a few kilobytes however many agents there are. Agents with an
    /// explicit `expose` keep their tools.
    Compact,
    /// `skills` while the list has at most `compact_above_tools` tools, else `compact`.
    #[default]
    Auto,
}

/// Default `compact_above_tools`: past a few dozen tools, models pick worse and hosts start warning.
pub const DEFAULT_COMPACT_ABOVE_TOOLS: usize = 40;
/// Default `tools_page_size`: large enough that clients that do not page see a whole skills-mode list of
/// a usual config.
pub const DEFAULT_TOOLS_PAGE_SIZE: usize = 500;

/// Default `max_file_bytes` (2 MiB): a few photos or a short PDF, while the base64 of a whole call's files (4/3
/// of it, 2.7 MiB) with room to spare fits both the 4 MiB `max_response_bytes` (a2a-sdk agents echo the
/// user's message, base64 included, in their stream events and task history) and the 4 MiB
/// `[server] max_body_bytes` of a call over Streamable HTTP.
pub const DEFAULT_MAX_FILE_BYTES: usize = 2 << 20;
/// Room for the JSON around a call's files (the message, the task, the JSON-RPC envelope) when checking that
/// `max_file_bytes` fits `max_response_bytes` and `max_body_bytes` (`Config::warnings`).
const FILE_MARGIN_BYTES: usize = 64 << 10;

/// The bytes of `n` bytes written as base64 (RFC 4648 §4, padded).
pub fn base64_len(n: usize) -> usize {
    n.div_ceil(3).saturating_mul(4)
}
/// Default `max_artifact_bytes`: artifacts of a few hundred megabytes are read in pages.
pub const DEFAULT_MAX_ARTIFACT_BYTES: usize = 256 << 20;
/// Default `artifact_timeout_secs`: 256 MiB at about 1 MB/s.
pub const DEFAULT_ARTIFACT_TIMEOUT: Duration = Duration::from_secs(300);

/// Default cap on a tool result's text, so one agent's huge artifact cannot flood the model's context.
pub const DEFAULT_MAX_RESULT_CHARS: usize = 100_000;
/// Default cap on one answer from an agent: a JSON body or one stream event.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 << 20;
/// Default cap on one task's accumulated output (artifacts).
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 4 << 20;
/// Default cap on skills per agent: past a hundred tools, clients slow down and models pick worse.
pub const DEFAULT_MAX_SKILLS_PER_AGENT: usize = 100;
/// Default cap on a card's or skill's description, in characters.
pub const DEFAULT_MAX_DESCRIPTION_CHARS: usize = 2_000;

/// Default longest tool name. Hosts put the server's name in front of a tool's: Claude Code calls it
/// `mcp__{server}__{tool}` and the model APIs reject names over 64 characters, so 64 − len("mcp__") −
/// len("__") = 57 remain for server and tool; Cursor drops tools whose server and tool names together exceed
/// 60. 40 leaves 17 characters for the server's name in Claude Code (`mcp-a2a-bridge` is 14) and 20 in Cursor.
pub const DEFAULT_MAX_TOOL_NAME_LEN: usize = 40;
/// Bounds of `max_tool_name_length`: room for a word and the hash suffix; 128 is MCP's own limit (SEP-986).
pub const TOOL_NAME_LEN_RANGE: std::ops::RangeInclusive<usize> = 16..=128;

impl Default for BridgeSettings {
    fn default() -> Self {
        BridgeSettings {
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            card_timeout: DEFAULT_CARD_TIMEOUT,
            stream_idle_timeout: DEFAULT_STREAM_IDLE_TIMEOUT,
            wait: DEFAULT_WAIT,
            max_wait: DEFAULT_MAX_WAIT,
            heartbeat: DEFAULT_HEARTBEAT,
            card_retry_max: DEFAULT_CARD_RETRY_MAX,
            card_refresh: None,
            max_result_chars: DEFAULT_MAX_RESULT_CHARS,
            max_tool_name_len: DEFAULT_MAX_TOOL_NAME_LEN,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_output_bytes: DEFAULT_MAX_OUTPUT_BYTES,
            max_skills_per_agent: DEFAULT_MAX_SKILLS_PER_AGENT,
            max_description_chars: DEFAULT_MAX_DESCRIPTION_CHARS,
            allow_link_local: false,
            tool_mode: ToolMode::Auto,
            compact_above_tools: DEFAULT_COMPACT_ABOVE_TOOLS,
            tools_page_size: DEFAULT_TOOLS_PAGE_SIZE,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            file_roots: Vec::new(),
            inline_artifact_chars: DEFAULT_MAX_RESULT_CHARS,
            max_artifact_bytes: DEFAULT_MAX_ARTIFACT_BYTES,
            artifact_timeout: DEFAULT_ARTIFACT_TIMEOUT,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    bridge: RawBridge,
    #[serde(default)]
    server: server::RawServer,
    #[serde(default)]
    telemetry: telemetry::RawTelemetry,
    #[serde(default)]
    agents: Vec<agent::RawAgent>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBridge {
    request_timeout_secs: Option<f64>,
    card_timeout_secs: Option<f64>,
    stream_idle_timeout_secs: Option<f64>,
    wait_seconds: Option<f64>,
    max_wait_seconds: Option<f64>,
    heartbeat_secs: Option<f64>,
    card_retry_max_secs: Option<f64>,
    card_refresh_secs: Option<f64>,
    max_result_chars: Option<usize>,
    max_tool_name_length: Option<usize>,
    max_response_bytes: Option<usize>,
    max_output_bytes: Option<usize>,
    max_skills_per_agent: Option<usize>,
    max_description_chars: Option<usize>,
    allow_link_local: Option<bool>,
    tool_mode: Option<ToolMode>,
    compact_above_tools: Option<usize>,
    tools_page_size: Option<usize>,
    max_file_bytes: Option<usize>,
    #[serde(default)]
    file_roots: Vec<String>,
    inline_artifact_chars: Option<usize>,
    max_artifact_bytes: Option<usize>,
    artifact_timeout_secs: Option<f64>,
}

impl Config {
    /// Reads, parses and validates `path`, resolving every secret reference.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_owned(),
            key: None,
            message: format!("cannot read the config file: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Start-up warnings (each naming the file and keys) for settings that are valid but work against each
    /// other or against the machine: `max_file_bytes` whose base64 does not fit `max_response_bytes` (agents
    /// that echo the message in their events) or, when serving Streamable HTTP (`http`), `[server]
    /// max_body_bytes`; a `file_roots` directory that does not exist (yet).
    pub fn warnings(&self, http: bool) -> Vec<String> {
        let file = self.path.display();
        let mut out = Vec::new();
        // One warning for the agents that take the [bridge] values, one per agent that sets its own.
        let bridge = &self.bridge;
        let mut bridge_response = false;
        let mut bridge_body = false;
        for (i, agent) in self.agents.iter().enumerate() {
            let needed = base64_len(agent.max_file_bytes).saturating_add(FILE_MARGIN_BYTES);
            let own = agent.max_file_bytes != bridge.max_file_bytes
                || agent.max_response_bytes != bridge.max_response_bytes;
            let (file_key, response_key) = if own {
                (
                    format!("agents[{i}].max_file_bytes"),
                    format!("agents[{i}].max_response_bytes"),
                )
            } else {
                (
                    "bridge.max_file_bytes".to_owned(),
                    "bridge.max_response_bytes".to_owned(),
                )
            };
            if needed > agent.max_response_bytes
                && (own || !std::mem::replace(&mut bridge_response, true))
            {
                out.push(format!(
                    "{file}: {file_key} ({}) as base64 does not fit {response_key} ({}); an agent that echoes \
                     the message in its events will fail on large files: lower max_file_bytes or raise \
                     max_response_bytes to at least {needed}",
                    agent.max_file_bytes, agent.max_response_bytes
                ));
            }
            let own = agent.max_file_bytes != bridge.max_file_bytes;
            if http
                && needed > self.server.max_body_bytes
                && (own || !std::mem::replace(&mut bridge_body, true))
            {
                let file_key = if own {
                    format!("agents[{i}].max_file_bytes")
                } else {
                    "bridge.max_file_bytes".to_owned()
                };
                out.push(format!(
                    "{file}: {file_key} ({}) as base64 does not fit server.max_body_bytes ({}); over HTTP \
                     large files are refused with 413: lower max_file_bytes or raise server.max_body_bytes to \
                     at least {needed}",
                    agent.max_file_bytes, self.server.max_body_bytes
                ));
            }
        }
        for (i, root) in self.bridge.file_roots.iter().enumerate() {
            if !root.is_dir() {
                out.push(format!(
                    "{file}: bridge.file_roots[{i}]: {} is not a directory (yet); no file:// URI under it is \
                     sent until it exists",
                    root.display()
                ));
            }
        }
        out
    }

    /// Parses and validates config text; `path` names it in errors and anchors relative secret files.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let err = |key: Option<String>, message: String| ConfigError {
            file: path.to_owned(),
            key,
            message,
        };
        let de = toml::Deserializer::parse(text).map_err(|e| err(None, describe_toml(&e, text)))?;
        let raw: RawConfig = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            let key = (key != "." && !key.is_empty()).then_some(key);
            err(key, describe_toml(e.inner(), text))
        })?;

        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let bridge = validate_bridge(&raw.bridge, &dir).map_err(|(k, m)| err(Some(k), m))?;
        let server = raw
            .server
            .validate(&dir)
            .map_err(|(k, m)| err(Some(k), m))?;
        let telemetry = raw
            .telemetry
            .validate(&dir)
            .map_err(|(k, m)| err(Some(k), m))?;
        if raw.agents.is_empty() {
            return Err(err(
                Some("agents".into()),
                "no agents configured: add at least one [[agents]] table with a name and url"
                    .into(),
            ));
        }
        let mut agents: Vec<AgentConfig> = Vec::with_capacity(raw.agents.len());
        for (i, raw_agent) in raw.agents.into_iter().enumerate() {
            let key = format!("agents[{i}]");
            let agent = raw_agent
                .validate(&key, &bridge, &dir)
                .map_err(|(k, m)| err(Some(k), m))?;
            if let Some(prev) = agents
                .iter()
                .position(|a| a.name.eq_ignore_ascii_case(&agent.name))
            {
                return Err(err(
                    Some(format!("{key}.name")),
                    format!(
                        "{:?} is already the name of agents[{prev}]; agent names must be unique",
                        agent.name
                    ),
                ));
            }
            agents.push(agent);
        }
        Ok(Config {
            path: path.to_owned(),
            bridge,
            agents,
            server,
            telemetry,
        })
    }
}

/// A positive number of seconds → `Duration`, or the error for `key`.
pub(crate) fn seconds(value: Option<f64>, key: &str) -> Result<Option<Duration>, (String, String)> {
    match value {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(crate::time::secs_checked(s)),
        Some(s) => Err((
            key.to_owned(),
            format!("expected a positive number of seconds, got {s}"),
        )),
    }
}

/// A count or size that must be greater than zero, or the error for `key`.
pub(crate) fn positive(value: Option<usize>, key: &str) -> Result<Option<usize>, (String, String)> {
    match value {
        Some(0) => Err((key.to_owned(), "must be greater than zero".into())),
        other => Ok(other),
    }
}

fn validate_bridge(raw: &RawBridge, dir: &Path) -> Result<BridgeSettings, (String, String)> {
    let d = BridgeSettings::default();
    let settings = BridgeSettings {
        request_timeout: seconds(raw.request_timeout_secs, "bridge.request_timeout_secs")?
            .unwrap_or(d.request_timeout),
        card_timeout: seconds(raw.card_timeout_secs, "bridge.card_timeout_secs")?
            .unwrap_or(d.card_timeout),
        stream_idle_timeout: seconds(
            raw.stream_idle_timeout_secs,
            "bridge.stream_idle_timeout_secs",
        )?
        .unwrap_or(d.stream_idle_timeout),
        wait: seconds(raw.wait_seconds, "bridge.wait_seconds")?.unwrap_or(d.wait),
        max_wait: seconds(raw.max_wait_seconds, "bridge.max_wait_seconds")?.unwrap_or(d.max_wait),
        heartbeat: seconds(raw.heartbeat_secs, "bridge.heartbeat_secs")?.unwrap_or(d.heartbeat),
        card_retry_max: seconds(raw.card_retry_max_secs, "bridge.card_retry_max_secs")?
            .unwrap_or(d.card_retry_max),
        card_refresh: seconds(raw.card_refresh_secs, "bridge.card_refresh_secs")?,
        max_result_chars: positive(raw.max_result_chars, "bridge.max_result_chars")?
            .unwrap_or(d.max_result_chars),
        max_response_bytes: positive(raw.max_response_bytes, "bridge.max_response_bytes")?
            .unwrap_or(d.max_response_bytes),
        max_output_bytes: positive(raw.max_output_bytes, "bridge.max_output_bytes")?
            .unwrap_or(d.max_output_bytes),
        max_skills_per_agent: positive(raw.max_skills_per_agent, "bridge.max_skills_per_agent")?
            .unwrap_or(d.max_skills_per_agent),
        max_description_chars: positive(raw.max_description_chars, "bridge.max_description_chars")?
            .unwrap_or(d.max_description_chars),
        allow_link_local: raw.allow_link_local.unwrap_or(d.allow_link_local),
        tool_mode: raw.tool_mode.unwrap_or(d.tool_mode),
        compact_above_tools: raw.compact_above_tools.unwrap_or(d.compact_above_tools),
        tools_page_size: positive(raw.tools_page_size, "bridge.tools_page_size")?
            .unwrap_or(d.tools_page_size),
        max_file_bytes: positive(raw.max_file_bytes, "bridge.max_file_bytes")?
            .unwrap_or(d.max_file_bytes),
        file_roots: raw
            .file_roots
            .iter()
            .enumerate()
            .map(|(i, r)| file_root(r, dir).map_err(|m| (format!("bridge.file_roots[{i}]"), m)))
            .collect::<Result<_, _>>()?,
        inline_artifact_chars: positive(raw.inline_artifact_chars, "bridge.inline_artifact_chars")?
            .or(raw.max_result_chars)
            .unwrap_or(d.inline_artifact_chars),
        max_artifact_bytes: positive(raw.max_artifact_bytes, "bridge.max_artifact_bytes")?
            .unwrap_or(d.max_artifact_bytes),
        artifact_timeout: seconds(raw.artifact_timeout_secs, "bridge.artifact_timeout_secs")?
            .unwrap_or(d.artifact_timeout),
        max_tool_name_len: match raw.max_tool_name_length {
            Some(n) if !TOOL_NAME_LEN_RANGE.contains(&n) => {
                return Err((
                    "bridge.max_tool_name_length".into(),
                    format!(
                        "{n} is outside {}..={}",
                        TOOL_NAME_LEN_RANGE.start(),
                        TOOL_NAME_LEN_RANGE.end()
                    ),
                ));
            }
            Some(n) => n,
            None => d.max_tool_name_len,
        },
    };
    if settings.wait > settings.max_wait {
        return Err((
            "bridge.wait_seconds".into(),
            format!(
                "{}s is more than bridge.max_wait_seconds ({}s)",
                settings.wait.as_secs_f64(),
                settings.max_wait.as_secs_f64()
            ),
        ));
    }
    Ok(settings)
}

/// One `file_roots` entry as a path: `~` and `~/…` are the home directory (`HOME`, or `USERPROFILE` on
/// Windows), a relative path is taken from `dir` (the config file's directory). Not canonicalized here: a
/// root may appear after start-up, and each use resolves it again.
fn file_root(text: &str, dir: &Path) -> Result<PathBuf, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("expected a directory, got an empty string".into());
    }
    let home = || {
        std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .map(PathBuf::from)
            .ok_or_else(|| format!("{text:?} starts with ~, but HOME is not set"))
    };
    let path = if text == "~" {
        home()?
    } else if let Some(rest) = text.strip_prefix("~/") {
        home()?.join(rest)
    } else {
        PathBuf::from(text)
    };
    Ok(if path.is_absolute() {
        path
    } else {
        dir.join(path)
    })
}

/// A TOML error as one line: the message and, where known, the line it points at.
fn describe_toml(e: &toml::de::Error, text: &str) -> String {
    let message = e.message().trim().trim_end_matches('.').to_owned();
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("{message} (line {line})")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests;
