//! The built-in demo: a small but real A2A agent, and the `demo` quickstart that puts the bridge in front of it.
//!
//! The agent (`mcp-a2a-bridge demo-agent`) is a peer of the bridge, not part of it: it speaks A2A over HTTP like any
//! other agent and knows nothing of MCP. It reuses the client's model (`a2a::types`) and wire code (`a2a::wire`,
//! whose encoders and decoders work in both directions, and `a2a::wire::rpc` for the JSON-RPC envelope).
//!
//! - `agent`: the HTTP server (card, JSON-RPC for protocol 1.0 and 0.3 on one endpoint, SSE streams), `DemoAgent`;
//! - `card`: the agent card, in the merged 1.0 + 0.3 shape;
//! - `skills`: routing a message to `stream`, `work`, `ask`, `echo`, `files` or `long` (and the benchmark-only
//!   `bench-stream` and `big`), and the workers that run them;
//! - `store`: the tasks in memory, bounded, with their event channels;
//! - `quickstart`: `mcp-a2a-bridge demo`, the agent and the bridge in one process.

mod agent;
mod card;
mod quickstart;
mod skills;
mod store;

use std::net::SocketAddr;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

pub use agent::{AgentOptions, DEFAULT_MAX_TASKS, DEFAULT_SETTLED_TTL, DemoAgent};
pub use card::AGENT_NAME;
pub use quickstart::{AGENT, demo_config, run_quickstart};

/// A JSON-RPC error the demo agent answers with (codes in `a2a::error`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError {
            code,
            message: message.into(),
        }
    }
}

/// `mcp-a2a-bridge demo-agent`: serves the demo agent on `listen` until `shutdown` fires.
pub async fn run_agent(
    listen: SocketAddr,
    options: AgentOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let agent = DemoAgent::bind(listen, options)
        .await
        .with_context(|| format!("cannot listen on {listen} for the demo agent"))?;
    agent.serve(shutdown).await
}
