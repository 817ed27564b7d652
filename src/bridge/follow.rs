//! Following one A2A task from the send to a settled state, within a wait budget.
//!
//! Streaming agents are followed on their event stream; others are sent `blocking: false` /
//! `returnImmediately: true` and polled with backoff. A stream that ends or breaks before the task settles is
//! recovered with `tasks/get` and a resubscribe (or polling): success is never reported for a task that has
//! not settled. While waiting, a heartbeat progress notification goes out whenever the agent has been silent
//! for the heartbeat interval, so clients that reset their timeout on progress keep the call alive. When the
//! budget runs out the caller gets the task so far, and the A2A task keeps running (unless the agent is
//! configured to cancel on timeout). When the MCP client cancels, the A2A task is canceled too.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::progress::{Progress, progress_message};
use super::push::{PushHub, PushWaiter};
use super::registry::Connected;
use super::result::Ending;
use super::view::{TaskView, message_line};
use crate::a2a::wire::{Method, truncate_str};
use crate::a2a::{A2aClient, A2aError, EventStream, Message, StreamEvent, TaskState, join_text};

/// Sleeps until `at` (never returns for `None`; the caller guards the branch).
async fn sleep_until_some(at: Option<std::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

/// First pause between `tasks/get` polls; doubles up to `MAX_POLL_INTERVAL`.
const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Longest pause between polls: slow enough to spare the agent, quick enough to notice completion.
const MAX_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// How often a broken stream is re-opened with resubscribe before falling back to polling.
const MAX_RESUBSCRIBES: u32 = 3;
/// First pause between polls while the agent sends push notifications: they wake the call, polling only
/// covers a webhook that never arrives (or reaches another replica). Doubles up to `MAX_PUSH_POLL_INTERVAL`.
const FIRST_PUSH_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// Shortest pause between two looks at a task while push notifications are registered.
const MIN_PUSH_GAP: Duration = Duration::from_millis(250);
/// Longest pause between polls while push notifications are registered: bounds what a lost webhook costs.
const MAX_PUSH_POLL_INTERVAL: Duration = Duration::from_secs(10);
/// Consecutive failed polls after which the agent is considered gone.
const MAX_POLL_FAILURES: u32 = 5;
/// A best-effort `tasks/cancel` after the client gave up must not hold anything up for long.
pub const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);
/// After an error event, how long to wait before the second look that decides whether the task is stuck.
const STUCK_CHECK: Duration = Duration::from_secs(1);
/// Longest a stream is kept open after its call returned (see `drain_in_background`).
const MAX_DRAIN: Duration = Duration::from_secs(15 * 60);
/// Most streams kept open after their calls returned, bridge-wide; beyond it a stream is dropped.
const MAX_DRAINING_STREAMS: usize = 64;
/// Streams being drained now.
static DRAINING: AtomicUsize = AtomicUsize::new(0);

/// How to reach the agent and how long to wait.
pub struct Follow<'a> {
    agent: &'a str,
    client: &'a A2aClient,
    streaming: bool,
    deadline: Instant,
    /// Until when to wait for the first word about a sent message (a task or a reply): the budget, or the
    /// request timeout when that is longer, so a call never ends without a handle unless the agent is mute.
    first_deadline: Instant,
    started: Instant,
    heartbeat: Duration,
    cancel_on_timeout: bool,
    ct: &'a CancellationToken,
    /// The bridge is shutting down: return what is known, leave the A2A task running.
    stopping: &'a CancellationToken,
    max_output_bytes: usize,
    /// Where a non-blocking send registers for push notifications (agents that declare them, when on).
    push: Option<&'a std::sync::Arc<PushHub>>,
}

/// How following a task ended.
#[derive(Debug)]
pub enum Outcome {
    /// The task settled, or the budget ran out (`Ending` says which).
    Done(TaskView, Ending),
    /// The agent could not be followed; `view` holds what was known.
    Failed(A2aError, TaskView),
    /// The MCP client canceled the call; the A2A task was asked to cancel too.
    Canceled,
    /// The bridge is shutting down; the A2A task (if `view` has one) keeps running, to be collected later.
    ShuttingDown(TaskView),
}

enum Raced<T> {
    Ready(T),
    Deadline,
    Canceled,
}

enum Phase {
    Stream(EventStream),
    /// Fetch a fresh snapshot, then resubscribe or poll.
    Refresh,
    Poll,
}

/// Where one recovery or polling step leads.
#[expect(
    clippy::large_enum_variant,
    reason = "one value per step, returned once; boxing the outcome would only add an allocation"
)]
enum Step {
    /// Follow on in this phase.
    Next(Phase),
    /// The call ends with this outcome.
    End(Outcome),
}

/// The polling state of one followed task: the pause before the next `tasks/get` (doubling up to
/// `max_interval`) and the failed polls in a row (`MAX_POLL_FAILURES` end the call).
struct Polling {
    interval: Duration,
    max_interval: Duration,
    failures: u32,
}

impl<'a> Follow<'a> {
    /// Follows tasks of `agent` over its connection for `wait` from now, with a heartbeat progress line
    /// after each `heartbeat` of silence, until the MCP request's `ct` fires. The task is left running when
    /// the budget runs out (see `cancel_on_timeout`).
    pub fn new(
        agent: &'a str,
        conn: &'a Connected,
        wait: Duration,
        heartbeat: Duration,
        ct: &'a CancellationToken,
    ) -> Self {
        let now = Instant::now();
        Follow {
            agent,
            client: &conn.client,
            streaming: conn.streaming,
            deadline: now + wait,
            first_deadline: now + wait.max(conn.client.request_timeout()),
            started: now,
            heartbeat,
            cancel_on_timeout: false,
            ct,
            stopping: &conn.stopping,
            max_output_bytes: conn.max_output_bytes,
            push: conn.push.as_ref(),
        }
    }

    /// Whether to cancel the A2A task when the wait budget runs out (the agent's `cancel_on_timeout`).
    pub fn cancel_on_timeout(mut self, cancel: bool) -> Self {
        self.cancel_on_timeout = cancel;
        self
    }

    /// Sends `message` and follows the resulting task. A message that answers a task (it names one) starts
    /// from that task, so even an error keeps its id.
    pub async fn send(&self, message: &Message, progress: &mut Progress) -> Outcome {
        let outcome = self.send_inner(message, progress).await;
        // The last state always reaches the client, however the notifications were coalesced, and before
        // the result.
        progress.finish().await;
        outcome
    }

    async fn send_inner(&self, message: &Message, progress: &mut Progress) -> Outcome {
        let mut view = match &message.task_id {
            Some(id) => TaskView::for_task(id),
            None => TaskView::default(),
        };
        view.limit_output(self.max_output_bytes);
        if self.streaming {
            self.send_streaming(&mut view, message, progress).await
        } else {
            // Boxed: the polling path's locals would otherwise widen every call's state machine, the streaming
            // ones included, and each call in flight holds it (the memory per in-flight call in BENCHMARKS.md).
            Box::pin(self.send_polling(view, message, progress)).await
        }
    }

    /// `SendStreamingMessage`, then the task's events. The view is borrowed down the streaming path, and taken
    /// (`std::mem::take`) for the outcome, not moved: each by-value copy would stay in the state machine that
    /// every call in flight holds.
    async fn send_streaming(
        &self,
        view: &mut TaskView,
        message: &Message,
        progress: &mut Progress,
    ) -> Outcome {
        match self
            .race(
                Box::pin(self.client.stream_message(message)),
                progress,
                view,
            )
            .await
        {
            Raced::Ready(Ok(stream)) => {
                self.follow(view, Phase::Stream(stream), progress, Some(message), None)
                    .await
            }
            Raced::Ready(Err(e)) => Outcome::Failed(e, std::mem::take(view)),
            Raced::Deadline => self.budget_spent(std::mem::take(view), Some(message)).await,
            Raced::Canceled => self.cancel(view).await,
        }
    }

    /// `SendMessage`, then the task polled (or woken by push notifications).
    async fn send_polling(
        &self,
        view: TaskView,
        message: &Message,
        progress: &mut Progress,
    ) -> Outcome {
        // A new task is sent non-blocking and polled. An answer to a task the agent asked about is sent
        // blocking: that task already has an id, and some SDKs fail a non-blocking resume (@a2a-js/sdk
        // 0.2.5: -32603 "Execution finished before a message or task was produced").
        let blocking = message.task_id.is_some();
        // A new task may be followed by push notifications (A2A v0.3 §9, A2A v1.0 push notifications),
        // registered before the send so that no webhook can come too early.
        let waiter = match self.push {
            Some(hub) if !blocking && self.client.takes_push_config() => hub.register(),
            _ => None,
        };
        match self
            .race(
                Box::pin(self.send_with_push(message, blocking, waiter.as_ref())),
                progress,
                &view,
            )
            .await
        {
            Raced::Ready(Ok(response)) => {
                let mut fresh = TaskView::from_response(response);
                if fresh.task_id.is_none() && fresh.reply.is_none() {
                    fresh.task_id = view.task_id;
                }
                let mut view = fresh;
                view.limit_output(self.max_output_bytes);
                if view.is_settled() {
                    return Outcome::Done(view, Ending::Settled);
                }
                if let Some(state) = view.state {
                    progress.send(format!("task {state}")).await;
                }
                self.follow(
                    &mut view,
                    Phase::Poll,
                    progress,
                    Some(message),
                    waiter.as_ref(),
                )
                .await
            }
            Raced::Ready(Err(e)) => Outcome::Failed(e, view),
            Raced::Deadline => self.budget_spent(view, Some(message)).await,
            Raced::Canceled => self.cancel(&view).await,
        }
    }

    /// Follows an existing task (for `get_task`), starting from a fresh snapshot.
    pub async fn resume(&self, task_id: &str, progress: &mut Progress) -> Outcome {
        let mut view = TaskView::for_task(task_id);
        view.limit_output(self.max_output_bytes);
        let outcome = self
            .follow(&mut view, Phase::Refresh, progress, None, None)
            .await;
        progress.finish().await;
        outcome
    }

    /// The non-streaming send, with `waiter`'s push config if any. An agent that refuses push notifications
    /// after all (`-32003`) gets the message again without them, and is polled.
    async fn send_with_push(
        &self,
        message: &Message,
        blocking: bool,
        waiter: Option<&PushWaiter>,
    ) -> Result<crate::a2a::SendResponse, A2aError> {
        let Some(waiter) = waiter else {
            return self.client.send_message(message, blocking).await;
        };
        match self
            .client
            .send_message_with_push(message, blocking, Some(&waiter.config))
            .await
        {
            Err(e) if e.is_code(crate::a2a::error::PUSH_NOTIFICATION_NOT_SUPPORTED) => {
                tracing::info!(agent = self.agent, error = %e, "the agent refused push notifications; polling");
                self.client.send_message(message, blocking).await
            }
            other => other,
        }
    }

    /// Follows the task of `view` from `phase` until it settles or the time is up. `sent`: the message that
    /// started it, named in the error when nothing at all came back in time. `push`: the call's registration
    /// for push notifications, whose wake-ups cut the pauses between polls short. The view is borrowed, not
    /// moved (see `send_streaming`); what it holds on return is unspecified, since the outcome takes it.
    async fn follow(
        &self,
        view: &mut TaskView,
        mut phase: Phase,
        progress: &mut Progress,
        sent: Option<&Message>,
        push: Option<&PushWaiter>,
    ) -> Outcome {
        let mut resubscribes = 0;
        let (interval, max_interval) = if push.is_some() {
            (FIRST_PUSH_POLL_INTERVAL, MAX_PUSH_POLL_INTERVAL)
        } else {
            (FIRST_POLL_INTERVAL, MAX_POLL_INTERVAL)
        };
        let mut polling = Polling {
            interval,
            max_interval,
            failures: 0,
        };
        // An error the stream ended with, kept until a snapshot shows whether the task still moves.
        let mut stream_error: Option<A2aError> = None;
        loop {
            phase = match phase {
                Phase::Stream(mut stream) => {
                    // The stream of the send itself, not a resubscribe: an error before its first event is the
                    // agent refusing the message.
                    let first = resubscribes == 0;
                    match self.drive(&mut stream, view, progress, sent, first).await {
                        Drove::Done(outcome) => return outcome,
                        // The stream ended or broke before the task settled.
                        Drove::Ended(_) if view.task_id.is_none() => {
                            return Outcome::Failed(A2aError::StreamEnded, std::mem::take(view));
                        }
                        Drove::Ended(error) => {
                            if let Some(m) = crate::telemetry::metrics() {
                                m.stream_recovery(self.agent);
                            }
                            crate::telemetry::event(
                                "a2a.stream.recovery",
                                &[("a2a.task.id", view.task_id.as_deref().unwrap_or_default())],
                            );
                            stream_error = error;
                            Phase::Refresh
                        }
                    }
                }
                // Boxed (both): recovery and polling are not on the streaming path, and their locals, inline,
                // would widen the state machine that every streaming call in flight holds (the memory per
                // in-flight call in BENCHMARKS.md).
                Phase::Refresh => {
                    let step =
                        self.refresh(view, progress, sent, &mut stream_error, &mut resubscribes);
                    match Box::pin(step).await {
                        Step::Next(next) => next,
                        Step::End(outcome) => return outcome,
                    }
                }
                Phase::Poll => {
                    let step = self.poll(view, progress, sent, push, &mut polling);
                    match Box::pin(step).await {
                        Step::Next(next) => next,
                        Step::End(outcome) => return outcome,
                    }
                }
            };
        }
    }

    /// `Phase::Refresh`: a fresh snapshot of the task after its stream ended, then a resubscribe (at most
    /// `MAX_RESUBSCRIBES`) or polling. A stream that ended with an agent's error while the task stands still is
    /// that error (`error_stands`, checked twice `STUCK_CHECK` apart).
    async fn refresh(
        &self,
        view: &mut TaskView,
        progress: &mut Progress,
        sent: Option<&Message>,
        stream_error: &mut Option<A2aError>,
        resubscribes: &mut u32,
    ) -> Step {
        let Some(task_id) = view.task_id.clone() else {
            return Step::End(Outcome::Failed(A2aError::StreamEnded, std::mem::take(view)));
        };
        let before = view.state;
        match self
            .race_or_end(
                Box::pin(self.client.get_task(&task_id)),
                progress,
                view,
                sent,
            )
            .await
        {
            Ok(Ok(task)) => {
                self.merge_snapshot(view, task, progress).await;
                if view.is_settled() {
                    return Step::End(Outcome::Done(std::mem::take(view), Ending::Settled));
                }
                if let Some(error) = stream_error.take()
                    && error_stands(&error, before, view)
                {
                    // Unchanged right after the error: look once more a moment later, so a task
                    // that is merely slow is not taken for a stuck one.
                    let seen = view.clone();
                    let pause = Box::pin(tokio::time::sleep(STUCK_CHECK));
                    if let Err(end) = self.race_or_end(pause, progress, view, sent).await {
                        return end;
                    }
                    match self
                        .race_or_end(
                            Box::pin(self.client.get_task(&task_id)),
                            progress,
                            view,
                            sent,
                        )
                        .await
                    {
                        Ok(Ok(task)) => {
                            self.merge_snapshot(view, task, progress).await;
                            if view.is_settled() {
                                return Step::End(Outcome::Done(
                                    std::mem::take(view),
                                    Ending::Settled,
                                ));
                            }
                            if error_stands(&error, before, view) && *view == seen {
                                tracing::warn!(agent = self.agent, task_id, error = %error, "the stream ended with an error and the task is not moving");
                                return Step::End(Outcome::Failed(error, std::mem::take(view)));
                            }
                        }
                        Ok(Err(e)) => {
                            tracing::warn!(agent = self.agent, error = %e, "task refresh failed; polling");
                        }
                        Err(end) => return end,
                    }
                }
            }
            Ok(Err(e)) if e.is_code(crate::a2a::error::TASK_NOT_FOUND) => {
                return Step::End(Outcome::Failed(e, std::mem::take(view)));
            }
            Ok(Err(e)) => {
                tracing::warn!(agent = self.agent, error = %e, "task refresh failed; polling");
            }
            Err(end) => return end,
        }
        Step::Next(if self.streaming && *resubscribes < MAX_RESUBSCRIBES {
            *resubscribes += 1;
            match self
                .race_or_end(
                    Box::pin(self.client.resubscribe(&task_id)),
                    progress,
                    view,
                    sent,
                )
                .await
            {
                Ok(Ok(stream)) => Phase::Stream(stream),
                Ok(Err(e)) => {
                    tracing::debug!(agent = self.agent, error = %e, "resubscribe failed; polling");
                    Phase::Poll
                }
                Err(end) => return end,
            }
        } else {
            Phase::Poll
        })
    }

    /// `Phase::Poll`: one pause (doubling up to the maximum, cut short by a push notification), then one
    /// `tasks/get`; `MAX_POLL_FAILURES` failed polls in a row end the call.
    async fn poll(
        &self,
        view: &mut TaskView,
        progress: &mut Progress,
        sent: Option<&Message>,
        push: Option<&PushWaiter>,
        polling: &mut Polling,
    ) -> Step {
        let Some(task_id) = view.task_id.clone() else {
            return Step::End(Outcome::Failed(A2aError::StreamEnded, std::mem::take(view)));
        };
        match self
            .race_or_end(
                Box::pin(pause_or_push(polling.interval, push)),
                progress,
                view,
                sent,
            )
            .await
        {
            Ok(Woke::Pushed) => {
                tracing::debug!(
                    agent = self.agent,
                    task_id,
                    "push notification; looking at the task"
                );
            }
            Ok(Woke::Paused) => {
                polling.interval = (polling.interval * 2).min(polling.max_interval);
            }
            Err(end) => return end,
        }
        match self
            .race_or_end(
                Box::pin(self.client.get_task(&task_id)),
                progress,
                view,
                sent,
            )
            .await
        {
            Ok(Ok(task)) => {
                polling.failures = 0;
                self.merge_snapshot(view, task, progress).await;
                if view.is_settled() {
                    return Step::End(Outcome::Done(std::mem::take(view), Ending::Settled));
                }
            }
            Ok(Err(e)) => {
                polling.failures += 1;
                if polling.failures >= MAX_POLL_FAILURES
                    || e.is_code(crate::a2a::error::TASK_NOT_FOUND)
                {
                    return Step::End(Outcome::Failed(e, std::mem::take(view)));
                }
                tracing::warn!(agent = self.agent, error = %e, "task poll failed; retrying");
            }
            Err(end) => return end,
        }
        Step::Next(Phase::Poll)
    }

    /// Reads events until the task settles, or the stream ends or breaks (with the error, if any). When the
    /// budget runs out mid-stream, the stream is handed to `drain_in_background`.
    async fn drive(
        &self,
        stream: &mut EventStream,
        view: &mut TaskView,
        progress: &mut Progress,
        sent: Option<&Message>,
        first_stream: bool,
    ) -> Drove {
        let mut events = 0usize;
        loop {
            match self.race(stream.next(), progress, view).await {
                Raced::Ready(Some(Ok(event))) => {
                    events += 1;
                    let line = match &event {
                        StreamEvent::Message(m) if view.takes_as_progress(m) => message_line(m),
                        StreamEvent::Message(_) => None,
                        other => progress_message(other),
                    };
                    if let Some(line) = line {
                        progress.send(line).await;
                    }
                    let before = view.state;
                    view.apply(event);
                    milestones(events, before, view);
                    if view.is_settled() {
                        return Drove::Done(Outcome::Done(std::mem::take(view), Ending::Settled));
                    }
                }
                Raced::Ready(Some(Err(e))) => {
                    // No task yet, or a JSON-RPC error as the first answer to a message sent to a known task (an
                    // answer to a task that has ended, say): the agent refused the message. Recovering would
                    // report the task's old state as if the message had been taken.
                    let refused = sent.is_some()
                        && first_stream
                        && events == 0
                        && matches!(e, A2aError::JsonRpc { .. });
                    if view.task_id.is_none() || refused {
                        return Drove::Done(Outcome::Failed(e, std::mem::take(view)));
                    }
                    tracing::warn!(agent = self.agent, error = %e, "event stream broke; recovering");
                    return Drove::Ended(Some(e));
                }
                Raced::Ready(None) => {
                    tracing::debug!(
                        agent = self.agent,
                        "event stream ended before the task settled"
                    );
                    return Drove::Ended(None);
                }
                Raced::Deadline => {
                    if view.task_id.is_some() && !self.cancel_on_timeout {
                        let stream = std::mem::replace(stream, Box::pin(futures::stream::empty()));
                        drain_in_background(self.agent, stream);
                    }
                    return Drove::Done(self.budget_spent(std::mem::take(view), sent).await);
                }
                Raced::Canceled => return Drove::Done(self.cancel(view).await),
            }
        }
    }

    /// Merges a `tasks/get` snapshot, relaying a state change as progress.
    async fn merge_snapshot(
        &self,
        view: &mut TaskView,
        task: crate::a2a::Task,
        progress: &mut Progress,
    ) {
        let before = (view.state, view.status_message.clone());
        let event = StreamEvent::Task(task.clone());
        view.merge_task(task);
        if (view.state, view.status_message.clone()) != before
            && let Some(line) = progress_message(&event)
        {
            progress.send(line).await;
        }
    }

    /// `race`, for a recovery or polling step: the future's value, or the step that ends the call when the
    /// budget runs out or the call is canceled first.
    async fn race_or_end<F: Future + Unpin>(
        &self,
        fut: F,
        progress: &mut Progress,
        view: &mut TaskView,
        sent: Option<&Message>,
    ) -> Result<F::Output, Step> {
        match self.race(fut, progress, view).await {
            Raced::Ready(value) => Ok(value),
            Raced::Deadline => Err(Step::End(
                self.budget_spent(std::mem::take(view), sent).await,
            )),
            Raced::Canceled => Err(Step::End(self.cancel(view).await)),
        }
    }

    /// Awaits `fut` unless the time is up or the client cancels, sending heartbeats meanwhile. The time is
    /// the budget once anything came back about the task (`view`), else `first_deadline`.
    ///
    /// `fut` is `Unpin` (callers box an A2A request's future): an async fn keeps its argument and the pinned
    /// copy of it side by side, so a request future raced by value took twice its size in the call's future,
    /// which the runtime and rmcp move as a whole (issue 16).
    async fn race<F: Future + Unpin>(
        &self,
        mut fut: F,
        progress: &mut Progress,
        view: &TaskView,
    ) -> Raced<F::Output> {
        let deadline = if view.task_id.is_none() && view.reply.is_none() {
            self.first_deadline
        } else {
            self.deadline
        };
        let state = view.state;
        loop {
            // At least 100 ms: a line held back by progress coalescing does not count as sent, and a zero
            // pause would spin until the next one may go.
            let beat = self
                .heartbeat
                .saturating_sub(progress.idle_for())
                .max(Duration::from_millis(100));
            let flush_at = progress.pending_until();
            tokio::select! {
                biased;
                () = self.ct.cancelled() => return Raced::Canceled,
                () = self.stopping.cancelled() => return Raced::Canceled,
                out = &mut fut => return Raced::Ready(out),
                () = sleep_until_some(flush_at), if flush_at.is_some() => progress.flush().await,
                () = tokio::time::sleep_until(deadline) => return Raced::Deadline,
                () = tokio::time::sleep(beat) => {
                    let state = state.map(TaskState::as_str).unwrap_or("not reported yet");
                    progress.send(format!("agent \"{}\": task {state}, still waiting", self.agent)).await;
                }
            }
        }
    }

    /// The budget is spent: the task so far, with the agent's own state. Nothing back at all is an error
    /// naming what was sent; a task known only by its id is looked up once, so its state is the agent's.
    ///
    /// Boxed, as are `cancel` and the recovery paths of `follow`: they are rare, and unboxed their state would
    /// be part of every call's future, which the runtime and rmcp move as a whole (issue 16: the copies of that
    /// future were the largest single cost of an echo call).
    fn budget_spent<'b>(
        &'b self,
        view: TaskView,
        sent: Option<&'b Message>,
    ) -> futures::future::BoxFuture<'b, Outcome> {
        Box::pin(self.budget_spent_now(view, sent))
    }

    async fn budget_spent_now(&self, mut view: TaskView, sent: Option<&Message>) -> Outcome {
        crate::telemetry::event(
            "a2a.budget.spent",
            &[("a2a.task.id", view.task_id.as_deref().unwrap_or_default())],
        );
        let Some(task_id) = view.task_id.clone() else {
            return Outcome::Failed(
                A2aError::NoTask {
                    waited: self.started.elapsed(),
                    sent: describe_sent(self.client, self.streaming, sent),
                },
                view,
            );
        };
        if self.cancel_on_timeout {
            tracing::info!(
                agent = self.agent,
                task_id,
                "wait budget spent; canceling the task as configured"
            );
            if let Ok(Ok(task)) =
                tokio::time::timeout(CANCEL_TIMEOUT, self.client.cancel_task(&task_id)).await
            {
                view.merge_task(task);
            }
        }
        if view.state.is_none()
            && let Ok(Ok(task)) =
                tokio::time::timeout(CANCEL_TIMEOUT, self.client.get_task(&task_id)).await
        {
            view.merge_task(task);
        }
        if view.is_settled() {
            return Outcome::Done(view, Ending::Settled);
        }
        Outcome::Done(view, Ending::BudgetSpent)
    }

    /// The client canceled the call (or the bridge is stopping): see `cancel_now`. Boxed, as `budget_spent` is.
    fn cancel<'b>(&'b self, view: &'b TaskView) -> futures::future::BoxFuture<'b, Outcome> {
        Box::pin(self.cancel_now(view))
    }

    async fn cancel_now(&self, view: &TaskView) -> Outcome {
        if self.stopping.is_cancelled() {
            // Not the client's wish, even if the call's context is canceled too (the session ends after
            // `end_calls`, and a call that was slow to see `stopping` sees both): the task keeps running, and
            // its id goes back so it can be collected through another bridge.
            tracing::info!(
                agent = self.agent,
                task_id = view.task_id.as_deref().unwrap_or(""),
                "bridge shutting down; returning the task to the client"
            );
            return Outcome::ShuttingDown(view.clone());
        }
        if let Some(task_id) = &view.task_id
            && !view.state.is_some_and(TaskState::is_terminal)
        {
            tracing::info!(
                agent = self.agent,
                task_id,
                "call canceled by the client; canceling the A2A task"
            );
            match tokio::time::timeout(CANCEL_TIMEOUT, self.client.cancel_task(task_id)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::warn!(agent = self.agent, error = %e, "canceling the A2A task failed")
                }
                Err(_) => tracing::warn!(agent = self.agent, "canceling the A2A task timed out"),
            }
        }
        Outcome::Canceled
    }
}

/// Why a pause between polls ended.
enum Woke {
    /// The poll interval passed.
    Paused,
    /// A push notification for the call arrived (its token checked; its body is not trusted).
    Pushed,
}

/// Sleeps `interval`, or less when `push` is woken by a webhook, but at least `MIN_PUSH_GAP`: a burst of
/// webhooks (or a replayed one) costs the agent at most one `tasks/get` per gap.
async fn pause_or_push(interval: Duration, push: Option<&PushWaiter>) -> Woke {
    let Some(waiter) = push else {
        tokio::time::sleep(interval).await;
        return Woke::Paused;
    };
    let until = Instant::now() + interval;
    tokio::time::sleep(MIN_PUSH_GAP.min(interval)).await;
    tokio::select! {
        () = tokio::time::sleep_until(until) => Woke::Paused,
        () = waiter.woken() => Woke::Pushed,
    }
}

/// How reading a stream ended.
#[expect(
    clippy::large_enum_variant,
    reason = "one value per stream read, moved once; boxing would only add an allocation"
)]
enum Drove {
    /// The task settled, the time ran out, or the call was canceled.
    Done(Outcome),
    /// The stream ended before the task settled, with the error that ended it, if any.
    Ended(Option<A2aError>),
}

/// Whether an error that ended a stream is the answer: the agent itself reported it (a JSON-RPC error, such
/// as `-32603` from a crashed executor), and the snapshot taken after it shows the task where it was (same
/// state, not settled), so waiting on would only spend the budget. `Follow` asks this of two snapshots
/// `STUCK_CHECK` apart (the second also unchanged from the first). A transport break is recovered instead.
pub fn error_stands(error: &A2aError, before: Option<TaskState>, after: &TaskView) -> bool {
    matches!(error, A2aError::JsonRpc { .. }) && !after.is_settled() && after.state == before
}

/// Span events for a stream's milestones (telemetry only): its first event, and each change of the task's state.
fn milestones(events: usize, before: Option<TaskState>, view: &TaskView) {
    if !crate::telemetry::traces_on() {
        return;
    }
    let task_id = view.task_id.as_deref().unwrap_or_default();
    if events == 1 {
        crate::telemetry::event("a2a.stream.first_event", &[("a2a.task.id", task_id)]);
    }
    if let Some(state) = view.state
        && before != Some(state)
    {
        crate::telemetry::event(
            "a2a.task.state",
            &[("a2a.task.id", task_id), ("a2a.task.state", state.as_str())],
        );
    }
}

/// What was sent, for an error: the method and the start of the message's text.
fn describe_sent(client: &A2aClient, streaming: bool, sent: Option<&Message>) -> String {
    let method = if streaming {
        Method::SendStreamingMessage
    } else {
        Method::SendMessage
    }
    .name(client.version());
    match sent {
        Some(m) => format!(
            "{method} (message {}: {:?})",
            m.message_id,
            truncate_str(&join_text(&m.parts), 80)
        ),
        None => method.to_owned(),
    }
}

/// Keeps reading a stream after its call returned, discarding the events, until the task settles, the
/// stream ends or breaks (idle timeout included), or `MAX_DRAIN` passes. Some agents stop a task when its
/// streaming client goes away (a2a-sdk 0.2.16); the handle the call returned must stay good. Memory is
/// bounded (one event at a time, `MAX_DRAINING_STREAMS` streams); beyond that the stream is dropped.
fn drain_in_background(agent: &str, mut stream: EventStream) {
    if DRAINING.fetch_add(1, Ordering::AcqRel) >= MAX_DRAINING_STREAMS {
        DRAINING.fetch_sub(1, Ordering::AcqRel);
        tracing::debug!(
            agent,
            "too many streams kept open; dropping this one (the agent may stop the task)"
        );
        return;
    }
    let agent = agent.to_owned();
    tokio::spawn(async move {
        let drained = tokio::time::timeout(MAX_DRAIN, async {
            while let Some(item) = stream.next().await {
                let settled = match item {
                    Ok(StreamEvent::Task(t)) => t.status.state.is_settled(),
                    Ok(StreamEvent::Status {
                        status, is_final, ..
                    }) => is_final || status.state.is_settled(),
                    Ok(StreamEvent::Message(_)) | Ok(StreamEvent::Artifact { .. }) => false,
                    Err(_) => true,
                };
                if settled {
                    break;
                }
            }
        })
        .await;
        if drained.is_err() {
            tracing::debug!(
                agent,
                "stopped reading a returned call's stream after the drain limit"
            );
        }
        DRAINING.fetch_sub(1, Ordering::AcqRel);
    });
}
