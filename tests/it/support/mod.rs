//! Shared test support: real A2A peers and a real MCP client around the built binary.
pub mod agents;
pub mod bridge;
pub mod field_agents;
pub mod hostile;
pub mod http;
pub mod proxy;
pub mod scripted;
