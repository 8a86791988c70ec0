//! Pure rules of delivery: when a failed message is tried again, and when it is given up on.
//! No clock and no randomness of their own: `now` and the jitter are arguments.

use chrono::{NaiveDateTime, SubsecRound, TimeDelta};

use super::{AfterFailure, RetryPolicy};

/// The wait before the next attempt after `attempts` failed ones (1 for the first failure):
/// `base × 2^(attempts−1)`, capped at `max_delay`, then scaled into its upper half by
/// `jitter` ∈ [0, 1] ("equal jitter": at least half the backoff, never more than all of it),
/// so failures that happened together spread out instead of retrying in step.
pub fn backoff(policy: &RetryPolicy, attempts: u32, jitter: f64) -> std::time::Duration {
    let exponent = attempts.saturating_sub(1).min(32);
    let grown = policy
        .base
        .checked_mul(1u32 << exponent.min(31))
        .unwrap_or(policy.max_delay);
    let capped = grown.min(policy.max_delay);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    capped / 2 + capped.mul_f64(jitter / 2.0)
}

/// What happens after an attempt failed: with `attempts` made (counting this one), a permanent
/// failure or reaching `max_attempts` gives up; anything else is retried after [`backoff`].
pub fn after_failure(
    policy: &RetryPolicy,
    attempts: u32,
    permanent: bool,
    now: NaiveDateTime,
    jitter: f64,
) -> AfterFailure {
    if permanent || attempts >= policy.max_attempts {
        return AfterFailure::Dead;
    }
    let wait = TimeDelta::from_std(backoff(policy, attempts, jitter)).unwrap_or(TimeDelta::MAX);
    AfterFailure::Retry(
        now.checked_add_signed(wait)
            .unwrap_or(NaiveDateTime::MAX)
            .trunc_subsecs(6),
    )
}

/// A failure reason cut to what the store keeps (1,000 characters), on a character boundary.
pub fn clip_reason(reason: &str) -> String {
    reason.chars().take(1000).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base: Duration::from_secs(10),
            max_delay: Duration::from_secs(3600),
            max_attempts: 5,
        }
    }

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(3, 0, 0))
            .expect("a valid instant")
    }

    #[test]
    fn the_backoff_doubles_from_the_base_without_jitter() {
        let waits: Vec<u64> = (1..=5)
            .map(|n| backoff(&policy(), n, 1.0).as_secs())
            .collect();
        assert_eq!(waits, [10, 20, 40, 80, 160]);
        assert_eq!(backoff(&policy(), 1, 0.0), Duration::from_secs(5));
    }

    #[test]
    fn the_backoff_stops_growing_at_the_cap() {
        assert_eq!(backoff(&policy(), 20, 1.0), Duration::from_secs(3600));
        assert_eq!(backoff(&policy(), u32::MAX, 1.0), Duration::from_secs(3600));
    }

    #[test]
    fn a_permanent_failure_or_the_last_attempt_is_dead() {
        assert_eq!(
            after_failure(&policy(), 1, true, at(), 0.5),
            AfterFailure::Dead
        );
        assert_eq!(
            after_failure(&policy(), 5, false, at(), 0.5),
            AfterFailure::Dead
        );
        assert_eq!(
            after_failure(&policy(), 4, false, at(), 1.0),
            AfterFailure::Retry(at() + TimeDelta::seconds(80))
        );
    }

    #[test]
    fn reasons_are_clipped_on_character_boundaries() {
        let long = "错".repeat(1500);
        assert_eq!(clip_reason(&long).chars().count(), 1000);
        assert_eq!(clip_reason("short"), "short");
    }

    proptest! {
        #[test]
        fn the_wait_lies_between_half_and_all_of_the_capped_backoff(
            attempts in 1u32..64, jitter in -1.0f64..2.0, base_ms in 1u64..100_000, cap_s in 1u64..100_000,
        ) {
            let policy = RetryPolicy {
                base: Duration::from_millis(base_ms),
                max_delay: Duration::from_secs(cap_s),
                max_attempts: 100,
            };
            let full = policy.base.saturating_mul(2u32.saturating_pow(attempts - 1)).min(policy.max_delay);
            let wait = backoff(&policy, attempts, jitter);
            prop_assert!(wait <= full, "{wait:?} > {full:?}");
            prop_assert!(wait >= full / 2, "{wait:?} < half of {full:?}");
        }

        #[test]
        fn waits_never_shrink_as_attempts_grow(attempts in 1u32..40, jitter in 0.0f64..=1.0) {
            let p = policy();
            prop_assert!(backoff(&p, attempts + 1, jitter) >= backoff(&p, attempts, jitter));
        }

        #[test]
        fn a_retry_is_always_in_the_future_and_never_after_the_cap(attempts in 1u32..5, jitter in 0.0f64..=1.0) {
            match after_failure(&policy(), attempts, false, at(), jitter) {
                AfterFailure::Retry(next) => {
                    prop_assert!(next > at());
                    prop_assert!(next <= at() + TimeDelta::seconds(3600));
                }
                AfterFailure::Dead => prop_assert!(false, "attempt {attempts} of 5 is retried"),
            }
        }
    }
}
