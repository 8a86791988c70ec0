//! Reading and writing role grants.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{HeldRole, Principal, Role};
use crate::accounts::{User, UserId};
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::{areas, role_grants};

/// The roles `user` holds now, with their areas' paths.
pub fn held_roles(conn: &mut AnyConnection, user: UserId) -> Result<Vec<HeldRole>, StoreError> {
    let rows: Vec<(i64, String, Option<i64>, Option<String>)> = role_grants::table
        .left_join(areas::table)
        .filter(role_grants::user_id.eq(user.0))
        .filter(role_grants::revoked_at.is_null())
        .order(role_grants::id.asc())
        .select((
            role_grants::id,
            role_grants::role,
            role_grants::area_id,
            areas::path.nullable(),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(grant_id, role, area_id, path)| held_role(grant_id, &role, area_id, path))
        .collect()
}

/// A held role from its stored columns (the grant, the role's name, its area and the area's
/// path), shared by every query that loads roles.
pub fn held_role(
    grant_id: i64,
    role: &str,
    area_id: Option<i64>,
    path: Option<String>,
) -> Result<HeldRole, StoreError> {
    let role = Role::parse(role).ok_or_else(|| {
        StoreError::Query(diesel::result::Error::DeserializationError(
            format!("unknown role `{role}`").into(),
        ))
    })?;
    Ok(HeldRole {
        grant_id,
        role,
        area_id: area_id.map(AreaId),
        area_path: path.unwrap_or_default(),
    })
}

/// Loads everything a policy question needs about `user`.
pub fn principal(conn: &mut AnyConnection, user: User) -> Result<Principal, StoreError> {
    let roles = held_roles(conn, user.id)?;
    Ok(Principal { user, roles })
}

#[derive(Insertable)]
#[diesel(table_name = role_grants)]
struct NewGrantRow {
    user_id: i64,
    role: &'static str,
    area_id: Option<i64>,
    granted_by: Option<i64>,
    created_at: NaiveDateTime,
}

/// Records a grant unless the same live grant exists; returns the grant id and whether it is new.
pub fn grant(
    conn: &mut AnyConnection,
    user: UserId,
    role: Role,
    area: Option<AreaId>,
    granted_by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(i64, bool), StoreError> {
    let mut existing = role_grants::table
        .filter(role_grants::user_id.eq(user.0))
        .filter(role_grants::role.eq(role.as_str()))
        .filter(role_grants::revoked_at.is_null())
        .select(role_grants::id)
        .into_boxed();
    existing = match area {
        Some(area) => existing.filter(role_grants::area_id.eq(area.0)),
        None => existing.filter(role_grants::area_id.is_null()),
    };
    if let Some(id) = existing.first::<i64>(conn).optional()? {
        return Ok((id, false));
    }
    let id = diesel::insert_into(role_grants::table)
        .values(&NewGrantRow {
            user_id: user.0,
            role: role.as_str(),
            area_id: area.map(|a| a.0),
            granted_by: granted_by.map(|u| u.0),
            created_at: now,
        })
        .returning(role_grants::id)
        .get_result(conn)?;
    Ok((id, true))
}
