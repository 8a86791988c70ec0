//! Membership use cases: admins add and remove members, members leave, members and staff list
//! them; every change audited in its transaction.

use chrono::NaiveDateTime;

use super::rules::Refusal;
use super::usecases::{load, record};
use super::{Member, MemberRole, OrganizationId, members, store, store_error_plumbing};
use crate::access::Principal;
use crate::accounts::{UserId, store as accounts};
use crate::db::{self, Db, StoreError};
use crate::webhooks::{self, Event};

/// Why a member was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddMemberError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// The caller is not one of its admins.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// No such person.
    #[error("user {0} does not exist")]
    UserNotFound(i64),
    /// The person already belongs to it.
    #[error("user {0} is already a member")]
    AlreadyMember(i64),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(AddMemberError);

/// Adds `user` with `role` if `principal` is an admin of the organization.
pub async fn add_member(
    db: &Db,
    principal: Principal,
    id: OrganizationId,
    user: UserId,
    role: MemberRole,
    now: NaiveDateTime,
) -> Result<Member, AddMemberError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let viewed = load(conn, &principal, id)?.ok_or(AddMemberError::NotFound(id.0))?;
            viewed.standing.check_admin()?;
            accounts::get(conn, user)?.ok_or(AddMemberError::UserNotFound(user.0))?;
            store::lock(conn, id)?;
            members::add(conn, id, user, role, Some(principal.user.id), now).map_err(
                |e| match e {
                    members::AddMemberError::AlreadyMember => AddMemberError::AlreadyMember(user.0),
                    members::AddMemberError::Store(e) => AddMemberError::Store(e),
                },
            )?;
            record(
                conn,
                Some(principal.user.id),
                "organization.member_added",
                &viewed.organization,
                serde_json::json!({"user_id": user.0, "role": role.as_str()}),
                now,
            )?;
            webhooks::usecases::publish(
                conn,
                now,
                id,
                Event::OrganizationMemberAdded,
                serde_json::json!({"organization_id": id.0, "user_id": user.0, "role": role.as_str()}),
            )?;
            members::get(conn, id, user)?.ok_or(AddMemberError::Store(StoreError::Query(
                diesel::result::Error::NotFound,
            )))
        })
    })
    .await
}

/// Why a member was not removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveMemberError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// The caller is neither an admin nor the member leaving.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The person is not a member.
    #[error("user {0} is not a member")]
    MemberNotFound(i64),
    /// The person is the last admin; an organization always keeps one.
    #[error("the last admin cannot leave; make someone else an admin first")]
    LastAdmin,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
store_error_plumbing!(RemoveMemberError);

/// Removes `user` if `principal` is an admin or `user` themself; the last admin stays.
pub async fn remove_member(
    db: &Db,
    principal: Principal,
    id: OrganizationId,
    user: UserId,
    now: NaiveDateTime,
) -> Result<(), RemoveMemberError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let viewed = load(conn, &principal, id)?.ok_or(RemoveMemberError::NotFound(id.0))?;
            viewed.standing.check_removes(user)?;
            // Two admins removing each other at once must not leave none: serialise first.
            store::lock(conn, id)?;
            let role = members::role_of(conn, id, user)?
                .ok_or(RemoveMemberError::MemberNotFound(user.0))?;
            if role == MemberRole::Admin && members::admin_count(conn, id)? <= 1 {
                return Err(RemoveMemberError::LastAdmin);
            }
            members::remove(conn, id, user)?;
            record(
                conn,
                Some(principal.user.id),
                "organization.member_removed",
                &viewed.organization,
                serde_json::json!({"user_id": user.0, "role": role.as_str()}),
                now,
            )?;
            webhooks::usecases::publish(
                conn,
                now,
                id,
                Event::OrganizationMemberRemoved,
                serde_json::json!({"organization_id": id.0, "user_id": user.0, "role": role.as_str()}),
            )?;
            Ok(())
        })
    })
    .await
}

/// Why the members cannot be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListMembersError {
    /// No such organization.
    #[error("organization {0} does not exist")]
    NotFound(i64),
    /// The caller is neither a member nor staff over its communities.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The members, for members and staff over its communities.
pub async fn list_members(
    db: &Db,
    principal: Principal,
    id: OrganizationId,
) -> Result<Vec<Member>, ListMembersError> {
    db.run(move |conn| {
        let viewed = load(conn, &principal, id)?.ok_or(ListMembersError::NotFound(id.0))?;
        viewed.standing.check_sees_members()?;
        Ok(members::list(conn, id)?)
    })
    .await
}
