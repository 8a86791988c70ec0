//! The queue queries: each one statement over the people whose home grid is among the areas
//! given, oldest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{PendingCredential, QueueEntry};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::{areas, credentials, resident_profiles, users, volunteer_profiles};

/// The most entries one queue returns.
pub const QUEUE_LIMIT: i64 = 200;

/// Every area's id and path: the tree is small, and the policy decides in Rust which areas a
/// principal serves.
pub fn area_paths(conn: &mut AnyConnection) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(areas::table.select((areas::id, areas::path)).load(conn)?)
}

fn entry((user, name, grid, since): (i64, String, Option<i64>, NaiveDateTime)) -> QueueEntry {
    QueueEntry {
        user_id: UserId(user),
        display_name: name,
        grid_id: AreaId(grid.unwrap_or_default()),
        since,
        credential: None,
    }
}

/// Volunteers of `grids` who stated a real name that nobody has verified.
pub fn volunteers(conn: &mut AnyConnection, grids: &[i64]) -> Result<Vec<QueueEntry>, StoreError> {
    let rows: Vec<(i64, String, Option<i64>, NaiveDateTime)> = volunteer_profiles::table
        .inner_join(users::table.on(users::id.eq(volunteer_profiles::user_id)))
        .filter(users::home_grid_id.eq_any(grids))
        .filter(volunteer_profiles::real_name.is_not_null())
        .filter(volunteer_profiles::real_name_verified_at.is_null())
        .order((volunteer_profiles::updated_at.asc(), users::id.asc()))
        .limit(QUEUE_LIMIT)
        .select((
            users::id,
            users::display_name,
            users::home_grid_id,
            volunteer_profiles::updated_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Residents of `grids` with a profile whose eligibility facts nobody has verified.
pub fn residents(conn: &mut AnyConnection, grids: &[i64]) -> Result<Vec<QueueEntry>, StoreError> {
    let rows: Vec<(i64, String, Option<i64>, NaiveDateTime)> = resident_profiles::table
        .inner_join(users::table.on(users::id.eq(resident_profiles::user_id)))
        .filter(users::home_grid_id.eq_any(grids))
        .filter(resident_profiles::facts_verified_at.is_null())
        .order((resident_profiles::updated_at.asc(), users::id.asc()))
        .limit(QUEUE_LIMIT)
        .select((
            users::id,
            users::display_name,
            users::home_grid_id,
            resident_profiles::updated_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(entry).collect())
}

/// Credentials of people of `grids` that nobody has verified.
pub fn credentials(conn: &mut AnyConnection, grids: &[i64]) -> Result<Vec<QueueEntry>, StoreError> {
    type Row = (i64, String, Option<i64>, NaiveDateTime, i64, String, String);
    let rows: Vec<Row> = credentials::table
        .inner_join(users::table.on(users::id.eq(credentials::user_id)))
        .filter(users::home_grid_id.eq_any(grids))
        .filter(credentials::verified_at.is_null())
        .order((credentials::created_at.asc(), credentials::id.asc()))
        .limit(QUEUE_LIMIT)
        .select((
            users::id,
            users::display_name,
            users::home_grid_id,
            credentials::created_at,
            credentials::id,
            credentials::kind,
            credentials::title,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, name, grid, since, id, kind, title)| QueueEntry {
            credential: Some(PendingCredential { id, kind, title }),
            ..entry((user, name, grid, since))
        })
        .collect())
}
