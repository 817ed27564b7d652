//! mcp-a2a-bridge: an MCP server that exposes the skills of Agent2Agent (A2A) agents as MCP tools.
//!
//! # Layout
//! - `config`: the TOML file → validated `Config` (secrets resolved from env or files);
//! - `mcp`: the inbound side (rmcp server, transports); knows nothing of HTTP to agents;
//! - `bridge`: translation; the only module that knows both protocols;
//! - `a2a`: the outbound side (A2A client for v0.3 and v1.0); knows nothing of MCP.
//!
//! One tool call:
//! ```text
//! MCP client -- tools/call --> mcp::server::BridgeServer::call_tool
//!   -> bridge::handlers (call_tool)      route by tool name; handlers::message: arguments -> a2a::Message
//!   -> bridge::follow::Follow::send      stream or send+poll, within the wait budget
//!   -> a2a::client::A2aClient            JSON-RPC over HTTP, SSE via a2a::sse
//!   <- bridge::progress                  events -> notifications/progress
//!   <- bridge::result                    task -> CallToolResult
//! ```

pub mod a2a;
pub mod bridge;
pub mod cli;
pub mod config;
pub mod demo;
pub mod mcp;
pub mod telemetry;
pub mod time;

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::bridge::Bridge;
use crate::config::Config;

/// Which transport the MCP server uses.
#[derive(Debug, Clone)]
pub enum Transport {
    Stdio,
    /// Streamable HTTP at `/mcp` on this address (`--http` or `[server].listen`).
    Http(std::net::SocketAddr),
}

/// Over HTTP, before the shutdown grace period ends (`server.shutdown_grace_secs`, less a margin for the
/// results to go out), running calls are told to return a result saying the bridge is shutting down, with their
/// task ids, instead of being cut off without an answer. Over stdio `mcp::serve::serve_stdio` does this at once,
/// before it ends the session.
fn end_calls_on_shutdown(bridge: &Arc<Bridge>, config: &Config, shutdown: CancellationToken) {
    let grace = config.server.shutdown_grace;
    let grace = grace.saturating_sub((grace / 4).min(std::time::Duration::from_secs(2)));
    let bridge = Arc::clone(bridge);
    tokio::spawn(async move {
        shutdown.cancelled().await;
        tokio::time::sleep(grace).await;
        bridge.end_calls();
    });
}

/// Runs the bridge until the transport closes or `shutdown` fires.
pub async fn run(
    config: Config,
    transport: Transport,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    // Over stdio the bridge is on the user's machine: `file://` URIs under the allowed roots may be sent
    // (bridge::files).
    let bridge: Arc<Bridge> = Bridge::new(&config, matches!(transport, Transport::Stdio))?;
    bridge.start(shutdown.child_token());
    tracing::info!(
        config = %config.path.display(),
        agents = config.agents.len(),
        "mcp-a2a-bridge starting"
    );
    if matches!(transport, Transport::Http(_)) {
        end_calls_on_shutdown(&bridge, &config, shutdown.clone());
    }
    telemetry::endpoint::serve_own_listener(shutdown.child_token()).await?;
    let server = mcp::BridgeServer::new(Arc::clone(&bridge));
    if matches!(transport, Transport::Stdio) && config.server.public_url.is_some() {
        tracing::warn!(
            "server.public_url is set, but push notifications need the bridge served over HTTP; over stdio every \
             non-streaming agent is polled"
        );
    }
    let result = match transport {
        Transport::Stdio => mcp::serve::serve_stdio(server, bridge, shutdown.clone()).await,
        Transport::Http(addr) => {
            mcp::http::serve_http(server, bridge, &config.server, addr, shutdown.clone()).await
        }
    };
    shutdown.cancel();
    result
}
