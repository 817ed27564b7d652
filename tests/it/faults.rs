//! Misbehaving agents: every fault becomes a tool result that names the agent and the cause, or is
//! recovered, and never a crash or a false success.

use expect_test::{Expect, expect};
use serde_json::json;

use crate::support::bridge::{self, Generation, Recorder, agent_toml};
use crate::support::check::check;
use crate::support::scripted::Scripted;

async fn bridge_for(agent: &Scripted, extra: &str) -> bridge::Bridge {
    let config = agent_toml("s", &agent.url, extra);
    bridge::start(&config, Generation::Legacy, Recorder::default()).await
}

/// A stream that ends before the final event is recovered with tasks/get, never reported as done early.
#[tokio::test]
async fn dropped_stream_recovers_to_the_final_result() {
    let agent = Scripted::start().await;
    let bridge = bridge_for(&agent, "").await;
    for text in ["drop", "reset"] {
        let call = bridge.call("s_fault", json!({"message": text})).await;
        assert!(!call.is_error(), "{text}: {}", call.text());
        assert_eq!(call.structured()["state"], "completed", "{text}");
        assert!(
            call.text().starts_with("recovered"),
            "{text}: {}",
            call.text()
        );
    }
    let methods = agent.methods();
    assert!(methods.iter().any(|m| m == "GetTask"), "{methods:?}");
    assert!(
        methods.iter().any(|m| m == "SubscribeToTask"),
        "{methods:?}"
    );
}

/// A stream that stalls is abandoned after the idle timeout and the task is collected by polling.
#[tokio::test]
async fn stalled_stream_is_recovered_by_polling() {
    let agent = Scripted::start().await;
    let bridge = bridge_for(&agent, "stream_idle_timeout_secs = 0.5").await;
    let call = bridge.call("s_fault", json!({"message": "stall"})).await;
    assert_eq!(call.structured()["state"], "completed", "{}", call.text());
    assert!(call.text().starts_with("recovered"));
}

/// A protocol fault before a task exists: the call is a tool error naming the agent and the cause (`expect`), and
/// the bridge serves the next call as usual.
async fn check_fault(message: &str, expect: Expect) {
    let agent = Scripted::start().await;
    let bridge = bridge_for(&agent, "").await;
    let bridges = [bridge];
    check(&bridges, "s_fault", json!({"message": message}), expect).await;
    let after = bridges[0].call("s_fault", json!({"message": "ok"})).await;
    assert_eq!(after.structured()["state"], "completed", "{}", after.text());
}

/// A stream frame that is not JSON.
#[tokio::test]
async fn garbage_frame_is_a_tool_error() {
    check_fault("garbage", expect![[r#"
        isError
        state: error
        ---
        agent "s": invalid response: event is not JSON (key must be a string at line 1 column 2): {this is not json
    "#]]).await;
}

/// A JSON-RPC error answered as plain JSON instead of a stream.
#[tokio::test]
async fn json_rpc_error_is_a_tool_error() {
    check_fault(
        "json-error",
        expect![[r#"
        isError
        state: error
        ---
        agent "s": JSON-RPC error -32603: internal trouble
    "#]],
    )
    .await;
}

/// An HTTP error status.
#[tokio::test]
async fn http_500_is_a_tool_error() {
    check_fault(
        "http-500",
        expect![[r#"
        isError
        state: error
        ---
        agent "s": HTTP 500 from http://127.0.0.1:<port>/: upstream exploded
    "#]],
    )
    .await;
}

/// An error event mid-stream after the task exists: recovered from the task's real state.
#[tokio::test]
async fn error_event_mid_stream_recovers() {
    let agent = Scripted::start().await;
    let bridge = bridge_for(&agent, "").await;
    let call = bridge
        .call("s_fault", json!({"message": "error-event"}))
        .await;
    assert_eq!(call.structured()["state"], "completed", "{}", call.text());
}

/// An agent that does not answer within the request timeout is a tool error, not a hang.
#[tokio::test]
async fn slow_agent_times_out_as_a_tool_error() {
    let agent = Scripted::start().await;
    let bridge = bridge_for(&agent, "request_timeout_secs = 0.5").await;
    let call = bridge
        .call("s_fault", json!({"message": "slow-head"}))
        .await;
    assert!(call.is_error());
    assert!(
        call.text().contains("no response within 0.5s"),
        "{}",
        call.text()
    );
}

/// OAuth2 client credentials: the token is fetched once, sent as a bearer token, and replaced when the agent
/// rejects it; the secret and tokens never reach the tool output.
#[tokio::test]
async fn oauth2_tokens_are_fetched_cached_and_refreshed() {
    let agent = Scripted::start().await;
    let tokens = crate::support::scripted::TokenServer::start().await;
    let extra = format!(
        "auth = {{ type = \"oauth2\", token_url = \"{}\", client_id = \"client\", client_secret_env = \"S_SECRET\", scopes = [\"a2a.read\", \"a2a.write\"] }}",
        tokens.url
    );
    let config = agent_toml("s", &agent.url, &extra);
    let bridge = bridge::start_with_env(
        &config,
        Generation::Legacy,
        Recorder::default(),
        &[("S_SECRET", "secret")],
    )
    .await;
    for _ in 0..3 {
        let call = bridge.call("s_fault", json!({"message": "ok"})).await;
        assert_eq!(call.structured()["state"], "completed", "{}", call.text());
        let all = serde_json::to_string(&call.result).unwrap();
        assert!(!all.contains("tok-") && !all.contains("secret"), "{all}");
    }
    // tok-1 was rejected once, tok-2 then served every call.
    assert_eq!(
        agent.auth(),
        [
            "Bearer tok-1",
            "Bearer tok-2",
            "Bearer tok-2",
            "Bearer tok-2"
        ]
    );
    let issued = tokens.issued();
    assert_eq!(issued.len(), 2, "{issued:?}");
    assert!(issued[0].contains("scope=a2a.read+a2a.write"), "{issued:?}");
}

/// A token endpoint that refuses the client is a tool error naming the agent and the cause.
#[tokio::test]
async fn oauth2_refusal_is_a_tool_error() {
    let agent = Scripted::start().await;
    let tokens = crate::support::scripted::TokenServer::start().await;
    let extra = format!(
        "auth = {{ type = \"oauth2\", token_url = \"{}\", client_id = \"client\", client_secret_env = \"S_SECRET\" }}",
        tokens.url
    );
    let config = agent_toml("s", &agent.url, &extra);
    let bridge = bridge::start_with_env(
        &config,
        Generation::Legacy,
        Recorder::default(),
        &[("S_SECRET", "wrong")],
    )
    .await;
    let call = bridge.call("s_fault", json!({"message": "ok"})).await;
    assert!(call.is_error());
    assert!(
        call.text().contains("agent \"s\": HTTP 401 from"),
        "{}",
        call.text()
    );
    assert!(call.text().contains("invalid_client"), "{}", call.text());
}
