//! The demo agent's card: the merged "dual" shape a2a-sdk 1.x serves with its v0.3 compatibility layer:
//! `supportedInterfaces` with a 1.0 and a 0.3 JSON-RPC interface at the same URL (A2A v1.0 §8.3.1), plus the v0.3
//! fields `url`, `preferredTransport` and `protocolVersion` (A2A v0.3 §5.6.1) so v0.3-only clients can read it too.

use serde_json::{Value, json};

use super::skills::SKILLS;

/// The name on the card.
pub const AGENT_NAME: &str = "mcp-a2a-bridge demo agent";

/// The card for an agent whose JSON-RPC endpoint is `url`.
pub fn card(url: &str) -> Value {
    let skills: Vec<Value> = SKILLS
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "name": s.name,
                "description": s.description,
                "tags": ["demo"],
                "examples": s.examples,
                "inputModes": s.input_modes,
                "outputModes": ["text/plain"],
            })
        })
        .collect();
    json!({
        "name": AGENT_NAME,
        "description": "The A2A agent built into mcp-a2a-bridge, for trying the bridge out: it streams, \
                        works for a while with progress, asks a question, echoes, reports the files it is sent, and writes \
                        long answers.",
        "version": env!("CARGO_PKG_VERSION"),
        "supportedInterfaces": [
            {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
            {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "0.3"},
        ],
        "capabilities": {"streaming": true, "pushNotifications": false},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": skills,
        "url": url,
        "preferredTransport": "JSONRPC",
        "protocolVersion": "0.3",
    })
}
