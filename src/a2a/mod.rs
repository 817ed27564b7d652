//! The outbound side: an A2A client for protocol v0.3 and v1.0. Knows nothing of MCP.
//!
//! - `types`: the one model both versions decode into (`AgentCard`, `Message`, `Task`, `StreamEvent`);
//! - `wire`: JSON shapes per version in both directions, the JSON-RPC envelope (`wire::rpc`), card parsing and
//!   interface choice (pure);
//! - `sse`: event-stream frames → `StreamEvent` (pure);
//! - `client`: `A2aClient` (reqwest) and `fetch_card`;
//! - `connect`: `A2aClient::for_card`, the interface a card offers and the config's overrides → a client;
//! - `oauth`: OAuth2 client-credentials tokens, cached and refreshed;
//! - `card_auth`: the card's security schemes set against the config (token URL, API-key header, what is missing);
//! - `origin`: where an agent's requests (and credentials) may go;
//! - `scrub`: configured secrets scrubbed out of what peers send back;
//! - `artifact_text`: the one definition of an artifact's text, and a pager that keeps one page of it;
//! - `artifact_scan`: one artifact read out of a streamed `tasks/get` answer, keeping only a page or a part;
//! - `ids`: the ids of the messages the bridge sends (a random per-process base and a counter);
//! - `error`: `A2aError`.

pub mod artifact_scan;
pub mod artifact_text;
pub mod card_auth;
pub mod client;
pub mod connect;
pub mod error;
pub mod ids;
pub mod oauth;
pub mod origin;
pub mod scrub;
pub mod sse;
pub mod types;
pub mod wire;

pub use client::{A2aClient, ClientSettings, EventStream, Guards, VersionMemory, fetch_card};
pub use connect::{CardOverrides, ClientOptions};
pub use error::A2aError;
pub use types::*;

#[cfg(test)]
mod fuzz_tests;
