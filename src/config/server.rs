//! The `[server]` table: how the bridge serves MCP over Streamable HTTP (address, inbound tokens, Host and Origin
//! allowlists, limits, sessions, shutdown). Ignored over stdio.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::secret::{Secret, one_source};
use super::{Config, ConfigError, seconds};

type KeyError = (String, String);

/// Default cap on one POST body: rmcp's own default. Tool arguments are short messages; 413 past it.
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Default idle time after which a session (clients that `initialize`) is dropped. Requests and every message the
/// bridge sends (progress heartbeats included, every `heartbeat_secs`) reset it, so only abandoned sessions hit it;
/// rmcp's own default of 5 minutes would cut sessions whose client is merely quiet between calls.
pub const DEFAULT_SESSION_KEEP_ALIVE: Duration = Duration::from_secs(30 * 60);
/// Default number of tool calls that may run at once; past it a call gets a tool error at once instead of
/// queueing. Each call holds an open response stream and a request to an agent.
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 64;
/// Default number of HTTP sessions (clients that `initialize`) open at once; past it a new `initialize` gets
/// 503. Each open session holds a worker task, its channels and a bounded record of its recent responses.
pub const DEFAULT_MAX_SESSIONS: usize = 1024;
/// Default time in-flight calls get to finish after SIGTERM/SIGINT: under the 30 s after which Kubernetes
/// (`terminationGracePeriodSeconds`) kills the process.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

/// `Host` values accepted by default: loopback only, against DNS rebinding.
pub const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// `Origin` values accepted by default (requests without `Origin`, i.e. not from a browser, always pass).
pub const LOOPBACK_ORIGINS: [&str; 6] = [
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

/// The validated `[server]` table, inbound tokens resolved.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Where to serve MCP over HTTP; `--http` wins. Neither: stdio.
    pub listen: Option<SocketAddr>,
    /// Accepted `Host` header values (`name` or `name:port`); `["*"]` accepts any.
    pub allowed_hosts: Vec<String>,
    /// Accepted `Origin` header values (`scheme://host[:port|:*]`, or `null`); `["*"]` disables the check.
    pub allowed_origins: Vec<String>,
    pub max_body_bytes: usize,
    /// Sessions for clients that `initialize` (true), or every request on its own (false: any replica can serve
    /// any request).
    pub stateful: bool,
    pub session_keep_alive: Duration,
    /// Inbound bearer tokens; any one of them is accepted (several allow rotation). Empty: no authentication.
    pub tokens: Vec<Secret>,
    /// Allows listening on a non-loopback address with no token.
    pub allow_unauthenticated: bool,
    pub max_concurrent_calls: usize,
    /// Sessions open at once; a new `initialize` past it gets 503 with `Retry-After`.
    pub max_sessions: usize,
    pub shutdown_grace: Duration,
    /// The bridge's own address as agents can reach it (`http(s)://host[:port][/path]`, no query), under which
    /// `/a2a/push/{call id}` receives push notifications (A2A v0.3 §9, A2A v1.0 push notifications). `None`
    /// (the default): no push notifications, non-streaming agents are polled.
    pub public_url: Option<url::Url>,
    /// Key of the HMAC-SHA256 tokens that authenticate push notifications. The same on every replica, a
    /// webhook that lands on another replica passes the check there (and wakes nothing); `None`: a random key
    /// per process, so such a webhook is refused and the waiting call polls.
    pub push_secret: Option<Secret>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: None,
            allowed_hosts: LOOPBACK_HOSTS.iter().map(|s| s.to_string()).collect(),
            allowed_origins: LOOPBACK_ORIGINS.iter().map(|s| s.to_string()).collect(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            stateful: true,
            session_keep_alive: DEFAULT_SESSION_KEEP_ALIVE,
            tokens: Vec::new(),
            allow_unauthenticated: false,
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            max_sessions: DEFAULT_MAX_SESSIONS,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            public_url: None,
            push_secret: None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    listen: Option<String>,
    allowed_hosts: Option<Vec<String>>,
    allowed_origins: Option<Vec<String>>,
    max_body_bytes: Option<usize>,
    stateful: Option<bool>,
    session_keep_alive_secs: Option<f64>,
    #[serde(default)]
    auth_tokens: Vec<RawToken>,
    allow_unauthenticated: Option<bool>,
    max_concurrent_calls: Option<usize>,
    max_sessions: Option<usize>,
    shutdown_grace_secs: Option<f64>,
    public_url: Option<String>,
    push_secret: Option<RawToken>,
}

/// `{ env = "VAR" }` or `{ file = "path" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    env: Option<String>,
    file: Option<PathBuf>,
}

impl RawServer {
    pub(super) fn validate(self, dir: &Path) -> Result<ServerSettings, KeyError> {
        let d = ServerSettings::default();
        let listen = match self.listen {
            None => None,
            Some(text) => Some(text.trim().parse::<SocketAddr>().map_err(|_| {
                (
                    "server.listen".to_owned(),
                    format!("expected an address and port like \"127.0.0.1:8080\", got {text:?}"),
                )
            })?),
        };
        let allowed_hosts = match self.allowed_hosts {
            None => d.allowed_hosts,
            Some(hosts) => {
                if hosts.is_empty() {
                    return Err((
                        "server.allowed_hosts".to_owned(),
                        "is empty: list the host names clients use, or [\"*\"] to accept any Host"
                            .to_owned(),
                    ));
                }
                for (i, h) in hosts.iter().enumerate() {
                    if h.trim().is_empty() || h.contains("://") || h.contains('/') {
                        return Err((
                            format!("server.allowed_hosts[{i}]"),
                            format!(
                                "expected a host name or host:port as clients send it in Host, got {h:?}"
                            ),
                        ));
                    }
                }
                hosts
            }
        };
        let allowed_origins = match self.allowed_origins {
            None => d.allowed_origins,
            Some(origins) => {
                for (i, o) in origins.iter().enumerate() {
                    if !(o == "*" || o == "null" || o.contains("://")) {
                        return Err((
                            format!("server.allowed_origins[{i}]"),
                            format!(
                                "expected an origin like \"https://app.example.com\" (port optional, \":*\" for any), \"null\" or \"*\", got {o:?}"
                            ),
                        ));
                    }
                }
                origins
            }
        };
        let mut tokens = Vec::with_capacity(self.auth_tokens.len());
        for (i, raw) in self.auth_tokens.into_iter().enumerate() {
            let key = format!("server.auth_tokens[{i}]");
            let source = one_source(raw.env, raw.file, "")
                .map_err(|_| (key.clone(), "give exactly one of env or file".to_owned()))?;
            tokens.push(source.resolve(dir).map_err(|m| (key, m))?);
        }
        let public_url = self.public_url.as_deref().map(public_url).transpose()?;
        let push_secret = match self.push_secret {
            None => None,
            Some(raw) => {
                let key = "server.push_secret".to_owned();
                let source = one_source(raw.env, raw.file, "")
                    .map_err(|_| (key.clone(), "give exactly one of env or file".to_owned()))?;
                let secret = source.resolve(dir).map_err(|m| (key.clone(), m))?;
                if secret.expose().len() < MIN_PUSH_SECRET_BYTES {
                    return Err((
                        key,
                        format!(
                            "is shorter than {MIN_PUSH_SECRET_BYTES} bytes: use a long random value"
                        ),
                    ));
                }
                Some(secret)
            }
        };
        let settings = ServerSettings {
            listen,
            allowed_hosts,
            allowed_origins,
            max_body_bytes: positive(self.max_body_bytes, "server.max_body_bytes")?
                .unwrap_or(d.max_body_bytes),
            stateful: self.stateful.unwrap_or(d.stateful),
            session_keep_alive: seconds(
                self.session_keep_alive_secs,
                "server.session_keep_alive_secs",
            )?
            .unwrap_or(d.session_keep_alive),
            tokens,
            allow_unauthenticated: self.allow_unauthenticated.unwrap_or(false),
            max_concurrent_calls: positive(
                self.max_concurrent_calls,
                "server.max_concurrent_calls",
            )?
            .unwrap_or(d.max_concurrent_calls),
            max_sessions: positive(self.max_sessions, "server.max_sessions")?
                .unwrap_or(d.max_sessions),
            shutdown_grace: seconds(self.shutdown_grace_secs, "server.shutdown_grace_secs")?
                .unwrap_or(d.shutdown_grace),
            public_url,
            push_secret,
        };
        if let Some(addr) = settings.listen {
            settings.check_listen(addr, "server.listen")?;
        }
        Ok(settings)
    }
}

impl ServerSettings {
    /// Whether `allowed_hosts` is still the loopback-only default.
    pub fn has_default_hosts(&self) -> bool {
        self.allowed_hosts
            .iter()
            .map(String::as_str)
            .eq(LOOPBACK_HOSTS)
    }

    /// Refuses a non-loopback address without any token, unless `allow_unauthenticated` says so. `from` names
    /// where the address came from, for the message.
    fn check_listen(&self, addr: SocketAddr, from: &str) -> Result<(), KeyError> {
        if !self.tokens.is_empty() || self.allow_unauthenticated || is_loopback(addr) {
            return Ok(());
        }
        Err((
            "server.auth_tokens".to_owned(),
            format!(
                "no token configured, and {from} {addr} is not a loopback address: anyone who can reach it could \
                 use every agent; add a token (auth_tokens = [{{ env = \"BRIDGE_TOKEN\" }}] in [server]) or set \
                 allow_unauthenticated = true in [server]"
            ),
        ))
    }
}

/// Whether only this machine can connect. `0.0.0.0` and `::` listen on every interface, so they are not.
pub fn is_loopback(addr: SocketAddr) -> bool {
    addr.ip().to_canonical().is_loopback()
}

/// Shortest accepted `push_secret`: the HMAC key must not be guessable.
const MIN_PUSH_SECRET_BYTES: usize = 16;

/// `server.public_url`: an absolute http(s) URL without query, fragment or credentials; the path keeps no
/// trailing slash, so `/a2a/push/…` can be appended.
fn public_url(text: &str) -> Result<url::Url, KeyError> {
    let bad = |why: &str| {
        (
            "server.public_url".to_owned(),
            format!(
                "{why}; expected the bridge's address as agents reach it, like \"https://bridge.example.com\", got {text:?}"
            ),
        )
    };
    let mut url = url::Url::parse(text.trim()).map_err(|e| bad(&format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(bad("not an http or https URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("has credentials in it"));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

fn positive(value: Option<usize>, key: &str) -> Result<Option<usize>, KeyError> {
    match value {
        Some(0) => Err((key.to_owned(), "must be greater than zero".to_owned())),
        other => Ok(other),
    }
}

impl Config {
    /// The address to serve MCP over HTTP on: `--http` (`cli`) wins over `[server].listen`; `None` means stdio.
    /// Refuses a non-loopback address without a token, naming this file and the key.
    pub fn http_listen(&self, cli: Option<SocketAddr>) -> Result<Option<SocketAddr>, ConfigError> {
        let Some(addr) = cli.or(self.server.listen) else {
            return Ok(None);
        };
        let from = if cli.is_some() {
            "--http"
        } else {
            "server.listen"
        };
        self.server
            .check_listen(addr, from)
            .map_err(|(key, message)| ConfigError {
                file: self.path.clone(),
                key: Some(key),
                message,
            })?;
        Ok(Some(addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AGENT: &str = "[[agents]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/\"\n";

    fn parse(server: &str) -> Result<Config, String> {
        let text = format!("[server]\n{server}\n{AGENT}");
        Config::parse(&text, Path::new("/etc/bridge.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_without_a_server_table() {
        let c = Config::parse(AGENT, Path::new("/etc/bridge.toml")).unwrap();
        let s = &c.server;
        assert_eq!(s.listen, None);
        assert!(s.has_default_hosts());
        assert_eq!(s.allowed_origins.len(), LOOPBACK_ORIGINS.len());
        assert!(s.stateful);
        assert!(s.tokens.is_empty());
        assert_eq!(s.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
        assert_eq!(s.session_keep_alive, DEFAULT_SESSION_KEEP_ALIVE);
        assert_eq!(s.max_concurrent_calls, DEFAULT_MAX_CONCURRENT_CALLS);
        assert_eq!(s.max_sessions, DEFAULT_MAX_SESSIONS);
        assert_eq!(s.shutdown_grace, DEFAULT_SHUTDOWN_GRACE);
        assert_eq!(s.public_url, None);
        assert!(s.push_secret.is_none());
        assert_eq!(c.http_listen(None).unwrap(), None);
    }

    #[test]
    fn every_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("old-token"), "t0k3n-old\n").unwrap();
        std::fs::write(dir.path().join("push-key"), "pu5h-key-0123456789\n").unwrap();
        let text = format!(
            "[server]\nlisten = \"0.0.0.0:8080\"\nallowed_hosts = [\"bridge.example.com\"]\n\
             allowed_origins = [\"https://app.example.com\"]\nmax_body_bytes = 1024\nstateful = false\n\
             session_keep_alive_secs = 60\nauth_tokens = [{{ file = \"old-token\" }}]\n\
             allow_unauthenticated = false\nmax_concurrent_calls = 3\nmax_sessions = 7\nshutdown_grace_secs = 2.5\n\
             public_url = \"https://bridge.example.com/mcp-a2a/\"\npush_secret = {{ file = \"push-key\" }}\n{AGENT}"
        );
        let c = Config::parse(&text, &dir.path().join("bridge.toml")).unwrap();
        let s = &c.server;
        assert_eq!(s.listen, Some("0.0.0.0:8080".parse().unwrap()));
        assert_eq!(s.allowed_hosts, ["bridge.example.com"]);
        assert_eq!(s.allowed_origins, ["https://app.example.com"]);
        assert_eq!(s.max_body_bytes, 1024);
        assert!(!s.stateful);
        assert_eq!(s.session_keep_alive, Duration::from_secs(60));
        assert_eq!(s.tokens, [Secret::new("t0k3n-old")]);
        assert_eq!(s.max_concurrent_calls, 3);
        assert_eq!(s.max_sessions, 7);
        assert_eq!(s.shutdown_grace, Duration::from_millis(2500));
        assert_eq!(
            s.public_url.as_ref().map(url::Url::as_str),
            Some("https://bridge.example.com/mcp-a2a")
        );
        assert_eq!(s.push_secret, Some(Secret::new("pu5h-key-0123456789")));
        assert!(!format!("{c:?}").contains("t0k3n"));
        assert!(!format!("{c:?}").contains("pu5h"));
        // `--http` wins over `listen`.
        let cli = "127.0.0.1:9000".parse().unwrap();
        assert_eq!(c.http_listen(Some(cli)).unwrap(), Some(cli));
    }

    #[test]
    fn bad_values_are_named() {
        for (server, want) in [
            (
                "listen = \"localhost\"",
                "server.listen: expected an address and port",
            ),
            ("allowed_hosts = []", "server.allowed_hosts: is empty"),
            (
                "allowed_hosts = [\"https://x.example\"]",
                "server.allowed_hosts[0]:",
            ),
            (
                "allowed_origins = [\"app.example.com\"]",
                "server.allowed_origins[0]:",
            ),
            (
                "max_body_bytes = 0",
                "server.max_body_bytes: must be greater than zero",
            ),
            ("max_concurrent_calls = 0", "server.max_concurrent_calls:"),
            ("max_sessions = 0", "server.max_sessions:"),
            ("shutdown_grace_secs = -1", "server.shutdown_grace_secs:"),
            (
                "session_keep_alive_secs = 0",
                "server.session_keep_alive_secs:",
            ),
            (
                "auth_tokens = [{ env = \"MCP_A2A_TEST_SURELY_UNSET\" }]",
                "server.auth_tokens[0]: environment variable MCP_A2A_TEST_SURELY_UNSET is not set",
            ),
            (
                "auth_tokens = [{ env = \"A\", file = \"b\" }]",
                "server.auth_tokens[0]: give exactly one of env or file",
            ),
            ("auth_token = []", "unknown field `auth_token`"),
            (
                "public_url = \"bridge.example.com\"",
                "server.public_url: not a URL",
            ),
            (
                "public_url = \"ftp://bridge.example.com\"",
                "server.public_url: not an http",
            ),
            (
                "public_url = \"https://b.example.com/?x=1\"",
                "server.public_url: has a query",
            ),
            (
                "public_url = \"https://u:p@b.example.com\"",
                "server.public_url: has credentials",
            ),
            (
                "push_secret = { env = \"MCP_A2A_TEST_SURELY_UNSET\" }",
                "server.push_secret: environment variable MCP_A2A_TEST_SURELY_UNSET is not set",
            ),
            (
                "push_secret = { env = \"A\", file = \"b\" }",
                "server.push_secret: give exactly one",
            ),
            (
                "listen = \"0.0.0.0:8080\"",
                "/etc/bridge.toml: server.auth_tokens: no token configured, and server.listen 0.0.0.0:8080 is not a loopback address",
            ),
        ] {
            let e = parse(server).unwrap_err();
            assert!(e.contains(want), "{server:?}: {e}");
        }
    }

    #[test]
    fn a_non_loopback_address_needs_a_token_or_an_explicit_opt_out() {
        let c = parse("").unwrap();
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let e = c.http_listen(Some(any)).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "/etc/bridge.toml: server.auth_tokens: no token configured, and --http 0.0.0.0:8080"
            ),
            "{e}"
        );
        for ok in ["127.0.0.1:8080", "[::1]:8080", "[::ffff:127.0.0.1]:8080"] {
            let addr = ok.parse().unwrap();
            assert_eq!(c.http_listen(Some(addr)).unwrap(), Some(addr));
        }
        let c = parse("allow_unauthenticated = true\nlisten = \"[::]:8080\"").unwrap();
        assert_eq!(
            c.http_listen(None).unwrap(),
            Some("[::]:8080".parse().unwrap())
        );
    }
}
