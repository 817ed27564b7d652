//! Running the MCP server over a transport.

use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use super::BridgeServer;
use super::stdio::StdioTransport;

/// Serves MCP on stdin/stdout until the client closes stdin or `shutdown` fires. When both are pipes (as MCP
/// clients launch servers) they are driven by the IO reactor instead of the blocking thread pool, which
/// saves a thread hand-off per message; anything else falls back to blocking stdio. A shutdown before the
/// handshake (Ctrl-C on a bridge started by hand) is a normal end, not an error.
pub async fn serve_stdio(server: BridgeServer, shutdown: CancellationToken) -> anyhow::Result<()> {
    let running = match server
        .over_stdio()
        .serve_with_ct(stdio_transport(), shutdown.child_token())
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

/// stdin and stdout as rmcp's pipe-aware pair (non-blocking when both are pipes), framed by `StdioTransport`.
fn stdio_transport()
-> StdioTransport<rmcp::transport::io::StdioReader, rmcp::transport::io::StdioWriter> {
    let (read, write) = rmcp::transport::io::stdio_pipes();
    StdioTransport::new(read, write)
}
