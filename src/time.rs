//! Numbers from outside (a client's `wait_seconds`, an agent's `expires_in` or `Retry-After`, a config value)
//! turned into `Duration`s without panicking.
//!
//! `Duration::from_secs_f64` panics on a negative, non-finite or too large value; clippy (`clippy.toml`,
//! `disallowed-methods`) forbids it in this crate, so every conversion goes through these functions.

use std::time::Duration;

/// `secs` seconds, clamped into `[0, max]`: NaN and negative numbers give zero, anything above `max` (infinity
/// included) gives `max`.
pub fn secs_clamped(secs: f64, max: Duration) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    if secs >= max.as_secs_f64() {
        return max;
    }
    Duration::try_from_secs_f64(secs).map_or(max, |d| d.min(max))
}

/// `secs` seconds, or `None` when it is negative, NaN, infinite or beyond what a `Duration` holds.
pub fn secs_checked(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_every_float() {
        let max = Duration::from_secs(600);
        for (input, want) in [
            (f64::NAN, Duration::ZERO),
            (-1.0, Duration::ZERO),
            (f64::NEG_INFINITY, Duration::ZERO),
            (0.0, Duration::ZERO),
            (1.5, Duration::from_millis(1500)),
            (600.0, max),
            (1e20, max),
            (f64::MAX, max),
            (f64::INFINITY, max),
        ] {
            assert_eq!(secs_clamped(input, max), want, "{input}");
        }
        assert_eq!(secs_clamped(1e30, Duration::MAX), Duration::MAX);
    }

    #[test]
    fn checked_refuses_what_does_not_fit() {
        assert_eq!(secs_checked(2.0), Some(Duration::from_secs(2)));
        assert_eq!(secs_checked(-2.0), None);
        assert_eq!(secs_checked(f64::NAN), None);
        assert_eq!(secs_checked(1e20), None);
    }
}
