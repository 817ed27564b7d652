//! Large outputs as resources: an artifact of tens of megabytes read in pages (through `resources/read` and
//! `read_artifact`) with the bridge's peak memory bounded; file parts with bytes read as blobs; artifacts past
//! `inline_artifact_chars` summarised and linked; and offsets that agree between a result streamed in `append`
//! chunks and `read_artifact`.
//!
//! The agent is our own (`BigAgent`, A2A v1.0 JSON-RPC): no real agent makes a 40 MB artifact on demand. Its
//! `GetTask` answer for task `big` is generated as it is sent, never held whole.

use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use rmcp::model::{ContentBlock, ReadResourceRequestParams, ResourceContents};
use serde_json::{Value, json};

use crate::support::bridge::{self, Generation, Recorder, agent_toml};
use crate::support::hostile::peak_rss;

/// Lines of the big artifact's text; each is `LINE_CHARS` characters (multibyte ones among them).
const BIG_LINES: usize = 640_000;
/// Lines sent per chunk of the body.
const LINES_PER_CHUNK: usize = 2_000;

/// Line `i` of the big artifact: 60 characters, 66 bytes, with a quote and a backslash (escaped in the JSON).
fn big_line(i: usize) -> String {
    format!("{i:08} ü€😀 \"q\" \\ {}\n", "x".repeat(40))
}

/// The big artifact's text part, as the agent sends it.
fn big_text() -> String {
    (0..BIG_LINES).map(big_line).collect()
}

/// 3,000 bytes of a PDF-ish file, base64.
fn pdf_b64() -> String {
    let bytes: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The big artifact's text as `read_artifact` reads it: the text part, then the file part's line.
fn big_artifact_text() -> String {
    format!(
        "{}\n[file doc.pdf (application/pdf), 3000 bytes: part 1 of this artifact]",
        big_text()
    )
}

/// The `GetTask` answer for `big`, streamed: the artifact's id comes after its parts, so the bridge cannot
/// know which artifact it reads until it has read it.
fn big_answer(id: Value) -> Response {
    let head = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"id\":\"big\",\"contextId\":\"c\",\
         \"status\":{{\"state\":\"TASK_STATE_COMPLETED\"}},\
         \"history\":[{{\"messageId\":\"m\",\"role\":\"ROLE_USER\",\"parts\":[{{\"text\":\"make it big\"}}]}}],\
         \"artifacts\":[{{\"artifactId\":\"small\",\"parts\":[{{\"text\":\"tiny\"}}]}},\
         {{\"name\":\"Big report\",\"parts\":[{{\"text\":\""
    );
    let tail = format!(
        "\"}},{{\"raw\":\"{}\",\"mediaType\":\"application/pdf\",\"filename\":\"doc.pdf\"}}],\
         \"artifactId\":\"big\"}}]}}}}",
        pdf_b64()
    );
    let chunks = (0..BIG_LINES / LINES_PER_CHUNK).map(|c| {
        let lines: String = (c * LINES_PER_CHUNK..(c + 1) * LINES_PER_CHUNK)
            .map(big_line)
            .collect();
        let quoted = serde_json::to_string(&lines).unwrap();
        Bytes::from(quoted[1..quoted.len() - 1].to_owned())
    });
    let body = std::iter::once(Bytes::from(head))
        .chain(chunks)
        .chain(std::iter::once(Bytes::from(tail)))
        .map(Ok::<_, std::io::Error>);
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(futures::stream::iter(body)),
    )
        .into_response()
}

/// The chunks the `chunks` task streams its artifact `c` in (with `append`), as the agent also stores them.
fn chunks() -> Vec<String> {
    (0..500)
        .map(|i| match i % 4 {
            0 => format!("Hel{i}"),
            1 => "lo wö".to_owned(),
            2 => "rld 😀".to_owned(),
            _ => ".\n".to_owned(),
        })
        .collect()
}

/// The artifacts of the small tasks, as `GetTask` answers them: the `chunks` one split into its chunks as an
/// SDK's task store keeps them (each appended chunk a part of its own).
fn small_artifacts(task: &str) -> Value {
    match task {
        "task-chunks" => json!([{"artifactId": "c", "parts":
            chunks().into_iter().map(|c| json!({"text": c})).collect::<Vec<_>>()}]),
        _ => json!([
            {"artifactId": "small", "parts": [{"text": "tiny"}]},
            {"artifactId": "large", "name": "Long log", "parts": [{"text": large_text()}]},
            {"artifactId": "bin", "parts": [
                {"raw": "JVBERi0xLjQK", "mediaType": "application/pdf", "filename": "x.pdf"},
                {"raw": "iVBORw0KGgo=", "mediaType": "image/png", "filename": "dot.png"}
            ]}
        ]),
    }
}

/// The `large` artifact of the `mixed` task: 5,000 characters on 100 lines.
fn large_text() -> String {
    (0..100)
        .map(|i| format!("log line {i:03} {}\n", "-".repeat(36)))
        .collect()
}

fn frame(id: &Value, result: Value) -> String {
    format!(
        "data: {}\r\n\r\n",
        json!({"jsonrpc": "2.0", "id": id, "result": result})
    )
}

/// The stream of a `mixed` or `chunks` message: the task, its artifacts (the `chunks` one in `append` chunks),
/// then completed.
fn stream(id: &Value, text: &str) -> Response {
    let task_id = format!("task-{text}");
    let mut frames = vec![frame(
        id,
        json!({"task": {"id": task_id, "contextId": "c", "status": {"state": "TASK_STATE_WORKING"}}}),
    )];
    let update = |artifact: Value, append: bool| {
        frame(
            id,
            json!({"artifactUpdate": {"taskId": task_id, "contextId": "c", "artifact": artifact,
                "append": append, "lastChunk": false}}),
        )
    };
    if text == "chunks" {
        for (i, chunk) in chunks().into_iter().enumerate() {
            frames.push(update(
                json!({"artifactId": "c", "parts": [{"text": chunk}]}),
                i > 0,
            ));
        }
    } else {
        for artifact in small_artifacts(&task_id).as_array().unwrap() {
            frames.push(update(artifact.clone(), false));
        }
    }
    frames.push(frame(
        id,
        json!({"statusUpdate": {"taskId": task_id, "contextId": "c",
            "status": {"state": "TASK_STATE_COMPLETED"}}}),
    ));
    (
        [(header::CONTENT_TYPE, "text/event-stream")],
        Body::from_stream(futures::stream::iter(
            frames
                .into_iter()
                .map(|f| Ok::<_, std::io::Error>(Bytes::from(f))),
        )),
    )
        .into_response()
}

async fn rpc(body: Bytes) -> Response {
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let id = req["id"].clone();
    let text = req["params"]["message"]["parts"][0]["text"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    match req["method"].as_str().unwrap_or("") {
        "GetTask" => match req["params"]["id"].as_str().unwrap_or("") {
            "big" => big_answer(id),
            // The answer starts, then nothing more comes; `stall-cancel` notes when the bridge lets it go.
            tid @ ("stall" | "stall-cancel") => {
                let closed = (tid == "stall-cancel").then(|| NoteClosed(&STALL_CANCEL_CLOSED));
                let head = format!(
                    "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"id\":\"stall\",\"artifacts\":[{{\"artifactId\":\"a\",\"parts\":[{{\"text\":\"begun"
                );
                let body = futures::StreamExt::chain(
                    futures::stream::once(
                        async move { Ok::<_, std::io::Error>(Bytes::from(head)) },
                    ),
                    futures::stream::pending(),
                );
                let body = futures::StreamExt::map(body, move |chunk| {
                    let _held = &closed;
                    chunk
                });
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    Body::from_stream(body),
                )
                    .into_response()
            }
            // An artifact that echoes the configured secret (`SECRET`), and one with a 12,000-byte file.
            "secret" => axum::Json(json!({"jsonrpc": "2.0", "id": id,
                "result": {"id": "secret", "contextId": "c", "status": {"state": "TASK_STATE_COMPLETED"},
                    "artifacts": [
                        {"artifactId": "s", "parts": [{"text": secret_text()}]},
                        {"artifactId": "f", "parts": [{"raw": base64::engine::general_purpose::STANDARD
                            .encode(vec![7u8; 12_000]), "mediaType": "application/zip"}]}
                    ]}}))
            .into_response(),
            tid @ ("task-chunks" | "task-mixed") => axum::Json(json!({"jsonrpc": "2.0", "id": id,
                "result": {"id": tid, "contextId": "c", "status": {"state": "TASK_STATE_COMPLETED"},
                    "artifacts": small_artifacts(tid)}}))
            .into_response(),
            _ => axum::Json(json!({"jsonrpc": "2.0", "id": id,
                "error": {"code": -32001, "message": "Task not found"}}))
            .into_response(),
        },
        "SendStreamingMessage" => stream(&id, &text),
        _ => axum::Json(json!({"jsonrpc": "2.0", "id": id,
            "error": {"code": -32601, "message": "Method not found"}}))
        .into_response(),
    }
}

/// Set when the bridge dropped the body of the `stall-cancel` answer (closed the connection).
static STALL_CANCEL_CLOSED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Sets its flag when dropped.
struct NoteClosed(&'static std::sync::atomic::AtomicBool);

impl Drop for NoteClosed {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The agent, serving on 127.0.0.1 until dropped.
struct BigAgent {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for BigAgent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl BigAgent {
    async fn start() -> BigAgent {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let card = json!({
            "name": "big", "description": "Makes big artifacts", "version": "1",
            "supportedInterfaces": [{"url": format!("{url}/"), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
            "capabilities": {"streaming": true},
            "defaultInputModes": ["text/plain"], "defaultOutputModes": ["text/plain"],
            "skills": [{"id": "make", "name": "Make", "description": "Makes output.", "tags": []}]
        });
        let app = Router::new()
            .route(
                "/.well-known/agent-card.json",
                get(move || async move { axum::Json(card.clone()) }),
            )
            .route("/", post(rpc));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        BigAgent { url, task }
    }
}

fn text_and_meta(contents: &ResourceContents) -> (&str, Value) {
    match contents {
        ResourceContents::TextResourceContents { text, meta, .. } => (
            text.as_str(),
            meta.as_ref()
                .map(|m| Value::Object(m.0.clone()))
                .unwrap_or(Value::Null),
        ),
        other => panic!("not text: {other:?}"),
    }
}

/// Characters `[offset, offset + length)` of `text`.
fn chars(text: &str, offset: usize, length: usize) -> String {
    text.chars().skip(offset).take(length).collect()
}

/// A 42 MB artifact read in pages through `resources/read` and `read_artifact`: every page is exact (content,
/// offsets and totals, multibyte characters included), its file part reads as a blob, and the bridge's peak
/// RSS grows by less than 40 MiB over what it was before the reads (the artifact is 42 MB; before streaming,
/// reading it needed the whole answer in memory, and `max_response_bytes` refused it).
#[tokio::test]
async fn a_huge_artifact_is_read_in_pages_in_bounded_memory() {
    const GROWTH_BOUND: u64 = 40 << 20;
    let agent = BigAgent::start().await;
    let bridge = bridge::start(
        &format!(
            "[bridge]\nartifact_timeout_secs = 120\n{}",
            agent_toml("b", &agent.url, "")
        ),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    assert!(
        bridge
            .tool_names()
            .await
            .contains(&"read_artifact".to_owned())
    );
    let idle = peak_rss(bridge.pid());
    let whole = big_artifact_text();
    let total = whole.chars().count();
    assert!(whole.len() > 40_000_000, "{} bytes", whole.len());
    let peer = bridge.client.peer();
    let read = |uri: String| async move {
        tokio::time::timeout(
            Duration::from_secs(120),
            peer.read_resource(ReadResourceRequestParams::new(uri.clone())),
        )
        .await
        .unwrap_or_else(|_| panic!("{uri} timed out"))
        .unwrap_or_else(|e| panic!("{uri}: {e}"))
    };

    // The first page, through resources/read: its place and the next page's URI are in `_meta`.
    let base = "a2a://b/tasks/big/artifacts/big";
    let first = read(format!("{base}?offset=0&length=1000")).await;
    let (text, meta) = text_and_meta(&first.contents[0]);
    assert_eq!(text, chars(&whole, 0, 1000));
    assert_eq!(meta["totalChars"], total);
    assert_eq!(meta["totalBytes"], whole.len());
    assert_eq!(meta["nextUri"], format!("{base}?offset=1000&length=1000"));

    // A page in the middle, starting inside a line of multibyte characters, through read_artifact.
    let mid = 20_000_003;
    let page = bridge
        .call(
            "read_artifact",
            json!({"agent": "b", "task_id": "big", "artifact_id": "big", "offset": mid, "length": 100_000}),
        )
        .await;
    assert!(
        !page.is_error(),
        "{}",
        &page.text()[..300.min(page.text().len())]
    );
    let s = page.structured();
    assert_eq!(s["text"].as_str().unwrap(), chars(&whole, mid, 100_000));
    assert_eq!(s["offset"], mid);
    assert_eq!(s["total_chars"], total);
    assert_eq!(s["next_offset"], mid + 100_000);

    // The last page: the text part's end, then the file part's line.
    let near_end = total - 150;
    let last = read(format!("{base}?offset={near_end}")).await;
    let (text, meta) = text_and_meta(&last.contents[0]);
    assert_eq!(text, chars(&whole, near_end, 150));
    assert!(
        text.ends_with("3000 bytes: part 1 of this artifact]"),
        "{text}"
    );
    assert!(meta.get("nextUri").is_none(), "{meta}");

    // The file part, as a blob.
    let blob = read(format!("{base}/parts/1")).await;
    match &blob.contents[0] {
        ResourceContents::BlobResourceContents {
            blob, mime_type, ..
        } => {
            assert_eq!(blob, &pdf_b64());
            assert_eq!(mime_type.as_deref(), Some("application/pdf"));
        }
        other => panic!("not a blob: {other:?}"),
    }

    let peak = peak_rss(bridge.pid());
    eprintln!(
        "bridge peak RSS: {} MiB idle, {} MiB after reading a {} MB artifact four times",
        idle >> 20,
        peak >> 20,
        whole.len() / 1_000_000
    );
    assert!(
        peak < idle + GROWTH_BOUND,
        "peak RSS grew by {} MiB (idle {} MiB)",
        (peak - idle) >> 20,
        idle >> 20
    );

    // Errors stay clear: the artifacts a task has, the agent's own error.
    let missing = bridge
        .call(
            "read_artifact",
            json!({"agent": "b", "task_id": "big", "artifact_id": "nope"}),
        )
        .await;
    assert!(missing.is_error());
    assert!(
        missing.text().contains("agent \"b\"")
            && missing.text().contains("its artifacts are: [small, big]"),
        "{}",
        missing.text()
    );
    let gone = bridge
        .call(
            "read_artifact",
            json!({"agent": "b", "task_id": "gone", "artifact_id": "a"}),
        )
        .await;
    assert!(gone.is_error());
    assert!(gone.text().contains("Task not found"), "{}", gone.text());
}

/// A read the client cancels stops at once: the bridge lets the agent's stalled answer go long before
/// `artifact_timeout_secs` (the blocking reader does not outlive the call).
#[tokio::test]
async fn a_cancelled_read_lets_the_answer_go_at_once() {
    let agent = BigAgent::start().await;
    let bridge = bridge::start(
        &format!(
            "[bridge]\nartifact_timeout_secs = 120\n{}",
            agent_toml("b", &agent.url, "")
        ),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let handle = bridge
        .start_call(
            "read_artifact",
            json!({"agent": "b", "task_id": "stall-cancel", "artifact_id": "a"}),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        !STALL_CANCEL_CLOSED.load(std::sync::atomic::Ordering::SeqCst),
        "the answer was let go before the cancel"
    );
    handle.cancel(Some("gave up".into())).await.unwrap();
    let started = std::time::Instant::now();
    while !STALL_CANCEL_CLOSED.load(std::sync::atomic::Ordering::SeqCst) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the stalled answer is still held after the cancel"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The secret the `secret` test configures (as a header value), and the text that echoes it: at characters
/// 95..115, then twice more, back to back, from 200.
const SECRET: &str = "SECRET-abcdef-123456";

fn secret_text() -> String {
    format!(
        "{}{SECRET}{}{SECRET}{SECRET}{}",
        "a".repeat(95),
        "b".repeat(85),
        "c".repeat(30)
    )
}

/// A configured secret is masked in every page of an artifact, even when a page boundary cuts it: no page
/// shows any of its characters, and offsets stay those of the agent's text (each character becomes `*`). A
/// file part larger than the agent's `max_response_bytes` is refused as a blob with a way to get it.
#[tokio::test]
async fn pages_mask_a_secret_cut_by_their_edges_and_a_big_blob_is_refused() {
    let agent = BigAgent::start().await;
    let bridge = bridge::start_with_env(
        &agent_toml(
            "b",
            &agent.url,
            "max_response_bytes = 8000\nheaders = { \"X-Api-Key\" = { env = \"BIG_KEY\" } }",
        ),
        Generation::Legacy,
        Recorder::default(),
        &[("BIG_KEY", SECRET)],
    )
    .await;
    let text = secret_text();
    let masked = text.replace(SECRET, &"*".repeat(SECRET.len()));
    let total = text.chars().count();
    for length in [1, 7, 100, 101, 113, 1000] {
        let mut read = String::new();
        let mut offset = 0;
        for _ in 0..=total {
            let page = bridge
                .call(
                    "read_artifact",
                    json!({"agent": "b", "task_id": "secret", "artifact_id": "s", "offset": offset, "length": length}),
                )
                .await;
            assert!(!page.is_error(), "{}", page.text());
            let s = page.structured();
            let got = s["text"].as_str().unwrap();
            assert_eq!(
                got,
                chars(&masked, offset, length),
                "offset {offset} length {length}"
            );
            assert_eq!(s["total_chars"], total);
            read.push_str(got);
            match s["next_offset"].as_u64() {
                Some(next) => offset = next as usize,
                None => break,
            }
        }
        assert_eq!(read, masked, "pages of {length}");
    }
    // The same through resources/read, the boundary inside the first occurrence.
    let base = "a2a://b/tasks/secret/artifacts/s";
    for (offset, length) in [(0, 100), (100, 100), (205, 10)] {
        let res = bridge
            .client
            .peer()
            .read_resource(ReadResourceRequestParams::new(format!(
                "{base}?offset={offset}&length={length}"
            )))
            .await
            .unwrap();
        let (got, meta) = text_and_meta(&res.contents[0]);
        assert_eq!(got, chars(&masked, offset, length));
        assert_eq!(meta["length"], length);
    }
    // The file part: 16,000 characters of base64, over max_response_bytes.
    let err = bridge
        .client
        .peer()
        .read_resource(ReadResourceRequestParams::new(
            "a2a://b/tasks/secret/artifacts/f/parts/0",
        ))
        .await
        .expect_err("a blob over max_response_bytes");
    let err = err.to_string();
    assert!(
        err.contains("agent \"b\"") && err.contains("max_response_bytes") && err.contains("by URI"),
        "{err}"
    );
}

/// `max_artifact_bytes` bounds what one read takes in: past it, a tool error names the agent and the key.
#[tokio::test]
async fn max_artifact_bytes_stops_a_read() {
    let agent = BigAgent::start().await;
    let bridge = bridge::start(
        &format!(
            "[bridge]\nmax_artifact_bytes = 1000000\n{}",
            agent_toml("b", &agent.url, "")
        ),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let page = bridge
        .call(
            "read_artifact",
            json!({"agent": "b", "task_id": "big", "artifact_id": "big", "offset": 30_000_000}),
        )
        .await;
    assert!(page.is_error(), "{}", page.text());
    assert!(
        page.text().contains("agent \"b\"") && page.text().contains("max_artifact_bytes"),
        "{}",
        page.text()
    );
}

/// `artifact_timeout_secs` bounds a read whose answer stalls: a tool error naming the agent, in time.
#[tokio::test]
async fn a_stalled_answer_ends_at_artifact_timeout_secs() {
    let agent = BigAgent::start().await;
    let bridge = bridge::start(
        &format!(
            "[bridge]\nartifact_timeout_secs = 2\n{}",
            agent_toml("b", &agent.url, "")
        ),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let started = std::time::Instant::now();
    let page = bridge
        .call(
            "read_artifact",
            json!({"agent": "b", "task_id": "stall", "artifact_id": "a"}),
        )
        .await;
    assert!(page.is_error(), "{}", page.text());
    assert!(
        page.text().contains("agent \"b\"") && page.text().contains("no response within 2s"),
        "{}",
        page.text()
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

fn links(result: &rmcp::model::CallToolResult) -> Vec<(String, Option<String>)> {
    result
        .content
        .iter()
        .filter_map(|c| match c {
            ContentBlock::ResourceLink(r) => Some((r.uri.clone(), r.description.clone())),
            _ => None,
        })
        .collect()
}

/// Past `inline_artifact_chars`, an artifact is a summary and a link; small ones stay inline; a file part with
/// bytes that is not an image is a link to its part, read as a blob; a small image stays inline. An artifact
/// streamed in `append` chunks and cut by `max_result_chars` continues in `read_artifact` at the exact offset
/// where the result's text stopped (the agent stores each chunk as a part; its text is the chunks run together,
/// as the stream showed them).
#[tokio::test]
async fn big_artifacts_are_linked_small_ones_inline_and_offsets_agree() {
    let agent = BigAgent::start().await;
    let bridge = bridge::start(
        &format!(
            "[bridge]\nmax_result_chars = 2000\ninline_artifact_chars = 3000\n{}",
            agent_toml("b", &agent.url, "")
        ),
        Generation::Legacy,
        Recorder::default(),
    )
    .await;
    let peer = bridge.client.peer();

    let mixed = bridge
        .call("send_message", json!({"agent": "b", "message": "mixed"}))
        .await;
    assert!(!mixed.is_error(), "{}", mixed.text());
    let text = mixed.structured()["text"].as_str().unwrap().to_owned();
    assert!(
        text.starts_with(
            "tiny\n\n[artifact \"Long log\" (\"large\"): 5000 characters (5000 bytes), text/plain"
        ),
        "{text}"
    );
    assert!(text.contains("log line 000"), "{text}");
    assert!(!text.contains("log line 099"), "{text}");
    assert!(
        text.contains("a2a://b/tasks/task-mixed/artifacts/large"),
        "{text}"
    );
    let linked: Vec<String> = links(&mixed.result).into_iter().map(|(u, _)| u).collect();
    assert_eq!(
        linked,
        [
            "a2a://b/tasks/task-mixed/artifacts/bin/parts/0",
            "a2a://b/tasks/task-mixed/artifacts/large"
        ]
    );
    // The small PNG stays inline, as results show images.
    assert!(
        mixed
            .result
            .content
            .iter()
            .any(|c| matches!(c, ContentBlock::Image(i) if i.mime_type == "image/png")),
        "{:?}",
        mixed.result.content
    );
    let large = peer
        .read_resource(ReadResourceRequestParams::new(
            "a2a://b/tasks/task-mixed/artifacts/large",
        ))
        .await
        .expect("the linked artifact");
    assert_eq!(text_and_meta(&large.contents[0]).0, large_text());
    let pdf = peer
        .read_resource(ReadResourceRequestParams::new(
            "a2a://b/tasks/task-mixed/artifacts/bin/parts/0",
        ))
        .await
        .expect("the linked part");
    match &pdf.contents[0] {
        ResourceContents::BlobResourceContents {
            blob, mime_type, ..
        } => {
            assert_eq!(blob, "JVBERi0xLjQK");
            assert_eq!(mime_type.as_deref(), Some("application/pdf"));
        }
        other => panic!("not a blob: {other:?}"),
    }
    let text_part = peer
        .read_resource(ReadResourceRequestParams::new(
            "a2a://b/tasks/task-mixed/artifacts/small/parts/0",
        ))
        .await
        .expect_err("a text part is not a file")
        .to_string();
    assert!(text_part.contains("not a file"), "{text_part}");

    // Chunks: the result's text is cut at max_result_chars; read_artifact goes on from there.
    let whole: String = chunks().concat();
    assert!(whole.chars().count() > 2000 && whole.chars().count() < 3000);
    let call = bridge
        .call("send_message", json!({"agent": "b", "message": "chunks"}))
        .await;
    assert!(!call.is_error(), "{}", call.text());
    let shown = call.structured()["text"].as_str().unwrap().to_owned();
    let cut = shown.find("\n[… ").expect("the text is cut");
    let seen = &shown[..cut];
    assert_eq!(seen.chars().count(), 2000);
    assert!(whole.starts_with(seen));
    let (uri, description) = links(&call.result).pop().expect("the artifact is linked");
    assert_eq!(uri, "a2a://b/tasks/task-chunks/artifacts/c");
    let described = description.unwrap_or_default();
    assert!(
        described.starts_with(&format!("{} characters", whole.chars().count())),
        "{described}"
    );
    let rest = bridge
        .call(
            "read_artifact",
            json!({"agent": "b", "task_id": "task-chunks", "artifact_id": "c", "offset": 2000}),
        )
        .await;
    assert!(!rest.is_error(), "{}", rest.text());
    assert_eq!(rest.structured()["total_chars"], whole.chars().count());
    assert_eq!(
        format!("{seen}{}", rest.structured()["text"].as_str().unwrap()),
        whole
    );
}
