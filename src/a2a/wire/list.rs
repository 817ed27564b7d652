//! `ListTasks` (A2A v1.0 §3.1.4, JSON-RPC `ListTasks`): the query the client sends and the page it reads back
//! (pure). A2A v0.3 has no such method over JSON-RPC.

use serde_json::{Map, Value, json};

use super::{bad, decode_task, state_name, str_field, truncate_json};
use crate::a2a::error::A2aError;
use crate::a2a::types::{ProtocolVersion, Task, TaskState};

/// Most tasks one page may hold (A2A v1.0 `ListTasksRequest.pageSize`: 1 to 100).
pub const MAX_PAGE_SIZE: u32 = 100;

/// What to list: every filter is optional; the agent lists its tasks newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListTasksRequest {
    /// Only tasks of this context (conversation).
    pub context_id: Option<String>,
    /// Only tasks in this state.
    pub state: Option<TaskState>,
    /// At most this many tasks (1 to `MAX_PAGE_SIZE`; the agent's default, 50, when unset).
    pub page_size: Option<u32>,
    /// The `next_page_token` of the page before.
    pub page_token: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct ListTasksResponse {
    pub tasks: Vec<Task>,
    /// Where the next page starts; `None` on the last page (the agent sends `""` there).
    pub next_page_token: Option<String>,
    /// How many tasks match the filters in all, when the agent says.
    pub total_size: Option<u64>,
}

/// `ListTasksRequest` params (A2A v1.0): the filters, `includeArtifacts: true` so each task's output can be
/// shown, and `historyLength: 0` (the history is not shown).
pub fn list_tasks_params(query: &ListTasksRequest, tenant: Option<&str>) -> Value {
    let mut params = Map::new();
    if let Some(tenant) = tenant {
        params.insert("tenant".into(), json!(tenant));
    }
    if let Some(id) = &query.context_id {
        params.insert("contextId".into(), json!(id));
    }
    if let Some(state) = query.state {
        params.insert(
            "status".into(),
            json!(state_name(ProtocolVersion::V1_0, state)),
        );
    }
    if let Some(size) = query.page_size {
        params.insert("pageSize".into(), json!(size.clamp(1, MAX_PAGE_SIZE)));
    }
    if let Some(token) = query.page_token.as_deref().filter(|t| !t.is_empty()) {
        params.insert("pageToken".into(), json!(token));
    }
    params.insert("historyLength".into(), json!(0));
    params.insert("includeArtifacts".into(), json!(true));
    Value::Object(params)
}

/// A `ListTasksResponse`: `{tasks[], nextPageToken, pageSize, totalSize}`. Missing `tasks` is an empty page
/// (ProtoJSON leaves out empty lists); `totalSize` may come as a number or as text (int64 in ProtoJSON).
pub fn decode_task_page(result: &Value) -> Result<ListTasksResponse, A2aError> {
    if !result.is_object() {
        return Err(bad(format!(
            "ListTasks result is not an object: {}",
            truncate_json(result)
        )));
    }
    let tasks = match result.get("tasks") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().map(decode_task).collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(bad(format!(
                "ListTasks \"tasks\" is not a list: {}",
                truncate_json(other)
            )));
        }
    };
    let total_size = match result.get("totalSize") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(ListTasksResponse {
        tasks,
        next_page_token: str_field(result, "nextPageToken").filter(|t| !t.is_empty()),
        total_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_carry_only_the_filters_given() {
        let all = list_tasks_params(&ListTasksRequest::default(), None);
        assert_eq!(all, json!({"historyLength": 0, "includeArtifacts": true}));
        let some = list_tasks_params(
            &ListTasksRequest {
                context_id: Some("c1".into()),
                state: Some(TaskState::InputRequired),
                page_size: Some(500),
                page_token: Some("p2".into()),
            },
            Some("t"),
        );
        assert_eq!(
            some,
            json!({"tenant": "t", "contextId": "c1", "status": "TASK_STATE_INPUT_REQUIRED",
                   "pageSize": 100, "pageToken": "p2", "historyLength": 0, "includeArtifacts": true})
        );
    }

    #[test]
    fn pages_are_read_leniently_and_bad_ones_refused() {
        let page = decode_task_page(&json!({
            "tasks": [{"id": "t1", "contextId": "c", "status": {"state": "TASK_STATE_COMPLETED"}}],
            "nextPageToken": "", "pageSize": 50, "totalSize": "1"
        }))
        .unwrap();
        assert_eq!(page.tasks.len(), 1);
        assert_eq!(page.tasks[0].status.state, TaskState::Completed);
        assert_eq!(page.next_page_token, None);
        assert_eq!(page.total_size, Some(1));
        let empty = decode_task_page(&json!({"nextPageToken": "x"})).unwrap();
        assert!(empty.tasks.is_empty());
        assert_eq!(empty.next_page_token.as_deref(), Some("x"));
        assert!(decode_task_page(&json!([])).is_err());
        assert!(decode_task_page(&json!({"tasks": {"id": 1}})).is_err());
        assert!(decode_task_page(&json!({"tasks": [{"id": "no status"}]})).is_err());
    }
}
