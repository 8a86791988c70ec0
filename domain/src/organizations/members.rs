//! Reading and writing who belongs to which organization.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::store::corrupt;
use super::{Member, MemberRole, OrganizationId};
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError, is_unique_violation};
use crate::schema::{organization_members, users};

#[derive(Insertable)]
#[diesel(table_name = organization_members)]
struct NewMemberRow {
    organization_id: i64,
    user_id: i64,
    role: &'static str,
    added_by: Option<i64>,
    created_at: NaiveDateTime,
}

fn parse_role(raw: &str) -> Result<MemberRole, StoreError> {
    MemberRole::parse(raw).ok_or_else(|| corrupt(format!("unknown member role `{raw}`")))
}

/// Why a member could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddMemberError {
    /// The person already belongs to the organization.
    #[error("this person is already a member")]
    AlreadyMember,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Adds `user` with `role`; call in a write transaction. Two concurrent adds of one person
/// meet the unique index on (organization, user): the loser gets `AlreadyMember`.
pub fn add(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    user: UserId,
    role: MemberRole,
    added_by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(), AddMemberError> {
    if role_of(conn, organization, user)?.is_some() {
        return Err(AddMemberError::AlreadyMember);
    }
    insert(conn, organization, user, role, added_by, now).map_err(|e| {
        if is_unique_violation(&e) {
            AddMemberError::AlreadyMember
        } else {
            AddMemberError::Store(e.into())
        }
    })
}

/// Inserts a membership row as it is; for the founder of a new organization.
pub(crate) fn insert(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    user: UserId,
    role: MemberRole,
    added_by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<(), diesel::result::Error> {
    diesel::insert_into(organization_members::table)
        .values(&NewMemberRow {
            organization_id: organization.0,
            user_id: user.0,
            role: role.as_str(),
            added_by: added_by.map(|u| u.0),
            created_at: now,
        })
        .execute(conn)?;
    Ok(())
}

/// `user`'s role in `organization`, if a member.
pub fn role_of(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    user: UserId,
) -> Result<Option<MemberRole>, StoreError> {
    organization_members::table
        .filter(organization_members::organization_id.eq(organization.0))
        .filter(organization_members::user_id.eq(user.0))
        .select(organization_members::role)
        .first::<String>(conn)
        .optional()?
        .map(|raw| parse_role(&raw))
        .transpose()
}

/// Every organization `user` belongs to, with their role.
pub fn memberships_of(
    conn: &mut AnyConnection,
    user: UserId,
) -> Result<HashMap<OrganizationId, MemberRole>, StoreError> {
    let rows: Vec<(i64, String)> = organization_members::table
        .filter(organization_members::user_id.eq(user.0))
        .select((
            organization_members::organization_id,
            organization_members::role,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, role)| Ok((OrganizationId(id), parse_role(&role)?)))
        .collect()
}

/// How many admins `organization` has.
pub fn admin_count(
    conn: &mut AnyConnection,
    organization: OrganizationId,
) -> Result<i64, StoreError> {
    Ok(organization_members::table
        .filter(organization_members::organization_id.eq(organization.0))
        .filter(organization_members::role.eq(MemberRole::Admin.as_str()))
        .count()
        .get_result(conn)?)
}

/// Removes `user` from `organization`; false when they were not a member.
pub fn remove(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    user: UserId,
) -> Result<bool, StoreError> {
    let removed = diesel::delete(
        organization_members::table
            .filter(organization_members::organization_id.eq(organization.0))
            .filter(organization_members::user_id.eq(user.0)),
    )
    .execute(conn)?;
    Ok(removed == 1)
}

fn load(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    only: Option<UserId>,
) -> Result<Vec<Member>, StoreError> {
    let mut query = organization_members::table
        .inner_join(users::table)
        .filter(organization_members::organization_id.eq(organization.0))
        .order(organization_members::id.asc())
        .select((
            organization_members::user_id,
            users::display_name,
            organization_members::role,
            organization_members::created_at,
        ))
        .into_boxed();
    if let Some(user) = only {
        query = query.filter(organization_members::user_id.eq(user.0));
    }
    let rows: Vec<(i64, String, String, NaiveDateTime)> = query.load(conn)?;
    rows.into_iter()
        .map(|(user, display_name, role, joined_at)| {
            Ok(Member {
                user_id: UserId(user),
                display_name,
                role: parse_role(&role)?,
                joined_at,
            })
        })
        .collect()
}

/// The members of `organization`, longest-standing first; no phone, no address.
pub fn list(
    conn: &mut AnyConnection,
    organization: OrganizationId,
) -> Result<Vec<Member>, StoreError> {
    load(conn, organization, None)
}

/// One member of `organization`, if `user` is one.
pub fn get(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    user: UserId,
) -> Result<Option<Member>, StoreError> {
    Ok(load(conn, organization, Some(user))?.pop())
}
