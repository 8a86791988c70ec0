//! Honour hours (荣誉时长): service a volunteer gave that no task recorded — an emergency, years
//! of help before Linli — which staff over the volunteer's area recognise with a reason, capped
//! per person and year by the community's points policy, audited, and always shown apart from
//! recorded hours.
//!
//! They earn no points: points come only from confirmed help (by the policy of the day, under
//! its daily cap) and from the audited grant and bulk-award paths, so hours added by hand can
//! never become a second, uncapped way to issue points.

pub mod rules;
pub mod store;
pub mod usecases;

use chrono::NaiveDateTime;

use crate::accounts::UserId;
use crate::areas::AreaId;

/// Identifies an addition of honour hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HonourHoursId(pub i64);

/// Honour hours as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HonourHours {
    /// Its id.
    pub id: HonourHoursId,
    /// The volunteer.
    pub volunteer: UserId,
    /// The community whose policy capped them.
    pub community: AreaId,
    /// Whole hours.
    pub hours: i64,
    /// The local calendar year they count towards.
    pub year: i32,
    /// Why.
    pub reason: String,
    /// Who added them.
    pub added_by: UserId,
    /// When.
    pub created_at: NaiveDateTime,
}

/// A volunteer's hours, recorded and honoured kept apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VolunteerHours {
    /// Minutes of completed, recorded help.
    pub recorded_minutes: i64,
    /// Honour hours added by staff, all years.
    pub honour_hours: i64,
    /// Honour hours counted towards this year's cap.
    pub honour_hours_this_year: i64,
}

/// A volunteer's hours within a period, recorded and honoured kept apart, for statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeriodHours {
    /// Minutes of completed, recorded help checked out in the period.
    pub recorded_minutes: i64,
    /// Honour hours added in the period; they earn no points.
    pub honour_hours: i64,
}
