//! `list_tasks` (A2A v1.0 `ListTasks`) against a2a-sdk 1.3.0: a task started through the bridge is found again
//! by its context, filters and paging reach the agent, and a v0.3 agent gets a tool error saying why.

use serde_json::json;

use crate::support::agents::{self, Shared};
use crate::support::bridge::{self, Bridge, Generation, Recorder, agent_toml};

async fn bridge_for(which: Shared) -> Bridge {
    let agent = agents::shared(which).await;
    bridge::start(
        &agent_toml("ag", &agent.url, ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await
}

/// Two calls in one conversation, then `list_tasks` by that context finds both, newest first, a page of
/// one at a time; a state filter no task matches gives an empty page.
#[tokio::test]
async fn list_tasks_finds_tasks_by_their_context() {
    let bridge = bridge_for(Shared::V1).await;
    let first = bridge.call("ag_echo", json!({"message": "list me"})).await;
    assert!(!first.is_error(), "{}", first.text());
    let context = first.structured()["context_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first_task = first.structured()["task_id"].as_str().unwrap().to_owned();
    let second = bridge
        .call(
            "ag_echo",
            json!({"message": "list me too", "context_id": context}),
        )
        .await;
    let second_task = second.structured()["task_id"].as_str().unwrap().to_owned();
    assert_ne!(first_task, second_task);

    let all = bridge
        .call("list_tasks", json!({"agent": "ag", "context_id": context}))
        .await;
    assert!(!all.is_error(), "{}", all.text());
    let tasks = all.structured()["tasks"].as_array().unwrap().clone();
    let ids: Vec<&str> = tasks
        .iter()
        .map(|t| t["task_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [second_task.as_str(), first_task.as_str()],
        "{}",
        all.text()
    );
    assert!(
        tasks
            .iter()
            .all(|t| t["state"] == "completed" && t["context_id"] == context.as_str())
    );
    assert!(all.text().contains(&first_task), "{}", all.text());
    assert!(all.text().contains("last page"), "{}", all.text());

    // One a page: the token leads to the older task, and that page is the last.
    let page1 = bridge
        .call(
            "list_tasks",
            json!({"agent": "ag", "context_id": context, "page_size": 1}),
        )
        .await;
    let token = page1.structured()["next_page_token"]
        .as_str()
        .expect("a next page")
        .to_owned();
    assert_eq!(
        page1.structured()["tasks"][0]["task_id"],
        second_task.as_str()
    );
    let page2 = bridge
        .call(
            "list_tasks",
            json!({"agent": "ag", "context_id": context, "page_size": 1, "page_token": token}),
        )
        .await;
    assert_eq!(
        page2.structured()["tasks"][0]["task_id"],
        first_task.as_str()
    );
    assert!(page2.structured()["next_page_token"].is_null());

    let failed = bridge
        .call(
            "list_tasks",
            json!({"agent": "ag", "context_id": context, "state": "failed"}),
        )
        .await;
    assert!(!failed.is_error(), "{}", failed.text());
    assert_eq!(failed.structured()["tasks"], json!([]));

    let bad = bridge
        .call("list_tasks", json!({"agent": "ag", "state": "sleeping"}))
        .await;
    assert!(bad.is_error());
    assert!(bad.text().contains("state"), "{}", bad.text());
}

/// A v0.3 agent has no ListTasks: the tool error says so and what to do instead.
#[tokio::test]
async fn list_tasks_on_a_v03_agent_is_a_clear_tool_error() {
    let bridge = bridge_for(Shared::V03).await;
    let call = bridge.call("list_tasks", json!({"agent": "ag"})).await;
    assert!(call.is_error());
    let text = call.text();
    assert!(text.contains("A2A 0.3, which has no ListTasks"), "{text}");
    assert!(text.contains("get_task"), "{text}");
}
