//! A person's rights over their data (PIPL): export everything held about them, and close the
//! account — personal data anonymised, ledger and audit history kept.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::{Value, json};

use super::{UserId, password, store};
use crate::access;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};
use crate::notifications::{self, NotificationFilter};
use crate::schema::{audit_events, users};
use crate::{proxies, residents, sessions, volunteers};

/// The name a closed account shows.
pub const CLOSED_ACCOUNT_NAME: &str = "已注销用户";

/// Everything Linli holds about `user`, as one JSON document.
pub async fn export(db: &Db, user: UserId, now: NaiveDateTime) -> Result<Value, StoreError> {
    db.run(move |conn| {
        let account = store::get(conn, user)?.ok_or(StoreError::Query(diesel::result::Error::NotFound))?;
        let roles = access::store::held_roles(conn, user)?;
        let live_sessions = sessions::store::list_live(conn, user, now)?;
        let volunteer = volunteers::store::get(conn, user)?;
        let resident = residents::store::get(conn, user)?;
        let consents = proxies::store::involving(conn, user)?;
        let told = notifications::store::list(
            conn,
            user,
            &NotificationFilter {
                unread_only: false,
                before: None,
                limit: i64::MAX,
            },
        )?;
        let preferences = notifications::store::preferences(conn, user)?;
        let events: Vec<(i64, NaiveDateTime, String, String, String)> = audit_events::table
            .filter(
                audit_events::actor_id
                    .eq(user.0)
                    .or(audit_events::on_behalf_of.eq(user.0))
                    .or(audit_events::subject_type.eq("user").and(audit_events::subject_id.eq(user.0.to_string()))),
            )
            .order(audit_events::id.asc())
            .select((
                audit_events::id,
                audit_events::occurred_at,
                audit_events::action,
                audit_events::subject_type,
                audit_events::subject_id,
            ))
            .load(conn)?;
        Ok(json!({
            "exported_at": now.and_utc().to_rfc3339(),
            "account": {
                "id": account.id.0,
                "phone": account.phone.as_ref().map(|p| p.as_str().to_owned()),
                "display_name": account.display_name,
                "home_grid_id": account.home_grid_id.map(|g| g.0),
                "locale": account.locale.as_str(),
                "email": account.email,
                "created_at": account.created_at.and_utc().to_rfc3339(),
            },
            "roles": roles.iter().map(|r| json!({"role": r.role.as_str(), "area_id": r.area_id.map(|a| a.0)})).collect::<Vec<_>>(),
            "sessions": live_sessions.iter().map(|s| json!({
                "id": s.id.0, "user_agent": s.user_agent, "created_at": s.created_at.and_utc().to_rfc3339(),
                "expires_at": s.expires_at.and_utc().to_rfc3339(),
            })).collect::<Vec<_>>(),
            "volunteer_profile": volunteer.map(|v| json!({
                "service_radius": v.service_radius.as_str(), "languages": v.languages, "skills": v.skills,
                "availability": v.availability.iter().map(|s| json!({"weekday": s.weekday, "start_minute": s.start_minute, "end_minute": s.end_minute})).collect::<Vec<_>>(),
                "real_name": v.real_name, "id_number": v.id_number,
                "verified_at": v.verified_at.map(|t| t.and_utc().to_rfc3339()),
                "credentials": v.credentials.iter().map(|c| json!({
                    "id": c.id, "kind": c.kind.as_str(), "title": c.title,
                    "expires_at": c.expires_at.map(|t| t.and_utc().to_rfc3339()),
                    "verified_at": c.verified_at.map(|t| t.and_utc().to_rfc3339()),
                })).collect::<Vec<_>>(),
            })),
            "resident_profile": resident.map(|r| json!({
                "birth_date": r.birth_date.map(|d| d.to_string()), "address": r.address, "id_number": r.id_number,
                "low_income": r.facts.low_income, "disability_level": r.facts.disability_level,
                "lives_alone": r.facts.lives_alone, "disabled": r.facts.disabled,
                "facts_verified_at": r.facts_verified_at.map(|t| t.and_utc().to_rfc3339()),
            })),
            "proxy_consents": consents.iter().map(|c| json!({
                "id": c.id, "resident_id": c.resident_id.0, "proxy_id": c.proxy_id.0,
                "relationship": c.relationship.as_str(), "created_at": c.created_at.and_utc().to_rfc3339(),
                "revoked_at": c.revoked_at.map(|t| t.and_utc().to_rfc3339()),
            })).collect::<Vec<_>>(),
            "notifications": told.iter().map(|n| json!({
                "id": n.id, "topic": n.topic, "title": n.title, "body": n.body,
                "created_at": n.created_at.and_utc().to_rfc3339(),
                "read_at": n.read_at.map(|t| t.and_utc().to_rfc3339()),
            })).collect::<Vec<_>>(),
            "notification_preferences": preferences.iter().map(|p| json!({
                "category": p.category.as_str(), "in_app": p.in_app, "email": p.email,
            })).collect::<Vec<_>>(),
            "audit_events": events.iter().map(|(id, at, action, subject_type, subject_id)| json!({
                "id": id, "occurred_at": at.and_utc().to_rfc3339(), "action": action,
                "subject_type": subject_type, "subject_id": subject_id,
            })).collect::<Vec<_>>(),
        }))
    })
    .await
}

/// Why an account could not be closed.
#[derive(Debug, thiserror::Error)]
pub enum CloseError {
    /// The password given to confirm is wrong.
    #[error("the password is wrong")]
    WrongPassword,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CloseError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for CloseError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::WrongPassword => None,
        }
    }
}

/// Closes the account after checking its password: phone, name, email, profile personal
/// data and notifications are removed; sessions and consents revoked; roles, ledgers and
/// audit history stay.
pub async fn close(
    db: &Db,
    user: UserId,
    password_attempt: String,
    now: NaiveDateTime,
) -> Result<(), CloseError> {
    let hash: String = db
        .run(move |conn| {
            users::table
                .find(user.0)
                .select(users::password_hash)
                .first(conn)
                .map_err(StoreError::from)
        })
        .await?;
    let matches = password::off_thread(move || password::verify(&password_attempt, &hash))
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    if !matches {
        return Err(CloseError::WrongPassword);
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            let home = store::get(conn, user)?.and_then(|u| u.home_grid_id);
            diesel::update(users::table.find(user.0))
                .set((
                    users::phone.eq(None::<String>),
                    users::display_name.eq(CLOSED_ACCOUNT_NAME),
                    users::email.eq(None::<String>),
                    users::status.eq("closed"),
                    users::updated_at.eq(now),
                ))
                .execute(conn)?;
            volunteers::store::anonymise(conn, user)?;
            residents::store::anonymise(conn, user)?;
            sessions::store::revoke_all(conn, user, now)?;
            proxies::store::revoke_all_involving(conn, user, now)?;
            notifications::store::delete_all(conn, user)?;
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(user),
                    on_behalf_of: None,
                    action: "account.closed",
                    subject_type: "user",
                    subject_id: user.0.to_string(),
                    area: home,
                    detail: json!({}),
                },
                now,
            )?;
            Ok(())
        })
    })
    .await
}
