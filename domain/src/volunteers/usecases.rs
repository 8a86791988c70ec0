//! Volunteer use cases: saving one's profile, verification by staff, credentials, and
//! audited views of personal data.

use chrono::NaiveDateTime;

use super::{Credential, CredentialKind, ProfileUpdate, VolunteerProfile, store};
use crate::access::{self, Principal, Role};
use crate::accounts::{User, UserId, store as accounts};
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};
use crate::notifications::{self, Notice};

/// Why a volunteer use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum VolunteerError {
    /// Skills not in the managed list.
    #[error("unknown skills: {0:?}")]
    UnknownSkills(Vec<String>),
    /// No such person or profile, or outside the caller's reach.
    #[error("no such volunteer profile")]
    NotFound,
    /// No such credential, or outside the caller's reach.
    #[error("no such credential")]
    CredentialNotFound,
    /// Verification needs a real name and ID number first.
    #[error("the profile has no real name or ID number to verify")]
    Incomplete,
    /// The person has no home grid to be a volunteer in.
    #[error("the person has no home grid")]
    NoHomeGrid,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for VolunteerError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for VolunteerError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// Saves the caller's own profile.
pub async fn save_own(
    db: &Db,
    user: UserId,
    update: ProfileUpdate,
    now: NaiveDateTime,
) -> Result<VolunteerProfile, VolunteerError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let unknown = store::unknown_skills(conn, &update.skills)?;
            if !unknown.is_empty() {
                return Err(VolunteerError::UnknownSkills(unknown));
            }
            store::save(conn, user, &update, now)?;
            store::get(conn, user)?.ok_or(VolunteerError::NotFound)
        })
    })
    .await
}

/// The volunteer and their home path when `principal` is them or staff over their home grid.
fn reachable(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    volunteer: UserId,
) -> Result<(User, Option<String>), VolunteerError> {
    let (user, path) =
        accounts::with_home_path(conn, volunteer)?.ok_or(VolunteerError::NotFound)?;
    let is_self = principal.user.id == volunteer;
    let is_staff = path.as_deref().is_some_and(|p| principal.is_staff_over(p))
        || principal.is_platform_admin();
    if is_self || is_staff {
        Ok((user, path))
    } else {
        Err(VolunteerError::NotFound)
    }
}

/// A profile as the caller may see it; `reveal` asks for unmasked personal data, which staff
/// get and which is written to the audit log.
pub async fn view(
    db: &Db,
    principal: Principal,
    volunteer: UserId,
    reveal: bool,
    now: NaiveDateTime,
) -> Result<(User, VolunteerProfile, bool), VolunteerError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (user, _) = reachable(conn, &principal, volunteer)?;
            let profile = store::get(conn, volunteer)?.ok_or(VolunteerError::NotFound)?;
            let is_self = principal.user.id == volunteer;
            if reveal && !is_self {
                audit::store::record(
                    conn,
                    &NewAuditEvent {
                        actor: Some(principal.user.id),
                        on_behalf_of: None,
                        action: "personal_data.revealed",
                        subject_type: "volunteer_profile",
                        subject_id: volunteer.0.to_string(),
                        area: user.home_grid_id,
                        detail: serde_json::json!({"fields": ["real_name", "id_number"]}),
                    },
                    now,
                )?;
            }
            Ok((user, profile, reveal || is_self))
        })
    })
    .await
}

/// Staff verify a volunteer's real name (实名认证); the person becomes a volunteer of their
/// home grid and is told so. Audited.
pub async fn verify(
    db: &Db,
    principal: Principal,
    volunteer: UserId,
    now: NaiveDateTime,
) -> Result<VolunteerProfile, VolunteerError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let (user, path) = reachable(conn, &principal, volunteer)?;
            if principal.user.id == volunteer
                && !path.as_deref().is_some_and(|p| principal.is_staff_over(p))
            {
                return Err(VolunteerError::NotFound);
            }
            let grid = user.home_grid_id.ok_or(VolunteerError::NoHomeGrid)?;
            if !store::mark_verified(conn, volunteer, principal.user.id, now)? {
                return Err(if store::get(conn, volunteer)?.is_some() {
                    VolunteerError::Incomplete
                } else {
                    VolunteerError::NotFound
                });
            }
            access::store::grant(
                conn,
                volunteer,
                Role::Volunteer,
                Some(grid),
                Some(principal.user.id),
                now,
            )?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "volunteer.verified",
                    subject_type: "user",
                    subject_id: volunteer.0.to_string(),
                    area: Some(grid),
                    detail: serde_json::json!({}),
                },
                now,
            )?;
            notifications::notify(conn, now, volunteer, Notice::VolunteerVerified)?;
            store::get(conn, volunteer)?.ok_or(VolunteerError::NotFound)
        })
    })
    .await
}

/// Adds a credential to the caller's own profile, awaiting verification.
pub async fn add_credential(
    db: &Db,
    user: UserId,
    kind: CredentialKind,
    title: String,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<Credential, VolunteerError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            Ok(store::add_credential(
                conn, user, kind, &title, expires_at, now,
            )?)
        })
    })
    .await
}

/// Staff mark a credential checked; its holder is told. Audited.
pub async fn verify_credential(
    db: &Db,
    principal: Principal,
    credential: i64,
    now: NaiveDateTime,
) -> Result<Credential, VolunteerError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            let found =
                store::credential(conn, credential)?.ok_or(VolunteerError::CredentialNotFound)?;
            let (user, path) = accounts::with_home_path(conn, found.user_id)?
                .ok_or(VolunteerError::CredentialNotFound)?;
            let is_staff = path.as_deref().is_some_and(|p| principal.is_staff_over(p))
                || principal.is_platform_admin();
            if !is_staff {
                return Err(VolunteerError::CredentialNotFound);
            }
            store::mark_credential_verified(conn, credential, principal.user.id, now)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "credential.verified",
                    subject_type: "credential",
                    subject_id: credential.to_string(),
                    area: user.home_grid_id,
                    detail: serde_json::json!({"kind": found.kind.as_str()}),
                },
                now,
            )?;
            notifications::notify(
                conn,
                now,
                found.user_id,
                Notice::CredentialVerified {
                    title: found.title.clone(),
                },
            )?;
            store::credential(conn, credential)?.ok_or(VolunteerError::CredentialNotFound)
        })
    })
    .await
}
