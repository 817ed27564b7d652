//! Hostile or broken peers (issue 11): credentials go only where the user sent them, every read is bounded in
//! size and time, and no input panics or goes unanswered. Each test runs the built bridge over HTTP (so its
//! logs and its process are at hand) against `support::hostile` agents on loopback.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::json;

use crate::support::bridge::Generation;
use crate::support::hostile::{CardSpec, Hostile, peak_rss, token_server};
use crate::support::http::{self, HttpBridge, HttpClient};

const SECRET_ENV: [(&str, &str); 3] = [
    ("H_TOKEN", "tok-very-secret-1"),
    ("H_HEADER", "hdr-very-secret-2"),
    ("H_PASSWORD", "pw-very-secret-3"),
];

/// Every form of the secrets above that must never leave the bridge.
fn secret_forms() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        "tok-very-secret-1".into(),
        "hdr-very-secret-2".into(),
        "pw-very-secret-3".into(),
        b64("alice:pw-very-secret-3"),
        b64("client:pw-very-secret-3"),
        "very-secret".into(),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for secret in secret_forms() {
        assert!(!text.contains(&secret), "{what} leaks {secret}:\n{text}");
    }
}

fn agent(url: &str, extra: &str) -> String {
    format!("[[agents]]\nname = \"h\"\nurl = \"{url}\"\n{extra}\n")
}

async fn start(config: &str, env: &[(&str, &str)]) -> (HttpBridge, HttpClient) {
    let bridge = HttpBridge::start(config, &[], env).await;
    let client = http::connect(&bridge.mcp_url(), None, Generation::Legacy)
        .await
        .expect("connect over HTTP");
    (bridge, client)
}

/// A card advertising its endpoint on another origin (`localhost:Q` against the configured `127.0.0.1:P`) gets no
/// request with credentials: the agent is reported unreachable with the keys that allow it; with the origin in
/// `allowed_origins` the bridge goes there.
#[tokio::test]
async fn a_card_cannot_move_credentials_to_another_origin() {
    let elsewhere = Hostile::start(CardSpec::default()).await;
    let other_origin = elsewhere.url.replace("127.0.0.1", "localhost");
    let card = Hostile::start(CardSpec {
        endpoint: Some(format!("{other_origin}/")),
        ..CardSpec::default()
    })
    .await;
    let creds = "auth = { type = \"bearer\", token_env = \"H_TOKEN\" }\nheaders = { \"X-Secret\" = { env = \"H_HEADER\" } }";
    let (_bridge, client) = start(&agent(&card.url, creds), &SECRET_ENV).await;
    let call = client
        .call("send_message", json!({"agent": "h", "message": "hi"}))
        .await;
    assert!(call.is_error(), "{}", call.text());
    let text = call.text();
    assert!(text.contains(&other_origin), "{text}");
    assert!(
        text.contains("allowed_origins") && text.contains("endpoint"),
        "{text}"
    );
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());

    let allowed = format!("{creds}\nallowed_origins = [\"{other_origin}\"]");
    let (_bridge, client) = start(&agent(&card.url, &allowed), &SECRET_ENV).await;
    let call = client.call("h_s0", json!({"message": "hi"})).await;
    assert_eq!(call.structured()["state"], "completed", "{}", call.text());
    let seen = elsewhere.seen();
    assert!(
        seen.iter()
            .any(|s| s.header_text().contains("tok-very-secret-1")),
        "{seen:?}"
    );
}

/// A 307 on the JSON-RPC POST to another origin is not followed (no API key, no secret header goes there), and
/// the error names where it pointed; a card URL that redirects elsewhere does not move the agent.
#[tokio::test]
async fn redirects_to_another_origin_are_not_followed() {
    let elsewhere = Hostile::start(CardSpec::default()).await;
    let agent_srv = Hostile::start(CardSpec::default()).await;
    agent_srv.redirect_rpc_to(&format!("{}/rpc", elsewhere.url));
    let creds = "auth = { type = \"api_key\", key_env = \"H_TOKEN\" }\nheaders = { \"X-Secret\" = { env = \"H_HEADER\" } }";
    let (_bridge, client) = start(&agent(&agent_srv.url, creds), &SECRET_ENV).await;
    let call = client.call("h_s0", json!({"message": "redirect"})).await;
    assert!(call.is_error(), "{}", call.text());
    let text = call.text();
    assert!(text.contains("HTTP 307"), "{text}");
    assert!(text.contains(&format!("{}/rpc", elsewhere.url)), "{text}");
    assert!(text.contains("not followed"), "{text}");
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());

    let moved = Hostile::start(CardSpec {
        card_redirect: Some(format!("{}/.well-known/agent-card.json", elsewhere.url)),
        ..CardSpec::default()
    })
    .await;
    let (_bridge, client) = start(&agent(&moved.url, creds), &SECRET_ENV).await;
    let call = client
        .call("send_message", json!({"agent": "h", "message": "hi"}))
        .await;
    assert!(call.is_error(), "{}", call.text());
    assert!(call.text().contains("not followed"), "{}", call.text());
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());
}

/// A card pointing at the cloud metadata address is refused (even without credentials), naming the switch.
#[tokio::test]
async fn link_local_and_metadata_endpoints_are_refused() {
    for endpoint in [
        "http://169.254.169.254/latest/",
        "http://[fe80::1]:80/",
        "http://metadata.google.internal/",
    ] {
        let card = Hostile::start(CardSpec {
            endpoint: Some(endpoint.into()),
            ..CardSpec::default()
        })
        .await;
        let (_bridge, client) = start(&agent(&card.url, ""), &[]).await;
        let call = client
            .call("send_message", json!({"agent": "h", "message": "hi"}))
            .await;
        assert!(call.is_error(), "{endpoint}: {}", call.text());
        assert!(
            call.text().contains("allow_link_local"),
            "{endpoint}: {}",
            call.text()
        );
    }
}

/// An agent that echoes the credentials (HTTP error body, JSON-RPC error, task status and artifact) and a token
/// endpoint that echoes the client secret: no secret, in any form, reaches a tool result or the debug log.
#[tokio::test]
async fn echoed_secrets_are_scrubbed_from_results_and_logs() {
    let srv = Hostile::start(CardSpec::default()).await;
    let creds = "auth = { type = \"basic\", username = \"alice\", password_env = \"H_PASSWORD\" }\nheaders = { \"X-Secret\" = { env = \"H_HEADER\" }, \"X-Api-Key\" = { env = \"H_TOKEN\" } }";
    let (bridge, client) = start(&agent(&srv.url, creds), &SECRET_ENV).await;
    for text in ["echo-http", "echo-rpc", "echo-task"] {
        let call = client.call("h_s0", json!({"message": text})).await;
        assert!(call.is_error(), "{text}: {}", call.text());
        let all = serde_json::to_string(&call.result).unwrap();
        assert!(all.contains("[redacted]"), "{text}: {all}");
        assert_clean(text, &all);
    }
    // The agent did get them: the scrubbing is what kept them out.
    assert!(
        srv.seen()
            .iter()
            .any(|s| s.header_text().contains("hdr-very-secret-2"))
    );
    assert_clean("the log", &bridge.logs().join("\n"));

    let (token_url, _token) = token_server(true).await;
    let oauth = format!(
        "auth = {{ type = \"oauth2\", token_url = \"{token_url}\", client_id = \"client\", client_secret_env = \"H_PASSWORD\" }}"
    );
    let (bridge, client) = start(&agent(&srv.url, &oauth), &SECRET_ENV).await;
    let call = client.call("h_s0", json!({"message": "hi"})).await;
    assert!(call.is_error(), "{}", call.text());
    assert!(call.text().contains("HTTP 401"), "{}", call.text());
    assert_clean(
        "oauth result",
        &serde_json::to_string(&call.result).unwrap(),
    );
    assert_clean("the oauth log", &bridge.logs().join("\n"));
}

/// An error body that never ends costs the call at most the request timeout, and the error says what happened.
#[tokio::test]
async fn an_endless_error_body_is_read_up_to_a_cap_in_time() {
    let srv = Hostile::start(CardSpec::default()).await;
    let (_bridge, client) = start(&agent(&srv.url, "request_timeout_secs = 3"), &[]).await;
    let started = Instant::now();
    let call = client
        .call("h_s0", json!({"message": "endless-error"}))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(call.is_error(), "{}", call.text());
    assert!(call.text().contains("HTTP 500"), "{}", call.text());
}

/// 200 MB of error body, 50 MB of JSON for a stream, 50 MB of artifact chunks: every call answers, the chunks
/// arrive cut with a note saying so, and the bridge's peak RSS stays under 120 MB (it was 422 MB before the caps).
#[tokio::test]
async fn huge_answers_are_capped_while_reading() {
    const BOUND: u64 = 120 << 20;
    let srv = Hostile::start(CardSpec::default()).await;
    let (bridge, client) = start(&agent(&srv.url, "request_timeout_secs = 60"), &[]).await;

    let call = client.call("h_s0", json!({"message": "huge-error"})).await;
    assert!(
        call.is_error() && call.text().contains("HTTP 500"),
        "{}",
        call.text()
    );
    assert!(call.text().len() < 2_000, "{}", call.text().len());

    let call = client.call("h_s0", json!({"message": "huge-json"})).await;
    assert!(call.is_error(), "{}", call.text());
    assert!(
        call.text().contains("max_response_bytes"),
        "{}",
        call.text()
    );

    let call = client
        .call("h_s0", json!({"message": "chunks", "wait_seconds": 120}))
        .await;
    assert_eq!(
        call.structured()["state"],
        "completed",
        "{}",
        &call.text()[..200.min(call.text().len())]
    );
    let text = call.text();
    assert!(
        text.contains("output cut") && text.contains("max_output_bytes"),
        "{}",
        &text[text.len().saturating_sub(600)..]
    );
    assert!(
        text.contains("get_task"),
        "{}",
        &text[text.len().saturating_sub(600)..]
    );

    let peak = peak_rss(bridge.pid());
    assert!(peak < BOUND, "peak RSS {} MB", peak >> 20);
}

/// `get_task` without waiting (one snapshot) keeps to `max_output_bytes` like a followed call does.
#[tokio::test]
async fn a_task_snapshot_keeps_to_max_output_bytes() {
    let srv = Hostile::start(CardSpec::default()).await;
    let (_bridge, client) = start(&agent(&srv.url, "max_output_bytes = 100000"), &[]).await;
    let call = client
        .call(
            "get_task",
            json!({"agent": "h", "task_id": "big-1", "wait_seconds": 0}),
        )
        .await;
    assert_eq!(
        call.structured()["state"],
        "completed",
        "{}",
        &call.text()[..200.min(call.text().len())]
    );
    let text = call.text();
    assert!(text.len() < 200_000, "{} bytes", text.len());
    assert!(
        text.contains("output cut"),
        "{}",
        &text[text.len().saturating_sub(600)..]
    );
}

/// A card with a 10 MB description is refused by size; one with 5,000 skills and long descriptions becomes at
/// most `max_skills_per_agent` tools with cut descriptions, and the log says so.
#[tokio::test]
async fn oversized_cards_are_capped_with_warnings() {
    let huge = Hostile::start(CardSpec {
        description_bytes: 10 << 20,
        ..CardSpec::default()
    })
    .await;
    let (_bridge, client) = start(&agent(&huge.url, ""), &[]).await;
    let call = client
        .call("send_message", json!({"agent": "h", "message": "hi"}))
        .await;
    assert!(call.is_error());
    assert!(
        call.text().contains("agent card is larger than"),
        "{}",
        call.text()
    );

    let many = Hostile::start(CardSpec {
        skills: 5_000,
        description_bytes: 60,
        ..CardSpec::default()
    })
    .await;
    let long = Hostile::start(CardSpec {
        description_bytes: 200_000,
        ..CardSpec::default()
    })
    .await;
    // Skills mode: the capped skills are the tools (past 40 tools `auto` would list find_skills instead).
    let config = format!(
        "[bridge]\ntool_mode = \"skills\"\n{}[[agents]]\nname = \"long\"\nurl = \"{}\"\n",
        agent(&many.url, ""),
        long.url
    );
    let (bridge, client) = start(&config, &[]).await;
    let tools = client.tools().await;
    let h_tools = tools.iter().filter(|t| t.name.starts_with("h_")).count();
    assert_eq!(h_tools, 100);
    let listed = serde_json::to_string(&tools).unwrap();
    assert!(
        listed.len() < 1_000_000,
        "tools/list is {} bytes",
        listed.len()
    );
    let long_tool = tools.iter().find(|t| t.name.starts_with("long_")).unwrap();
    assert!(long_tool.description.as_ref().unwrap().len() < 10_000);
    let logs = bridge.logs().join("\n");
    assert!(logs.contains("max_skills_per_agent"), "{logs}");
    assert!(logs.contains("max_description_chars"), "{logs}");
}

/// Two seconds of tiny status events become at most 10 progress notifications a second (after a burst of 10),
/// the last one being the final state.
#[tokio::test]
async fn progress_is_coalesced_and_ends_with_the_last_state() {
    let srv = Hostile::start(CardSpec::default()).await;
    let (_bridge, client) = start(&agent(&srv.url, ""), &[]).await;
    let started = Instant::now();
    let call = client.call("h_s0", json!({"message": "flood"})).await;
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(call.structured()["state"], "completed", "{}", call.text());
    let messages = call.progress_messages();
    assert!(messages.len() >= 3, "{messages:?}");
    assert!(
        (messages.len() as f64) <= secs * 10.0 + 10.0 + 2.0,
        "{} notifications in {secs:.1}s",
        messages.len()
    );
    assert_eq!(
        messages.last().map(String::as_str),
        Some("final state"),
        "{messages:?}"
    );
}

/// Numbers that used to panic: `wait_seconds: 1e20` and an OAuth `expires_in` of 1e300 are answered.
#[tokio::test]
async fn absurd_numbers_are_clamped() {
    let srv = Hostile::start(CardSpec::default()).await;
    let (token_url, _token) = token_server(false).await;
    let oauth = format!(
        "auth = {{ type = \"oauth2\", token_url = \"{token_url}\", client_id = \"client\", client_secret_env = \"H_PASSWORD\" }}"
    );
    let config = format!(
        "[bridge]\nwait_seconds = 2\nmax_wait_seconds = 3\n{}",
        agent(&srv.url, &oauth)
    );
    let (_bridge, client) = start(&config, &SECRET_ENV).await;
    for wait in [1e20, 1.7e308] {
        let call = client
            .call("h_s0", json!({"message": "hi", "wait_seconds": wait}))
            .await;
        assert_eq!(
            call.structured()["state"],
            "completed",
            "{wait}: {}",
            call.text()
        );
    }
    let started = Instant::now();
    let call = client
        .call(
            "get_task",
            json!({"agent": "h", "task_id": "task-x", "wait_seconds": 1e20}),
        )
        .await;
    // The agent never finishes that task; the call is bounded by max_wait_seconds and answers.
    assert_eq!(call.structured()["state"], "working", "{}", call.text());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

/// 429 with Retry-After: the tool error says when to retry.
#[tokio::test]
async fn rate_limits_say_when_to_retry() {
    let srv = Hostile::start(CardSpec::default()).await;
    let (_bridge, client) = start(&agent(&srv.url, ""), &[]).await;
    let call = client.call("h_s0", json!({"message": "rate"})).await;
    assert!(call.is_error());
    assert!(call.text().contains("HTTP 429"), "{}", call.text());
    assert!(call.text().contains("retry after 7 s"), "{}", call.text());
}

/// SIGTERM with a call still running at the end of the grace period: the call gets a result saying the bridge
/// is shutting down, with its task id, and the A2A task is left running (no cancel is sent).
#[tokio::test]
async fn shutdown_returns_running_calls_with_their_task_id() {
    let srv = Hostile::start(CardSpec::default()).await;
    let config = format!("[server]\nshutdown_grace_secs = 2\n{}", agent(&srv.url, ""));
    let (mut bridge, client) = start(&config, &[]).await;
    let call = client.try_call("h_s0", json!({"message": "stall", "wait_seconds": 60}));
    let signal = async {
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.recorder.progress_count() == 0 {
            assert!(Instant::now() < deadline, "no progress arrived");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bridge.sigterm().await;
    };
    let (call, ()) = tokio::join!(tokio::time::timeout(Duration::from_secs(20), call), signal);
    let call = call
        .expect("the call answered")
        .expect("tools/call succeeded");
    let text = call.text();
    assert!(text.contains("shutting down"), "{text}");
    assert!(text.contains("task-stall"), "{text}");
    assert_eq!(call.structured()["task_id"], "task-stall", "{text}");
    let status = bridge.wait_exit(Duration::from_secs(15)).await;
    assert!(status.success(), "{status:?}");
    let methods: Vec<String> = srv.seen().iter().map(|s| s.path.clone()).collect();
    assert!(
        !bridge.logs().join("\n").contains("canceling the A2A task"),
        "{methods:?}"
    );
}
