use proptest::prelude::*;
use rmcp::model::{GetExtensions, RequestMetaObject};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::*;

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
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "t", "arguments": {"s": "é \u{1F600} \"q\" \\ \n"}, "_meta": {"io.modelcontextprotocol/related-task": {"taskId": "t1"}, "progressToken": "p"}}, "extra": 1}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "t", "arguments": {}, "task": {"ttl": 1000}}}),
    ];
    for line in lines {
        let line = serde_json::to_vec(&line).unwrap();
        let fast = tool_call(&line).expect("the fast path takes it");
        same(&fast, &by_rmcp(&line).expect("rmcp reads it"));
    }
    // Escaped method names and keys in another order are still the same request.
    let line = br#"{"method":"tools\/call","id":9,"params":{"name":"t"},"jsonrpc":"2.0"}"#;
    same(&tool_call(line).unwrap(), &by_rmcp(line).unwrap());
}

#[test]
fn everything_else_is_left_to_rmcp() {
    let lines: [&[u8]; 10] = [
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
        br#"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"t"}}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"},"result":null}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"},"error":{}}"#,
        br#"{"jsonrpc":"1.0","id":1,"method":"tools/call","params":{"name":"t"}}"#,
        br#"{"id":1,"method":"tools/call","params":{"name":"t"}}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}"#,
        br#"{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/call","params":{"name":"t"}}"#,
        br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}"#,
        br#"[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}]"#,
    ];
    for line in lines {
        assert!(
            tool_call(line).is_none(),
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
        let fast = tool_call(&line).expect("the fast path takes it");
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
    let mut lines = Lines::new(16);
    let mut buf = BytesMut::from(&b"{\"a\":1}\r\n0123456789abcdefXYZ\n{}\npartial"[..]);
    assert_eq!(
        lines.decode(&mut buf).unwrap().as_deref(),
        Some(&b"{\"a\":1}\r"[..])
    );
    // The overlong line is dropped whole, and the next one comes through.
    assert_eq!(lines.decode(&mut buf).unwrap().as_deref(), Some(&b"{}"[..]));
    assert_eq!(lines.decode(&mut buf).unwrap(), None);
    // An unterminated last line is not a message.
    assert_eq!(lines.decode_eof(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
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
