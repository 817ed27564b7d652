//! Authenticated extended cards against the official SDKs (a2a-sdk 0.3.26 `agent/getAuthenticatedExtendedCard`,
//! 1.3.0 `GetExtendedAgentCard`), behind bearer auth: with credentials the extra skills become tools; without
//! them, or when the fetch fails, the public card's tools stay.

use crate::support::agents::{Agent, AgentSpec};
use crate::support::bridge::{self, Generation, Recorder, agent_toml};

const TOKEN: &str = "ext-token-1234";

async fn tools_with(agent: &Agent, token: Option<&str>) -> Vec<String> {
    let extra = if token.is_some() {
        "auth = { type = \"bearer\", token_env = \"EXT_TOKEN\" }"
    } else {
        ""
    };
    let bridge = bridge::start_with_env(
        &agent_toml("ag", &agent.url, extra),
        Generation::Legacy,
        Recorder::default(),
        &[("EXT_TOKEN", token.unwrap_or(""))],
    )
    .await;
    let names = bridge.tool_names().await;
    if token == Some(TOKEN) {
        // The credentials work for calls too.
        let call = bridge
            .call("ag_echo", serde_json::json!({"message": "hello"}))
            .await;
        assert!(!call.is_error(), "{}", call.text());
    }
    names.into_iter().filter(|n| n.starts_with("ag_")).collect()
}

#[tokio::test]
async fn extended_card_skills_become_tools_once_authenticated() {
    for spec in [AgentSpec::v1("Ext v1"), AgentSpec::v03("Ext v03")] {
        let sdk = format!("{:?}", spec.sdk);
        let agent = Agent::start(spec.extended(&["secret"], TOKEN)).await;
        assert_eq!(
            tools_with(&agent, Some(TOKEN)).await,
            ["ag_echo", "ag_research", "ag_secret"],
            "{sdk}"
        );
        // No credentials: the extended card is not asked for.
        assert_eq!(
            tools_with(&agent, None).await,
            ["ag_echo", "ag_research"],
            "{sdk}"
        );
        // A refused fetch falls back to the public card.
        assert_eq!(
            tools_with(&agent, Some("wrong-token")).await,
            ["ag_echo", "ag_research"],
            "{sdk}"
        );
    }
}
