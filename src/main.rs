//! Entry point: parse arguments, log to stderr, load the config, run until stdin closes or a signal.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use mcp_a2a_bridge::cli::{Args, Command, LogFormat};
use mcp_a2a_bridge::config::Config;
use mcp_a2a_bridge::demo;
use mcp_a2a_bridge::telemetry::Telemetry;
use mcp_a2a_bridge::telemetry::logfmt::WithTraceIds;
use mcp_a2a_bridge::{Transport, run};

fn main() -> ExitCode {
    let args = Args::parse();
    // The config comes first (its errors are printed, not logged), since `[telemetry]` shapes the logging. The
    // demo needs no config file: it builds its own (see `mcp_a2a_bridge::demo`).
    let config = match (&args.command, &args.config) {
        (Some(_), _) => None,
        (None, None) => {
            return config_error(
                "no config file: pass --config FILE or set MCP_A2A_BRIDGE_CONFIG (see bridge.example.toml)",
            );
        }
        (None, Some(path)) => match Config::load(path) {
            Ok(c) => Some(c),
            Err(e) => return config_error(e),
        },
    };
    let telemetry_settings = config
        .as_ref()
        .map(|c| c.telemetry.clone())
        .unwrap_or_default();
    // Held to the end of `main`: dropping it flushes the spans and metrics not yet exported.
    let telemetry = match Telemetry::start(&telemetry_settings) {
        Ok(t) => t,
        Err(e) => return config_error(e),
    };
    // Held to the end of `main`: dropping it flushes the log lines still queued (waiting at most a second).
    let _log_writer = init_tracing(args.log_format, telemetry.tracer());
    if telemetry.tracer().is_some() || telemetry_settings.prometheus() {
        tracing::info!(
            exports = telemetry.describe(),
            metrics_endpoint = telemetry_settings.prometheus(),
            "telemetry on"
        );
    }
    if let Some(command) = args.command {
        return block_on(|shutdown| async move {
            match command {
                Command::DemoAgent {
                    listen,
                    card_delay_ms,
                } => {
                    let options = demo::AgentOptions {
                        card_delay: std::time::Duration::from_millis(card_delay_ms),
                        ..demo::AgentOptions::default()
                    };
                    demo::run_agent(listen, options, shutdown).await
                }
                Command::Demo { agent_listen } => {
                    demo::run_quickstart(agent_listen, args.http, shutdown).await
                }
            }
        });
    }
    let Some(config) = config else {
        return ExitCode::FAILURE;
    };
    // `--http` wins over `[server].listen`; with neither, stdio.
    let transport = match config.http_listen(args.http) {
        Ok(Some(addr)) => Transport::Http(addr),
        Ok(None) => Transport::Stdio,
        Err(e) => return config_error(e),
    };
    for warning in config.warnings(matches!(transport, Transport::Http(_))) {
        tracing::warn!("{warning}");
    }
    block_on(|shutdown| run(config, transport, shutdown))
}

/// A config problem: one line on stderr (stdout belongs to MCP), exit code 2.
fn config_error(e: impl std::fmt::Display) -> ExitCode {
    print_error(format_args!("{e}"));
    ExitCode::from(2)
}

/// One `mcp-a2a-bridge: ...` line on stderr. Unlike `eprintln!`, never panics when stderr is gone.
fn print_error(message: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "mcp-a2a-bridge: {message}");
}

/// Runs `job` on a multi-threaded runtime with a shutdown token that SIGINT/SIGTERM cancel; a failure is
/// printed once, as one line with its causes.
fn block_on<F, Fut>(job: F) -> ExitCode
where
    F: FnOnce(CancellationToken) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            print_error(format_args!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let shutdown = CancellationToken::new();
        tokio::spawn(watch_signals(shutdown.clone()));
        match job(shutdown).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                print_error(format_args!("{e:#}"));
                ExitCode::FAILURE
            }
        }
    });
    // Everything that matters has finished. What may remain is a blocking read of stdin (a terminal, or any
    // stdin that is not a pipe), which nothing can interrupt: waiting for it would hang the exit until the
    // user presses Enter.
    runtime.shutdown_background();
    code
}

/// Log lines queued for stderr at most; past it new lines are dropped rather than waited for.
const LOG_QUEUE_LINES: usize = 8192;

/// Logs go to stderr only: stdout carries MCP over stdio. `RUST_LOG` sets the filter (default `info`).
///
/// Logging never holds the bridge up: lines are queued to a writer thread (dropped when the queue is full, as
/// when stderr is a pipe nobody reads), and that thread ignores write errors (a reader that died: EPIPE).
/// Without this, a log line written to a dead pipe made tracing report the error with `eprintln!`, which
/// panics, and a panic in the signal task left the bridge serving with SIGINT and SIGTERM ignored.
///
/// With a `tracer` (traces exported), spans also go to OpenTelemetry (the bridge's own at `info` and above, and
/// `telemetry`'s server and client spans, whatever `RUST_LOG` says), and lines inside a span end with its
/// `trace_id` and `span_id`. Without one, the subscriber is exactly the plain one: telemetry off costs nothing
/// here.
fn init_tracing(
    format: LogFormat,
    tracer: Option<opentelemetry_sdk::trace::SdkTracer>,
) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .thread_name("stderr-log")
        .finish(QuietStderr);
    if let Some(tracer) = tracer {
        use tracing_subscriber::Layer as _;
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::util::SubscriberInitExt as _;
        let otel = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_filter(
                tracing_subscriber::filter::Targets::new()
                    .with_target("mcp_a2a_bridge", tracing::Level::INFO)
                    // The server and client spans: `debug`, so they stay out of log lines at `info`.
                    .with_target("mcp_a2a_bridge::telemetry", tracing::Level::DEBUG),
            );
        let fmt = tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .log_internal_errors(false)
            .with_ansi(false);
        let registry = tracing_subscriber::registry().with(otel);
        match format {
            LogFormat::Text => registry
                .with(
                    fmt.event_format(WithTraceIds::new(tracing_subscriber::fmt::format(), false))
                        .with_filter(filter),
                )
                .init(),
            LogFormat::Json => registry
                .with(
                    fmt.json()
                        .event_format(WithTraceIds::new(
                            tracing_subscriber::fmt::format().json(),
                            true,
                        ))
                        .with_filter(filter),
                )
                .init(),
        }
        return guard;
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .log_internal_errors(false)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    guard
}

/// stderr that never fails: what cannot be written (the reader is gone) is dropped.
struct QuietStderr;

impl Write for QuietStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}

/// Cancels `shutdown` on SIGINT or SIGTERM (Windows: Ctrl-C, Ctrl-Break, console close, system shutdown).
///
/// The handlers are registered when this is called, not when the returned future is first polled (as
/// `tokio::signal::ctrl_c()` would): a signal that arrives between the start-up log line and the watcher
/// task's first run must end the bridge cleanly, not kill it by the default action.
fn watch_signals(shutdown: CancellationToken) -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let watched = {
        use tokio::signal::unix::{SignalKind, signal};
        [SignalKind::interrupt(), SignalKind::terminate()].map(|kind| match signal(kind) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, signal = kind.as_raw_value(), "cannot watch a signal");
                None
            }
        })
    };
    #[cfg(windows)]
    let watched = {
        use tokio::signal::windows;
        (
            windows::ctrl_c().ok(),
            windows::ctrl_break().ok(),
            windows::ctrl_close().ok(),
            windows::ctrl_shutdown().ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let [mut int, mut term] = watched;
            tokio::select! {
                Some(_) = async { int.as_mut()?.recv().await } => {}
                Some(_) = async { term.as_mut()?.recv().await } => {}
                else => return,
            }
        }
        #[cfg(windows)]
        {
            let (mut c, mut brk, mut close, mut off) = watched;
            tokio::select! {
                Some(_) = async { c.as_mut()?.recv().await } => {}
                Some(_) = async { brk.as_mut()?.recv().await } => {}
                Some(_) = async { close.as_mut()?.recv().await } => {}
                Some(_) = async { off.as_mut()?.recv().await } => {}
                else => return,
            }
        }
        #[cfg(not(any(unix, windows)))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        shutdown.cancel();
    }
}
