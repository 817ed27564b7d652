use serde_json::json;

use super::*;
use crate::a2a::artifact_text::text_of;

fn query(artifact_id: Option<&str>, want: Want) -> Query {
    Query {
        artifact_id: artifact_id.map(str::to_owned),
        want,
        text_margin: 0,
        max_value_bytes: 1 << 20,
        unwrap_v03_data: false,
    }
}

const ALL: Want = Want::Text {
    offset: 0,
    length: usize::MAX,
};

fn run(body: &Value, envelope: Envelope, q: &Query) -> Result<Found, ScanError> {
    let bytes = serde_json::to_vec(body).unwrap();
    scan(bytes.as_slice(), envelope, q)
}

/// The text the scanner reads equals `text_of` the artifact `wire::decode_task` reads from the same task.
fn same_as_decoded(task: &Value, artifact: usize) {
    let decoded = crate::a2a::wire::decode_task(task).unwrap();
    let a = &decoded.artifacts[artifact];
    let found = run(task, Envelope::Bare, &query(Some(&a.artifact_id), ALL)).unwrap();
    assert_eq!(found.pager.page(), text_of(a));
    assert_eq!(found.pager.total_chars, text_of(a).chars().count());
}

fn v03_task() -> Value {
    json!({
        "kind": "task", "id": "t1", "contextId": "c",
        "status": {"state": "completed"},
        "history": [{"role": "user", "parts": [{"kind": "text", "text": "hi"}]}],
        "artifacts": [
            {"artifactId": "a1", "parts": [{"kind": "text", "text": "one"}]},
            {"parts": [
                {"kind": "text", "text": "Hé"},
                {"kind": "text", "text": "llo 😀"},
                {"kind": "data", "data": {"k": [1, 2]}},
                {"kind": "file", "file": {"bytes": "AAAA", "mimeType": "image/png", "name": "p.png"}},
                {"kind": "file", "file": {"uri": "https://x/f", "mimeType": "text/plain"}}
            ], "name": "report", "artifactId": "a2"}
        ]
    })
}

#[test]
fn every_dialect_reads_the_same_text_as_the_decoder() {
    let task = v03_task();
    same_as_decoded(&task, 0);
    same_as_decoded(&task, 1);
    let v1 = json!({
        "id": "t", "status": {"state": "TASK_STATE_COMPLETED"},
        "artifacts": [{"artifactId": "x", "parts": [
            {"text": "a"}, {"raw": "AAA=", "mediaType": "application/pdf", "filename": "f.pdf"},
            {"url": "https://u", "mediaType": "text/html"}, {"data": {"z": null}}, {"text": "b"}
        ]}]
    });
    same_as_decoded(&v1, 0);
    let draft = json!({
        "id": "t", "sessionId": "s", "status": {"state": "completed"},
        "artifacts": [{"index": 0, "parts": [{"type": "text", "text": "draft"}]},
                      {"index": 1, "parts": [{"type": "text", "text": "second"}]}]
    });
    same_as_decoded(&draft, 1);
    let found = run(&draft, Envelope::Bare, &query(Some("artifact-1"), ALL)).unwrap();
    assert_eq!(found.pager.page(), "second");
}

#[test]
fn envelopes_and_wrappers() {
    let q = query(
        Some("a2"),
        Want::Text {
            offset: 1,
            length: 6,
        },
    );
    let rpc = json!({"jsonrpc": "2.0", "id": 1, "result": v03_task()});
    let found = run(&rpc, Envelope::JsonRpc, &q).unwrap();
    assert_eq!(found.pager.page(), "éllo 😀");
    assert_eq!(found.artifact_id, "a2");
    assert_eq!(found.name.as_deref(), Some("report"));
    let wrapped = json!({"jsonrpc": "2.0", "result": {"task": v03_task()}, "id": 1});
    assert_eq!(
        run(&wrapped, Envelope::JsonRpc, &q).unwrap().pager.page(),
        "éllo 😀"
    );
    let rest = json!({"task": v03_task()});
    assert_eq!(
        run(&rest, Envelope::Bare, &q).unwrap().pager.page(),
        "éllo 😀"
    );
}

#[test]
fn errors_say_what_the_agent_said() {
    let q = query(Some("a"), ALL);
    let err =
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32001, "message": "Task not found"}});
    match run(&err, Envelope::JsonRpc, &q) {
        Err(ScanError::Agent(A2aError::JsonRpc { code, message })) => {
            assert_eq!(code, -32001);
            assert_eq!(message, "Task not found");
        }
        other => panic!("{other:?}"),
    }
    match run(&v03_task(), Envelope::Bare, &query(Some("nope"), ALL)) {
        Err(ScanError::NoArtifact { ids, more }) => {
            assert_eq!(ids, ["a1", "a2"]);
            assert_eq!(more, 0);
        }
        other => panic!("{other:?}"),
    }
    // No id asked for and two artifacts: which one is not guessed.
    assert!(matches!(
        run(&v03_task(), Envelope::Bare, &query(None, ALL)),
        Err(ScanError::NoArtifact { .. })
    ));
    let not_task = json!({"jsonrpc": "2.0", "id": 1, "result": {"hello": 1}});
    assert!(matches!(
        run(&not_task, Envelope::JsonRpc, &q),
        Err(ScanError::Agent(A2aError::InvalidResponse(_)))
    ));
    assert!(matches!(
        scan(
            &b"{\"id\": \"t\", \"artifacts\": [{\"parts\": [{\"text\": \"x"[..],
            Envelope::Bare,
            &q
        ),
        Err(ScanError::Agent(A2aError::InvalidResponse(_))) | Err(ScanError::Io(_))
    ));
}

#[test]
fn ids_listed_are_bounded() {
    let artifacts: Vec<Value> = (0..MAX_LISTED_IDS + 7)
        .map(|i| json!({"artifactId": format!("a{i}"), "parts": [{"text": "x"}]}))
        .collect();
    let task = json!({"id": "t", "status": {"state": "completed"}, "artifacts": artifacts});
    match run(&task, Envelope::Bare, &query(Some("zz"), ALL)) {
        Err(ScanError::NoArtifact { ids, more }) => {
            assert_eq!(ids.len(), MAX_LISTED_IDS);
            assert_eq!(more, 7);
        }
        other => panic!("{other:?}"),
    }
    let one = json!({"id": "t", "status": {"state": "completed"}, "artifacts": [{"artifactId": "only", "parts": [{"text": "x"}]}]});
    assert_eq!(
        run(&one, Envelope::Bare, &query(None, ALL))
            .unwrap()
            .artifact_id,
        "only"
    );
}

#[test]
fn parts_are_kept_whole_when_asked_for() {
    let q = |n| query(Some("a2"), Want::Part(n));
    match run(&v03_task(), Envelope::Bare, &q(3)).unwrap().part {
        Some(PartContent::Bytes {
            base64,
            media_type,
            name,
        }) => {
            assert_eq!(base64, "AAAA");
            assert_eq!(media_type.as_deref(), Some("image/png"));
            assert_eq!(name.as_deref(), Some("p.png"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        run(&v03_task(), Envelope::Bare, &q(4)).unwrap().part,
        Some(PartContent::Uri { .. })
    ));
    assert_eq!(
        run(&v03_task(), Envelope::Bare, &q(0)).unwrap().part,
        Some(PartContent::NotFile { kind: "text" })
    );
    assert_eq!(run(&v03_task(), Envelope::Bare, &q(9)).unwrap().part, None);
}

#[test]
fn v03_rest_data_parts_are_unwrapped() {
    let task = json!({"id": "t", "status": {"state": "TASK_STATE_COMPLETED"},
        "artifacts": [{"artifactId": "a", "content": [{"data": {"data": {"k": 1}}}]}]});
    let mut q = query(Some("a"), ALL);
    q.unwrap_v03_data = true;
    assert_eq!(
        run(&task, Envelope::Bare, &q).unwrap().pager.page(),
        "{\"k\":1}"
    );
}

#[test]
fn a_data_part_over_the_cap_is_refused() {
    let task = json!({"id": "t", "artifacts": [{"artifactId": "a", "parts": [{"data": {"k": "x".repeat(100)}}]}]});
    let mut q = query(Some("a"), ALL);
    q.max_value_bytes = 50;
    assert!(matches!(
        run(&task, Envelope::Bare, &q),
        Err(ScanError::Agent(A2aError::TooLarge { .. }))
    ));
}

/// A body made as it is read: `head`, then `fill` repeated `count` times, then `tail`; counts what was read.
struct Made {
    parts: Vec<(Vec<u8>, usize)>,
    at: usize,
    served: usize,
    read: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Made {
    fn new(
        head: &str,
        fill: &str,
        count: usize,
        tail: &str,
    ) -> (Made, std::rc::Rc<std::cell::Cell<usize>>) {
        let read = std::rc::Rc::default();
        let made = Made {
            parts: vec![
                (head.as_bytes().to_vec(), 1),
                (fill.as_bytes().to_vec(), count),
                (tail.as_bytes().to_vec(), 1),
            ],
            at: 0,
            served: 0,
            read: std::rc::Rc::clone(&read),
        };
        (made, read)
    }
}

impl Read for Made {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some((bytes, left)) = self.parts.get_mut(self.at) {
            if *left == 0 || bytes.is_empty() {
                self.at += 1;
                continue;
            }
            let n = (bytes.len() - self.served).min(buf.len());
            buf[..n].copy_from_slice(&bytes[self.served..self.served + n]);
            self.served += n;
            if self.served == bytes.len() {
                self.served = 0;
                *left -= 1;
            }
            self.read.set(self.read.get() + n);
            return Ok(n);
        }
        Ok(0)
    }
}

/// A 200 MB member name (where the reader reads a name, and inside a skipped value) is refused after about
/// `MAX_NAME_BYTES`, never held: the read stops long before the body ends.
#[test]
fn a_huge_member_name_is_refused_without_being_read() {
    let places = [
        (r#"{"jsonrpc":"2.0","id":1,""#, r#"":1}"#),
        (
            r#"{"jsonrpc":"2.0","id":1,"result":{"id":"t","artifacts":[{"artifactId":"a","parts":[{"text":"hi",""#,
            r#"":1}]}]}}"#,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"result":{"id":"t","history":[{"metadata":{""#,
            r#"":1}}],"artifacts":[]}}"#,
        ),
    ];
    for (head, tail) in places {
        let (body, read) = Made::new(head, &"n".repeat(1 << 20), 200, tail);
        let err = scan(body, Envelope::JsonRpc, &query(Some("a"), ALL)).unwrap_err();
        match err {
            ScanError::Agent(A2aError::InvalidResponse(m)) => {
                assert!(m.contains("member name longer than"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        assert!(read.get() < 4 << 20, "{} bytes read", read.get());
    }
    // A long string value is no name: a 3 MB text part reads.
    let (body, _) = Made::new(
        r#"{"id":"t","artifacts":[{"artifactId":"a","parts":[{"text":""#,
        "v\\\"w",
        1 << 20,
        r#""}]}]}"#,
    );
    let found = scan(body, Envelope::Bare, &query(Some("a"), ALL)).unwrap();
    assert_eq!(found.pager.total_chars, 3 << 20);
}

/// Deep nesting anywhere (in a skipped value, a data part, `task` wrappers) is an error, not a stack overflow.
#[test]
fn deep_nesting_is_refused() {
    let deep = |open: &str, close: &str, n| Made::new(&open.repeat(n), "", 0, &close.repeat(n)).0;
    let cases: Vec<(Made, Envelope)> = vec![
        (
            Made::new(
                &format!(r#"{{"id":"t","history":{}"#, "[".repeat(100_000)),
                "",
                0,
                &format!("{}}}", "]".repeat(100_000)),
            )
            .0,
            Envelope::Bare,
        ),
        (
            Made::new(
                &format!(
                    r#"{{"id":"t","artifacts":[{{"artifactId":"a","parts":[{{"data":{}"#,
                    "[".repeat(300)
                ),
                "",
                0,
                &format!("{}}}]}}]}}", "]".repeat(300)),
            )
            .0,
            Envelope::Bare,
        ),
        (deep(r#"{"task":"#, "}", 5_000), Envelope::Bare),
        (deep("[", "]", 1_000_000), Envelope::JsonRpc),
    ];
    for (i, (body, envelope)) in cases.into_iter().enumerate() {
        match scan(body, envelope, &query(Some("a"), ALL)) {
            Err(ScanError::Agent(A2aError::InvalidResponse(m))) => {
                assert!(
                    m.contains("nest") || m.contains("not an object"),
                    "{i}: {m}"
                )
            }
            other => panic!("{i}: {other:?}"),
        }
    }
}

/// A v0.3 HTTP+JSON agent (a2a-sdk 0.3) sends file bytes base64-encoded twice: the blob kept is the file's
/// base64 once, as `wire::rest::unwrap_v03_data` makes it for answers held whole; and a blob over
/// `max_value_bytes` is refused.
#[test]
fn v03_rest_blobs_are_unwrapped_and_capped() {
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let once = b64(b"%PDF-1.4 file");
    let task = json!({"id": "t", "status": {"state": "TASK_STATE_COMPLETED"},
        "artifacts": [{"artifactId": "a", "parts": [
            {"file": {"fileWithBytes": b64(once.as_bytes()), "mimeType": "application/pdf"}}]}]});
    let mut q = query(Some("a"), Want::Part(0));
    q.unwrap_v03_data = true;
    match run(&task, Envelope::Bare, &q).unwrap().part {
        Some(PartContent::Bytes { base64, .. }) => assert_eq!(base64, once),
        other => panic!("{other:?}"),
    }
    q.max_value_bytes = 10;
    assert!(matches!(
        run(&task, Envelope::Bare, &q),
        Err(ScanError::Agent(A2aError::TooLarge {
            what: BLOB_TOO_LARGE,
            limit: 10,
            ..
        }))
    ));
}
