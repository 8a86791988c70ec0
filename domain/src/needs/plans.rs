//! Care plans (照护计划): a social worker plans recurring help for a resident, e.g. weekly
//! bathing assistance. Each week's occurrence is an ordinary need, generated ahead by a job
//! (one need per plan and start, so a rerun adds nothing), and carries the helper of the last
//! completed occurrence as the preferred one for continuity of care.

use chrono::{Duration, NaiveDateTime};
use chrono_tz::Tz;

use super::posting::check_mode;
use super::rules::{self, MAX_HEADCOUNT};
use super::store::{self, NewNeedRow};
use super::{CarePlan, NeedMode, Urgency};
use crate::access::Principal;
use crate::accounts::{UserId, store as accounts};
use crate::audit::{self, NewAuditEvent};
use crate::categories::store as categories;
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::residents::store as residents;

/// How far ahead occurrences exist: two weeks, so helpers can plan.
pub const HORIZON: Duration = Duration::days(14);

/// Why a care plan was not made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// No such resident within the caller's reach.
    #[error("no such resident")]
    UnknownResident,
    /// Only social workers and staff over the resident's grid plan care.
    #[error("only social workers and staff over the resident's grid plan care")]
    NotAllowed,
    /// No such category.
    #[error("no such service category: {0}")]
    UnknownCategory(String),
    /// The category is not delivered by volunteers.
    #[error("the category is not delivered by volunteers")]
    ModeNotOffered,
    /// A field breaks a rule.
    #[error("{0} is out of range")]
    Invalid(&'static str),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for PlanError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for PlanError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// What a social worker plans.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// For whom.
    pub resident: UserId,
    /// Kind of help (code).
    pub category_code: String,
    /// What is needed each time.
    pub description: String,
    /// ISO weekday.
    pub weekday: i32,
    /// Minute of the day it starts, display time zone.
    pub start_minute: i32,
    /// Minutes each time.
    pub duration_minutes: i32,
    /// Helpers each time.
    pub headcount: i32,
}

fn check(input: &PlanInput) -> Result<(), PlanError> {
    let description = input.description.trim();
    if description.is_empty() || description.chars().count() > 500 {
        return Err(PlanError::Invalid("description"));
    }
    if !(1..=7).contains(&input.weekday) {
        return Err(PlanError::Invalid("weekday"));
    }
    if !(0..1440).contains(&input.start_minute) {
        return Err(PlanError::Invalid("start_minute"));
    }
    if !(1..=1440).contains(&input.duration_minutes) {
        return Err(PlanError::Invalid("duration_minutes"));
    }
    if !(1..=MAX_HEADCOUNT).contains(&input.headcount) {
        return Err(PlanError::Invalid("headcount"));
    }
    Ok(())
}

/// A social worker (or staff) over the resident's grid makes a plan; the occurrences of the
/// next two weeks are posted at once. Audited.
pub async fn create(
    db: &Db,
    principal: Principal,
    input: PlanInput,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<(CarePlan, u64), PlanError> {
    check(&input)?;
    let plan = db
        .run(move |conn| {
            db::write(conn, |conn| {
                let (user, path) = accounts::with_home_path(conn, input.resident)?
                    .ok_or(PlanError::UnknownResident)?;
                let (Some(grid), Some(path)) = (user.home_grid_id, path) else {
                    return Err(PlanError::UnknownResident);
                };
                if !principal.is_staff_over(&path) {
                    return Err(PlanError::NotAllowed);
                }
                let category = categories::by_code(conn, &input.category_code)?
                    .ok_or_else(|| PlanError::UnknownCategory(input.category_code.clone()))?;
                check_mode(&category, NeedMode::Volunteer)
                    .map_err(|_| PlanError::ModeNotOffered)?;
                let mut plan = CarePlan {
                    id: 0,
                    resident_id: input.resident,
                    created_by: principal.user.id,
                    category_id: category.id,
                    description: input.description.trim().to_owned(),
                    grid_id: grid,
                    area_path: path,
                    weekday: input.weekday,
                    start_minute: input.start_minute,
                    duration_minutes: input.duration_minutes,
                    headcount: input.headcount,
                    preferred_helper_id: None,
                    active: true,
                };
                plan.id = store::insert_care_plan(conn, &plan, now)?;
                audit::store::record(
                    conn,
                    &NewAuditEvent {
                        actor: Some(principal.user.id),
                        on_behalf_of: Some(input.resident),
                        action: "care_plan.created",
                        subject_type: "care_plan",
                        subject_id: plan.id.to_string(),
                        area: Some(grid),
                        detail: serde_json::json!({"category": category.code}),
                    },
                    now,
                )?;
                Ok(plan)
            })
        })
        .await?;
    let posted = post_occurrences(db, &plan, zone, now).await?;
    Ok((plan, posted))
}

/// Posts the missing occurrences of one plan within the horizon; returns how many.
async fn post_occurrences(
    db: &Db,
    plan: &CarePlan,
    zone: Tz,
    now: NaiveDateTime,
) -> Result<u64, StoreError> {
    let mut posted = 0;
    for start in rules::weekly_starts(plan.weekday, plan.start_minute, zone, now, now + HORIZON) {
        let plan = plan.clone();
        let code = rules::check_code_from(rand::random::<u32>());
        let added = db
            .run(move |conn| {
                let attempt = db::write(conn, |conn| post_one(conn, &plan, start, &code, now));
                match attempt {
                    Err(StoreError::Query(e)) if db::is_unique_violation(&e) => Ok(false),
                    other => other,
                }
            })
            .await?;
        posted += u64::from(added);
    }
    Ok(posted)
}

fn post_one(
    conn: &mut AnyConnection,
    plan: &CarePlan,
    start: NaiveDateTime,
    code: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    if store::occurrence_exists(conn, plan.id, start)? {
        return Ok(false);
    }
    let current = store::care_plan(conn, plan.id)?;
    let preferred = current.and_then(|p| p.preferred_helper_id);
    let address = residents::get(conn, plan.resident_id)?.and_then(|p| p.address);
    store::insert(
        conn,
        &NewNeedRow {
            resident_id: plan.resident_id.0,
            created_by: plan.created_by.0,
            category_id: plan.category_id.0,
            description: plan.description.clone(),
            grid_id: plan.grid_id.0,
            area_path: plan.area_path.clone(),
            address,
            window_start: start,
            window_end: start + Duration::minutes(plan.duration_minutes.into()),
            duration_minutes: plan.duration_minutes,
            headcount: plan.headcount,
            urgency: Urgency::Normal.as_str(),
            mode: NeedMode::Volunteer.as_str(),
            check_code: code.to_owned(),
            care_plan_id: Some(plan.id),
            preferred_helper_id: preferred.map(|u| u.0),
            now,
        },
    )?;
    Ok(true)
}

/// Posts the missing occurrences of every active plan (the job). Idempotent per start.
pub async fn generate(db: &Db, zone: Tz, now: NaiveDateTime) -> Result<u64, StoreError> {
    let plans = db.run(store::active_care_plans).await?;
    let mut posted = 0;
    for plan in plans {
        posted += post_occurrences(db, &plan, zone, now).await?;
    }
    Ok(posted)
}
