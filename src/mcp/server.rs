//! `BridgeServer`: the MCP `ServerHandler`. A cheap clone (one `Arc`), since the HTTP transport makes a
//! handler per session and per request.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, GetTaskParams, GetTaskResult,
    Implementation, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig,
    SubscriptionFilter, Tool, UpdateTaskParams,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};

use crate::bridge::Bridge;

const INSTRUCTIONS: &str = "Each tool is a skill of an A2A agent; calling it sends your message to that agent. \
Results end with the task's state, task_id and context_id: pass context_id to continue a conversation, \
and call get_task to collect a task that was still running. list_agents shows every agent and whether it is reachable.";

/// How often a session's `tools/list_changed` forwarder checks whether its session has ended.
const SESSION_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// The MCP server: tools come from the bridge, calls go to it.
#[derive(Clone)]
pub struct BridgeServer {
    bridge: Arc<Bridge>,
    /// Over HTTP: how many tool calls may run at once (`server.max_concurrent_calls`); shutdown waits on it.
    calls: Option<super::limit::CallLimit>,
}

impl BridgeServer {
    pub fn new(bridge: Arc<Bridge>) -> Self {
        BridgeServer {
            bridge,
            calls: None,
        }
    }

    /// Bounds concurrent tool calls: past the limit a call gets a tool error at once instead of queueing.
    pub fn with_call_limit(mut self, limit: super::limit::CallLimit) -> Self {
        self.calls = Some(limit);
        self
    }
}

impl ServerHandler for BridgeServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_tasks()
                .build(),
        )
        .with_server_info(
            Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
                .with_title("MCP to A2A bridge"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(self.bridge.tools().await))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.bridge.tool(name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let _permit = match self.calls.as_ref().map(super::limit::CallLimit::try_start) {
            Some(Err(refused)) => return Ok(refused.into()),
            Some(Ok(permit)) => Some(permit),
            None => None,
        };
        // Boxed: the call's state machine is large, and unboxed it would be moved along with rmcp's
        // per-request future (issue 16 counted about a quarter fewer instructions per echo call with the box).
        Box::pin(self.bridge.call_tool(request, context)).await
    }

    /// MCP tasks extension: answered from the A2A task, so any bridge process can answer.
    async fn get_task(
        &self,
        request: GetTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        self.bridge.mcp_tasks_get(request).await
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.bridge.mcp_tasks_update(request).await
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.bridge.mcp_tasks_cancel(request).await
    }

    /// Sessions that `initialize` get `tools/list_changed` through their peer. The forwarder ends when the
    /// session does (checked every `SESSION_CHECK`), so closed sessions leave no task behind.
    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let mut changes = self.bridge.subscribe_tool_changes();
        let peer = context.peer.clone();
        tokio::spawn(async move {
            let mut check = tokio::time::interval(SESSION_CHECK);
            loop {
                tokio::select! {
                    change = changes.recv() => {
                        if change.is_err() || peer.notify_tool_list_changed().await.is_err() {
                            break;
                        }
                    }
                    _ = check.tick() => {
                        if peer.is_transport_closed() {
                            break;
                        }
                    }
                }
            }
        });
    }

    /// 2026-07-28 clients get `tools/list_changed` through `subscriptions/listen`.
    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        Some(requested.supported_by(&self.get_info().capabilities))
    }

    async fn listen(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let mut changes = self.bridge.subscribe_tool_changes();
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                change = changes.recv() => {
                    if change.is_err() {
                        return Ok(());
                    }
                    context
                        .sink()
                        .notify_tool_list_changed()
                        .await
                        .map_err(|e| McpError::internal_error(e.to_string(), None))?;
                }
            }
        }
    }
}
