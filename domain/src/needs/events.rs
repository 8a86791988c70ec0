//! Webhook events about needs for the organizations concerned: the volunteer teams and social
//! organizations the need was offered to, and those its helpers belong to. Published inside the
//! transaction of the change, so an organization hears of exactly what committed.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;

use super::Need;
use super::followup::need_payload;
use super::store::offers;
use crate::accounts::UserId;
use crate::db::{AnyConnection, StoreError};
use crate::organizations::{OrganizationId, OrganizationKind, members, store as organizations};
use crate::webhooks::{Event, usecases::publish};

/// The verified teams and social organizations concerned by `need`: offered it, or with one
/// of `helpers` as a member.
pub fn concerned(
    conn: &mut AnyConnection,
    need: &Need,
    helpers: &[UserId],
) -> Result<BTreeSet<OrganizationId>, StoreError> {
    let mut candidates: BTreeSet<OrganizationId> = offers::organizations_offered(conn, need.id)?
        .into_iter()
        .collect();
    for helper in helpers {
        candidates.extend(members::memberships_of(conn, *helper)?.into_keys());
    }
    let mut concerned = BTreeSet::new();
    for id in candidates {
        let Some(organization) = organizations::get(conn, id)? else {
            continue;
        };
        let takes_needs = matches!(
            organization.kind,
            OrganizationKind::VolunteerTeam | OrganizationKind::SocialOrg
        );
        if takes_needs && organization.verification.is_some() {
            concerned.insert(id);
        }
    }
    Ok(concerned)
}

/// Publishes `event` about `need` (as it is now) to every organization concerned, with `extra`
/// fields merged into the need's payload (e.g. the helper's id).
pub fn publish_need_event(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    need: &Need,
    event: Event,
    helpers: &[UserId],
    extra: serde_json::Value,
) -> Result<usize, StoreError> {
    let mut payload = need_payload(need);
    if let (Some(fields), serde_json::Value::Object(extra)) = (payload.as_object_mut(), extra) {
        fields.extend(extra);
    }
    let mut published = 0;
    for organization in concerned(conn, need, helpers)? {
        published += publish(conn, now, organization, event, payload.clone())?;
    }
    Ok(published)
}
