//! The built-in demo agent through the bridge over stdio, its wire shapes on both protocol versions, and the
//! `demo` quickstart command.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::process::Command;

use crate::support::bridge::{self, Generation, Recorder, agent_toml};
use crate::support::process::{self, DemoAgent};

/// The demo agent on an OS-assigned port, its stderr dropped.
async fn demo_agent() -> DemoAgent {
    DemoAgent::start(&[], None)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

/// One JSON-RPC request to the agent, with or without `A2A-Version: 1.0`; the response body.
async fn rpc(url: &str, v1_header: bool, method: &str, params: Value) -> Value {
    let mut req = reqwest::Client::new()
        .post(url)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}));
    if v1_header {
        req = req.header("A2A-Version", "1.0");
    }
    req.send()
        .await
        .expect("request to the demo agent")
        .json()
        .await
        .expect("a JSON body")
}

const DEMO_TOOLS: [&str; 6] = [
    "demo_stream",
    "demo_work",
    "demo_ask",
    "demo_echo",
    "demo_files",
    "demo_long",
];

/// The card's six skills become tools; the stream skill's chunks arrive as progress and join into the result.
#[tokio::test]
async fn demo_agent_tools_are_listed_and_streamed_answers_relay_progress() {
    let agent = demo_agent().await;
    let bridge = bridge::start(
        &agent_toml("demo", &agent.url(), ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let names = bridge.tool_names().await;
    for tool in DEMO_TOOLS {
        assert!(names.iter().any(|n| n == tool), "{tool} missing: {names:?}");
    }

    let call = bridge
        .call("demo_stream", json!({"message": "the bridge"}))
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(call.structured()["state"], "completed");
    let text = call.text();
    assert!(
        text.starts_with("You asked about \"the bridge\". This answer is streamed:"),
        "{text}"
    );
    assert!(
        text.contains("the whole text comes back as the tool result."),
        "{text}"
    );
    // The working status first, then every chunk; together the chunks are the answer.
    let progress = call.progress_messages();
    let working = progress
        .iter()
        .position(|m| m == "Writing the answer…")
        .unwrap_or_else(|| panic!("no working status: {progress:?}"));
    let chunks: Vec<&String> = progress[working + 1..]
        .iter()
        .filter(|m| !m.starts_with("task "))
        .collect();
    assert!(chunks.len() > 10, "{progress:?}");
    let joined: String = chunks.into_iter().map(String::as_str).collect();
    assert!(joined.ends_with("tool result."), "{progress:?}");
    assert!(text.starts_with(&joined), "{progress:?}");

    let call = bridge
        .call("demo_echo", json!({"message": "hello demo"}))
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().starts_with("hello demo"), "{}", call.text());
}

/// One agent URL configured twice, once per protocol version: both answer, each in its own version.
#[tokio::test]
async fn demo_agent_answers_on_both_protocol_versions() {
    let agent = demo_agent().await;
    let config = agent_toml("v1", &agent.url(), "protocol = \"1.0\"")
        + &agent_toml("v03", &agent.url(), "protocol = \"0.3\"");
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;

    let list = bridge.call("list_agents", json!({})).await;
    let agents = list.structured()["agents"].as_array().unwrap().clone();
    let protocol_of = |name: &str| {
        agents
            .iter()
            .find(|a| a["name"] == name)
            .map(|a| a["protocol"].clone())
    };
    assert_eq!(protocol_of("v1"), Some(json!("1.0")), "{agents:?}");
    assert_eq!(protocol_of("v03"), Some(json!("0.3")), "{agents:?}");

    for prefix in ["v1", "v03"] {
        let call = bridge
            .call(&format!("{prefix}_echo"), json!({"message": "ping"}))
            .await;
        assert!(!call.is_error(), "{prefix}: {}", call.text());
        assert!(call.text().starts_with("ping"), "{prefix}: {}", call.text());

        let call = bridge
            .call(&format!("{prefix}_work"), json!({"message": "0.3"}))
            .await;
        assert!(!call.is_error(), "{prefix}: {}", call.text());
        assert!(
            call.text().starts_with("Done: worked for 0.3 s."),
            "{prefix}: {}",
            call.text()
        );
        assert!(
            call.progress_messages()
                .iter()
                .any(|m| m == "Working: 0 of 0.3 s done."),
            "{prefix}: {:?}",
            call.progress_messages()
        );
    }
}

/// The agent answers each version in that version's shapes, and refuses v1 methods without the version header.
#[tokio::test]
async fn demo_agent_speaks_each_version_in_its_own_shapes() {
    let agent = demo_agent().await;
    let url = &agent.url();

    let v03 = rpc(
        url,
        false,
        "message/send",
        json!({"message": {"kind": "message", "messageId": "m1", "role": "user",
                           "parts": [{"kind": "text", "text": "work 0"}]}}),
    )
    .await;
    assert_eq!(v03["result"]["kind"], "task", "{v03}");
    assert_eq!(v03["result"]["status"]["state"], "completed", "{v03}");
    assert_eq!(
        v03["result"]["artifacts"][0]["parts"][0]["kind"], "text",
        "{v03}"
    );
    let task_id = v03["result"]["id"].as_str().unwrap().to_owned();

    let v1 = rpc(url, true, "GetTask", json!({"id": task_id})).await;
    assert_eq!(
        v1["result"]["status"]["state"], "TASK_STATE_COMPLETED",
        "{v1}"
    );
    assert!(v1["result"].get("kind").is_none(), "{v1}");

    let v1 = rpc(
        url,
        true,
        "SendMessage",
        json!({"message": {"messageId": "m2", "role": "ROLE_USER", "parts": [{"text": "echo hi"}]}}),
    )
    .await;
    assert_eq!(v1["result"]["message"]["role"], "ROLE_AGENT", "{v1}");
    assert_eq!(v1["result"]["message"]["parts"][0]["text"], "hi", "{v1}");

    let refused = rpc(url, false, "SendMessage", json!({})).await;
    assert_eq!(refused["error"]["code"], -32009, "{refused}");
    let unknown = rpc(url, false, "tasks/list", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let missing = rpc(url, true, "GetTask", json!({"id": "no-such-task"})).await;
    assert_eq!(missing["error"]["code"], -32001, "{missing}");
}

/// `ask` stops at input-required with its question; the answer on the same task gets a greeting. A client that
/// can elicit is asked directly instead.
#[tokio::test]
async fn demo_ask_requires_input_then_greets() {
    let agent = demo_agent().await;
    let config = agent_toml("demo", &agent.url(), "");
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;

    let call = bridge.call("demo_ask", json!({"message": "hi"})).await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(call.structured()["state"], "input-required");
    assert!(
        call.text().contains("What is your name?"),
        "{}",
        call.text()
    );
    let task_id = call.structured()["task_id"].as_str().unwrap().to_owned();

    let call = bridge
        .call("demo_ask", json!({"message": "Ada", "task_id": task_id}))
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(call.structured()["state"], "completed");
    assert!(
        call.text().starts_with("Hello, Ada! Nice to meet you."),
        "{}",
        call.text()
    );

    let eliciting = bridge::start(&config, Generation::Legacy, Recorder::answering("Grace")).await;
    let call = eliciting.call("demo_ask", json!({"message": "hi"})).await;
    assert_eq!(
        eliciting.recorder.elicitations().len(),
        1,
        "{}",
        call.text()
    );
    assert!(
        call.text().starts_with("Hello, Grace! Nice to meet you."),
        "{}",
        call.text()
    );
}

/// A user who declines the agent's question gets the resumable result, headed by a line telling the model the
/// user declined (so it does not answer in their place).
#[tokio::test]
async fn a_declined_question_says_the_user_declined() {
    let agent = demo_agent().await;
    let config = agent_toml("demo", &agent.url(), "");
    let bridge = bridge::start(&config, Generation::Legacy, Recorder::declining()).await;
    let call = bridge.call("demo_ask", json!({"message": "hi"})).await;
    assert_eq!(bridge.recorder.elicitations().len(), 1, "{}", call.text());
    assert_eq!(
        call.structured()["state"],
        "input-required",
        "{}",
        call.text()
    );
    assert!(
        call.text()
            .starts_with("The user declined to answer the agent's question"),
        "{}",
        call.text()
    );
    assert!(
        call.structured()["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("The user declined"),
        "{}",
        call.structured()
    );
}

/// A long `work` call returns its task id when the wait budget runs out; `cancel_task` stops it for good.
#[tokio::test]
async fn demo_work_can_be_canceled() {
    let agent = demo_agent().await;
    let bridge = bridge::start(
        &agent_toml("demo", &agent.url(), ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;

    let call = bridge
        .call(
            "demo_work",
            json!({"message": "work 60s", "wait_seconds": 1.5}),
        )
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(call.structured()["state"], "working", "{}", call.text());
    assert!(
        call.progress_messages()
            .iter()
            .any(|m| m == "Working: 1 of 60 s done."),
        "{:?}",
        call.progress_messages()
    );
    let task_id = call.structured()["task_id"].as_str().unwrap().to_owned();

    let canceled = bridge
        .call("cancel_task", json!({"agent": "demo", "task_id": task_id}))
        .await;
    assert!(!canceled.is_error(), "{}", canceled.text());
    assert_eq!(canceled.structured()["state"], "canceled");

    // It stays canceled: the work reports once a second, so after 1.2 s a tick that moved the task on would show.
    // (This waits for time to pass, not for an event.)
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let got = bridge
        .call("get_task", json!({"agent": "demo", "task_id": task_id}))
        .await;
    assert_eq!(got.structured()["state"], "canceled", "{}", got.text());
    let again = bridge
        .call("cancel_task", json!({"agent": "demo", "task_id": task_id}))
        .await;
    assert!(again.is_error(), "{}", again.text());
}

/// `mcp-a2a-bridge demo` serves MCP on stdio with the demo tools, and a call goes through to its own agent.
#[tokio::test]
async fn demo_command_lists_tools_over_stdio() {
    let mut cmd = Command::new(process::BIN);
    cmd.args(["demo", "--agent-listen", "127.0.0.1:0"]);
    let (client, _pid) =
        process::connect_stdio(cmd, Stdio::null(), Recorder::default(), Generation::Legacy)
            .await
            .unwrap_or_else(|e| panic!("{e:#}"));
    let tools = tokio::time::timeout(Duration::from_secs(30), client.peer().list_all_tools())
        .await
        .expect("tools/list timed out")
        .expect("tools/list failed");
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    for tool in DEMO_TOOLS {
        assert!(names.iter().any(|n| n == tool), "{tool} missing: {names:?}");
    }
    let params = process::call_params("demo_echo", json!({"message": "quickstart"}));
    let result = tokio::time::timeout(Duration::from_secs(30), client.peer().call_tool(params))
        .await
        .expect("tools/call timed out")
        .expect("tools/call failed");
    assert_eq!(result.is_error, Some(false), "{result:?}");
    assert!(
        bridge::text_of(&result).starts_with("quickstart"),
        "{result:?}"
    );
    let _ = client.cancel().await;
}

/// `demo_files` takes files and reports each (name, media type, size, the start of its SHA-256); `demo_long`
/// writes an artifact long enough to be linked with the default `inline_artifact_chars`, which read_artifact
/// pages through.
#[tokio::test]
async fn demo_files_reports_files_and_demo_long_is_linked() {
    use base64::Engine as _;
    let agent = demo_agent().await;
    let bridge = bridge::start(
        &agent_toml("demo", &agent.url(), ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let files_tool = bridge
        .client
        .peer()
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .find(|t| t.name == "demo_files")
        .expect("demo_files listed");
    assert!(files_tool.input_schema["properties"].get("files").is_some());
    assert!(
        bridge.tool_names().await.contains(&"demo_echo".to_owned()),
        "text-only skills stay"
    );

    let bytes = b"hello, demo";
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    let call = bridge
        .call(
            "demo_files",
            json!({"message": "what did I send?", "files": [
                {"bytes": b64, "name": "hello.txt", "mime_type": "text/plain"},
                {"uri": "data:image/png;base64,iVBORw0KGgo=", "name": "dot.png"},
            ]}),
        )
        .await;
    assert!(!call.is_error(), "{}", call.text());
    let text = call.text();
    // sha256("hello, demo") starts with these 16 hex digits.
    let sha = {
        use sha2::Digest as _;
        let d = sha2::Sha256::digest(bytes);
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()[..16].to_owned()
    };
    assert!(
        text.contains(&format!(
            "- \"hello.txt\" (text/plain): 11 bytes, sha256 {sha}…"
        )) && text.contains("- \"dot.png\" (image/png): 8 bytes, sha256 "),
        "{text}"
    );
    let none = bridge.call("demo_files", json!({"message": "x"})).await;
    assert!(
        none.text().starts_with("You sent no files"),
        "{}",
        none.text()
    );

    // 5000 lines by default: past 100,000 characters, so the result links the artifact.
    let long = bridge.call("demo_long", json!({"message": "go"})).await;
    assert!(!long.is_error(), "{}", long.text());
    assert_eq!(long.structured()["state"], "completed");
    let task_id = long.structured()["task_id"]
        .as_str()
        .expect("a task id")
        .to_owned();
    assert!(long.text().contains("read_artifact"), "{}", long.text());
    let page = bridge
        .call(
            "read_artifact",
            json!({"agent": "demo", "task_id": task_id, "offset": 0, "length": 60}),
        )
        .await;
    assert!(!page.is_error(), "{}", page.text());
    assert!(
        page.structured()["text"]
            .as_str()
            .unwrap()
            .starts_with("Line 1 of 5000: "),
        "{}",
        page.text()
    );
    assert!(page.structured()["total_chars"].as_u64().unwrap() > 100_000);
    // A short one stays inline.
    let short = bridge.call("demo_long", json!({"message": "3"})).await;
    assert!(
        short.text().contains("Line 3 of 3: the quick brown fox"),
        "{}",
        short.text()
    );
}

/// `expose = "agent"`: one tool whose description lists the skill ids and which takes an optional `skill`,
/// checked against the card like send_message's.
#[tokio::test]
async fn an_agent_exposed_as_one_tool_targets_skills() {
    let agent = demo_agent().await;
    let bridge = bridge::start(
        &agent_toml("demo", &agent.url(), "expose = \"agent\""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let tool = bridge
        .client
        .peer()
        .list_all_tools()
        .await
        .expect("tools/list")
        .into_iter()
        .find(|t| t.name == "demo")
        .expect("the agent's tool");
    assert!(
        tool.description
            .as_deref()
            .unwrap_or_default()
            .ends_with("Skills (optional skill argument): stream, work, ask, echo, files, long."),
        "{:?}",
        tool.description
    );
    assert!(tool.input_schema["properties"].get("skill").is_some());
    let call = bridge
        .call("demo", json!({"skill": "long", "message": "2"}))
        .await;
    assert!(
        call.text().contains("Line 2 of 2: "),
        "the skill id reached the agent: {}",
        call.text()
    );
    let wrong = bridge
        .call("demo", json!({"skill": "nope", "message": "x"}))
        .await;
    assert!(wrong.is_error());
    assert!(
        wrong.text().contains(
            "unknown skill \"nope\"; its card lists: stream, work, ask, echo, files, long"
        ),
        "{}",
        wrong.text()
    );
}
