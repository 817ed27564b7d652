//! `BridgeServer`: the MCP `ServerHandler`. A cheap clone (one `Arc`), since the HTTP transport makes a
//! handler per session and per request.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, GetTaskParams, GetTaskResult,
    Implementation, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities,
    ServerConfig, SubscriptionFilter, Tool, UpdateTaskParams,
};
use rmcp::service::{NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use tracing::Instrument;

use crate::bridge::Bridge;
use crate::telemetry::{self, MetaContext};

/// What every session is told after how agent skills are reached (`Bridge::tool_mode_note`).
const INSTRUCTIONS: &str = "Results end with the task's state, task_id and context_id: pass context_id to continue \
a conversation, and call get_task to collect a task that was still running. list_agents shows every agent and whether \
it is reachable.";

/// The server instructions: how agent skills are reached in this tool mode, the fixed part, and what the
/// tools' arguments mean (said here and in `send_message`'s description rather than in every skill tool's
/// schema).
fn instructions(tool_mode: &str) -> String {
    format!(
        "{tool_mode} {INSTRUCTIONS} {}",
        crate::bridge::ARGUMENTS_EXPLAINED
    )
}

/// How often a session's `tools/list_changed` forwarder checks whether its session has ended.
const SESSION_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// Telemetry of one MCP request other than `tools/call` (whose metrics the bridge records, knowing the agent):
/// its server span and its `mcp.server.operation.duration`. Costs nothing when telemetry is off.
struct Watch {
    span: tracing::Span,
    method: &'static str,
    started: Option<std::time::Instant>,
}

impl Watch {
    fn start(
        method: &'static str,
        tool: Option<&str>,
        context: &RequestContext<RoleServer>,
    ) -> Self {
        Watch {
            span: Self::server_span(method, tool, context),
            method,
            started: telemetry::metrics().map(|_| std::time::Instant::now()),
        }
    }

    /// The server span for a request (see `telemetry::server_span`): trace context from `params._meta`, else
    /// from the HTTP request's headers.
    fn server_span(
        method: &'static str,
        tool: Option<&str>,
        context: &RequestContext<RoleServer>,
    ) -> tracing::Span {
        if !telemetry::traces_on() {
            return tracing::Span::none();
        }
        let meta = MetaContext {
            traceparent: context.meta.get_traceparent(),
            tracestate: context.meta.get_tracestate(),
            baggage: context.meta.get_baggage(),
        };
        let http = context.extensions.get::<http::request::Parts>();
        let session = http
            .and_then(|p| p.headers.get("mcp-session-id"))
            .and_then(|v| v.to_str().ok());
        let version = context.protocol_version().map(|v| v.to_string());
        telemetry::server_span(
            method,
            tool,
            meta,
            http.map(|p| &p.headers),
            session,
            version.as_deref(),
        )
    }

    fn finish(self, error: Option<&McpError>) {
        let error_type = error.map(|e| e.code.0.to_string());
        if let Some(e) = &error_type {
            telemetry::span_failed(&self.span, e);
        }
        if let (Some(m), Some(started)) = (telemetry::metrics(), self.started) {
            m.operation(
                self.method,
                "",
                "",
                error_type.as_deref(),
                started.elapsed(),
            );
        }
    }
}

/// The MCP server: tools come from the bridge, calls go to it.
#[derive(Clone)]
pub struct BridgeServer {
    bridge: Arc<Bridge>,
    /// How many tool calls may run at once (HTTP: `server.max_concurrent_calls`; stdio: no bound, only
    /// counted); shutdown waits on it.
    calls: Option<super::limit::CallLimit>,
    /// Over stdio: calls confirm their progress before the result (`bridge::ConfirmProgress`).
    confirm_progress: bool,
}

impl BridgeServer {
    pub fn new(bridge: Arc<Bridge>) -> Self {
        BridgeServer {
            bridge,
            calls: None,
            confirm_progress: false,
        }
    }

    /// For stdio, where notifications and results share one ordered stream: each call that sent progress
    /// pings the client before its result, so clients that handle notifications later than responses (the
    /// TypeScript SDK) see every line first.
    pub fn over_stdio(mut self) -> Self {
        self.confirm_progress = true;
        self
    }

    /// Bounds concurrent tool calls: past the limit a call gets a tool error at once instead of queueing.
    pub fn with_call_limit(mut self, limit: super::limit::CallLimit) -> Self {
        self.calls = Some(limit);
        self
    }

    /// `tools/list_changed` to a 2026-07-28 subscription until the client ends it or the bridge's change
    /// channel closes (the bridge is stopping).
    async fn forward_tool_changes(&self, context: SubscriptionContext) -> Result<(), McpError> {
        let mut changes = self.bridge.subscribe_tool_changes();
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                change = changes.recv() => {
                    if !still_changing(change) {
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

impl ServerHandler for BridgeServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .enable_tasks()
                .enable_resources()
                .build(),
        )
        .with_server_info(
            Implementation::new(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"))
                .with_title("MCP to A2A bridge"),
        )
        .with_instructions(instructions(&self.bridge.tool_mode_note()))
    }

    /// Pages of at most `bridge.tools_page_size` tools, with `nextCursor` while more follow.
    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let watch = Watch::start("tools/list", None, &context);
        let cursor = request.and_then(|r| r.cursor);
        // Boxed, as every handler here whose future is larger than a tool call's: rmcp runs each request in a
        // task sized for the largest handler future, and each call in flight holds such a task (the memory per
        // in-flight call in BENCHMARKS.md).
        let answer = Box::pin(self.bridge.tools_page(cursor.as_deref()))
            .instrument(watch.span.clone())
            .await
            .map_err(|e| McpError::invalid_params(e, None))
            .map(|(tools, next)| {
                let mut result = ListToolsResult::with_all_items(tools);
                result.next_cursor = next;
                result
            });
        watch.finish(answer.as_ref().err());
        answer
    }

    /// The card of every reachable agent (`a2a://{agent}/card`).
    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let watch = Watch::start("resources/list", None, &context);
        let resources = Box::pin(self.bridge.list_resources())
            .instrument(watch.span.clone())
            .await;
        watch.finish(None);
        Ok(ListResourcesResult::with_all_items(resources))
    }

    /// `a2a://{agent}/card` and `a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}`.
    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(
            crate::bridge::resource_templates(),
        ))
    }

    /// Cards from the registry; artifacts fetched from their agent (stateless).
    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let watch = Watch::start("resources/read", None, &context);
        // A cancelled request drops the read, which stops it at once (`A2aClient::read_artifact`).
        let answer = tokio::select! {
            answer = Box::pin(self.bridge.read_resource(&request.uri))
                .instrument(watch.span.clone()) => answer,
            () = context.ct.cancelled() => Err(McpError::internal_error(
                format!("{}: the read was cancelled by the client", request.uri),
                None,
            )),
        };
        watch.finish(answer.as_ref().err());
        Ok(answer?.into())
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.bridge.tool(name)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        mut context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        if self.confirm_progress {
            context.extensions.insert(crate::bridge::ConfirmProgress);
        }
        let span = Watch::server_span("tools/call", Some(&request.name), &context);
        let _permit = match self.calls.as_ref().map(super::limit::CallLimit::try_start) {
            Some(Err(refused)) => {
                telemetry::span_failed(&span, "tool_error");
                if let Some(m) = telemetry::metrics()
                    && self.bridge.tool(&request.name).is_some()
                {
                    m.tool_call(
                        "",
                        &request.name,
                        "refused",
                        Some("tool_error"),
                        Default::default(),
                    );
                }
                return Ok(refused.into());
            }
            Some(Ok(permit)) => Some(permit),
            None => None,
        };
        // Boxed: the call's state machine is large, and unboxed it would be moved along with rmcp's
        // per-request future (issue 16 counted about a quarter fewer instructions per echo call with the box).
        // Boxed before it is instrumented, so that it is copied once (into the box), not once more into the
        // `Instrumented` wrapper first.
        let answer = Box::pin(self.bridge.call_tool(request, context))
            .instrument(span.clone())
            .await;
        match &answer {
            Ok(CallToolResponse::Complete(r)) if r.is_error == Some(true) => {
                telemetry::span_failed(&span, "tool_error");
            }
            Err(e) => telemetry::span_failed(&span, &e.code.0.to_string()),
            Ok(_) => {}
        }
        answer
    }

    /// MCP tasks extension: answered from the A2A task, so any bridge process can answer.
    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        let watch = Watch::start("tasks/get", None, &context);
        let answer = Box::pin(self.bridge.mcp_tasks_get(request))
            .instrument(watch.span.clone())
            .await;
        watch.finish(answer.as_ref().err());
        answer
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let watch = Watch::start("tasks/update", None, &context);
        let answer = Box::pin(self.bridge.mcp_tasks_update(request))
            .instrument(watch.span.clone())
            .await;
        watch.finish(answer.as_ref().err());
        answer
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let watch = Watch::start("tasks/cancel", None, &context);
        let answer = Box::pin(self.bridge.mcp_tasks_cancel(request))
            .instrument(watch.span.clone())
            .await;
        watch.finish(answer.as_ref().err());
        answer
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
                        if !still_changing(change) || peer.notify_tool_list_changed().await.is_err() {
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
        // Boxed: see `list_tools`.
        Box::pin(self.forward_tool_changes(context)).await
    }
}

/// Whether a tool-change receiver should notify its client: on a change, and also when it fell behind
/// (`Lagged`: the changes it missed are still changes, and one `tools/list_changed` covers them all); not
/// once the channel is closed.
fn still_changing(change: Result<(), tokio::sync::broadcast::error::RecvError>) -> bool {
    !matches!(
        change,
        Err(tokio::sync::broadcast::error::RecvError::Closed)
    )
}

#[cfg(test)]
mod tests {
    use super::still_changing;

    #[tokio::test]
    async fn a_lagging_tool_change_receiver_still_notifies_and_a_closed_one_stops() {
        let (sender, mut changes) = tokio::sync::broadcast::channel(1);
        sender.send(()).unwrap();
        sender.send(()).unwrap();
        let lagged = changes.recv().await;
        assert!(matches!(
            lagged,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(1))
        ));
        assert!(still_changing(lagged));
        assert!(still_changing(changes.recv().await));
        drop(sender);
        assert!(!still_changing(changes.recv().await));
    }
}
