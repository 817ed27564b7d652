use proptest::prelude::*;
use rmcp::model::{GetExtensions, RequestMetaObject};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::*;

/// The message the fast path reads from a line, if it takes it as a call.
fn fast(line: &[u8]) -> Option<ClientJsonRpcMessage> {
    match tool_call(line) {
        Fast::Call(message) => Some(*message),
        _ => None,
    }
}

/// What rmcp's own transport makes of a line.
fn by_rmcp(line: &[u8]) -> Option<ClientJsonRpcMessage> {
    serde_json::from_slice(line).ok()
}

/// Both readings of a message, compared as rmcp writes them back out, and with the request's `_meta` (which
/// rmcp keeps in the extensions).
fn same(fast: &ClientJsonRpcMessage, slow: &ClientJsonRpcMessage) {
    assert_eq!(
        serde_json::to_value(fast).unwrap(),
        serde_json::to_value(slow).unwrap()
    );
    let meta = |m: &ClientJsonRpcMessage| match m {
        ClientJsonRpcMessage::Request(r) => r
            .request
            .extensions()
            .get::<RequestMetaObject>()
            .map(|m| Value::Object(m.0.0.clone())),
        _ => None,
    };
    assert_eq!(meta(fast), meta(slow));
    let ClientJsonRpcMessage::Request(r) = fast else {
        panic!("not a request: {fast:?}")
    };
    assert!(matches!(r.request, ClientRequest::CallToolRequest(_)));
}

#[test]
fn tool_calls_read_as_rmcp_reads_them() {
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "a0_echo", "arguments": {"message": "hi"}}}),
        json!({"jsonrpc": "2.0", "id": "x-7", "method": "tools/call", "params": {"name": "a0_echo"}}),
        json!({"params": {"arguments": {"n": 1.5, "big": 18446744073709551615u64, "neg": -3, "nested": [null, true, {"k": "v"}]}, "name": "t", "_meta": {"progressToken": 4}}, "method": "tools/call", "id": 0, "jsonrpc": "2.0"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "t", "arguments": {"s": "é \u{1F600} \"q\" \\ \n"}, "_meta": {"io.modelcontextprotocol/related-task": {"taskId": "t1"}, "progressToken": "p"}}}),
    ];
    for line in lines {
        let line = serde_json::to_vec(&line).unwrap();
        let fast = fast(&line).expect("the fast path takes it");
        same(&fast, &by_rmcp(&line).expect("rmcp reads it"));
    }
    // Escaped method names and keys in another order are still the same request.
    let line = br#"{"method":"tools\/call","id":9,"params":{"name":"t"},"jsonrpc":"2.0"}"#;
    same(&fast(line).unwrap(), &by_rmcp(line).unwrap());
}

#[test]
fn everything_else_is_left_to_rmcp() {
    let lines: [&[u8]; 9] = [
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
        br#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"t"}}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"},"result":null}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"},"error":{}}"#,
        br#"{"jsonrpc":"1.0","id":1,"method":"tools/call","params":{"name":"t"}}"#,
        br#"{"id":1,"method":"tools/call","params":{"name":"t"}}"#,
        br#"{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"t"}}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}"#,
        br#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}]"#,
    ];
    for line in lines {
        assert!(
            matches!(tool_call(line), Fast::Other),
            "{}",
            String::from_utf8_lossy(line)
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any tool call a client may send reads the same by both paths.
    #[test]
    fn any_tool_call_reads_as_rmcp_reads_it(
        id in prop_oneof![any::<i64>().prop_map(Value::from), "[a-z0-9-]{0,12}".prop_map(Value::from)],
        name in "\\PC{0,20}",
        arguments in proptest::option::of(proptest::collection::btree_map("\\PC{0,8}", json_leaf(), 0..6)),
        token in proptest::option::of(prop_oneof![any::<u32>().prop_map(Value::from), "\\PC{0,8}".prop_map(Value::from)]),
    ) {
        let mut params = json!({"name": name});
        if let Some(arguments) = arguments {
            params["arguments"] = Value::Object(arguments.into_iter().collect());
        }
        if let Some(token) = token {
            params["_meta"] = json!({"progressToken": token});
        }
        let line = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})).unwrap();
        let slow = by_rmcp(&line).expect("rmcp reads it");
        let fast = fast(&line).expect("the fast path takes it");
        same(&fast, &slow);
    }
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "\\PC{0,16}".prop_map(Value::from),
    ]
}

#[test]
fn lines_are_framed_as_rmcp_frames_them() {
    // rmcp's limit counts the `\n`: a 16-byte limit takes 15 bytes and a newline.
    let mut lines = Lines::new(16);
    let mut buf =
        BytesMut::from(&b"{\"a\":1}\r\n0123456789abcde\n0123456789abcdef\n{}\npartial"[..]);
    assert_eq!(
        lines.decode(&mut buf).unwrap().as_deref(),
        Some(&b"{\"a\":1}\r"[..])
    );
    assert_eq!(
        lines.decode(&mut buf).unwrap().as_deref(),
        Some(&b"0123456789abcde"[..])
    );
    // The overlong line is dropped whole, and the next one comes through.
    assert_eq!(lines.decode(&mut buf).unwrap().as_deref(), Some(&b"{}"[..]));
    assert_eq!(lines.decode(&mut buf).unwrap(), None);
    // An unterminated last line is not a message, and reading can go on after it without tripping over where
    // the search for its end stopped.
    assert_eq!(lines.decode_eof(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
    buf.extend_from_slice(b"x\n");
    assert_eq!(lines.decode(&mut buf).unwrap().as_deref(), Some(&b"x"[..]));
}

/// Lines on which a fast path could part from rmcp: values serde_json skips without checking (a lone
/// surrogate, a number out of range, bytes that are not UTF-8, deep nesting), byte order marks, `\r`, nulls.
fn tricky_lines() -> Vec<Vec<u8>> {
    let call = |extra: &str| {
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"t"}}{extra}}}"#
        )
        .into_bytes()
    };
    let deep = format!(r#","x":{}0{}"#, "[".repeat(200), "]".repeat(200));
    let mut not_utf8 = call(r#","x":"?""#);
    let at = not_utf8.iter().rposition(|b| *b == b'?').unwrap();
    not_utf8[at] = 0xFF;
    let bom = |line: &[u8]| [UTF8_BOM, line].concat();
    vec![
        call(""),
        call(r#","x":"\ud800""#),
        call(r#","x":1e400"#),
        not_utf8,
        call(&deep),
        call(r#","x":1"#),
        bom(&call("")),
        bom(&bom(&call(""))),
        bom(&bom(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)),
        [call("").as_slice(), b"\r"].concat(),
        UTF8_BOM.to_vec(),
        b"\r".to_vec(),
        call(r#","result":null"#),
        br#"{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"t"}}"#.to_vec(),
        br#"{"jsonrpc":"2.0","id":1.0,"method":"tools/call","params":{"name":"t"}}"#.to_vec(),
        br#"{"jsonrpc":"2.0","method":"notifications/lsp-thing"}"#.to_vec(),
        br#"{"jsonrpc":"2.0","id":7,"result":{}}"#.to_vec(),
        br#"{"hello":1}"#.to_vec(),
        b"not json".to_vec(),
    ]
}

/// `tools/call` requests whose params do not read. rmcp took the first ones for a request for an unknown method
/// (its untagged enum ends in a catch-all) and answered `Method not found`, and ignored the last ones without a
/// word (a value serde cannot buffer); the bridge answers `Invalid params` with the request's id.
const BAD_PARAMS: [(&str, &str); 7] = [
    (
        r#"{"jsonrpc":"2.0","id":11,"method":"tools/call"}"#,
        r#"11"#,
    ),
    (
        r#"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":null}"#,
        r#"12"#,
    ),
    (
        r#"{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"arguments":{}}}"#,
        r#"13"#,
    ),
    (
        r#"{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"name":5}}"#,
        r#"14"#,
    ),
    (
        r#"{"jsonrpc":"2.0","id":"x","method":"tools/call","params":[1]}"#,
        r#""x""#,
    ),
    (
        r#"{"jsonrpc":"2.0","id":16,"method":"tools/call","params":{"name":"t","arguments":{"a":"\ud800"}}}"#,
        r#"16"#,
    ),
    (
        r#"{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"t","_meta":{"progressToken":1e400}}}"#,
        r#"17"#,
    ),
];

#[tokio::test]
async fn tool_calls_whose_params_do_not_read_get_invalid_params_with_their_id() {
    let mut input = String::new();
    for (line, _) in BAD_PARAMS {
        input.push_str(line);
        input.push('\n');
    }
    let (read, written) = run(input.as_bytes(), StdioTransport::new).await;
    assert!(read.is_empty(), "{read:?}");
    let answers: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), BAD_PARAMS.len(), "{written}");
    for ((line, id), answer) in BAD_PARAMS.iter().zip(&answers) {
        let id: Value = serde_json::from_str(id).unwrap();
        assert_eq!(answer["id"], id, "{line} → {answer}");
        assert_eq!(answer["error"]["code"], json!(-32602), "{line} → {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("tools/call: the params do not read ("),
            "{message}"
        );
        // The shape hint only where the shape was wrong, not for a value serde could not read.
        assert_eq!(
            message.contains("they take `name`"),
            !line.contains("\\ud800") && !line.contains("1e400"),
            "{message}"
        );
        assert!(!message.contains(" at line "), "{message}");
    }
    // serde quotes the value it refused; a long one is cut.
    let long = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "t", "arguments": "x".repeat(100_000)}});
    let Fast::BadParams(answer) = tool_call(&serde_json::to_vec(&long).unwrap()) else {
        panic!("not refused")
    };
    let answer = serde_json::to_value(&*answer).unwrap();
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.len() < 400 && message.contains('…'), "{message}");
}

#[tokio::test]
async fn the_same_bytes_read_as_through_rmcps_transport() {
    let mut input = Vec::new();
    for line in tricky_lines() {
        input.extend_from_slice(&line);
        input.push(b'\n');
    }
    // Around the length limit (rmcp's counts the `\n`), then a last line without one.
    let limit = 200;
    for len in [limit - 2, limit - 1, limit, limit + 1] {
        let pad = "p".repeat(len - 49);
        let line = format!(r#"{{"jsonrpc":"2.0","id":"{pad}","method":"ping"}}"#);
        assert_eq!(line.len(), len - 8);
        input.extend_from_slice(format!("{line}{}\n", " ".repeat(7)).as_bytes());
    }
    input.extend_from_slice(br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#);

    let ours = run(&input, |read, write| {
        StdioTransport::with_max_line_length(read, write, limit)
    })
    .await;
    let theirs = run(&input, |read, write| {
        rmcp::transport::async_rw::AsyncRwTransport::<RoleServer, _, _>::new_server(read, write)
            .with_max_line_length(limit)
    })
    .await;
    assert_eq!(ours, theirs);
    // The run saw messages and answers, so the comparison compared something.
    assert!(ours.0.len() >= 5, "{ours:?}");
    assert!(ours.1.contains("-32600"), "{ours:?}");
}

/// Everything a transport reads from `input` (as JSON) and everything it writes meanwhile.
async fn run<T, F>(input: &[u8], make: F) -> (Vec<Value>, String)
where
    T: Transport<RoleServer>,
    F: FnOnce(tokio::io::DuplexStream, tokio::io::DuplexStream) -> T,
{
    let (mut client_in, server_in) = tokio::io::duplex(1 << 20);
    let (server_out, mut client_out) = tokio::io::duplex(1 << 20);
    client_in.write_all(input).await.unwrap();
    drop(client_in);
    let mut transport = make(server_in, server_out);
    let mut read = Vec::new();
    for _ in 0..100 {
        let Some(message) = transport.receive().await else {
            break;
        };
        read.push(serde_json::to_value(&message).unwrap());
    }
    transport.close().await.unwrap();
    drop(transport);
    let mut written = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut client_out, &mut written)
        .await
        .unwrap();
    (read, written)
}

#[test]
fn decoding_a_line_ends_where_rmcps_codec_does() {
    for line in tricky_lines() {
        let shown = String::from_utf8_lossy(&line).into_owned();
        let ours = match decode(&mut JsonRpcMessageCodec::default(), &line) {
            Decoded::Message(m) => Some(serde_json::to_value(&*m).unwrap()),
            _ => None,
        };
        let mut framed = BytesMut::from([line.as_slice(), b"\n"].concat().as_slice());
        let theirs =
            match JsonRpcMessageCodec::<ClientJsonRpcMessage>::default().decode(&mut framed) {
                Ok(Some(m)) => Some(serde_json::to_value(&m).unwrap()),
                _ => None,
            };
        assert_eq!(ours, theirs, "{shown}");
    }
}

#[tokio::test]
async fn an_answer_owed_is_written_once_even_if_receive_is_canceled() {
    let (mut client_in, server_in) = tokio::io::duplex(1 << 16);
    // Room for 8 bytes: the answer cannot be flushed until someone reads.
    let (server_out, mut client_out) = tokio::io::duplex(8);
    let mut transport = StdioTransport::new(server_in, server_out);
    client_in.write_all(b"{\"hello\":1}\n").await.unwrap();
    drop(client_in);
    let canceled =
        tokio::time::timeout(std::time::Duration::from_millis(50), transport.receive()).await;
    assert!(canceled.is_err(), "the flush should have been stuck");
    let reader = tokio::spawn(async move {
        let mut written = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut client_out, &mut written)
            .await
            .unwrap();
        written
    });
    assert!(transport.receive().await.is_none());
    transport.close().await.unwrap();
    drop(transport);
    let written = tokio::time::timeout(std::time::Duration::from_secs(5), reader)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(written.matches("-32600").count(), 1, "{written}");
}

#[tokio::test]
async fn the_transport_reads_calls_answers_junk_and_writes_lines() {
    let (mut client_in, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, client_out) = tokio::io::duplex(1 << 16);
    let mut transport = StdioTransport::new(server_in, server_out);
    let mut out = BufReader::new(client_out).lines();
    client_in
        .write_all(
            b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n\
              \n\
              not json\n\
              {\"jsonrpc\":\"2.0\",\"method\":\"notifications/lsp-thing\"}\n\
              {\"hello\":1}\n\
              {\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"t\"}}\r\n",
        )
        .await
        .unwrap();
    drop(client_in);

    let first = transport.receive().await.unwrap();
    assert!(
        matches!(&first, ClientJsonRpcMessage::Request(r) if matches!(r.request, ClientRequest::PingRequest(_))),
        "{first:?}"
    );
    // A notification rmcp does not know still reaches it (it reads it as a custom one), as before.
    let custom = transport.receive().await.unwrap();
    assert!(
        matches!(&custom, ClientJsonRpcMessage::Notification(_)),
        "{custom:?}"
    );
    let second = transport.receive().await.unwrap();
    assert!(
        matches!(&second, ClientJsonRpcMessage::Request(r) if matches!(r.request, ClientRequest::CallToolRequest(_))),
        "{second:?}"
    );
    // `{"hello":1}` was answered with Invalid Request before the call was read.
    let answer: Value = serde_json::from_str(&out.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(answer["error"]["code"], json!(-32600), "{answer}");
    assert_eq!(answer["id"], Value::Null);

    transport
        .send(ServerJsonRpcMessage::response(
            rmcp::model::ServerResult::empty(()),
            RequestId::Number(1),
        ))
        .await
        .unwrap();
    let written: Value = serde_json::from_str(&out.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(written["id"], json!(1));
    assert!(transport.receive().await.is_none(), "end of input");
    transport.close().await.unwrap();
    assert!(
        transport
            .send(ServerJsonRpcMessage::response(
                rmcp::model::ServerResult::empty(()),
                RequestId::Number(2),
            ))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_session_ends_when_stdout_is_gone() {
    let (mut client_in, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, client_out) = tokio::io::duplex(1 << 16);
    let mut transport = StdioTransport::new(server_in, server_out);
    client_in
        .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
        .await
        .unwrap();
    assert!(transport.receive().await.is_some());
    // The client closes its end of stdout but keeps stdin open.
    drop(client_out);
    let answer =
        ServerJsonRpcMessage::response(rmcp::model::ServerResult::empty(()), RequestId::Number(1));
    assert!(transport.send(answer).await.is_err());
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), transport.receive()).await;
    assert!(
        matches!(ended, Ok(None)),
        "reading went on with stdout gone"
    );
    drop(client_in);
}
