//! Reading the verification queues of the areas a staff member serves.

use super::{Queues, store};
use crate::access::Principal;
use crate::access::rules::STAFF_ROLES;
use crate::db::{self, Db, StoreError, TransactionError};

/// Why the queues were not shown.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The caller is staff nowhere.
    #[error("only community staff, social workers and admins have verification queues")]
    NotStaff,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for QueueError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for QueueError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::NotStaff => None,
        }
    }
}

/// The volunteers, credentials and residents waiting for `principal` to verify them: people
/// whose home grid lies in an area where the principal is staff.
pub async fn queues(db: &Db, principal: Principal) -> Result<Queues, QueueError> {
    if !principal
        .roles
        .iter()
        .any(|r| STAFF_ROLES.contains(&r.role))
    {
        return Err(QueueError::NotStaff);
    }
    db.run(move |conn| {
        db::read_snapshot(conn, |conn| {
            let grids: Vec<i64> = store::area_paths(conn)?
                .into_iter()
                .filter(|(_, path)| principal.is_staff_over(path))
                .map(|(id, _)| id)
                .collect();
            Ok(Queues {
                volunteers: store::volunteers(conn, &grids)?,
                credentials: store::credentials(conn, &grids)?,
                residents: store::residents(conn, &grids)?,
            })
        })
    })
    .await
}
