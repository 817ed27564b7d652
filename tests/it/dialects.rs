//! Issue 12 §1–2: agents that speak the pre-0.2 draft (python-a2a 0.5.10's own server; a scripted
//! agent shaped like EDDI's) and agents reachable only over the HTTP+JSON binding (a2a-sdk 1.3.0 and
//! 0.3.26 REST servers, @a2a-js/sdk 1.3.0's REST routes). Each goes through the checks a JSON-RPC agent
//! does: a streamed and a plain call, `get_task`, `cancel_task`, continuing a task, and `list_agents`.

use serde_json::{Value, json};

use crate::support::agents::{Agent, AgentSpec};
use crate::support::bridge::{self, Bridge, Call, Generation, Recorder, agent_toml};
use crate::support::draft_agent::DraftAgent;
use crate::support::field_agents::{FieldAgent, Impl};

async fn bridge_at(url: &str, extra: &str) -> Bridge {
    bridge::start(
        &agent_toml("d", url, extra),
        Generation::Legacy,
        Recorder::default(),
    )
    .await
}

/// The agent's skill tool (`d_<skill>`), the first one when there are several.
async fn skill_tool(bridge: &Bridge) -> String {
    let names = bridge.tool_names().await;
    names
        .into_iter()
        .find(|n| n.starts_with("d_"))
        .expect("a skill tool")
}

fn state(call: &Call) -> String {
    call.structured()["state"].as_str().unwrap_or("").to_owned()
}

fn task_id(call: &Call) -> String {
    call.structured()["task_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no task id: {}", call.text()))
        .to_owned()
}

/// `read_artifact` of task `id`'s only artifact (the answer streamed and read for a page, in every dialect):
/// its text, after checking the page is the whole of it.
async fn read_only_artifact(bridge: &Bridge, id: &str, what: &str) -> String {
    let page = bridge
        .call("read_artifact", json!({"agent": "d", "task_id": id}))
        .await;
    assert!(!page.is_error(), "{what}: {}", page.text());
    let s = page.structured();
    let text = s["text"].as_str().unwrap_or_default().to_owned();
    assert_eq!(s["total_chars"], text.chars().count(), "{what}: {s}");
    assert!(s.get("next_offset").is_none(), "{what}: {s}");
    text
}

async fn protocol_listed(bridge: &Bridge) -> Value {
    let listed = bridge.call("list_agents", json!({})).await;
    listed.structured()["agents"][0]["protocol"].clone()
}

/// `ask:` is answered with a question; the answer, sent with the task id, completes the task.
async fn ask_and_answer(bridge: &Bridge, tool: &str, what: &str) {
    let asked = bridge
        .call(tool, json!({"message": "ask:", "wait_seconds": 30}))
        .await;
    assert!(!asked.is_error(), "{what}: {}", asked.text());
    assert_eq!(state(&asked), "input-required", "{what}: {}", asked.text());
    assert!(
        asked.text().contains("What is your name?"),
        "{what}: {}",
        asked.text()
    );
    let answered = bridge
        .call(
            tool,
            json!({"message": "Bob", "task_id": task_id(&asked), "wait_seconds": 30}),
        )
        .await;
    assert!(!answered.is_error(), "{what}: {}", answered.text());
    assert_eq!(state(&answered), "completed", "{what}: {}", answered.text());
    assert!(
        answered.text().contains("hello, Bob"),
        "{what}: {}",
        answered.text()
    );
    assert_eq!(task_id(&answered), task_id(&asked), "{what}");
}

// ---------------------------------------------------------------------------------------------------------
// The pre-0.2 draft

/// EDDI's shape: the card's shape says draft, so the first call is already `tasks/send` at the agent's
/// own path, with a task id the bridge names and a session; `get_task` reads it back; `list_agents` says
/// "draft".
#[tokio::test]
async fn draft_eddi_agent_answers_send_and_get_task() {
    let agent = DraftAgent::start(false).await;
    let bridge = bridge_at(&agent.card_url(), "").await;
    let tool = skill_tool(&bridge).await;
    assert_eq!(tool, "d_chat");
    let call = bridge
        .call(&tool, json!({"message": "hello draft", "wait_seconds": 20}))
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().contains("echo: hello draft"), "{}", call.text());
    assert_eq!(state(&call), "completed");
    let id = task_id(&call);
    let sent = &agent.params()[0];
    assert_eq!(sent["id"], Value::from(id.as_str()), "{sent}");
    assert!(sent["sessionId"].is_string(), "{sent}");
    assert_eq!(
        sent["message"]["parts"][0],
        json!({"type": "text", "text": "hello draft"})
    );
    assert_eq!(call.structured()["context_id"], sent["sessionId"]);
    let got = bridge
        .call("get_task", json!({"agent": "d", "task_id": id}))
        .await;
    assert_eq!(state(&got), "completed", "{}", got.text());
    assert!(got.text().contains("echo: hello draft"), "{}", got.text());
    assert_eq!(agent.methods(), ["tasks/send", "tasks/get"]);
    assert_eq!(protocol_listed(&bridge).await, "draft");
    let text = read_only_artifact(&bridge, &id, "EDDI draft").await;
    assert!(text.contains("echo: hello draft"), "{text}");
}

/// Continuing a draft task is another `tasks/send` with the same id (and no new session); a later call in
/// the same context sends its `sessionId`.
#[tokio::test]
async fn draft_eddi_agent_continues_a_task_and_a_session() {
    let agent = DraftAgent::start(false).await;
    let bridge = bridge_at(&agent.card_url(), "").await;
    ask_and_answer(&bridge, "d_chat", "eddi").await;
    let params = agent.params();
    assert_eq!(params[0]["id"], params[1]["id"]);
    assert!(params[0]["sessionId"].is_string(), "{params:?}");
    assert!(params[1].get("sessionId").is_none(), "{params:?}");
    let session = params[0]["sessionId"].as_str().unwrap().to_owned();
    let again = bridge
        .call(
            "d_chat",
            json!({"message": "more", "context_id": session, "wait_seconds": 20}),
        )
        .await;
    assert!(!again.is_error(), "{}", again.text());
    let last = agent.params().pop().unwrap();
    assert_eq!(last["sessionId"], Value::from(session.as_str()));
    assert_ne!(
        last["id"], params[0]["id"],
        "a new task in the same session"
    );
}

/// `cancel_task` on a working draft task is `tasks/cancel`; a failed task is a tool error.
#[tokio::test]
async fn draft_eddi_agent_cancels_and_fails() {
    let agent = DraftAgent::start(false).await;
    let bridge = bridge_at(&agent.card_url(), "").await;
    let held = bridge
        .call("d_chat", json!({"message": "hold:", "wait_seconds": 0.5}))
        .await;
    assert_eq!(state(&held), "working", "{}", held.text());
    let cancel = bridge
        .call(
            "cancel_task",
            json!({"agent": "d", "task_id": task_id(&held)}),
        )
        .await;
    assert!(!cancel.is_error(), "{}", cancel.text());
    assert_eq!(state(&cancel), "canceled", "{}", cancel.text());
    assert!(agent.methods().contains(&"tasks/cancel".to_owned()));
    let failed = bridge
        .call("d_chat", json!({"message": "fail:", "wait_seconds": 20}))
        .await;
    assert!(failed.is_error(), "{}", failed.text());
    assert!(
        failed.text().contains("failed on purpose"),
        "{}",
        failed.text()
    );
}

/// The early samples' streaming: `tasks/sendSubscribe`, untagged updates, an artifact in two chunks joined by
/// `index` and `append`.
#[tokio::test]
async fn draft_streaming_agent_streams_with_send_subscribe() {
    let agent = DraftAgent::start(true).await;
    let bridge = bridge_at(&agent.card_url(), "").await;
    let call = bridge
        .call("d_chat", json!({"message": "streamed", "wait_seconds": 20}))
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().contains("echo: streamed"), "{}", call.text());
    assert_eq!(state(&call), "completed");
    assert_eq!(agent.methods(), ["tasks/sendSubscribe"]);
    assert!(
        call.progress_messages()
            .iter()
            .any(|m| m.contains("thinking")),
        "{:?}",
        call.progress_messages()
    );
}

/// A draft agent's nonsense (a result that is no task, a frame that is not JSON) is a tool error naming
/// the agent, never a crash.
#[tokio::test]
async fn draft_agent_garbage_is_a_tool_error_naming_the_agent() {
    for streaming in [false, true] {
        let agent = DraftAgent::start(streaming).await;
        let bridge = bridge_at(&agent.card_url(), "").await;
        let call = bridge
            .call("d_chat", json!({"message": "garbage:", "wait_seconds": 5}))
            .await;
        assert!(call.is_error(), "streaming {streaming}: {}", call.text());
        assert!(
            call.text().contains("agent \"d\""),
            "streaming {streaming}: {}",
            call.text()
        );
        // The bridge is still there.
        let ok = bridge
            .call("d_chat", json!({"message": "fine", "wait_seconds": 20}))
            .await;
        assert!(!ok.is_error(), "streaming {streaming}: {}", ok.text());
    }
}

/// `protocol = "draft"` with `endpoint` reaches a draft agent whatever the card says.
#[tokio::test]
async fn draft_protocol_from_config() {
    let agent = DraftAgent::start(false).await;
    let extra = format!(
        "protocol = \"draft\"\nendpoint = \"{}/a2a/agents/{}\"",
        agent.base,
        crate::support::draft_agent::AGENT_ID
    );
    let bridge = bridge_at(&agent.card_url(), &extra).await;
    let call = bridge
        .call(
            "d_chat",
            json!({"message": "configured", "wait_seconds": 20}),
        )
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(protocol_listed(&bridge).await, "draft");
}

/// python-a2a 0.5.10's own server: its card says 0.3, but `message/send` at its URL is an HTTP 500; the
/// bridge finds the draft at per-method paths (`/tasks/send`, `/tasks/stream`), remembers it, and streams,
/// sends, gets, continues and cancels there.
#[tokio::test]
async fn draft_python_a2a_agent_works_through_the_bridge() {
    let agent = FieldAgent::start(Impl::PyA2a, &[]).await;
    let bridge = bridge_at(&agent.url, "").await;
    let tool = skill_tool(&bridge).await;
    // python-a2a's card always says streaming: the first call streams (tasks/sendSubscribe).
    let streamed = bridge
        .call(&tool, json!({"message": "hello pya2a", "wait_seconds": 30}))
        .await;
    assert!(!streamed.is_error(), "{}", streamed.text());
    assert!(
        streamed.text().contains("echo: hello pya2a"),
        "{}",
        streamed.text()
    );
    assert_eq!(state(&streamed), "completed", "{}", streamed.text());
    assert_eq!(protocol_listed(&bridge).await, "draft");
    let got = bridge
        .call(
            "get_task",
            json!({"agent": "d", "task_id": task_id(&streamed)}),
        )
        .await;
    assert_eq!(state(&got), "completed", "{}", got.text());
    assert!(got.text().contains("echo: hello pya2a"), "{}", got.text());
    let text = read_only_artifact(&bridge, &task_id(&streamed), "python-a2a").await;
    assert!(text.contains("echo: hello pya2a"), "{text}");
    ask_and_answer(&bridge, &tool, "python-a2a").await;
    let failed = bridge
        .call(&tool, json!({"message": "fail:", "wait_seconds": 30}))
        .await;
    assert!(failed.is_error(), "{}", failed.text());
    assert!(
        failed.text().contains("failed on purpose"),
        "{}",
        failed.text()
    );
    // python-a2a marks any task it knows canceled.
    let cancel = bridge
        .call(
            "cancel_task",
            json!({"agent": "d", "task_id": task_id(&streamed)}),
        )
        .await;
    assert_eq!(state(&cancel), "canceled", "{}", cancel.text());
    let unknown = bridge
        .call("get_task", json!({"agent": "d", "task_id": "no-such-task"}))
        .await;
    assert!(unknown.is_error(), "{}", unknown.text());
    assert!(unknown.text().contains("agent \"d\""), "{}", unknown.text());
}

/// python-a2a without streaming (`streaming = false`): plain `tasks/send` at `/tasks/send`.
#[tokio::test]
async fn draft_python_a2a_agent_without_streaming() {
    let agent = FieldAgent::start(Impl::PyA2a, &[]).await;
    let bridge = bridge_at(&agent.url, "streaming = false").await;
    let tool = skill_tool(&bridge).await;
    for _ in 0..2 {
        let call = bridge
            .call(&tool, json!({"message": "plain", "wait_seconds": 30}))
            .await;
        assert!(!call.is_error(), "{}", call.text());
        assert!(call.text().contains("echo: plain"), "{}", call.text());
    }
}

// ---------------------------------------------------------------------------------------------------------
// The HTTP+JSON binding

/// The checks a JSON-RPC agent passes, against a REST-only one: a streamed call with progress, a plain
/// call, a short budget then `get_task`, `cancel_task` of a running task, continuing in a context and a
/// task, an unknown task; with `full` (the a2a-sdk agents' behaviour table) also a data artifact, a direct
/// message reply and a failed task.
async fn rest_checks(bridge: &Bridge, what: &str, full: bool) {
    let tool = "d_echo";
    let call = bridge
        .call(tool, json!({"message": "hello rest", "wait_seconds": 30}))
        .await;
    assert!(!call.is_error(), "{what}: {}", call.text());
    // Streamed, the two chunks join into "echo: hello rest"; sent, they are two parts of one artifact.
    assert!(
        call.text().contains("echo:") && call.text().contains("hello rest"),
        "{what}: {}",
        call.text()
    );
    assert_eq!(state(&call), "completed", "{what}");
    let text = read_only_artifact(bridge, &task_id(&call), what).await;
    assert!(
        text.contains("echo:") && text.contains("hello rest"),
        "{what}: {text}"
    );

    let slow = bridge
        .call(tool, json!({"message": "slow:2", "wait_seconds": 0.5}))
        .await;
    assert!(!slow.is_error(), "{what}: {}", slow.text());
    let done = bridge
        .call(
            "get_task",
            json!({"agent": "d", "task_id": task_id(&slow), "wait_seconds": 20}),
        )
        .await;
    assert_eq!(state(&done), "completed", "{what}: {}", done.text());
    assert!(done.text().contains("slow done"), "{what}: {}", done.text());

    let long = bridge
        .call(tool, json!({"message": "slow:20", "wait_seconds": 0.5}))
        .await;
    let id = task_id(&long);
    let cancel = bridge
        .call("cancel_task", json!({"agent": "d", "task_id": id}))
        .await;
    assert!(!cancel.is_error(), "{what}: {}", cancel.text());
    let look = bridge
        .call(
            "get_task",
            json!({"agent": "d", "task_id": id, "wait_seconds": 10}),
        )
        .await;
    assert_eq!(state(&look), "canceled", "{what}: {}", look.text());

    let first = bridge
        .call(tool, json!({"message": "context", "wait_seconds": 30}))
        .await;
    let ctx = first.structured()["context_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: {}", first.text()))
        .to_owned();
    let second = bridge
        .call(
            tool,
            json!({"message": "context", "context_id": ctx, "wait_seconds": 30}),
        )
        .await;
    assert!(
        second.text().contains(&format!("context {ctx} turn 2")),
        "{what}: {}",
        second.text()
    );
    ask_and_answer(bridge, tool, what).await;
    let unknown = bridge
        .call("get_task", json!({"agent": "d", "task_id": "no-such-task"}))
        .await;
    assert!(unknown.is_error(), "{what}: {}", unknown.text());
    assert!(
        unknown.text().contains("agent \"d\""),
        "{what}: {}",
        unknown.text()
    );
    if !full {
        return;
    }

    let data = bridge
        .call(tool, json!({"message": "data:x", "wait_seconds": 30}))
        .await;
    assert!(!data.is_error(), "{what}: {}", data.text());
    assert_eq!(
        data.structured()["data"][0]["echo"],
        "x",
        "{what}: {}",
        data.text()
    );
    // The data part read for a page is the same JSON (a v0.3 HTTP+JSON agent's wrapper taken off).
    let text = read_only_artifact(bridge, &task_id(&data), what).await;
    assert_eq!(text, data.structured()["data"][0].to_string(), "{what}");
    let reply = bridge
        .call(tool, json!({"message": "msg:direct", "wait_seconds": 30}))
        .await;
    assert!(
        reply.text().starts_with("echo: direct"),
        "{what}: {}",
        reply.text()
    );
    let failed = bridge
        .call(
            tool,
            json!({"message": "fail:on purpose", "wait_seconds": 30}),
        )
        .await;
    assert!(failed.is_error(), "{what}: {}", failed.text());
}

/// a2a-sdk 1.3.0's REST routes (v1.0 HTTP+JSON at `{url}/rest`), streamed and not.
#[tokio::test]
async fn rest_a2a_sdk_1_3() {
    let agent = Agent::start(AgentSpec::v1("rest1").rest()).await;
    let bridge = bridge_at(&agent.url, "").await;
    rest_checks(&bridge, "a2a-sdk 1.3.0 REST, streaming", true).await;
    assert_eq!(protocol_listed(&bridge).await, "1.0");
    let plain = bridge_at(&agent.url, "streaming = false").await;
    rest_checks(&plain, "a2a-sdk 1.3.0 REST, not streaming", true).await;
}

/// a2a-sdk 0.3.26's REST application (v0.3 HTTP+JSON under `/v1`, gRPC ProtoJSON bodies), streamed and not.
#[tokio::test]
async fn rest_a2a_sdk_0_3() {
    let agent = Agent::start(AgentSpec::v03("rest03").rest()).await;
    let bridge = bridge_at(&agent.url, "").await;
    rest_checks(&bridge, "a2a-sdk 0.3.26 REST, streaming", true).await;
    assert_eq!(protocol_listed(&bridge).await, "0.3");
    let plain = bridge_at(&agent.url, "streaming = false").await;
    rest_checks(&plain, "a2a-sdk 0.3.26 REST, not streaming", true).await;
}

/// @a2a-js/sdk 1.3.0's `restHandler` (v1.0 HTTP+JSON at `{url}/rest`, google.rpc.Status errors), streamed
/// and not.
#[tokio::test]
async fn rest_a2a_js_1_3() {
    let agent = FieldAgent::start(Impl::Js13, &[]).await;
    let bridge = bridge_at(&agent.url, "").await;
    rest_checks(&bridge, "@a2a-js/sdk 1.3.0 REST, streaming", false).await;
    let listed = bridge.call("list_agents", json!({})).await;
    assert_eq!(
        listed.structured()["agents"][0]["binding"],
        "HTTP+JSON",
        "{}",
        listed.text()
    );
    let plain = bridge_at(&agent.url, "streaming = false").await;
    rest_checks(&plain, "@a2a-js/sdk 1.3.0 REST, not streaming", false).await;
}

/// `binding = "jsonrpc"` on a REST-only card is a clear error naming the agent; `binding = "http+json"`
/// picks REST.
#[tokio::test]
async fn rest_binding_from_config() {
    let agent = Agent::start(AgentSpec::v1("restcfg").rest()).await;
    let bridge = bridge_at(&agent.url, "binding = \"http+json\"").await;
    let call = bridge
        .call("d_echo", json!({"message": "forced", "wait_seconds": 30}))
        .await;
    assert!(call.text().contains("echo: forced"), "{}", call.text());
    let bridge = bridge_at(&agent.url, "binding = \"jsonrpc\"").await;
    // Discovery runs in the background: look until it has an answer (bounded).
    let mut entry = Value::Null;
    for _ in 0..100 {
        let listed = bridge.call("list_agents", json!({})).await;
        entry = listed.structured()["agents"][0].clone();
        if entry["status"] != "connecting" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        entry["error"]
            .as_str()
            .is_some_and(|e| e.contains("no JSON-RPC interface")),
        "{entry}"
    );
}
