//! Operations each protocol version names on its own, outside `wire::Method` (which the demo agent serves in
//! full): `ListTasks` (A2A v1.0 only), the authenticated extended card (A2A v0.3
//! `agent/getAuthenticatedExtendedCard`, v1.0 `GetExtendedAgentCard`); and what a 401/403 means for this
//! agent's configuration.

use serde_json::Value;

use super::{A2aClient, A2aError, AgentCard, ProtocolVersion, rpc};
use crate::a2a::error::METHOD_NOT_FOUND;
use crate::a2a::wire::{self, ListTasksRequest, ListTasksResponse};

/// Whether a card says its agent has an authenticated extended card: v0.3 `supportsAuthenticatedExtendedCard`
/// (A2A v0.3 §5.5), v1.0 `capabilities.extendedAgentCard` (A2A v1.0 §4.4.3).
pub fn offers_extended_card(card: &AgentCard) -> bool {
    let flag = |v: Option<&Value>| v.and_then(Value::as_bool).unwrap_or(false);
    flag(card.raw.get("supportsAuthenticatedExtendedCard"))
        || flag(
            card.raw
                .get("capabilities")
                .and_then(|c| c.get("extendedAgentCard")),
        )
}

/// What a model can do instead of listing tasks.
const LIST_TASKS_INSTEAD: &str =
    "find the task by the task_id of an earlier result (get_task), or continue with its context_id";

impl A2aClient {
    /// An HTTP 401 or 403 with what the card asks for and the config lacks, when there is something.
    pub(super) fn explain_auth(&self, error: A2aError) -> A2aError {
        match (error, &self.inner.guards.auth_hint) {
            (
                A2aError::Http {
                    status: status @ (401 | 403),
                    url,
                    body,
                },
                Some(hint),
            ) => A2aError::Http {
                status,
                url,
                body: if body.is_empty() {
                    format!("({hint})")
                } else {
                    format!("{body} ({hint})")
                },
            },
            (error, _) => error,
        }
    }

    /// One JSON-RPC call of the method `name` in `version`, its answer read like any other call's.
    pub(super) async fn call_named(
        &self,
        version: ProtocolVersion,
        name: &str,
        params: Value,
    ) -> Result<Value, A2aError> {
        let id = self
            .inner
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let timeout = self.inner.request_timeout;
        let resp = self
            .post_body(
                version,
                self.inner.endpoint_url.clone(),
                rpc::request_body(id, name, &params),
                None,
                "application/json",
                timeout,
                true,
            )
            .await?;
        let body = self.read_answer(resp, timeout).await?;
        rpc::decode_response(&body)
    }

    /// The authenticated extended card (A2A v0.3 `agent/getAuthenticatedExtendedCard`, A2A v1.0
    /// `GetExtendedAgentCard`), sent with the agent's credentials like every other call.
    pub async fn get_extended_card(&self) -> Result<AgentCard, A2aError> {
        let version = self.version();
        self.json_rpc_only("the authenticated extended card")?;
        let (name, params) = match version {
            ProtocolVersion::Draft => {
                return Err(A2aError::Unsupported(
                    "the pre-0.2 draft has no authenticated extended card".into(),
                ));
            }
            ProtocolVersion::V0_3 => ("agent/getAuthenticatedExtendedCard", serde_json::json!({})),
            ProtocolVersion::V1_0 => {
                let mut params = serde_json::Map::new();
                if let Some(tenant) = self.tenant() {
                    params.insert("tenant".into(), Value::String(tenant.to_owned()));
                }
                ("GetExtendedAgentCard", Value::Object(params))
            }
        };
        let result = self.call_named(version, name, params).await;
        self.scrubbed(result.and_then(wire::decode_card))
    }

    /// `ListTasks` (A2A v1.0 §3.1.4): one page of the agent's tasks, newest first. An agent spoken to in
    /// v0.3 (which has no such method), or one that answers `-32601`, gives `A2aError::Unsupported`.
    pub async fn list_tasks(
        &self,
        query: &ListTasksRequest,
    ) -> Result<ListTasksResponse, A2aError> {
        let version = self.version();
        self.json_rpc_only("ListTasks")?;
        if version != ProtocolVersion::V1_0 {
            return Err(A2aError::Unsupported(format!(
                "the agent speaks A2A {version}, which has no ListTasks (it is an A2A 1.0 method); \
                 {LIST_TASKS_INSTEAD}"
            )));
        }
        let result = self
            .call_named(
                version,
                "ListTasks",
                wire::list_tasks_params(query, self.tenant()),
            )
            .await;
        let result = match result {
            Err(e) if e.is_code(METHOD_NOT_FOUND) => Err(A2aError::Unsupported(format!(
                "the agent does not offer ListTasks ({e}); {LIST_TASKS_INSTEAD}"
            ))),
            other => other.and_then(|r| wire::decode_task_page(&r)),
        };
        self.scrubbed(result)
    }
}

impl A2aClient {
    /// `Err(Unsupported)` naming `what` when the agent is spoken to over HTTP+JSON: these operations are sent
    /// over JSON-RPC only so far.
    fn json_rpc_only(&self, what: &str) -> Result<(), A2aError> {
        if self.binding() == crate::a2a::Binding::HttpJson {
            return Err(A2aError::Unsupported(format!(
                "{what} is not sent over the HTTP+JSON binding yet; this agent is reached over HTTP+JSON"
            )));
        }
        Ok(())
    }
}
