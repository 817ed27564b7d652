//! Running the MCP server over a transport.

use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use super::BridgeServer;

/// Serves MCP on stdin/stdout until the client closes stdin or `shutdown` fires.
pub async fn serve_stdio(server: BridgeServer, shutdown: CancellationToken) -> anyhow::Result<()> {
    let running = server
        .serve_with_ct(rmcp::transport::stdio(), shutdown.child_token())
        .await
        .map_err(|e| anyhow::anyhow!("MCP handshake on stdio failed: {e}"))?;
    let reason = running.waiting().await?;
    tracing::info!(?reason, "stdio session ended");
    Ok(())
}
