//! The inbound side: everything that touches rmcp's server. Knows nothing of HTTP to agents.
//!
//! - `server`: `BridgeServer`, the `ServerHandler` that hands tool calls to the bridge;
//! - `serve`: running it over stdio;
//! - `stdio`: the stdio transport (rmcp's line framing, `tools/call` read without rmcp's untagged enum);
//! - `http`: running it over Streamable HTTP (auth, Host/Origin checks, health, graceful shutdown, the answers
//!   rmcp gets wrong: malformed bodies, `DELETE`, the session limit);
//! - `sessions`: HTTP sessions (per-revision SSE priming, replay after a dropped stream);
//! - `limit`: `CallLimit`, the bound on tool calls running at once over HTTP.

pub mod http;
pub mod limit;
pub mod serve;
pub mod server;
pub mod sessions;
pub mod stdio;

pub use limit::CallLimit;
pub use server::BridgeServer;
