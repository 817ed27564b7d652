//! Long-running work and conversations: wait budgets, handles, heartbeats, cancel, input-required, and the
//! MCP tasks extension, against the official SDK agents of both versions.

use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, GetTaskParams, TaskStatus,
};
use serde_json::{Value, json};

use crate::support::agents::{self, Agent, AgentSpec, Shared};
use crate::support::bridge::{self, Generation, Recorder, agent_toml, text_of};

/// The shared v0.3 and v1.0 agents (their logs hold other tests' requests too: look for your own task ids).
async fn shared_agents() -> [&'static Agent; 2] {
    let (v03, v1) = tokio::join!(agents::shared(Shared::V03), agents::shared(Shared::V1));
    [v03, v1]
}

/// A call that outlives its budget returns a handle; get_task later returns the completed result.
#[tokio::test]
async fn budget_returns_a_handle_and_get_task_collects_it() {
    for agent in shared_agents().await {
        let bridge = bridge::start(
            &agent_toml("a", &agent.url, ""),
            Generation::Legacy,
            Recorder::default(),
        )
        .await;
        let call = bridge
            .call("a_echo", json!({"message": "slow:3", "wait_seconds": 0.5}))
            .await;
        assert!(!call.is_error(), "{}", call.text());
        let s = call.structured();
        assert_eq!(s["state"], "working", "{}", call.text());
        let task_id = s["task_id"].as_str().expect("a task id").to_owned();
        assert!(call.text().contains("call get_task"), "{}", call.text());

        let look = bridge
            .call("get_task", json!({"agent": "a", "task_id": task_id}))
            .await;
        assert_eq!(look.structured()["state"], "working", "{}", look.text());

        let done = bridge
            .call(
                "get_task",
                json!({"agent": "a", "task_id": task_id, "wait_seconds": 20}),
            )
            .await;
        assert_eq!(done.structured()["state"], "completed", "{}", done.text());
        assert!(done.text().starts_with("slow done"), "{}", done.text());
        assert!(
            !done.progress.is_empty(),
            "get_task relays progress while it waits"
        );
        assert!(
            !agent.cancelled().await.contains(&task_id),
            "a spent budget does not cancel by default"
        );
    }
}

/// While the agent is silent, heartbeats keep arriving at the configured interval.
#[tokio::test]
async fn heartbeats_arrive_while_the_agent_is_silent() {
    let agent = agents::shared(Shared::V1).await;
    let config = format!(
        "[bridge]\nheartbeat_secs = 0.3\n{}",
        agent_toml("q", &agent.url, "")
    );
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    let call = bridge.call("q_echo", json!({"message": "silent:2"})).await;
    assert!(call.text().starts_with("silent done"), "{}", call.text());
    let beats = call
        .progress_messages()
        .into_iter()
        .filter(|m| m.contains("still waiting"))
        .count();
    assert!(
        beats >= 3,
        "expected heartbeats during 2 s of silence, got {:?}",
        call.progress_messages()
    );
}

/// cancel_task reaches the agent and reports the canceled state; a finished task says it cannot be canceled.
#[tokio::test]
async fn cancel_task_reaches_the_agent() {
    for agent in shared_agents().await {
        let bridge = bridge::start(
            &agent_toml("a", &agent.url, ""),
            Generation::Legacy,
            Recorder::default(),
        )
        .await;
        let call = bridge
            .call("a_echo", json!({"message": "slow:20", "wait_seconds": 0.5}))
            .await;
        let task_id = call.structured()["task_id"].as_str().unwrap().to_owned();
        let cancel = bridge
            .call("cancel_task", json!({"agent": "a", "task_id": task_id}))
            .await;
        assert!(!cancel.is_error(), "{}", cancel.text());
        assert_eq!(
            cancel.structured()["state"],
            "canceled",
            "{}",
            cancel.text()
        );
        assert!(agent.cancelled().await.contains(&task_id));

        let done = bridge.call("a_echo", json!({"message": "hi"})).await;
        let finished = done.structured()["task_id"].as_str().unwrap().to_owned();
        let again = bridge
            .call("cancel_task", json!({"agent": "a", "task_id": finished}))
            .await;
        assert!(again.is_error());
        assert!(
            again.text().contains("cannot be canceled"),
            "{}",
            again.text()
        );
    }
}

/// When the MCP client cancels an in-flight call, the A2A task is canceled too. (Agents of its own: the test
/// cannot tell its task from others' in a shared agent's log.)
#[tokio::test]
async fn mcp_cancellation_cancels_the_a2a_task() {
    let (v03, v1) = tokio::join!(
        Agent::start(AgentSpec::v03("cancel03")),
        Agent::start(AgentSpec::v1("cancel1"))
    );
    for agent in [v03, v1] {
        let bridge = bridge::start(
            &agent_toml("a", &agent.url, ""),
            Generation::Legacy,
            Recorder::default(),
        )
        .await;
        let handle = bridge
            .start_call("a_echo", json!({"message": "slow:20"}))
            .await
            .expect("send tools/call");
        // The first progress comes from the agent's first event: from then on the bridge knows the task.
        bridge
            .recorder
            .wait_until("the call's first progress", Duration::from_secs(30), |r| {
                r.progress_count() > 0
            })
            .await;
        handle.cancel(Some("user gave up".into())).await.unwrap();
        let cancelled = agent.wait_cancelled(Duration::from_secs(5)).await;
        assert_eq!(cancelled.len(), 1, "the agent saw the cancel");
    }
}

/// A per-agent setting makes a spent budget cancel the task.
#[tokio::test]
async fn cancel_on_timeout_is_a_per_agent_setting() {
    let agent = agents::shared(Shared::V1).await;
    let config = agent_toml("s", &agent.url, "cancel_on_timeout = true");
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    let call = bridge
        .call("s_echo", json!({"message": "slow:20", "wait_seconds": 0.5}))
        .await;
    let task_id = call.structured()["task_id"].as_str().unwrap().to_owned();
    assert_eq!(call.structured()["state"], "canceled", "{}", call.text());
    assert!(agent.cancelled().await.contains(&task_id));
}

/// input-required: a session client that answers elicitation gets the final result in one call.
#[tokio::test]
async fn input_required_is_answered_through_elicitation_in_one_call() {
    for agent in shared_agents().await {
        let bridge = bridge::start(
            &agent_toml("a", &agent.url, ""),
            Generation::Legacy,
            Recorder::answering("Ada"),
        )
        .await;
        let call = bridge.call("a_echo", json!({"message": "ask:"})).await;
        assert!(!call.is_error(), "{}", call.text());
        assert_eq!(call.structured()["state"], "completed", "{}", call.text());
        assert!(call.text().starts_with("hello, Ada"), "{}", call.text());
        let asked = bridge.recorder.elicitations();
        assert_eq!(asked.len(), 1);
        assert!(asked[0].contains("What is your name?"), "{asked:?}");
    }
}

/// input-required: a 2026 client answers through MRTR (InputRequiredResult, then a retry carrying the answer
/// and the echoed requestState) and the same call completes. The rounds are driven explicitly through rmcp's
/// client: its automatic driver (`Peer::call_tool`) answers this exchange with "Unexpected response type" in
/// rmcp 3.9.0, although each round is well-formed.
#[tokio::test]
async fn input_required_is_answered_through_mrtr_by_a_2026_client() {
    for agent in shared_agents().await {
        let bridge = bridge::start(
            &agent_toml("a", &agent.url, ""),
            Generation::Modern,
            Recorder::answering("Grace"),
        )
        .await;
        let params = CallToolRequestParams::new("a_echo")
            .with_arguments(json!({"message": "ask:"}).as_object().unwrap().clone());
        let first = bridge
            .client
            .peer()
            .call_tool_once(params.clone())
            .await
            .expect("round 1");
        let CallToolResponse::InputRequired(asked) = first else {
            panic!("expected input_required, got {first:?}")
        };
        let question = serde_json::to_value(&asked.input_requests).unwrap();
        assert!(
            question["answer"]["params"]["message"]
                .as_str()
                .unwrap()
                .contains("What is your name?"),
            "{question}"
        );
        let mut responses = rmcp::model::InputResponses::new();
        responses.insert(
            "answer".into(),
            json!({"action": "accept", "content": {"answer": "Grace"}}),
        );
        let retry = params
            .with_input_responses(responses)
            .with_request_state(asked.request_state.expect("a requestState"));
        let second = bridge
            .client
            .peer()
            .call_tool_once(retry)
            .await
            .expect("round 2");
        let CallToolResponse::Complete(result) = second else {
            panic!("expected a result, got {second:?}")
        };
        assert!(
            text_of(&result).starts_with("hello, Grace"),
            "{}",
            text_of(&result)
        );
        assert_eq!(result.structured_content.unwrap()["state"], "completed");
    }
}

/// A forged or foreign requestState is refused, not followed.
#[tokio::test]
async fn a_foreign_request_state_is_refused() {
    let agent = agents::shared(Shared::V1).await;
    let bridge = bridge::start(
        &agent_toml("a", &agent.url, ""),
        Generation::Modern,
        Recorder::answering("x"),
    )
    .await;
    let params = CallToolRequestParams::new("a_echo")
        .with_arguments(json!({"message": "hi"}).as_object().unwrap().clone())
        .with_request_state("bm90IG91cnM");
    let CallToolResponse::Complete(result) =
        bridge.client.peer().call_tool_once(params).await.unwrap()
    else {
        panic!("expected a result")
    };
    assert_eq!(result.is_error, Some(true));
    assert!(
        text_of(&result).contains("requestState"),
        "{}",
        text_of(&result)
    );
}

/// input-required with a client that cannot elicit: a resumable result; calling again with task_id and the
/// answer completes the task.
#[tokio::test]
async fn input_required_without_elicitation_is_resumable() {
    for generation in [Generation::Legacy, Generation::Modern] {
        for agent in shared_agents().await {
            let bridge = bridge::start(
                &agent_toml("a", &agent.url, ""),
                generation,
                Recorder::default(),
            )
            .await;
            let call = bridge.call("a_echo", json!({"message": "ask:"})).await;
            assert!(!call.is_error(), "{}", call.text());
            let s = call.structured().clone();
            assert_eq!(s["state"], "input-required", "{}", call.text());
            assert!(
                call.text().contains("What is your name?"),
                "{}",
                call.text()
            );
            assert!(
                call.text()
                    .contains("call the same tool again with task_id"),
                "{}",
                call.text()
            );
            let answer = bridge
                .call("a_echo", json!({"message": "Linus", "task_id": s["task_id"], "context_id": s["context_id"]}))
                .await;
            assert_eq!(
                answer.structured()["state"],
                "completed",
                "{}",
                answer.text()
            );
            assert!(
                answer.text().starts_with("hello, Linus"),
                "{}",
                answer.text()
            );
        }
    }
}

/// auth-required is a step for the user, with the agent's sign-in text, not a generic error.
#[tokio::test]
async fn auth_required_is_shown_as_a_sign_in_step() {
    let agent = agents::shared(Shared::V03).await;
    let bridge = bridge::start(
        &agent_toml("a", &agent.url, ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let call = bridge.call("a_echo", json!({"message": "auth:"})).await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(call.structured()["state"], "auth-required");
    assert!(
        call.text().contains("https://example.com/login"),
        "{}",
        call.text()
    );
    assert!(call.text().contains("authenticate"), "{}", call.text());
}

/// auth-required with a client that supports URL elicitation: the sign-in link is offered to the user, then
/// the task is followed again; an agent still waiting for the sign-in is reported as such.
#[tokio::test]
async fn auth_required_offers_the_sign_in_link_by_url_elicitation() {
    let agent = agents::shared(Shared::V1).await;
    let bridge = bridge::start(
        &agent_toml("a", &agent.url, ""),
        Generation::Legacy,
        Recorder::accepting_urls("x"),
    )
    .await;
    let call = bridge.call("a_echo", json!({"message": "auth:"})).await;
    let asked = bridge.recorder.elicitations();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains("https://example.com/login"), "{asked:?}");
    assert_eq!(
        call.structured()["state"],
        "auth-required",
        "{}",
        call.text()
    );
    assert!(
        agent.requests().await.iter().any(|m| m == "GetTask"),
        "followed again after the sign-in"
    );
}

async fn poll_mcp_task(bridge: &bridge::Bridge, id: &str, until: TaskStatus) -> Value {
    for _ in 0..100 {
        let got = bridge
            .client
            .peer()
            .get_task(GetTaskParams::new(id))
            .await
            .expect("tasks/get");
        let json = serde_json::to_value(&got).unwrap();
        if got.task.status() == until {
            return json;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("task {id} never reached {until:?}");
}

/// The MCP tasks extension: a client that declares it gets a task for work that outlasts the first short
/// wait (quick answers stay plain results); tasks/get reflects the A2A state and result, tasks/update answers
/// input-required, tasks/cancel cancels the A2A task.
#[tokio::test]
async fn mcp_tasks_extension_maps_onto_a2a_tasks() {
    for agent in shared_agents().await {
        let bridge = bridge::start(
            &agent_toml("a", &agent.url, ""),
            Generation::Modern,
            Recorder::with_tasks(),
        )
        .await;
        let peer = bridge.client.peer();
        // Work that outlasts the wait budget becomes an MCP task; the budget is short so it does here.
        let call = |msg: &str| {
            let mut p = CallToolRequestParams::new("a_echo");
            p = p.with_arguments(
                json!({"message": msg, "wait_seconds": 0.5})
                    .as_object()
                    .unwrap()
                    .clone(),
            );
            peer.call_tool_once(p)
        };

        // Completion: the result is inlined in tasks/get.
        let CallToolResponse::Task(created) = call("slow:3").await.unwrap() else {
            panic!("expected a task")
        };
        let id = created.task.task_id.clone();
        assert!(id.starts_with("a2a:a:"), "{id}");
        let done = poll_mcp_task(&bridge, &id, TaskStatus::Completed).await;
        assert!(
            done["result"]["content"][0]["text"]
                .as_str()
                .unwrap()
                .starts_with("slow done"),
            "{done}"
        );

        // A question asked within the budget: this client declared no elicitation, so the call returns the
        // resumable input-required result, not a task.
        match call("ask:").await.unwrap() {
            CallToolResponse::Complete(r) => {
                let text = text_of(&r);
                assert!(text.contains("What is your name?"), "{text}");
                assert!(text.contains("input-required"), "{text}");
            }
            other => panic!("expected a complete result, got {other:?}"),
        }

        // Cancel.
        let CallToolResponse::Task(created) = call("slow:20").await.unwrap() else {
            panic!("expected a task")
        };
        let id = created.task.task_id.clone();
        peer.cancel_task(CancelTaskParams::new(id.clone()))
            .await
            .expect("tasks/cancel");
        poll_mcp_task(&bridge, &id, TaskStatus::Cancelled).await;
        let a2a_task = id.strip_prefix("a2a:a:").expect("an A2A task id");
        assert!(agent.cancelled().await.iter().any(|t| t == a2a_task));

        // Quick answers have nothing to wait for: plain results.
        match call("msg:quick").await.unwrap() {
            CallToolResponse::Complete(r) => assert!(text_of(&r).starts_with("echo: quick")),
            other => panic!("expected a complete result, got {other:?}"),
        }
        match call("fast").await.unwrap() {
            CallToolResponse::Complete(r) => assert!(text_of(&r).starts_with("echo: fast")),
            other => panic!("expected a complete result, got {other:?}"),
        }
    }
}
