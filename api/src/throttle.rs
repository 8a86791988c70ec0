//! Login throttling: failures per account and attempts per client address, each in a sliding
//! window. Kept in memory per instance, so with N instances the effective limit is N times
//! higher; the store-backed variant belongs with the multi-instance work.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries kept before stale keys are swept, bounding memory under a flood of distinct keys.
const SWEEP_AT: usize = 10_000;

/// At most `limit` events per key within `window`.
pub struct SlidingWindow<K> {
    limit: usize,
    window: Duration,
    events: Mutex<HashMap<K, VecDeque<Instant>>>,
}

impl<K: Hash + Eq + Clone> SlidingWindow<K> {
    /// A window allowing `limit` events per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit as usize,
            window,
            events: Mutex::new(HashMap::new()),
        }
    }

    /// How long until `key` may act again, if it is over its limit now.
    pub fn blocked_for(&self, key: &K, now: Instant) -> Option<Duration> {
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let queue = events.get_mut(key)?;
        Self::expire(queue, now, self.window);
        (queue.len() >= self.limit)
            .then(|| {
                queue
                    .front()
                    .map(|oldest| self.window.saturating_sub(now - *oldest))
            })
            .flatten()
    }

    /// Records one event for `key`.
    pub fn record(&self, key: K, now: Instant) {
        let mut events = self
            .events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if events.len() >= SWEEP_AT {
            let window = self.window;
            events.retain(|_, queue| {
                Self::expire(queue, now, window);
                !queue.is_empty()
            });
        }
        let queue = events.entry(key).or_default();
        Self::expire(queue, now, self.window);
        queue.push_back(now);
    }

    /// Forgets `key` (a successful login clears its failures).
    pub fn clear(&self, key: &K) {
        self.events
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }

    fn expire(queue: &mut VecDeque<Instant>, now: Instant, window: Duration) {
        while queue
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            queue.pop_front();
        }
    }
}

/// The two login limits.
pub struct LoginThrottle {
    /// Failed logins per normalised phone number.
    pub failures_per_account: SlidingWindow<String>,
    /// Attempts per client address.
    pub attempts_per_address: SlidingWindow<std::net::IpAddr>,
}

impl LoginThrottle {
    /// Limits from configuration: failures per 15 minutes, attempts per minute.
    pub fn new(failures_per_account: u32, attempts_per_address: u32) -> Self {
        Self {
            failures_per_account: SlidingWindow::new(
                failures_per_account,
                Duration::from_secs(15 * 60),
            ),
            attempts_per_address: SlidingWindow::new(attempts_per_address, Duration::from_secs(60)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_blocks_until_the_oldest_event_leaves_the_window() {
        let window = SlidingWindow::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        window.record("a", t0);
        assert_eq!(window.blocked_for(&"a", t0), None);
        window.record("a", t0 + Duration::from_secs(10));
        assert_eq!(
            window.blocked_for(&"a", t0 + Duration::from_secs(20)),
            Some(Duration::from_secs(40))
        );
        assert_eq!(window.blocked_for(&"b", t0), None);
        assert_eq!(window.blocked_for(&"a", t0 + Duration::from_secs(61)), None);
        window.clear(&"a");
        assert_eq!(window.blocked_for(&"a", t0 + Duration::from_secs(20)), None);
    }
}
