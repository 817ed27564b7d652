use serde_json::json;

use super::*;

fn card_v03() -> Value {
    json!({"capabilities":{"pushNotifications":false,"streaming":true},"defaultInputModes":["text/plain"],
     "defaultOutputModes":["text/plain","application/json"],"description":"Echo agent",
     "name":"Echo Agent v0.3","preferredTransport":"JSONRPC","protocolVersion":"0.3.0",
     "skills":[{"description":"Echoes.","examples":["hello"],"id":"echo","name":"Echo","tags":["echo"]}],
     "url":"http://127.0.0.1:9998/","version":"1.0.0"})
}

fn card_v1() -> Value {
    json!({"name":"Echo Agent v1","description":"d","supportedInterfaces":[
       {"url":"http://127.0.0.1:9997/","protocolBinding":"JSONRPC","protocolVersion":"1.0"},
       {"url":"http://127.0.0.1:9997/rest","protocolBinding":"HTTP+JSON","protocolVersion":"1.0"}],
     "version":"1.0.0","capabilities":{"streaming":false},
     "defaultInputModes":["text/plain"],"defaultOutputModes":["text/plain"],
     "skills":[{"id":"echo","name":"Echo","description":"e","tags":[]}, {"id":"sum","name":"Sum","description":"s","tags":[]}]})
}

fn card_dual() -> Value {
    let mut card = card_v1();
    let obj = card.as_object_mut().unwrap();
    obj.get_mut("supportedInterfaces").unwrap().as_array_mut().unwrap().push(
        json!({"url":"http://127.0.0.1:9997/","protocolBinding":"JSONRPC","protocolVersion":"0.3"}),
    );
    obj.insert("url".into(), json!("http://127.0.0.1:9997/"));
    obj.insert("preferredTransport".into(), json!("JSONRPC"));
    obj.insert("protocolVersion".into(), json!("0.3"));
    card
}

#[test]
fn v03_card_is_parsed_and_chooses_v03() {
    let card = decode_card(card_v03()).unwrap();
    assert_eq!(card.name, "Echo Agent v0.3");
    assert!(card.streaming);
    assert_eq!(card.skills.len(), 1);
    assert_eq!(card.skills[0].examples, vec!["hello"]);
    let (iface, v) = choose_interface(&card, None).unwrap();
    assert_eq!(v, ProtocolVersion::V0_3);
    assert_eq!(iface.url, "http://127.0.0.1:9998/");
    assert!(choose_interface(&card, Some(ProtocolVersion::V1_0)).is_none());
}

#[test]
fn v1_card_is_parsed_and_chooses_v1_jsonrpc() {
    let card = decode_card(card_v1()).unwrap();
    assert!(!card.streaming);
    assert_eq!(card.skills.len(), 2);
    let (iface, v) = choose_interface(&card, None).unwrap();
    assert_eq!(v, ProtocolVersion::V1_0);
    assert_eq!(iface.binding, "JSONRPC");
    assert!(choose_interface(&card, Some(ProtocolVersion::V0_3)).is_none());
}

#[test]
fn dual_card_prefers_v1_and_offers_v03() {
    let card = decode_card(card_dual()).unwrap();
    // The merged v0.3 fields repeat an interface already listed: no duplicate.
    assert_eq!(card.interfaces.len(), 3);
    assert_eq!(
        choose_interface(&card, None).unwrap().1,
        ProtocolVersion::V1_0
    );
    assert_eq!(
        choose_interface(&card, Some(ProtocolVersion::V0_3))
            .unwrap()
            .1,
        ProtocolVersion::V0_3
    );
}

#[test]
fn card_without_name_is_an_error() {
    assert!(decode_card(json!({"skills": []})).is_err());
    assert!(decode_card(json!("nope")).is_err());
}

#[test]
fn states_in_every_spelling() {
    for (s, want) in [
        ("working", TaskState::Working),
        ("TASK_STATE_WORKING", TaskState::Working),
        ("input-required", TaskState::InputRequired),
        ("TASK_STATE_INPUT_REQUIRED", TaskState::InputRequired),
        ("TASK_STATE_CANCELLED", TaskState::Canceled),
        ("canceled", TaskState::Canceled),
        ("auth-required", TaskState::AuthRequired),
        ("TASK_STATE_UNSPECIFIED", TaskState::Unknown),
    ] {
        assert_eq!(decode_state(s), want, "{s}");
    }
}

#[test]
fn parts_in_both_shapes() {
    let cases = [
        (
            json!({"kind":"text","text":"hi"}),
            Part::Text { text: "hi".into() },
        ),
        (
            json!({"text":"hi","mediaType":"text/plain"}),
            Part::Text { text: "hi".into() },
        ),
        (
            json!({"kind":"data","data":{"k":1}}),
            Part::Data {
                data: json!({"k":1}),
            },
        ),
        (
            json!({"data":[1,2]}),
            Part::Data {
                data: json!([1, 2]),
            },
        ),
        (
            json!({"kind":"file","file":{"bytes":"aGk=","mimeType":"image/png","name":"a.png"}}),
            Part::File {
                bytes: Some("aGk=".into()),
                uri: None,
                media_type: Some("image/png".into()),
                name: Some("a.png".into()),
            },
        ),
        (
            json!({"url":"https://x/a.pdf","mediaType":"application/pdf","filename":"a.pdf"}),
            Part::File {
                bytes: None,
                uri: Some("https://x/a.pdf".into()),
                media_type: Some("application/pdf".into()),
                name: Some("a.pdf".into()),
            },
        ),
        (
            json!({"raw":"aGk=","mediaType":"text/plain"}),
            Part::File {
                bytes: Some("aGk=".into()),
                uri: None,
                media_type: Some("text/plain".into()),
                name: None,
            },
        ),
    ];
    for (v, want) in cases {
        assert_eq!(decode_part(&v).unwrap(), want, "{v}");
    }
    assert!(decode_part(&json!({"kind":"mystery"})).is_err());
}

#[test]
fn messages_encode_per_version() {
    let m = Message {
        message_id: "m1".into(),
        role: Role::User,
        parts: vec![
            Part::Text { text: "hi".into() },
            Part::Data { data: json!(5) },
        ],
        context_id: Some("c".into()),
        task_id: None,
        metadata: Some(json!({"skillId":"echo"})),
    };
    let v03 = encode_message(ProtocolVersion::V0_3, &m);
    assert_eq!(v03["role"], "user");
    assert_eq!(v03["kind"], "message");
    assert_eq!(v03["parts"][0], json!({"kind":"text","text":"hi"}));
    // v0.3 data parts must be objects.
    assert_eq!(v03["parts"][1], json!({"kind":"data","data":{"value":5}}));
    let v1 = encode_message(ProtocolVersion::V1_0, &m);
    assert_eq!(v1["role"], "ROLE_USER");
    assert!(v1.get("kind").is_none());
    assert_eq!(v1["parts"][0], json!({"text":"hi"}));
    assert_eq!(v1["metadata"]["skillId"], "echo");
}

#[test]
fn blocking_polarity_differs_per_version() {
    let m = Message {
        message_id: "m".into(),
        role: Role::User,
        parts: vec![],
        context_id: None,
        task_id: None,
        metadata: None,
    };
    assert_eq!(
        send_params(ProtocolVersion::V0_3, &m, false, &[], None)["configuration"]["blocking"],
        false
    );
    assert_eq!(
        send_params(ProtocolVersion::V1_0, &m, false, &[], Some("t"))["configuration"]["returnImmediately"],
        true
    );
    assert_eq!(
        send_params(ProtocolVersion::V1_0, &m, true, &[], Some("t"))["tenant"],
        "t"
    );
    assert!(
        send_params(ProtocolVersion::V0_3, &m, true, &[], Some("t"))
            .get("tenant")
            .is_none()
    );
}

#[test]
fn send_results_in_both_shapes() {
    let v03_task = json!({"kind":"task","id":"t","contextId":"c","status":{"state":"completed","timestamp":"2026-11-21T09:43:20.990454+00:00"}});
    let v1_task =
        json!({"task":{"id":"t","contextId":"c","status":{"state":"TASK_STATE_COMPLETED"}}});
    let v1_msg = json!({"message":{"messageId":"m","role":"ROLE_AGENT","parts":[{"text":"hi"}]}});
    let v03_msg = json!({"kind":"message","messageId":"m","role":"agent","parts":[{"kind":"text","text":"hi"}]});
    for v in [v03_task, v1_task] {
        match decode_send_result(&v).unwrap() {
            SendResponse::Task(t) => assert_eq!(t.status.state, TaskState::Completed),
            other => panic!("{other:?}"),
        }
    }
    for v in [v1_msg, v03_msg] {
        match decode_send_result(&v).unwrap() {
            SendResponse::Message(m) => assert_eq!(m.text(), "hi"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn stream_events_in_both_shapes() {
    let v03 = json!({"kind":"status-update","taskId":"t","contextId":"c","final":true,"status":{"state":"input-required"}});
    match decode_stream_result(&v03).unwrap() {
        StreamEvent::Status {
            is_final, status, ..
        } => {
            assert!(is_final);
            assert_eq!(status.state, TaskState::InputRequired);
        }
        other => panic!("{other:?}"),
    }
    // v1 has no `final`: derived from the state.
    let v1 = json!({"statusUpdate":{"taskId":"t","contextId":"c","status":{"state":"TASK_STATE_COMPLETED"}}});
    assert!(matches!(
        decode_stream_result(&v1).unwrap(),
        StreamEvent::Status { is_final: true, .. }
    ));
    let art = json!({"artifactUpdate":{"taskId":"t","contextId":"c","artifact":{"artifactId":"a","parts":[{"text":"x"}]}}});
    assert!(matches!(
        decode_stream_result(&art).unwrap(),
        StreamEvent::Artifact {
            append: false,
            last_chunk: false,
            ..
        }
    ));
}

#[test]
fn truncation_respects_char_boundaries() {
    assert_eq!(truncate_str("héllo", 2), "h…");
    assert_eq!(truncate_str("abc", 5), "abc");
}
