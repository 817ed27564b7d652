use serde_json::json;

use super::*;
use crate::a2a::error::{INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, TASK_NOT_FOUND};

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
    // The user's `protocol` is obeyed even when no interface is labelled with it (issue 9 §2).
    let (iface, v) = choose_interface(&card, Some(ProtocolVersion::V1_0)).unwrap();
    assert_eq!(
        (iface.url.as_str(), v),
        ("http://127.0.0.1:9998/", ProtocolVersion::V1_0)
    );
}

#[test]
fn v1_card_is_parsed_and_chooses_v1_jsonrpc() {
    let card = decode_card(card_v1()).unwrap();
    assert!(!card.streaming);
    assert_eq!(card.skills.len(), 2);
    let (iface, v) = choose_interface(&card, None).unwrap();
    assert_eq!(v, ProtocolVersion::V1_0);
    assert_eq!(iface.binding, "JSONRPC");
    let (iface, v) = choose_interface(&card, Some(ProtocolVersion::V0_3)).unwrap();
    assert_eq!(
        (iface.binding.as_str(), v),
        ("JSONRPC", ProtocolVersion::V0_3)
    );
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
        (json!({"kind":"text","text":"hi"}), Part::text("hi")),
        (
            json!({"text":"hi","mediaType":"text/plain"}),
            Part::text("hi"),
        ),
        (
            json!({"kind":"data","data":{"k":1}}),
            Part::data(json!({"k":1})),
        ),
        (json!({"data":[1,2]}), Part::data(json!([1, 2]))),
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
        parts: vec![Part::text("hi"), Part::data(json!(5))],
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

// The encoders the demo agent answers with, against the decoders the client reads with.

fn text(t: &str) -> Vec<Part> {
    vec![Part::text(t)]
}

fn agent_message(t: &str) -> Message {
    Message {
        message_id: "m1".into(),
        role: Role::Agent,
        parts: text(t),
        context_id: Some("c1".into()),
        task_id: Some("t1".into()),
        metadata: None,
    }
}

fn task(state: TaskState) -> Task {
    Task {
        id: "t1".into(),
        context_id: "c1".into(),
        status: TaskStatus {
            state,
            message: Some(agent_message("What is your name?")),
            timestamp: Some("2026-11-21T09:42:34.731362Z".into()),
        },
        artifacts: vec![Artifact {
            artifact_id: "answer".into(),
            name: Some("answer".into()),
            description: None,
            parts: text("hello"),
        }],
    }
}

/// Every state survives encode → decode in both versions.
#[test]
fn tasks_round_trip_through_the_client_decoder() {
    let states = [
        TaskState::Submitted,
        TaskState::Working,
        TaskState::InputRequired,
        TaskState::AuthRequired,
        TaskState::Completed,
        TaskState::Canceled,
        TaskState::Failed,
        TaskState::Rejected,
    ];
    for version in ProtocolVersion::ALL {
        for state in states {
            let t = task(state);
            assert_eq!(decode_task(&encode_task(version, &t)).unwrap(), t);
            let sent = encode_send_result(version, &SendResponse::Task(t.clone()));
            assert_eq!(decode_send_result(&sent).unwrap(), SendResponse::Task(t));
        }
    }
}

/// Stream events survive encode → decode, `final` and chunk flags included.
#[test]
fn events_round_trip_through_the_client_decoder() {
    let events = [
        StreamEvent::Task(task(TaskState::Submitted)),
        StreamEvent::Message(agent_message("echo")),
        StreamEvent::Status {
            task_id: "t1".into(),
            context_id: "c1".into(),
            status: task(TaskState::Working).status,
            is_final: false,
        },
        StreamEvent::Status {
            task_id: "t1".into(),
            context_id: "c1".into(),
            status: task(TaskState::Completed).status,
            is_final: true,
        },
        StreamEvent::Artifact {
            task_id: "t1".into(),
            context_id: "c1".into(),
            artifact: task(TaskState::Working).artifacts[0].clone(),
            append: true,
            last_chunk: false,
        },
    ];
    for version in ProtocolVersion::ALL {
        for event in &events {
            let decoded = decode_stream_result(&encode_stream_result(version, event)).unwrap();
            assert_eq!(&decoded, event, "{version}");
        }
    }
}

/// The exact v0.3 and v1 shapes of a status update and an artifact chunk (A2A v0.3 §7.2.2-3, A2A v1.0 §4.2).
#[test]
fn event_shapes_follow_each_version() {
    let status = StreamEvent::Status {
        task_id: "t".into(),
        context_id: "c".into(),
        status: TaskStatus {
            state: TaskState::InputRequired,
            message: None,
            timestamp: None,
        },
        is_final: true,
    };
    assert_eq!(
        encode_stream_result(ProtocolVersion::V0_3, &status),
        json!({"kind": "status-update", "taskId": "t", "contextId": "c", "final": true,
               "status": {"state": "input-required"}})
    );
    assert_eq!(
        encode_stream_result(ProtocolVersion::V1_0, &status),
        json!({"statusUpdate": {"taskId": "t", "contextId": "c",
               "status": {"state": "TASK_STATE_INPUT_REQUIRED"}}})
    );
    let chunk = StreamEvent::Artifact {
        task_id: "t".into(),
        context_id: "c".into(),
        artifact: Artifact {
            artifact_id: "a".into(),
            name: None,
            description: None,
            parts: text("x"),
        },
        append: false,
        last_chunk: false,
    };
    assert_eq!(
        encode_stream_result(ProtocolVersion::V0_3, &chunk),
        json!({"kind": "artifact-update", "taskId": "t", "contextId": "c", "append": false, "lastChunk": false,
               "artifact": {"artifactId": "a", "parts": [{"kind": "text", "text": "x"}]}})
    );
    assert_eq!(
        encode_stream_result(ProtocolVersion::V1_0, &chunk),
        json!({"artifactUpdate": {"taskId": "t", "contextId": "c",
               "artifact": {"artifactId": "a", "parts": [{"text": "x"}]}}})
    );
}

/// Known instants, leap days and the end of a year.
#[test]
fn timestamps_are_rfc3339_utc() {
    use std::time::{Duration, UNIX_EPOCH};
    let at = |secs: u64, micros: u64| {
        timestamp(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros))
    };
    assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
    assert_eq!(at(1_700_000_000, 731_362), "2023-11-14T22:13:20.731362Z");
    assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000000Z");
    assert_eq!(at(1_735_689_599, 0), "2024-12-31T23:59:59.000000Z");
    assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000000Z");
}

/// v1 errors carry an ErrorInfo with the reason; v0.3 errors and parse errors do not.
#[test]
fn errors_carry_error_info_on_v1_only() {
    let v1 = rpc::error_response(
        Some(ProtocolVersion::V1_0),
        &json!(7),
        TASK_NOT_FOUND,
        "task t not found",
    );
    assert_eq!(v1["error"]["data"][0]["reason"], "TASK_NOT_FOUND");
    assert_eq!(v1["error"]["code"], -32001);
    assert_eq!(v1["id"], 7);
    let v03 = rpc::error_response(
        Some(ProtocolVersion::V0_3),
        &json!(7),
        TASK_NOT_FOUND,
        "task t not found",
    );
    assert!(v03["error"].get("data").is_none());
    let parse = rpc::error_response(None, &json!(null), PARSE_ERROR, "bad");
    assert!(parse["error"].get("data").is_none());
}

/// A request built by the client is read back by the server side, and a response by the client side.
#[test]
fn requests_and_responses_round_trip() {
    for version in ProtocolVersion::ALL {
        for method in Method::ALL {
            assert_eq!(
                Method::from_name(method.name(version)),
                Some((version, method))
            );
            let body = rpc::request_body(9, method.name(version), &json!({"id": "t"})).unwrap();
            assert_eq!(
                std::str::from_utf8(&body).unwrap(),
                format!(
                    r#"{{"id":9,"jsonrpc":"2.0","method":"{}","params":{{"id":"t"}}}}"#,
                    method.name(version)
                )
            );
            let read = rpc::decode_request(&body).unwrap();
            assert_eq!(
                (read.id, read.version, read.method),
                (json!(9), version, method)
            );
            assert_eq!(read.params, json!({"id": "t"}));
        }
    }
    assert_eq!(Method::from_name("tasks/list"), None);
    assert_eq!(Method::from_name("sendmessage"), None);
    let answer = rpc::result_response(&json!(9), json!({"ok": true})).to_string();
    assert_eq!(
        rpc::decode_response(answer.as_bytes()).unwrap(),
        json!({"ok": true})
    );
    let refused = rpc::error_response(None, &json!(9), METHOD_NOT_FOUND, "no").to_string();
    assert!(
        rpc::decode_response(refused.as_bytes())
            .unwrap_err()
            .is_code(METHOD_NOT_FOUND)
    );
}

/// Broken calls are refused with the JSON-RPC code that fits, keeping the id when it could be read.
#[test]
fn broken_requests_are_named() {
    for (body, code, id) in [
        ("{", PARSE_ERROR, json!(null)),
        ("[]", INVALID_REQUEST, json!(null)),
        (
            r#"{"jsonrpc":"2.0","id":[1],"method":"GetTask"}"#,
            INVALID_REQUEST,
            json!(null),
        ),
        (
            r#"{"jsonrpc":"1.0","id":3,"method":"GetTask"}"#,
            INVALID_REQUEST,
            json!(3),
        ),
        (r#"{"jsonrpc":"2.0","id":"a"}"#, INVALID_REQUEST, json!("a")),
        (
            r#"{"jsonrpc":"2.0","id":4,"method":"tasks/list"}"#,
            METHOD_NOT_FOUND,
            json!(4),
        ),
    ] {
        let e = rpc::decode_request(body.as_bytes()).unwrap_err();
        assert_eq!((e.code, &e.id), (code, &id), "{body}: {}", e.message);
    }
}

/// `blocking` reads both spellings, in either version, and defaults to waiting.
#[test]
fn blocking_is_read_back_in_both_spellings() {
    let m = agent_message("hi");
    for version in ProtocolVersion::ALL {
        for blocking in [true, false] {
            let params = send_params(version, &m, blocking, &[], None);
            assert_eq!(decode_blocking(&params), blocking, "{version}");
        }
    }
    assert!(decode_blocking(&json!({})));
}

#[test]
fn interfaces_without_a_version_speak_the_cards() {
    let card = decode_card(json!({
        "name": "java", "protocolVersion": "1.0", "capabilities": {},
        "supportedInterfaces": [{"url": "http://h/a2a", "protocolBinding": "JSONRPC"}],
    }))
    .unwrap();
    let (iface, v) = choose_interface(&card, None).unwrap();
    assert_eq!(
        (iface.url.as_str(), v),
        ("http://h/a2a", ProtocolVersion::V1_0)
    );
}

#[test]
fn task_and_message_are_told_apart_by_discriminators() {
    // python-a2a: a Task (id + status) that also carries the user's `message`, no `kind`.
    let task = json!({"id": "t", "status": {"state": "completed"},
        "message": {"role": "user", "parts": [{"type": "text", "text": "q"}]},
        "artifacts": [{"artifactId": "a", "parts": [{"text": "4"}]}]});
    assert!(matches!(decode_send_result(&task), Ok(SendResponse::Task(t)) if t.id == "t"));
    // v1 wrappers, and v0.3 `kind`, win over shapes.
    let wrapped =
        json!({"message": {"messageId": "m", "role": "ROLE_AGENT", "parts": [{"text": "hi"}]}});
    assert!(matches!(
        decode_send_result(&wrapped),
        Ok(SendResponse::Message(_))
    ));
    let kinded =
        json!({"kind": "message", "messageId": "m", "role": "agent", "parts": [], "status": {}});
    assert!(matches!(
        decode_send_result(&kinded),
        Ok(SendResponse::Message(_))
    ));
    let bare =
        json!({"messageId": "m", "role": "agent", "parts": [{"kind": "text", "text": "hi"}]});
    assert!(matches!(
        decode_send_result(&bare),
        Ok(SendResponse::Message(_))
    ));
}

#[test]
fn part_metadata_round_trips() {
    let v =
        json!({"kind": "data", "data": {"name": "f"}, "metadata": {"adk_type": "function_call"}});
    let part = decode_part(&v).unwrap();
    assert_eq!(
        part,
        Part::Data {
            data: json!({"name": "f"}),
            metadata: Some(json!({"adk_type": "function_call"}))
        }
    );
    assert_eq!(encode_part(ProtocolVersion::V0_3, &part), v);
}

/// The push config goes in each version's own field of `configuration`, next to `blocking`; the draft has none.
#[test]
fn push_config_is_named_per_version() {
    let m = Message {
        message_id: "m".into(),
        role: Role::User,
        parts: vec![],
        context_id: None,
        task_id: None,
        metadata: None,
    };
    let push = PushConfig {
        url: "https://bridge.example.com/a2a/push/c1".into(),
        token: "tok".into(),
    };
    let mut v03 = send_params(ProtocolVersion::V0_3, &m, false, &[], None);
    add_push_config(ProtocolVersion::V0_3, &mut v03, &push);
    assert_eq!(
        v03["configuration"]["pushNotificationConfig"],
        json!({"url": "https://bridge.example.com/a2a/push/c1", "token": "tok"})
    );
    assert_eq!(v03["configuration"]["blocking"], json!(false));
    let mut v1 = send_params(ProtocolVersion::V1_0, &m, false, &[], None);
    add_push_config(ProtocolVersion::V1_0, &mut v1, &push);
    assert_eq!(
        v1["configuration"]["taskPushNotificationConfig"]["token"],
        json!("tok")
    );
    assert!(v1["configuration"].get("pushNotificationConfig").is_none());
    let mut draft = send_params(ProtocolVersion::Draft, &m, false, &[], None);
    let before = draft.clone();
    add_push_config(ProtocolVersion::Draft, &mut draft, &push);
    assert_eq!(draft, before);
}
