//! Area use cases that check the caller and record the audit trail in one transaction.

use chrono::NaiveDateTime;

use super::store::{self, CreateAreaError};
use super::{Area, NewArea};
use crate::access::Principal;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db};

/// Creates an area if `principal` administers its parent (platform admins: anywhere).
pub async fn create(
    db: &Db,
    principal: Principal,
    new: NewArea,
    now: NaiveDateTime,
) -> Result<Area, CreateAreaError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let parent_path = match new.parent_id {
                Some(id) => Some(
                    store::get(conn, id)?
                        .ok_or(CreateAreaError::ParentNotFound(id.0))?
                        .path,
                ),
                None => None,
            };
            if !principal.may_manage_areas(parent_path.as_deref()) {
                return Err(CreateAreaError::NotHeld);
            }
            let area = store::create(conn, &new, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "area.created",
                    subject_type: "area",
                    subject_id: area.id.0.to_string(),
                    // On the parent: an area's own audit trail must not pin it against deletion.
                    area: area.parent_id,
                    detail: serde_json::json!({"code": area.code, "level": area.level.as_str()}),
                },
                now,
            )?;
            Ok(area)
        })
    })
    .await
}
