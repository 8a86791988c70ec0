//! Honour hours in the store: the append-only rows, the year's sum under the cap, and a
//! volunteer's recorded and honoured hours side by side.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{HonourHours, HonourHoursId, PeriodHours, VolunteerHours};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::{honour_hours, need_assignments};

#[derive(Queryable, Selectable)]
#[diesel(table_name = honour_hours)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct HonourRow {
    id: i64,
    volunteer_id: i64,
    community_id: i64,
    hours: i64,
    year: i32,
    reason: String,
    added_by: i64,
    created_at: NaiveDateTime,
}

impl From<HonourRow> for HonourHours {
    fn from(row: HonourRow) -> Self {
        Self {
            id: HonourHoursId(row.id),
            volunteer: UserId(row.volunteer_id),
            community: AreaId(row.community_id),
            hours: row.hours,
            year: row.year,
            reason: row.reason,
            added_by: UserId(row.added_by),
            created_at: row.created_at,
        }
    }
}

/// An addition to store.
#[derive(Insertable)]
#[diesel(table_name = honour_hours)]
pub struct NewHonourRow<'a> {
    /// The volunteer.
    pub volunteer_id: i64,
    /// The community whose policy capped them.
    pub community_id: i64,
    /// Whole hours.
    pub hours: i64,
    /// The local year.
    pub year: i32,
    /// Why.
    pub reason: &'a str,
    /// Who.
    pub added_by: i64,
    /// The scoped key.
    pub idempotency_key: &'a str,
    /// When.
    pub created_at: NaiveDateTime,
}

/// Stores an addition and returns it.
pub fn insert(conn: &mut AnyConnection, new: &NewHonourRow<'_>) -> Result<HonourHours, StoreError> {
    let id: i64 = diesel::insert_into(honour_hours::table)
        .values(new)
        .returning(honour_hours::id)
        .get_result(conn)?;
    honour_hours::table
        .find(id)
        .select(HonourRow::as_select())
        .first(conn)
        .map(HonourHours::from)
        .map_err(StoreError::from)
}

/// The addition made with the scoped `key`, if any.
pub fn by_key(conn: &mut AnyConnection, key: &str) -> Result<Option<HonourHours>, StoreError> {
    Ok(honour_hours::table
        .filter(honour_hours::idempotency_key.eq(key))
        .select(HonourRow::as_select())
        .first(conn)
        .optional()?
        .map(HonourHours::from))
}

/// Locks the volunteer's profile row until the transaction ends, so two additions for one
/// person are counted against the cap one after the other. Only PostgreSQL needs it: an
/// SQLite write transaction holds the database's write lock from its start. A read lock, not a
/// no-op update, so the matching index's change counter does not move.
pub fn lock_volunteer(conn: &mut AnyConnection, volunteer: UserId) -> Result<(), StoreError> {
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT user_id FROM volunteer_profiles WHERE user_id = $1 FOR UPDATE")
            .bind::<BigInt, _>(volunteer.0)
            .execute(pg)?;
    }
    Ok(())
}

/// Honour hours of `volunteer` counted towards `year`.
pub fn hours_in_year(
    conn: &mut AnyConnection,
    volunteer: UserId,
    year: i32,
) -> Result<i64, StoreError> {
    Ok(honour_hours::table
        .filter(honour_hours::volunteer_id.eq(volunteer.0))
        .filter(honour_hours::year.eq(year))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(hours), 0) AS BIGINT)"))
        .first(conn)?)
}

/// A volunteer's recorded minutes (completed help) and honour hours, all years and `year`.
pub fn hours_of(
    conn: &mut AnyConnection,
    volunteer: UserId,
    year: i32,
) -> Result<VolunteerHours, StoreError> {
    let recorded_minutes: i64 = need_assignments::table
        .filter(need_assignments::helper_id.eq(volunteer.0))
        .filter(need_assignments::completed.eq(true))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(minutes), 0) AS BIGINT)"))
        .first(conn)?;
    let honour_hours: i64 = honour_hours::table
        .filter(honour_hours::volunteer_id.eq(volunteer.0))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(hours), 0) AS BIGINT)"))
        .first(conn)?;
    Ok(VolunteerHours {
        recorded_minutes,
        honour_hours,
        honour_hours_this_year: hours_in_year(conn, volunteer, year)?,
    })
}

/// A volunteer's hours in `[from, to)`: minutes of completed help by check-out time, and the
/// honour hours added in it, kept apart.
pub fn hours_between(
    conn: &mut AnyConnection,
    volunteer: UserId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<PeriodHours, StoreError> {
    let recorded_minutes: i64 = need_assignments::table
        .filter(need_assignments::helper_id.eq(volunteer.0))
        .filter(need_assignments::completed.eq(true))
        .filter(need_assignments::checked_out_at.ge(from))
        .filter(need_assignments::checked_out_at.lt(to))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(minutes), 0) AS BIGINT)"))
        .first(conn)?;
    let honour_hours: i64 = honour_hours::table
        .filter(honour_hours::volunteer_id.eq(volunteer.0))
        .filter(honour_hours::created_at.ge(from))
        .filter(honour_hours::created_at.lt(to))
        .select(sql::<BigInt>("CAST(COALESCE(SUM(hours), 0) AS BIGINT)"))
        .first(conn)?;
    Ok(PeriodHours {
        recorded_minutes,
        honour_hours,
    })
}

/// The honour hours added to `volunteer` in `[from, to)`, oldest first.
pub fn added_between(
    conn: &mut AnyConnection,
    volunteer: UserId,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> Result<Vec<HonourHours>, StoreError> {
    Ok(honour_hours::table
        .filter(honour_hours::volunteer_id.eq(volunteer.0))
        .filter(honour_hours::created_at.ge(from))
        .filter(honour_hours::created_at.lt(to))
        .order((honour_hours::created_at, honour_hours::id))
        .select(HonourRow::as_select())
        .load(conn)?
        .into_iter()
        .map(HonourHours::from)
        .collect())
}
