//! Files from the MCP side: the `files` argument reaches official-SDK agents as A2A file parts (bytes, or by
//! URI) with the right name and media type, and everything the bridge must refuse sends nothing.
//!
//! The agents' `parts:` behaviour answers with the parts of the message as their SDK parsed them
//! (`tests/agents`: kind, name, media type, size and sha256 of bytes, or the URI); their skill `files` takes
//! `text/plain`, `image/*` and `application/pdf`, while the card's `defaultInputModes` (and so `echo`) are
//! `text/plain`.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::Digest;

use crate::support::agents::{self, Agent, AgentSpec, Shared};
use crate::support::bridge::{self, Generation, Recorder, Session, agent_toml};
use crate::support::draft_agent::DraftAgent;
use crate::support::http::{self, HttpBridge};

/// Some bytes that are not text: the start of a PNG and every byte value.
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend(0..=255u8);
    b
}

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What the agent reported for a `parts:` call: its JSON list of parts.
fn parts_of(call: &bridge::Call) -> Value {
    assert!(!call.is_error(), "{}", call.text());
    let text = call.structured()["text"].as_str().unwrap_or_default();
    let start = text
        .find('[')
        .unwrap_or_else(|| panic!("no parts in {text:?}"));
    let end = text
        .rfind(']')
        .unwrap_or_else(|| panic!("no parts in {text:?}"));
    serde_json::from_str(&text[start..=end]).unwrap_or_else(|e| panic!("{e}: {text:?}"))
}

/// A file part as the agents report one sent as bytes.
fn bytes_part(name: &str, media_type: &str, bytes: &[u8]) -> Value {
    json!({"kind": "file", "name": name, "mediaType": media_type, "size": bytes.len(), "sha256": sha256(bytes)})
}

/// The number of messages the agent received so far.
async fn received(agent: &Agent) -> usize {
    agent.log().await["messages"].as_array().map_or(0, Vec::len)
}

/// The refusal `call` must be: a tool error naming the agent and containing `what`.
fn refused(call: &bridge::Call, agent: &str, what: &str) {
    assert!(call.is_error(), "not refused: {}", call.text());
    let text = call.text();
    assert!(text.starts_with(&format!("agent \"{agent}\": ")), "{text}");
    assert!(text.contains(what), "{what:?} not in {text}");
}

/// `file://` URI of a path.
fn file_uri(path: &Path) -> String {
    url::Url::from_file_path(path).unwrap().to_string()
}

fn input_properties(tools: &[rmcp::model::Tool], name: &str) -> Vec<String> {
    let tool = tools
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tool {name}"));
    tool.input_schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

/// Through a2a-sdk 0.3 and 1.3 agents (JSON-RPC and HTTP+JSON) over stdio: bytes, a link, a `file://` inside the configured root and
/// a data URI arrive as file parts with their names, media types and exact content; only skills taking more
/// than text list `files`; and every refusal (outside the root, through a symlink, a media type the skill does
/// not take, too large, bad base64, a tool without `files`) is a tool error naming the agent and the file,
/// after which the agent has received nothing. The agents' own file artifacts come back intact too.
#[tokio::test]
async fn files_reach_sdk_agents_as_file_parts() {
    let skills = ["echo", "files"];
    let agents = futures::future::join_all([
        Agent::start(AgentSpec::v03("files03").skills(&skills)),
        Agent::start(AgentSpec::v1("files1").skills(&skills)),
        Agent::start(AgentSpec::v03("files03rest").skills(&skills).rest()),
        Agent::start(AgentSpec::v1("files1rest").skills(&skills).rest()),
    ])
    .await;
    // The agents' log records JSON-RPC requests only: the refusals are checked on the JSON-RPC ones (they
    // happen in the bridge, before any binding is involved).
    for (agent, json_rpc) in agents.iter().zip([true, true, false, false]) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        let scan = png();
        std::fs::write(root.join("scan.png"), &scan).unwrap();
        std::fs::write(outside.join("secret.pdf"), b"%PDF-1.4 secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(outside.join("secret.pdf"), root.join("link.pdf")).unwrap();
        let config = format!(
            "[bridge]\nfile_roots = [{:?}]\nmax_file_bytes = 4096\n{}",
            root.display().to_string(),
            agent_toml("ag", &agent.url, "")
        );
        let bridge = bridge::start(&config, Generation::Legacy, Recorder::default()).await;

        let tools = bridge.tools().await;
        assert!(input_properties(&tools, "ag_files").contains(&"files".to_owned()));
        assert!(input_properties(&tools, "send_message").contains(&"files".to_owned()));
        assert!(!input_properties(&tools, "ag_echo").contains(&"files".to_owned()));

        let dot = png();
        let call = bridge
            .call(
                "ag_files",
                json!({"message": "parts:", "files": [
                    {"name": "dot.png", "bytes": STANDARD.encode(&dot)},
                    {"uri": "https://example.com/docs/report.pdf"},
                    {"uri": file_uri(&root.join("scan.png"))},
                    {"uri": "data:text/plain;base64,aGVsbG8=", "name": "hello.txt"},
                ]}),
            )
            .await;
        assert_eq!(
            parts_of(&call),
            json!([
                {"kind": "text"},
                bytes_part("dot.png", "image/png", &dot),
                {"kind": "file", "name": "report.pdf", "mediaType": "application/pdf",
                 "uri": "https://example.com/docs/report.pdf"},
                bytes_part("scan.png", "image/png", &scan),
                bytes_part("hello.txt", "text/plain", b"hello"),
            ]),
            "{}",
            agent.url
        );
        // send_message names the skill whose input modes apply; a given media type wins over the name's.
        let call = bridge
            .call(
                "send_message",
                json!({"agent": "ag", "skill": "files", "message": "parts:", "files": [
                    {"uri": "https://example.com/get?id=7", "name": "scan", "mime_type": "application/pdf"},
                ]}),
            )
            .await;
        assert_eq!(
            parts_of(&call)[1],
            json!({"kind": "file", "name": "scan", "mediaType": "application/pdf",
                   "uri": "https://example.com/get?id=7"})
        );

        // And back: the agent's PNG artifact arrives as the PNG (a2a-sdk 0.3 over HTTP+JSON encodes it twice).
        let call = bridge.call("ag_echo", json!({"message": "file:"})).await;
        let image = call
            .result
            .content
            .iter()
            .find_map(|c| c.as_image())
            .unwrap_or_else(|| panic!("no image in {:?}", call.result.content));
        let png_back = STANDARD.decode(&image.data).expect("base64 image data");
        assert!(
            png_back.starts_with(b"\x89PNG\r\n"),
            "{}: {:?}",
            agent.url,
            &png_back[..8.min(png_back.len())]
        );
        if !json_rpc {
            continue;
        }
        let before = received(agent).await;
        let b64 = |b: &[u8]| STANDARD.encode(b);
        let refusals: Vec<(&str, Value, String)> = vec![
            (
                "ag_files",
                json!({"message": "parts:", "files": [{"uri": file_uri(&outside.join("secret.pdf"))}]}),
                "is outside the directories allowed for file:// URIs".into(),
            ),
            (
                "ag_files",
                json!({"message": "parts:", "files": [
                    {"uri": format!("{}/../outside/secret.pdf", file_uri(&root))}]}),
                "is outside the directories allowed".into(),
            ),
            (
                "send_message",
                json!({"agent": "ag", "skill": "echo", "message": "parts:",
                       "files": [{"name": "dot.png", "bytes": b64(&dot)}]}),
                "files[0] (\"dot.png\") is image/png, which skill \"echo\" does not accept; it takes text/plain"
                    .into(),
            ),
            (
                "send_message",
                json!({"agent": "ag", "message": "parts:",
                       "files": [{"name": "dot.png", "bytes": b64(&dot)}]}),
                "files[0] (\"dot.png\") is image/png, which the agent does not accept; it takes text/plain (set \
                 mime_type if the file's type is not image/png); the agent's skill \"files\" takes it: name it in \
                 `skill`"
                    .into(),
            ),
            (
                "ag_files",
                json!({"message": "parts:", "files": [
                    {"name": "ok.txt", "bytes": b64(b"fine")},
                    {"name": "a.zip", "bytes": b64(b"PK")}]}),
                "files[1] (\"a.zip\") is application/zip, which skill \"files\" does not accept; it takes \
                 text/plain, image/*, application/pdf"
                    .into(),
            ),
            (
                "ag_files",
                json!({"message": "parts:", "files": [{"name": "big.png", "bytes": b64(&[0u8; 5000])}]}),
                "files[0] (\"big.png\"): too large (5000 bytes): at most max_file_bytes (4096 bytes) per file"
                    .into(),
            ),
            (
                "ag_files",
                json!({"message": "parts:", "files": [{"name": "x.png", "bytes": "%%%"}]}),
                "files[0] (\"x.png\"): bytes is not valid base64".into(),
            ),
            (
                "ag_echo",
                json!({"message": "parts:", "files": [{"uri": "https://example.com/a.txt"}]}),
                "unknown argument \"files\"".into(),
            ),
        ];
        #[cfg(unix)]
        let refusals = {
            let mut r = refusals;
            r.push((
                "ag_files",
                json!({"message": "parts:", "files": [{"uri": file_uri(&root.join("link.pdf"))}]}),
                "is outside the directories allowed".into(),
            ));
            r
        };
        for (tool, args, what) in refusals {
            let call = bridge.call(tool, args).await;
            refused(&call, "ag", &what);
        }
        assert_eq!(
            received(agent).await,
            before,
            "a refused call reached {}",
            agent.url
        );
    }
}

/// Over stdio, a client that declares MCP roots lets files under them go without any `file_roots`; without
/// roots from either, `file://` is refused.
#[tokio::test]
async fn client_roots_allow_files_over_stdio() {
    let agent = agents::shared(Shared::V1).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"from the client's root").unwrap();
    let note = file_uri(&dir.path().join("notes.txt"));
    let config = agent_toml("ag", &agent.url, "");

    let root = file_uri(dir.path());
    let with_roots =
        bridge::start(&config, Generation::Legacy, Recorder::with_roots(&[&root])).await;
    let call = with_roots
        .call(
            "send_message",
            json!({"agent": "ag", "message": "parts:", "files": [{"uri": note}]}),
        )
        .await;
    assert_eq!(
        parts_of(&call)[1],
        bytes_part("notes.txt", "text/plain", b"from the client's root")
    );

    let without = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
    let call = without
        .call(
            "send_message",
            json!({"agent": "ag", "message": "parts:", "files": [{"uri": note}]}),
        )
        .await;
    refused(&call, "ag", "no directory is allowed for file:// URIs");
}

/// Over Streamable HTTP the bridge is not on the user's machine: `file://` is refused even inside
/// `file_roots`, and the agent gets nothing; bytes still go.
#[tokio::test]
async fn file_uris_are_refused_over_http() {
    let agent = agents::shared(Shared::V03).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"local").unwrap();
    let config = format!(
        "[bridge]\nfile_roots = [{:?}]\n{}",
        dir.path().display().to_string(),
        agent_toml("ag", &agent.url, "")
    );
    let server = HttpBridge::start(&config, &[], &[]).await;
    let client: Session = http::connect(&server.mcp_url(), None, Generation::Legacy)
        .await
        .expect("connect over HTTP");
    let marker = format!("parts: over http {}", uuid::Uuid::new_v4());
    let call = client
        .call(
            "send_message",
            json!({"agent": "ag", "message": marker, "files": [
                {"uri": file_uri(&dir.path().join("notes.txt"))}]}),
        )
        .await;
    refused(&call, "ag", "file:// URIs are refused over HTTP");
    let log = agent.log().await;
    assert!(
        !log["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["text"] == marker.as_str()),
        "the refused message reached the agent"
    );
    let call = client
        .call(
            "send_message",
            json!({"agent": "ag", "message": "parts:", "files": [
                {"name": "notes.txt", "bytes": STANDARD.encode(b"local")}]}),
        )
        .await;
    assert_eq!(
        parts_of(&call)[1],
        bytes_part("notes.txt", "text/plain", b"local")
    );
}

/// The pre-0.2 draft (an EDDI-shaped agent, modes `"text"`): a text file goes as a `type: "file"` part with
/// `bytes`, `mimeType` and `name`; an image is refused, since the bare `text` mode takes only `text/*`.
#[tokio::test]
async fn files_reach_a_draft_agent_as_type_file_parts() {
    let agent = DraftAgent::start(false).await;
    let bridge = bridge::start(
        &agent_toml("d", &agent.card_url(), ""),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let call = bridge
        .call(
            "send_message",
            json!({"agent": "d", "message": "with a file", "files": [
                {"name": "notes.md", "bytes": STANDARD.encode(b"# notes")}]}),
        )
        .await;
    assert!(!call.is_error(), "{}", call.text());
    assert_eq!(
        agent.params()[0]["message"]["parts"][1],
        json!({"type": "file", "file": {"bytes": STANDARD.encode(b"# notes"),
               "mimeType": "text/markdown", "name": "notes.md"}})
    );
    let call = bridge
        .call(
            "send_message",
            json!({"agent": "d", "message": "with a picture", "files": [
                {"name": "dot.png", "bytes": STANDARD.encode(png())}]}),
        )
        .await;
    refused(
        &call,
        "d",
        "files[0] (\"dot.png\") is image/png, which the agent does not accept; it takes text",
    );
    assert_eq!(
        agent.params().len(),
        1,
        "the refused message reached the agent"
    );
}

/// The defaults work together: a file just under the default `max_file_bytes` gets through a2a-sdk 0.3 and 1.3
/// agents, which echo the message (its base64 included) in their stream events and task history, over stdio
/// and over Streamable HTTP (whose request carries the base64 too). Where `max_response_bytes` is too small for
/// the echo, the tool error names the agent and the key. The `files` description promises `file://` only over
/// stdio.
#[tokio::test]
async fn a_file_just_under_the_default_cap_gets_through_stdio_and_http() {
    const DEFAULT_MAX_FILE_BYTES: usize = 2 << 20;
    // Text (printable ASCII), which the agents' default input modes take.
    let file: Vec<u8> = (0..DEFAULT_MAX_FILE_BYTES - 1024)
        .map(|i| b' ' + (i * 7 % 90) as u8)
        .collect();
    let args = |marker: &str| {
        json!({"agent": "ag", "message": format!("parts: {marker}"), "files": [
            {"name": "big.txt", "bytes": STANDARD.encode(&file)}]})
    };
    let files_description = |tools: &[rmcp::model::Tool]| {
        let send = tools.iter().find(|t| t.name == "send_message").unwrap();
        send.input_schema["properties"]["files"]["description"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for which in [Shared::V03, Shared::V1] {
        let agent = agents::shared(which).await;
        let config = agent_toml("ag", &agent.url, "");

        let stdio = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
        assert!(files_description(&stdio.tools().await).contains("file://"));
        let call = stdio.call("send_message", args("stdio")).await;
        assert_eq!(
            parts_of(&call)[1],
            bytes_part("big.txt", "text/plain", &file)
        );
        drop(stdio);

        let server = HttpBridge::start(&config, &[], &[]).await;
        let client: Session = http::connect(&server.mcp_url(), None, Generation::Legacy)
            .await
            .expect("connect over HTTP");
        assert!(!files_description(&client.tools().await).contains("file://"));
        let call = client.call("send_message", args("http")).await;
        assert_eq!(
            parts_of(&call)[1],
            bytes_part("big.txt", "text/plain", &file)
        );
        drop(client);
        drop(server);

        // An answer cap below the echo: the error says which key to raise.
        let config = agent_toml("ag", &agent.url, "max_response_bytes = 1048576");
        let stdio = bridge::start(&config, Generation::Legacy, Recorder::default()).await;
        let call = stdio.call("send_message", args("small cap")).await;
        refused(
            &call,
            "ag",
            "larger than 1048576 bytes (max_response_bytes)",
        );
    }
}
