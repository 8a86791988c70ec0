//! Pure scoring: every factor is a whole number of basis points (0–10,000), so the properties
//! staff rely on — a matching skill never lowers a score, a no-show never raises one — hold
//! exactly, with no floating-point surprises, and ties break on the volunteer id.

use chrono::{Datelike, NaiveDateTime, TimeDelta};

use super::{CandidateFacts, Factor, NeedFacts, Ranked, Score, ScorePart, TrackRecord};
use crate::volunteers::{ServiceRadius, WeeklySlot};

/// One, in basis points.
pub const FULL: u32 = 10_000;

/// Each factor's share of the total, in per cent; they add up to 100. Skills and closeness
/// matter most (the right person nearby), then being free at the time and being reliable;
/// fairness and continuity decide between otherwise similar candidates.
pub const WEIGHTS: [(Factor, u32); 6] = [
    (Factor::Skills, 30),
    (Factor::Distance, 20),
    (Factor::Availability, 15),
    (Factor::Reliability, 15),
    (Factor::Fairness, 10),
    (Factor::Continuity, 10),
];

/// Recent minutes at which the fairness factor is halved: ten hours of help in the window.
pub const FAIRNESS_HALF_MINUTES: u32 = 600;

/// Availability is computed over at most this many days of a window; longer windows are
/// flexible by nature and need no slot to cover all of them.
const AVAILABILITY_HORIZON_DAYS: i64 = 14;

/// Levels between a need's grid and a volunteer's home grid: 0 in the same grid, 1 in the same
/// community, 2 in the same street, 3 in the same district; paths that share nothing are as far
/// apart as the deeper path is deep.
pub fn tree_distance(need_grid_path: &str, home_grid_path: &str) -> u32 {
    let (need, home) = (need_grid_path.as_bytes(), home_grid_path.as_bytes());
    let common = need.iter().zip(home).take_while(|(a, b)| a == b).count();
    // Shared ancestors end at the last separator both paths agree on.
    let shared = need[..common]
        .iter()
        .rposition(|b| *b == b'/')
        .map_or(0, |at| at + 1);
    let levels_below = need[shared..].iter().filter(|b| **b == b'/').count();
    u32::try_from(levels_below).unwrap_or(u32::MAX)
}

/// The farthest tree distance a volunteer with this radius serves.
pub fn radius_reach(radius: ServiceRadius) -> u32 {
    match radius {
        ServiceRadius::Grid => 0,
        ServiceRadius::Community => 1,
        ServiceRadius::Street => 2,
    }
}

/// Whether the volunteer may be asked at all: within their radius and not the person helped.
pub fn is_eligible(need: &NeedFacts, candidate: &CandidateFacts) -> bool {
    eligible_distance(need, candidate).is_some()
}

/// The tree distance of an eligible candidate, `None` for one who may not be asked.
fn eligible_distance(need: &NeedFacts, candidate: &CandidateFacts) -> Option<u32> {
    if candidate.volunteer_id == need.resident_id {
        return None;
    }
    let distance = tree_distance(&need.grid_path, &candidate.home_grid_path);
    (distance <= radius_reach(candidate.service_radius)).then_some(distance)
}

/// Share of the required skills the volunteer holds; full when the need asks for none.
pub fn skills_value(required: &[String], held: &[String]) -> u32 {
    if required.is_empty() {
        return FULL;
    }
    let matched = required.iter().filter(|skill| held.contains(skill)).count();
    share(matched, required.len())
}

/// Closeness: full in the same grid, less for each level up, nothing beyond the street.
pub fn distance_value(distance: u32) -> u32 {
    match distance {
        0 => FULL,
        1 => 6_000,
        2 => 3_000,
        _ => 0,
    }
}

/// Share of the window's minutes covered by the weekly slots (local time).
pub fn availability_value(start: NaiveDateTime, end: NaiveDateTime, slots: &[WeeklySlot]) -> u32 {
    Window::new(start, end).covered_by(slots)
}

/// A need's window cut into per-day pieces once, so scoring many candidates is integer work.
struct Window {
    /// (ISO weekday, first minute, end minute) of each day the window touches.
    days: Vec<(i32, i32, i32)>,
    minutes: i32,
}

impl Window {
    fn new(start: NaiveDateTime, end: NaiveDateTime) -> Self {
        let end = end.min(start + TimeDelta::days(AVAILABILITY_HORIZON_DAYS));
        let mut days = Vec::new();
        let mut day = start.date();
        while day <= end.date() {
            let midnight = day.and_time(chrono::NaiveTime::MIN);
            let minute_of = |t: NaiveDateTime| {
                i32::try_from((t - midnight).num_minutes().clamp(0, 1440)).unwrap_or(0)
            };
            let (from, to) = (minute_of(start.max(midnight)), minute_of(end));
            if to > from {
                let weekday = i32::try_from(day.weekday().number_from_monday()).unwrap_or(0);
                days.push((weekday, from, to));
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        let minutes = days.iter().map(|(_, from, to)| to - from).sum();
        Self { days, minutes }
    }

    fn covered_by(&self, slots: &[WeeklySlot]) -> u32 {
        let mut covered = 0;
        for &(weekday, from, to) in &self.days {
            for slot in slots.iter().filter(|s| s.weekday == weekday) {
                covered += (slot.end_minute.min(to) - slot.start_minute.max(from)).max(0);
            }
        }
        share(covered.min(self.minutes), self.minutes)
    }
}

/// Completion rate (70 %) and ratings (30 %), both smoothed so a newcomer starts well but not
/// perfectly: completion counts two phantom completions, ratings two phantom 4-star ratings.
pub fn reliability_value(record: TrackRecord) -> u32 {
    let completion = share(record.completed + 2, record.completed + record.no_shows + 2);
    let average_tenths = (record.rating_sum + 8) * 10 / (record.rating_count + 2); // 10–50
    let rating = share(average_tenths.saturating_sub(10), 40);
    (completion * 7 + rating * 3) / 10
}

/// Less recent work, more chance: halves at [`FAIRNESS_HALF_MINUTES`].
pub fn fairness_value(recent_minutes: u32) -> u32 {
    share(
        FAIRNESS_HALF_MINUTES,
        FAIRNESS_HALF_MINUTES.saturating_add(recent_minutes),
    )
}

/// Full for the helper a care plan prefers; otherwise a third per earlier visit, up to three.
pub fn continuity_value(preferred: bool, times_helped: u32) -> u32 {
    if preferred {
        FULL
    } else {
        share(times_helped.min(3), 3)
    }
}

/// The candidate's score with its parts.
pub fn score(need: &NeedFacts, candidate: &CandidateFacts) -> Score {
    score_at(
        need,
        &Window::new(need.window_start, need.window_end),
        candidate,
        Live::of(candidate),
        tree_distance(&need.grid_path, &candidate.home_grid_path),
    )
}

/// The facts that change with the request rather than with the profile: recent load as of
/// now, and visits to this need's resident. An in-memory index keeps profiles and supplies
/// these per request, so it never copies a profile to score it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Live {
    /// Minutes of help given in the recent window.
    pub recent_minutes: u32,
    /// Times this volunteer helped the need's resident before.
    pub times_helped_resident: u32,
}

impl Live {
    /// The live facts a candidate carries itself.
    pub fn of(candidate: &CandidateFacts) -> Self {
        Self {
            recent_minutes: candidate.recent_minutes,
            times_helped_resident: candidate.times_helped_resident,
        }
    }
}

fn score_at(
    need: &NeedFacts,
    window: &Window,
    candidate: &CandidateFacts,
    live: Live,
    distance: u32,
) -> Score {
    let value = |factor| match factor {
        Factor::Skills => skills_value(&need.required_skills, &candidate.skills),
        Factor::Distance => distance_value(distance),
        Factor::Availability => window.covered_by(&candidate.availability),
        Factor::Reliability => reliability_value(candidate.track_record),
        Factor::Fairness => fairness_value(live.recent_minutes),
        Factor::Continuity => continuity_value(
            need.preferred_helper == Some(candidate.volunteer_id),
            live.times_helped_resident,
        ),
    };
    let parts = WEIGHTS.map(|(factor, weight)| ScorePart {
        factor,
        value: value(factor),
        weight,
    });
    Score {
        total: parts.iter().map(|p| p.contribution()).sum(),
        parts,
    }
}

/// The best `limit` eligible candidates, best first; equal totals order by volunteer id so
/// the list is stable between requests. One pass keeps a bounded heap, so ranking a whole
/// district allocates only for the winners.
pub fn rank(need: &NeedFacts, candidates: &[CandidateFacts], limit: usize) -> Vec<Ranked> {
    rank_live(need, candidates.iter().map(|c| (c, Live::of(c))), limit)
}

/// A kept candidate; ordered so the heap's greatest is the weakest: lowest total, then
/// highest id.
struct Kept<'a> {
    total: u32,
    volunteer_id: i64,
    candidate: &'a CandidateFacts,
    live: Live,
    distance: u32,
}

impl Kept<'_> {
    fn key(&self) -> (std::cmp::Reverse<u32>, i64) {
        (std::cmp::Reverse(self.total), self.volunteer_id)
    }
}

impl PartialEq for Kept<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Kept<'_> {}

impl PartialOrd for Kept<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kept<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// [`rank`] over candidates whose live facts come beside them, ineligible ones skipped.
pub fn rank_live<'a>(
    need: &NeedFacts,
    candidates: impl IntoIterator<Item = (&'a CandidateFacts, Live)>,
    limit: usize,
) -> Vec<Ranked> {
    rank_pruned(
        need,
        candidates
            .into_iter()
            .map(|(c, live)| (u32::MAX, c.volunteer_id, move || Some((c, live)))),
        limit,
    )
}

/// [`rank_live`] where each candidate comes as an upper bound of its total, its id and a way to
/// admit it: once `limit` candidates are kept, one whose bound cannot beat the weakest kept is
/// skipped before it is admitted, so its facts are never touched. `admit` answers `None` for a
/// candidate that is not eligible at all. The result is the same as [`rank_live`]'s over the
/// admitted candidates whenever every bound is at least the true total.
pub fn rank_pruned<'a, F>(
    need: &NeedFacts,
    candidates: impl IntoIterator<Item = (u32, i64, F)>,
    limit: usize,
) -> Vec<Ranked>
where
    F: FnOnce() -> Option<(&'a CandidateFacts, Live)>,
{
    use std::collections::BinaryHeap;
    if limit == 0 {
        return Vec::new();
    }
    let window = Window::new(need.window_start, need.window_end);
    let mut kept: BinaryHeap<Kept<'a>> =
        BinaryHeap::with_capacity(limit.min(1_024).saturating_add(1));
    for (bound, volunteer_id, admit) in candidates {
        if kept.len() >= limit
            && kept.peek().is_some_and(|weakest| {
                bound < weakest.total
                    || (bound == weakest.total && volunteer_id > weakest.volunteer_id)
            })
        {
            continue;
        }
        let Some((candidate, live)) = admit() else {
            continue;
        };
        let Some(distance) = eligible_distance(need, candidate) else {
            continue;
        };
        let entry = Kept {
            total: score_at(need, &window, candidate, live, distance).total,
            volunteer_id: candidate.volunteer_id,
            candidate,
            live,
            distance,
        };
        if kept.len() < limit {
            kept.push(entry);
        } else if kept.peek().is_some_and(|weakest| entry < *weakest) {
            kept.pop();
            kept.push(entry);
        }
    }
    kept.into_sorted_vec()
        .into_iter()
        .map(|k| Ranked {
            volunteer_id: k.volunteer_id,
            distance: k.distance,
            score: score_at(need, &window, k.candidate, k.live, k.distance),
        })
        .collect()
}

/// A stable key saying in words why a part scored as it did, for the front end to translate
/// ("holds every skill asked for", "lives in the same community"…). Chosen from the part's
/// value alone, so it always agrees with the number shown beside it.
pub fn explanation(part: &ScorePart) -> &'static str {
    let v = part.value;
    match part.factor {
        Factor::Skills if v == FULL => "skills_all_held",
        Factor::Skills if v == 0 => "skills_none_held",
        Factor::Skills => "skills_some_held",
        Factor::Distance if v == FULL => "distance_same_grid",
        Factor::Distance if v >= distance_value(1) => "distance_same_community",
        Factor::Distance if v >= distance_value(2) => "distance_same_street",
        Factor::Distance => "distance_far",
        Factor::Availability if v == FULL => "availability_whole_window",
        Factor::Availability if v == 0 => "availability_none",
        Factor::Availability => "availability_part_of_window",
        Factor::Reliability if v >= 8_000 => "reliability_high",
        Factor::Reliability if v >= 5_000 => "reliability_fair",
        Factor::Reliability => "reliability_low",
        Factor::Fairness if v >= 7_500 => "fairness_little_recent_load",
        Factor::Fairness if v >= 4_000 => "fairness_some_recent_load",
        Factor::Fairness => "fairness_heavy_recent_load",
        Factor::Continuity if v == FULL => "continuity_regular_helper",
        Factor::Continuity if v == 0 => "continuity_new_to_resident",
        Factor::Continuity => "continuity_helped_before",
    }
}

/// `part / whole` in basis points, rounded down; 0 for an empty whole.
fn share<T: TryInto<u64>>(part: T, whole: T) -> u32 {
    let part: u64 = part.try_into().unwrap_or(0);
    let whole: u64 = whole.try_into().unwrap_or(0);
    if whole == 0 {
        return 0;
    }
    u32::try_from(part.min(whole) * u64::from(FULL) / whole).unwrap_or(FULL)
}

#[cfg(test)]
mod tests;
