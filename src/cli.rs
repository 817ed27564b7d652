//! Command-line arguments.

use std::path::PathBuf;

use clap::Parser;

/// An MCP server that exposes the skills of A2A agents as MCP tools.
#[derive(Debug, Parser)]
#[command(name = "mcp-a2a-bridge", version, about, long_about = None)]
pub struct Args {
    /// The bridge's TOML config file (see bridge.example.toml).
    #[arg(long, short, env = "MCP_A2A_BRIDGE_CONFIG", value_name = "FILE")]
    pub config: PathBuf,

    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}
