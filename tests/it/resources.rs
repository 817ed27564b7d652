//! MCP resources: agent cards (`a2a://{agent}/card`) and task artifacts
//! (`a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}`), read from the agent on each request, and the
//! `read_artifact` tool that pages an artifact's text.

use rmcp::model::{ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};

use crate::support::bridge::{self, Generation, Recorder, agent_toml};
use crate::support::scripted::Scripted;

fn text_of(contents: &ResourceContents) -> (&str, Option<&str>) {
    match contents {
        ResourceContents::TextResourceContents {
            text, mime_type, ..
        } => (text.as_str(), mime_type.as_deref()),
        other => panic!("not text: {other:?}"),
    }
}

/// The scripted agent's `GetTask` answers any task with the artifact `a`, text "recovered".
#[tokio::test]
async fn cards_and_artifacts_are_resources_and_read_artifact_pages() {
    let agent = Scripted::start().await;
    let bridge = bridge::start(
        &agent_toml("s", &agent.url, ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let peer = bridge.client.peer();

    let templates: Vec<String> = peer
        .list_all_resource_templates()
        .await
        .expect("resources/templates/list")
        .into_iter()
        .map(|t| t.uri_template)
        .collect();
    assert_eq!(
        templates,
        [
            "a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}",
            "a2a://{agent}/tasks/{task_id}/artifacts/{artifact_id}/parts/{index}",
            "a2a://{agent}/card"
        ]
    );
    let listed: Vec<String> = peer
        .list_all_resources()
        .await
        .expect("resources/list")
        .into_iter()
        .map(|r| r.uri)
        .collect();
    assert_eq!(listed, ["a2a://s/card"]);

    let card = peer
        .read_resource(ReadResourceRequestParams::new("a2a://s/card"))
        .await
        .expect("card");
    let (text, mime) = text_of(&card.contents[0]);
    assert_eq!(mime, Some("application/json"));
    let card: Value = serde_json::from_str(text).unwrap();
    assert_eq!(card["agent"], "s");
    assert_eq!(card["card"]["name"], "scripted");

    // Stateless: the bridge never saw this task; it asks the agent.
    let artifact = peer
        .read_resource(ReadResourceRequestParams::new(
            "a2a://s/tasks/task%2F1/artifacts/a",
        ))
        .await
        .expect("artifact");
    assert_eq!(artifact.contents.len(), 1);
    assert_eq!(text_of(&artifact.contents[0]).0, "recovered");
    assert!(agent.methods().iter().any(|m| m == "GetTask"));

    for (uri, says) in [
        ("a2a://s/tasks/t/artifacts/nope", "no artifact \"nope\""),
        ("a2a://nobody/card", "nobody"),
        ("a2a://s/elsewhere", "not a resource of this bridge"),
    ] {
        let err = peer
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .expect_err(uri)
            .to_string();
        assert!(err.contains(says), "{uri}: {err}");
    }

    let page = bridge
        .call(
            "read_artifact",
            json!({"agent": "s", "task_id": "t", "artifact_id": "a", "offset": 2, "length": 3}),
        )
        .await;
    assert!(!page.is_error(), "{}", page.text());
    let s = page.structured();
    assert_eq!(s["text"], "cov");
    assert_eq!(s["total_chars"], 9);
    assert_eq!(s["next_offset"], 5);
    assert_eq!(s["uri"], "a2a://s/tasks/t/artifacts/a");
    let last = bridge
        .call(
            "read_artifact",
            json!({"agent": "s", "task_id": "t", "artifact_id": "a", "offset": 5}),
        )
        .await;
    assert_eq!(last.structured()["text"], "ered");
    assert!(last.structured().get("next_offset").is_none());
    assert!(
        last.text().contains("end of the artifact"),
        "{}",
        last.text()
    );
    let past = bridge
        .call(
            "read_artifact",
            json!({"agent": "s", "task_id": "t", "artifact_id": "a", "offset": 1000}),
        )
        .await;
    assert_eq!(past.structured()["text"], "");
    let missing = bridge
        .call(
            "read_artifact",
            json!({"agent": "s", "task_id": "t", "artifact_id": "b"}),
        )
        .await;
    assert!(missing.is_error());
    // The agent is named once (not `agent "s": agent "s": …`).
    assert!(
        missing
            .text()
            .starts_with("agent \"s\": task t has no artifact \"b\"")
            && missing.text().contains("its artifacts are: [a]"),
        "{}",
        missing.text()
    );
}

/// Output longer than `max_result_chars` is cut in the result, which links each artifact as a resource and
/// says how to read the rest; reading through the link gives the whole text.
#[tokio::test]
async fn long_output_links_its_artifacts() {
    let agent = Scripted::start().await;
    let bridge = bridge::start(
        &format!(
            "[bridge]\nmax_result_chars = 4\ninline_artifact_chars = 1000\n{}",
            agent_toml("s", &agent.url, "")
        ),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    // "drop": the stream ends early and the bridge collects the task ("recovered") with GetTask.
    let call = bridge.call("s_fault", json!({"message": "drop"})).await;
    assert!(!call.is_error(), "{}", call.text());
    assert!(call.text().starts_with("reco\n"), "{}", call.text());
    let task_id = call.structured()["task_id"].as_str().unwrap().to_owned();
    let uri = format!("a2a://s/tasks/{task_id}/artifacts/a");
    let links: Vec<&str> = call
        .result
        .content
        .iter()
        .filter_map(|c| match c {
            rmcp::model::ContentBlock::ResourceLink(r) => Some(r.uri.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(links, [uri.as_str()]);
    assert!(
        call.structured()["text"]
            .as_str()
            .unwrap()
            .contains("read_artifact"),
        "{}",
        call.structured()
    );
    let read = bridge
        .client
        .peer()
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .expect("the linked artifact");
    assert_eq!(text_of(&read.contents[0]).0, "recovered");
}
