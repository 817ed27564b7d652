//! The inbound side: everything that touches rmcp's server. Knows nothing of HTTP to agents.
//!
//! - `server`: `BridgeServer`, the `ServerHandler` that hands tool calls to the bridge;
//! - `serve`: running it over stdio.

pub mod serve;
pub mod server;

pub use server::BridgeServer;
