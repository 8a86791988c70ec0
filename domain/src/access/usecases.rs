//! Granting roles: the caller's power checked and the grant audited in one transaction.

use chrono::NaiveDateTime;

use super::rules::GrantRefusal;
use super::{Principal, Role, store};
use crate::accounts::{UserId, store as accounts};
use crate::areas::{AreaId, store as areas};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};

/// Why a grant did not happen.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// No such person.
    #[error("user {0} does not exist")]
    UserNotFound(i64),
    /// No such area.
    #[error("area {0} does not exist")]
    UnknownArea(i64),
    /// The policy refuses it.
    #[error(transparent)]
    Refused(#[from] GrantRefusal),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for GrantError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for GrantError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// A grant that went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Granted {
    /// The grant's id.
    pub grant_id: i64,
    /// The area it reaches.
    pub area_id: Option<AreaId>,
    /// False when the person already held this role there.
    pub created: bool,
}

/// Grants `role` on `area` to `target` if `principal` may.
pub async fn grant(
    db: &Db,
    principal: Principal,
    target: UserId,
    role: Role,
    area: Option<AreaId>,
    now: NaiveDateTime,
) -> Result<Granted, GrantError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            accounts::get(conn, target)?.ok_or(GrantError::UserNotFound(target.0))?;
            let area = match area {
                Some(id) => Some(areas::get(conn, id)?.ok_or(GrantError::UnknownArea(id.0))?),
                None => None,
            };
            principal.check_grant(role, area.as_ref().map(|a| (a.level, a.path.as_str())))?;
            let area_id = area.as_ref().map(|a| a.id);
            let (grant_id, created) =
                store::grant(conn, target, role, area_id, Some(principal.user.id), now)?;
            if created {
                audit::store::record(
                    conn,
                    &NewAuditEvent {
                        actor: Some(principal.user.id),
                        on_behalf_of: None,
                        action: "role.granted",
                        subject_type: "user",
                        subject_id: target.0.to_string(),
                        area: area_id,
                        detail: serde_json::json!({"role": role.as_str(), "grant_id": grant_id}),
                    },
                    now,
                )?;
            }
            Ok(Granted {
                grant_id,
                area_id,
                created,
            })
        })
    })
    .await
}
