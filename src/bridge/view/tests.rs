use serde_json::json;

use super::*;
use crate::a2a::{Part, TaskStatus, wire};

fn event(v: serde_json::Value) -> StreamEvent {
    wire::decode_stream_result(&v).unwrap()
}

#[test]
fn artifact_chunks_are_joined_by_id() {
    let mut view = TaskView::default();
    view.apply(event(
        json!({"task":{"id":"t","contextId":"c","status":{"state":"TASK_STATE_SUBMITTED"}}}),
    ));
    view.apply(event(json!({"artifactUpdate":{"taskId":"t","contextId":"c","artifact":{"artifactId":"a","parts":[{"text":"echo: "}]}}})));
    view.apply(event(json!({"artifactUpdate":{"taskId":"t","contextId":"c","append":true,"lastChunk":true,"artifact":{"artifactId":"a","parts":[{"text":"hi"}]}}})));
    view.apply(event(json!({"artifactUpdate":{"taskId":"t","contextId":"c","artifact":{"artifactId":"b","parts":[{"text":"other"}]}}})));
    assert!(!view.is_settled());
    assert_eq!(view.artifacts.len(), 2);
    assert_eq!(crate::a2a::join_text(&view.artifacts[0].parts), "echo: hi");
    view.apply(event(json!({"statusUpdate":{"taskId":"t","contextId":"c","status":{"state":"TASK_STATE_COMPLETED"}}})));
    assert!(view.is_settled());
    assert_eq!(view.task_id.as_deref(), Some("t"));
    assert_eq!(view.context_id.as_deref(), Some("c"));
}

#[test]
fn a_non_append_chunk_replaces_the_artifact() {
    let mut view = TaskView::default();
    for text in ["old", "new"] {
        view.apply(event(json!({"kind":"artifact-update","taskId":"t","contextId":"c","artifact":{"artifactId":"a","parts":[{"kind":"text","text":text}]}})));
    }
    assert_eq!(view.artifacts[0].parts, vec![Part::text("new")]);
}

#[test]
fn v03_final_flag_settles_and_a_reply_settles() {
    let mut view = TaskView::default();
    view.apply(event(json!({"kind":"status-update","taskId":"t","contextId":"c","final":true,"status":{"state":"working"}})));
    assert!(view.is_settled());
    let reply = TaskView::from_response(SendResponse::Message(Message {
        message_id: "m".into(),
        role: crate::a2a::Role::Agent,
        parts: vec![],
        context_id: Some("c".into()),
        task_id: None,
        metadata: None,
    }));
    assert!(reply.is_settled());
    assert_eq!(reply.context_id.as_deref(), Some("c"));
}

#[test]
fn status_without_message_keeps_the_last_words_until_settled() {
    let mut view = TaskView::from_task(Task {
        id: "t".into(),
        context_id: "c".into(),
        status: TaskStatus {
            state: TaskState::Working,
            message: None,
            timestamp: None,
        },
        artifacts: vec![],
    });
    view.apply(event(json!({"kind":"status-update","taskId":"t","contextId":"c","final":false,"status":{"state":"working","message":{"messageId":"m","role":"agent","parts":[{"kind":"text","text":"step 1"}]}}})));
    view.apply(event(json!({"kind":"status-update","taskId":"t","contextId":"c","final":false,"status":{"state":"working"}})));
    assert_eq!(view.status_message.as_ref().unwrap().text(), "step 1");
}

#[test]
fn a_message_during_a_task_is_progress_and_the_answer_only_without_artifacts() {
    let mut view = TaskView::default();
    view.apply(event(
        json!({"task":{"id":"t","contextId":"c","status":{"state":"TASK_STATE_WORKING"}}}),
    ));
    let interim = json!({"message":{"messageId":"m","taskId":"t","role":"ROLE_AGENT","parts":[{"text":"looking"}]}});
    let StreamEvent::Message(m) = event(interim.clone()) else {
        panic!()
    };
    assert!(view.takes_as_progress(&m));
    view.apply(event(interim));
    assert!(!view.is_settled(), "a Message mid-task does not end it");
    assert!(view.reply.is_none());
    assert_eq!(view.interim.len(), 1);
    // Before any task, a Message is the reply.
    let mut direct = TaskView::default();
    direct.apply(event(
        json!({"message":{"messageId":"m","role":"ROLE_AGENT","parts":[{"text":"hi"}]}}),
    ));
    assert!(direct.is_settled() && direct.reply.is_some());
}

#[test]
fn tagged_parts_read_as_their_frameworks_mean_them() {
    let part = |v: serde_json::Value| wire::decode_part(&v).unwrap();
    assert_eq!(
        read_part(&part(
            json!({"kind":"data","data":{"name":"ask_for_approval","args":{"purpose":"deploy"}},
            "metadata":{"adk_type":"function_call","adk_is_long_running":true}})
        )),
        Reading::Shown("The agent asks to run ask_for_approval(purpose=\"deploy\")".into())
    );
    assert!(matches!(
        read_part(&part(
            json!({"kind":"data","data":{"name":"search","args":{}},"metadata":{"adk_type":"function_call"}})
        )),
        Reading::Internal(_)
    ));
    assert!(matches!(
        read_part(&part(
            json!({"kind":"data","data":{"name":"search","response":{}},"metadata":{"kagent_type":"function_response"}})
        )),
        Reading::Internal(_)
    ));
    assert!(matches!(
        read_part(&part(
            json!({"kind":"text","text":"hmm","metadata":{"adk_thought":true}})
        )),
        Reading::Internal(_)
    ));
    assert_eq!(
        read_part(&part(
            json!({"kind":"data","data":{"code":"print(1)","language":"PYTHON"},"metadata":{"adk_type":"executable_code"}})
        )),
        Reading::Shown("```python\nprint(1)\n```".into())
    );
    assert_eq!(
        read_part(&part(json!({"kind":"data","data":{"k":1}}))),
        Reading::Raw
    );
    // A question that is only a data part still has words.
    let m = crate::a2a::wire::decode_message(
        &json!({"role":"agent","parts":[{"kind":"data","data":{"k":1}}]}),
    )
    .unwrap();
    assert_eq!(said(Some(&m)).as_deref(), Some("{\"k\":1}"));
}
