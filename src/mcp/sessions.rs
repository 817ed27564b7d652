//! `Sessions`: rmcp's in-memory `LocalSessionManager` for Streamable HTTP sessions, with two things it lacks.
//!
//! - **Per-revision SSE.** A priming event (an SSE event with an id and empty data, MCP 2025-11-25 SEP-1699)
//!   goes only to sessions that negotiated 2025-11-25 or later. Older clients (TypeScript SDK up to 1.2x, the
//!   client in Gemini CLI) parse every `data:` as JSON and drop the server on the empty one. rmcp primes every
//!   stream; here the request streams are primed per session, and the `initialize` response and the `GET`
//!   stream are not primed at all (`http::rmcp_config` turns rmcp's own priming off): nothing on them is worth
//!   resuming before their first real event.
//! - **Replay after a dropped stream** (MCP 2025-11-25 basic/transports, "Resumability and Redelivery"). Every
//!   POST response stream is pumped by a task of its own and recorded, so a call's events (progress, then the
//!   result) are kept even when the client's connection drops. A `GET` with `Last-Event-ID: N/R` gets exactly
//!   the events of stream `R` after `N`, then the rest live while the call runs. rmcp 3.11 forgets a stream
//!   once its response is sent (the client gets an empty stream) and replays from `N` itself (the client gets
//!   that event twice).
//!
//! The record is bounded per session: the last `MAX_EVENTS_PER_STREAM` events of each stream (the final
//! response is always the last), at most `MAX_FINISHED_STREAMS` finished streams, each kept `FINISHED_TTL`.
//! It goes with the session (DELETE, idle timeout, shutdown).

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use rmcp::model::{ClientJsonRpcMessage, ProtocolVersion, ServerJsonRpcMessage, ServerResult};
use rmcp::transport::WorkerTransport;
use rmcp::transport::streamable_http_server::session::local::{
    LocalSessionManager, LocalSessionManagerError, LocalSessionWorker,
};
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId};
use rmcp::transport::streamable_http_server::{RestoreOutcome, SessionManager};
use tokio::sync::{mpsc, watch};

/// Events kept per stream: progress beyond this is dropped from the front; the final response is the last.
pub const MAX_EVENTS_PER_STREAM: usize = 64;
/// Finished streams kept per session for a late reconnection.
pub const MAX_FINISHED_STREAMS: usize = 8;
/// How long a finished stream stays replayable (rmcp keeps its own finished caches as long).
pub const FINISHED_TTL: Duration = Duration::from_secs(60);
/// Buffer between a stream's pump and the client's connection (rmcp's own session channel capacity).
const CHANNEL: usize = 16;

/// The session manager handed to rmcp's `StreamableHttpService`. See the module docs.
#[derive(Default)]
pub struct Sessions {
    inner: LocalSessionManager,
    records: Arc<Records>,
}

/// What is kept of every open session, by session id.
type Records = Mutex<HashMap<SessionId, SessionRecord>>;

fn lock(records: &Records) -> std::sync::MutexGuard<'_, HashMap<SessionId, SessionRecord>> {
    records.lock().unwrap_or_else(|e| e.into_inner())
}

fn register(records: &Records, id: &SessionId, request: u64, stream: Arc<StreamRecord>) {
    if let Some(session) = lock(records).get_mut(id) {
        session.prune();
        session.streams.insert(request, stream);
    }
}

/// What is kept per session.
struct SessionRecord {
    /// The negotiated revision has SSE priming events (2025-11-25 or later).
    priming: bool,
    /// Response streams by rmcp's per-session HTTP request number (the `R` of event id `N/R`).
    streams: HashMap<u64, Arc<StreamRecord>>,
}

/// One POST response stream: its events so far, whether it has ended, and a signal for replay readers.
struct StreamRecord {
    log: Mutex<StreamLog>,
    changed: watch::Sender<()>,
}

#[derive(Default)]
struct StreamLog {
    /// `(index, event)`, in order; only events carrying a message.
    events: VecDeque<(u64, ServerSseMessage)>,
    finished: Option<Instant>,
}

impl StreamRecord {
    fn new() -> Self {
        StreamRecord {
            log: Mutex::new(StreamLog::default()),
            changed: watch::Sender::new(()),
        }
    }

    fn push(&self, index: u64, event: ServerSseMessage) {
        {
            let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            if log.events.len() >= MAX_EVENTS_PER_STREAM {
                log.events.pop_front();
            }
            log.events.push_back((index, event));
        }
        self.changed.send_replace(());
    }

    fn finish(&self) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).finished = Some(Instant::now());
        self.changed.send_replace(());
    }

    /// Events with an index above `after`, and whether the stream has ended.
    fn after(&self, after: Option<u64>) -> (Vec<(u64, ServerSseMessage)>, bool) {
        let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        let events = log
            .events
            .iter()
            .filter(|(i, _)| after.is_none_or(|a| *i > a))
            .cloned()
            .collect();
        (events, log.finished.is_some())
    }

    fn finished_at(&self) -> Option<Instant> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).finished
    }
}

impl SessionRecord {
    /// Drops finished streams past their time, then the oldest finished ones past the count.
    fn prune(&mut self) {
        self.streams
            .retain(|_, s| s.finished_at().is_none_or(|at| at.elapsed() < FINISHED_TTL));
        let mut finished: Vec<(Instant, u64)> = self
            .streams
            .iter()
            .filter_map(|(r, s)| s.finished_at().map(|at| (at, *r)))
            .collect();
        if finished.len() > MAX_FINISHED_STREAMS {
            finished.sort_unstable();
            for (_, r) in &finished[..finished.len() - MAX_FINISHED_STREAMS] {
                self.streams.remove(r);
            }
        }
    }
}

/// An SSE event id as rmcp's session worker writes it: `N/R` on a request stream, `N` on the `GET` stream.
fn parse_event_id(id: &str) -> Option<(u64, Option<u64>)> {
    match id.split_once('/') {
        Some((n, r)) => Some((n.parse().ok()?, Some(r.parse().ok()?))),
        None => Some((id.parse().ok()?, None)),
    }
}

/// Whether a revision has SSE priming events (MCP 2025-11-25, SEP-1699). Revisions are dates, so they order
/// as strings.
pub fn has_priming(version: &ProtocolVersion) -> bool {
    version.as_str() >= ProtocolVersion::V_2025_11_25.as_str()
}

/// A stream fed by a channel (`Sync`, as rmcp's service wants its streams).
pub struct ChannelStream(mpsc::Receiver<ServerSseMessage>);

impl Stream for ChannelStream {
    type Item = ServerSseMessage;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx)
    }
}

impl Sessions {
    /// `keep_alive`: a session idle this long is closed by rmcp (and its record dropped with it).
    pub fn new(keep_alive: Duration) -> Self {
        let mut inner = LocalSessionManager::default();
        inner.session_config.keep_alive = Some(keep_alive);
        Sessions {
            inner,
            records: Arc::default(),
        }
    }

    /// How many sessions are open.
    pub async fn count(&self) -> usize {
        self.inner.sessions.read().await.len()
    }

    /// Whether `id` names an open session.
    pub async fn exists(&self, id: &str) -> bool {
        self.inner.sessions.read().await.contains_key(id)
    }

    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, SessionRecord>> {
        lock(&self.records)
    }

    fn stream(&self, id: &SessionId, request: u64) -> Option<Arc<StreamRecord>> {
        self.records()
            .get(id)
            .and_then(|s| s.streams.get(&request).cloned())
    }

    fn primes(&self, id: &SessionId) -> bool {
        self.records().get(id).is_some_and(|s| s.priming)
    }
}

/// Reads one response stream from rmcp to its end, recording it and passing it on to the client for as long as
/// the client listens.
async fn pump(
    records: Arc<Records>,
    id: SessionId,
    mut source: impl Stream<Item = ServerSseMessage> + Send + Unpin,
    client: mpsc::Sender<ServerSseMessage>,
    priming: bool,
) {
    let mut client = Some(client);
    let mut record: Option<Arc<StreamRecord>> = None;
    while let Some(event) = source.next().await {
        let parsed = event.event_id.as_deref().and_then(parse_event_id);
        if record.is_none()
            && let Some((_, Some(request))) = parsed
        {
            let new = Arc::new(StreamRecord::new());
            register(&records, &id, request, Arc::clone(&new));
            record = Some(new);
        }
        if event.message.is_some() {
            if let (Some(record), Some((index, _))) = (&record, parsed) {
                record.push(index, event.clone());
            }
        } else if !priming {
            continue;
        }
        if let Some(tx) = &client
            && tx.send(event).await.is_err()
        {
            // The client went away; keep recording so it can reconnect and collect the rest.
            client = None;
        }
    }
    if let Some(record) = record {
        record.finish();
    }
}

/// Sends the events of `record` after `after` to `client`, then the ones still to come, until the stream ends
/// or the client goes away.
async fn replay(record: Arc<StreamRecord>, mut after: u64, client: mpsc::Sender<ServerSseMessage>) {
    let mut changed = record.changed.subscribe();
    loop {
        changed.borrow_and_update();
        let (events, finished) = record.after(Some(after));
        for (index, event) in events {
            after = index;
            if client.send(event).await.is_err() {
                return;
            }
        }
        if finished || changed.changed().await.is_err() {
            return;
        }
    }
}

/// rmcp's own stream of SSE events, boxed.
type SourceStream = Pin<Box<dyn Stream<Item = ServerSseMessage> + Send + Sync>>;
/// Which of rmcp's replayed events to pass on.
type KeepEvent = Box<dyn FnMut(&ServerSseMessage) -> std::future::Ready<bool> + Send + Sync>;
/// A resumed stream: replayed from the bridge's record, or rmcp's replay without what the client has.
type ResumeStream = futures::future::Either<
    ChannelStream,
    futures::stream::Filter<SourceStream, std::future::Ready<bool>, KeepEvent>,
>;

impl SessionManager for Sessions {
    type Error = LocalSessionManagerError;
    type Transport = WorkerTransport<LocalSessionWorker>;

    async fn create_session(&self) -> Result<(SessionId, Self::Transport), Self::Error> {
        self.inner.create_session().await
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, Self::Error> {
        let response = self.inner.initialize_session(id, message).await?;
        let priming = match &response {
            ServerJsonRpcMessage::Response(r) => match &r.result {
                ServerResult::InitializeResult(init) => has_priming(&init.protocol_version),
                _ => false,
            },
            _ => false,
        };
        self.records().insert(
            id.clone(),
            SessionRecord {
                priming,
                streams: HashMap::new(),
            },
        );
        Ok(response)
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, Self::Error> {
        self.inner.has_session(id).await
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), Self::Error> {
        self.records().remove(id);
        self.inner.close_session(id).await
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let source = self.inner.create_stream(id, message).await?;
        let (tx, rx) = mpsc::channel(CHANNEL);
        let priming = self.primes(id);
        tokio::spawn(pump(
            Arc::clone(&self.records),
            id.clone(),
            Box::pin(source),
            tx,
            priming,
        ));
        Ok(ChannelStream(rx))
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), Self::Error> {
        self.inner.accept_message(id, message).await
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        self.inner.create_standalone_stream(id).await
    }

    async fn resume(
        &self,
        id: &SessionId,
        last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, Self::Error> {
        let parsed = parse_event_id(&last_event_id);
        if let Some((after, Some(request))) = parsed
            && let Some(record) = self.stream(id, request)
        {
            let (tx, rx) = mpsc::channel(CHANNEL);
            tokio::spawn(replay(record, after, tx));
            let stream: ResumeStream = futures::future::Either::Left(ChannelStream(rx));
            return Ok(stream);
        }
        // The GET stream (or a stream no longer kept): rmcp's own replay, without the event the client has.
        let after = parsed.map(|(n, _)| n);
        let source: SourceStream = Box::pin(self.inner.resume(id, last_event_id).await?);
        let keep: KeepEvent = Box::new(move |event: &ServerSseMessage| {
            let index = event
                .event_id
                .as_deref()
                .and_then(parse_event_id)
                .map(|(n, _)| n);
            std::future::ready(match (index, after) {
                (Some(i), Some(a)) => i > a,
                _ => true,
            })
        });
        let stream: ResumeStream = futures::future::Either::Right(source.filter(keep));
        Ok(stream)
    }

    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Self::Transport>, Self::Error> {
        self.inner.restore_session(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_parse() {
        assert_eq!(parse_event_id("3/7"), Some((3, Some(7))));
        assert_eq!(parse_event_id("0"), Some((0, None)));
        assert_eq!(parse_event_id("x/1"), None);
        assert_eq!(parse_event_id("1/"), None);
    }

    #[test]
    fn priming_starts_with_2025_11_25() {
        assert!(!has_priming(&ProtocolVersion::V_2024_11_05));
        assert!(!has_priming(&ProtocolVersion::V_2025_03_26));
        assert!(!has_priming(&ProtocolVersion::V_2025_06_18));
        assert!(has_priming(&ProtocolVersion::V_2025_11_25));
        assert!(has_priming(&ProtocolVersion::V_2026_07_28));
    }

    fn event(index: u64) -> ServerSseMessage {
        let message = ServerJsonRpcMessage::response(
            ServerResult::empty(()),
            rmcp::model::RequestId::Number(index as i64),
        );
        ServerSseMessage::new(format!("{index}/0"), message)
    }

    #[test]
    fn a_stream_record_keeps_its_last_events_and_replays_strictly_after() {
        let record = StreamRecord::new();
        for i in 1..=(MAX_EVENTS_PER_STREAM as u64 + 10) {
            record.push(i, event(i));
        }
        let (all, finished) = record.after(None);
        assert_eq!(all.len(), MAX_EVENTS_PER_STREAM);
        assert_eq!(all.last().unwrap().0, MAX_EVENTS_PER_STREAM as u64 + 10);
        assert!(!finished);
        let (after, _) = record.after(Some(MAX_EVENTS_PER_STREAM as u64 + 8));
        assert_eq!(
            after.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            [
                MAX_EVENTS_PER_STREAM as u64 + 9,
                MAX_EVENTS_PER_STREAM as u64 + 10
            ]
        );
        record.finish();
        assert!(record.after(None).1);
    }

    #[test]
    fn finished_streams_are_bounded_per_session() {
        let mut session = SessionRecord {
            priming: true,
            streams: HashMap::new(),
        };
        for r in 0..(MAX_FINISHED_STREAMS as u64 + 5) {
            let s = Arc::new(StreamRecord::new());
            s.finish();
            session.streams.insert(r, s);
        }
        let running = Arc::new(StreamRecord::new());
        session.streams.insert(1000, running);
        session.prune();
        assert_eq!(session.streams.len(), MAX_FINISHED_STREAMS + 1);
        assert!(session.streams.contains_key(&1000));
    }
}
