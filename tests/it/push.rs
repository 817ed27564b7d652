//! Push notifications over HTTP (`[server] public_url`): official-SDK agents that do not stream but send push
//! notifications (a2a-sdk's `InMemoryPushNotificationConfigStore` + `BasePushNotificationSender`) wake the call
//! that follows their task; a webhook that never arrives costs latency, not the result; a wrong token is refused
//! and wakes nothing.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::agents::{Agent, AgentSpec};
use crate::support::bridge::{Generation, agent_toml};
use crate::support::http::{self, HttpBridge, HttpClient};
use crate::support::net::ClosedPort;

/// The header a2a-sdk sends the token in.
const TOKEN_HEADER: &str = "X-A2A-Notification-Token";

/// A bridge on a free loopback port whose `public_url` is `public` (or its own address when `None`), with
/// one agent `ag`.
async fn start_bridge(agent: &Agent, public: Option<String>) -> (HttpBridge, HttpClient) {
    // The port is reserved, released, and taken by the bridge: its own address must be in its config.
    let addr = ClosedPort::bind().addr;
    let public = public.unwrap_or_else(|| format!("http://{addr}"));
    let config = format!(
        "[server]\npublic_url = \"{public}\"\n{}",
        agent_toml("ag", &agent.url, "")
    );
    let bridge = HttpBridge::start_with_args(&config, &["--http", &addr.to_string()], &[]).await;
    let client = http::connect(&bridge.mcp_url(), None, Generation::Legacy)
        .await
        .expect("connect over HTTP");
    (bridge, client)
}

/// How many `tasks/get` / `GetTask` requests the agent has answered.
async fn task_gets(agent: &Agent) -> usize {
    agent
        .requests()
        .await
        .iter()
        .filter(|m| *m == "tasks/get" || *m == "GetTask")
        .count()
}

/// The push config the bridge sent with the first message (`{url, token}`), in either version's field.
async fn sent_push_config(agent: &Agent) -> Value {
    let log = agent.log().await;
    let configuration = &log["messages"][0]["configuration"];
    configuration
        .get("pushNotificationConfig")
        .or_else(|| configuration.get("taskPushNotificationConfig"))
        .cloned()
        .unwrap_or_else(|| panic!("no push config in the send: {log}"))
}

/// A task that works silently for 4 s completes as soon as its webhook arrives: polling alone (after 2 s, then
/// after 4 more while push is registered) would return only at 6 s (at 7.75 s without push). The agent sees a
/// few `tasks/get`: one per wake-up and the fallback poll.
#[tokio::test]
async fn a_push_notification_wakes_the_call_on_both_versions() {
    for spec in [AgentSpec::v03("push03"), AgentSpec::v1("push1")] {
        let agent = Agent::start(spec.non_streaming().push()).await;
        let (bridge, client) = start_bridge(&agent, None).await;
        let started = Instant::now();
        let call = client.call("ag_echo", json!({"message": "silent:4"})).await;
        let took = started.elapsed();
        assert!(!call.is_error(), "{}", call.text());
        assert_eq!(call.structured()["state"], "completed", "{}", call.text());
        assert!(call.text().contains("silent done"), "{}", call.text());
        let push = sent_push_config(&agent).await;
        let url = push["url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("{}/a2a/push/", bridge.base())),
            "{push}"
        );
        assert!(
            push["token"].as_str().is_some_and(|t| t.len() == 64),
            "{push}"
        );
        assert!(
            took < Duration::from_millis(5500),
            "woken by the webhook, not the 6 s poll: took {took:?}"
        );
        // At most two looks per burst of webhooks (submitted + working at the start, artifact + completed at
        // the end, each pair within 250 ms) and the one fallback poll at 2 s.
        let gets = task_gets(&agent).await;
        assert!(
            (1..=5).contains(&gets),
            "{gets} tasks/get: {:?}",
            agent.requests().await
        );
    }
}

/// The same over the HTTP+JSON binding (v0.3 names the field `pushNotification` there): the webhook, not the
/// 6 s poll, ends the wait. (The test agents record only JSON-RPC requests, so only the time is checked.)
#[tokio::test]
async fn a_push_notification_wakes_the_call_over_http_json() {
    for spec in [AgentSpec::v03("restpush03"), AgentSpec::v1("restpush1")] {
        let agent = Agent::start(spec.rest().non_streaming().push()).await;
        let (_bridge, client) = start_bridge(&agent, None).await;
        let started = Instant::now();
        let call = client.call("ag_echo", json!({"message": "silent:4"})).await;
        let took = started.elapsed();
        assert!(!call.is_error(), "{}", call.text());
        assert!(call.text().contains("silent done"), "{}", call.text());
        assert!(
            took < Duration::from_millis(5500),
            "woken by the webhook, not the 6 s poll: took {took:?}"
        );
    }
}

/// `public_url` pointing where nothing listens: the agent's webhooks fail, and the call completes by polling.
#[tokio::test]
async fn a_webhook_that_never_arrives_costs_latency_not_the_result() {
    let agent = Agent::start(AgentSpec::v03("lostpush").non_streaming().push()).await;
    let nowhere = ClosedPort::bind();
    let (_bridge, client) = start_bridge(&agent, Some(nowhere.url())).await;
    let call = client.call("ag_echo", json!({"message": "silent:1"})).await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(call.structured()["state"], "completed", "{}", call.text());
    assert!(call.text().contains("silent done"), "{}", call.text());
    let push = sent_push_config(&agent).await;
    assert!(
        push["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}/a2a/push/", nowhere.url())),
        "{push}"
    );
    assert!(task_gets(&agent).await >= 1);
}

/// While a call waits, a webhook for it with no token or another token gets 401 and no `tasks/get` follows;
/// the token the bridge gave the agent gets 200 and one does. The agent's own webhooks go nowhere (`public_url`
/// on a closed port), so every `tasks/get` before the first fallback poll, 2 s after the send, is the test's.
#[tokio::test]
async fn a_wrong_token_is_refused_and_wakes_nothing() {
    let agent = Agent::start(AgentSpec::v03("badpush").non_streaming().push()).await;
    let nowhere = ClosedPort::bind();
    let (bridge, client) = start_bridge(&agent, Some(nowhere.url())).await;
    let call = client.call("ag_echo", json!({"message": "silent:6"}));
    let poke = async {
        let deadline = Instant::now() + Duration::from_secs(10);
        while agent.log().await["messages"]
            .as_array()
            .is_none_or(Vec::is_empty)
        {
            assert!(
                Instant::now() < deadline,
                "the message never reached the agent"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let push = sent_push_config(&agent).await;
        let url = push["url"]
            .as_str()
            .unwrap()
            .replace(&nowhere.url(), &bridge.base());
        let token = push["token"].as_str().unwrap().to_owned();
        let http = reqwest::Client::new();
        let body = json!({"id": "t", "kind": "task", "status": {"state": "completed"}});
        let before = task_gets(&agent).await;
        assert_eq!(
            before, 0,
            "no webhook reached the bridge, and no poll is due yet"
        );
        for wrong in [
            None,
            Some("0".repeat(64)),
            Some(format!("{}0", &token[1..])),
        ] {
            let mut request = http.post(&url).json(&body);
            if let Some(wrong) = &wrong {
                request = request.header(TOKEN_HEADER, wrong);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "token {wrong:?}");
        }
        let other = url.replace("/a2a/push/", "/a2a/push/x");
        let response = http
            .post(&other)
            .header(TOKEN_HEADER, &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "another call's id");
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(
            task_gets(&agent).await,
            before,
            "a refused webhook woke the call"
        );

        let response = http
            .post(&url)
            .header(TOKEN_HEADER, &token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        // Well before the fallback poll, 2 s after the send.
        let deadline = Instant::now() + Duration::from_millis(500);
        while task_gets(&agent).await == before {
            assert!(
                Instant::now() < deadline,
                "the right token did not wake the call"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        token
    };
    let (call, sent_token) = tokio::join!(call, poke);
    // The webhook's body said "completed" with no artifact; the result is the agent's own task.
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().contains("silent done"), "{}", call.text());
    assert!(
        bridge.logs().iter().all(|l| !l.contains(&sent_token)),
        "the token is logged"
    );
}

/// Off by default: without `public_url` the send carries no push config (the agent is polled) and the bridge
/// serves no webhook route.
#[tokio::test]
async fn without_a_public_url_nothing_is_registered() {
    let agent = Agent::start(AgentSpec::v03("nopush").non_streaming().push()).await;
    let config = agent_toml("ag", &agent.url, "");
    let bridge = HttpBridge::start(&config, &[], &[]).await;
    let client = http::connect(&bridge.mcp_url(), None, Generation::Legacy)
        .await
        .expect("connect over HTTP");
    let call = client
        .call("ag_echo", json!({"message": "silent:0.5"}))
        .await;
    assert!(call.text().contains("silent done"), "{}", call.text());
    let log = agent.log().await;
    let configuration = &log["messages"][0]["configuration"];
    assert_eq!(configuration["blocking"], false, "{log}");
    assert!(
        configuration.get("pushNotificationConfig").is_none(),
        "{log}"
    );
    let response = reqwest::Client::new()
        .post(format!("{}/a2a/push/x", bridge.base()))
        .header(TOKEN_HEADER, "t")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
