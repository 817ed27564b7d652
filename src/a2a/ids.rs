//! Ids the bridge makes for the messages (and draft tasks) it sends.
//!
//! A2A leaves `messageId` to its creator: any string unique to that message (A2A v0.3 §6.4 `Message`, A2A v1.0
//! §4.1.4 `Message`). A random UUID per message costs a `getrandom` call and a formatting each; here one random
//! 128-bit value is drawn per process and every id is that value with a counter in its last 48 bits. The ids
//! stay UUID-shaped (version-4 and variant bits kept, for agents that check the shape), unique within the
//! process for 2^48 ids, and across processes as unlikely to collide as the random part above the counter is
//! wide (74 bits: the 80 bits above the counter less the 4 version and 2 variant bits).
//! They are not secrets: nothing may rely on them being unguessable (push tokens use their own randomness).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The counter's share of an id: the UUID's last group (48 bits, 12 hex digits).
const COUNTER_BITS: u32 = 48;
const COUNTER_MASK: u128 = (1 << COUNTER_BITS) - 1;

/// A new id for a message the bridge sends: UUID-shaped (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, lowercase hex),
/// unique per process and random across processes (see the module's note).
pub fn new_message_id() -> String {
    static BASE: OnceLock<u128> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = *BASE.get_or_init(|| uuid::Uuid::new_v4().as_u128());
    let count = u128::from(NEXT.fetch_add(1, Ordering::Relaxed));
    // The counter is added to the random last group (so ids do not start at 0), wrapping inside it: the
    // version and variant bits, above it, are never touched.
    let last = (base + count) & COUNTER_MASK;
    let id = uuid::Uuid::from_u128((base & !COUNTER_MASK) | last);
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    id.hyphenated().encode_lower(&mut text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_uuid_shaped_and_version_4() {
        let ids: Vec<String> = (0..1000).map(|_| new_message_id()).collect();
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
        for id in &ids {
            let parsed = uuid::Uuid::parse_str(id).unwrap();
            assert_eq!(parsed.get_version_num(), 4, "{id}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
            assert_eq!(id, &parsed.hyphenated().to_string());
        }
        // Only the last group changes from one id to the next.
        assert_eq!(ids[0][..24], ids[1][..24]);
    }
}
