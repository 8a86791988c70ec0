//! Matching: who should be asked to help with a need, and why.
//!
//! Ranking must be explainable to the staff who dispatch and to the volunteers who are
//! recommended a need, so every score comes with its parts. The facts are loaded by the store;
//! the scoring in [`rules`] is pure, so it is tested alone and cannot drift with I/O.

pub mod index;
pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;

use crate::volunteers::{ServiceRadius, WeeklySlot};

/// What matching needs to know about a need.
#[derive(Debug, Clone)]
pub struct NeedFacts {
    /// Skill codes the need's category asks for; empty when anyone may help.
    pub required_skills: Vec<String>,
    /// Materialized path of the need's grid, e.g. `/1/4/9/12/`.
    pub grid_path: String,
    /// When help is needed, in the display time zone (weekly availability is local too).
    pub window_start: NaiveDateTime,
    /// End of the window, after `window_start`.
    pub window_end: NaiveDateTime,
    /// The person helped: a volunteer never ranks for their own need.
    pub resident_id: i64,
    /// The helper a care plan prefers, if any.
    pub preferred_helper: Option<i64>,
}

/// What matching needs to know about one volunteer.
#[derive(Debug, Clone)]
pub struct CandidateFacts {
    /// The volunteer's account.
    pub volunteer_id: i64,
    /// Skill codes held.
    pub skills: Vec<String>,
    /// Materialized path of the volunteer's home grid.
    pub home_grid_path: String,
    /// How far from home the volunteer serves.
    pub service_radius: ServiceRadius,
    /// Weekly availability, local time.
    pub availability: Vec<WeeklySlot>,
    /// Past tasks, no-shows and ratings.
    pub track_record: TrackRecord,
    /// Minutes of help given in the recent window (fairness spreads work).
    pub recent_minutes: u32,
    /// How many times this volunteer helped this resident before.
    pub times_helped_resident: u32,
}

/// A volunteer's record, the input of reliability.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrackRecord {
    /// Tasks completed and confirmed.
    pub completed: u32,
    /// Tasks the volunteer claimed and did not turn up for.
    pub no_shows: u32,
    /// Sum of the ratings received (each 1–5).
    pub rating_sum: u32,
    /// Number of ratings received.
    pub rating_count: u32,
}

/// One part of a score, so staff see why a candidate ranks where it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScorePart {
    /// Which factor.
    pub factor: Factor,
    /// How well the candidate does on it, in basis points of one (0–10,000).
    pub value: u32,
    /// The factor's share of the total, in per cent (the weights add up to 100).
    pub weight: u32,
}

impl ScorePart {
    /// What this part adds to the total, in basis points of the total.
    pub fn contribution(self) -> u32 {
        self.value * self.weight / 100
    }
}

/// The factors of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Factor {
    /// Required skills held.
    Skills,
    /// Closeness in the area tree.
    Distance,
    /// Weekly availability covering the window.
    Availability,
    /// Completion rate and ratings.
    Reliability,
    /// Little recent load, so work is spread.
    Fairness,
    /// Helped this resident before, or preferred by a care plan.
    Continuity,
}

impl Factor {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Skills => "skills",
            Self::Distance => "distance",
            Self::Availability => "availability",
            Self::Reliability => "reliability",
            Self::Fairness => "fairness",
            Self::Continuity => "continuity",
        }
    }
}

/// A candidate's score: the total (basis points, 0–10,000) and the parts it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score {
    /// Sum of the parts' contributions.
    pub total: u32,
    /// One part per factor, in [`rules::WEIGHTS`] order.
    pub parts: [ScorePart; 6],
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    /// The volunteer.
    pub volunteer_id: i64,
    /// Tree distance from the need's grid (0 same grid, 1 same community, 2 same street…).
    pub distance: u32,
    /// The score and its parts.
    pub score: Score,
}
