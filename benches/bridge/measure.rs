//! Timing helpers: latency percentiles of operations taking turns, and throughput at a fixed concurrency.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::future::LocalBoxFuture;

/// Percentiles of a set of durations (nearest rank).
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Stats {
    pub fn of(mut samples: Vec<Duration>) -> Stats {
        if samples.is_empty() {
            return Stats::default();
        }
        samples.sort_unstable();
        let rank = |q: f64| {
            let i = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
            samples[i]
        };
        Stats {
            p50: rank(0.50),
            p95: rank(0.95),
            p99: rank(0.99),
            max: samples[samples.len() - 1],
        }
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Calls completed in a span of time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rate {
    pub calls: u64,
    pub elapsed: Duration,
}

impl Rate {
    pub fn per_sec(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
    }
}

/// Keeps `concurrency` calls in flight for `duration` (after a short warm-up) and counts the completed calls.
/// Any failed call fails the measurement: a rate that counts errors means nothing.
pub async fn throughput<F, Fut>(
    concurrency: usize,
    duration: Duration,
    call: F,
) -> anyhow::Result<Rate>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    for _ in 0..concurrency.min(8) {
        call().await?;
    }
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let call = call.clone();
        workers.spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                call().await?;
                done += 1;
            }
            anyhow::Ok(done)
        });
    }
    let mut total = 0u64;
    while let Some(joined) = workers.join_next().await {
        total += joined??;
    }
    Ok(Rate {
        calls: total,
        elapsed: started.elapsed(),
    })
}

/// One timed operation of an interleaved measurement.
pub type Op<'a> = Box<dyn FnMut() -> LocalBoxFuture<'a, anyhow::Result<()>> + 'a>;

/// Runs every op once per round, `rounds` times after `warmup` rounds, timing each run: the ops take turns, so a
/// slow moment of the machine hits all of them alike. Returns one `Stats` per op, in order.
pub async fn interleaved(
    warmup: usize,
    rounds: usize,
    mut ops: Vec<Op<'_>>,
) -> anyhow::Result<Vec<Stats>> {
    for _ in 0..warmup {
        for op in ops.iter_mut() {
            op().await?;
        }
    }
    let mut samples = vec![Vec::with_capacity(rounds); ops.len()];
    for _ in 0..rounds {
        for (i, op) in ops.iter_mut().enumerate() {
            let started = Instant::now();
            op().await?;
            samples[i].push(started.elapsed());
        }
    }
    Ok(samples.into_iter().map(Stats::of).collect())
}
