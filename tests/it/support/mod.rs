//! Shared test support: real A2A peers and a real MCP client around the built binary.
pub mod agents;
pub mod bridge;
pub mod check;
pub mod clients;
pub mod draft_agent;
pub mod field_agents;
pub mod hostile;
pub mod http;
pub mod net;
pub mod otlp;
pub mod process;
pub mod provision;
pub mod scripted;
