//! The task store: eviction, TTL, and exactly-once delivery to watchers.

use super::*;

fn store(max: usize, ttl: Duration) -> Store {
    Store::new(max, ttl)
}

/// A full store drops its oldest settled task for a new one, and refuses when every task still runs.
#[test]
fn full_store_evicts_settled_tasks_first() {
    let s = store(2, Duration::from_secs(600));
    let a = s
        .create("c".into(), Job::Work, CancellationToken::new())
        .unwrap();
    let b = s
        .create("c".into(), Job::Work, CancellationToken::new())
        .unwrap();
    assert!(
        s.create("c".into(), Job::Work, CancellationToken::new())
            .is_err()
    );
    assert!(a.set_status(TaskState::Completed, None));
    let c = s
        .create("c".into(), Job::Work, CancellationToken::new())
        .unwrap();
    assert!(s.get(&a.id).is_none());
    assert!(a.stop.is_cancelled());
    assert!(s.get(&b.id).is_some() && s.get(&c.id).is_some());
}

/// Settled tasks go after the TTL; running ones stay.
#[test]
fn sweep_drops_settled_tasks_after_the_ttl() {
    let s = store(10, Duration::ZERO);
    let done = s
        .create("c".into(), Job::Ask, CancellationToken::new())
        .unwrap();
    let running = s
        .create("c".into(), Job::Work, CancellationToken::new())
        .unwrap();
    done.set_status(TaskState::InputRequired, Some("name?".into()));
    running.set_status(TaskState::Working, None);
    s.sweep();
    assert!(s.get(&done.id).is_none());
    assert!(s.get(&running.id).is_some());
    assert_eq!(s.len(), 1);
}

/// A terminal task ignores later changes, and a watcher sees each change once, after its snapshot.
#[test]
fn terminal_tasks_do_not_change_and_watchers_miss_nothing() {
    let s = store(10, Duration::from_secs(600));
    let t = s
        .create("c".into(), Job::Stream, CancellationToken::new())
        .unwrap();
    t.set_status(TaskState::Working, None);
    let (snapshot, mut rx) = t.watch();
    assert_eq!(snapshot.status.state, TaskState::Working);
    let chunk = Artifact {
        artifact_id: "a".into(),
        name: None,
        description: None,
        parts: vec![Part::text("x")],
    };
    assert!(t.add_artifact(chunk, false, true));
    assert!(t.set_status(TaskState::Canceled, None));
    assert!(!t.set_status(TaskState::Completed, None));
    assert!(matches!(rx.try_recv(), Ok(StreamEvent::Artifact { .. })));
    assert!(matches!(
        rx.try_recv(),
        Ok(StreamEvent::Status { is_final: true, .. })
    ));
    assert!(rx.try_recv().is_err());
    assert_eq!(t.snapshot().status.state, TaskState::Canceled);
}
