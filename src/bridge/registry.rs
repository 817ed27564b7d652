//! The configured agents, what their cards said, and the tool table built from them.
//!
//! Cards are fetched concurrently at start-up, one task per agent. An agent that is down does not hold up
//! the others: it is marked down with the reason (shown by `list_agents`) and tried again with backoff; its
//! tools appear, and `tools/list_changed` goes out, once it answers. With `card_refresh_secs` reachable
//! agents are re-read too, so changed skills reach clients without a restart.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use super::card_limits::{CardLimits, limit_card};
use super::push::PushHub;
use super::tools::{self, AgentTools, ToolShapes, ToolTable};
use crate::a2a::card_auth;
use crate::a2a::oauth::ClientCredentials;
use crate::a2a::origin::EndpointPolicy;
use crate::a2a::scrub::Scrubber;
use crate::a2a::{
    self, A2aClient, AgentCard, CardOverrides, ClientOptions, Guards, ProtocolVersion,
    VersionMemory,
};
use crate::config::{AgentConfig, Config, DEFAULT_API_KEY_HEADER, ToolMode};

/// Most "skill with missing fields" warnings logged per card change.
const MAX_GAP_WARNINGS: usize = 10;
/// First pause before re-fetching the card of an agent that is down; doubles up to `card_retry_max`.
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// Output modes the bridge can render as MCP content, sent as `acceptedOutputModes` on every send.
pub const ACCEPTED_OUTPUT_MODES: [&str; 6] = [
    "text/plain",
    "text/markdown",
    "application/json",
    "image/png",
    "image/jpeg",
    "application/octet-stream",
];

/// One agent's live state.
#[derive(Clone)]
pub enum Reachability {
    /// The first card fetch has not finished.
    Pending,
    Up(Arc<Connected>),
    /// The last card fetch failed; `error` says why.
    Down {
        error: String,
        since: Instant,
    },
}

/// A reachable agent: its card and a client for the interface chosen from it.
pub struct Connected {
    pub card: AgentCard,
    pub card_url: String,
    pub client: A2aClient,
    /// Use `message/stream` (the card says it streams, unless the config overrides).
    pub streaming: bool,
    /// Most bytes of one task's output kept while following it (`max_output_bytes`).
    pub max_output_bytes: usize,
    /// Fires when the bridge is shutting down and running calls must return now (see `Bridge::end_calls`).
    pub stopping: CancellationToken,
    /// What the card's security schemes ask that the config does not provide (`card_auth`), if anything.
    pub auth_missing: Option<String>,
    /// OAuth2 flows of the card that need a person, and what the user must do.
    pub auth_notes: Vec<String>,
    /// Where calls register for push notifications: set when the agent is polled (not streamed) and its card
    /// declares `pushNotifications`; the hub itself says whether push notifications are on.
    pub push: Option<Arc<PushHub>>,
}

/// A configured agent.
pub struct AgentSlot {
    pub config: AgentConfig,
    state: RwLock<Reachability>,
    /// One token source per agent, so its cached token outlives card refreshes.
    oauth: Option<Arc<ClientCredentials>>,
    /// The protocol version the agent was found to speak, for the process's life.
    version: Arc<VersionMemory>,
}

impl AgentSlot {
    pub fn state(&self) -> Reachability {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_state(&self, state: Reachability) {
        if let Some(m) = crate::telemetry::metrics() {
            m.set_agent_up(&self.config.name, matches!(state, Reachability::Up(_)));
        }
        *self
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = state;
    }
}

/// All agents and the tool table derived from them.
pub struct Registry {
    pub agents: Vec<AgentSlot>,
    table: RwLock<Arc<ToolTable>>,
    http: reqwest::Client,
    /// The generic tools and the skill tools' schemas, shared by every table.
    shapes: ToolShapes,
    /// `bridge.tool_mode` and `bridge.compact_above_tools`.
    pub tool_mode: ToolMode,
    pub compact_above: usize,
    /// Whether the last table built was compact (to log when `auto` switches).
    compact: std::sync::atomic::AtomicBool,
    card_timeout: Duration,
    card_retry_max: Duration,
    card_refresh: Option<Duration>,
    /// Ticks whenever the tool list changes (once start-up discovery is over: clients list tools after it).
    changed: broadcast::Sender<()>,
    /// Bumped on every change of an agent's card or reachability; the table is rebuilt lazily when its
    /// generation is behind, so a burst of agents coming up costs one rebuild, not one per agent.
    generation: AtomicU64,
    /// The generation `table` was built from.
    built: AtomicU64,
    rebuilding: std::sync::Mutex<()>,
    /// How many agents have finished their first card fetch (successfully or not).
    settled: watch::Sender<usize>,
    /// Every configured secret (all agents), scrubbed out of whatever agents send back.
    pub scrubber: Scrubber,
    card_limits: CardLimits,
    /// Fires when running calls must return because the bridge is shutting down.
    pub stopping: CancellationToken,
    /// Calls waiting for push notifications (`[server] public_url`).
    pub push: Arc<PushHub>,
}

impl Registry {
    pub fn new(config: &Config, http: reqwest::Client, local_files: bool) -> Arc<Registry> {
        let agents = config
            .agents
            .iter()
            .map(|a| AgentSlot {
                config: a.clone(),
                state: RwLock::new(Reachability::Pending),
                version: Arc::default(),
                oauth: a.oauth2.as_ref().map(|o| {
                    Arc::new(ClientCredentials::new(
                        http.clone(),
                        o.token_url.clone().unwrap_or_default(),
                        o.client_id.clone(),
                        o.client_secret.expose().to_owned(),
                        o.scopes.clone(),
                        a.request_timeout,
                    ))
                }),
            })
            .collect();
        let agents: Vec<AgentSlot> = agents;
        let scrubber = Scrubber::new(
            config.agents.iter().flat_map(|a| {
                a.oauth2
                    .as_ref()
                    .map(|o| o.client_secret.expose().to_owned())
            }),
            config.agents.iter().map(|a| &a.headers),
            agents.iter().filter_map(|a| a.oauth.clone()).collect(),
        );
        let (changed, _) = broadcast::channel(16);
        let (settled, _) = watch::channel(0);
        let registry = Registry {
            agents,
            table: RwLock::new(Arc::new(ToolTable::default())),
            http,
            shapes: ToolShapes::new(
                config.bridge.max_wait.as_secs_f64(),
                config.bridge.max_tool_name_len,
            )
            .with_mode(config.bridge.tool_mode, config.bridge.compact_above_tools)
            .with_local_files(local_files),
            tool_mode: config.bridge.tool_mode,
            compact_above: config.bridge.compact_above_tools,
            compact: std::sync::atomic::AtomicBool::new(false),
            card_timeout: config.bridge.card_timeout,
            card_retry_max: config.bridge.card_retry_max,
            card_refresh: config.bridge.card_refresh,
            changed,
            settled,
            generation: AtomicU64::new(1),
            built: AtomicU64::new(0),
            rebuilding: std::sync::Mutex::new(()),
            scrubber,
            card_limits: CardLimits {
                max_skills: config.bridge.max_skills_per_agent,
                max_description_chars: config.bridge.max_description_chars,
            },
            stopping: CancellationToken::new(),
            push: PushHub::new(
                config.server.public_url.as_ref(),
                config.server.push_secret.as_ref(),
            ),
        };
        Arc::new(registry)
    }

    /// Starts one discovery task per agent; they stop when `shutdown` fires.
    pub fn start(self: &Arc<Self>, shutdown: CancellationToken) {
        for index in 0..self.agents.len() {
            let registry = Arc::clone(self);
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                tokio::select! {
                    () = shutdown.cancelled() => {}
                    () = registry.discover(index) => {}
                }
            });
        }
    }

    /// Waits until every agent's first card fetch has finished, or `limit` passes.
    pub async fn wait_initial(&self, limit: Duration) {
        let total = self.agents.len();
        let mut rx = self.settled.subscribe();
        let _ = tokio::time::timeout(limit, rx.wait_for(|n| *n >= total)).await;
    }

    /// The longest `wait_initial` should wait: every fetch is bounded by the card timeout, and both well-known
    /// paths may be tried.
    pub fn initial_limit(&self) -> Duration {
        self.card_timeout * 2 + Duration::from_secs(1)
    }

    /// The current tool table, rebuilt first if an agent changed since it was built.
    pub fn table(&self) -> Arc<ToolTable> {
        if self.built.load(Ordering::Acquire) < self.generation.load(Ordering::Acquire) {
            let _one_at_a_time = self
                .rebuilding
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let wanted = self.generation.load(Ordering::Acquire);
            if self.built.load(Ordering::Acquire) < wanted {
                self.rebuild();
                self.built.store(wanted, Ordering::Release);
            }
        }
        Arc::clone(
            &self
                .table
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// A receiver that ticks whenever the tool list changes.
    pub fn subscribe_changes(&self) -> broadcast::Receiver<()> {
        self.changed.subscribe()
    }

    /// The error message for a call to a tool the bridge neither lists nor routes: how agent skills are
    /// reached instead and, when the name reads as `{prefix}_{skill}` of a configured agent, that agent and
    /// skill. (A compact list still routes every skill tool it leaves out, so this is a name no card gave.)
    pub fn unknown_tool(&self, name: &str) -> String {
        let shown = crate::a2a::wire::truncate_str(name, 100);
        let mut message = if self.table().routes.contains_key("find_skills") {
            format!(
                "unknown tool: {shown}. Agent skills are reached with find_skills (search them) and \
                 send_message (with agent, skill and message)"
            )
        } else {
            format!(
                "unknown tool: {shown}. list_agents shows each agent's skill ids and tools; send_message \
                 (with agent, skill and message) reaches any skill"
            )
        };
        // The longest prefix that fits: `travel_booking_x` is agent `travel_booking` before agent `travel`.
        let guess = self
            .agents
            .iter()
            .filter_map(|slot| {
                let prefix = slot
                    .config
                    .tool_prefix
                    .as_deref()
                    .unwrap_or(&slot.config.name);
                if prefix.is_empty() {
                    return None;
                }
                let prefix = tools::sanitize(prefix);
                let rest = name.strip_prefix(prefix.as_str())?.strip_prefix('_')?;
                (!rest.is_empty()).then_some((prefix.len(), slot, rest))
            })
            .max_by_key(|(len, ..)| *len);
        if let Some((_, slot, rest)) = guess {
            let agent = &slot.config.name;
            match slot.state() {
                Reachability::Up(c) => {
                    let skill = c.card.skills.iter().find(|s| {
                        slot.config.skills.allows(&s.id) && tools::sanitize(&s.id) == rest
                    });
                    match skill {
                        Some(skill) => message.push_str(&format!(
                            "; this name reads as skill {:?} of agent {agent:?}: call send_message with \
                             agent {agent:?} and skill {:?}",
                            skill.id, skill.id
                        )),
                        None => message.push_str(&format!(
                            "; this name starts like a tool of agent {agent:?}, which has no such \
                             skill"
                        )),
                    }
                }
                _ => message.push_str(&format!(
                    "; this name reads as skill {:?} of agent {agent:?}, which is not reachable now \
                     (list_agents says why)",
                    crate::a2a::wire::truncate_str(rest, 100)
                )),
            }
        }
        message
    }

    /// The agent with this name (case-insensitive), with its index.
    pub fn find(&self, name: &str) -> Option<(usize, &AgentSlot)> {
        self.agents
            .iter()
            .enumerate()
            .find(|(_, a)| a.config.name.eq_ignore_ascii_case(name))
    }

    async fn discover(&self, index: usize) {
        let slot = &self.agents[index];
        let mut delay = FIRST_RETRY;
        let mut first = true;
        loop {
            let next = match self.connect(slot).await {
                Ok(connected) => {
                    let changed = match slot.state() {
                        Reachability::Up(old) => old.card != connected.card,
                        _ => true,
                    };
                    if changed {
                        // A few lines tell the operator; a huge sloppy card must not flood the log.
                        let gaps = a2a::wire::skill_gaps(&connected.card.raw);
                        for gap in gaps.iter().take(MAX_GAP_WARNINGS) {
                            tracing::warn!(agent = %slot.config.name, "agent card: {gap}; the tool is built from what is there");
                        }
                        if gaps.len() > MAX_GAP_WARNINGS {
                            tracing::warn!(agent = %slot.config.name, more = gaps.len() - MAX_GAP_WARNINGS, "agent card: more skills with missing fields");
                        }
                        if let Some(missing) = &connected.auth_missing {
                            tracing::warn!(agent = %slot.config.name, "{missing}; calls are tried all the same");
                        }
                        tracing::info!(
                            agent = %slot.config.name,
                            protocol = %connected.client.version(),
                            skills = connected.card.skills.len(),
                            streaming = connected.streaming,
                            "agent ready"
                        );
                    }
                    slot.set_state(Reachability::Up(Arc::new(connected)));
                    if changed {
                        self.note_change();
                    }
                    delay = FIRST_RETRY;
                    self.card_refresh
                }
                Err(error) => {
                    let was_up = matches!(slot.state(), Reachability::Up(_));
                    if first || was_up {
                        tracing::warn!(agent = %slot.config.name, %error, retry_in_secs = delay.as_secs_f64(), "agent unreachable");
                    } else {
                        tracing::debug!(agent = %slot.config.name, %error, "agent still unreachable");
                    }
                    // A refresh failure keeps the last good card: a blip should not make tools vanish.
                    if !was_up {
                        slot.set_state(Reachability::Down {
                            error,
                            since: Instant::now(),
                        });
                    }
                    let this = delay;
                    delay = (delay * 2).min(self.card_retry_max);
                    if was_up {
                        self.card_refresh
                    } else {
                        Some(this)
                    }
                }
            };
            if first {
                first = false;
                self.settled.send_modify(|n| *n += 1);
                // Start-up discovery is over: one announcement for everything that came up (none when nothing
                // did: a client told the list changed would look for tools that are not there).
                if *self.settled.borrow() == self.agents.len()
                    && self.generation.load(Ordering::Acquire) > 1
                {
                    let _ = self.changed.send(());
                }
            }
            match next {
                Some(pause) => tokio::time::sleep(pause).await,
                None => return,
            }
        }
    }

    /// Fetches the card and builds a client for the chosen interface. The error is a one-line reason.
    async fn connect(&self, slot: &AgentSlot) -> Result<Connected, String> {
        let agent = &slot.config;
        let url = agent.card_url.as_deref().unwrap_or(&agent.url);
        let (mut card, card_url) =
            a2a::fetch_card(&self.http, url, &agent.headers, self.card_timeout)
                .await
                .map_err(|e| format!("agent card: {}", self.scrubber.scrub_error(e)))?;
        for cut in limit_card(&mut card, self.card_limits) {
            tracing::warn!(agent = %agent.name, "{cut}");
        }
        let auth = self.apply_card_auth(slot, &card).await?;
        let client = A2aClient::for_card(
            self.http.clone(),
            &card,
            &card_url,
            &CardOverrides {
                endpoint: agent.endpoint.clone(),
                protocol: agent.protocol,
                binding: agent.binding,
            },
            ClientOptions {
                headers: auth.headers,
                request_timeout: agent.request_timeout,
                stream_idle_timeout: agent.stream_idle_timeout,
                accepted_output_modes: ACCEPTED_OUTPUT_MODES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                oauth: slot.oauth.clone(),
                version_memory: Some(Arc::clone(&slot.version)),
                guards: Guards {
                    max_response_bytes: agent.max_response_bytes,
                    scrubber: self.scrubber.clone(),
                    auth_hint: auth.plan.missing.as_deref().map(Arc::from),
                },
            },
        )
        .map_err(|e| e.to_string())?
        .with_agent_name(&agent.name);
        endpoint_policy(agent)
            .check(client.endpoint())
            .map_err(|e| format!("agent card: {}", self.scrubber.scrub_error(e)))?;
        // Only once the endpoint has passed the origin policy: the request carries the credentials.
        // Over HTTP+JSON the extended card is not asked for yet (`A2aClient::get_extended_card`): the public
        // card serves, without a warning at every refresh.
        if agent.has_credentials()
            && a2a::client::offers_extended_card(&card)
            && client.binding() != a2a::Binding::HttpJson
        {
            match client.get_extended_card().await {
                Ok(extended) => {
                    use_extended_card(&mut card, extended);
                    for cut in limit_card(&mut card, self.card_limits) {
                        tracing::warn!(agent = %agent.name, "{cut}");
                    }
                }
                Err(e) => {
                    tracing::warn!(agent = %agent.name, error = %self.scrubber.scrub_error(e), "the authenticated extended card could not be fetched; tools come from the public card");
                }
            }
        }
        let streaming = agent.streaming.unwrap_or(card.streaming);
        let push = (!streaming && card.push_notifications()).then(|| Arc::clone(&self.push));
        Ok(Connected {
            card,
            card_url,
            client,
            streaming,
            max_output_bytes: agent.max_output_bytes,
            stopping: self.stopping.clone(),
            auth_missing: auth.plan.missing,
            auth_notes: auth.plan.notes,
            push,
        })
    }

    /// Sets the card's security schemes against the agent's config (`a2a::card_auth`): the OAuth2 token URL
    /// and scopes the token source uses (a token URL from the card only on a configured origin), the header
    /// the API key goes in, and the headers the agent's requests carry. The error is a one-line reason.
    async fn apply_card_auth(
        &self,
        slot: &AgentSlot,
        card: &AgentCard,
    ) -> Result<CardAuth, String> {
        let agent = &slot.config;
        let security = a2a::wire::security::decode_security(&card.raw);
        let plan = card_auth::plan(&security, &provided(agent));
        let mut headers = agent.headers.clone();
        if let Some(oauth) = &slot.oauth {
            let Some(flow) = &plan.oauth else {
                return Err(format!(
                    "auth.token_url is not set for agent \"{}\" and its card declares no OAuth2 \
                     client-credentials flow{}; set auth.token_url",
                    agent.name,
                    plan.missing
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                ));
            };
            if flow.token_url_from_card {
                endpoint_policy(agent)
                    .check(&flow.token_url)
                    .map_err(|_| {
                        let shown = url::Url::parse(&flow.token_url)
                            .map(|u| u.origin().ascii_serialization())
                            .unwrap_or_else(|_| a2a::error::redact_url(&flow.token_url));
                        format!(
                            "agent card: its OAuth2 token URL is on {shown}, not an origin configured for agent \
                             \"{}\"; the client secret goes only there. Set auth.token_url, or add \"{shown}\" \
                             to allowed_origins",
                            agent.name
                        )
                    })?;
            }
            oauth.use_flow(&flow.token_url, &flow.scopes).await;
        }
        if agent.api_key_header_from_card
            && let Some(name) = &plan.api_key_header
        {
            match http::HeaderName::from_bytes(name.as_bytes()) {
                Ok(name) => {
                    if let Some(value) = headers.remove(DEFAULT_API_KEY_HEADER) {
                        headers.insert(name, value);
                    }
                }
                Err(_) => {
                    tracing::warn!(agent = %agent.name, header = %name, "the card's API-key scheme names an invalid header; the key stays in X-API-Key");
                }
            }
        }
        Ok(CardAuth { plan, headers })
    }

    /// Records that an agent's tools may have changed; announces it once start-up discovery is over.
    fn note_change(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if *self.settled.borrow() >= self.agents.len() {
            let _ = self.changed.send(());
        }
    }

    /// Recomputes the tool table from the agents' current cards.
    fn rebuild(&self) {
        let states: Vec<Reachability> = self.agents.iter().map(AgentSlot::state).collect();
        let inputs: Vec<AgentTools<'_>> = self
            .agents
            .iter()
            .zip(&states)
            .map(|(slot, state)| AgentTools {
                name: &slot.config.name,
                prefix: slot
                    .config
                    .tool_prefix
                    .as_deref()
                    .unwrap_or(&slot.config.name),
                description: slot.config.description.as_deref(),
                filter: &slot.config.skills,
                expose: slot.config.expose,
                card: match state {
                    Reachability::Up(c) => Some(&c.card),
                    _ => None,
                },
            })
            .collect();
        let table = Arc::new(tools::build_table(&inputs, &self.shapes));
        let was = self.compact.swap(table.compact, Ordering::AcqRel);
        if self.tool_mode == ToolMode::Auto && was != table.compact {
            if table.compact {
                tracing::info!(
                    tools = table.skills_mode_count,
                    threshold = self.compact_above,
                    "tool_mode auto: more tools than bridge.compact_above_tools; listing find_skills instead of one tool per skill"
                );
            } else {
                tracing::info!(
                    tools = table.skills_mode_count,
                    threshold = self.compact_above,
                    "tool_mode auto: back to one tool per skill"
                );
            }
        }
        *self
            .table
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = table;
    }
}

/// Takes the skills, description and raw form of the authenticated extended card into `card`; the
/// interfaces stay those of the public card, which the client and the origin checks were built from.
fn use_extended_card(card: &mut AgentCard, extended: AgentCard) {
    card.skills = extended.skills;
    if !extended.description.is_empty() {
        card.description = extended.description;
    }
    card.raw = extended.raw;
}

/// How an agent's card and config together say credentials are sent.
struct CardAuth {
    plan: card_auth::AuthPlan,
    /// The headers of the agent's requests (the API key moved to the header the card names).
    headers: http::HeaderMap,
}

/// What the config provides for the card's security schemes to be set against.
fn provided(agent: &AgentConfig) -> card_auth::Provided {
    let authorization = agent
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            let scheme = v.split(' ').next().unwrap_or_default();
            if scheme.eq_ignore_ascii_case("bearer") {
                card_auth::Authorization::Bearer
            } else if scheme.eq_ignore_ascii_case("basic") {
                card_auth::Authorization::Basic
            } else {
                card_auth::Authorization::Other
            }
        });
    let api_key = agent
        .api_key_header_from_card
        .then(|| (DEFAULT_API_KEY_HEADER.to_ascii_lowercase(), false));
    card_auth::Provided {
        authorization,
        api_key,
        oauth2: agent
            .oauth2
            .as_ref()
            .map(|o| (o.token_url.clone(), o.scopes.clone())),
        headers: agent
            .headers
            .keys()
            .map(|k| k.as_str().to_owned())
            .collect(),
    }
}

/// Where the agent's requests may go, from its config.
fn endpoint_policy(agent: &AgentConfig) -> EndpointPolicy {
    EndpointPolicy {
        agent: agent.name.clone(),
        origins: agent.configured_origins(),
        credentials: agent.has_credentials(),
        allow_link_local: agent.allow_link_local,
    }
}

/// The protocol version an agent is spoken to in, for display.
pub fn protocol_of(state: &Reachability) -> Option<ProtocolVersion> {
    match state {
        Reachability::Up(c) => Some(c.client.version()),
        _ => None,
    }
}
