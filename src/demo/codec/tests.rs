//! The demo agent's encoders against the client's decoders, and the exact shapes of each version.

use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;

use super::*;
use crate::a2a::wire::{decode_send_result, decode_stream_result, decode_task};

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V0_3, ProtocolVersion::V1_0];

fn text(t: &str) -> Vec<Part> {
    vec![Part::Text { text: t.into() }]
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
    for version in VERSIONS {
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
    for version in VERSIONS {
        for event in &events {
            let decoded = decode_stream_result(&encode_event(version, event)).unwrap();
            assert_eq!(&decoded, event, "{version}");
        }
    }
}

/// The exact v0.3 and v1 shapes of a status update and an artifact chunk (reference section 4).
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
        encode_event(ProtocolVersion::V0_3, &status),
        json!({"kind": "status-update", "taskId": "t", "contextId": "c", "final": true,
               "status": {"state": "input-required"}})
    );
    assert_eq!(
        encode_event(ProtocolVersion::V1_0, &status),
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
        encode_event(ProtocolVersion::V0_3, &chunk),
        json!({"kind": "artifact-update", "taskId": "t", "contextId": "c", "append": false, "lastChunk": false,
               "artifact": {"artifactId": "a", "parts": [{"kind": "text", "text": "x"}]}})
    );
    assert_eq!(
        encode_event(ProtocolVersion::V1_0, &chunk),
        json!({"artifactUpdate": {"taskId": "t", "contextId": "c",
               "artifact": {"artifactId": "a", "parts": [{"text": "x"}]}}})
    );
}

/// v1 errors carry an ErrorInfo with the reason; v0.3 errors and parse errors do not.
#[test]
fn errors_carry_error_info_on_v1_only() {
    let err = RpcError::new(TASK_NOT_FOUND, "task t not found");
    let v1 = rpc_error(Some(ProtocolVersion::V1_0), &json!(7), &err);
    assert_eq!(v1["error"]["data"][0]["reason"], "TASK_NOT_FOUND");
    assert_eq!(v1["error"]["code"], -32001);
    assert_eq!(v1["id"], 7);
    let v03 = rpc_error(Some(ProtocolVersion::V0_3), &json!(7), &err);
    assert!(v03["error"].get("data").is_none());
    let parse = rpc_error(None, &json!(null), &RpcError::new(PARSE_ERROR, "bad"));
    assert!(parse["error"].get("data").is_none());
}

/// Known instants, leap days and the end of a year.
#[test]
fn timestamps_are_rfc3339_utc() {
    let at = |secs: u64, micros: u64| {
        rfc3339(UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros))
    };
    assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
    assert_eq!(at(1_700_000_000, 731_362), "2023-11-14T22:13:20.731362Z");
    assert_eq!(at(951_782_400, 0), "2000-02-29T00:00:00.000000Z");
    assert_eq!(at(1_735_689_599, 0), "2024-12-31T23:59:59.000000Z");
    assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000000Z");
}
