//! `CallLimit`: how many tool calls run at once (over HTTP `server.max_concurrent_calls`; over stdio no bound,
//! only the count). A call past the limit, or one arriving during shutdown, gets a tool error at once instead
//! of queueing; shutdown waits on it for the running calls.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rmcp::model::{CallToolResult, ContentBlock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

/// Bounds the tool calls that run at once, and lets shutdown wait for the running ones. Cheap to clone.
#[derive(Clone, Debug)]
pub struct CallLimit {
    permits: Arc<Semaphore>,
    max: u32,
    closing: Arc<AtomicBool>,
}

impl CallLimit {
    pub fn new(max: usize) -> Self {
        let max = max.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize)) as u32;
        CallLimit {
            permits: Arc::new(Semaphore::new(max as usize)),
            max,
            closing: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A permit for one call, held until the call returns; or, past the limit or during shutdown, the tool
    /// error to answer with. Never queues: a client waiting on a full bridge would only time out later.
    pub fn try_start(&self) -> Result<OwnedSemaphorePermit, CallToolResult> {
        if self.closing.load(Ordering::SeqCst) {
            return Err(refusal(
                "the bridge is shutting down and takes no new tool calls; try again in a moment",
            ));
        }
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => Ok(permit),
            Err(TryAcquireError::NoPermits) => {
                tracing::warn!(max = self.max, "tool call refused: too many calls running");
                Err(refusal(&format!(
                    "the bridge is busy: {} tool calls are already running, the most it runs at once \
                     (server.max_concurrent_calls); try again in a moment",
                    self.max
                )))
            }
            Err(TryAcquireError::Closed) => Err(refusal("the bridge is shutting down")),
        }
    }

    /// How many calls are running now.
    pub fn running(&self) -> usize {
        self.max as usize - self.permits.available_permits()
    }

    /// Refuses new calls from now on.
    pub(crate) fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
    }

    /// Returns once no call is running.
    pub(crate) async fn idle(&self) {
        // Holding every permit means no call is running. They are released at once: nothing waits on them.
        let _ = self.permits.acquire_many(self.max).await;
    }
}

fn refusal(text: &str) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}
