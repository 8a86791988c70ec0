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
        tree_distance(&need.grid_path, &candidate.home_grid_path),
    )
}

fn score_at(need: &NeedFacts, window: &Window, candidate: &CandidateFacts, distance: u32) -> Score {
    let value = |factor| match factor {
        Factor::Skills => skills_value(&need.required_skills, &candidate.skills),
        Factor::Distance => distance_value(distance),
        Factor::Availability => window.covered_by(&candidate.availability),
        Factor::Reliability => reliability_value(candidate.track_record),
        Factor::Fairness => fairness_value(candidate.recent_minutes),
        Factor::Continuity => continuity_value(
            need.preferred_helper == Some(candidate.volunteer_id),
            candidate.times_helped_resident,
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
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    if limit == 0 {
        return Vec::new();
    }
    // The heap's greatest element is the weakest kept candidate: lowest total, then highest id.
    let window = Window::new(need.window_start, need.window_end);
    let mut kept: BinaryHeap<(Reverse<u32>, i64, usize)> = BinaryHeap::new();
    for (index, candidate) in candidates.iter().enumerate() {
        let Some(distance) = eligible_distance(need, candidate) else {
            continue;
        };
        let entry = (
            Reverse(score_at(need, &window, candidate, distance).total),
            candidate.volunteer_id,
            index,
        );
        if kept.len() < limit {
            kept.push(entry);
        } else if kept.peek().is_some_and(|weakest| entry < *weakest) {
            kept.pop();
            kept.push(entry);
        }
    }
    kept.into_sorted_vec()
        .into_iter()
        .map(|(_, volunteer_id, index)| {
            let candidate = &candidates[index];
            let distance = tree_distance(&need.grid_path, &candidate.home_grid_path);
            Ranked {
                volunteer_id,
                distance,
                score: score_at(need, &window, candidate, distance),
            }
        })
        .collect()
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
