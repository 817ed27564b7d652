//! Running the MCP server over a transport.

use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use super::BridgeServer;
use super::limit::CallLimit;
use super::stdio::StdioTransport;
use crate::bridge::Bridge;

/// Serves MCP on stdin/stdout until the client closes stdin (or stdout) or `shutdown` fires. When both are pipes
/// (as MCP clients launch servers) they are driven by the IO reactor instead of the blocking thread pool, which
/// saves a thread hand-off per message; anything else falls back to blocking stdio. A shutdown before the
/// handshake (Ctrl-C on a bridge started by hand) is a normal end, not an error.
///
/// On `shutdown` (SIGTERM, Ctrl-C), running calls are ended first (`Bridge::end_calls`: each returns a result
/// saying the bridge is shutting down, with its task id, and its A2A task keeps running), and the session only
/// after they have returned (at most `CALLS_RETURN`): stopping the session first canceled them as if the client
/// had, canceling their A2A tasks too. When the client closes stdin instead, the session ends as the client's
/// doing: rmcp gives running calls a few seconds to send their results, then cancels them, and their A2A
/// tasks with them.
pub async fn serve_stdio(
    server: BridgeServer,
    bridge: Arc<Bridge>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    // No bound on calls over stdio: the limit only counts them, so shutdown can wait for them.
    let calls = CallLimit::new(usize::MAX);
    let session = CancellationToken::new();
    tokio::spawn({
        let (calls, session, shutdown) = (calls.clone(), session.clone(), shutdown.clone());
        async move {
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = session.cancelled() => return,
            }
            calls.close();
            bridge.end_calls();
            if tokio::time::timeout(CALLS_RETURN, calls.idle())
                .await
                .is_err()
            {
                tracing::warn!(
                    running = calls.running(),
                    "tool calls still running at shutdown"
                );
            }
            session.cancel();
        }
    });
    // The watcher ends with this function, however it returns.
    let _end_watcher = session.clone().drop_guard();
    let server = server.with_call_limit(calls);
    let running = match server
        .over_stdio()
        .serve_with_ct(stdio_transport(), session.clone())
        .await
    {
        Ok(running) => running,
        // Ctrl-C (or SIGTERM) before any client spoke, as when started by hand in a terminal: a clean exit.
        Err(_) if shutdown.is_cancelled() => {
            tracing::info!("stopped before an MCP client connected on stdio");
            return Ok(());
        }
        // stdin closed before a client spoke (a host that probes the command and gives up, `< /dev/null`):
        // nothing was asked, so nothing failed.
        Err(
            rmcp::service::ServerInitializeError::ConnectionClosed(_)
            | rmcp::service::ServerInitializeError::ExpectedInitializeRequest(None),
        ) => {
            tracing::info!("stdin closed before an MCP client spoke; exiting");
            return Ok(());
        }
        Err(e) => return Err(anyhow::anyhow!("MCP handshake on stdio failed: {e}")),
    };
    let reason = running.waiting().await?;
    tracing::info!(?reason, "stdio session ended");
    Ok(())
}

/// How long shutdown waits for running calls to return their results before the session ends. Calls return as
/// soon as they see `end_calls`; this only bounds one that does not, within the couple of seconds hosts allow
/// between SIGTERM and SIGKILL.
const CALLS_RETURN: Duration = Duration::from_secs(2);

/// stdin and stdout as rmcp's pipe-aware pair (non-blocking when both are pipes), framed by `StdioTransport`.
fn stdio_transport()
-> StdioTransport<rmcp::transport::io::StdioReader, rmcp::transport::io::StdioWriter> {
    let (read, write) = rmcp::transport::io::stdio_pipes();
    StdioTransport::new(read, write)
}
