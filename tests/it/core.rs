//! The core path over stdio: tools from real SDK agents of both A2A versions, and calls through them.

use serde_json::json;

use crate::support::agents::{Agent, AgentSpec};
use crate::support::bridge::{self, Generation, Recorder, agent_toml};

/// Runs every basic scenario against one agent: tool list, streaming with progress, direct reply,
/// failure, data, files, conversation continuity, skill id in metadata.
async fn core_scenarios(spec: AgentSpec, generation: Generation) {
    let agent = Agent::start(spec).await;
    let config = agent_toml("ag", &agent.url, "");
    let bridge = bridge::start(&config, generation, Recorder::default()).await;

    // Tool list: generic tools, then one tool per skill.
    let names = bridge.tool_names().await;
    assert_eq!(
        names,
        [
            "list_agents",
            "get_agent_card",
            "send_message",
            "get_task",
            "cancel_task",
            "ag_echo",
            "ag_research"
        ]
    );

    // A streamed call returns the agent's text and relays progress.
    let call = bridge
        .call("ag_echo", json!({"message": "hello bridge"}))
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(
        call.text().starts_with("echo: hello bridge"),
        "{}",
        call.text()
    );
    assert_eq!(call.structured()["state"], "completed");
    let task_id = call.structured()["task_id"].as_str().unwrap().to_owned();
    assert!(!task_id.is_empty());
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

    // A direct Message reply.
    let call = bridge.call("ag_echo", json!({"message": "msg:hi"})).await;
    assert!(!call.is_error());
    assert!(call.text().starts_with("echo: hi"), "{}", call.text());

    // A failed task is a tool error naming the agent and the cause.
    let call = bridge
        .call("ag_echo", json!({"message": "fail:disk on fire"}))
        .await;
    assert!(call.is_error());
    assert!(
        call.text()
            .contains("agent \"ag\": task failed: disk on fire"),
        "{}",
        call.text()
    );

    // A rejected task too.
    let call = bridge
        .call("ag_echo", json!({"message": "reject:not today"}))
        .await;
    assert!(call.is_error());
    assert!(
        call.text().contains("task rejected: not today"),
        "{}",
        call.text()
    );

    // A data artifact becomes structuredContent.
    let call = bridge.call("ag_echo", json!({"message": "data:xyz"})).await;
    assert!(!call.is_error());
    let data = &call.structured()["data"][0];
    assert_eq!(data["echo"], "xyz");
    assert_eq!(data["n"].as_f64(), Some(1.0));

    // Files: bytes as an image, a URI as a resource link.
    let call = bridge.call("ag_echo", json!({"message": "file:"})).await;
    assert!(!call.is_error());
    let json = serde_json::to_value(&call.result).unwrap();
    let kinds: Vec<&str> = json["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"image") && kinds.contains(&"resource_link"),
        "{kinds:?}"
    );

    // A conversation continues with context_id.
    let first = bridge.call("ag_echo", json!({"message": "context"})).await;
    let ctx = first.structured()["context_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(first.text().contains("turn 1"), "{}", first.text());
    let second = bridge
        .call("ag_echo", json!({"message": "context", "context_id": ctx}))
        .await;
    assert!(
        second.text().contains(&format!("context {ctx} turn 2")),
        "{}",
        second.text()
    );

    // The skill id travels in the message metadata.
    let call = bridge.call("ag_research", json!({"message": "meta"})).await;
    assert!(
        call.text().contains("\"skillId\": \"research\"")
            || call.text().contains("\"skillId\":\"research\""),
        "{}",
        call.text()
    );

    // Bad arguments and unknown tools are invalid-params errors, not tool results.
    let err = bridge
        .try_call("ag_echo", json!({"text": "no message"}))
        .await
        .err()
        .expect("must fail");
    assert!(
        err.to_string().contains("-32602") || err.to_string().contains("invalid"),
        "{err}"
    );
    let err = bridge
        .try_call("nope", json!({"message": "x"}))
        .await
        .err()
        .expect("must fail");
    assert!(err.to_string().contains("unknown tool"), "{err}");
}

/// v0.3 agent (a2a-sdk 0.3.26).
#[tokio::test]
async fn v03_agent_core_scenarios() {
    core_scenarios(AgentSpec::v03("Echo v03"), Generation::Legacy).await;
}

/// v1.0 agent without its compatibility layer (a2a-sdk 1.3.0).
#[tokio::test]
async fn v1_agent_core_scenarios() {
    core_scenarios(AgentSpec::v1("Echo v1"), Generation::Legacy).await;
}

/// v1.0 agent with the v0.3 compatibility layer: the "dual" card; the bridge must pick 1.0.
#[tokio::test]
async fn v1_compat_agent_core_scenarios_with_a_2026_client() {
    core_scenarios(AgentSpec::v1_compat("Echo dual"), Generation::Modern).await;
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
    let v03 = Agent::start(AgentSpec::v03("old")).await;
    let v1 = Agent::start(AgentSpec::v1("new")).await;
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
    assert_eq!(card.structured()["card"]["name"], "new");
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
    let up = Agent::start(AgentSpec::v1("up")).await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let config = format!(
        "[bridge]\ncard_retry_max_secs = 1\n{}{}",
        agent_toml("down", &dead_url, "skills = { include = [\"echo\"] }"),
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
    let call = bridge
        .call("send_message", json!({"agent": "down", "message": "hi"}))
        .await;
    assert!(call.is_error());
    assert!(
        call.text().contains("agent \"down\": unreachable"),
        "{}",
        call.text()
    );
}

/// An agent that comes up after the bridge started gets its tools, announced with tools/list_changed.
#[tokio::test]
async fn an_agent_that_comes_up_later_gets_its_tools() {
    let up = Agent::start(AgentSpec::v1("late")).await;
    let port = url::Url::parse(&up.url).unwrap().port().unwrap();
    // Point the bridge at a proxy address that only starts forwarding later.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = listener.local_addr().unwrap();
    drop(listener);
    let config = format!(
        "[bridge]\ncard_retry_max_secs = 1\n{}",
        agent_toml("late", &format!("http://{proxy_addr}"), "")
    );
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    assert!(!bridge.tool_names().await.contains(&"late_echo".to_owned()));
    let _proxy = crate::support::proxy::forward(proxy_addr, port).await;
    let mut found = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        if bridge.tool_names().await.contains(&"late_echo".to_owned()) {
            found = true;
            break;
        }
    }
    assert!(found, "tools of a late agent appear");
    assert!(
        bridge.recorder.tool_list_changes() > 0,
        "tools/list_changed was sent"
    );
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
