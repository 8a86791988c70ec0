//! The candidate index: every verified volunteer's facts held in memory, grouped by the area
//! their service radius reaches, so ranking one need reads three buckets instead of the
//! volunteer tables. It is rebuilt lazily when the generation counter in the database (moved
//! by triggers in the same transaction as any change to those facts) has passed the one it was
//! built at, so several instances on one database never serve a ranking older than the last
//! commit they could see.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{NaiveDateTime, TimeDelta};

use super::Ranked;
use super::rules::{self, Live};
use super::store::{self, NeedContext, RECENT_DAYS, StoredCandidate};
use crate::db::{Db, StoreError};
use crate::needs::rules::radius_prefix;

/// Volunteers' facts at one generation, grouped by the path prefix their radius reaches.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The generation read before the facts were loaded: the facts are at least this new.
    pub generation: i64,
    volunteers: Vec<StoredCandidate>,
    /// Radius prefix (`/d/s/`, `/d/s/c/` or `/d/s/c/g/`) → volunteers reaching it.
    reach: HashMap<String, Vec<u32>>,
}

impl Snapshot {
    /// Groups loaded volunteers by what their radius reaches.
    pub fn new(generation: i64, volunteers: Vec<StoredCandidate>) -> Self {
        let mut reach: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, v) in volunteers.iter().enumerate() {
            let key = radius_prefix(&v.facts.home_grid_path, v.facts.service_radius);
            reach
                .entry(key)
                .or_default()
                .push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        Self {
            generation,
            volunteers,
            reach,
        }
    }

    /// How many volunteers it holds.
    pub fn len(&self) -> usize {
        self.volunteers.len()
    }

    /// True when it holds no volunteer.
    pub fn is_empty(&self) -> bool {
        self.volunteers.is_empty()
    }

    /// The best `limit` candidates for the need at `now`: only volunteers whose radius covers
    /// the need are looked at, then those excluded or lacking a required credential are
    /// skipped, and the rest are scored with their live facts.
    pub fn rank(&self, context: &NeedContext, limit: usize, now: NaiveDateTime) -> Vec<Ranked> {
        let required = &context.category.safeguarding.required_credentials;
        let buckets = ancestors(&context.facts.grid_path)
            .filter_map(|prefix| self.reach.get(prefix))
            .flatten();
        let candidates = buckets
            .map(|&i| &self.volunteers[i as usize])
            .filter(|v| {
                context
                    .excluded
                    .binary_search(&v.facts.volunteer_id)
                    .is_err()
            })
            .filter(|v| v.holds_valid(required, now))
            .map(|v| {
                let live = Live {
                    recent_minutes: v.recent_minutes(now),
                    times_helped_resident: context
                        .helped
                        .get(&v.facts.volunteer_id)
                        .copied()
                        .unwrap_or(0),
                };
                (&v.facts, live)
            });
        rules::rank_live(&context.facts, candidates, limit)
    }
}

/// The path itself and each ancestor prefix, `/1/2/3/4/` → `/1/2/3/4/`, `/1/2/3/`, `/1/2/`,
/// `/1/`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.char_indices()
        .filter(|(at, c)| *c == '/' && *at > 0)
        .map(move |(at, _)| &path[..=at])
}

/// The shared, lazily rebuilt index a service holds.
#[derive(Debug, Default)]
pub struct CandidateIndex {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuild: tokio::sync::Mutex<()>,
}

impl CandidateIndex {
    /// An empty index; the first request builds it.
    pub fn new() -> Self {
        Self::default()
    }

    fn fresh(&self, generation: i64) -> Option<Arc<Snapshot>> {
        let current = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        current
            .as_ref()
            .filter(|s| s.generation >= generation)
            .cloned()
    }

    /// A snapshot at least as new as `generation`, rebuilt from the store when the held one is
    /// older. One request rebuilds at a time; the others wait for it rather than load too.
    pub async fn at_least(
        &self,
        db: &Db,
        generation: i64,
        now: NaiveDateTime,
    ) -> Result<Arc<Snapshot>, StoreError> {
        if let Some(snapshot) = self.fresh(generation) {
            return Ok(snapshot);
        }
        let _rebuilding = self.rebuild.lock().await;
        if let Some(snapshot) = self.fresh(generation) {
            return Ok(snapshot);
        }
        let since = now - TimeDelta::days(RECENT_DAYS);
        let snapshot = db
            .run(move |conn| {
                // Read the counter first: a change committed meanwhile is then in the facts
                // or makes the next request rebuild, never lost.
                let generation = store::generation(conn)?;
                let volunteers = store::candidates_within(conn, "/", since)?;
                Ok::<_, StoreError>(Snapshot::new(generation, volunteers))
            })
            .await?;
        let snapshot = Arc::new(snapshot);
        tracing::info!(
            generation = snapshot.generation,
            volunteers = snapshot.len(),
            "matching index rebuilt"
        );
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(snapshot.clone());
        Ok(snapshot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_run_from_the_grid_up_to_the_district() {
        let found: Vec<&str> = ancestors("/1/2/3/4/").collect();
        assert_eq!(found, ["/1/", "/1/2/", "/1/2/3/", "/1/2/3/4/"]);
    }
}
