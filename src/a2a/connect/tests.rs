use serde_json::json;

use super::*;
use crate::a2a::wire::decode_card;

fn options() -> ClientOptions {
    ClientOptions {
        headers: HeaderMap::new(),
        request_timeout: Duration::from_secs(1),
        stream_idle_timeout: Duration::from_secs(1),
        accepted_output_modes: vec![],
        oauth: None,
        version_memory: None,
        guards: Default::default(),
    }
}

fn client(card: serde_json::Value, overrides: &CardOverrides) -> Result<A2aClient, String> {
    let card = decode_card(card).unwrap();
    let card_url = "http://agent.example:8000/.well-known/agent-card.json";
    A2aClient::for_card(
        reqwest::Client::new(),
        &card,
        card_url,
        overrides,
        options(),
    )
    .map_err(|e| e.to_string())
}

fn dual(url: &str) -> serde_json::Value {
    json!({"name": "a", "supportedInterfaces": [
        {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
        {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "0.3"}]})
}

#[test]
fn prefers_v1_and_takes_the_card_host_for_an_unspecified_address() {
    let c = client(dual("http://0.0.0.0:8000/a2a"), &CardOverrides::default()).unwrap();
    assert_eq!(c.version(), ProtocolVersion::V1_0);
    assert_eq!(c.endpoint(), "http://agent.example:8000/a2a");
    let c = client(dual("http://[::]:8000/"), &CardOverrides::default()).unwrap();
    assert_eq!(c.endpoint(), "http://agent.example:8000/");
}

#[test]
fn overrides_pick_the_version_and_replace_the_endpoint() {
    let overrides = CardOverrides {
        endpoint: Some("http://127.0.0.1:9/rpc".into()),
        protocol: Some(ProtocolVersion::V0_3),
        ..CardOverrides::default()
    };
    let c = client(dual("http://10.0.0.1/"), &overrides).unwrap();
    assert_eq!(c.version(), ProtocolVersion::V0_3);
    assert_eq!(c.endpoint(), "http://127.0.0.1:9/rpc");
}

#[test]
fn a_card_without_a_usable_interface_needs_endpoint_and_protocol() {
    let grpc_only = json!({"name": "a", "supportedInterfaces": [
        {"url": "10.0.0.1:50051", "protocolBinding": "GRPC", "protocolVersion": "1.0"}]});
    let Err(e) = client(grpc_only.clone(), &CardOverrides::default()) else {
        panic!("a gRPC-only card gave a client");
    };
    assert_eq!(
        e,
        "the card offers no JSON-RPC or HTTP+JSON interface with protocol 1.0 or 0.3 (set endpoint and protocol to override)"
    );
    let only_v1 = CardOverrides {
        protocol: Some(ProtocolVersion::V1_0),
        ..CardOverrides::default()
    };
    let Err(e) = client(grpc_only.clone(), &only_v1) else {
        panic!("a gRPC-only card gave a client");
    };
    assert!(e.contains("with protocol 1.0 ("), "{e}");
    let pinned = CardOverrides {
        endpoint: Some("http://127.0.0.1:9/".into()),
        protocol: Some(ProtocolVersion::V1_0),
        ..CardOverrides::default()
    };
    assert_eq!(
        client(grpc_only, &pinned).unwrap().endpoint(),
        "http://127.0.0.1:9/"
    );
}

#[test]
fn json_rpc_is_preferred_and_http_json_taken_when_alone_or_asked_for() {
    let both = json!({"name": "a", "supportedInterfaces": [
        {"url": "http://10.0.0.1/rest", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"},
        {"url": "http://10.0.0.1/", "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}]});
    let c = client(both.clone(), &CardOverrides::default()).unwrap();
    assert_eq!(
        (c.binding(), c.endpoint()),
        (Binding::JsonRpc, "http://10.0.0.1/")
    );
    let rest = CardOverrides {
        binding: Some(Binding::HttpJson),
        ..CardOverrides::default()
    };
    let c = client(both, &rest).unwrap();
    assert_eq!(
        (c.binding(), c.endpoint()),
        (Binding::HttpJson, "http://10.0.0.1/rest")
    );
    // a2a-sdk 0.3's REST app: a v0.3 card whose preferred transport is HTTP+JSON.
    let v03_rest = json!({"name": "a", "url": "http://10.0.0.1", "protocolVersion": "0.3.0",
        "preferredTransport": "HTTP+JSON"});
    let c = client(v03_rest, &CardOverrides::default()).unwrap();
    assert_eq!(
        (c.binding(), c.version()),
        (Binding::HttpJson, ProtocolVersion::V0_3)
    );
}

#[test]
fn a_draft_shaped_card_is_spoken_to_in_the_draft_unless_the_config_says_otherwise() {
    let eddi = json!({"name": "e", "url": "http://10.0.0.1/a2a/agents/bot", "version": "1",
        "capabilities": {"streaming": false}, "authentication": {"schemes": ["bearer"]}});
    let c = client(eddi.clone(), &CardOverrides::default()).unwrap();
    assert_eq!(c.version(), ProtocolVersion::Draft);
    assert_eq!(c.version().as_str(), "draft");
    let v03 = CardOverrides {
        protocol: Some(ProtocolVersion::V0_3),
        ..CardOverrides::default()
    };
    assert_eq!(client(eddi, &v03).unwrap().version(), ProtocolVersion::V0_3);
}
