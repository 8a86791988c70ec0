//! What the needs operations send and receive.

use chrono::{DateTime, Utc};
use linli_domain::needs::posting::NeedDetails;
use linli_domain::needs::{Assignment, Dispute, Need, NeedMode, NeedStatus, Urgency};
use poem_openapi::types::Example;
use poem_openapi::{Enum, Object};

/// A need's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum NeedStatusView {
    /// Nobody has claimed it.
    Open,
    /// Some helpers, fewer than the headcount.
    PartiallyAssigned,
    /// Every place is taken.
    Assigned,
    /// A helper has checked in.
    InProgress,
    /// Every helper has checked out; waiting for the resident.
    AwaitingConfirmation,
    /// Confirmed.
    Completed,
    /// Called off.
    Cancelled,
    /// Nobody took it in time.
    Expired,
}

impl From<NeedStatus> for NeedStatusView {
    fn from(status: NeedStatus) -> Self {
        match status {
            NeedStatus::Open => Self::Open,
            NeedStatus::PartiallyAssigned => Self::PartiallyAssigned,
            NeedStatus::Assigned => Self::Assigned,
            NeedStatus::InProgress => Self::InProgress,
            NeedStatus::AwaitingConfirmation => Self::AwaitingConfirmation,
            NeedStatus::Completed => Self::Completed,
            NeedStatus::Cancelled => Self::Cancelled,
            NeedStatus::Expired => Self::Expired,
        }
    }
}

impl NeedStatusView {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => NeedStatus::Open.as_str(),
            Self::PartiallyAssigned => NeedStatus::PartiallyAssigned.as_str(),
            Self::Assigned => NeedStatus::Assigned.as_str(),
            Self::InProgress => NeedStatus::InProgress.as_str(),
            Self::AwaitingConfirmation => NeedStatus::AwaitingConfirmation.as_str(),
            Self::Completed => NeedStatus::Completed.as_str(),
            Self::Cancelled => NeedStatus::Cancelled.as_str(),
            Self::Expired => NeedStatus::Expired.as_str(),
        }
    }
}

/// How soon help is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
#[oai(rename_all = "snake_case")]
pub enum UrgencyView {
    /// Within the window.
    #[default]
    Normal,
    /// As soon as possible.
    Urgent,
}

impl From<Urgency> for UrgencyView {
    fn from(urgency: Urgency) -> Self {
        match urgency {
            Urgency::Normal => Self::Normal,
            Urgency::Urgent => Self::Urgent,
        }
    }
}

impl From<UrgencyView> for Urgency {
    fn from(urgency: UrgencyView) -> Self {
        match urgency {
            UrgencyView::Normal => Self::Normal,
            UrgencyView::Urgent => Self::Urgent,
        }
    }
}

/// Who delivers the need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Default)]
#[oai(rename_all = "snake_case")]
pub enum NeedModeView {
    /// Volunteers.
    #[default]
    Volunteer,
    /// A paid provider.
    Paid,
}

impl From<NeedMode> for NeedModeView {
    fn from(mode: NeedMode) -> Self {
        match mode {
            NeedMode::Volunteer => Self::Volunteer,
            NeedMode::Paid => Self::Paid,
        }
    }
}

impl From<NeedModeView> for NeedMode {
    fn from(mode: NeedModeView) -> Self {
        match mode {
            NeedModeView::Volunteer => Self::Volunteer,
            NeedModeView::Paid => Self::Paid,
        }
    }
}

/// A need without personal data: what listings show.
#[derive(Debug, Clone, Object)]
pub struct NeedView {
    /// Its id.
    pub id: i64,
    /// The category's id (see `list_service_categories`).
    pub category_id: i64,
    /// What is needed.
    pub description: String,
    /// The grid it is in.
    pub grid_id: i64,
    /// Earliest start.
    pub window_start: DateTime<Utc>,
    /// Latest end.
    pub window_end: DateTime<Utc>,
    /// Estimated minutes of work.
    pub duration_minutes: i32,
    /// Helpers wanted.
    pub headcount: i32,
    /// Helpers holding a place.
    pub assigned_count: i32,
    /// How soon.
    pub urgency: UrgencyView,
    /// Volunteer or paid.
    pub mode: NeedModeView,
    /// Lifecycle state.
    pub status: NeedStatusView,
    /// Flagged for staff attention.
    pub escalated: bool,
    /// The care plan it is an occurrence of.
    pub care_plan_id: Option<i64>,
    /// The helper offered first, for continuity of care.
    pub preferred_helper_id: Option<i64>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The resident's rating (1–5).
    pub rating: Option<i32>,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

impl From<&Need> for NeedView {
    fn from(need: &Need) -> Self {
        Self {
            id: need.id.0,
            category_id: need.category_id.0,
            description: need.description.clone(),
            grid_id: need.grid_id.0,
            window_start: need.window_start.and_utc(),
            window_end: need.window_end.and_utc(),
            duration_minutes: need.duration_minutes,
            headcount: need.headcount,
            assigned_count: need.assigned_count,
            urgency: need.urgency.into(),
            mode: need.mode.into(),
            status: need.status.into(),
            escalated: need.escalated,
            care_plan_id: need.care_plan_id,
            preferred_helper_id: need.preferred_helper_id.map(|u| u.0),
            cancel_reason: need.cancel_reason.clone(),
            rating: need.rating,
            created_at: need.created_at.and_utc(),
        }
    }
}

/// A claim on a need.
#[derive(Debug, Clone, Object)]
pub struct ClaimView {
    /// The helper.
    pub helper_id: i64,
    /// `waitlisted`, `assigned`, `checked_in`, `checked_out`, `withdrawn`, `no_show` or
    /// `cancelled`.
    pub status: String,
    /// When they claimed.
    pub claimed_at: DateTime<Utc>,
    /// When they checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// When they checked out.
    pub checked_out_at: Option<DateTime<Utc>>,
    /// Minutes credited.
    pub minutes: Option<i32>,
    /// Closed by the system or adjusted; staff should look.
    pub flagged_for_review: bool,
    /// Counted as delivered help.
    pub completed: bool,
}

impl From<&Assignment> for ClaimView {
    fn from(a: &Assignment) -> Self {
        Self {
            helper_id: a.helper_id.0,
            status: a.status.as_str().to_owned(),
            claimed_at: a.claimed_at.and_utc(),
            checked_in_at: a.checked_in_at.map(|t| t.and_utc()),
            checked_out_at: a.checked_out_at.map(|t| t.and_utc()),
            minutes: a.minutes,
            flagged_for_review: a.flagged_for_review,
            completed: a.completed,
        }
    }
}

/// A dispute about delivered help.
#[derive(Debug, Clone, Object)]
pub struct DisputeView {
    /// Its id.
    pub id: i64,
    /// The need.
    pub need_id: i64,
    /// Who opened it.
    pub opened_by: i64,
    /// Why.
    pub reason: String,
    /// `open` or `resolved`.
    pub status: String,
    /// `uphold`, `adjust` or `void`.
    pub resolution: Option<String>,
    /// Why it was resolved so.
    pub resolution_reason: Option<String>,
    /// Minutes set by an adjustment.
    pub adjusted_minutes: Option<i32>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
}

impl From<&Dispute> for DisputeView {
    fn from(d: &Dispute) -> Self {
        Self {
            id: d.id,
            need_id: d.need_id.0,
            opened_by: d.opened_by.0,
            reason: d.reason.clone(),
            status: if d.open { "open" } else { "resolved" }.to_owned(),
            resolution: d.resolution.clone(),
            resolution_reason: d.resolution_reason.clone(),
            adjusted_minutes: d.adjusted_minutes,
            created_at: d.created_at.and_utc(),
        }
    }
}

/// The resident's contact: shown to their side, and (audited) to staff and helpers holding a
/// place who ask for it.
#[derive(Debug, Clone, Object)]
pub struct ContactView {
    /// The resident's name.
    pub name: String,
    /// Their phone.
    pub phone: Option<String>,
    /// Where to go.
    pub address: Option<String>,
}

/// A need with what the caller may see of it.
#[derive(Debug, Clone, Object)]
pub struct NeedDetailsView {
    /// The need.
    #[oai(flatten)]
    pub need: NeedView,
    /// The category's code.
    pub category_code: String,
    /// For whom (absent for volunteers browsing).
    pub resident_id: Option<i64>,
    /// The 4-digit code to give helpers at check-in and check-out (the resident's side only).
    pub check_code: Option<String>,
    /// The resident's contact, when the caller may see it.
    pub contact: Option<ContactView>,
    /// The caller's own claim.
    pub my_claim: Option<ClaimView>,
    /// Every claim (not shown to volunteers browsing).
    pub claims: Vec<ClaimView>,
    /// Disputes.
    pub disputes: Vec<DisputeView>,
}

impl From<&NeedDetails> for NeedDetailsView {
    fn from(d: &NeedDetails) -> Self {
        Self {
            need: NeedView::from(&d.need),
            category_code: d.category.code.clone(),
            resident_id: (!d.browsing).then_some(d.need.resident_id.0),
            check_code: d.shows_code.then(|| d.need.check_code.clone()),
            contact: d.contact.as_ref().map(|c| ContactView {
                name: c.name.clone(),
                phone: c.phone.clone(),
                address: c.address.clone(),
            }),
            my_claim: d.my_claim.as_ref().map(ClaimView::from),
            claims: d.claims.iter().map(ClaimView::from).collect(),
            disputes: d.disputes.iter().map(DisputeView::from).collect(),
        }
    }
}

/// A need to post.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct CreateNeedRequest {
    /// Category code (see `list_service_categories`).
    pub category_code: String,
    /// What is needed (1–500 characters).
    pub description: String,
    /// For whom, when posting on a resident's behalf (needs their consent, or staff).
    pub resident_id: Option<i64>,
    /// The grid; the resident's home grid when absent.
    pub grid_id: Option<i64>,
    /// The address (personal data); the resident's profile address when absent.
    pub address: Option<String>,
    /// Earliest start.
    pub window_start: DateTime<Utc>,
    /// Latest end.
    pub window_end: DateTime<Utc>,
    /// Estimated minutes of work.
    pub duration_minutes: i32,
    /// Helpers wanted (1–50).
    pub headcount: i32,
    /// How soon.
    #[oai(default)]
    pub urgency: UrgencyView,
    /// Volunteer or paid.
    #[oai(default)]
    pub mode: NeedModeView,
}

impl Example for CreateNeedRequest {
    fn example() -> Self {
        let start = DateTime::from_timestamp(1_796_000_400, 0).unwrap_or_default();
        Self {
            category_code: "medical_escort".into(),
            description: "陪同去市中心医院复查".into(),
            resident_id: None,
            grid_id: None,
            address: Some("汉台区东关街道1号楼2单元".into()),
            window_start: start,
            window_end: start + chrono::Duration::hours(3),
            duration_minutes: 120,
            headcount: 1,
            urgency: UrgencyView::Normal,
            mode: NeedModeView::Volunteer,
        }
    }
}

/// The fields of an open need.
#[derive(Debug, Clone, Object)]
pub struct UpdateNeedRequest {
    /// What is needed.
    pub description: String,
    /// The address.
    pub address: Option<String>,
    /// Earliest start.
    pub window_start: DateTime<Utc>,
    /// Latest end.
    pub window_end: DateTime<Utc>,
    /// Estimated minutes.
    pub duration_minutes: i32,
    /// Helpers wanted.
    pub headcount: i32,
    /// How soon.
    #[oai(default)]
    pub urgency: UrgencyView,
}

/// Why a need is called off.
#[derive(Debug, Clone, Object)]
pub struct CancelNeedRequest {
    /// The reason (1–500 characters).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// A claim.
#[derive(Debug, Clone, Object)]
pub struct ClaimNeedRequest {
    /// Join the waitlist when every place is taken (else the claim is refused as full).
    #[oai(default)]
    pub waitlist: bool,
}

/// What a claim came to.
#[derive(Debug, Clone, Object)]
pub struct ClaimResultView {
    /// `assigned` or `waitlisted`.
    pub status: String,
    /// The need after the claim.
    pub need: NeedView,
}

/// Proof of presence: the resident's code, or a staff override for a helper with a reason.
#[derive(Debug, Clone, Object)]
pub struct CheckRequest {
    /// The 4-digit code the resident holds.
    pub code: Option<String>,
    /// Staff override: the helper checked in or out.
    pub helper_id: Option<i64>,
    /// Staff override: why the code was not used.
    #[oai(validator(max_length = 500))]
    pub override_reason: Option<String>,
}

/// A confirmation, optionally rated.
#[derive(Debug, Clone, Object)]
pub struct ConfirmNeedRequest {
    /// 1–5.
    pub rating: Option<i32>,
    /// A comment on the help.
    #[oai(validator(max_length = 500))]
    pub comment: Option<String>,
}

/// A dispute to open.
#[derive(Debug, Clone, Object)]
pub struct DisputeNeedRequest {
    /// What went wrong (1–500 characters).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// How staff settle a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ResolutionView {
    /// The delivery stands.
    Uphold,
    /// The delivery stands with corrected minutes.
    Adjust,
    /// The delivery does not count.
    Void,
}

/// A resolution.
#[derive(Debug, Clone, Object)]
pub struct ResolveDisputeRequest {
    /// The outcome.
    pub resolution: ResolutionView,
    /// Why (1–500 characters).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
    /// Minutes to credit each helper (for `adjust`).
    pub minutes: Option<i32>,
}

/// A no-show report.
#[derive(Debug, Clone, Object)]
pub struct NoShowRequest {
    /// The helper who did not come.
    pub helper_id: i64,
}

/// A care plan to make.
#[derive(Debug, Clone, Object)]
pub struct CreateCarePlanRequest {
    /// For whom.
    pub resident_id: i64,
    /// Category code.
    pub category_code: String,
    /// What is needed each time.
    pub description: String,
    /// ISO weekday, 1 = Monday.
    pub weekday: i32,
    /// Minute of the day it starts, in the display time zone.
    pub start_minute: i32,
    /// Minutes each time.
    pub duration_minutes: i32,
    /// Helpers each time.
    #[oai(default = "one")]
    pub headcount: i32,
}

fn one() -> i32 {
    1
}

/// A care plan.
#[derive(Debug, Clone, Object)]
pub struct CarePlanView {
    /// Its id.
    pub id: i64,
    /// For whom.
    pub resident_id: i64,
    /// The category's id.
    pub category_id: i64,
    /// What is needed each time.
    pub description: String,
    /// ISO weekday.
    pub weekday: i32,
    /// Minute of the day it starts.
    pub start_minute: i32,
    /// Minutes each time.
    pub duration_minutes: i32,
    /// Helpers each time.
    pub headcount: i32,
    /// The helper offered first.
    pub preferred_helper_id: Option<i64>,
    /// Occurrences posted now.
    pub occurrences_posted: u64,
}
