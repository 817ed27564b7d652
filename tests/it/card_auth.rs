//! OAuth2 and API keys chosen from the agent card's security schemes: the token URL and scopes of a
//! client-credentials flow come from the card (only on a configured origin), an API key goes in the header the
//! card names, and what the card asks that the config lacks is named in `list_agents`.

use serde_json::{Value, json};

use crate::support::bridge::{self, Bridge, Generation, Recorder, agent_toml};
use crate::support::scripted::{Scripted, TokenServer};

async fn start(agent: &Scripted, extra: &str) -> Bridge {
    bridge::start_with_env(
        &agent_toml("s", &agent.url, extra),
        Generation::Legacy,
        Recorder::default(),
        &[("S_SECRET", "secret"), ("S_KEY", "key-123")],
    )
    .await
}

/// The `list_agents` entry of the one agent.
async fn entry(bridge: &Bridge) -> Value {
    let list = bridge.call("list_agents", json!({})).await;
    list.structured()["agents"][0].clone()
}

fn origin(url: &str) -> String {
    url::Url::parse(url).unwrap().origin().ascii_serialization()
}

/// With only the client id and secret configured, the token URL and the scope come from the card; a token
/// URL on another origin is refused until that origin is configured.
#[tokio::test]
async fn oauth2_token_url_and_scopes_come_from_the_card() {
    let tokens = TokenServer::start().await;
    let token_url = tokens.url.clone();
    let agent = Scripted::start_with_card(|_| {
        json!({
            "securitySchemes": {"oauth": {"oauth2SecurityScheme": {"flows": {"clientCredentials": {
                "tokenUrl": token_url, "scopes": {"a2a.read": "read", "a2a.admin": "admin"}}}}}},
            "securityRequirements": [{"schemes": {"oauth": {"list": ["a2a.read"]}}}]
        })
    })
    .await;
    let auth =
        "auth = { type = \"oauth2\", client_id = \"client\", client_secret_env = \"S_SECRET\" }";

    // The token server is on another port: another origin, so the client secret may not go there.
    let refused = start(&agent, auth).await;
    let e = entry(&refused).await;
    assert_eq!(e["status"], "unreachable", "{e}");
    let error = e["error"].as_str().unwrap();
    assert!(error.contains("OAuth2 token URL"), "{error}");
    assert!(error.contains(&origin(&tokens.url)), "{error}");
    assert!(error.contains("allowed_origins"), "{error}");
    assert!(tokens.issued().is_empty());
    drop(refused);

    let extra = format!("{auth}\nallowed_origins = [\"{}\"]", origin(&tokens.url));
    let bridge = start(&agent, &extra).await;
    let call = bridge.call("s_fault", json!({"message": "ok"})).await;
    assert_eq!(call.structured()["state"], "completed", "{}", call.text());
    // tok-1 is refused by the scripted agent, tok-2 works.
    assert_eq!(agent.auth(), ["Bearer tok-1", "Bearer tok-2"]);
    let issued = tokens.issued();
    assert!(issued[0].contains("scope=a2a.read"), "{issued:?}");
    assert!(!issued[0].contains("admin"), "{issued:?}");
    assert!(entry(&bridge).await.get("auth_missing").is_none());
}

/// An API key without a configured header goes in the header the card's API-key scheme names.
#[tokio::test]
async fn an_api_key_goes_in_the_header_the_card_names() {
    let agent = Scripted::start_with_card(|_| {
        json!({
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Agent-Key"}},
            "security": [{"key": []}]
        })
    })
    .await;
    let bridge = start(&agent, "auth = { type = \"api_key\", key_env = \"S_KEY\" }").await;
    let call = bridge.call("s_fault", json!({"message": "ok"})).await;
    assert_eq!(call.structured()["state"], "completed", "{}", call.text());
    assert_eq!(agent.api_keys(), ["key-123"]);
}

/// A card that asks for credentials the config lacks: `list_agents` says what to configure, and notes the
/// flows that need a person.
#[tokio::test]
async fn missing_credentials_and_user_flows_are_named() {
    let agent = Scripted::start_with_card(|url| {
        json!({
            "securitySchemes": {
                "cc": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": format!("{url}/token"), "scopes": {}}}},
                "dev": {"oauth2SecurityScheme": {"flows": {"deviceCode": {
                    "deviceAuthorizationUrl": format!("{url}/device"), "tokenUrl": format!("{url}/token"), "scopes": {}}}}}
            },
            "securityRequirements": [{"schemes": {"cc": {}}}, {"schemes": {"dev": {}}}]
        })
    })
    .await;
    let bridge = start(&agent, "").await;
    let e = entry(&bridge).await;
    assert_eq!(e["status"], "reachable", "{e}");
    let missing = e["auth_missing"].as_str().unwrap();
    assert!(
        missing.contains("scheme \"cc\": OAuth2 client credentials"),
        "{missing}"
    );
    assert!(missing.contains("type = \"oauth2\""), "{missing}");
    let notes = e["auth_notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = notes[0].as_str().unwrap();
    assert!(note.contains("deviceCode"), "{note}");
    assert!(note.contains(&format!("{}/device", agent.url)), "{note}");
    assert!(note.contains("type = \"bearer\""), "{note}");
}
