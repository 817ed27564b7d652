//! Routing a message to a skill, and reading numbers out of messages.

use serde_json::json;

use super::*;

fn message(text: &str, skill_id: Option<&str>) -> Message {
    Message {
        message_id: "m".into(),
        role: Role::User,
        parts: vec![Part::text(text)],
        context_id: None,
        task_id: None,
        metadata: skill_id.map(|s| json!({"skillId": s})),
    }
}

fn routed(text: &str, skill_id: Option<&str>) -> (&'static str, String) {
    let (route, text) = route(&message(text, skill_id));
    let name = match route {
        Route::Echo => "echo",
        Route::Big => "big",
        Route::Files => "files",
        Route::Task(Job::Long) => "long",
        Route::Task(Job::Stream) => "stream",
        Route::Task(Job::Work) => "work",
        Route::Task(Job::Ask) => "ask",
        Route::Task(Job::BenchStream) => "bench-stream",
    };
    (name, text)
}

/// The skill id wins over the text; then the first word; then echo.
#[test]
fn messages_route_by_skill_id_then_first_word() {
    let cases: &[(&str, Option<&str>, (&str, &str))] = &[
        ("10", Some("work"), ("work", "10")),
        ("work 10s", Some("work"), ("work", "work 10s")),
        ("stream me", Some("echo"), ("echo", "stream me")),
        ("work 3", None, ("work", "3")),
        ("  Stream   about rust", None, ("stream", "about rust")),
        ("ask", None, ("ask", "")),
        ("bench-stream 1000 1", None, ("bench-stream", "1000 1")),
        ("big 1048576", None, ("big", "1048576")),
        ("hello there", None, ("echo", "hello there")),
        ("hello", Some("unknown-skill"), ("echo", "hello")),
        ("bench-stream 5", Some("echo"), ("echo", "bench-stream 5")),
    ];
    for (text, skill, (want_route, want_text)) in cases {
        let (route, rest) = routed(text, *skill);
        assert_eq!(
            (route, rest.as_str()),
            (*want_route, *want_text),
            "{text:?} {skill:?}"
        );
    }
}

/// Numbers with units, fractions, and words that are not numbers.
#[test]
fn numbers_are_read_from_words() {
    assert_eq!(first_number("10"), Some(10.0));
    assert_eq!(first_number("work 10s"), Some(10.0));
    assert_eq!(first_number("for 2.5 seconds"), Some(2.5));
    assert_eq!(first_number("no number"), None);
    assert_eq!(first_number("-3"), None);
    assert_eq!(first_number("inf"), None);
}

/// `big N` is exactly N bytes.
#[test]
fn big_replies_have_the_asked_size() {
    for n in [0, 1, 4, 45, 1024, 1 << 20] {
        let text = big_text(n);
        assert_eq!(text.len(), n);
        assert_eq!(text.trim_end().len(), n);
    }
}
