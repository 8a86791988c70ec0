//! Ranks one need among 100,000 volunteers, many times, and prints the median and p99 time of
//! the pure ranking (`cargo bench -p linli-domain --bench matching`).

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta};
use linli_domain::matching::{CandidateFacts, NeedFacts, TrackRecord, rules};
use linli_domain::volunteers::{ServiceRadius, WeeklySlot};

const VOLUNTEERS: usize = 100_000;
const ROUNDS: usize = 1_000;
const SKILLS: [&str; 6] = [
    "elder_care",
    "first_aid",
    "driving",
    "repairs",
    "tutoring",
    "companionship",
];

fn main() {
    let monday = NaiveDate::from_ymd_opt(2026, 11, 30)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("a valid time");
    let need = NeedFacts {
        required_skills: vec!["elder_care".to_owned(), "first_aid".to_owned()],
        grid_path: "/1/2/3/4/".to_owned(),
        window_start: monday,
        window_end: monday + TimeDelta::hours(2),
        resident_id: 1,
        preferred_helper: Some(77),
    };
    // A district of 5 streets × 4 communities × 6 grids; every volunteer with 2 skills, 3 slots
    // and a varied record. Numbers come from a fixed linear congruential sequence.
    let mut seed: u64 = 42;
    let mut next = move |bound: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % bound
    };
    let candidates: Vec<CandidateFacts> = (0..VOLUNTEERS)
        .map(|i| CandidateFacts {
            volunteer_id: i64::try_from(i).unwrap_or(i64::MAX) + 2,
            skills: (0..2)
                .map(|_| SKILLS[usize::try_from(next(6)).unwrap_or(0)].to_owned())
                .collect(),
            home_grid_path: format!("/1/{}/{}/{}/", 2 + next(5), 3 + next(4), 4 + next(6)),
            service_radius: [
                ServiceRadius::Grid,
                ServiceRadius::Community,
                ServiceRadius::Street,
            ][usize::try_from(next(3)).unwrap_or(0)],
            availability: (0..3)
                .map(|_| {
                    let start = i32::try_from(next(20) * 60).unwrap_or(0);
                    WeeklySlot {
                        weekday: i32::try_from(1 + next(7)).unwrap_or(1),
                        start_minute: start,
                        end_minute: start + 180,
                    }
                })
                .collect(),
            track_record: TrackRecord {
                completed: u32::try_from(next(100)).unwrap_or(0),
                no_shows: u32::try_from(next(5)).unwrap_or(0),
                rating_sum: 0,
                rating_count: 0,
            },
            recent_minutes: u32::try_from(next(1_200)).unwrap_or(0),
            times_helped_resident: u32::try_from(next(2)).unwrap_or(0),
        })
        .collect();
    let mut times: Vec<Duration> = Vec::with_capacity(ROUNDS);
    let mut kept = 0;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let ranked = rules::rank(&need, std::hint::black_box(&candidates), 20);
        times.push(started.elapsed());
        kept += ranked.len();
    }
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
    println!(
        "rank 1 need among {VOLUNTEERS} volunteers (top 20), {ROUNDS} rounds: median {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} kept per round)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        kept / ROUNDS
    );
}
