//! What platform admins do with the outbox: look at messages and retry dead ones. Audited.

use chrono::NaiveDateTime;

use super::{Message, MessageFilter, MessageId, store};
use crate::access::Principal;
use crate::audit::{self, NewAuditEvent};
use crate::db::{self, Db, StoreError, TransactionError};

/// Why an outbox use case did not go through.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// Only platform admins see the outbox.
    #[error("only platform admins manage the outbox")]
    Forbidden,
    /// No such message.
    #[error("no such outbox message")]
    NotFound,
    /// Only dead messages can be retried.
    #[error("the message is not dead")]
    NotDead,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<diesel::result::Error> for OutboxError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Store(e.into())
    }
}

impl TransactionError for OutboxError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Store(e) => e.as_diesel(),
            Self::Forbidden | Self::NotFound | Self::NotDead => None,
        }
    }
}

/// Messages newest first, for a platform admin.
pub async fn list(
    db: &Db,
    principal: Principal,
    filter: MessageFilter,
) -> Result<Vec<Message>, OutboxError> {
    if !principal.is_platform_admin() {
        return Err(OutboxError::Forbidden);
    }
    db.run(move |conn| Ok(store::list(conn, &filter)?)).await
}

/// A platform admin puts a dead message back in the queue (attempts reset, due now). Audited.
pub async fn retry(
    db: &Db,
    principal: Principal,
    id: MessageId,
    now: NaiveDateTime,
) -> Result<Message, OutboxError> {
    if !principal.is_platform_admin() {
        return Err(OutboxError::Forbidden);
    }
    db.run(move |conn| {
        db::write(conn, |conn| {
            let found = store::get(conn, &id)?.ok_or(OutboxError::NotFound)?;
            if !store::revive(conn, &id, now)? {
                return Err(OutboxError::NotDead);
            }
            audit::store::record(
                conn,
                &NewAuditEvent {
                    actor: Some(principal.user.id),
                    on_behalf_of: None,
                    action: "outbox_message.retried",
                    subject_type: "outbox_message",
                    subject_id: id.to_string(),
                    area: None,
                    detail: serde_json::json!({
                        "channel": found.channel.as_str(),
                        "topic": found.topic,
                        "attempts": found.attempts,
                    }),
                },
                now,
            )?;
            store::get(conn, &id)?.ok_or(OutboxError::NotFound)
        })
    })
    .await
}
