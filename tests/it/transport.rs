//! The MCP transport as hosts meet it: Streamable HTTP answered per negotiated revision (priming), session
//! `DELETE`, replay after a dropped stream, malformed bodies, the session limit, `TCP_NODELAY`; the process
//! run by hand (Ctrl-C with a terminal on stdin, stderr on a dead pipe); and stdio's ends (SIGTERM with a call
//! running, a host that closes stdout). Raw HTTP requests, so every byte the
//! bridge sends is seen, against the built-in demo agent.

use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::support::bridge::agent_toml;
use crate::support::http::HttpBridge;
use crate::support::process::{self, DemoAgent};

/// The demo agent as its own process, on an OS-assigned port.
async fn demo_agent() -> DemoAgent {
    DemoAgent::start(&[], None)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

/// A bridge over HTTP in front of the demo agent (tools `demo_*`), with `server` keys in `[server]`.
async fn bridge(agent: &DemoAgent, server: &str) -> HttpBridge {
    let config = format!(
        "[server]\n{server}\n{}",
        agent_toml("demo", &agent.url(), "")
    );
    HttpBridge::start(&config, &[], &[]).await
}

/// One SSE event as sent: its id, its data (lines joined), and whether it was only a comment.
#[derive(Debug, Clone)]
struct Event {
    id: Option<String>,
    data: String,
    comment: bool,
}

fn events(text: &str) -> Vec<Event> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut event = Event {
                id: None,
                data: String::new(),
                comment: true,
            };
            let mut data = Vec::new();
            for line in block.lines() {
                if line.starts_with(':') {
                    continue;
                }
                event.comment = false;
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "id" => event.id = Some(value.to_owned()),
                    "data" => data.push(value.to_owned()),
                    _ => {}
                }
            }
            event.data = data.join("\n");
            event
        })
        .collect()
}

/// The events that carry no message (priming): not comments, with empty data.
fn priming(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| !e.comment && e.data.is_empty())
        .collect()
}

/// Raw Streamable HTTP requests to one bridge, on one keep-alive connection pool.
struct Raw {
    http: reqwest::Client,
    url: String,
}

impl Raw {
    fn new(bridge: &HttpBridge) -> Raw {
        Raw {
            http: reqwest::Client::new(),
            url: bridge.mcp_url(),
        }
    }

    fn request(
        &self,
        method: reqwest::Method,
        session: Option<&str>,
        version: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, &self.url)
            .header("accept", "application/json, text/event-stream")
            .timeout(Duration::from_secs(30));
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        if let Some(version) = version {
            request = request.header("mcp-protocol-version", version);
        }
        request
    }

    async fn post(
        &self,
        session: Option<&str>,
        version: Option<&str>,
        body: &str,
    ) -> reqwest::Response {
        self.request(reqwest::Method::POST, session, version)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("POST /mcp")
    }

    /// `initialize` at `version`, then `notifications/initialized`: the session id and the initialize body.
    async fn open(&self, version: &str) -> (String, String) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": version, "capabilities": {},
            "clientInfo": {"name": "transport-it", "version": "0"}}});
        let response = self.post(None, None, &body.to_string()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let session = response
            .headers()
            .get("mcp-session-id")
            .expect("a session id")
            .to_str()
            .unwrap()
            .to_owned();
        let text = response.text().await.unwrap();
        let header = header_for(version);
        let note = self
            .post(
                Some(&session),
                header,
                r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            )
            .await;
        assert_eq!(note.status(), StatusCode::ACCEPTED);
        (session, text)
    }
}

/// The `MCP-Protocol-Version` header a client of `version` sends: none before 2025-06-18.
fn header_for(version: &str) -> Option<&str> {
    (version >= "2025-06-18").then_some(version)
}

/// The JSON-RPC message with `id` among SSE events.
fn message_with_id(events: &[Event], id: i64) -> Option<Value> {
    events
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(&e.data).ok())
        .find(|v| v["id"] == id)
}

/// Reads a streaming body for at most `limit` (a stream that stays open, like GET, is cut there).
async fn read_for(response: reqwest::Response, limit: Duration) -> String {
    let mut response = response;
    let mut text = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, response.chunk()).await {
        text.extend_from_slice(&chunk);
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// Priming events (SSE events with empty data, MCP 2025-11-25) reach only sessions that negotiated 2025-11-25
/// or later: clients of 2025-03-26 and 2025-06-18 (TypeScript SDK 1.2x, Gemini CLI) parse every data line as
/// JSON and drop the server on an empty one.
#[tokio::test]
async fn priming_events_go_only_to_revisions_that_have_them() {
    let agent = demo_agent().await;
    let bridge = bridge(&agent, "").await;
    let raw = Raw::new(&bridge);
    for version in ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"] {
        let (session, init) = raw.open(version).await;
        let init = events(&init);
        let response = message_with_id(&init, 1).expect("the initialize response");
        assert_eq!(response["result"]["protocolVersion"], version);

        let list = raw
            .post(
                Some(&session),
                header_for(version),
                r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            )
            .await;
        assert_eq!(list.status(), StatusCode::OK);
        let list = events(&list.text().await.unwrap());
        assert!(message_with_id(&list, 2).is_some(), "{version}: {list:?}");

        let standalone = raw
            .request(reqwest::Method::GET, Some(&session), header_for(version))
            .send()
            .await
            .expect("GET /mcp");
        assert_eq!(standalone.status(), StatusCode::OK);
        let standalone = events(&read_for(standalone, Duration::from_millis(700)).await);

        if version >= "2025-11-25" {
            let primed = priming(&list);
            assert_eq!(primed.len(), 1, "{version}: {list:?}");
            assert!(
                primed[0]
                    .id
                    .as_deref()
                    .is_some_and(|id| id.starts_with("0/")),
                "{version}: {list:?}"
            );
        } else {
            for (what, events) in [
                ("initialize", &init),
                ("tools/list", &list),
                ("GET", &standalone),
            ] {
                assert!(
                    priming(events).is_empty(),
                    "{version}: a priming event on the {what} stream: {events:?}"
                );
            }
        }
    }
}

/// `DELETE` ends a session with 200 (clients log "Session termination failed: 202" otherwise); the session is
/// gone (404 on its next request), and a second `DELETE` is 404.
#[tokio::test]
async fn delete_ends_a_session_with_200_then_404() {
    let agent = demo_agent().await;
    let bridge = bridge(&agent, "").await;
    let raw = Raw::new(&bridge);
    let (session, _) = raw.open("2025-11-25").await;
    let delete = || {
        raw.request(reqwest::Method::DELETE, Some(&session), Some("2025-11-25"))
            .send()
    };
    let first = delete().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let second = delete().await.unwrap();
    assert_eq!(second.status(), StatusCode::NOT_FOUND);
    let after = raw
        .post(
            Some(&session),
            Some("2025-11-25"),
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
        )
        .await;
    assert_eq!(after.status(), StatusCode::NOT_FOUND);
}

/// A client whose response stream drops reconnects with `GET` and `Last-Event-ID`: it gets the events after
/// that id, none twice, and the call's result, both when the call finished meanwhile and while it still runs.
#[tokio::test]
async fn a_dropped_stream_is_replayed_after_the_last_event_id() {
    let agent = demo_agent().await;
    let bridge = bridge(&agent, "").await;
    let raw = Raw::new(&bridge);
    let version = "2025-11-25";
    let (session, _) = raw.open(version).await;
    for (id, wait_for_the_end) in [(11, true), (12, false)] {
        let call = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "demo_work", "arguments": {"message": "2"},
            "_meta": {"progressToken": format!("p{id}")}}});
        let mut response = raw
            .post(Some(&session), Some(version), &call.to_string())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        // Read up to the first progress notification, then drop the connection.
        let mut seen = String::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let last = loop {
            let chunk = tokio::time::timeout_at(deadline, response.chunk())
                .await
                .expect("no progress within 20 s")
                .expect("read the stream")
                .expect("the stream ended before any progress");
            seen.push_str(&String::from_utf8_lossy(&chunk));
            let progress = events(&seen)
                .into_iter()
                .find(|e| e.data.contains("notifications/progress"));
            if let Some(progress) = progress {
                break progress;
            }
        };
        drop(response);
        let last_id = last.id.clone().expect("progress events carry an id");
        if wait_for_the_end {
            // The call (2 s of work) ends while nobody listens: the bridge logs its end.
            let finished = bridge
                .wait_for_log(Duration::from_secs(30), |line| {
                    line.contains("tool call finished").then_some(())
                })
                .await;
            assert!(
                finished.is_some(),
                "call {id} did not finish within 30 s: {:?}",
                bridge.logs()
            );
        }
        let resumed = raw
            .request(reqwest::Method::GET, Some(&session), Some(version))
            .header("last-event-id", &last_id)
            .send()
            .await
            .expect("GET with Last-Event-ID");
        assert_eq!(resumed.status(), StatusCode::OK);
        let replayed = events(&read_for(resumed, Duration::from_secs(20)).await);
        let result = message_with_id(&replayed, id).unwrap_or_else(|| {
            panic!("no result for call {id} in the replay after {last_id}: {replayed:?}")
        });
        assert_eq!(
            result["result"]["structuredContent"]["state"], "completed",
            "{result}"
        );
        let (after, stream) = last_id.split_once('/').unwrap();
        let after: u64 = after.parse().unwrap();
        for event in replayed.iter().filter(|e| !e.comment) {
            let event_id = event.id.as_deref().expect("replayed events carry ids");
            let (n, s) = event_id.split_once('/').unwrap();
            assert_eq!(s, stream, "an event of another stream: {event:?}");
            assert!(
                n.parse::<u64>().unwrap() > after,
                "replayed {event_id} after {last_id}"
            );
        }
    }
}

/// A body that is not JSON gets 400 with a JSON-RPC parse error (-32700); JSON that is not a JSON-RPC message
/// gets 400 with invalid request (-32600), carrying the request's id when it has one.
#[tokio::test]
async fn malformed_bodies_get_400_with_a_jsonrpc_error() {
    let agent = demo_agent().await;
    let bridge = bridge(&agent, "").await;
    let raw = Raw::new(&bridge);
    let (session, _) = raw.open("2025-11-25").await;
    let cases = [
        (None, "{not json", -32700, Value::Null),
        (
            None,
            r#"{"jsonrpc":"2.0","id":7,"method":5}"#,
            -32600,
            json!(7),
        ),
        (Some(session.as_str()), "[1, 2", -32700, Value::Null),
        (
            Some(session.as_str()),
            r#"{"jsonrpc":"2.0","id":"a","params":{}}"#,
            -32600,
            json!("a"),
        ),
    ];
    for (session, body, code, id) in cases {
        let response = raw.post(session, Some("2025-11-25"), body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = response.json().await.expect("a JSON body");
        assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
        assert_eq!(answer["error"]["code"], code, "{body}: {answer}");
        assert_eq!(answer["id"], id, "{body}: {answer}");
    }
}

/// Past `server.max_sessions` an `initialize` gets 503 with `Retry-After` and a message naming the key; once a
/// session ends, a new one opens.
#[tokio::test]
async fn sessions_past_the_limit_get_503() {
    let agent = demo_agent().await;
    let bridge = bridge(&agent, "max_sessions = 2").await;
    let raw = Raw::new(&bridge);
    let (first, _) = raw.open("2025-11-25").await;
    let _second = raw.open("2025-06-18").await;
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "transport-it", "version": "0"}}})
    .to_string();
    let refused = raw.post(None, None, &init).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key("retry-after"));
    let answer: Value = refused.json().await.unwrap();
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("server.max_sessions"),
        "{answer}"
    );
    let ended = raw
        .request(reqwest::Method::DELETE, Some(&first), Some("2025-11-25"))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::OK);
    let _third = raw.open("2025-11-25").await;
}

/// rmcp 3.11 (from 3.9): methods of capabilities the bridge does not advertise (prompts) are "method not
/// found" instead of empty lists that suggest the server has none yet; resources are advertised and listed.
#[tokio::test]
async fn unadvertised_methods_are_not_found() {
    let agent = demo_agent().await;
    let bridge = bridge(&agent, "").await;
    let raw = Raw::new(&bridge);
    let (session, _) = raw.open("2025-11-25").await;
    let body = json!({"jsonrpc": "2.0", "id": 2, "method": "prompts/list"}).to_string();
    let response = raw.post(Some(&session), Some("2025-11-25"), &body).await;
    let answer = message_with_id(&events(&response.text().await.unwrap()), 2).expect("an answer");
    assert_eq!(answer["error"]["code"], -32601, "prompts/list: {answer}");
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": "resources/list"}).to_string();
    let response = raw.post(Some(&session), Some("2025-11-25"), &body).await;
    let answer = message_with_id(&events(&response.text().await.unwrap()), 3).expect("an answer");
    assert!(
        answer["result"]["resources"][0]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("a2a://") && u.ends_with("/card")),
        "resources/list: {answer}"
    );
}

/// Sequential requests on one kept-alive connection answer in about a millisecond: with Nagle's algorithm on
/// the accepted socket, each response's last write waits for the client's delayed ACK (~40 ms), so every
/// request takes 40 ms or more. The median of many requests stays clear of that on a loaded machine too.
#[tokio::test]
async fn sequential_requests_do_not_wait_for_delayed_acks() {
    let agent = demo_agent().await;
    let bridge = bridge(&agent, "").await;
    let raw = Raw::new(&bridge);
    let (session, _) = raw.open("2025-11-25").await;
    let mut times = Vec::new();
    for id in 0..100 {
        let body = json!({"jsonrpc": "2.0", "id": 100 + id, "method": "ping"}).to_string();
        let started = Instant::now();
        let response = raw.post(Some(&session), Some("2025-11-25"), &body).await;
        let _ = response.text().await.unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    assert!(
        median < Duration::from_millis(30),
        "median {median:?} per request (a delayed-ACK stall is 40 ms): {times:?}"
    );
}

/// Sends `signal` (`-INT`, `-TERM`) to `pid` with `kill`.
async fn kill(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .await
        .expect("run kill");
    assert!(status.success(), "kill {signal} {pid} failed");
}

/// Run by hand with a terminal on stdin, the bridge reads stdin with a blocking read that nothing interrupts.
/// Ctrl-C before any client spoke must exit at once with status 0 and no error, not wait for Enter. The test
/// gives it the same kind of stdin: a socket (not a pipe, so the blocking path) that never sends nor closes.
#[tokio::test]
async fn ctrl_c_on_an_idle_stdio_bridge_exits_at_once() {
    let agent = demo_agent().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bridge.toml");
    std::fs::write(&config, agent_toml("demo", &agent.url(), "")).unwrap();
    let (stdin, _kept_open) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
    let mut child = Command::new(process::BIN)
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(stdin)))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the bridge");
    // It has started (and next blocks on stdin) once it logs so.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    let started = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            stderr.push_str(&line);
            stderr.push('\n');
            if line.contains("mcp-a2a-bridge starting") {
                return true;
            }
        }
        false
    })
    .await;
    assert!(
        started == Ok(true),
        "no start-up line within 30 s; stderr:\n{stderr}"
    );
    kill("-INT", child.id().unwrap()).await;
    let status = tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .expect("the bridge did not exit within 5 s of SIGINT")
        .unwrap();
    while let Ok(Some(line)) = lines.next_line().await {
        stderr.push_str(&line);
        stderr.push('\n');
    }
    assert!(status.success(), "exit {status:?}; stderr:\n{stderr}");
    assert!(!stderr.contains("failed"), "{stderr}");
}

/// A host that starts the command and closes its stdin without speaking (a probe, or `< /dev/null` by hand)
/// asked nothing: the bridge exits with status 0 and no error.
#[tokio::test]
async fn stdin_closed_before_any_client_spoke_is_a_clean_exit() {
    let agent = demo_agent().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bridge.toml");
    std::fs::write(&config, agent_toml("demo", &agent.url(), "")).unwrap();
    let out = Command::new(process::BIN)
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(30), out)
        .await
        .expect("the bridge did not exit within 30 s of an empty stdin")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}; stderr:\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("failed"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// With stderr on a pipe whose reader has died (`2>&1 | tee`, then tee killed), logging must neither block nor
/// break shutdown: the bridge still stops on SIGTERM, and on SIGINT.
#[tokio::test]
async fn a_dead_stderr_pipe_does_not_stop_shutdown() {
    let agent = demo_agent().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bridge.toml");
    std::fs::write(&config, agent_toml("demo", &agent.url(), "")).unwrap();
    for signal in ["-TERM", "-INT"] {
        let mut child = Command::new(process::BIN)
            .arg("--config")
            .arg(&config)
            .args(["--http", "127.0.0.1:0"])
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the bridge");
        // Read stderr up to the `listening` line, then let the reader die.
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let listening = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) = process::bridge_listening(&line) {
                    return Some(addr);
                }
            }
            None
        })
        .await;
        let addr = match listening {
            Ok(Some(addr)) => addr,
            other => panic!(
                "{signal}: the bridge logged no `listening` line within 30 s ({other:?}): {:?}",
                child.try_wait()
            ),
        };
        let health = reqwest::get(format!("http://{addr}/healthz"))
            .await
            .expect("GET /healthz");
        assert!(
            health.status().is_success(),
            "{signal}: /healthz {}",
            health.status()
        );
        // The reader dies: every write to stderr from now on fails with EPIPE (the first one is the signal's).
        drop(lines);
        kill(signal, child.id().unwrap()).await;
        let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
            .await
            .unwrap_or_else(|_| panic!("the bridge ignored {signal} with stderr on a dead pipe"))
            .unwrap();
        assert!(status.success(), "{signal}: exit {status:?}");
    }
}

/// The bridge over stdio as its own process, with the pipes a host gives it, in front of `agent`.
struct StdioProcess {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    stdout: Option<tokio::io::Lines<BufReader<tokio::process::ChildStdout>>>,
    stderr: tokio::task::JoinHandle<String>,
    _dir: tempfile::TempDir,
}

impl StdioProcess {
    /// Spawned and through the MCP handshake.
    async fn start(agent: &DemoAgent) -> StdioProcess {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("bridge.toml");
        std::fs::write(&config, agent_toml("demo", &agent.url(), "")).unwrap();
        let mut child = Command::new(process::BIN)
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the bridge");
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let stderr = tokio::spawn(async move {
            let mut text = String::new();
            let _ = tokio::io::AsyncReadExt::read_to_string(&mut err, &mut text).await;
            text
        });
        let mut bridge = StdioProcess {
            stdin: child.stdin.take().unwrap(),
            stdout: Some(BufReader::new(child.stdout.take().unwrap()).lines()),
            child,
            stderr,
            _dir: dir,
        };
        bridge
            .send(
                json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "raw", "version": "1"}}}),
            )
            .await;
        let answer = bridge.next(|m| m["id"] == 0).await;
        assert!(answer["result"]["serverInfo"].is_object(), "{answer}");
        bridge
            .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        bridge
    }

    async fn send(&mut self, message: Value) {
        use tokio::io::AsyncWriteExt;
        let mut line = serde_json::to_vec(&message).unwrap();
        line.push(b'\n');
        self.stdin
            .write_all(&line)
            .await
            .expect("write to the bridge");
    }

    /// The next message `wanted` picks (answering the bridge's pings on the way), within 30 s.
    async fn next(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let stdout = self.stdout.as_mut().expect("stdout still read");
            let line = tokio::time::timeout(left, stdout.next_line())
                .await
                .expect("no wanted message within 30 s")
                .expect("read stdout")
                .expect("stdout ended before the wanted message");
            let message: Value = serde_json::from_str(&line).expect("stdout carries JSON-RPC only");
            if message["method"] == "ping" {
                let pong = json!({"jsonrpc": "2.0", "id": message["id"].clone(), "result": {}});
                self.send(pong).await;
            } else if wanted(&message) {
                return message;
            }
        }
    }

    /// Waits up to `limit` for the process to exit; its status and everything it logged.
    async fn exit(mut self, limit: Duration) -> (std::process::ExitStatus, String) {
        let status = tokio::time::timeout(limit, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("the bridge did not exit within {limit:?}"))
            .unwrap();
        (status, self.stderr.await.unwrap())
    }
}

/// SIGTERM over stdio with a call running: the call's result says the bridge is shutting down and gives the
/// task id, and the A2A task is left running. Ending the MCP session first had rmcp cancel the call, which
/// then read as the client's cancel: "the call was canceled", and a `tasks/cancel` to the agent.
#[tokio::test]
async fn sigterm_over_stdio_returns_running_calls_and_leaves_their_tasks() {
    let agent = demo_agent().await;
    let mut bridge = StdioProcess::start(&agent).await;
    bridge
        .send(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "demo_work", "arguments": {"message": "30"}, "_meta": {"progressToken": "p"}}}),
        )
        .await;
    bridge
        .next(|m| m["method"] == "notifications/progress")
        .await;
    kill("-TERM", bridge.child.id().unwrap()).await;
    let result = bridge.next(|m| m["id"] == 1).await;
    let text = result["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(text.contains("shutting down"), "{result}");
    let task_id = result["result"]["structuredContent"]["task_id"]
        .as_str()
        .unwrap_or_default();
    assert!(!task_id.is_empty() && text.contains(task_id), "{result}");
    let (status, stderr) = bridge.exit(Duration::from_secs(15)).await;
    assert!(status.success(), "exit {status:?}; stderr:\n{stderr}");
    assert!(!stderr.contains("canceling the A2A task"), "{stderr}");
}

/// A host that closes the bridge's stdout but not its stdin (it stopped reading) can be sent nothing more: the
/// session ends at the first failed write instead of going on calling agents until stdin closes.
#[tokio::test]
async fn a_closed_stdout_ends_the_session() {
    let agent = demo_agent().await;
    let mut bridge = StdioProcess::start(&agent).await;
    drop(bridge.stdout.take());
    // One call: the bridge may be gone before a second could be written.
    bridge
        .send(
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "demo_echo", "arguments": {"message": "hi"}}}),
        )
        .await;
    let (status, stderr) = bridge.exit(Duration::from_secs(15)).await;
    assert!(status.success(), "exit {status:?}; stderr:\n{stderr}");
    assert!(stderr.contains("writing to stdout failed"), "{stderr}");
}
