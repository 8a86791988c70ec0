use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
    // 2026-11-30 is a Monday.
    NaiveDate::from_ymd_opt(2026, 11, 29)
        .and_then(|d| d.and_hms_opt(hour, minute, 0))
        .expect("a valid time")
        + TimeDelta::days(i64::from(day))
}

fn slot(weekday: i32, start_minute: i32, end_minute: i32) -> WeeklySlot {
    WeeklySlot {
        weekday,
        start_minute,
        end_minute,
    }
}

fn need() -> NeedFacts {
    NeedFacts {
        required_skills: vec!["elder_care".to_owned(), "first_aid".to_owned()],
        grid_path: "/1/2/3/4/".to_owned(),
        window_start: at(1, 9, 0),
        window_end: at(1, 11, 0),
        resident_id: 1,
        preferred_helper: None,
    }
}

fn candidate(volunteer_id: i64) -> CandidateFacts {
    CandidateFacts {
        volunteer_id,
        skills: vec!["elder_care".to_owned()],
        home_grid_path: "/1/2/3/5/".to_owned(),
        service_radius: ServiceRadius::Community,
        availability: vec![slot(1, 8 * 60, 10 * 60)],
        track_record: TrackRecord::default(),
        recent_minutes: 0,
        times_helped_resident: 0,
    }
}

#[test]
fn tree_distance_counts_levels_to_the_shared_ancestor() {
    assert_eq!(tree_distance("/1/2/3/4/", "/1/2/3/4/"), 0);
    assert_eq!(tree_distance("/1/2/3/4/", "/1/2/3/5/"), 1);
    assert_eq!(tree_distance("/1/2/3/4/", "/1/2/6/7/"), 2);
    assert_eq!(tree_distance("/1/2/3/4/", "/1/8/6/7/"), 3);
    assert_eq!(tree_distance("/1/2/3/4/", "/9/8/6/7/"), 4);
    assert_eq!(tree_distance("/1/2/3/4/", "/1/2/3/45/"), 1);
    assert_eq!(tree_distance("/1/2/3/4/", "/1/2/"), 2);
}

#[test]
fn a_volunteer_is_eligible_only_within_their_radius_and_never_for_themselves() {
    let mut c = candidate(2);
    assert!(is_eligible(&need(), &c));
    c.service_radius = ServiceRadius::Grid;
    assert!(!is_eligible(&need(), &c));
    c.home_grid_path = "/1/2/3/4/".to_owned();
    assert!(is_eligible(&need(), &c));
    c.volunteer_id = 1;
    assert!(!is_eligible(&need(), &c), "the resident themselves");
}

#[test]
fn availability_counts_the_covered_share_of_the_window() {
    let slots = [slot(1, 8 * 60, 10 * 60)];
    assert_eq!(availability_value(at(1, 9, 0), at(1, 11, 0), &slots), 5_000);
    assert_eq!(availability_value(at(1, 8, 0), at(1, 10, 0), &slots), FULL);
    assert_eq!(
        availability_value(at(2, 8, 0), at(2, 10, 0), &slots),
        0,
        "Tuesday"
    );
    assert_eq!(
        availability_value(at(1, 9, 0), at(1, 9, 0), &slots),
        0,
        "empty window"
    );
    let overnight = [slot(1, 22 * 60, 1440), slot(2, 0, 2 * 60)];
    assert_eq!(
        availability_value(at(1, 23, 0), at(2, 1, 0), &overnight),
        FULL
    );
}

#[test]
fn reliability_starts_high_and_falls_with_no_shows() {
    let newcomer = reliability_value(TrackRecord::default());
    assert_eq!(newcomer, 7_000 + 2_250, "full completion, 4-star prior");
    let flaky = reliability_value(TrackRecord {
        no_shows: 2,
        ..TrackRecord::default()
    });
    assert!(flaky < newcomer);
}

#[test]
fn the_parts_explain_the_total_exactly() {
    let score = score(&need(), &candidate(2));
    let parts: u32 = score.parts.iter().map(|p| p.contribution()).sum();
    assert_eq!(score.total, parts);
    assert_eq!(score.parts[0].value, 5_000, "one of two skills");
    assert_eq!(score.parts[1].value, 6_000, "same community");
    assert_eq!(WEIGHTS.iter().map(|(_, w)| w).sum::<u32>(), 100);
}

#[test]
fn ranking_keeps_the_best_and_breaks_ties_by_id() {
    let mut strong = candidate(5);
    strong.skills.push("first_aid".to_owned());
    let far = CandidateFacts {
        home_grid_path: "/1/9/9/9/".to_owned(),
        ..candidate(6)
    };
    let ranked = rank(&need(), &[candidate(4), strong, candidate(3), far], 2);
    let ids: Vec<i64> = ranked.iter().map(|r| r.volunteer_id).collect();
    assert_eq!(ids, [5, 3]);
    assert!(rank(&need(), &[candidate(3)], 0).is_empty());
}

fn any_record() -> impl Strategy<Value = TrackRecord> {
    (0u32..200, 0u32..50, 0u32..100).prop_flat_map(|(completed, no_shows, rated)| {
        (rated..=rated * 5).prop_map(move |rating_sum| TrackRecord {
            completed,
            no_shows,
            rating_sum: rating_sum.max(rated),
            rating_count: rated,
        })
    })
}

const SKILLS: [&str; 5] = ["elder_care", "first_aid", "driving", "repairs", "tutoring"];

fn any_candidate() -> impl Strategy<Value = CandidateFacts> {
    (
        2i64..1_000,
        proptest::sample::subsequence(SKILLS.to_vec(), 0..=5),
        0usize..4,
        any_record(),
        0u32..10_000,
        0u32..10,
        proptest::collection::vec((1i32..=7, 0i32..1440, 0i32..600), 0..6),
    )
        .prop_map(
            |(id, skills, grid, track_record, recent_minutes, times, slots)| CandidateFacts {
                volunteer_id: id,
                skills: skills.into_iter().map(str::to_owned).collect(),
                home_grid_path: ["/1/2/3/4/", "/1/2/3/5/", "/1/2/6/7/", "/1/8/6/7/"][grid]
                    .to_owned(),
                service_radius: ServiceRadius::Street,
                availability: slots
                    .into_iter()
                    .map(|(d, s, len)| slot(d, s, (s + len).min(1440)))
                    .collect(),
                track_record,
                recent_minutes,
                times_helped_resident: times,
            },
        )
}

proptest! {
    #[test]
    fn scores_stay_within_bounds_and_add_up(c in any_candidate()) {
        let s = score(&need(), &c);
        prop_assert!(s.total <= FULL);
        prop_assert!(s.parts.iter().all(|p| p.value <= FULL));
        prop_assert_eq!(s.total, s.parts.iter().map(|p| p.contribution()).sum::<u32>());
    }

    #[test]
    fn adding_a_matching_skill_never_lowers_a_score(c in any_candidate(), skill in 0usize..2) {
        let required = &need().required_skills[skill];
        let mut more = c.clone();
        if !more.skills.contains(required) {
            more.skills.push(required.clone());
        }
        prop_assert!(score(&need(), &more).total >= score(&need(), &c).total);
    }

    #[test]
    fn a_no_show_never_raises_a_score(c in any_candidate()) {
        let mut worse = c.clone();
        worse.track_record.no_shows += 1;
        prop_assert!(score(&need(), &worse).total <= score(&need(), &c).total);
    }

    #[test]
    fn a_completed_task_never_lowers_reliability(record in any_record()) {
        let mut better = record;
        better.completed += 1;
        prop_assert!(reliability_value(better) >= reliability_value(record));
    }

    #[test]
    fn more_recent_load_never_raises_a_score(c in any_candidate(), extra in 1u32..5_000) {
        let mut busier = c.clone();
        busier.recent_minutes += extra;
        prop_assert!(score(&need(), &busier).total <= score(&need(), &c).total);
    }

    #[test]
    fn having_helped_the_resident_never_lowers_a_score(c in any_candidate()) {
        let mut familiar = c.clone();
        familiar.times_helped_resident += 1;
        prop_assert!(score(&need(), &familiar).total >= score(&need(), &c).total);
    }

    #[test]
    fn pruning_by_any_true_upper_bound_changes_nothing(
        candidates in proptest::collection::vec(any_candidate(), 0..40),
        slack in proptest::collection::vec(0u32..3_000, 40),
        limit in 0usize..10,
    ) {
        let plain = rank(&need(), &candidates, limit);
        let bounded = rank_pruned(
            &need(),
            candidates.iter().zip(&slack).map(|(c, extra)| {
                (score(&need(), c).total + extra, c.volunteer_id, move || Some((c, Live::of(c))))
            }),
            limit,
        );
        prop_assert_eq!(plain, bounded);
    }

    #[test]
    fn ranking_is_the_sorted_prefix_of_all_scores(
        candidates in proptest::collection::vec(any_candidate(), 0..40),
        limit in 0usize..10,
    ) {
        let ranked = rank(&need(), &candidates, limit);
        let all = rank(&need(), &candidates, usize::MAX);
        prop_assert_eq!(&ranked[..], &all[..limit.min(all.len())]);
        prop_assert!(all.windows(2).all(|w| w[0].score.total >= w[1].score.total));
    }
}

#[test]
fn explanations_follow_the_value_shown() {
    let part = |factor, value| ScorePart {
        factor,
        value,
        weight: 10,
    };
    assert_eq!(explanation(&part(Factor::Skills, FULL)), "skills_all_held");
    assert_eq!(
        explanation(&part(Factor::Skills, 5_000)),
        "skills_some_held"
    );
    assert_eq!(
        explanation(&part(Factor::Distance, 6_000)),
        "distance_same_community"
    );
    assert_eq!(
        explanation(&part(Factor::Distance, 3_000)),
        "distance_same_street"
    );
    assert_eq!(
        explanation(&part(Factor::Continuity, 0)),
        "continuity_new_to_resident"
    );
    let preferred = NeedFacts {
        preferred_helper: Some(2),
        ..need()
    };
    let scored = score(&preferred, &candidate(2));
    let continuity = scored.parts[5];
    assert_eq!(explanation(&continuity), "continuity_regular_helper");
}
