//! Account use cases that span a password hash (CPU, off the async threads and outside any
//! transaction) and a write transaction.

use chrono::NaiveDateTime;

use super::store::{self, RegisterError};
use super::{NewAccount, User, password};
use crate::access::{self, Role};
use crate::areas::AreaId;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError};
use crate::notifications::{self, Notice};

/// Hashes a password on the blocking pool.
pub async fn hash_password(plain: String) -> Result<String, StoreError> {
    password::off_thread(move || password::hash(&plain))
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}

/// Registers an account, makes its holder a resident of their home grid and welcomes them
/// (in the app, and by email when they gave an address).
pub async fn register(
    db: &Db,
    account: NewAccount,
    now: NaiveDateTime,
) -> Result<User, RegisterError> {
    let hash = hash_password(account.password.clone()).await?;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let user = store::insert(conn, &account, &hash, now)?;
            if let Some(grid) = account.home_grid_id {
                access::store::grant(conn, user.id, Role::Resident, Some(grid), None, now)?;
            }
            notifications::notify(
                conn,
                now,
                user.id,
                Notice::Welcome {
                    display_name: user.display_name.clone(),
                },
            )?;
            Ok(user)
        })
    })
    .await
}

/// Creates an account holding `roles` without anyone granting them: the first platform admin
/// (`linli admin create-user`) and demo data. Recorded in the audit log as a bootstrap.
pub async fn bootstrap(
    db: &Db,
    account: NewAccount,
    roles: Vec<(Role, Option<AreaId>)>,
    now: NaiveDateTime,
) -> Result<User, RegisterError> {
    let hash = hash_password(account.password.clone()).await?;
    db.run(move |conn| {
        db::write(conn, |conn| {
            let user = store::insert(conn, &account, &hash, now)?;
            if let Some(grid) = account.home_grid_id {
                access::store::grant(conn, user.id, Role::Resident, Some(grid), None, now)?;
            }
            for (role, area) in &roles {
                access::store::grant(conn, user.id, *role, *area, None, now)?;
            }
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: None,
                    on_behalf_of: None,
                    action: "user.bootstrapped",
                    subject_type: "user",
                    subject_id: user.id.0.to_string(),
                    area: None,
                    detail: serde_json::json!({
                        "roles": roles.iter().map(|(r, a)| serde_json::json!({"role": r.as_str(), "area_id": a.map(|a| a.0)})).collect::<Vec<_>>()
                    }),
                },
                now,
            )?;
            Ok(user)
        })
    })
    .await
}
