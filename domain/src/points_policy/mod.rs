//! Each community's points policy, as data: how many points an hour of help earns, caps,
//! expiry, age gates and transfers. Versions are effective from a date and never edited, so a
//! point earned last year keeps the rules it was earned under, and staff can announce a change
//! before it applies.

pub mod rules;
pub mod store;
pub mod usecases;

use chrono::{NaiveDate, NaiveDateTime};

use crate::accounts::UserId;
use crate::areas::AreaId;

/// The rules of one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyTerms {
    /// Points for one hour of help, before the category weight and urgency bonus.
    pub points_per_hour: i64,
    /// Extra per cent for urgent needs.
    pub urgent_bonus_percent: i64,
    /// Most points one person may earn a day.
    pub daily_cap: Option<i64>,
    /// Most points one person may hold.
    pub balance_cap: Option<i64>,
    /// Months until earned points expire (FIFO by lot).
    pub expiry_months: Option<i32>,
    /// Age from which time-bank elder-care rewards may be redeemed.
    pub elder_redemption_age: Option<i32>,
    /// Whether points may be given to registered relatives.
    pub relative_transfers_allowed: bool,
    /// Honour hours staff may add per person and year.
    pub honour_hours_yearly_cap: Option<i64>,
}

/// A stored version of a community's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointsPolicy {
    /// The community.
    pub community: AreaId,
    /// 1, 2, 3…; 0 is the built-in default of a community that never set one.
    pub version: i32,
    /// First local date it applies to.
    pub effective_from: NaiveDate,
    /// Its rules.
    pub terms: PolicyTerms,
    /// Who set it (none for the default).
    pub created_by: Option<UserId>,
    /// When it was set (none for the default).
    pub created_at: Option<NaiveDateTime>,
}
