//! The demo agent's tasks: in memory, bounded, each with a channel of its events.
//!
//! A task's state changes and its events go out under one short lock, and a stream takes its first snapshot
//! and subscribes under that same lock, so a client sees every change exactly once: either in the snapshot or
//! as an event after it. Settled tasks (terminal, or waiting for input) are dropped `settled_ttl` after they
//! settled; when `max_tasks` is reached the oldest settled ones go first, and if every task is still running the
//! new one is refused.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::broadcast;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use super::RpcError;
use crate::a2a::error::INTERNAL_ERROR;
use crate::a2a::wire::timestamp;
use crate::a2a::{Artifact, Message, Part, Role, StreamEvent, Task, TaskState, TaskStatus};

/// Events a slow stream may fall behind by before it is re-synchronised with a fresh snapshot.
const EVENT_BUFFER: usize = 128;

/// Which behaviour a task runs (see `skills`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Stream,
    Work,
    Ask,
    Long,
    BenchStream,
}

/// One task and the channel its events go out on.
pub struct TaskEntry {
    pub id: String,
    pub context_id: String,
    pub job: Job,
    /// Stops the task's worker: on cancel, on eviction, and (as a child of the agent's token) on shutdown.
    pub stop: CancellationToken,
    inner: Mutex<Inner>,
}

struct Inner {
    status: TaskStatus,
    artifacts: Vec<Artifact>,
    /// When the task last became terminal or interrupted; `None` while it runs.
    settled_at: Option<Instant>,
    events: broadcast::Sender<StreamEvent>,
    /// The worker running the task, if any; aborted when the task is evicted.
    worker: Option<AbortHandle>,
}

impl TaskEntry {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The task as it stands.
    pub fn snapshot(&self) -> Task {
        self.task_from(&self.lock())
    }

    fn task_from(&self, inner: &Inner) -> Task {
        Task {
            id: self.id.clone(),
            context_id: self.context_id.clone(),
            status: inner.status.clone(),
            artifacts: inner.artifacts.clone(),
        }
    }

    pub fn state(&self) -> TaskState {
        self.lock().status.state
    }

    /// A snapshot and a receiver for every event after it, taken atomically.
    pub fn watch(&self) -> (Task, broadcast::Receiver<StreamEvent>) {
        let inner = self.lock();
        (self.task_from(&inner), inner.events.subscribe())
    }

    /// Records the worker so eviction can stop it.
    pub fn set_worker(&self, worker: AbortHandle) {
        self.lock().worker = Some(worker);
    }

    /// Moves the task to `state` with an optional agent message and announces it. A terminal task never changes
    /// again: returns false then.
    pub fn set_status(&self, state: TaskState, said: Option<String>) -> bool {
        self.change_status(None, state, said)
    }

    /// Like `set_status`, but only from state `from`: of two answers racing to an input-required task, one wins.
    pub fn set_status_from(&self, from: TaskState, state: TaskState, said: Option<String>) -> bool {
        self.change_status(Some(from), state, said)
    }

    fn change_status(
        &self,
        from: Option<TaskState>,
        state: TaskState,
        said: Option<String>,
    ) -> bool {
        let mut inner = self.lock();
        if inner.status.state.is_terminal() || from.is_some_and(|f| f != inner.status.state) {
            return false;
        }
        let status = TaskStatus {
            state,
            message: said.map(|text| Message {
                message_id: uuid::Uuid::new_v4().to_string(),
                role: Role::Agent,
                parts: vec![Part::text(text)],
                context_id: Some(self.context_id.clone()),
                task_id: Some(self.id.clone()),
                metadata: None,
            }),
            timestamp: Some(timestamp(SystemTime::now())),
        };
        inner.status = status.clone();
        inner.settled_at = state.is_settled().then(Instant::now);
        // v0.3 `final`: the stream ends at a terminal or interrupted state (A2A v0.3 §7.2.2, A2A v1.0 §11.7).
        let _ = inner.events.send(StreamEvent::Status {
            task_id: self.id.clone(),
            context_id: self.context_id.clone(),
            status,
            is_final: state.is_settled(),
        });
        true
    }

    /// Adds a chunk to an artifact (`append`) or a new artifact, and announces it; false on a terminal task.
    pub fn add_artifact(&self, artifact: Artifact, append: bool, last_chunk: bool) -> bool {
        let mut inner = self.lock();
        if inner.status.state.is_terminal() {
            return false;
        }
        match inner
            .artifacts
            .iter_mut()
            .find(|a| a.artifact_id == artifact.artifact_id)
        {
            Some(existing) if append => existing.parts.extend(artifact.parts.iter().cloned()),
            Some(existing) => *existing = artifact.clone(),
            None => inner.artifacts.push(artifact.clone()),
        }
        let _ = inner.events.send(StreamEvent::Artifact {
            task_id: self.id.clone(),
            context_id: self.context_id.clone(),
            artifact,
            append,
            last_chunk,
        });
        true
    }

    fn settled_at(&self) -> Option<Instant> {
        self.lock().settled_at
    }

    fn evict(&self) {
        self.stop.cancel();
        if let Some(worker) = self.lock().worker.take() {
            worker.abort();
        }
    }
}

/// Every task the agent knows.
pub struct Store {
    tasks: Mutex<HashMap<String, Arc<TaskEntry>>>,
    max_tasks: usize,
    settled_ttl: Duration,
}

impl Store {
    pub fn new(max_tasks: usize, settled_ttl: Duration) -> Self {
        Store {
            tasks: Mutex::new(HashMap::new()),
            max_tasks: max_tasks.max(1),
            settled_ttl,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<TaskEntry>>> {
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new task in state `submitted`, or an error when the store is full of running tasks.
    pub fn create(
        &self,
        context_id: String,
        job: Job,
        stop: CancellationToken,
    ) -> Result<Arc<TaskEntry>, RpcError> {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let entry = Arc::new(TaskEntry {
            id: uuid::Uuid::new_v4().to_string(),
            context_id,
            job,
            stop,
            inner: Mutex::new(Inner {
                status: TaskStatus {
                    state: TaskState::Submitted,
                    message: None,
                    timestamp: Some(timestamp(SystemTime::now())),
                },
                artifacts: Vec::new(),
                settled_at: None,
                events,
                worker: None,
            }),
        });
        let mut tasks = self.lock();
        if tasks.len() >= self.max_tasks {
            self.make_room(&mut tasks);
        }
        if tasks.len() >= self.max_tasks {
            return Err(RpcError::new(
                INTERNAL_ERROR,
                format!(
                    "the demo agent is busy: {} tasks are unfinished; try again later",
                    tasks.len()
                ),
            ));
        }
        tasks.insert(entry.id.clone(), Arc::clone(&entry));
        Ok(entry)
    }

    pub fn get(&self, id: &str) -> Option<Arc<TaskEntry>> {
        self.lock().get(id).cloned()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Drops tasks that settled more than `settled_ttl` ago.
    pub fn sweep(&self) {
        let now = Instant::now();
        let mut tasks = self.lock();
        tasks.retain(|_, entry| {
            let keep = entry
                .settled_at()
                .is_none_or(|at| now.duration_since(at) < self.settled_ttl);
            if !keep {
                entry.evict();
            }
            keep
        });
    }

    /// Drops the oldest settled tasks, a tenth of the capacity at a time so a full store is not scanned on every
    /// new task.
    fn make_room(&self, tasks: &mut HashMap<String, Arc<TaskEntry>>) {
        let mut settled: Vec<(Instant, String)> = tasks
            .iter()
            .filter_map(|(id, e)| e.settled_at().map(|at| (at, id.clone())))
            .collect();
        settled.sort_unstable();
        let room = (self.max_tasks / 10).max(1);
        for (_, id) in settled.into_iter().take(room) {
            if let Some(entry) = tasks.remove(&id) {
                entry.evict();
            }
        }
    }
}

#[cfg(test)]
mod tests;
