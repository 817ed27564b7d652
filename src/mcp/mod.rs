//! The inbound side: everything that touches rmcp's server. Knows nothing of HTTP to agents.
//!
//! - `server`: `BridgeServer`, the `ServerHandler` that hands tool calls to the bridge;
//! - `serve`: running it over stdio;
//! - `http`: running it over Streamable HTTP (auth, Host/Origin checks, health, call limit, graceful shutdown).

pub mod http;
pub mod serve;
pub mod server;

pub use server::BridgeServer;
