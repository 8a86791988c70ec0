//! A person's own notifications and preferences; nobody reads or marks another's.

use chrono::NaiveDateTime;

use super::{Notification, NotificationFilter, Preference, store};
use crate::accounts::UserId;
use crate::db::{self, Db, StoreError, TransactionError};

/// Why a notification use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// No such notification of the caller's.
    #[error("no such notification")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for NotificationError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for NotificationError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::NotFound => None,
        }
    }
}

/// The caller's notifications, newest first, and how many are unread.
pub async fn list(
    db: &Db,
    user: UserId,
    filter: NotificationFilter,
) -> Result<(Vec<Notification>, i64), StoreError> {
    db.run(move |conn| {
        Ok((
            store::list(conn, user, &filter)?,
            store::unread_count(conn, user)?,
        ))
    })
    .await
}

/// Marks one of the caller's notifications read; another person's is not found.
pub async fn mark_read(
    db: &Db,
    user: UserId,
    id: i64,
    now: NaiveDateTime,
) -> Result<Notification, NotificationError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            store::mark_read(conn, user, id, now)?.ok_or(NotificationError::NotFound)
        })
    })
    .await
}

/// Marks all the caller's notifications read; returns how many changed.
pub async fn mark_all_read(db: &Db, user: UserId, now: NaiveDateTime) -> Result<usize, StoreError> {
    db.run(move |conn| db::write(conn, |conn| store::mark_all_read(conn, user, now)))
        .await
}

/// The caller's choices per category.
pub async fn preferences(db: &Db, user: UserId) -> Result<Vec<Preference>, StoreError> {
    db.run(move |conn| store::preferences(conn, user)).await
}

/// Saves the caller's choices for the categories given (others keep theirs) and returns all.
pub async fn update_preferences(
    db: &Db,
    user: UserId,
    changes: Vec<Preference>,
    now: NaiveDateTime,
) -> Result<Vec<Preference>, StoreError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            for preference in &changes {
                store::save_preference(conn, user, *preference, now)?;
            }
            store::preferences(conn, user)
        })
    })
    .await
}
