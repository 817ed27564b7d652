//! The one integration-test binary: drives the built bridge with a real MCP client against real A2A agents.
mod card_auth;
mod clients;
mod core;
mod demo;
mod extended_card;
mod faults;
mod field;
mod field_faults;
mod gemini;
mod hostile;
mod hosts;
mod http;
mod list_tasks;
mod long;
mod support;
mod tidy;
mod transport;
