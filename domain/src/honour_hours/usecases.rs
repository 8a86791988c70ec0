//! Honour-hour use cases: staff over a volunteer's area add hours with a reason under the
//! yearly cap, in one audited transaction keyed by the staff member's `Idempotency-Key`; anyone
//! who may read a volunteer's profile sees recorded and honour hours side by side.

use chrono::{Datelike, NaiveDate, NaiveDateTime};

use super::rules::{self, InputError};
use super::store::{self, NewHonourRow};
use super::{HonourHours, VolunteerHours};
use crate::access::Principal;
use crate::accounts::{UserId, store as accounts};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};
use crate::ledger::usecases::community_of;
use crate::points_policy::usecases::in_force_on;
use crate::volunteers::store as volunteers;

/// Why honour hours were not added; nothing changed.
#[derive(Debug, thiserror::Error)]
pub enum HonourHoursError {
    /// The hours or the reason are invalid.
    #[error(transparent)]
    Invalid(#[from] InputError),
    /// No such person.
    #[error("no such person")]
    NotFound,
    /// The caller is not staff over the person's area.
    #[error("only staff over the volunteer's area may add honour hours")]
    OutsideArea,
    /// The person lives in no community, so no policy caps their hours.
    #[error("the person belongs to no community")]
    NoCommunity,
    /// The person is not a verified volunteer.
    #[error("the person is not a verified volunteer")]
    NotAVolunteer,
    /// The year's cap would be exceeded.
    #[error("at most {cap} honour hours a year; {already} are recorded for this year")]
    CapExceeded {
        /// The policy's yearly cap.
        cap: i64,
        /// Hours already added this year.
        already: i64,
    },
    /// The key was used for another addition.
    #[error("the idempotency key was used for a different request")]
    KeyReused,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for HonourHoursError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for HonourHoursError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::Invalid(_)
            | Self::NotFound
            | Self::OutsideArea
            | Self::NoCommunity
            | Self::NotAVolunteer
            | Self::CapExceeded { .. }
            | Self::KeyReused => None,
        }
    }
}

/// Honour hours added, new or found by their key, with the volunteer's year so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The addition.
    pub hours: HonourHours,
    /// True when the key found an earlier addition; nothing changed this time.
    pub replayed: bool,
    /// Honour hours of that year after it.
    pub year_total: i64,
    /// The cap of the policy in force (none: uncapped).
    pub yearly_cap: Option<i64>,
}

/// Adds `hours` honour hours to `volunteer` with a reason: staff over the volunteer's area
/// only, a verified volunteer only, within the yearly cap of their community's policy in force
/// `today`; audited. They earn no points (see the module docs).
#[expect(
    clippy::too_many_arguments,
    reason = "one use case, each argument a distinct fact"
)]
pub async fn add_honour_hours(
    db: &Db,
    principal: Principal,
    volunteer: UserId,
    hours: i64,
    reason: String,
    key: String,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<Added, HonourHoursError> {
    let reason = rules::check_input(hours, &reason)?;
    let scoped = format!("user:{}:{key}", principal.user.id.0);
    let year = today.year();
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (_, home) =
                accounts::with_home_path(conn, volunteer)?.ok_or(HonourHoursError::NotFound)?;
            let home = home.ok_or(HonourHoursError::NoCommunity)?;
            if !principal.is_staff_over(&home) {
                return Err(HonourHoursError::OutsideArea);
            }
            let community = community_of(&home).ok_or(HonourHoursError::NoCommunity)?;
            let cap = in_force_on(conn, community, today)?
                .terms
                .honour_hours_yearly_cap;
            if let Some(found) = store::by_key(conn, &scoped)? {
                if (found.volunteer, found.hours, found.reason.as_str())
                    != (volunteer, hours, reason.as_str())
                {
                    return Err(HonourHoursError::KeyReused);
                }
                let year_total = store::hours_in_year(conn, volunteer, found.year)?;
                return Ok(Added {
                    hours: found,
                    replayed: true,
                    year_total,
                    yearly_cap: cap,
                });
            }
            let verified = volunteers::get(conn, volunteer)?.is_some_and(|p| p.verified_at.is_some());
            if !verified {
                return Err(HonourHoursError::NotAVolunteer);
            }
            store::lock_volunteer(conn, volunteer)?;
            let already = store::hours_in_year(conn, volunteer, year)?;
            if !rules::within_cap(cap, already, hours) {
                return Err(HonourHoursError::CapExceeded {
                    cap: cap.unwrap_or(0),
                    already,
                });
            }
            let added = store::insert(
                conn,
                &NewHonourRow {
                    volunteer_id: volunteer.0,
                    community_id: community.0,
                    hours,
                    year,
                    reason: &reason,
                    added_by: principal.user.id.0,
                    idempotency_key: &scoped,
                    created_at: now,
                },
            )?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "honour_hours.added",
                    subject_type: "user",
                    subject_id: volunteer.0.to_string(),
                    area: Some(community),
                    detail: serde_json::json!({"hours": hours, "year": year, "honour_hours_id": added.id.0}),
                },
                now,
            )?;
            Ok(Added {
                hours: added,
                replayed: false,
                year_total: already + hours,
                yearly_cap: cap,
            })
        })
    })
    .await
}

/// A volunteer's recorded and honour hours (this year's by `today`), for whoever was already
/// allowed to read their profile.
pub async fn hours_of(
    db: &Db,
    volunteer: UserId,
    today: NaiveDate,
) -> Result<VolunteerHours, StoreError> {
    db.run(move |conn| store::hours_of(conn, volunteer, today.year()))
        .await
}
