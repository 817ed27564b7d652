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
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::progress::{Progress, progress_message};
use super::registry::Connected;
use super::result::Ending;
use super::view::TaskView;
use crate::a2a::{A2aClient, A2aError, EventStream, Message, TaskState};

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
/// Consecutive failed polls after which the agent is considered gone.
const MAX_POLL_FAILURES: u32 = 5;
/// A best-effort `tasks/cancel` after the client gave up must not hold anything up for long.
pub const CANCEL_TIMEOUT: Duration = Duration::from_secs(5);

/// How to reach the agent and how long to wait.
pub struct Follow<'a> {
    agent: &'a str,
    client: &'a A2aClient,
    streaming: bool,
    deadline: Instant,
    heartbeat: Duration,
    cancel_on_timeout: bool,
    ct: &'a CancellationToken,
    /// The bridge is shutting down: return what is known, leave the A2A task running.
    stopping: &'a CancellationToken,
    max_output_bytes: usize,
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
        Follow {
            agent,
            client: &conn.client,
            streaming: conn.streaming,
            deadline: Instant::now() + wait,
            heartbeat,
            cancel_on_timeout: false,
            ct,
            stopping: &conn.stopping,
            max_output_bytes: conn.max_output_bytes,
        }
    }

    /// Whether to cancel the A2A task when the wait budget runs out (the agent's `cancel_on_timeout`).
    pub fn cancel_on_timeout(mut self, cancel: bool) -> Self {
        self.cancel_on_timeout = cancel;
        self
    }

    /// Sends `message` and follows the resulting task.
    pub async fn send(&self, message: &Message, progress: &mut Progress) -> Outcome {
        let outcome = self.send_inner(message, progress).await;
        // The last state always reaches the client, however the notifications were coalesced.
        progress.flush().await;
        outcome
    }

    async fn send_inner(&self, message: &Message, progress: &mut Progress) -> Outcome {
        let mut view = TaskView::default();
        view.limit_output(self.max_output_bytes);
        if self.streaming {
            match self
                .race(self.client.stream_message(message), progress, view.state)
                .await
            {
                Raced::Ready(Ok(stream)) => {
                    self.follow(view, Phase::Stream(stream), progress).await
                }
                Raced::Ready(Err(e)) => Outcome::Failed(e, view),
                Raced::Deadline => self.budget_spent(view).await,
                Raced::Canceled => self.cancel(&view).await,
            }
        } else {
            match self
                .race(
                    self.client.send_message(message, false),
                    progress,
                    view.state,
                )
                .await
            {
                Raced::Ready(Ok(response)) => {
                    let mut view = TaskView::from_response(response);
                    view.limit_output(self.max_output_bytes);
                    if view.is_settled() {
                        return Outcome::Done(view, Ending::Settled);
                    }
                    if let Some(state) = view.state {
                        progress.send(format!("task {state}")).await;
                    }
                    self.follow(view, Phase::Poll, progress).await
                }
                Raced::Ready(Err(e)) => Outcome::Failed(e, view),
                Raced::Deadline => self.budget_spent(view).await,
                Raced::Canceled => self.cancel(&view).await,
            }
        }
    }

    /// Follows an existing task (for `get_task`), starting from a fresh snapshot.
    pub async fn resume(&self, task_id: &str, progress: &mut Progress) -> Outcome {
        let mut view = TaskView::for_task(task_id);
        view.limit_output(self.max_output_bytes);
        let outcome = self.follow(view, Phase::Refresh, progress).await;
        progress.flush().await;
        outcome
    }

    async fn follow(
        &self,
        mut view: TaskView,
        mut phase: Phase,
        progress: &mut Progress,
    ) -> Outcome {
        let mut resubscribes = 0;
        let mut poll_interval = FIRST_POLL_INTERVAL;
        let mut poll_failures = 0;
        loop {
            phase = match phase {
                Phase::Stream(mut stream) => {
                    match self.drive(&mut stream, &mut view, progress).await {
                        Some(outcome) => return outcome,
                        // The stream ended or broke before the task settled.
                        None if view.task_id.is_none() => {
                            return Outcome::Failed(A2aError::StreamEnded, view);
                        }
                        None => Phase::Refresh,
                    }
                }
                Phase::Refresh => {
                    let Some(task_id) = view.task_id.clone() else {
                        return Outcome::Failed(A2aError::StreamEnded, view);
                    };
                    match self
                        .race(self.client.get_task(&task_id), progress, view.state)
                        .await
                    {
                        Raced::Ready(Ok(task)) => {
                            self.merge_snapshot(&mut view, task, progress).await;
                            if view.is_settled() {
                                return Outcome::Done(view, Ending::Settled);
                            }
                        }
                        Raced::Ready(Err(e)) if e.is_code(crate::a2a::error::TASK_NOT_FOUND) => {
                            return Outcome::Failed(e, view);
                        }
                        Raced::Ready(Err(e)) => {
                            tracing::warn!(agent = self.agent, error = %e, "task refresh failed; polling");
                        }
                        Raced::Deadline => return self.budget_spent(view).await,
                        Raced::Canceled => return self.cancel(&view).await,
                    }
                    if self.streaming && resubscribes < MAX_RESUBSCRIBES {
                        resubscribes += 1;
                        match self
                            .race(self.client.resubscribe(&task_id), progress, view.state)
                            .await
                        {
                            Raced::Ready(Ok(stream)) => Phase::Stream(stream),
                            Raced::Ready(Err(e)) => {
                                tracing::debug!(agent = self.agent, error = %e, "resubscribe failed; polling");
                                Phase::Poll
                            }
                            Raced::Deadline => return self.budget_spent(view).await,
                            Raced::Canceled => return self.cancel(&view).await,
                        }
                    } else {
                        Phase::Poll
                    }
                }
                Phase::Poll => {
                    let Some(task_id) = view.task_id.clone() else {
                        return Outcome::Failed(A2aError::StreamEnded, view);
                    };
                    match self
                        .race(tokio::time::sleep(poll_interval), progress, view.state)
                        .await
                    {
                        Raced::Ready(()) => {}
                        Raced::Deadline => return self.budget_spent(view).await,
                        Raced::Canceled => return self.cancel(&view).await,
                    }
                    poll_interval = (poll_interval * 2).min(MAX_POLL_INTERVAL);
                    match self
                        .race(self.client.get_task(&task_id), progress, view.state)
                        .await
                    {
                        Raced::Ready(Ok(task)) => {
                            poll_failures = 0;
                            self.merge_snapshot(&mut view, task, progress).await;
                            if view.is_settled() {
                                return Outcome::Done(view, Ending::Settled);
                            }
                        }
                        Raced::Ready(Err(e)) => {
                            poll_failures += 1;
                            if poll_failures >= MAX_POLL_FAILURES
                                || e.is_code(crate::a2a::error::TASK_NOT_FOUND)
                            {
                                return Outcome::Failed(e, view);
                            }
                            tracing::warn!(agent = self.agent, error = %e, "task poll failed; retrying");
                        }
                        Raced::Deadline => return self.budget_spent(view).await,
                        Raced::Canceled => return self.cancel(&view).await,
                    }
                    Phase::Poll
                }
            };
        }
    }

    /// Reads events until the task settles (`Some`), or the stream ends or breaks (`None`).
    async fn drive(
        &self,
        stream: &mut EventStream,
        view: &mut TaskView,
        progress: &mut Progress,
    ) -> Option<Outcome> {
        loop {
            match self.race(stream.next(), progress, view.state).await {
                Raced::Ready(Some(Ok(event))) => {
                    if let Some(line) = progress_message(&event) {
                        progress.send(line).await;
                    }
                    view.apply(event);
                    if view.is_settled() {
                        return Some(Outcome::Done(view.clone(), Ending::Settled));
                    }
                }
                Raced::Ready(Some(Err(e))) => {
                    if view.task_id.is_none() {
                        return Some(Outcome::Failed(e, view.clone()));
                    }
                    tracing::warn!(agent = self.agent, error = %e, "event stream broke; recovering");
                    return None;
                }
                Raced::Ready(None) => {
                    tracing::debug!(
                        agent = self.agent,
                        "event stream ended before the task settled"
                    );
                    return None;
                }
                Raced::Deadline => return Some(self.budget_spent(view.clone()).await),
                Raced::Canceled => return Some(self.cancel(view).await),
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
        let event = crate::a2a::StreamEvent::Task(task.clone());
        view.merge_task(task);
        if (view.state, view.status_message.clone()) != before
            && let Some(line) = progress_message(&event)
        {
            progress.send(line).await;
        }
    }

    /// Awaits `fut` unless the deadline passes or the client cancels, sending heartbeats meanwhile.
    async fn race<F: Future>(
        &self,
        fut: F,
        progress: &mut Progress,
        state: Option<TaskState>,
    ) -> Raced<F::Output> {
        tokio::pin!(fut);
        loop {
            let beat = self.heartbeat.saturating_sub(progress.idle_for());
            let flush_at = progress.pending_until();
            tokio::select! {
                biased;
                () = self.ct.cancelled() => return Raced::Canceled,
                () = self.stopping.cancelled() => return Raced::Canceled,
                out = &mut fut => return Raced::Ready(out),
                () = sleep_until_some(flush_at), if flush_at.is_some() => progress.flush().await,
                () = tokio::time::sleep_until(self.deadline) => return Raced::Deadline,
                () = tokio::time::sleep(beat) => {
                    let state = state.map(TaskState::as_str).unwrap_or("submitted");
                    progress.send(format!("agent \"{}\": task {state}, still waiting", self.agent)).await;
                }
            }
        }
    }

    async fn budget_spent(&self, mut view: TaskView) -> Outcome {
        if self.cancel_on_timeout
            && let Some(task_id) = view.task_id.clone()
        {
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
        Outcome::Done(view, Ending::BudgetSpent)
    }

    async fn cancel(&self, view: &TaskView) -> Outcome {
        if self.stopping.is_cancelled() && !self.ct.is_cancelled() {
            // Not the client's wish: the task keeps running, and its id goes back so it can be collected
            // through another bridge.
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
