//! Needs (需求): what a resident asks for, who claims it, how delivery is verified and
//! confirmed, disputes about it, and care plans that post a need every week. The lifecycle is
//! a pure state machine ([`lifecycle`]); places are taken with guarded statements on a counter
//! so a need never has more helpers than its headcount, on either engine.

pub mod claims;
pub mod delivery;
pub mod dispatch;
pub mod escalation;
pub mod events;
pub mod followup;
pub mod lifecycle;
pub mod offer_rules;
pub mod plans;
pub mod posting;
pub mod rules;
pub mod store;

use chrono::NaiveDateTime;

use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::categories::CategoryId;
pub use lifecycle::NeedStatus;

/// A need's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NeedId(pub i64);

/// How soon help is needed; escalation waits less for urgent needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Within the window, no hurry.
    Normal,
    /// As soon as possible.
    Urgent,
}

impl Urgency {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Urgent => "urgent",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Normal, Self::Urgent]
            .into_iter()
            .find(|u| u.as_str() == raw)
    }
}

/// Whether volunteers or a paid provider deliver the need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedMode {
    /// Volunteers claim it and earn points.
    Volunteer,
    /// A provider delivers it for a price.
    Paid,
}

impl NeedMode {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Volunteer => "volunteer",
            Self::Paid => "paid",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Volunteer, Self::Paid]
            .into_iter()
            .find(|m| m.as_str() == raw)
    }
}

/// A need as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// Its id.
    pub id: NeedId,
    /// For whom.
    pub resident_id: UserId,
    /// Who posted it (the resident, a proxy or staff).
    pub created_by: UserId,
    /// Kind of help.
    pub category_id: CategoryId,
    /// What is needed.
    pub description: String,
    /// Where.
    pub grid_id: AreaId,
    /// The grid's materialized path.
    pub area_path: String,
    /// The address (personal data).
    pub address: Option<String>,
    /// Earliest start.
    pub window_start: NaiveDateTime,
    /// Latest end.
    pub window_end: NaiveDateTime,
    /// Estimated minutes of work.
    pub duration_minutes: i32,
    /// Helpers wanted.
    pub headcount: i32,
    /// Helpers holding a place.
    pub assigned_count: i32,
    /// How soon.
    pub urgency: Urgency,
    /// Volunteer or paid.
    pub mode: NeedMode,
    /// Lifecycle state.
    pub status: NeedStatus,
    /// Flagged for staff attention.
    pub escalated: bool,
    /// The 4-digit code helpers must be given at check-in and check-out.
    pub check_code: String,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The care plan it is an occurrence of.
    pub care_plan_id: Option<i64>,
    /// The helper to offer first (continuity of care).
    pub preferred_helper_id: Option<UserId>,
    /// The resident's rating.
    pub rating: Option<i32>,
    /// The resident's comment.
    pub rating_comment: Option<String>,
    /// When every helper had checked out.
    pub awaiting_since: Option<NaiveDateTime>,
    /// When it was completed.
    pub completed_at: Option<NaiveDateTime>,
    /// When it was posted.
    pub created_at: NaiveDateTime,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
}

/// A person's claim on a need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentStatus {
    /// Waiting for a place.
    Waitlisted,
    /// Holds a place.
    Assigned,
    /// On site.
    CheckedIn,
    /// Done.
    CheckedOut,
    /// Gave the place back.
    Withdrawn,
    /// Did not come.
    NoShow,
    /// The need was cancelled.
    Cancelled,
}

impl AssignmentStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waitlisted => "waitlisted",
            Self::Assigned => "assigned",
            Self::CheckedIn => "checked_in",
            Self::CheckedOut => "checked_out",
            Self::Withdrawn => "withdrawn",
            Self::NoShow => "no_show",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Waitlisted,
            Self::Assigned,
            Self::CheckedIn,
            Self::CheckedOut,
            Self::Withdrawn,
            Self::NoShow,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }

    /// True while the person holds a place and the task has not ended for them: the time
    /// during which they may see the resident's contact.
    pub fn holds_place(self) -> bool {
        matches!(self, Self::Assigned | Self::CheckedIn)
    }
}

/// One person's claim and what came of it: the rows reliability, fairness and continuity are
/// computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Its id.
    pub id: i64,
    /// Which need.
    pub need_id: NeedId,
    /// Who.
    pub helper_id: UserId,
    /// Where the claim stands.
    pub status: AssignmentStatus,
    /// When they claimed.
    pub claimed_at: NaiveDateTime,
    /// When they got a place.
    pub assigned_at: Option<NaiveDateTime>,
    /// When they checked in.
    pub checked_in_at: Option<NaiveDateTime>,
    /// When they checked out.
    pub checked_out_at: Option<NaiveDateTime>,
    /// Minutes credited.
    pub minutes: Option<i32>,
    /// Closed by the job or adjusted: staff should look.
    pub flagged_for_review: bool,
    /// Counted as delivered help.
    pub completed: bool,
    /// The resident's rating.
    pub rating: Option<i32>,
}

/// A checked new need; only [`rules::check_new_need`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNeed {
    /// Kind of help (code).
    pub category_code: String,
    /// What is needed.
    pub description: String,
    /// Where; the resident's home grid when none.
    pub grid_id: Option<AreaId>,
    /// The address.
    pub address: Option<String>,
    /// Earliest start.
    pub window_start: NaiveDateTime,
    /// Latest end.
    pub window_end: NaiveDateTime,
    /// Estimated minutes.
    pub duration_minutes: i32,
    /// Helpers wanted.
    pub headcount: i32,
    /// How soon.
    pub urgency: Urgency,
    /// Volunteer or paid.
    pub mode: NeedMode,
}

/// How staff resolve a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The delivery stands as recorded.
    Uphold,
    /// The delivery stands with corrected minutes.
    Adjust,
    /// The delivery does not count.
    Void,
}

impl Resolution {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uphold => "uphold",
            Self::Adjust => "adjust",
            Self::Void => "void",
        }
    }
}

/// A dispute about delivered help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispute {
    /// Its id.
    pub id: i64,
    /// Which need.
    pub need_id: NeedId,
    /// Who opened it.
    pub opened_by: UserId,
    /// Why.
    pub reason: String,
    /// Whether it is still open.
    pub open: bool,
    /// How it was resolved.
    pub resolution: Option<String>,
    /// Why it was resolved so.
    pub resolution_reason: Option<String>,
    /// Minutes set by an adjustment.
    pub adjusted_minutes: Option<i32>,
    /// Staff who resolved it.
    pub resolved_by: Option<UserId>,
    /// When it was opened.
    pub created_at: NaiveDateTime,
}

/// A recurring need a social worker plans for a resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarePlan {
    /// Its id.
    pub id: i64,
    /// For whom.
    pub resident_id: UserId,
    /// Who planned it.
    pub created_by: UserId,
    /// Kind of help.
    pub category_id: CategoryId,
    /// What is needed each time.
    pub description: String,
    /// Where.
    pub grid_id: AreaId,
    /// The grid's path.
    pub area_path: String,
    /// ISO weekday of each occurrence.
    pub weekday: i32,
    /// Minute of the day it starts, in the display time zone.
    pub start_minute: i32,
    /// Minutes each occurrence takes.
    pub duration_minutes: i32,
    /// Helpers per occurrence.
    pub headcount: i32,
    /// The helper of the last completed occurrence.
    pub preferred_helper_id: Option<UserId>,
    /// Whether occurrences are still generated.
    pub active: bool,
}
