//! The one integration-test binary: drives the built bridge with a real MCP client against real A2A agents.
mod clients;
mod core;
mod demo;
mod faults;
mod field;
mod field_faults;
mod hostile;
mod hosts;
mod http;
mod long;
mod support;
mod telemetry;
mod tidy;
mod transport;
