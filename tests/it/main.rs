//! The one integration-test binary: drives the built bridge with a real MCP client against real A2A agents.
mod core;
mod demo;
mod faults;
mod field;
mod hostile;
mod http;
mod long;
mod support;
mod tidy;
