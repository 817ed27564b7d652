//! Command-line arguments.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// An MCP server that exposes the skills of A2A agents as MCP tools.
#[derive(Debug, Parser)]
#[command(name = "mcp-a2a-bridge", version, about, long_about = None)]
pub struct Args {
    /// The bridge's TOML config file (see bridge.example.toml).
    #[arg(
        long,
        short,
        env = "MCP_A2A_BRIDGE_CONFIG",
        value_name = "FILE",
        global = true
    )]
    pub config: Option<PathBuf>,

    /// Serve MCP over Streamable HTTP on this address (at /mcp) instead of stdio.
    #[arg(long, value_name = "ADDR", global = true)]
    pub http: Option<SocketAddr>,

    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to run; without a subcommand, the bridge itself.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the built-in demo A2A agent (protocol 1.0 and 0.3 on one endpoint).
    DemoAgent {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:41241")]
        listen: SocketAddr,
        /// Answer agent-card requests after this many milliseconds (for start-up benchmarks).
        #[arg(long, value_name = "MS", default_value_t = 0)]
        card_delay_ms: u64,
    },
    /// Start the demo agent and the bridge together, and print the client config to paste.
    Demo {
        /// Address for the demo agent.
        #[arg(long, default_value = "127.0.0.1:41241")]
        agent_listen: SocketAddr,
    },
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
