//! Reading and writing needs, assignments, check events, disputes and care plans. Places on a
//! need change only through the guarded single statements [`take_place`] and
//! [`release_place`]; every other write happens after [`lock`] inside the use case's
//! transaction, so concurrent writers of one need take turns on both engines.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    Assignment, AssignmentStatus, CarePlan, Dispute, Need, NeedId, NeedMode, NeedStatus, Urgency,
};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::categories::store::CategoryRow;
use crate::categories::{Category, CategoryId};
use crate::db::{AnyConnection, StoreError};
use crate::schema::{
    care_plans, need_assignments, need_check_events, need_details, need_disputes, needs,
    service_categories,
};

pub mod followup;
pub mod offers;

fn corrupt(what: String) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(what.into()))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = needs)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct NeedRow {
    id: i64,
    resident_id: i64,
    created_by: i64,
    category_id: i64,
    grid_id: i64,
    area_path: String,
    window_start: NaiveDateTime,
    window_end: NaiveDateTime,
    duration_minutes: i32,
    headcount: i32,
    assigned_count: i32,
    mode: String,
    status: String,
    escalated: bool,
    awaiting_since: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = need_details)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct NeedDetailRow {
    description: String,
    address: Option<String>,
    urgency: String,
    check_code: String,
    cancel_reason: Option<String>,
    care_plan_id: Option<i64>,
    preferred_helper_id: Option<i64>,
    rating: Option<i32>,
    rating_comment: Option<String>,
    completed_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

fn need_from((row, detail): (NeedRow, NeedDetailRow)) -> Result<Need, StoreError> {
    Ok(Need {
        id: NeedId(row.id),
        resident_id: UserId(row.resident_id),
        created_by: UserId(row.created_by),
        category_id: CategoryId(row.category_id),
        description: detail.description,
        grid_id: AreaId(row.grid_id),
        area_path: row.area_path,
        address: detail.address,
        window_start: row.window_start,
        window_end: row.window_end,
        duration_minutes: row.duration_minutes,
        headcount: row.headcount,
        assigned_count: row.assigned_count,
        urgency: Urgency::parse(&detail.urgency)
            .ok_or_else(|| corrupt(format!("urgency {}", detail.urgency)))?,
        mode: NeedMode::parse(&row.mode)
            .ok_or_else(|| corrupt(format!("need mode {}", row.mode)))?,
        status: NeedStatus::parse(&row.status)
            .ok_or_else(|| corrupt(format!("need status {}", row.status)))?,
        escalated: row.escalated,
        check_code: detail.check_code,
        cancel_reason: detail.cancel_reason,
        care_plan_id: detail.care_plan_id,
        preferred_helper_id: detail.preferred_helper_id.map(UserId),
        rating: detail.rating,
        rating_comment: detail.rating_comment,
        awaiting_since: row.awaiting_since,
        completed_at: detail.completed_at,
        created_at: detail.created_at,
        updated_at: row.updated_at,
    })
}

/// A need to insert (both of its rows).
#[derive(Debug, Clone)]
pub struct NewNeedRow {
    /// For whom.
    pub resident_id: i64,
    /// Who posted it.
    pub created_by: i64,
    /// Kind of help.
    pub category_id: i64,
    /// What is needed.
    pub description: String,
    /// Where.
    pub grid_id: i64,
    /// The grid's path.
    pub area_path: String,
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
    pub urgency: &'static str,
    /// Volunteer or paid.
    pub mode: &'static str,
    /// The check code.
    pub check_code: String,
    /// The care plan it comes from.
    pub care_plan_id: Option<i64>,
    /// The helper to offer first.
    pub preferred_helper_id: Option<i64>,
    /// When.
    pub now: NaiveDateTime,
}

/// Inserts an open need; a second occurrence of a care plan at the same start is a unique
/// violation.
pub fn insert(conn: &mut AnyConnection, row: &NewNeedRow) -> Result<NeedId, diesel::result::Error> {
    let id: i64 = diesel::insert_into(needs::table)
        .values((
            needs::resident_id.eq(row.resident_id),
            needs::created_by.eq(row.created_by),
            needs::category_id.eq(row.category_id),
            needs::grid_id.eq(row.grid_id),
            needs::area_path.eq(&row.area_path),
            needs::window_start.eq(row.window_start),
            needs::window_end.eq(row.window_end),
            needs::duration_minutes.eq(row.duration_minutes),
            needs::headcount.eq(row.headcount),
            needs::assigned_count.eq(0),
            needs::mode.eq(row.mode),
            needs::status.eq(NeedStatus::Open.as_str()),
            needs::escalated.eq(false),
            needs::updated_at.eq(row.now),
        ))
        .returning(needs::id)
        .get_result(conn)?;
    diesel::insert_into(need_details::table)
        .values((
            need_details::need_id.eq(id),
            need_details::description.eq(&row.description),
            need_details::address.eq(&row.address),
            need_details::urgency.eq(row.urgency),
            need_details::check_code.eq(&row.check_code),
            need_details::care_plan_id.eq(row.care_plan_id),
            need_details::occurrence_start.eq(row.care_plan_id.map(|_| row.window_start)),
            need_details::preferred_helper_id.eq(row.preferred_helper_id),
            need_details::created_at.eq(row.now),
        ))
        .execute(conn)?;
    Ok(NeedId(id))
}

/// One need.
pub fn get(conn: &mut AnyConnection, id: NeedId) -> Result<Option<Need>, StoreError> {
    needs::table
        .inner_join(need_details::table)
        .filter(needs::id.eq(id.0))
        .select((NeedRow::as_select(), NeedDetailRow::as_select()))
        .first(conn)
        .optional()?
        .map(need_from)
        .transpose()
}

/// One need with its category, and whether `helper` already has a claim on it (in any
/// state), in one read: what a claim checks on every attempt.
pub fn get_for_claim(
    conn: &mut AnyConnection,
    id: NeedId,
    helper: UserId,
) -> Result<Option<(Need, Category, bool)>, StoreError> {
    let row: Option<(NeedRow, NeedDetailRow, CategoryRow, Option<i64>)> = needs::table
        .inner_join(need_details::table)
        .inner_join(service_categories::table.on(service_categories::id.eq(needs::category_id)))
        .left_join(
            need_assignments::table.on(need_assignments::need_id
                .eq(needs::id)
                .and(need_assignments::helper_id.eq(helper.0))),
        )
        .filter(needs::id.eq(id.0))
        .select((
            NeedRow::as_select(),
            NeedDetailRow::as_select(),
            CategoryRow::as_select(),
            need_assignments::id.nullable(),
        ))
        .first(conn)
        .optional()?;
    row.map(|(need, detail, category, claim)| {
        Ok((
            need_from((need, detail))?,
            category.try_into()?,
            claim.is_some(),
        ))
    })
    .transpose()
}

/// Takes the need's row lock (PostgreSQL) by touching it, then reads it; every use case that
/// changes a need's status begins here so two writers of one need take turns.
pub fn lock(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<Option<Need>, StoreError> {
    let touched = diesel::update(needs::table.find(id.0))
        .set(needs::updated_at.eq(now))
        .execute(conn)?;
    if touched == 0 {
        return Ok(None);
    }
    get(conn, id)
}

/// The guarded claim: one statement adds a helper only while a place is free and the need
/// takes claims. Returns the new count, or `None` when no place was taken.
pub fn take_place(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<Option<i32>, StoreError> {
    Ok(diesel::update(
        needs::table
            .find(id.0)
            .filter(needs::assigned_count.lt(needs::headcount))
            .filter(needs::status.eq_any(NeedStatus::CLAIMABLE)),
    )
    .set((
        needs::assigned_count.eq(needs::assigned_count + 1),
        needs::updated_at.eq(now),
    ))
    .returning(needs::assigned_count)
    .get_result(conn)
    .optional()?)
}

/// The guarded release: gives one place back. Returns the new count.
pub fn release_place(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<Option<i32>, StoreError> {
    Ok(
        diesel::update(needs::table.find(id.0).filter(needs::assigned_count.gt(0)))
            .set((
                needs::assigned_count.eq(needs::assigned_count - 1),
                needs::updated_at.eq(now),
            ))
            .returning(needs::assigned_count)
            .get_result(conn)
            .optional()?,
    )
}

/// Sets the status.
pub fn set_status(
    conn: &mut AnyConnection,
    id: NeedId,
    status: NeedStatus,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(needs::table.find(id.0))
        .set((needs::status.eq(status.as_str()), needs::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Marks every helper checked out: the need now waits for the resident.
pub fn set_awaiting(
    conn: &mut AnyConnection,
    id: NeedId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(needs::table.find(id.0))
        .set((
            needs::status.eq(NeedStatus::AwaitingConfirmation.as_str()),
            needs::awaiting_since.eq(now),
            needs::escalated.eq(false),
            needs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Completes the need with the resident's rating, if any.
pub fn set_completed(
    conn: &mut AnyConnection,
    id: NeedId,
    rating: Option<(i32, Option<String>)>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let (rating, comment) = rating.map_or((None, None), |(r, c)| (Some(r), c));
    diesel::update(needs::table.find(id.0))
        .set((
            needs::status.eq(NeedStatus::Completed.as_str()),
            needs::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(need_details::table.find(id.0))
        .set((
            need_details::rating.eq(rating),
            need_details::rating_comment.eq(comment),
            need_details::completed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Cancels the need with a reason; frees every place.
pub fn set_cancelled(
    conn: &mut AnyConnection,
    id: NeedId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(needs::table.find(id.0))
        .set((
            needs::status.eq(NeedStatus::Cancelled.as_str()),
            needs::assigned_count.eq(0),
            needs::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::update(need_details::table.find(id.0))
        .set(need_details::cancel_reason.eq(reason))
        .execute(conn)?;
    diesel::update(
        need_assignments::table
            .filter(need_assignments::need_id.eq(id.0))
            .filter(need_assignments::status.eq_any(["assigned", "waitlisted"])),
    )
    .set((
        need_assignments::status.eq(AssignmentStatus::Cancelled.as_str()),
        need_assignments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Fields of an open need that may change.
#[derive(Debug, Clone)]
pub struct NeedChanges {
    /// What is needed.
    pub description: String,
    /// The address (`None` clears it).
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
    pub urgency: &'static str,
    /// When.
    pub updated_at: NaiveDateTime,
}

/// Changes an open need nobody claimed; false when it is no longer so (guarded).
pub fn update_open(
    conn: &mut AnyConnection,
    id: NeedId,
    changes: &NeedChanges,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        needs::table
            .find(id.0)
            .filter(needs::status.eq(NeedStatus::Open.as_str()))
            .filter(needs::assigned_count.eq(0)),
    )
    .set((
        needs::window_start.eq(changes.window_start),
        needs::window_end.eq(changes.window_end),
        needs::duration_minutes.eq(changes.duration_minutes),
        needs::headcount.eq(changes.headcount),
        needs::updated_at.eq(changes.updated_at),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Ok(false);
    }
    diesel::update(need_details::table.find(id.0))
        .set((
            need_details::description.eq(&changes.description),
            need_details::address.eq(&changes.address),
            need_details::urgency.eq(changes.urgency),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Which needs a listing returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedScope {
    /// Needs for or posted by this person.
    Own(UserId),
    /// Needs within any of these path prefixes (staff areas, a volunteer's radius).
    Within(Vec<String>),
    /// Needs this person holds or held an assignment on.
    HelpedBy(UserId),
}

/// A page of needs in `scope`, newest first, optionally of some statuses, only those with an
/// open dispute when `disputed`, ids below `before`.
pub fn list(
    conn: &mut AnyConnection,
    scope: &NeedScope,
    statuses: &[&'static str],
    disputed: bool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Need>, StoreError> {
    let mut query = needs::table
        .inner_join(need_details::table)
        .select((NeedRow::as_select(), NeedDetailRow::as_select()))
        .into_boxed();
    match scope {
        NeedScope::Own(user) => {
            query = query.filter(
                needs::resident_id
                    .eq(user.0)
                    .or(needs::created_by.eq(user.0)),
            );
        }
        NeedScope::Within(prefixes) => {
            if prefixes.is_empty() {
                return Ok(Vec::new());
            }
            let mut condition: Box<
                dyn BoxableExpression<
                        diesel::dsl::InnerJoinQuerySource<needs::table, need_details::table>,
                        _,
                        SqlType = diesel::sql_types::Bool,
                    >,
            > = Box::new(needs::area_path.like(format!("{}%", prefixes[0])));
            for prefix in &prefixes[1..] {
                condition = Box::new(condition.or(needs::area_path.like(format!("{prefix}%"))));
            }
            query = query.filter(condition);
        }
        NeedScope::HelpedBy(user) => {
            let ids = need_assignments::table
                .filter(need_assignments::helper_id.eq(user.0))
                .select(need_assignments::need_id);
            query = query.filter(needs::id.eq_any(ids));
        }
    }
    if !statuses.is_empty() {
        query = query.filter(needs::status.eq_any(statuses.to_vec()));
    }
    if disputed {
        let open = need_disputes::table
            .filter(need_disputes::status.eq("open"))
            .select(need_disputes::need_id);
        query = query.filter(needs::id.eq_any(open));
    }
    if let Some(before) = before {
        query = query.filter(needs::id.lt(before));
    }
    query
        .order(needs::id.desc())
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(need_from)
        .collect()
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = need_assignments)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct AssignmentRow {
    id: i64,
    need_id: i64,
    helper_id: i64,
    status: String,
    claimed_at: NaiveDateTime,
    assigned_at: Option<NaiveDateTime>,
    checked_in_at: Option<NaiveDateTime>,
    checked_out_at: Option<NaiveDateTime>,
    minutes: Option<i32>,
    flagged_for_review: bool,
    completed: bool,
    rating: Option<i32>,
}

impl TryFrom<AssignmentRow> for Assignment {
    type Error = StoreError;
    fn try_from(row: AssignmentRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            need_id: NeedId(row.need_id),
            helper_id: UserId(row.helper_id),
            status: AssignmentStatus::parse(&row.status)
                .ok_or_else(|| corrupt(format!("assignment status {}", row.status)))?,
            claimed_at: row.claimed_at,
            assigned_at: row.assigned_at,
            checked_in_at: row.checked_in_at,
            checked_out_at: row.checked_out_at,
            minutes: row.minutes,
            flagged_for_review: row.flagged_for_review,
            completed: row.completed,
            rating: row.rating,
        })
    }
}

/// Records a claim: a place (`assigned`) or a spot on the waitlist. A second claim by the
/// same person is a unique violation.
pub fn insert_assignment(
    conn: &mut AnyConnection,
    need: NeedId,
    helper: UserId,
    status: AssignmentStatus,
    now: NaiveDateTime,
) -> Result<i64, diesel::result::Error> {
    let assigned_at = (status == AssignmentStatus::Assigned).then_some(now);
    diesel::insert_into(need_assignments::table)
        .values((
            need_assignments::need_id.eq(need.0),
            need_assignments::helper_id.eq(helper.0),
            need_assignments::status.eq(status.as_str()),
            need_assignments::claimed_at.eq(now),
            need_assignments::assigned_at.eq(assigned_at),
            need_assignments::flagged_for_review.eq(false),
            need_assignments::code_failures.eq(0),
            need_assignments::completed.eq(false),
            need_assignments::updated_at.eq(now),
        ))
        .returning(need_assignments::id)
        .get_result(conn)
}

/// Every claim on a need, oldest first.
pub fn assignments(conn: &mut AnyConnection, need: NeedId) -> Result<Vec<Assignment>, StoreError> {
    need_assignments::table
        .filter(need_assignments::need_id.eq(need.0))
        .order(need_assignments::id.asc())
        .select(AssignmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Assignment::try_from)
        .collect()
}

/// One person's claim on a need, with their count of wrong codes.
pub fn assignment_of(
    conn: &mut AnyConnection,
    need: NeedId,
    helper: UserId,
) -> Result<Option<(Assignment, i32)>, StoreError> {
    let row: Option<(AssignmentRow, i32)> = need_assignments::table
        .filter(need_assignments::need_id.eq(need.0))
        .filter(need_assignments::helper_id.eq(helper.0))
        .select((AssignmentRow::as_select(), need_assignments::code_failures))
        .first(conn)
        .optional()?;
    row.map(|(row, failures)| Assignment::try_from(row).map(|a| (a, failures)))
        .transpose()
}

/// Moves a claim from one status to another (guarded on the old status); false when it was
/// not in `from` any more.
pub fn move_assignment(
    conn: &mut AnyConnection,
    id: i64,
    from: AssignmentStatus,
    to: AssignmentStatus,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let target = need_assignments::table
        .find(id)
        .filter(need_assignments::status.eq(from.as_str()));
    let changed = match to {
        AssignmentStatus::Assigned => diesel::update(target)
            .set((
                need_assignments::status.eq(to.as_str()),
                need_assignments::assigned_at.eq(now),
                need_assignments::updated_at.eq(now),
            ))
            .execute(conn)?,
        AssignmentStatus::Withdrawn => diesel::update(target)
            .set((
                need_assignments::status.eq(to.as_str()),
                need_assignments::withdrawn_at.eq(now),
                need_assignments::updated_at.eq(now),
            ))
            .execute(conn)?,
        AssignmentStatus::CheckedIn => diesel::update(target)
            .set((
                need_assignments::status.eq(to.as_str()),
                need_assignments::checked_in_at.eq(now),
                need_assignments::code_failures.eq(0),
                need_assignments::updated_at.eq(now),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set((
                need_assignments::status.eq(to.as_str()),
                need_assignments::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Checks a helper out with the minutes credited; `flagged` when the system closed it.
pub fn check_out_assignment(
    conn: &mut AnyConnection,
    id: i64,
    minutes: i32,
    flagged: bool,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        need_assignments::table
            .find(id)
            .filter(need_assignments::status.eq(AssignmentStatus::CheckedIn.as_str())),
    )
    .set((
        need_assignments::status.eq(AssignmentStatus::CheckedOut.as_str()),
        need_assignments::checked_out_at.eq(now),
        need_assignments::minutes.eq(minutes),
        need_assignments::flagged_for_review.eq(flagged),
        need_assignments::code_failures.eq(0),
        need_assignments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Counts one more wrong code for a claim (guarded single statement).
pub fn count_code_failure(
    conn: &mut AnyConnection,
    id: i64,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(need_assignments::table.find(id))
        .set((
            need_assignments::code_failures.eq(need_assignments::code_failures + 1),
            need_assignments::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The oldest waitlisted claim on a need.
pub fn first_waitlisted(conn: &mut AnyConnection, need: NeedId) -> Result<Option<i64>, StoreError> {
    Ok(need_assignments::table
        .filter(need_assignments::need_id.eq(need.0))
        .filter(need_assignments::status.eq(AssignmentStatus::Waitlisted.as_str()))
        .order(need_assignments::id.asc())
        .select(need_assignments::id)
        .first(conn)
        .optional()?)
}

/// True when `helper` holds a place on another need whose window overlaps this one.
pub fn has_overlapping_place(
    conn: &mut AnyConnection,
    helper: UserId,
    except: NeedId,
    window: (NaiveDateTime, NaiveDateTime),
) -> Result<bool, StoreError> {
    let held = need_assignments::table
        .filter(need_assignments::helper_id.eq(helper.0))
        .filter(need_assignments::status.eq_any(["assigned", "checked_in"]))
        .select(need_assignments::need_id);
    let found: Option<i64> = needs::table
        .filter(needs::id.eq_any(held))
        .filter(needs::id.ne(except.0))
        .filter(needs::window_start.lt(window.1))
        .filter(needs::window_end.gt(window.0))
        .select(needs::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Completes every checked-out claim with the resident's rating; returns the helpers.
pub fn complete_assignments(
    conn: &mut AnyConnection,
    need: NeedId,
    rating: Option<i32>,
    now: NaiveDateTime,
) -> Result<Vec<UserId>, StoreError> {
    diesel::update(
        need_assignments::table
            .filter(need_assignments::need_id.eq(need.0))
            .filter(need_assignments::status.eq(AssignmentStatus::CheckedOut.as_str())),
    )
    .set((
        need_assignments::completed.eq(true),
        need_assignments::rating.eq(rating),
        need_assignments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(need_assignments::table
        .filter(need_assignments::need_id.eq(need.0))
        .filter(need_assignments::completed.eq(true))
        .order(need_assignments::id.asc())
        .select(need_assignments::helper_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(UserId)
        .collect())
}

/// Sets the minutes of every checked-out claim (a dispute's adjustment or void), flagged.
pub fn set_minutes(
    conn: &mut AnyConnection,
    need: NeedId,
    minutes: i32,
    completed: bool,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        need_assignments::table
            .filter(need_assignments::need_id.eq(need.0))
            .filter(need_assignments::status.eq(AssignmentStatus::CheckedOut.as_str())),
    )
    .set((
        need_assignments::minutes.eq(minutes),
        need_assignments::completed.eq(completed),
        need_assignments::flagged_for_review.eq(false),
        need_assignments::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records a check-in, check-out or automatic close.
pub fn record_check_event(
    conn: &mut AnyConnection,
    need: NeedId,
    helper: UserId,
    kind: &'static str,
    recorded_by: Option<UserId>,
    override_reason: Option<&str>,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(need_check_events::table)
        .values((
            need_check_events::need_id.eq(need.0),
            need_check_events::helper_id.eq(helper.0),
            need_check_events::kind.eq(kind),
            need_check_events::recorded_by.eq(recorded_by.map(|u| u.0)),
            need_check_events::override_reason.eq(override_reason),
            need_check_events::occurred_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Claims checked in on needs whose window ended before `cutoff`: forgotten check-outs.
pub fn forgotten_check_outs(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
) -> Result<Vec<(NeedId, UserId)>, StoreError> {
    let late = needs::table
        .filter(needs::status.eq(NeedStatus::InProgress.as_str()))
        .filter(needs::window_end.lt(cutoff))
        .select(needs::id);
    Ok(need_assignments::table
        .filter(need_assignments::status.eq(AssignmentStatus::CheckedIn.as_str()))
        .filter(need_assignments::need_id.eq_any(late))
        .order(need_assignments::id.asc())
        .select((need_assignments::need_id, need_assignments::helper_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .map(|(n, h)| (NeedId(n), UserId(h)))
        .collect())
}

/// Needs waiting for confirmation since before `cutoff` without an open dispute.
pub fn unconfirmed_since(
    conn: &mut AnyConnection,
    cutoff: NaiveDateTime,
) -> Result<Vec<NeedId>, StoreError> {
    let disputed = need_disputes::table
        .filter(need_disputes::status.eq("open"))
        .select(need_disputes::need_id);
    Ok(needs::table
        .filter(needs::status.eq(NeedStatus::AwaitingConfirmation.as_str()))
        .filter(needs::awaiting_since.le(cutoff))
        .filter(needs::id.ne_all(disputed))
        .order(needs::id.asc())
        .select(needs::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(NeedId)
        .collect())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = need_disputes)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct DisputeRow {
    id: i64,
    need_id: i64,
    opened_by: i64,
    reason: String,
    status: String,
    resolution: Option<String>,
    resolution_reason: Option<String>,
    adjusted_minutes: Option<i32>,
    resolved_by: Option<i64>,
    created_at: NaiveDateTime,
}

impl From<DisputeRow> for Dispute {
    fn from(row: DisputeRow) -> Self {
        Self {
            id: row.id,
            need_id: NeedId(row.need_id),
            opened_by: UserId(row.opened_by),
            reason: row.reason,
            open: row.status == "open",
            resolution: row.resolution,
            resolution_reason: row.resolution_reason,
            adjusted_minutes: row.adjusted_minutes,
            resolved_by: row.resolved_by.map(UserId),
            created_at: row.created_at,
        }
    }
}

/// Opens a dispute.
pub fn insert_dispute(
    conn: &mut AnyConnection,
    need: NeedId,
    opened_by: UserId,
    reason: &str,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(need_disputes::table)
        .values((
            need_disputes::need_id.eq(need.0),
            need_disputes::opened_by.eq(opened_by.0),
            need_disputes::reason.eq(reason),
            need_disputes::status.eq("open"),
            need_disputes::created_at.eq(now),
        ))
        .returning(need_disputes::id)
        .get_result(conn)?)
}

/// Every dispute of a need, oldest first.
pub fn disputes(conn: &mut AnyConnection, need: NeedId) -> Result<Vec<Dispute>, StoreError> {
    Ok(need_disputes::table
        .filter(need_disputes::need_id.eq(need.0))
        .order(need_disputes::id.asc())
        .select(DisputeRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Dispute::from)
        .collect())
}

/// One dispute.
pub fn dispute(conn: &mut AnyConnection, id: i64) -> Result<Option<Dispute>, StoreError> {
    Ok(need_disputes::table
        .find(id)
        .select(DisputeRow::as_select())
        .first(conn)
        .optional()?
        .map(Dispute::from))
}

/// Resolves an open dispute (guarded); false when it was already resolved.
pub fn resolve_dispute(
    conn: &mut AnyConnection,
    id: i64,
    resolution: &'static str,
    reason: &str,
    adjusted_minutes: Option<i32>,
    by: UserId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        need_disputes::table
            .find(id)
            .filter(need_disputes::status.eq("open")),
    )
    .set((
        need_disputes::status.eq("resolved"),
        need_disputes::resolution.eq(resolution),
        need_disputes::resolution_reason.eq(reason),
        need_disputes::adjusted_minutes.eq(adjusted_minutes),
        need_disputes::resolved_by.eq(by.0),
        need_disputes::resolved_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = care_plans)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct CarePlanRow {
    id: i64,
    resident_id: i64,
    created_by: i64,
    category_id: i64,
    description: String,
    grid_id: i64,
    area_path: String,
    weekday: i32,
    start_minute: i32,
    duration_minutes: i32,
    headcount: i32,
    preferred_helper_id: Option<i64>,
    active: bool,
}

impl From<CarePlanRow> for CarePlan {
    fn from(row: CarePlanRow) -> Self {
        Self {
            id: row.id,
            resident_id: UserId(row.resident_id),
            created_by: UserId(row.created_by),
            category_id: CategoryId(row.category_id),
            description: row.description,
            grid_id: AreaId(row.grid_id),
            area_path: row.area_path,
            weekday: row.weekday,
            start_minute: row.start_minute,
            duration_minutes: row.duration_minutes,
            headcount: row.headcount,
            preferred_helper_id: row.preferred_helper_id.map(UserId),
            active: row.active,
        }
    }
}

/// Stores a care plan (the fields of `plan` except its id).
pub fn insert_care_plan(
    conn: &mut AnyConnection,
    plan: &CarePlan,
    now: NaiveDateTime,
) -> Result<i64, StoreError> {
    Ok(diesel::insert_into(care_plans::table)
        .values((
            care_plans::resident_id.eq(plan.resident_id.0),
            care_plans::created_by.eq(plan.created_by.0),
            care_plans::category_id.eq(plan.category_id.0),
            care_plans::description.eq(&plan.description),
            care_plans::grid_id.eq(plan.grid_id.0),
            care_plans::area_path.eq(&plan.area_path),
            care_plans::weekday.eq(plan.weekday),
            care_plans::start_minute.eq(plan.start_minute),
            care_plans::duration_minutes.eq(plan.duration_minutes),
            care_plans::headcount.eq(plan.headcount),
            care_plans::active.eq(plan.active),
            care_plans::created_at.eq(now),
            care_plans::updated_at.eq(now),
        ))
        .returning(care_plans::id)
        .get_result(conn)?)
}

/// One care plan.
pub fn care_plan(conn: &mut AnyConnection, id: i64) -> Result<Option<CarePlan>, StoreError> {
    Ok(care_plans::table
        .find(id)
        .select(CarePlanRow::as_select())
        .first(conn)
        .optional()?
        .map(CarePlan::from))
}

/// Every active care plan.
pub fn active_care_plans(conn: &mut AnyConnection) -> Result<Vec<CarePlan>, StoreError> {
    Ok(care_plans::table
        .filter(care_plans::active.eq(true))
        .order(care_plans::id.asc())
        .select(CarePlanRow::as_select())
        .load(conn)?
        .into_iter()
        .map(CarePlan::from)
        .collect())
}

/// Remembers who helped last, to offer them the next occurrence first.
pub fn prefer_helper(
    conn: &mut AnyConnection,
    plan: i64,
    helper: UserId,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(care_plans::table.find(plan))
        .set((
            care_plans::preferred_helper_id.eq(helper.0),
            care_plans::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// True when the plan already has an occurrence starting at `start`.
pub fn occurrence_exists(
    conn: &mut AnyConnection,
    plan: i64,
    start: NaiveDateTime,
) -> Result<bool, StoreError> {
    let found: Option<i64> = need_details::table
        .filter(need_details::care_plan_id.eq(plan))
        .filter(need_details::occurrence_start.eq(start))
        .select(need_details::need_id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}
