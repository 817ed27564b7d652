//! Which interface of an agent's card a client talks to, and the client for it (pure: no IO).
//!
//! The card offers interfaces (A2A v0.3 §5.6, A2A v1.0 §8.3); `wire::choose_interface` picks the JSON-RPC one
//! to use, the config may override its URL and version, and a card from a server bound to `0.0.0.0` has its
//! address replaced with the host the card came from.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;

use super::client::{A2aClient, ClientSettings, Guards, VersionMemory};
use super::error::A2aError;
use super::oauth::ClientCredentials;
use super::types::{AgentCard, Binding, ProtocolVersion};
use super::wire::{choose_binding, draft};

/// What the configuration says over the card about where and how to talk to an agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardOverrides {
    /// Replaces the URL of the chosen interface (cards often name the wrong host).
    pub endpoint: Option<String>,
    /// Only an interface of this version is chosen. With `endpoint`, also used when the card lists no usable
    /// interface at all.
    pub protocol: Option<ProtocolVersion>,
    /// Only an interface of this binding is chosen (`None`: JSON-RPC when offered, else HTTP+JSON).
    pub binding: Option<Binding>,
}

/// Per-agent settings of a client that do not come from the card.
#[derive(Clone)]
pub struct ClientOptions {
    /// Extra headers (credentials included) sent on every request.
    pub headers: HeaderMap,
    pub request_timeout: Duration,
    pub stream_idle_timeout: Duration,
    /// Sent as `acceptedOutputModes` on every send.
    pub accepted_output_modes: Vec<String>,
    /// OAuth2 client credentials: a bearer token fetched and refreshed on demand.
    pub oauth: Option<Arc<ClientCredentials>>,
    /// The version the agent was found to speak, kept by its owner across card refreshes. When the config
    /// states no `protocol`, calls answered with `-32601` / `-32009` are tried in the other version once,
    /// and what worked is kept here (see `A2aClient::with_version_fallback`).
    pub version_memory: Option<Arc<VersionMemory>>,
    /// The answer size cap and the secret scrubber.
    pub guards: Guards,
}

impl A2aClient {
    /// A client for the agent `card` describes, fetched from `card_url`: the interface `choose_interface` picks
    /// (v1.0 preferred, else v0.3), as `overrides` amend it. Errors with `A2aError::NoInterface` when the card
    /// offers no usable interface and the overrides do not name both endpoint and protocol.
    pub fn for_card(
        http: reqwest::Client,
        card: &AgentCard,
        card_url: &str,
        overrides: &CardOverrides,
        options: ClientOptions,
    ) -> Result<A2aClient, A2aError> {
        let chosen = choose_binding(card, overrides.protocol, overrides.binding);
        let (endpoint, version, tenant, binding) = match chosen {
            Some((iface, version, binding)) => (
                fix_unspecified_host(&iface.url, card_url),
                version,
                iface.tenant.clone(),
                binding,
            ),
            None => match (&overrides.endpoint, overrides.protocol) {
                // The card lists no usable interface, but the config says where and how to talk.
                (Some(endpoint), Some(version)) => (
                    endpoint.clone(),
                    version,
                    None,
                    overrides.binding.unwrap_or_default(),
                ),
                _ => {
                    return Err(A2aError::NoInterface {
                        wanted: overrides
                            .protocol
                            .map(|v| format!("protocol {v}"))
                            .unwrap_or_else(|| "protocol 1.0 or 0.3".into()),
                        binding: match overrides.binding {
                            None => "JSON-RPC or HTTP+JSON",
                            Some(Binding::JsonRpc) => "JSON-RPC",
                            Some(Binding::HttpJson) => "HTTP+JSON",
                        },
                    });
                }
            },
        };
        let version = if overrides.protocol.is_none() && binding == Binding::JsonRpc {
            first_guess(card, version)
        } else {
            version
        };
        let ClientOptions {
            headers,
            request_timeout,
            stream_idle_timeout,
            accepted_output_modes,
            oauth,
            version_memory,
            guards,
        } = options;
        let client = A2aClient::new(
            http,
            ClientSettings {
                endpoint: overrides.endpoint.clone().unwrap_or(endpoint),
                version,
                tenant,
                headers,
                request_timeout,
                stream_idle_timeout,
                accepted_output_modes,
                oauth,
                guards,
            },
        );
        let client = client.with_binding(binding);
        Ok(match (version_memory, overrides.protocol) {
            (Some(memory), None) => client.with_version_fallback(memory),
            _ => client,
        })
    }
}

/// The version to speak first to an agent whose JSON-RPC interface was chosen as `chosen`: the pre-0.2 draft
/// for a card in the draft's shape (a `url`, no version, no interfaces: `wire::draft::is_draft_card`), else
/// `chosen`. Only a first guess: the version fallback still tries the released versions if the agent
/// refuses the draft.
pub fn first_guess(card: &AgentCard, chosen: ProtocolVersion) -> ProtocolVersion {
    if draft::is_draft_card(&card.raw) {
        ProtocolVersion::Draft
    } else {
        chosen
    }
}

/// Cards from servers bound to `0.0.0.0` advertise that address, which no client can reach: use the host
/// the card itself came from instead.
fn fix_unspecified_host(endpoint: &str, card_url: &str) -> String {
    let (Ok(mut ep), Ok(card)) = (url::Url::parse(endpoint), url::Url::parse(card_url)) else {
        return endpoint.to_owned();
    };
    let unspecified = match ep.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_unspecified(),
        Some(url::Host::Ipv6(ip)) => ip.is_unspecified(),
        _ => false,
    };
    if unspecified && let Some(host) = card.host_str() {
        let _ = ep.set_host(Some(host));
        return ep.to_string();
    }
    endpoint.to_owned()
}

#[cfg(test)]
mod tests;
