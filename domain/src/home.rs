//! The home screen's data: what a person sees first after signing in, read in one store hop
//! (one pooled connection) because the app shell reads it on every page load of a signed-in
//! browser.

use crate::accounts::UserId;
use crate::categories::{Category, store as categories};
use crate::db::{Db, StoreError};
use crate::ledger::usecases::{PointsBalance, balance_in};
use crate::needs::store::{self as needs, NeedScope};
use crate::needs::{Need, NeedStatus};
use crate::notifications::store as notifications;

/// What the home shows a person.
#[derive(Debug, Clone)]
pub struct Home {
    /// Their points.
    pub points: PointsBalance,
    /// How many of their notifications are unread.
    pub unread_notifications: i64,
    /// Their needs not yet over, newest first.
    pub active_needs: Vec<Need>,
    /// Every service category, to name the needs' kinds.
    pub categories: Vec<Category>,
}

/// `user`'s home, with at most `active_needs` of their needs that are not over.
pub async fn read(db: &Db, user: UserId, active_needs: i64) -> Result<Home, StoreError> {
    db.run(move |conn| {
        let active: Vec<&'static str> = NeedStatus::ALL
            .into_iter()
            .filter(|status| !status.is_terminal())
            .map(NeedStatus::as_str)
            .collect();
        Ok(Home {
            points: balance_in(conn, user)?,
            unread_notifications: notifications::unread_count(conn, user)?,
            active_needs: needs::list(
                conn,
                &NeedScope::Own(user),
                &active,
                false,
                None,
                active_needs,
            )?,
            categories: categories::list(conn)?,
        })
    })
    .await
}
