//! What MCP hosts expect of the bridge, through rmcp's real client against the built-in demo agent: plain
//! results for quick calls from clients that declare the MCP tasks extension, questions only for clients that
//! declared elicitation, bad arguments as tool errors, tool names short enough for Claude Code and Cursor,
//! and skills of cards that leave out required fields.

use std::process::Stdio;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use rmcp::model::{CallToolRequestParams, CallToolResponse, GetTaskParams, TaskStatus};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::support::bridge::{self, Generation, Recorder, agent_toml, text_of};

/// How long the demo agent may take to serve its card.
const READY_TIMEOUT: Duration = Duration::from_secs(15);

/// A `demo-agent` child process on a free loopback port; killed when dropped.
pub(crate) struct DemoAgent {
    pub(crate) url: String,
    _child: Child,
}

impl DemoAgent {
    pub(crate) async fn start() -> DemoAgent {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_mcp-a2a-bridge"))
            .args(["demo-agent", "--listen", &addr])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the demo agent");
        let url = format!("http://{addr}/");
        let card = format!("{url}.well-known/agent-card.json");
        let started = Instant::now();
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http.get(&card).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                started.elapsed() < READY_TIMEOUT,
                "the demo agent did not serve {card}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        DemoAgent { url, _child: child }
    }
}

/// Serves `card` (with `{url}` replaced by `endpoint`) at `/.well-known/agent-card.json` on a loopback port,
/// until dropped; the calls go to `endpoint`.
struct CardServer {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CardServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CardServer {
    async fn start(mut card: Value, endpoint: &str) -> CardServer {
        card["supportedInterfaces"] =
            json!([{"url": endpoint, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}]);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let app = Router::new().route(
            "/.well-known/agent-card.json",
            get(move || {
                let card = card.clone();
                async move { axum::Json(card) }
            }),
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        CardServer { url, task }
    }
}

fn args(v: Value) -> rmcp::model::JsonObject {
    v.as_object().cloned().unwrap_or_default()
}

/// A 2026-07-28 client that declared no elicitation, with and without the tasks extension: `demo_ask` returns
/// the resumable input-required result at once (no MRTR question, no MCP task it could not answer), and
/// calling again with the task_id finishes the task.
#[tokio::test]
async fn clients_without_elicitation_get_the_resumable_result() {
    let agent = DemoAgent::start().await;
    for recorder in [Recorder::default(), Recorder::with_tasks()] {
        let bridge = bridge::start(
            &agent_toml("demo", &agent.url, ""),
            Generation::Modern,
            recorder,
        )
        .await;
        let first = tokio::time::timeout(
            Duration::from_secs(30),
            bridge.client.peer().call_tool_once(
                CallToolRequestParams::new("demo_ask")
                    .with_arguments(args(json!({"message": "hi"}))),
            ),
        )
        .await
        .expect("demo_ask must not hang")
        .expect("tools/call");
        let CallToolResponse::Complete(result) = first else {
            panic!("expected a plain result, got {first:?}")
        };
        let s = result.structured_content.clone().unwrap();
        assert_eq!(s["state"], "input-required", "{}", text_of(&result));
        assert!(bridge.recorder.elicitations().is_empty());
        let answer = bridge
            .call(
                "demo_ask",
                json!({"message": "Ada", "task_id": s["task_id"], "context_id": s["context_id"]}),
            )
            .await;
        assert_eq!(
            answer.structured()["state"],
            "completed",
            "{}",
            answer.text()
        );
        assert!(answer.text().contains("Ada"), "{}", answer.text());
    }
}

/// A client that declares the tasks extension (as MCP Inspector 2.12 does, without following tasks in its
/// default mode) gets plain results for every call that ends within its wait budget, and an MCP task only for
/// work that outlasts it; tasks/get then carries the result.
#[tokio::test]
async fn tasks_clients_get_plain_results_within_the_budget() {
    let agent = DemoAgent::start().await;
    let bridge = bridge::start(
        &agent_toml("demo", &agent.url, ""),
        Generation::Modern,
        Recorder::with_tasks(),
    )
    .await;
    let peer = bridge.client.peer();
    let call = |tool: &str, a: Value| {
        peer.call_tool_once(CallToolRequestParams::new(tool.to_owned()).with_arguments(args(a)))
    };
    // Longer than the old 2 s first wait, well within the default budget.
    for (tool, message) in [
        ("demo_work", "3"),
        ("demo_stream", "the bridge"),
        ("demo_echo", "hi"),
    ] {
        match call(tool, json!({"message": message})).await.unwrap() {
            CallToolResponse::Complete(r) => {
                assert_ne!(r.is_error, Some(true), "{tool}: {}", text_of(&r));
                // The demo answers echo with a direct Message, the others with a task.
                let expected = if tool == "demo_echo" {
                    "message"
                } else {
                    "completed"
                };
                assert_eq!(r.structured_content.unwrap()["state"], expected, "{tool}");
            }
            other => panic!("{tool}: expected a plain result, got {other:?}"),
        }
    }
    // Outlasting the budget: an MCP task, followed with tasks/get to its result.
    let CallToolResponse::Task(created) =
        call("demo_work", json!({"message": "3", "wait_seconds": 0.5}))
            .await
            .unwrap()
    else {
        panic!("expected an MCP task")
    };
    let id = created.task.task_id.clone();
    assert!(id.starts_with("a2a:demo:"), "{id}");
    let mut done = None;
    for _ in 0..100 {
        let got = peer
            .get_task(GetTaskParams::new(id.clone()))
            .await
            .expect("tasks/get");
        if got.task.status() == TaskStatus::Completed {
            done = Some(serde_json::to_value(&got).unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let done = done.expect("the MCP task completes");
    assert_eq!(
        done["result"]["structuredContent"]["state"], "completed",
        "{done}"
    );
}

/// Bad arguments are tool errors the model can read and correct (SEP-1303); an unknown tool stays a protocol
/// error. Sloppy scalars are read for what they mean.
#[tokio::test]
async fn bad_arguments_are_tool_errors() {
    let agent = DemoAgent::start().await;
    let bridge = bridge::start(
        &agent_toml("demo", &agent.url, ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let missing = bridge
        .call("demo_echo", json!({"text": "no message"}))
        .await;
    assert!(missing.is_error(), "{}", missing.text());
    assert!(
        missing.text().contains("unknown argument \"text\""),
        "{}",
        missing.text()
    );
    assert!(
        missing.text().contains("message (required)"),
        "{}",
        missing.text()
    );
    assert_eq!(missing.structured()["state"], "error");
    assert_eq!(missing.structured()["agent"], "demo");

    let missing = bridge.call("demo_echo", json!({})).await;
    assert!(missing.is_error());
    assert!(
        missing.text().contains("missing field \"message\""),
        "{}",
        missing.text()
    );

    let wrong = bridge
        .call("demo_echo", json!({"message": "x", "context_id": ["a"]}))
        .await;
    assert!(wrong.is_error());
    assert!(wrong.text().contains("context_id: "), "{}", wrong.text());

    let implied = bridge
        .call(
            "demo_echo",
            json!({"message": "x", "agent": "demo", "skill": "echo"}),
        )
        .await;
    assert!(implied.is_error());
    let t = implied.text();
    assert!(t.contains("already names its agent and skill"), "{t}");
    let takes = t.split(" takes ").nth(1).unwrap_or_default();
    assert!(!takes.contains("agent") && !takes.contains("skill"), "{t}");

    let number = bridge.call("demo_echo", json!({"message": 10})).await;
    assert!(!number.is_error(), "{}", number.text());
    assert!(number.text().contains("10"), "{}", number.text());

    let nobody = bridge
        .call("send_message", json!({"agent": "nobody", "message": "x"}))
        .await;
    assert!(nobody.is_error());
    assert!(
        nobody.text().contains("configured agents are: demo"),
        "{}",
        nobody.text()
    );
    let nobody = bridge
        .call("get_task", json!({"agent": "nobody", "task_id": "t"}))
        .await;
    assert!(nobody.is_error(), "{}", nobody.text());
    let negative = bridge
        .call(
            "get_task",
            json!({"agent": "demo", "task_id": "t", "wait_seconds": -1}),
        )
        .await;
    assert!(negative.is_error(), "{}", negative.text());

    let err = bridge
        .try_call("nope", json!({"message": "x"}))
        .await
        .err()
        .expect("an unknown tool is a protocol error");
    assert!(err.to_string().contains("unknown tool"), "{err}");
}

/// Long agent and skill names (a Google ADK sub-agent's skill) fit the default limit readably; the limit and
/// the prefix are configurable; a card that leaves out skill ids, names and descriptions still gives one tool
/// per skill; titles and hints are listed.
#[tokio::test]
async fn tool_names_fit_the_hosts_and_sloppy_cards_still_give_tools() {
    let agent = DemoAgent::start().await;
    let card = json!({
        "name": "Travel concierge",
        "description": "Plans trips.",
        "version": "1",
        "capabilities": {"streaming": true},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [
            {"id": "travel_concierge_booking_agent-create_reservation", "name": "Create reservation",
             "description": "Books it.", "tags": []},
            {"name": "Echo"},
            {"description": "Echoes."}
        ]
    });
    let cards = CardServer::start(card, &agent.url).await;
    let bridge = bridge::start(
        &agent_toml("travel_concierge", &cards.url, ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let tools = bridge.tools().await;
    let names: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
    assert!(names.iter().all(|n| n.len() <= 40), "{names:?}");
    assert!(
        names.contains(&"travel_concierge_booking-create_reservat".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"travel_concierge_Echo".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"travel_concierge_skill-3".to_owned()),
        "{names:?}"
    );
    for tool in &tools {
        assert!(tool.title.is_some(), "{} has no title", tool.name);
        assert!(
            tool.annotations.is_some(),
            "{} has no annotations",
            tool.name
        );
        let d = tool.description.as_deref().unwrap_or_default();
        assert!(!d.contains(".."), "{}: {d}", tool.name);
    }
    // The id-less skill is called like any other (the demo agent echoes what it does not know).
    let echo = bridge
        .call("travel_concierge_Echo", json!({"message": "hi"}))
        .await;
    assert!(!echo.is_error(), "{}", echo.text());

    let config = format!(
        "[bridge]\nmax_tool_name_length = 32\n{}",
        agent_toml("travel_concierge", &cards.url, "tool_prefix = \"tc\"")
    );
    let short = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    let names = short.tool_names().await;
    assert!(names.iter().all(|n| n.len() <= 32), "{names:?}");
    assert!(
        names.contains(&"tc_trave_conci_booki-creat_reser".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"tc_Echo".to_owned()), "{names:?}");
}
