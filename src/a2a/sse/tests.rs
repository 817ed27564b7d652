use futures::StreamExt;

use super::*;
use crate::a2a::types::TaskState;

async fn decode(chunks: &[&str]) -> Vec<Result<StreamEvent, A2aError>> {
    let owned: Vec<Result<Vec<u8>, std::io::Error>> =
        chunks.iter().map(|c| Ok(c.as_bytes().to_vec())).collect();
    decode_events(futures::stream::iter(owned)).collect().await
}

#[tokio::test]
async fn crlf_comments_and_split_chunks() {
    let events = decode(&[
        ": ping - 2026-11-21\r\n\r\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"kind\":\"status-update\",\"taskId\":\"t\",\"contextId\":\"c\",\"final\":false,",
        "\"status\":{\"state\":\"working\"}}}\r\n\r\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"statusUpdate\":{\"taskId\":\"t\",\"contextId\":\"c\",\"status\":{\"state\":\"TASK_STATE_COMPLETED\"}}}}\n\n",
    ])
    .await;
    assert_eq!(events.len(), 2);
    assert!(
        matches!(&events[0], Ok(StreamEvent::Status { status, .. }) if status.state == TaskState::Working)
    );
    assert!(matches!(
        &events[1],
        Ok(StreamEvent::Status { is_final: true, .. })
    ));
}

#[tokio::test]
async fn multi_line_data_is_joined() {
    let events = decode(&[
        "data: {\"jsonrpc\":\"2.0\",\"id\":1,\n",
        "data: \"result\":{\"kind\":\"message\",\"messageId\":\"m\",\"role\":\"agent\",\"parts\":[{\"kind\":\"text\",\"text\":\"hi\"}]}}\n\n",
    ])
    .await;
    assert!(matches!(&events[..], [Ok(StreamEvent::Message(m))] if m.text() == "hi"));
}

#[tokio::test]
async fn json_rpc_error_event_ends_the_stream() {
    let events = decode(&[
        "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32001,\"message\":\"Task not found\"}}\n\n",
        "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"kind\":\"message\",\"messageId\":\"m\",\"role\":\"agent\",\"parts\":[]}}\n\n",
    ])
    .await;
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], Err(e) if e.is_code(-32001)));
}

#[tokio::test]
async fn garbage_frame_is_an_error_not_a_panic() {
    let events = decode(&["data: {not json\n\n", "data: also bad\n\n"]).await;
    assert_eq!(events.len(), 1);
    assert!(matches!(&events[0], Err(A2aError::InvalidResponse(_))));
}

#[test]
fn error_event_name_without_json_rpc_error() {
    assert!(decode_frame(true, "{\"detail\":\"boom\"}").is_err());
}

#[tokio::test]
async fn an_endless_event_is_cut_off() {
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(b"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"kind\":\"message\",\"messageId\":\"m\",\"role\":\"agent\",\"parts\":[]}}\r\n\r\n".to_vec()),
        Ok(vec![b'x'; 600]),
        Ok(vec![b'x'; 600]),
    ];
    let events: Vec<_> = decode_events_limited(futures::stream::iter(chunks), 1000)
        .collect()
        .await;
    assert!(matches!(&events[0], Ok(StreamEvent::Message(_))));
    assert!(
        matches!(&events[1], Err(A2aError::InvalidResponse(m)) if m.contains("larger than 1000 bytes")),
        "{events:?}"
    );
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn lone_cr_and_crlf_split_over_chunks_are_line_ends() {
    let event = |id: u32, state: &str| {
        format!(
            "data: {{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{{\"kind\":\"status-update\",\"taskId\":\"t\",\"contextId\":\"c\",\"final\":false,\"status\":{{\"state\":\"{state}\"}}}}}}"
        )
    };
    // Lone CRs (the SSE spec allows them), a comment and an `event:` line, then a CRLF cut between chunks.
    let first = format!(
        "{}\r\r: keep-alive\revent: message\r{}\r\r",
        event(1, "submitted"),
        event(1, "working")
    );
    let second = format!("{}\r", event(1, "input-required"));
    let events = decode(&[&first, &second, "\n\r", "\n"]).await;
    let states: Vec<TaskState> = events
        .iter()
        .map(|e| match e {
            Ok(StreamEvent::Status { status, .. }) => status.state,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        states,
        [
            TaskState::Submitted,
            TaskState::Working,
            TaskState::InputRequired
        ]
    );
}

/// A stream may start with a byte order mark (split over chunks, here); the decoder `sse` replaced panicked on it.
#[tokio::test]
async fn a_leading_byte_order_mark_is_dropped() {
    let bom = "\u{feff}".as_bytes();
    let message = "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"kind\":\"message\",\"messageId\":\"m\",\"role\":\"agent\",\"parts\":[{\"kind\":\"text\",\"text\":\"hi\"}]}}\n\n";
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
        Ok(bom[..1].to_vec()),
        Ok([&bom[1..], message.as_bytes()].concat()),
    ];
    let events: Vec<_> = decode_events(futures::stream::iter(chunks)).collect().await;
    assert!(
        matches!(&events[..], [Ok(StreamEvent::Message(m))] if m.text() == "hi"),
        "{events:?}"
    );
}

/// An empty chunk between the CR and the LF of one line end does not make them two line ends (which would end
/// the event early).
#[tokio::test]
async fn an_empty_chunk_inside_a_crlf_keeps_it_one_line_end() {
    let frames = frames_of(
        &[
            b"data: a\r".to_vec(),
            Vec::new(),
            b"\ndata: b\r\n\r\n".to_vec(),
        ],
        1 << 10,
    );
    assert_eq!(frames, (vec![(false, "a\nb".to_owned())], false));
}

#[test]
fn an_oversized_line_is_refused_before_it_is_held() {
    // A chunk with no line end, larger than the cap: refused without keeping it.
    let mut frames = Frames::new(64);
    assert!(frames.feed(&[b'a'; 1000]).is_err());
    assert!(frames.partial.len() <= 64, "held {}", frames.partial.len());

    // The start of a line held from one chunk, its too-long end in the next: not joined to read it.
    let mut frames = Frames::new(64);
    frames.feed(b"data: aaaa").unwrap();
    let mut tail = vec![b'a'; 1000];
    tail.push(b'\n');
    assert!(frames.feed(&tail).is_err());
    assert!(
        frames.partial.capacity() < 1000,
        "grew to {}",
        frames.partial.capacity()
    );
}

#[tokio::test]
async fn events_before_a_broken_line_in_the_same_chunk_are_delivered_first() {
    let mut chunk = b"data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"kind\":\"status-update\",\"taskId\":\"t\",\"contextId\":\"c\",\"final\":true,\"status\":{\"state\":\"completed\"}}}\n\n".to_vec();
    chunk.extend_from_slice(b"data: \xff\xfe\n\n");
    let events: Vec<_> = decode_events(futures::stream::iter([Ok::<_, std::io::Error>(chunk)]))
        .collect()
        .await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(matches!(
        &events[0],
        Ok(StreamEvent::Status { is_final: true, .. })
    ));
    assert!(matches!(&events[1], Err(A2aError::InvalidResponse(m)) if m.contains("UTF8")));
}

#[test]
fn an_event_the_stream_ends_inside_is_not_dispatched() {
    // WHATWG HTML, interpreting an event stream: at the end of the stream, an event not ended by a blank line
    // is discarded (eventsource-stream did the same). The follower then looks the task up instead.
    let chunks = vec![
        b"data: 1\n\n".to_vec(),
        b"data: 2\n".to_vec(),
        b"data: 3".to_vec(),
    ];
    let (frames, failed) = frames_of(&chunks, 1024);
    assert_eq!(frames, vec![(false, "1".to_owned())]);
    assert!(!failed);
}

/// Only the stream's first byte order mark is dropped: one anywhere else is part of the field name, which is
/// then unknown and ignored.
#[test]
fn a_byte_order_mark_after_the_start_is_not_dropped() {
    let chunks = vec![
        "\u{feff}\u{feff}data: 1\n\n: c\n\u{feff}data: 2\n\ndata: 3\n\n"
            .as_bytes()
            .to_vec(),
    ];
    assert_eq!(
        frames_of(&chunks, 1024),
        (vec![(false, "3".to_owned())], false)
    );
}
