//! OpenTelemetry and `/metrics`: a call carrying W3C trace context in `params._meta` (or the HTTP `traceparent`
//! header) is exported over OTLP as a server span in the caller's trace, with the A2A request as a client span
//! below it whose context the agent receives as `traceparent`; `/metrics` counts the calls per agent; with
//! telemetry off nothing is exported or propagated.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::bridge::agent_toml;
use crate::support::http::{self, HttpBridge};
use crate::support::otlp::{OtlpReceiver, ReceivedSpan};
use crate::support::scripted::Scripted;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";
const METRICS_TOKEN: &str = "it-metrics-token";

/// A 2026-07-28 `tools/call` of the scripted agent's skill as a raw POST, with `_meta.traceparent` and/or an
/// HTTP `traceparent` header: the JSON-RPC result.
async fn call(
    bridge: &HttpBridge,
    id: i64,
    message: &str,
    meta_traceparent: Option<&str>,
    header_traceparent: Option<&str>,
) -> Value {
    let mut meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "otel-it", "version": "0"}
    });
    if let Some(tp) = meta_traceparent {
        meta["traceparent"] = json!(tp);
        meta["tracestate"] = json!("it=1");
    }
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "s_fault", "arguments": {"message": message}, "_meta": meta}});
    let mut request = reqwest::Client::new()
        .post(bridge.mcp_url())
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", "s_fault")
        .body(body.to_string());
    if let Some(tp) = header_traceparent {
        request = request.header("traceparent", tp);
    }
    let resp = tokio::time::timeout(Duration::from_secs(30), request.send())
        .await
        .expect("tools/call timed out")
        .expect("tools/call failed");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    let response = serde_json::from_str::<Value>(&text)
        .ok()
        .unwrap_or_else(|| {
            text.lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
                .find(|v| v["id"] == id)
                .unwrap_or_else(|| panic!("no response with id {id} in:\n{text}"))
        });
    response["result"].clone()
}

/// `GET /metrics` with `token` as bearer: status and body.
async fn scrape(bridge: &HttpBridge, token: Option<&str>) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().get(format!("{}/metrics", bridge.base()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let resp = tokio::time::timeout(Duration::from_secs(10), request.send())
        .await
        .expect("GET /metrics timed out")
        .expect("GET /metrics failed");
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

fn find(spans: &[ReceivedSpan], what: impl Fn(&ReceivedSpan) -> bool) -> Option<&ReceivedSpan> {
    spans.iter().find(|s| what(s))
}

/// Whether `ancestor` is `span`'s parent, grandparent, ... (bounded by the number of spans).
fn descends_from(spans: &[ReceivedSpan], span: &ReceivedSpan, ancestor: &ReceivedSpan) -> bool {
    let mut current = span;
    for _ in 0..spans.len() {
        if current.parent_span_id == ancestor.span_id {
            return true;
        }
        match find(spans, |s| s.span_id == current.parent_span_id) {
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

/// One trace from the MCP client to the agent: the server span's parent is the `_meta.traceparent`, the A2A
/// client span is below it and its context is what the agent received; a call with only the HTTP header joins
/// that trace instead; a recovered stream shows as span events; logs carry the trace id; `/metrics` (behind its
/// own token) counts calls, durations and A2A requests by agent; OTLP metrics arrive too.
#[tokio::test]
async fn a_call_joins_the_callers_trace_down_to_the_agent() {
    let receiver = OtlpReceiver::start().await;
    let agent = Scripted::start().await;
    let config = format!(
        "[telemetry]\nmetrics = true\nmetrics_token_env = \"IT_METRICS_TOKEN\"\nservice_name = \"bridge-under-test\"\n{}",
        agent_toml("s", &agent.url, "")
    );
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "300"),
        ("IT_METRICS_TOKEN", METRICS_TOKEN),
    ];
    let bridge = HttpBridge::start(&config, &[], &env).await;

    let result = call(
        &bridge,
        1,
        "done",
        Some(&format!("00-{TRACE}-{PARENT}-01")),
        None,
    )
    .await;
    assert_eq!(
        result["structuredContent"]["state"], "completed",
        "{result}"
    );

    receiver
        .wait_for_spans(
            Duration::from_secs(20),
            "server and client spans",
            |spans| {
                find(spans, |s| s.trace_id == TRACE && s.kind == 2).is_some()
                    && find(spans, |s| s.trace_id == TRACE && s.kind == 3).is_some()
            },
        )
        .await;
    let spans = receiver.spans();
    let server = find(&spans, |s| s.trace_id == TRACE && s.kind == 2).unwrap();
    assert_eq!(server.name, "tools/call s_fault");
    assert_eq!(
        server.parent_span_id, PARENT,
        "the server span's parent is _meta.traceparent"
    );
    assert_eq!(server.attr("mcp.method.name"), Some("tools/call"));
    assert_eq!(server.attr("gen_ai.tool.name"), Some("s_fault"));
    assert_eq!(server.attr("mcp.protocol.version"), Some("2026-07-28"));
    assert_eq!(server.service_name, "bridge-under-test");
    let client = find(&spans, |s| s.trace_id == TRACE && s.kind == 3).unwrap();
    assert_eq!(client.name, "SendStreamingMessage");
    assert_eq!(client.attr("a2a.agent.name"), Some("s"));
    assert_eq!(client.attr("a2a.protocol.version"), Some("1.0"));
    assert_eq!(client.attr("http.request.method"), Some("POST"));
    assert_eq!(client.attr("http.response.status_code"), Some("200"));
    assert_eq!(client.attr("server.address"), Some("127.0.0.1"));
    assert!(descends_from(&spans, client, server), "{spans:#?}");
    let sent = agent.traceparents();
    assert!(
        sent.contains(&format!("00-{TRACE}-{}-01", client.span_id)),
        "the agent did not get the client span's context: {sent:?}"
    );
    let logs = bridge.logs();
    assert!(
        logs.iter()
            .any(|l| l.contains("tool call finished") && l.contains(&format!("trace_id={TRACE}"))),
        "no log line with the trace id:\n{}",
        logs.join("\n")
    );

    // No `_meta` trace context: the HTTP header's is the parent.
    let header_trace = "0af7651916cd43dd8448eb211c80319c";
    call(
        &bridge,
        2,
        "done",
        None,
        Some(&format!("00-{header_trace}-b7ad6b7169203331-01")),
    )
    .await;
    receiver
        .wait_for_spans(Duration::from_secs(20), "the header's trace", |spans| {
            find(spans, |s| {
                s.trace_id == header_trace && s.kind == 2 && s.parent_span_id == "b7ad6b7169203331"
            })
            .is_some()
        })
        .await;

    // A stream that ends early: recovery and the stream's milestones are events of the call's trace.
    let result = call(&bridge, 3, "drop", None, None).await;
    assert_eq!(
        result["structuredContent"]["state"], "completed",
        "{result}"
    );
    receiver
        .wait_for_spans(
            Duration::from_secs(20),
            "stream milestone events",
            |spans| {
                [
                    "a2a.stream.first_event",
                    "a2a.task.state",
                    "a2a.stream.recovery",
                ]
                .iter()
                .all(|e| spans.iter().any(|s| s.events.iter().any(|x| x == e)))
            },
        )
        .await;

    // `/metrics`: its own token, not the MCP one.
    assert_eq!(scrape(&bridge, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        scrape(&bridge, Some("wrong")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, text) = scrape(&bridge, Some(METRICS_TOKEN)).await;
    assert_eq!(status, StatusCode::OK);
    for line in [
        "a2a_bridge_tool_calls_total{agent=\"s\",tool=\"s_fault\",outcome=\"ok\"} 3",
        "mcp_server_operation_duration_seconds_count{mcp_method_name=\"tools/call\",gen_ai_tool_name=\"s_fault\",agent=\"s\",error_type=\"\"} 3",
        "a2a_bridge_a2a_request_duration_seconds_count{agent=\"s\",method=\"SendStreamingMessage\",outcome=\"ok\"} 3",
        "a2a_bridge_agent_up{agent=\"s\"} 1",
        // The message's stream ended early, then the resubscribed one did too (the scripted agent drops both).
        "a2a_bridge_stream_recoveries_total{agent=\"s\"} 2",
        "a2a_bridge_tool_calls_in_flight 0",
    ] {
        assert!(text.contains(line), "{line} missing in /metrics:\n{text}");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while receiver.metric_exports() == 0 {
        assert!(Instant::now() < deadline, "no OTLP metric export in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// JSON logs stay JSON with telemetry on: a line inside the call's span is one object with `trace_id` and
/// `span_id` fields.
#[tokio::test]
async fn json_log_lines_carry_the_trace_id() {
    let receiver = OtlpReceiver::start().await;
    let agent = Scripted::start().await;
    let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str())];
    let bridge = HttpBridge::start(
        &agent_toml("s", &agent.url, ""),
        &["--log-format", "json"],
        &env,
    )
    .await;
    call(
        &bridge,
        1,
        "done",
        Some(&format!("00-{TRACE}-{PARENT}-01")),
        None,
    )
    .await;
    let line = bridge
        .wait_for_log(Duration::from_secs(10), |l| {
            let v: Value = serde_json::from_str(l).ok()?;
            (v["fields"]["message"] == "tool call finished").then_some(v)
        })
        .await
        .expect("no JSON `tool call finished` line");
    assert_eq!(line["trace_id"], TRACE, "{line}");
    assert_eq!(line["span_id"].as_str().map(str::len), Some(16), "{line}");
}

/// `metrics_listen`: `/metrics` on its own address (and not on the MCP listener), without any OTLP export.
#[tokio::test]
async fn metrics_can_have_a_listener_of_their_own() {
    let agent = Scripted::start().await;
    let config = format!(
        "[telemetry]\nmetrics_listen = \"127.0.0.1:0\"\n{}",
        agent_toml("s", &agent.url, "")
    );
    let bridge = HttpBridge::start(&config, &[], &[]).await;
    let addr = bridge
        .wait_for_log(Duration::from_secs(10), |l| {
            let rest = l.split("serving metrics addr=").nth(1)?;
            rest.split_whitespace().next().map(str::to_owned)
        })
        .await
        .expect("no `serving metrics` log line");
    call(&bridge, 1, "done", None, None).await;
    assert_eq!(scrape(&bridge, None).await.0, StatusCode::NOT_FOUND);
    let text = reqwest::get(format!("http://{addr}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("a2a_bridge_tool_calls_total{agent=\"s\",tool=\"s_fault\",outcome=\"ok\"} 1"),
        "{text}"
    );
    assert!(
        agent.traceparents().iter().all(String::is_empty),
        "no traces without an endpoint"
    );
}

/// Telemetry off (nothing configured, or `OTEL_SDK_DISABLED=true` beside an endpoint): no export, no
/// `traceparent` to the agent even when the caller sent one, no `/metrics`, no trace ids in the logs.
#[tokio::test]
async fn off_means_nothing_is_exported_or_propagated() {
    let receiver = OtlpReceiver::start().await;
    let agent = Scripted::start().await;
    let config = agent_toml("s", &agent.url, "");
    for env in [
        vec![],
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.as_str()),
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            // Were export on, metrics would go out every 100 ms: the quiet below means something.
            ("OTEL_METRIC_EXPORT_INTERVAL", "100"),
        ],
    ] {
        let bridge = HttpBridge::start(&config, &[], &env).await;
        let result = call(
            &bridge,
            1,
            "done",
            Some(&format!("00-{TRACE}-{PARENT}-01")),
            None,
        )
        .await;
        assert_eq!(
            result["structuredContent"]["state"], "completed",
            "{result}"
        );
        assert_eq!(scrape(&bridge, None).await.0, StatusCode::NOT_FOUND);
        let logs = bridge.logs().join("\n");
        assert!(
            !logs.contains("trace_id=") && !logs.contains("telemetry on"),
            "{env:?}:\n{logs}"
        );
        if !env.is_empty() {
            // Absence has no event to wait for: the bridge runs for fifteen export intervals (and batch delays)
            // of an exporter that would be on.
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
    }
    assert!(
        agent.traceparents().iter().all(String::is_empty),
        "{:?}",
        agent.traceparents()
    );
    assert!(receiver.spans().is_empty() && receiver.metric_exports() == 0);
}

/// An OTLP protocol the bridge does not speak is a start-up error naming the variable, not a silent no-export.
#[tokio::test]
async fn an_unsupported_otlp_protocol_is_refused_at_start() {
    let config = agent_toml("s", "http://127.0.0.1:1", "");
    let (status, stderr) = http::run_to_exit(
        &config,
        &[],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ],
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("OTEL_EXPORTER_OTLP_PROTOCOL"), "{stderr}");
}
