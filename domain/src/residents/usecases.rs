//! Resident use cases: one's own details, verified facts, audited views.

use chrono::NaiveDateTime;

use super::{EligibilityFacts, OwnDetails, ResidentProfile, store};
use crate::access::Principal;
use crate::accounts::{User, UserId, store as accounts};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};

/// Why a resident use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum ResidentError {
    /// No such resident, or outside the caller's reach.
    #[error("no such resident")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for ResidentError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for ResidentError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::NotFound => None,
        }
    }
}

/// The resident when `principal` is staff over their home grid (or a platform admin).
fn as_staff(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    resident: UserId,
) -> Result<User, ResidentError> {
    let (user, path) = accounts::with_home_path(conn, resident)?.ok_or(ResidentError::NotFound)?;
    let reach = path.as_deref().is_some_and(|p| principal.is_staff_over(p))
        || principal.is_platform_admin();
    if reach {
        Ok(user)
    } else {
        Err(ResidentError::NotFound)
    }
}

/// Saves what the caller states about themselves.
pub async fn save_own(
    db: &Db,
    user: UserId,
    details: OwnDetails,
    now: NaiveDateTime,
) -> Result<ResidentProfile, ResidentError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            store::save_own(conn, user, &details, now)?;
            store::get(conn, user)?.ok_or(ResidentError::NotFound)
        })
    })
    .await
}

/// The caller's own profile (empty when they stated nothing yet).
pub async fn own(db: &Db, user: UserId) -> Result<Option<ResidentProfile>, ResidentError> {
    Ok(db.run(move |conn| store::get(conn, user)).await?)
}

/// Staff read a resident's profile; `reveal` unmasks personal data and is audited.
pub async fn view(
    db: &Db,
    principal: Principal,
    resident: UserId,
    reveal: bool,
    now: NaiveDateTime,
) -> Result<(User, Option<ResidentProfile>), ResidentError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let user = as_staff(conn, &principal, resident)?;
            if reveal {
                audit::store::record(
                    conn,
                    &NewAuditEvent {
                        actor: Some(principal.user.id),
                        on_behalf_of: None,
                        action: "personal_data.revealed",
                        subject_type: "resident_profile",
                        subject_id: resident.0.to_string(),
                        area: user.home_grid_id,
                        detail: serde_json::json!({"fields": ["phone", "address", "id_number"]}),
                    },
                    now,
                )?;
            }
            Ok((user, store::get(conn, resident)?))
        })
    })
    .await
}

/// Staff record verified eligibility facts with evidence notes. Audited.
pub async fn verify_facts(
    db: &Db,
    principal: Principal,
    resident: UserId,
    facts: EligibilityFacts,
    evidence_notes: String,
    now: NaiveDateTime,
) -> Result<ResidentProfile, ResidentError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let user = as_staff(conn, &principal, resident)?;
            store::set_facts(
                conn,
                resident,
                &facts,
                &evidence_notes,
                principal.user.id,
                now,
            )?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "resident.facts_verified",
                    subject_type: "user",
                    subject_id: resident.0.to_string(),
                    area: user.home_grid_id,
                    detail: serde_json::json!({
                        "low_income": facts.low_income,
                        "disability_level": facts.disability_level,
                        "lives_alone": facts.lives_alone,
                        "disabled": facts.disabled,
                    }),
                },
                now,
            )?;
            store::get(conn, resident)?.ok_or(ResidentError::NotFound)
        })
    })
    .await
}
