//! The core path over stdio: tools from real SDK agents of both A2A versions, and calls through them.
//!
//! Most cases run against the three shared SDK set-ups (a2a-sdk 0.3.26, 1.3.0, and 1.3.0 with its v0.3
//! compatibility layer, whose "dual" card must make the bridge pick 1.0), each through a bridge of its own with
//! the agent named `ag`. The set-ups answer alike, so one snapshot serves all three.

use expect_test::expect;
use serde_json::json;

use crate::support::agents::{self, Agent, AgentSpec, Shared};
use crate::support::bridge::{self, Bridge, Generation, Recorder, agent_toml};
use crate::support::check::{check, check_refused, render, same_for_all};
use crate::support::net::{ClosedPort, Forwarder};

/// The SDK set-ups of the core path, each with the MCP generation that drives it.
const SETUPS: [(Shared, Generation); 3] = [
    (Shared::V03, Generation::Legacy),
    (Shared::V1, Generation::Legacy),
    (Shared::V1Compat, Generation::Modern),
];

/// A bridge in front of each set-up's shared agent (named `ag`), started together.
async fn bridges() -> Vec<Bridge> {
    let starts = SETUPS.map(|(which, generation)| async move {
        let agent = agents::shared(which).await;
        bridge::start(
            &agent_toml("ag", &agent.url, ""),
            generation,
            Recorder::default(),
        )
        .await
    });
    futures::future::join_all(starts).await
}

/// Generic tools first, then one tool per skill in card order.
#[tokio::test]
async fn tools_are_the_generic_ones_then_one_per_skill() {
    for bridge in bridges().await {
        assert_eq!(
            bridge.tool_names().await,
            [
                "list_agents",
                "get_agent_card",
                "send_message",
                "get_task",
                "cancel_task",
                "list_tasks",
                "read_artifact",
                "ag_echo",
                "ag_research"
            ]
        );
    }
}

/// A streamed call returns the agent's text, and its status messages arrive as strictly increasing progress.
#[tokio::test]
async fn streamed_call_relays_progress() {
    let calls = check(
        &bridges().await,
        "ag_echo",
        json!({"message": "hello bridge"}),
        expect![[r#"
            state: completed
            ---
            echo: hello bridge
            ---
            [agent: ag | state: completed | task_id: <task_id> | context_id: <context_id>]
            To follow up in the same conversation, call again with context_id "<context_id>".
        "#]],
    )
    .await;
    for call in calls {
        let progress = call.progress_messages();
        assert!(
            progress.iter().any(|m| m == "working on it"),
            "{progress:?}"
        );
        let values: Vec<f64> = call.progress.iter().map(|p| p.progress).collect();
        assert!(
            values.windows(2).all(|w| w[0] < w[1]),
            "progress must increase: {values:?}"
        );
    }
}

/// An agent that answers with a Message (no task) gives a plain result.
#[tokio::test]
async fn direct_message_reply_is_a_result() {
    let args = json!({"message": "msg:hi"});
    check(
        &bridges().await,
        "ag_echo",
        args,
        expect![[r#"
            state: message
            ---
            echo: hi
            ---
            [agent: ag | state: message | context_id: <context_id>]
            To follow up in the same conversation, call again with context_id "<context_id>".
        "#]],
    )
    .await;
}

/// A failed task is a tool error naming the agent and the agent's reason.
#[tokio::test]
async fn failed_task_is_tool_error() {
    let args = json!({"message": "fail:disk on fire"});
    check(
        &bridges().await,
        "ag_echo",
        args,
        expect![[r#"
        isError
        state: failed
        ---
        agent "ag": task failed: disk on fire
        ---
        [agent: ag | state: failed | task_id: <task_id> | context_id: <context_id>]
    "#]],
    )
    .await;
}

/// A rejected task is a tool error too.
#[tokio::test]
async fn rejected_task_is_tool_error() {
    let args = json!({"message": "reject:not today"});
    check(
        &bridges().await,
        "ag_echo",
        args,
        expect![[r#"
        isError
        state: rejected
        ---
        agent "ag": task rejected: not today
        ---
        [agent: ag | state: rejected | task_id: <task_id> | context_id: <context_id>]
    "#]],
    )
    .await;
}

/// A data artifact becomes `structuredContent.data`.
#[tokio::test]
async fn data_artifact_becomes_structured_content() {
    let args = json!({"message": "data:xyz"});
    check(
        &bridges().await,
        "ag_echo",
        args,
        expect![[r#"
        state: completed
        data: [{"echo":"xyz","n":1}]
        ---
        {"echo":"xyz","n":1}
        ---
        [agent: ag | state: completed | task_id: <task_id> | context_id: <context_id>]
        To follow up in the same conversation, call again with context_id "<context_id>".
    "#]],
    )
    .await;
}

/// File parts: bytes become an image block, a URI a line of text with the URL (not a resource link, which
/// hosts would read with resources/read).
#[tokio::test]
async fn files_become_image_and_text_with_the_url() {
    let args = json!({"message": "file:"});
    check(
        &bridges().await,
        "ag_echo",
        args,
        expect![[r#"
        state: completed
        ---
        [image image/png]
        ---
        File report.pdf (application/pdf): https://example.com/report.pdf
        ---
        [agent: ag | state: completed | task_id: <task_id> | context_id: <context_id>]
        To follow up in the same conversation, call again with context_id "<context_id>".
    "#]],
    )
    .await;
}

/// Calling again with the `context_id` of a result continues that conversation.
#[tokio::test]
async fn context_id_continues_the_conversation() {
    let bridges = bridges().await;
    let args = json!({"message": "context"});
    let first = check(
        &bridges,
        "ag_echo",
        args,
        expect![[r#"
        state: completed
        ---
        context <context_id> turn 1
        ---
        [agent: ag | state: completed | task_id: <task_id> | context_id: <context_id>]
        To follow up in the same conversation, call again with context_id "<context_id>".
    "#]],
    )
    .await;
    let mut second = Vec::new();
    for (bridge, first) in bridges.iter().zip(&first) {
        let ctx = &first.structured()["context_id"];
        let call = bridge
            .call("ag_echo", json!({"message": "context", "context_id": ctx}))
            .await;
        assert_eq!(&call.structured()["context_id"], ctx);
        second.push(render(&call));
    }
    same_for_all(
        second,
        expect![[r#"
        state: completed
        ---
        context <context_id> turn 2
        ---
        [agent: ag | state: completed | task_id: <task_id> | context_id: <context_id>]
        To follow up in the same conversation, call again with context_id "<context_id>".
    "#]],
    );
}

/// The skill a tool stands for travels as `skillId` in the message metadata.
#[tokio::test]
async fn skill_id_travels_in_the_message_metadata() {
    let args = json!({"message": "meta"});
    check(
        &bridges().await,
        "ag_research",
        args,
        expect![[r#"
        state: completed
        ---
        {"skillId": "research"}
        ---
        [agent: ag | state: completed | task_id: <task_id> | context_id: <context_id>]
        To follow up in the same conversation, call again with context_id "<context_id>".
    "#]],
    )
    .await;
}

/// Arguments that do not fit the schema are a tool execution error the model can correct (MCP 2025-11-25,
/// SEP-1303), not a protocol error.
#[tokio::test]
async fn arguments_off_the_schema_are_tool_errors() {
    let args = json!({"text": "no message"});
    check(
        &bridges().await,
        "ag_echo",
        args,
        expect![[r#"
            isError
            state: error
            ---
            agent "ag": invalid arguments: unknown argument "text"; ag_echo takes message (required), context_id, data, task_id, wait_seconds
        "#]],
    )
    .await;
}

/// An unknown tool is an invalid-params error.
#[tokio::test]
async fn unknown_tool_is_invalid_params() {
    let args = json!({"message": "x"});
    check_refused(
        &bridges().await,
        "nope",
        args,
        expect![[r#"
        Mcp error: -32602: unknown tool: nope. list_agents shows each agent's skill ids and tools; send_message (with agent, skill and message) reaches any skill
    "#]],
    )
    .await;
}

/// Non-streaming agents are sent message/send (non-blocking) and polled, on both versions.
#[tokio::test]
async fn non_streaming_agents_are_polled() {
    let v03 = Agent::start(AgentSpec::v03("plain03").non_streaming()).await;
    let v1 = Agent::start(AgentSpec::v1("plain1").non_streaming()).await;
    let config = format!(
        "{}{}",
        agent_toml("p03", &v03.url, ""),
        agent_toml("p1", &v1.url, "")
    );
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    for (tool, agent) in [("p03_echo", &v03), ("p1_echo", &v1)] {
        let call = bridge.call(tool, json!({"message": "slow:1"})).await;
        assert!(!call.is_error(), "{}", call.text());
        assert!(call.text().contains("slow done"), "{}", call.text());
        // The artifact read back through the streamed GetTask reader (JSON-RPC, v0.3 and v1.0).
        let page = bridge
            .call(
                "read_artifact",
                json!({"agent": &tool[..tool.len() - 5], "task_id": call.structured()["task_id"]}),
            )
            .await;
        assert!(!page.is_error(), "{tool}: {}", page.text());
        let read = page.structured()["text"].as_str().unwrap_or_default();
        assert!(
            call.text().starts_with(read),
            "{tool}: {read:?} / {}",
            call.text()
        );
        assert!(read.contains("slow done"), "{tool}: {read}");
        assert!(
            !call.progress.is_empty(),
            "state changes are relayed while polling: {tool} {}",
            call.text()
        );
        let requests = agent.requests().await;
        assert!(
            requests
                .iter()
                .any(|m| m == "message/send" || m == "SendMessage"),
            "{requests:?}"
        );
        assert!(
            requests.iter().any(|m| m == "tasks/get" || m == "GetTask"),
            "{requests:?}"
        );
        assert!(
            !requests.iter().any(|m| m.contains("tream")),
            "{requests:?}"
        );
    }
}

/// The v0.3 and v1.0 agents side by side; the right method names and version header for each.
#[tokio::test]
async fn both_versions_side_by_side_with_the_right_wire_format() {
    let (v03, v1) = tokio::join!(agents::shared(Shared::V03), agents::shared(Shared::V1));
    let config = format!(
        "{}{}",
        agent_toml("old", &v03.url, ""),
        agent_toml("new", &v1.url, "")
    );
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    let names = bridge.tool_names().await;
    assert!(
        names.contains(&"old_echo".to_owned()) && names.contains(&"new_echo".to_owned()),
        "{names:?}"
    );
    for tool in ["old_echo", "new_echo", "old_research", "new_research"] {
        let call = bridge.call(tool, json!({"message": "hi"})).await;
        assert!(
            call.text().starts_with("echo: hi"),
            "{tool}: {}",
            call.text()
        );
    }
    // Other tests share these agents; every request either agent gets is in its own version all the same.
    let log = v03.log().await;
    assert!(
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m.as_str().unwrap().contains('/')),
        "{log}"
    );
    let log = v1.log().await;
    assert!(
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| !m.as_str().unwrap().contains('/')),
        "{log}"
    );
    assert!(
        log["headers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h == "1.0"),
        "{log}"
    );

    let call = bridge.call("list_agents", json!({})).await;
    let agents = &call.structured()["agents"];
    assert_eq!(agents[0]["protocol"], "0.3");
    assert_eq!(agents[1]["protocol"], "1.0");
    let card = bridge.call("get_agent_card", json!({"agent": "new"})).await;
    assert_eq!(card.structured()["card"]["name"], "Echo v1");
    let send = bridge
        .call(
            "send_message",
            json!({"agent": "old", "message": "msg:generic"}),
        )
        .await;
    assert!(send.text().starts_with("echo: generic"), "{}", send.text());
}

/// An agent that is down does not stop the others; list_agents says why; calling it is a tool error.
#[tokio::test]
async fn a_down_agent_does_not_take_the_others_down() {
    let up = agents::shared(Shared::V1).await;
    let down = ClosedPort::bind();
    let config = format!(
        "[bridge]\ncard_retry_max_secs = 1\n{}{}",
        agent_toml("down", &down.url(), "skills = { include = [\"echo\"] }"),
        agent_toml("up", &up.url, "")
    );
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    let names = bridge.tool_names().await;
    assert!(names.contains(&"up_echo".to_owned()));
    assert!(!names.iter().any(|n| n.starts_with("down_")), "{names:?}");
    let call = bridge
        .call("up_echo", json!({"message": "still here"}))
        .await;
    assert!(call.text().starts_with("echo: still here"));
    let list = bridge.call("list_agents", json!({})).await;
    let down = &list.structured()["agents"][0];
    assert_eq!(down["status"], "unreachable");
    assert!(
        down["error"].as_str().unwrap().contains("refused"),
        "{down}"
    );
    let args = json!({"agent": "down", "message": "hi"});
    check(&[bridge], "send_message", args, expect![[r#"
        isError
        state: error
        ---
        agent "down": unreachable for <secs>s (agent card: no agent card: cannot reach http://127.0.0.1:<port>/.well-known/agent-card.json: Connection refused (os error 111); then cannot reach http://127.0.0.1:<port>/.well-known/agent.json: Connection refused (os error 111)); the bridge keeps retrying
    "#]]).await;
}

/// An agent that comes up after the bridge started gets its tools, announced with tools/list_changed.
#[tokio::test]
async fn an_agent_that_comes_up_later_gets_its_tools() {
    let agent = agents::shared(Shared::V1).await;
    let agent_addr = url::Url::parse(&agent.url)
        .unwrap()
        .socket_addrs(|| None)
        .unwrap()[0];
    // The bridge is pointed at a port that refuses connections until it forwards them to the agent.
    let port = ClosedPort::bind();
    let config = format!(
        "[bridge]\ncard_retry_max_secs = 1\n{}",
        agent_toml("late", &port.url(), "")
    );
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    assert!(!bridge.tool_names().await.contains(&"late_echo".to_owned()));
    let _forwarder = Forwarder::on(port.listen(), vec![agent_addr]);
    bridge
        .recorder
        .wait_until(
            "tools/list_changed",
            std::time::Duration::from_secs(20),
            |r| r.tool_list_changes() > 0,
        )
        .await;
    assert!(bridge.tool_names().await.contains(&"late_echo".to_owned()));
}

/// Agents hosted under a path, with bearer auth from the environment; the token reaches the agent
/// and never appears in the tool output.
#[tokio::test]
async fn agent_under_a_path_with_bearer_auth() {
    let agent = Agent::start(AgentSpec::v03("pathy").prefix("/agents/pathy")).await;
    assert!(agent.url.ends_with("/agents/pathy"), "{}", agent.url);
    let config = agent_toml(
        "pathy",
        &agent.url,
        "auth = { type = \"bearer\", token_env = \"PATHY_TOKEN\" }\nheaders = { X-Team = \"blue\" }",
    );
    let bridge = bridge::start_with_env(
        &config,
        Generation::Legacy,
        Recorder::default(),
        &[("PATHY_TOKEN", "tok-123")],
    )
    .await;
    let call = bridge.call("pathy_echo", json!({"message": "hi"})).await;
    assert!(call.text().starts_with("echo: hi"), "{}", call.text());
    let log = agent.log().await;
    assert!(
        log["auth"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "Bearer tok-123"),
        "{log}"
    );
    let card = bridge
        .call("get_agent_card", json!({"agent": "pathy"}))
        .await;
    let list = bridge.call("list_agents", json!({})).await;
    for text in [
        card.text(),
        list.text(),
        serde_json::to_string(&list.result).unwrap(),
    ] {
        assert!(!text.contains("tok-123"), "the token leaked: {text}");
    }
}

/// A bad config names the file and key and exits non-zero without touching stdout.
#[tokio::test]
async fn config_errors_name_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bridge.toml");
    std::fs::write(
        &path,
        "[[agents]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/\"\n[[agents]]\nname = \"research\"\nurl = \"http://127.0.0.1:9/\"\nauth = { type = \"bearer\", token_env = \"RESEARCH_TOKEN_NOT_SET_ANYWHERE\" }\n",
    )
    .unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcp-a2a-bridge"))
        .arg("--config")
        .arg(&path)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "stdout belongs to MCP");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: agents[1].auth.token_env: environment variable RESEARCH_TOKEN_NOT_SET_ANYWHERE is not set",
            path.display()
        )),
        "{stderr}"
    );
    let missing = tokio::process::Command::new(env!("CARGO_BIN_EXE_mcp-a2a-bridge"))
        .arg("--config")
        .arg(dir.path().join("nope.toml"))
        .output()
        .await
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("nope.toml: cannot read the config file")
    );
}

/// An agent whose card lists no skills gets one tool for the agent itself; the config description wins.
#[tokio::test]
async fn an_agent_without_skills_gets_one_tool() {
    let agent = Agent::start(AgentSpec::v03("solo").skills(&[])).await;
    let config = agent_toml("solo", &agent.url, "description = \"Answers anything.\"");
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    let tools = bridge.tools().await;
    let solo = tools
        .iter()
        .find(|t| t.name == "solo")
        .expect("a tool named after the agent");
    assert!(
        solo.description
            .as_deref()
            .unwrap()
            .contains("Answers anything.")
    );
    let call = bridge.call("solo", json!({"message": "msg:alone"})).await;
    assert!(call.text().starts_with("echo: alone"), "{}", call.text());
    let meta = bridge.call("solo", json!({"message": "meta"})).await;
    assert!(
        meta.text().starts_with("null"),
        "no skill id without a skill: {}",
        meta.text()
    );
}

/// A `skill` the agent's card does not list is a tool error naming the skills it does list, not a message sent
/// with a selector the agent never offered.
#[tokio::test]
async fn send_message_to_an_unknown_skill_names_the_skills_of_the_card() {
    check(
        &bridges().await,
        "send_message",
        json!({"agent": "ag", "skill": "no_such_skill", "message": "hi"}),
        expect![[r#"
            isError
            state: error
            ---
            agent "ag": unknown skill "no_such_skill"; its card lists: echo, research
        "#]],
    )
    .await;
}
