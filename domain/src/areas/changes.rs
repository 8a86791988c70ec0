//! Renaming, moving and deleting areas. A move rewrites the paths of the whole subtree in the
//! same transaction; an area that still holds people, areas or other records is never deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::rules::{self, PlacementError};
use super::{Area, AreaId, store};
use crate::access::Principal;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, AnyConnection, Db, StoreError, TransactionError};
use crate::schema::{areas, role_grants, users};

/// Why an area could not be changed or deleted.
#[derive(Debug, thiserror::Error)]
pub enum ChangeAreaError {
    /// No such area.
    #[error("area {0} does not exist")]
    NotFound(i64),
    /// The new parent does not exist.
    #[error("parent area {0} does not exist")]
    ParentNotFound(i64),
    /// The caller administers neither the area's parent nor (for a move) the new parent.
    #[error("you administer no area that contains this one (and its new parent)")]
    NotHeld,
    /// The level does not fit under the new parent.
    #[error(transparent)]
    Placement(#[from] PlacementError),
    /// The area still holds something.
    #[error("the area still has {0}; move or remove them first")]
    InUse(&'static str),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DieselError> for ChangeAreaError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Self::InUse("records that refer to it")
            }
            other => Self::Store(other.into()),
        }
    }
}

impl TransactionError for ChangeAreaError {
    fn as_diesel(&self) -> Option<&DieselError> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// What to change; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct AreaChanges {
    /// New Chinese name.
    pub name_zh: Option<String>,
    /// New English name.
    pub name_en: Option<String>,
    /// New parent (same level as the old one).
    pub parent_id: Option<AreaId>,
}

fn managed(
    conn: &mut AnyConnection,
    principal: &Principal,
    area: &Area,
) -> Result<(), ChangeAreaError> {
    let parent_path = match area.parent_id {
        Some(parent) => Some(
            store::get(conn, parent)?
                .ok_or(ChangeAreaError::NotFound(parent.0))?
                .path,
        ),
        None => None,
    };
    if principal.may_manage_areas(parent_path.as_deref()) {
        Ok(())
    } else {
        Err(ChangeAreaError::NotHeld)
    }
}

/// Rewrites the paths of `area`'s subtree from `old_prefix` to `new_prefix`.
fn move_subtree(
    conn: &mut AnyConnection,
    old_prefix: &str,
    new_prefix: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let subtree: Vec<(i64, String)> = areas::table
        .filter(areas::path.like(format!("{old_prefix}%")))
        .select((areas::id, areas::path))
        .load(conn)?;
    for (id, path) in subtree {
        let rewritten = format!("{new_prefix}{}", &path[old_prefix.len()..]);
        diesel::update(areas::table.find(id))
            .set((areas::path.eq(rewritten), areas::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(())
}

/// Renames and/or moves an area. Audited.
pub async fn update(
    db: &Db,
    principal: Principal,
    id: AreaId,
    changes: AreaChanges,
    now: NaiveDateTime,
) -> Result<Area, ChangeAreaError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let area = store::get(conn, id)?.ok_or(ChangeAreaError::NotFound(id.0))?;
            managed(conn, &principal, &area)?;
            if let Some(new_parent) = changes.parent_id.filter(|p| Some(*p) != area.parent_id) {
                let parent = store::get(conn, new_parent)?.ok_or(ChangeAreaError::ParentNotFound(new_parent.0))?;
                rules::check_placement(area.level, Some(parent.level))?;
                if !principal.may_manage_areas(Some(&parent.path)) {
                    return Err(ChangeAreaError::NotHeld);
                }
                let new_path = rules::child_path(Some(&parent.path), area.id);
                diesel::update(areas::table.find(id.0)).set(areas::parent_id.eq(new_parent.0)).execute(conn)?;
                move_subtree(conn, &area.path, &new_path, now)?;
            }
            if let Some(name) = &changes.name_zh {
                diesel::update(areas::table.find(id.0)).set(areas::name_zh.eq(name)).execute(conn)?;
            }
            if let Some(name) = &changes.name_en {
                diesel::update(areas::table.find(id.0)).set(areas::name_en.eq(name)).execute(conn)?;
            }
            diesel::update(areas::table.find(id.0)).set(areas::updated_at.eq(now)).execute(conn)?;
            let updated = store::get(conn, id)?.ok_or(ChangeAreaError::NotFound(id.0))?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "area.updated",
                    subject_type: "area",
                    subject_id: id.0.to_string(),
                    area: updated.parent_id,
                    detail: serde_json::json!({
                        "name_zh": changes.name_zh, "name_en": changes.name_en,
                        "from_parent": area.parent_id.map(|p| p.0), "to_parent": updated.parent_id.map(|p| p.0),
                    }),
                },
                now,
            )?;
            Ok(updated)
        })
    })
    .await
}

/// Deletes an empty area: no child areas, no residents, no roles held on it, nothing else
/// referring to it (foreign keys catch what is not checked by name). Audited.
pub async fn delete(
    db: &Db,
    principal: Principal,
    id: AreaId,
    now: NaiveDateTime,
) -> Result<(), ChangeAreaError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let area = store::get(conn, id)?.ok_or(ChangeAreaError::NotFound(id.0))?;
            managed(conn, &principal, &area)?;
            let children: i64 = areas::table
                .filter(areas::parent_id.eq(id.0))
                .count()
                .get_result(conn)?;
            if children > 0 {
                return Err(ChangeAreaError::InUse("child areas"));
            }
            let people: i64 = users::table
                .filter(users::home_grid_id.eq(id.0))
                .count()
                .get_result(conn)?;
            if people > 0 {
                return Err(ChangeAreaError::InUse("residents"));
            }
            let grants: i64 = role_grants::table
                .filter(role_grants::area_id.eq(id.0))
                .count()
                .get_result(conn)?;
            if grants > 0 {
                return Err(ChangeAreaError::InUse("roles granted on it"));
            }
            // Recorded before the delete, while the audit row may still point at the area.
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "area.deleted",
                    subject_type: "area",
                    subject_id: id.0.to_string(),
                    area: area.parent_id,
                    detail: serde_json::json!({"code": area.code, "level": area.level.as_str()}),
                },
                now,
            )?;
            diesel::delete(areas::table.find(id.0)).execute(conn)?;
            Ok(())
        })
    })
    .await
}
