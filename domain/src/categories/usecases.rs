//! Managing categories: platform admins only, every change audited.

use chrono::NaiveDateTime;

use super::{Category, CategoryId, CategoryInput, store};
use crate::access::Principal;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};

/// Why a category use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum CategoryError {
    /// Only platform admins manage categories.
    #[error("only platform admins manage service categories")]
    NotAdmin,
    /// No such category.
    #[error("no such service category")]
    NotFound,
    /// The code is taken.
    #[error("a service category with this code exists")]
    CodeTaken,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for CategoryError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for CategoryError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            _ => None,
        }
    }
}

/// Every category.
pub async fn list(db: &Db) -> Result<Vec<Category>, CategoryError> {
    Ok(db.run(store::list).await?)
}

fn record(
    conn: &mut db::AnyConnection,
    principal: &Principal,
    action: &'static str,
    id: CategoryId,
    code: &str,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    audit::store::record(
        conn,
        &NewAuditEvent {
            actor: Some(principal.user.id),
            on_behalf_of: None,
            action,
            subject_type: "service_category",
            subject_id: id.0.to_string(),
            area: None,
            detail: serde_json::json!({"code": code}),
        },
        now,
    )
}

/// A platform admin adds a category. Audited.
pub async fn create(
    db: &Db,
    principal: Principal,
    code: String,
    input: CategoryInput,
    now: NaiveDateTime,
) -> Result<Category, CategoryError> {
    if !principal.is_platform_admin() {
        return Err(CategoryError::NotAdmin);
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            if store::by_code(conn, &code)?.is_some() {
                return Err(CategoryError::CodeTaken);
            }
            let id = store::insert(conn, &code, &input, now).map_err(|e| {
                if db::is_unique_violation(&e) {
                    CategoryError::CodeTaken
                } else {
                    e.into()
                }
            })?;
            record(conn, &principal, "service_category.created", id, &code, now)?;
            store::get(conn, id)?.ok_or(CategoryError::NotFound)
        })
    })
    .await
}

/// A platform admin replaces a category's definition. Audited.
pub async fn update(
    db: &Db,
    principal: Principal,
    id: CategoryId,
    input: CategoryInput,
    now: NaiveDateTime,
) -> Result<Category, CategoryError> {
    if !principal.is_platform_admin() {
        return Err(CategoryError::NotAdmin);
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            if !store::update(conn, id, &input, now)? {
                return Err(CategoryError::NotFound);
            }
            let category = store::get(conn, id)?.ok_or(CategoryError::NotFound)?;
            record(
                conn,
                &principal,
                "service_category.updated",
                id,
                &category.code,
                now,
            )?;
            Ok(category)
        })
    })
    .await
}
