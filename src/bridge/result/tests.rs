use serde_json::json;

use super::*;
use crate::a2a::{Artifact, Message, Role, Task, TaskStatus};

fn task(state: TaskState, status_text: Option<&str>, artifacts: Vec<Artifact>) -> TaskView {
    TaskView::from_task(Task {
        id: "t1".into(),
        context_id: "c1".into(),
        status: TaskStatus {
            state,
            message: status_text.map(|t| Message {
                message_id: "m".into(),
                role: Role::Agent,
                parts: vec![Part::text(t)],
                context_id: None,
                task_id: None,
                metadata: None,
            }),
            timestamp: None,
        },
        artifacts,
    })
}

fn artifact(parts: Vec<Part>) -> Artifact {
    Artifact {
        artifact_id: "a1".into(),
        name: None,
        description: None,
        parts,
    }
}

fn texts(r: &CallToolResult) -> Vec<String> {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect()
}

#[test]
fn completed_text_task() {
    let view = task(
        TaskState::Completed,
        None,
        vec![artifact(vec![Part::text("echo: hi"), Part::text("Done.")])],
    );
    let r = result_from_view("research", &view, Ending::Settled, 1000);
    assert_eq!(r.is_error, Some(false));
    let t = texts(&r);
    // Distinct parts of one artifact are distinct lines (issue 9 §3).
    assert_eq!(t[0], "echo: hi\nDone.");
    assert!(
        t.last()
            .unwrap()
            .contains("[agent: research | state: completed | task_id: t1 | context_id: c1]")
    );
    let s = r.structured_content.unwrap();
    assert_eq!(s["state"], "completed");
    assert_eq!(s["task_id"], "t1");
    assert_eq!(s["context_id"], "c1");
    assert_eq!(s["text"], "echo: hi\nDone.");
}

#[test]
fn failed_task_is_an_error_naming_agent_and_cause() {
    let view = task(TaskState::Failed, Some("boom"), vec![]);
    let r = result_from_view("research", &view, Ending::Settled, 1000);
    assert_eq!(r.is_error, Some(true));
    assert!(texts(&r)[0].starts_with("agent \"research\": task failed: boom"));
}

#[test]
fn data_parts_become_structured_content_and_json_text() {
    let view = task(
        TaskState::Completed,
        None,
        vec![artifact(vec![Part::data(json!({"k": 1}))])],
    );
    let r = result_from_view("a", &view, Ending::Settled, 1000);
    assert_eq!(
        r.structured_content.as_ref().unwrap()["data"],
        json!([{"k": 1}])
    );
    assert!(texts(&r).contains(&"{\"k\":1}".to_owned()));
}

#[test]
fn files_map_to_images_resources_and_links() {
    let view = task(
        TaskState::Completed,
        None,
        vec![artifact(vec![
            Part::File {
                bytes: Some("aGk=".into()),
                uri: None,
                media_type: Some("image/png".into()),
                name: Some("dot.png".into()),
            },
            Part::File {
                bytes: Some("aGk=".into()),
                uri: None,
                media_type: Some("application/zip".into()),
                name: Some("x.zip".into()),
            },
            Part::File {
                bytes: None,
                uri: Some("https://e.com/r.pdf".into()),
                media_type: Some("application/pdf".into()),
                name: Some("r.pdf".into()),
            },
        ])],
    );
    let r = result_from_view("a", &view, Ending::Settled, 1000);
    let kinds: Vec<&str> = r
        .content
        .iter()
        .map(|c| match c {
            ContentBlock::Text(_) => "text",
            ContentBlock::Image(_) => "image",
            ContentBlock::Resource(_) => "resource",
            ContentBlock::ResourceLink(_) => "link",
            _ => "other",
        })
        .collect();
    // A file by URL is text naming it, not a resource link resources/read would refuse.
    assert_eq!(kinds, ["image", "resource", "text", "text"]);
    assert!(
        texts(&r).contains(&"File r.pdf (application/pdf): https://e.com/r.pdf".to_owned()),
        "{:?}",
        texts(&r)
    );
    // The embedded blob is named by the URI resources/read serves it at.
    let uris: Vec<String> = r
        .content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::Resource(e) => match &e.resource {
                ResourceContents::BlobResourceContents { uri, .. } => Some(uri.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(uris, ["a2a://a/tasks/t1/artifacts/a1/parts/1"]);
    assert!(crate::bridge::resources::Target::parse(&uris[0]).is_some());
}

#[test]
fn a_direct_replys_blob_is_not_named_as_a_resource_to_read() {
    let view = TaskView::from_response(crate::a2a::SendResponse::Message(Message {
        message_id: "m".into(),
        role: Role::Agent,
        parts: vec![Part::File {
            bytes: Some("aGk=".into()),
            uri: None,
            media_type: Some("application/zip".into()),
            name: Some("x y.zip".into()),
        }],
        context_id: None,
        task_id: None,
        metadata: None,
    }));
    let r = result_from_view("my agent", &view, Ending::Settled, 1000);
    let uri = r
        .content
        .iter()
        .find_map(|c| match c {
            ContentBlock::Resource(e) => match &e.resource {
                ResourceContents::BlobResourceContents { uri, .. } => Some(uri.clone()),
                _ => None,
            },
            _ => None,
        })
        .expect("an embedded blob");
    assert_eq!(uri, "urn:a2a-bridge:inline:my%20agent:reply:0");
}

#[test]
fn input_required_is_not_an_error_and_says_how_to_answer() {
    let view = task(TaskState::InputRequired, Some("What is your name?"), vec![]);
    let r = result_from_view("a", &view, Ending::Settled, 1000);
    assert_eq!(r.is_error, Some(false));
    let all = texts(&r).join("\n");
    assert!(all.contains("What is your name?"));
    assert!(all.contains("task_id \"t1\""));
}

#[test]
fn spent_budget_tells_the_model_to_call_get_task() {
    let view = task(TaskState::Working, Some("step 2/10"), vec![]);
    let r = result_from_view("a", &view, Ending::BudgetSpent, 1000);
    assert_eq!(r.is_error, Some(false));
    let all = texts(&r).join("\n");
    assert!(all.contains("still working"), "{all}");
    assert!(all.contains("get_task"), "{all}");
    assert_eq!(r.structured_content.unwrap()["state"], "working");
}

#[test]
fn long_text_is_cut_and_says_so() {
    let view = task(
        TaskState::Completed,
        None,
        vec![artifact(vec![Part::text("x".repeat(50))])],
    );
    let r = result_from_view("a", &view, Ending::Settled, 10);
    let t = &texts(&r)[0];
    assert!(
        t.starts_with("xxxxxxxxxx\n[… 40 more characters cut"),
        "{t}"
    );
}

#[test]
fn direct_reply_is_a_message() {
    let view = TaskView::from_response(crate::a2a::SendResponse::Message(Message {
        message_id: "m".into(),
        role: Role::Agent,
        parts: vec![Part::text("echo: hi")],
        context_id: Some("c9".into()),
        task_id: None,
        metadata: None,
    }));
    let r = result_from_view("a", &view, Ending::Settled, 1000);
    assert_eq!(texts(&r)[0], "echo: hi");
    assert_eq!(r.structured_content.unwrap()["state"], "message");
}

#[test]
fn error_result_has_the_structured_shape() {
    let r = error_result("a", "cannot reach http://x/: connection refused", None);
    assert_eq!(r.is_error, Some(true));
    assert_eq!(
        texts(&r)[0],
        "agent \"a\": cannot reach http://x/: connection refused"
    );
    assert_eq!(r.structured_content.unwrap()["state"], "error");
}

#[test]
fn structured_state_is_the_spelling_the_text_shows() {
    use crate::a2a::TaskState::*;
    for state in [
        Submitted,
        Working,
        InputRequired,
        AuthRequired,
        Completed,
        Canceled,
        Failed,
        Rejected,
        Unknown,
    ] {
        let shown = serde_json::to_value(CallState::from(state)).unwrap();
        assert_eq!(shown, state.as_str(), "{state:?}");
    }
    assert_eq!(serde_json::to_value(CallState::Error).unwrap(), "error");
}

#[test]
fn output_schema_is_plain_and_lists_every_state() {
    let schema = serde_json::Value::Object((*output_schema()).clone());
    let text = schema.to_string();
    assert!(!text.contains("$ref") && !text.contains("$defs"), "{text}");
    // Repeated by every tool that declares it: types and names only.
    assert!(!text.contains("description"), "{text}");
    let states = schema["properties"]["state"]["enum"].as_array().unwrap();
    assert_eq!(states.len(), 11, "{states:?}");
    assert!(states.contains(&serde_json::json!("message")));
    assert_eq!(
        schema["required"],
        serde_json::json!([
            "agent",
            "state",
            "task_id",
            "context_id",
            "text",
            "data",
            "files"
        ])
    );
    assert!(Arc::ptr_eq(&output_schema(), &output_schema()));
}
