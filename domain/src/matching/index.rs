//! The candidate index: every verified volunteer's facts held in memory, grouped by the area
//! their service radius reaches, so ranking one need reads three buckets instead of the
//! volunteer tables. It is rebuilt lazily when the generation counter in the database (moved
//! by triggers in the same transaction as any change to those facts) has passed the one it was
//! built at, so several instances on one database never serve a ranking older than the last
//! commit they could see.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{NaiveDateTime, TimeDelta};

use super::rules::{self, FULL, Live, WEIGHTS};
use super::store::{self, NeedContext, RECENT_DAYS, StoredCandidate};
use super::{Factor, NeedFacts, Ranked};
use crate::db::{Db, StoreError};
use crate::needs::rules::radius_prefix;
use crate::volunteers::CredentialKind;

/// Volunteers' facts at one generation, grouped by the path prefix their radius reaches.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The generation read before the facts were loaded: the facts are at least this new.
    pub generation: i64,
    volunteers: Vec<StoredCandidate>,
    /// Skill code → bit in [`Digest::skills`] (the first 64 codes seen).
    skill_bits: HashMap<String, u32>,
    /// Radius prefix (`/d/s/`, `/d/s/c/` or `/d/s/c/g/`) → the digests of the volunteers
    /// reaching it. A ranking scans a bucket's compact digests in order and touches a
    /// volunteer's full facts only when their bound may enter the list.
    reach: HashMap<String, Vec<Digest>>,
}

impl Snapshot {
    /// Groups loaded volunteers by what their radius reaches.
    pub fn new(generation: i64, volunteers: Vec<StoredCandidate>) -> Self {
        let mut skill_bits: HashMap<String, u32> = HashMap::new();
        for v in &volunteers {
            for code in &v.facts.skills {
                let next = u32::try_from(skill_bits.len()).unwrap_or(u32::MAX);
                skill_bits.entry(code.clone()).or_insert(next);
            }
        }
        let mut reach: HashMap<String, Vec<Digest>> = HashMap::new();
        for (i, v) in volunteers.iter().enumerate() {
            let digest = Digest {
                index: u32::try_from(i).unwrap_or(u32::MAX),
                volunteer_id: v.facts.volunteer_id,
                skills: v
                    .facts
                    .skills
                    .iter()
                    .filter_map(|code| skill_bits.get(code))
                    .filter(|bit| **bit < 64)
                    .fold(0u64, |mask, bit| mask | (1 << bit)),
                home: path_ids(&v.facts.home_grid_path),
                reliability: contribution(
                    Factor::Reliability,
                    rules::reliability_value(v.facts.track_record),
                ),
            };
            let key = radius_prefix(&v.facts.home_grid_path, v.facts.service_radius);
            reach.entry(key).or_default().push(digest);
        }
        Self {
            generation,
            volunteers,
            skill_bits,
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
    /// the need are looked at, nearest buckets first; those excluded or lacking a required
    /// credential are skipped; the rest are scored with their live facts unless a cheap upper
    /// bound of their score shows they cannot enter the list.
    pub fn rank(&self, context: &NeedContext, limit: usize, now: NaiveDateTime) -> Vec<Ranked> {
        self.rank_for(
            &Request {
                facts: &context.facts,
                excluded: &context.excluded,
                helped: &context.helped,
                required: &context.category.safeguarding.required_credentials,
            },
            limit,
            now,
        )
    }

    fn rank_for(&self, request: &Request<'_>, limit: usize, now: NaiveDateTime) -> Vec<Ranked> {
        let bound = Bound::new(self, request.facts);
        let buckets: Vec<&Vec<Digest>> = ancestors(&request.facts.grid_path)
            .filter_map(|prefix| self.reach.get(prefix))
            .collect();
        let candidates = buckets.into_iter().rev().flatten().map(|digest| {
            let id = digest.volunteer_id;
            let times_helped_resident = if request.helped.is_empty() {
                0
            } else {
                request.helped.get(&id).copied().unwrap_or(0)
            };
            let admit = move || {
                if request.excluded.binary_search(&id).is_ok() {
                    return None;
                }
                let v = &self.volunteers[digest.index as usize];
                v.holds_valid(request.required, now).then(|| {
                    let live = Live {
                        recent_minutes: v.recent_minutes(now),
                        times_helped_resident,
                    };
                    (&v.facts, live)
                })
            };
            (bound.of(digest, times_helped_resident), id, admit)
        });
        rules::rank_pruned(request.facts, candidates, limit)
    }
}

/// What one ranking asks of a snapshot.
struct Request<'a> {
    facts: &'a NeedFacts,
    excluded: &'a [i64],
    helped: &'a HashMap<i64, u32>,
    required: &'a [CredentialKind],
}

/// What the upper bound keeps of a volunteer: skills as bits, the home grid's ids from the
/// district down, and the reliability contribution (fixed until the next rebuild), with
/// where their full facts are.
#[derive(Debug, Clone, Copy)]
struct Digest {
    index: u32,
    volunteer_id: i64,
    skills: u64,
    home: Option<[i64; 4]>,
    reliability: u32,
}

/// The parts of an upper bound fixed by the need.
struct Bound<'a> {
    /// Bits of the required skills; `None` when the need asks for none or for a skill
    /// without a bit (then skills count in full).
    wanted: Option<u64>,
    need: Option<[i64; 4]>,
    facts: &'a NeedFacts,
}

impl<'a> Bound<'a> {
    fn new(snapshot: &Snapshot, facts: &'a NeedFacts) -> Self {
        let required = &facts.required_skills;
        let mut wanted = Some(0u64);
        for code in required {
            match snapshot.skill_bits.get(code) {
                Some(bit) if *bit < 64 => wanted = wanted.map(|m| m | (1 << bit)),
                Some(_) => wanted = None,
                // Nobody holds it: it adds nothing to anyone's score.
                None => {}
            }
        }
        if required.is_empty() {
            wanted = None;
        }
        Self {
            wanted,
            need: path_ids(&facts.grid_path),
            facts,
        }
    }

    /// At least the candidate's total: every part at its exact contribution where that is
    /// cheap, at its most where it is not (availability, fairness, partial skills).
    fn of(&self, digest: &Digest, times_helped_resident: u32) -> u32 {
        let skills = match self.wanted {
            Some(mask) if digest.skills & mask == 0 => 0,
            _ => FULL,
        };
        let distance = match (self.need, digest.home) {
            (Some(need), Some(home)) => {
                let shared = need.iter().zip(&home).take_while(|(a, b)| a == b).count();
                rules::distance_value(u32::try_from(4 - shared).unwrap_or(u32::MAX))
            }
            _ => FULL,
        };
        let continuity = if self.facts.preferred_helper == Some(digest.volunteer_id)
            || times_helped_resident > 0
        {
            FULL
        } else {
            0
        };
        contribution(Factor::Skills, skills)
            + contribution(Factor::Distance, distance)
            + contribution(Factor::Availability, FULL)
            + digest.reliability
            + contribution(Factor::Fairness, FULL)
            + contribution(Factor::Continuity, continuity)
    }
}

/// What a factor's value adds to a total, as [`super::ScorePart::contribution`] computes it.
fn contribution(factor: Factor, value: u32) -> u32 {
    let weight = WEIGHTS
        .iter()
        .find(|(f, _)| *f == factor)
        .map_or(0, |(_, w)| *w);
    value * weight / 100
}

/// The four ids of a district/street/community/grid path, `None` for any other shape.
fn path_ids(path: &str) -> Option<[i64; 4]> {
    let mut ids = [0i64; 4];
    let mut parts = path.split('/').filter(|s| !s.is_empty());
    for slot in &mut ids {
        *slot = parts.next()?.parse().ok()?;
    }
    parts.next().is_none().then_some(ids)
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
    use chrono::NaiveDate;

    use super::*;
    use crate::matching::{CandidateFacts, TrackRecord};
    use crate::volunteers::{ServiceRadius, WeeklySlot};

    #[test]
    fn ancestors_run_from_the_grid_up_to_the_district() {
        let found: Vec<&str> = ancestors("/1/2/3/4/").collect();
        assert_eq!(found, ["/1/", "/1/2/", "/1/2/3/", "/1/2/3/4/"]);
    }

    #[test]
    fn paths_of_another_shape_have_no_ids() {
        assert_eq!(path_ids("/1/2/3/4/"), Some([1, 2, 3, 4]));
        assert_eq!(path_ids("/1/2/3/"), None);
        assert_eq!(path_ids("/1/2/3/4/5/"), None);
        assert_eq!(path_ids("/1/x/3/4/"), None);
    }

    /// Volunteers of a district of 2 streets × 3 communities × 3 grids from a fixed sequence.
    fn district(count: i64, seed: u64) -> Vec<StoredCandidate> {
        let mut state = seed;
        let mut next = move |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            u32::try_from((state >> 33) % bound).unwrap_or(0)
        };
        let skills = ["companionship", "errands", "repairs", "elder_care"];
        let at = NaiveDate::from_ymd_opt(2026, 11, 20)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("a time");
        (0..count)
            .map(|id| StoredCandidate {
                facts: CandidateFacts {
                    volunteer_id: id + 10,
                    skills: (0..next(3))
                        .map(|_| skills[next(4) as usize].to_owned())
                        .collect(),
                    home_grid_path: format!("/1/{}/{}/{}/", 2 + next(2), 5 + next(3), 9 + next(3)),
                    service_radius: [
                        ServiceRadius::Grid,
                        ServiceRadius::Community,
                        ServiceRadius::Street,
                    ][next(3) as usize],
                    availability: (0..next(3))
                        .map(|_| {
                            let start = i32::try_from(next(20) * 60).unwrap_or(0);
                            WeeklySlot {
                                weekday: i32::try_from(1 + next(7)).unwrap_or(1),
                                start_minute: start,
                                end_minute: start + 240,
                            }
                        })
                        .collect(),
                    track_record: TrackRecord {
                        completed: next(30),
                        no_shows: next(4),
                        rating_sum: next(40),
                        rating_count: next(8),
                    },
                    recent_minutes: 0,
                    times_helped_resident: 0,
                },
                credentials: if next(2) == 0 {
                    vec![(CredentialKind::Training, None)]
                } else {
                    Vec::new()
                },
                recent: (0..next(3)).map(|_| (at, next(300))).collect(),
            })
            .collect()
    }

    #[test]
    fn the_index_ranks_exactly_as_the_rules_rank_every_eligible_volunteer() {
        let now = NaiveDate::from_ymd_opt(2026, 11, 28)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .expect("a time");
        for seed in 0..40 {
            let volunteers = district(600, seed);
            let snapshot = Snapshot::new(1, volunteers.clone());
            let required: &[CredentialKind] = if seed % 3 == 0 {
                &[CredentialKind::Training]
            } else {
                &[]
            };
            let need = NeedFacts {
                required_skills: if seed % 4 == 0 {
                    Vec::new()
                } else {
                    vec!["companionship".to_owned()]
                },
                grid_path: format!("/1/{}/{}/{}/", 2 + seed % 2, 5 + seed % 3, 9 + seed % 3),
                window_start: now + TimeDelta::hours(26),
                window_end: now + TimeDelta::hours(29),
                resident_id: 10 + i64::try_from(seed).unwrap_or(0),
                preferred_helper: Some(20 + i64::try_from(seed).unwrap_or(0)),
            };
            let excluded: Vec<i64> = (0..600)
                .filter(|id| id % 17 == 0)
                .map(|id| id + 10)
                .collect();
            let helped: HashMap<i64, u32> = (0..600)
                .filter(|id| id % 13 == 0)
                .map(|id| (id + 10, u32::try_from(id % 4).unwrap_or(0)))
                .collect();
            let request = Request {
                facts: &need,
                excluded: &excluded,
                helped: &helped,
                required,
            };
            let straight: Vec<CandidateFacts> = volunteers
                .iter()
                .filter(|v| excluded.binary_search(&v.facts.volunteer_id).is_err())
                .filter(|v| v.holds_valid(required, now))
                .map(|v| CandidateFacts {
                    recent_minutes: v.recent_minutes(now),
                    times_helped_resident: helped.get(&v.facts.volunteer_id).copied().unwrap_or(0),
                    ..v.facts.clone()
                })
                .collect();
            for limit in [1, 5, 20, 1_000] {
                assert_eq!(
                    snapshot.rank_for(&request, limit, now),
                    rules::rank(&need, &straight, limit),
                    "seed {seed}, limit {limit}"
                );
            }
        }
    }
}
