//! What the demo agent does with a message: pick a skill, then answer at once or run a task.
//!
//! Routing: `message.metadata.skillId` (the bridge puts the tool's skill there) wins; otherwise the first word of
//! the text names the skill (`work 10`); otherwise the message is echoed. Two behaviours are not on the card and
//! are reached by their first word only, for the benchmarks: `bench-stream N [MS]` (N working updates MS
//! milliseconds apart, each carrying its emit time as `t=<unix nanos>`) and `big N` (a reply of N bytes).
//!
//! A message with a `taskId` continues that task: only a task waiting for input (`ask`) takes one.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::sync::broadcast;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use super::RpcError;
use super::store::{Job, Store, TaskEntry};
use crate::a2a::error::{TASK_NOT_FOUND, UNSUPPORTED_OPERATION};
use crate::a2a::{Artifact, Message, Part, Role, StreamEvent, Task, TaskState};

/// A skill as the card lists it.
pub struct SkillInfo {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub examples: &'static [&'static str],
    /// The card's `inputModes` for the skill (A2A v0.3 §5.5.4).
    pub input_modes: &'static [&'static str],
}

/// What most skills take: text only.
const TEXT_ONLY: &[&str] = &["text/plain"];

/// The skills on the card, in card order (the bridge makes `demo_stream`, `demo_work`, … from them).
pub const SKILLS: [SkillInfo; 6] = [
    SkillInfo {
        id: "stream",
        name: "Stream",
        description: "Streams a short answer about your message in chunks, after a 'working' status: \
                      each chunk reaches the MCP client as a progress notification.",
        examples: &["Tell me about the bridge"],
        input_modes: TEXT_ONLY,
    },
    SkillInfo {
        id: "work",
        name: "Work",
        description: "Works for the number of seconds in the message (default 5, at most 600), reporting \
                      progress every second. Cancel it with cancel_task; a call that runs out of wait time \
                      returns a task_id to collect with get_task.",
        examples: &["10", "work 30s"],
        input_modes: TEXT_ONLY,
    },
    SkillInfo {
        id: "ask",
        name: "Ask",
        description: "Asks for your name before answering (the task becomes input-required); answer by \
                      calling again with the task_id and your name as the message.",
        examples: &["Say hello"],
        input_modes: TEXT_ONLY,
    },
    SkillInfo {
        id: "echo",
        name: "Echo",
        description: "Replies with your message at once.",
        examples: &["hello"],
        input_modes: TEXT_ONLY,
    },
    SkillInfo {
        id: "files",
        name: "Files",
        description: "Reports the files sent with your message: for each, its name, media type, size in bytes \
                      and the start of its SHA-256 (a file sent by URI is named, not fetched).",
        examples: &["What did I send?"],
        input_modes: &["text/plain", "*/*"],
    },
    SkillInfo {
        id: "long",
        name: "Long",
        description: "Answers with an artifact of as many numbered lines as the number in the message \
                      (default 5000, at most 100000), for trying how the bridge handles long outputs.",
        examples: &["5000", "long 20000"],
        input_modes: TEXT_ONLY,
    },
];

/// `work` without a number: long enough to watch progress, short enough not to bore.
const DEFAULT_WORK: Duration = Duration::from_secs(5);
/// The longest `work`: the bridge's default cap on a call's wait (`max_wait_seconds`).
const MAX_WORK: Duration = Duration::from_secs(600);
/// Pause between the chunks of a `stream` answer: slow enough to watch, about 1.5 s in all.
const STREAM_CHUNK_PAUSE: Duration = Duration::from_millis(120);
/// Words per `stream` chunk.
const WORDS_PER_CHUNK: usize = 3;
/// `bench-stream` defaults: the streaming-relay benchmark's 1,000 events, one per millisecond.
const DEFAULT_BENCH_EVENTS: u64 = 1000;
const DEFAULT_BENCH_INTERVAL_MS: u64 = 1;
const MAX_BENCH_EVENTS: u64 = 100_000;
/// `big` default and cap: 16 MiB is far past what any MCP client shows, and bounds what one request can allocate.
const DEFAULT_BIG_BYTES: usize = 1024;
const MAX_BIG_BYTES: usize = 16 * 1024 * 1024;
/// `long` default and cap, in lines: the default's about 350,000 characters are past the bridge's default
/// `inline_artifact_chars`, and the cap keeps the artifact under 10 MB.
const DEFAULT_LONG_LINES: usize = 5000;
const MAX_LONG_LINES: usize = 100_000;
/// Hex digits of a file's SHA-256 the `files` skill reports.
const SHA256_SHOWN: usize = 16;

/// What a message started.
pub enum Started {
    /// A direct reply: no task.
    Reply(Message),
    /// A task, its state when the request was answered, and every event after that.
    Task {
        entry: Arc<TaskEntry>,
        snapshot: Task,
        events: broadcast::Receiver<StreamEvent>,
    },
}

enum Route {
    Echo,
    Big,
    Files,
    Task(Job),
}

/// Routes `message` and starts whatever it asks for. Workers stop with `shutdown`.
pub fn start(
    store: &Store,
    shutdown: &CancellationToken,
    message: Message,
) -> Result<Started, RpcError> {
    if let Some(task_id) = message.task_id.clone().filter(|t| !t.is_empty()) {
        return resume(store, &task_id, &message);
    }
    let (route, text) = route(&message);
    let context_id = message
        .context_id
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let job = match route {
        Route::Echo => return Ok(Started::Reply(reply(context_id, text))),
        Route::Big => {
            let bytes = first_number(&text)
                .map(|n| n as usize)
                .unwrap_or(DEFAULT_BIG_BYTES)
                .min(MAX_BIG_BYTES);
            return Ok(Started::Reply(reply(context_id, big_text(bytes))));
        }
        Route::Files => {
            return Ok(Started::Reply(reply(
                context_id,
                files_report(&message.parts),
            )));
        }
        Route::Task(job) => job,
    };
    let entry = store.create(context_id, job, shutdown.child_token())?;
    let (snapshot, events) = entry.watch();
    let worker = Arc::clone(&entry);
    match job {
        Job::Stream => spawn_worker(&entry, stream(worker, text)),
        Job::Work => {
            let secs = first_number(&text).unwrap_or(DEFAULT_WORK.as_secs_f64());
            let total = crate::time::secs_clamped(secs, MAX_WORK);
            spawn_worker(&entry, work(worker, total));
        }
        Job::Ask => spawn_worker(&entry, ask(worker)),
        Job::Long => {
            let lines = first_number(&text)
                .map(|n| n as usize)
                .unwrap_or(DEFAULT_LONG_LINES)
                .min(MAX_LONG_LINES);
            spawn_worker(&entry, long(worker, lines));
        }
        Job::BenchStream => {
            let mut numbers = text.split_whitespace().filter_map(parse_number);
            let count = numbers
                .next()
                .map(|n| n as u64)
                .unwrap_or(DEFAULT_BENCH_EVENTS)
                .min(MAX_BENCH_EVENTS);
            let interval = numbers
                .next()
                .map(|n| n as u64)
                .unwrap_or(DEFAULT_BENCH_INTERVAL_MS)
                .min(1000);
            spawn_worker(
                &entry,
                bench_stream(worker, count, Duration::from_millis(interval)),
            );
        }
    }
    Ok(Started::Task {
        entry,
        snapshot,
        events,
    })
}

/// A follow-up message on an existing task: the answer to `ask`'s question.
fn resume(store: &Store, task_id: &str, message: &Message) -> Result<Started, RpcError> {
    let entry = store
        .get(task_id)
        .ok_or_else(|| RpcError::new(TASK_NOT_FOUND, format!("task {task_id} not found")))?;
    let state = entry.state();
    if entry.job != Job::Ask || state != TaskState::InputRequired {
        let hint = if state.is_terminal() {
            "; send a message without a task id to start a new task"
        } else {
            ""
        };
        return Err(RpcError::new(
            UNSUPPORTED_OPERATION,
            format!("task {task_id} is {state} and takes no further messages{hint}"),
        ));
    }
    // Another answer may have raced this one to the task: only the first moves it on.
    if !entry.set_status_from(TaskState::InputRequired, TaskState::Working, None) {
        return Err(RpcError::new(
            UNSUPPORTED_OPERATION,
            format!("task {task_id} has already been answered"),
        ));
    }
    let (snapshot, events) = entry.watch();
    let name = message.text().trim().to_owned();
    spawn_worker(&entry, greet(Arc::clone(&entry), name));
    Ok(Started::Task {
        entry,
        snapshot,
        events,
    })
}

fn route(message: &Message) -> (Route, String) {
    let text = message.text();
    let skill_id = message
        .metadata
        .as_ref()
        .and_then(|m| m.get("skillId"))
        .and_then(Value::as_str);
    if let Some(route) = skill_id.and_then(card_route) {
        return (route, text);
    }
    let trimmed = text.trim_start();
    let (first, rest) = trimmed
        .split_once(char::is_whitespace)
        .unwrap_or((trimmed, ""));
    let by_word = match first.to_ascii_lowercase().as_str() {
        "bench-stream" => Some(Route::Task(Job::BenchStream)),
        "big" => Some(Route::Big),
        word => card_route(word),
    };
    match by_word {
        Some(route) => (route, rest.trim().to_owned()),
        None => (Route::Echo, text),
    }
}

/// The skills on the card, by id.
fn card_route(id: &str) -> Option<Route> {
    Some(match id {
        "stream" => Route::Task(Job::Stream),
        "work" => Route::Task(Job::Work),
        "ask" => Route::Task(Job::Ask),
        "echo" => Route::Echo,
        "files" => Route::Files,
        "long" => Route::Task(Job::Long),
        _ => return None,
    })
}

/// `10`, `10s`, `2.5 seconds`: a non-negative number at the start of a word.
fn parse_number(word: &str) -> Option<f64> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    digits
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
}

fn first_number(text: &str) -> Option<f64> {
    text.split_whitespace().find_map(parse_number)
}

fn reply(context_id: String, text: String) -> Message {
    Message {
        message_id: uuid::Uuid::new_v4().to_string(),
        role: Role::Agent,
        parts: vec![Part::text(text)],
        context_id: Some(context_id),
        task_id: None,
        metadata: None,
    }
}

/// One line per file part of `parts`: name, media type, size and the start of its SHA-256; a file by URI is
/// named with its URI, not fetched. Bytes that are not valid base64 are reported as such.
fn files_report(parts: &[Part]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let mut lines = Vec::new();
    for part in parts {
        let Part::File {
            bytes,
            uri,
            media_type,
            name,
        } = part
        else {
            continue;
        };
        let name = crate::a2a::wire::truncate_str(name.as_deref().unwrap_or(""), 200);
        let name = if name.is_empty() {
            "(no name)".to_owned()
        } else {
            format!("{name:?}")
        };
        let media_type = media_type.as_deref().unwrap_or("no media type");
        let what = match (bytes, uri) {
            (Some(b), _) => match base64::engine::general_purpose::STANDARD.decode(b.trim()) {
                Ok(data) => {
                    let hash = hex_prefix(&sha2::Sha256::digest(&data), SHA256_SHOWN);
                    format!("{} bytes, sha256 {hash}…", data.len())
                }
                Err(_) => "bytes that are not valid base64".to_owned(),
            },
            (None, Some(uri)) => format!("by URI {}", crate::a2a::wire::truncate_str(uri, 200)),
            (None, None) => "no content".to_owned(),
        };
        lines.push(format!("- {name} ({media_type}): {what}"));
    }
    if lines.is_empty() {
        "You sent no files: attach some with the tool's files argument.".to_owned()
    } else {
        format!("You sent {} file(s):\n{}", lines.len(), lines.join("\n"))
    }
}

/// The first `digits` hex digits of `bytes`.
fn hex_prefix(bytes: &[u8], digits: usize) -> String {
    let mut out: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    out.truncate(digits);
    out
}

/// The `long` answer: `lines` numbered lines of text.
fn long_text(lines: usize) -> String {
    let mut text = String::with_capacity(lines * 72);
    for i in 1..=lines {
        if i > 1 {
            text.push('\n');
        }
        text.push_str(&format!(
            "Line {i} of {lines}: the quick brown fox jumps over the lazy dog."
        ));
    }
    text
}

/// `bytes` bytes of text that end in a non-space, so nothing trims them on the way.
fn big_text(bytes: usize) -> String {
    const LINE: &str = "The quick brown fox jumps over the lazy dog. ";
    let mut text = LINE.repeat(bytes / LINE.len() + 1);
    text.truncate(bytes);
    if text.ends_with(' ') {
        text.pop();
        text.push('.');
    }
    text
}

fn text_artifact(id: &str, text: String) -> Artifact {
    Artifact {
        artifact_id: id.to_owned(),
        name: Some(id.to_owned()),
        description: None,
        parts: vec![Part::text(text)],
    }
}

/// Runs `work` for the task until it ends or the task's `stop` token fires (cancel, eviction, shutdown).
fn spawn_worker<F>(entry: &Arc<TaskEntry>, work: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let stop = entry.stop.clone();
    let handle = tokio::spawn(async move {
        tokio::select! {
            () = stop.cancelled() => {}
            () = work => {}
        }
    });
    entry.set_worker(handle.abort_handle());
}

async fn stream(entry: Arc<TaskEntry>, topic: String) {
    entry.set_status(TaskState::Working, Some("Writing the answer…".into()));
    let topic = crate::a2a::wire::truncate_str(topic.trim(), 200);
    let opening = if topic.is_empty() {
        "You sent no topic, so here is one about streaming.".to_owned()
    } else {
        format!("You asked about \"{topic}\".")
    };
    let answer = format!(
        "{opening} This answer is streamed: the demo agent sends it as a series of artifact chunks, and the \
         bridge relays each chunk to your MCP client as a progress notification while the rest is still being \
         written. When the last chunk arrives the task completes, and the whole text comes back as the tool result."
    );
    let words: Vec<&str> = answer.split_inclusive(' ').collect();
    let chunks: Vec<String> = words.chunks(WORDS_PER_CHUNK).map(|c| c.concat()).collect();
    let last = chunks.len().saturating_sub(1);
    for (i, chunk) in chunks.into_iter().enumerate() {
        tokio::time::sleep(STREAM_CHUNK_PAUSE).await;
        entry.add_artifact(text_artifact("answer", chunk), i > 0, i == last);
    }
    entry.set_status(TaskState::Completed, None);
}

async fn work(entry: Arc<TaskEntry>, total: Duration) {
    let secs = format_secs(total);
    entry.set_status(
        TaskState::Working,
        Some(format!("Working: 0 of {secs} s done.")),
    );
    let start = Instant::now();
    let end = start + total;
    let mut done = 0u64;
    loop {
        let next = start + Duration::from_secs(done + 1);
        if next >= end {
            tokio::time::sleep_until(end).await;
            break;
        }
        tokio::time::sleep_until(next).await;
        done += 1;
        entry.set_status(
            TaskState::Working,
            Some(format!("Working: {done} of {secs} s done.")),
        );
    }
    entry.add_artifact(
        text_artifact("result", format!("Done: worked for {secs} s.")),
        false,
        true,
    );
    entry.set_status(TaskState::Completed, None);
}

fn format_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

async fn ask(entry: Arc<TaskEntry>) {
    entry.set_status(TaskState::InputRequired, Some("What is your name?".into()));
}

async fn greet(entry: Arc<TaskEntry>, name: String) {
    let name = if name.is_empty() {
        "stranger".to_owned()
    } else {
        crate::a2a::wire::truncate_str(&name, 100)
    };
    entry.add_artifact(
        text_artifact("greeting", format!("Hello, {name}! Nice to meet you.")),
        false,
        true,
    );
    entry.set_status(TaskState::Completed, None);
}

async fn long(entry: Arc<TaskEntry>, lines: usize) {
    entry.set_status(TaskState::Working, None);
    entry.add_artifact(text_artifact("long", long_text(lines)), false, true);
    entry.set_status(TaskState::Completed, None);
}

async fn bench_stream(entry: Arc<TaskEntry>, count: u64, interval: Duration) {
    let mut ticks = (!interval.is_zero()).then(|| {
        let mut t = tokio::time::interval(interval);
        t.set_missed_tick_behavior(MissedTickBehavior::Delay);
        t
    });
    for i in 1..=count {
        match &mut ticks {
            Some(t) => {
                t.tick().await;
            }
            None => tokio::task::yield_now().await,
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        entry.set_status(
            TaskState::Working,
            Some(format!("bench-stream {i}/{count} t={now}")),
        );
    }
    entry.add_artifact(
        text_artifact("result", format!("sent {count} events")),
        false,
        true,
    );
    entry.set_status(TaskState::Completed, None);
}

#[cfg(test)]
mod tests;
