//! The remote endpoint: the built binary serving Streamable HTTP on an OS-assigned port, driven by rmcp's HTTP
//! client and by raw requests, against official-SDK agents.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::support::agents::{Agent, AgentSpec};
use crate::support::bridge::{Generation, Recorder, agent_toml};
use crate::support::http::{self, HttpBridge, HttpClient};
use crate::support::net::Forwarder;

const TOKEN: &str = "it-token-new";
const OLD_TOKEN: &str = "it-token-old";
const TOKEN_ENV: [(&str, &str); 2] = [
    ("IT_BRIDGE_TOKEN", TOKEN),
    ("IT_BRIDGE_TOKEN_OLD", OLD_TOKEN),
];

/// A `[server]` table with both test tokens (rotation) and `extra` keys, then one agent.
fn config(agent_url: &str, extra: &str) -> String {
    format!(
        "[server]\nauth_tokens = [{{ env = \"IT_BRIDGE_TOKEN\" }}, {{ env = \"IT_BRIDGE_TOKEN_OLD\" }}]\n{extra}\n{}",
        agent_toml("x", agent_url, "")
    )
}

/// An agent URL nothing listens on, for tests that never reach an agent.
const DEAD_AGENT: &str = "http://127.0.0.1:1";

/// `initialize` as a raw JSON-RPC body.
fn initialize_body() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw-it", "version": "0"}}})
}

/// POSTs `body` to `/mcp` with the headers a Streamable HTTP client sends, plus `headers`.
async fn post(bridge: &HttpBridge, headers: &[(&str, &str)], body: String) -> reqwest::Response {
    let mut map = HeaderMap::new();
    map.insert(
        "accept",
        HeaderValue::from_static("application/json, text/event-stream"),
    );
    map.insert("content-type", HeaderValue::from_static("application/json"));
    for (k, v) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    tokio::time::timeout(
        Duration::from_secs(30),
        reqwest::Client::new()
            .post(bridge.mcp_url())
            .headers(map)
            .body(body)
            .send(),
    )
    .await
    .expect("POST /mcp timed out")
    .expect("POST /mcp failed")
}

/// The JSON-RPC response with `id` in a body that is JSON or an SSE stream.
fn jsonrpc_response(body: &str, id: i64) -> Value {
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        return v;
    }
    body.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no response with id {id} in:\n{body}"))
}

/// `GET {path}` without credentials: status and body.
async fn get(bridge: &HttpBridge, path: &str) -> (StatusCode, String) {
    let resp = tokio::time::timeout(
        Duration::from_secs(10),
        reqwest::get(format!("{}{path}", bridge.base())),
    )
    .await
    .expect("GET timed out")
    .expect("GET failed");
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

/// Waits until `/readyz` says ready, and returns its JSON.
async fn ready(bridge: &HttpBridge) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get(bridge, "/readyz").await;
        if status == StatusCode::OK {
            return serde_json::from_str(&body).expect("readyz JSON");
        }
        assert!(
            Instant::now() < deadline,
            "not ready in time: {status} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the client has received a progress notification (the call is in flight at the bridge).
async fn first_progress(client: &HttpClient) {
    client
        .recorder
        .wait_until("a progress notification", Duration::from_secs(30), |r| {
            r.progress_count() > 0
        })
        .await;
}

async fn connect(bridge: &HttpBridge, generation: Generation) -> HttpClient {
    http::connect(&bridge.mcp_url(), Some(TOKEN), generation)
        .await
        .expect("connect over HTTP")
}

/// A session client (`initialize`) with a bearer token lists tools and calls a skill of an official-SDK agent,
/// with progress arriving over SSE; JSON logs carry the tool call's span; `/readyz` counts the reachable agent.
#[tokio::test]
async fn session_client_over_http_lists_tools_and_gets_progress() {
    let agent = Agent::start(AgentSpec::v1("x")).await;
    let bridge = HttpBridge::start(
        &config(&agent.url, ""),
        &["--log-format", "json"],
        &TOKEN_ENV,
    )
    .await;
    let client = connect(&bridge, Generation::Legacy).await;

    let names = client.tool_names().await;
    assert!(names.iter().any(|n| n == "x_echo"), "{names:?}");

    let call = client.call("x_echo", json!({"message": "slow:1"})).await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().contains("slow done"), "{}", call.text());
    assert_eq!(call.structured()["state"], "completed");
    assert!(!call.progress.is_empty(), "no progress over HTTP");

    let readyz = ready(&bridge).await;
    assert_eq!(
        readyz,
        json!({"status": "ready", "agents": 1, "reachable": 1})
    );

    // One JSON line per finished call, inside the `tool_call` span (tool, agent, task id).
    let task_id = call.structured()["task_id"].as_str().unwrap().to_owned();
    let logs = bridge.logs();
    let line = logs
        .iter()
        .find(|l| l.contains("tool call finished"))
        .unwrap_or_else(|| panic!("no `tool call finished` line in:\n{}", logs.join("\n")));
    let line: Value = serde_json::from_str(line).expect("a JSON log line");
    assert_eq!(line["fields"]["outcome"], "ok", "{line}");
    assert!(line["fields"]["duration_ms"].as_u64().is_some(), "{line}");
    assert_eq!(line["span"]["name"], "tool_call", "{line}");
    assert_eq!(line["span"]["tool"], "x_echo", "{line}");
    assert_eq!(line["span"]["agent"], "x", "{line}");
    assert_eq!(line["span"]["task_id"], task_id.as_str(), "{line}");
    // Tokens never reach the logs.
    assert!(
        !logs
            .iter()
            .any(|l| l.contains(TOKEN) || l.contains(OLD_TOKEN))
    );
}

/// A 2026-07-28 client (no `initialize`, per-request `_meta`) works, through rmcp's client and as a raw POST
/// with the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers.
#[tokio::test]
async fn stateless_2026_requests_work() {
    let agent = Agent::start(AgentSpec::v1("x")).await;
    let bridge = HttpBridge::start(&config(&agent.url, ""), &[], &TOKEN_ENV).await;

    let client = connect(&bridge, Generation::Modern).await;
    assert!(client.tool_names().await.iter().any(|n| n == "x_echo"));
    let call = client.call("x_echo", json!({"message": "modern"})).await;
    assert!(call.text().starts_with("echo: modern"), "{}", call.text());
    assert!(!call.progress.is_empty(), "no progress for the 2026 client");

    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
    "name": "x_echo", "arguments": {"message": "raw"},
    "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "raw-it", "version": "0"}
    }}});
    let resp = post(
        &bridge,
        &[
            ("authorization", &format!("Bearer {TOKEN}")),
            ("mcp-protocol-version", "2026-07-28"),
            ("mcp-method", "tools/call"),
            ("mcp-name", "x_echo"),
        ],
        body.to_string(),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers().get("mcp-session-id").is_none(),
        "2026 requests have no session"
    );
    let text = resp.text().await.unwrap();
    let response = jsonrpc_response(&text, 7);
    let content = response["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(content.starts_with("echo: raw"), "{response}");
}

/// No token, a wrong one, or another scheme is 401 with `WWW-Authenticate: Bearer`; either configured token
/// (rotation) is accepted; the health endpoints need none.
#[tokio::test]
async fn requests_without_the_right_token_get_401() {
    let bridge = HttpBridge::start(&config(DEAD_AGENT, ""), &[], &TOKEN_ENV).await;
    let body = initialize_body().to_string();

    for (headers, invalid) in [
        (vec![], false),
        (vec![("authorization", "Bearer not-the-token")], true),
        (vec![("authorization", "Basic aXQ6aXQ=")], false),
        (vec![("authorization", "Bearer it-token-ne")], true),
    ] {
        let resp = post(&bridge, &headers, body.clone()).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{headers:?}");
        let challenge = resp.headers()["www-authenticate"].to_str().unwrap();
        assert!(challenge.starts_with("Bearer "), "{challenge}");
        assert_eq!(challenge.contains("invalid_token"), invalid, "{challenge}");
    }
    for token in [TOKEN, OLD_TOKEN] {
        let resp = post(
            &bridge,
            &[("authorization", &format!("Bearer {token}"))],
            body.clone(),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
    }

    // rmcp's client without a token cannot connect.
    assert!(
        http::connect(&bridge.mcp_url(), None, Generation::Legacy)
            .await
            .is_err()
    );

    assert_eq!(
        get(&bridge, "/healthz").await,
        (StatusCode::OK, "ok\n".into())
    );
    let readyz = ready(&bridge).await;
    assert_eq!(
        readyz,
        json!({"status": "ready", "agents": 1, "reachable": 0})
    );
    assert!(!bridge.logs().iter().any(|l| l.contains("not-the-token")));
}

/// A Host or Origin outside the allowlists is 403 (loopback by default, configurable), and a body past
/// `max_body_bytes` is 413 with a JSON-RPC error naming the key.
#[tokio::test]
async fn bad_host_or_origin_is_403_and_an_oversized_body_is_413() {
    let auth = format!("Bearer {TOKEN}");
    let body = initialize_body().to_string();

    // Defaults: loopback hosts; loopback origins, and requests without Origin.
    let bridge = HttpBridge::start(
        &config(DEAD_AGENT, "max_body_bytes = 2048"),
        &[],
        &TOKEN_ENV,
    )
    .await;
    for (headers, want) in [
        (vec![("host", "evil.example.com")], StatusCode::FORBIDDEN),
        (vec![("host", "localhost:1234")], StatusCode::OK),
        (
            vec![("origin", "https://evil.example.com")],
            StatusCode::FORBIDDEN,
        ),
        (vec![("origin", "null")], StatusCode::FORBIDDEN),
        (vec![("origin", "http://localhost:5173")], StatusCode::OK),
        (vec![("origin", "http://127.0.0.1:8080")], StatusCode::OK),
    ] {
        let mut all = headers.clone();
        all.push(("authorization", &auth));
        let resp = post(&bridge, &all, body.clone()).await;
        assert_eq!(resp.status(), want, "{headers:?}");
    }
    // Just past the cap, and far past it (the answer comes before the body is read): a JSON-RPC error MCP
    // clients can show, naming the key.
    for pad in [4096, 1 << 20] {
        let big = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x".repeat(pad)}});
        let resp = post(&bridge, &[("authorization", &auth)], big.to_string()).await;
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            resp.headers()[reqwest::header::CONTENT_TYPE],
            "application/json"
        );
        let error: Value = resp.json().await.unwrap();
        assert_eq!(error["jsonrpc"], "2.0", "{error}");
        assert_eq!(error["id"], Value::Null, "{error}");
        assert_eq!(error["error"]["code"], -32600, "{error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("larger than 2048 bytes ([server] max_body_bytes"),
            "{message}"
        );
    }
    drop(bridge);

    // Configured lists replace the defaults.
    let extra = "allowed_hosts = [\"bridge.example.com\", \"127.0.0.1\"]\nallowed_origins = [\"https://app.example.com\"]";
    let bridge = HttpBridge::start(&config(DEAD_AGENT, extra), &[], &TOKEN_ENV).await;
    for (headers, want) in [
        (vec![("host", "bridge.example.com")], StatusCode::OK),
        (vec![("host", "localhost")], StatusCode::FORBIDDEN),
        (vec![("origin", "https://app.example.com")], StatusCode::OK),
        (
            vec![("origin", "http://localhost:5173")],
            StatusCode::FORBIDDEN,
        ),
    ] {
        let mut all = headers.clone();
        all.push(("authorization", &auth));
        let resp = post(&bridge, &all, body.clone()).await;
        assert_eq!(resp.status(), want, "{headers:?}");
    }
}

/// Listening beyond loopback without a token refuses to start, naming the file and the key, whether the address
/// comes from `--http` or `[server].listen`; `allow_unauthenticated = true` allows it.
#[tokio::test]
async fn non_loopback_without_a_token_refuses_to_start() {
    let agents = agent_toml("x", DEAD_AGENT, "");
    for (config, args, from) in [
        (
            agents.clone(),
            vec!["--http", "0.0.0.0:0"],
            "--http 0.0.0.0:0",
        ),
        (
            format!("[server]\nlisten = \"0.0.0.0:0\"\n{agents}"),
            vec![],
            "server.listen 0.0.0.0:0",
        ),
    ] {
        let (status, stderr) =
            http::run_to_exit(&config, &args, &[], Duration::from_secs(20)).await;
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("bridge.toml: server.auth_tokens: "),
            "{stderr}"
        );
        assert!(stderr.contains(from), "{stderr}");
        assert!(stderr.contains("allow_unauthenticated"), "{stderr}");
    }

    let config = format!("[server]\nallow_unauthenticated = true\n{agents}");
    let bridge = HttpBridge::start_with_args(&config, &["--http", "0.0.0.0:0"], &[]).await;
    assert!(bridge.addr.ip().is_unspecified());
    // Loopback without a token is fine too.
    let _local = HttpBridge::start(&agents, &[], &[]).await;
}

/// SIGTERM during a call: the call finishes and its result reaches the client, then the process exits 0, well
/// within the grace period.
#[tokio::test]
async fn sigterm_lets_an_in_flight_call_finish() {
    let agent = Agent::start(AgentSpec::v1("x")).await;
    let mut bridge = HttpBridge::start(
        &config(&agent.url, "shutdown_grace_secs = 20"),
        &[],
        &TOKEN_ENV,
    )
    .await;
    let client = connect(&bridge, Generation::Legacy).await;

    let signaled = async {
        first_progress(&client).await;
        bridge.sigterm().await;
        Instant::now()
    };
    let call = tokio::time::timeout(
        Duration::from_secs(30),
        client.try_call("x_echo", json!({"message": "slow:2"})),
    );
    let (call, signaled_at) = tokio::join!(call, signaled);
    let logs = bridge.logs().join("\n");
    let call = match call {
        Ok(Ok(call)) => call,
        other => panic!(
            "the in-flight call got no result ({:?}); bridge logs:\n{logs}",
            other.map(|r| r.err())
        ),
    };
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().contains("slow done"), "{}", call.text());

    let status = bridge.wait_exit(Duration::from_secs(15)).await;
    assert!(status.success(), "exit status {status:?}");
    assert!(signaled_at.elapsed() < Duration::from_secs(12));
    let logs = bridge.logs().join("\n");
    assert!(logs.contains("waiting for in-flight tool calls"), "{logs}");
    assert!(!logs.contains("canceling the remaining"), "{logs}");
}

/// A call still running when the grace period ends gets a result saying the bridge is shutting down, with its
/// task id (the agent's task keeps running, to be collected through another bridge), and the process still
/// exits 0.
#[tokio::test]
async fn calls_past_the_grace_period_get_a_shutdown_result() {
    let agent = Agent::start(AgentSpec::v1("x")).await;
    let mut bridge = HttpBridge::start(
        &config(&agent.url, "shutdown_grace_secs = 1"),
        &[],
        &TOKEN_ENV,
    )
    .await;
    let client = connect(&bridge, Generation::Modern).await;

    let call = client.try_call("x_echo", json!({"message": "slow:30", "wait_seconds": 60}));
    let signaled = async {
        first_progress(&client).await;
        bridge.sigterm().await;
        bridge.wait_exit(Duration::from_secs(15)).await
    };
    let (call, status) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(20), call),
        signaled
    );
    assert!(status.success(), "exit status {status:?}");
    let logs = bridge.logs().join("\n");
    let call = match call {
        Ok(Ok(call)) => call,
        other => panic!("no result ({:?}); logs:\n{logs}", other.map(|r| r.err())),
    };
    assert!(call.text().contains("shutting down"), "{}", call.text());
    let task_id = call.structured()["task_id"].as_str().unwrap_or_default();
    assert!(!task_id.is_empty(), "{}", call.text());
    assert!(call.text().contains(task_id), "{}", call.text());
    assert!(agent.cancelled().await.is_empty(), "{logs}");
}

/// A call waiting on the user's answer to an agent's question when the grace period ends still gets a result
/// (the resumable input-required one, with its task id) before the bridge exits.
#[tokio::test]
async fn a_call_waiting_on_the_user_at_shutdown_gets_a_result() {
    let agent = crate::hosts::DemoAgent::start().await;
    let config = format!(
        "[server]\nauth_tokens = [{{ env = \"IT_BRIDGE_TOKEN\" }}]\nshutdown_grace_secs = 1\n{}",
        agent_toml("demo", &agent.url, "")
    );
    let mut bridge = HttpBridge::start(&config, &[], &TOKEN_ENV).await;
    let recorder = Recorder::never_answering();
    let client = http::connect_with(&bridge.mcp_url(), Some(TOKEN), Generation::Legacy, recorder)
        .await
        .expect("connect over HTTP");
    let call = client.try_call("demo_ask", json!({"message": "hi"}));
    let signaled = async {
        client
            .recorder
            .wait_until("the question", Duration::from_secs(30), |r| {
                !r.elicitations().is_empty()
            })
            .await;
        bridge.sigterm().await;
        bridge.wait_exit(Duration::from_secs(15)).await
    };
    let (call, status) = tokio::join!(
        tokio::time::timeout(Duration::from_secs(20), call),
        signaled
    );
    assert!(status.success(), "exit status {status:?}");
    let logs = bridge.logs().join("\n");
    let call = match call {
        Ok(Ok(call)) => call,
        other => panic!("no result ({:?}); logs:\n{logs}", other.map(|r| r.err())),
    };
    assert_eq!(
        call.structured()["state"],
        "input-required",
        "{}",
        call.text()
    );
    let task_id = call.structured()["task_id"].as_str().unwrap_or_default();
    assert!(!task_id.is_empty(), "{}", call.text());
}

/// Past `max_concurrent_calls`, a call is refused at once with a tool error naming the limit.
#[tokio::test]
async fn calls_past_the_limit_get_a_tool_error() {
    let agent = Agent::start(AgentSpec::v1("x")).await;
    let bridge = HttpBridge::start(
        &config(&agent.url, "max_concurrent_calls = 1"),
        &[],
        &TOKEN_ENV,
    )
    .await;
    let client = connect(&bridge, Generation::Legacy).await;

    let second = async {
        first_progress(&client).await;
        let started = Instant::now();
        let call = client.call("x_echo", json!({"message": "hello"})).await;
        (call, started.elapsed())
    };
    let (first, (second, waited)) =
        tokio::join!(client.call("x_echo", json!({"message": "slow:2"})), second);
    assert!(!first.is_error(), "{}", first.text());
    assert!(second.is_error(), "{}", second.text());
    assert!(
        second.text().contains("server.max_concurrent_calls"),
        "{}",
        second.text()
    );
    assert!(
        waited < Duration::from_secs(1),
        "the refusal queued for {waited:?}"
    );
    // Once the first call is done there is room again.
    let third = client.call("x_echo", json!({"message": "again"})).await;
    assert!(third.text().starts_with("echo: again"), "{}", third.text());
}

/// Two bridges with `stateful = false`: a task started through one is collected through the other, and one
/// client works through a round-robin balancer in front of both, with no sticky sessions.
#[tokio::test]
async fn stateless_replicas_share_tasks() {
    let agent = Agent::start(AgentSpec::v1("x")).await;
    let config = config(&agent.url, "stateful = false");
    let one = HttpBridge::start(&config, &[], &TOKEN_ENV).await;
    let two = HttpBridge::start(&config, &[], &TOKEN_ENV).await;

    let through_one = connect(&one, Generation::Legacy).await;
    let started = through_one
        .call("x_echo", json!({"message": "slow:3", "wait_seconds": 0.5}))
        .await;
    assert!(!started.is_error(), "{}", started.text());
    assert_eq!(
        started.structured()["state"],
        "working",
        "{}",
        started.text()
    );
    let task_id = started.structured()["task_id"].as_str().unwrap().to_owned();

    let through_two = connect(&two, Generation::Legacy).await;
    let done = through_two
        .call(
            "get_task",
            json!({"agent": "x", "task_id": task_id, "wait_seconds": 10}),
        )
        .await;
    assert!(!done.is_error(), "{}", done.text());
    assert_eq!(done.structured()["state"], "completed", "{}", done.text());
    assert!(done.text().contains("slow done"), "{}", done.text());

    // One client behind a balancer that sends each connection to the next replica.
    let balancer = Forwarder::start(vec![one.addr, two.addr]).await;
    for generation in [Generation::Legacy, Generation::Modern] {
        let url = format!("http://{}/mcp", balancer.addr);
        let client = http::connect(&url, Some(TOKEN), generation)
            .await
            .expect("connect through the balancer");
        assert!(client.tool_names().await.iter().any(|n| n == "x_echo"));
        let started = client
            .call("x_echo", json!({"message": "slow:2", "wait_seconds": 0.5}))
            .await;
        let task_id = started.structured()["task_id"].as_str().unwrap().to_owned();
        let done = client
            .call(
                "get_task",
                json!({"agent": "x", "task_id": task_id, "wait_seconds": 10}),
            )
            .await;
        assert_eq!(done.structured()["state"], "completed", "{}", done.text());
    }
    let counts = balancer.counts();
    assert!(
        counts.iter().all(|&n| n > 0),
        "both replicas should have served: {counts:?}"
    );
}
