//! Housekeeping jobs: keep the store free of rows nobody may use any more.

use chrono::TimeDelta;
use linli_domain::db;
use linli_domain::outbox;
use linli_domain::sessions;

use crate::runner::{Counts, JobContext, JobError};

/// How long an expired or revoked session is kept: a week, so a recent sign-in can still be
/// traced when someone reports a stolen phone, and no longer.
pub const SESSION_RETENTION: TimeDelta = TimeDelta::days(7);

/// Deletes sessions that expired or were revoked more than [`SESSION_RETENTION`] before the
/// run started. Idempotent: a second run of the slot finds nothing more to delete.
pub async fn purge_expired_sessions(context: JobContext) -> Result<Counts, JobError> {
    let cutoff = context.now - SESSION_RETENTION;
    let purged = context
        .db
        .run(move |conn| db::write(conn, |conn| sessions::store::purge_expired(conn, cutoff)))
        .await?;
    Ok(Counts::from([(
        "sessions_purged",
        u64::try_from(purged).unwrap_or(u64::MAX),
    )]))
}

/// Deletes delivered outbox messages written more than the delivered retention before the run
/// started, and dead ones past the (longer) dead retention; pending messages are never
/// touched. Idempotent. There is no idempotency-record table yet: when one lands, its purge
/// belongs beside this one.
pub async fn purge_delivered_outbox(context: JobContext) -> Result<Counts, JobError> {
    let delivered_before = context.now - context.retention.delivered_outbox;
    let dead_before = context.now - context.retention.dead_outbox;
    let (delivered, dead) = context
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                outbox::store::purge(conn, delivered_before, dead_before)
            })
        })
        .await?;
    Ok(Counts::from([
        (
            "delivered_purged",
            u64::try_from(delivered).unwrap_or(u64::MAX),
        ),
        ("dead_purged", u64::try_from(dead).unwrap_or(u64::MAX)),
    ]))
}
