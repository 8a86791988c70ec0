//! Queries of the follow-up jobs: needs coming up for reminders, reminders already sent, needs
//! waiting long enough to escalate, and who hears of an escalation.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::access::Role;
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError};
use crate::needs::escalation::ReminderKind;
use crate::needs::{NeedId, NeedStatus};
use crate::organizations::{OrganizationId, OrganizationKind};
use crate::schema::{
    need_details, need_reminders, needs, organization_areas, organizations, role_grants,
};

/// The area ids along a materialized path (`/1/2/5/` → 1, 2, 5): the need's grid and every
/// area above it.
pub fn areas_on_path(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// Staffed needs that have not started and start within `(now, until]`.
pub fn starting_between(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Vec<NeedId>, StoreError> {
    Ok(needs::table
        .filter(needs::status.eq_any([
            NeedStatus::PartiallyAssigned.as_str(),
            NeedStatus::Assigned.as_str(),
        ]))
        .filter(needs::window_start.gt(now))
        .filter(needs::window_start.le(until))
        .order(needs::id.asc())
        .select(needs::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(NeedId)
        .collect())
}

/// Who already got the reminder of `kind` for `need`.
pub fn reminded(
    conn: &mut AnyConnection,
    need: NeedId,
    kind: ReminderKind,
) -> Result<Vec<UserId>, StoreError> {
    Ok(need_reminders::table
        .filter(need_reminders::need_id.eq(need.0))
        .filter(need_reminders::kind.eq(kind.as_str()))
        .select(need_reminders::recipient_id)
        .load::<i64>(conn)?
        .into_iter()
        .map(UserId)
        .collect())
}

/// Records that `recipient` got the reminder of `kind`; a second one is a unique violation.
pub fn insert_reminder(
    conn: &mut AnyConnection,
    need: NeedId,
    recipient: UserId,
    kind: ReminderKind,
    now: NaiveDateTime,
) -> Result<(), diesel::result::Error> {
    diesel::insert_into(need_reminders::table)
        .values((
            need_reminders::need_id.eq(need.0),
            need_reminders::recipient_id.eq(recipient.0),
            need_reminders::kind.eq(kind.as_str()),
            need_reminders::sent_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Needs still waiting for helpers, not escalated, posted at or before `posted_before`.
pub fn waiting_since(
    conn: &mut AnyConnection,
    posted_before: NaiveDateTime,
) -> Result<Vec<NeedId>, StoreError> {
    Ok(needs::table
        .inner_join(need_details::table)
        .filter(needs::status.eq_any(NeedStatus::CLAIMABLE))
        .filter(needs::escalated.eq(false))
        .filter(need_details::created_at.le(posted_before))
        .order(needs::id.asc())
        .select(needs::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(NeedId)
        .collect())
}

/// Raises the escalated flag while the need still waits for helpers; false when it no longer
/// does or is already escalated.
pub fn mark_escalated(
    conn: &mut AnyConnection,
    need: NeedId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        needs::table
            .find(need.0)
            .filter(needs::escalated.eq(false))
            .filter(needs::status.eq_any(NeedStatus::CLAIMABLE)),
    )
    .set((needs::escalated.eq(true), needs::updated_at.eq(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Grid workers whose area reaches `path` (the grid or an area above it), each once.
pub fn grid_workers_over(conn: &mut AnyConnection, path: &str) -> Result<Vec<UserId>, StoreError> {
    let mut users: Vec<i64> = role_grants::table
        .filter(role_grants::role.eq(Role::GridWorker.as_str()))
        .filter(role_grants::revoked_at.is_null())
        .filter(role_grants::area_id.eq_any(areas_on_path(path)))
        .select(role_grants::user_id)
        .load(conn)?;
    users.sort_unstable();
    users.dedup();
    Ok(users.into_iter().map(UserId).collect())
}

/// Verified volunteer teams and social organizations serving a community on `path`, each once:
/// the organizations that can take a need there.
pub fn organizations_serving(
    conn: &mut AnyConnection,
    path: &str,
) -> Result<Vec<OrganizationId>, StoreError> {
    let mut ids: Vec<i64> = organization_areas::table
        .inner_join(organizations::table)
        .filter(organization_areas::area_id.eq_any(areas_on_path(path)))
        .filter(organizations::verified_at.is_not_null())
        .filter(organizations::kind.eq_any([
            OrganizationKind::VolunteerTeam.as_str(),
            OrganizationKind::SocialOrg.as_str(),
        ]))
        .select(organizations::id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids.into_iter().map(OrganizationId).collect())
}

/// Open needs whose window ended by `now` with nobody assigned: they can only expire.
pub fn unstaffed_past_window(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
) -> Result<Vec<NeedId>, StoreError> {
    Ok(needs::table
        .filter(needs::status.eq(NeedStatus::Open.as_str()))
        .filter(needs::window_end.le(now))
        .order(needs::id.asc())
        .select(needs::id)
        .load::<i64>(conn)?
        .into_iter()
        .map(NeedId)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_every_area_above_and_including_its_end() {
        assert_eq!(areas_on_path("/1/2/5/"), [1, 2, 5]);
        assert!(areas_on_path("/").is_empty());
    }
}
