//! Entry point: parse arguments, log to stderr, load the config, run until stdin closes or a signal.

use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use mcp_a2a_bridge::cli::{Args, LogFormat};
use mcp_a2a_bridge::config::Config;
use mcp_a2a_bridge::{Transport, run};

fn main() -> ExitCode {
    let args = Args::parse();
    init_tracing(args.log_format);
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            // Config errors go to stderr as one line; stdout belongs to MCP.
            tracing::error!("{e}");
            eprintln!("mcp-a2a-bridge: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mcp-a2a-bridge: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let shutdown = CancellationToken::new();
        tokio::spawn(watch_signals(shutdown.clone()));
        match run(config, Transport::Stdio, shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("{e:#}");
                eprintln!("mcp-a2a-bridge: {e:#}");
                ExitCode::FAILURE
            }
        }
    })
}

/// Logs go to stderr only: stdout carries MCP over stdio. `RUST_LOG` sets the filter (default `info`).
fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Cancels `shutdown` on SIGINT or SIGTERM.
async fn watch_signals(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGTERM");
                let _ = ctrl_c.await;
                shutdown.cancel();
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
    shutdown.cancel();
}
