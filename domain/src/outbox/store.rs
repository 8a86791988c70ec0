//! Writing, claiming and settling outbox rows. Claims and outcomes are guarded statements
//! (`claimed_by = instance`), so a worker whose lease ran out can never overwrite the claim of
//! the worker that took the message over; PostgreSQL claims with `FOR UPDATE SKIP LOCKED` so
//! instances never wait on each other's rows.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::{AfterFailure, Channel, Failure, Message, MessageFilter, MessageId, NewMessage};
use super::{RetryPolicy, Status, rules};
use crate::db::{AnyConnection, StoreError};
use crate::schema::outbox;

/// An outbox row as stored.
#[derive(Debug, Queryable, Selectable, QueryableByName)]
#[diesel(table_name = outbox)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct OutboxRow {
    id: String,
    channel: String,
    topic: String,
    recipient: String,
    payload: String,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    claimed_by: Option<String>,
    claimed_until: Option<NaiveDateTime>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    delivered_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewOutboxRow<'a> {
    id: &'a str,
    channel: &'a str,
    topic: &'a str,
    recipient: &'a str,
    payload: String,
    status: &'a str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(
        what.to_owned().into(),
    ))
}

impl TryFrom<OutboxRow> for Message {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: MessageId(row.id),
            channel: Channel::parse(&row.channel).ok_or_else(|| corrupt("unknown channel"))?,
            topic: row.topic,
            recipient: row.recipient,
            payload: row.payload,
            status: Status::parse(&row.status).ok_or_else(|| corrupt("unknown status"))?,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            claimed_by: row.claimed_by,
            claimed_until: row.claimed_until,
            last_error: row.last_error,
            created_at: row.created_at,
            delivered_at: row.delivered_at,
        })
    }
}

/// Writes a message; call inside the caller's [`crate::db::write`] transaction so the message
/// exists exactly when the business change committed. Due at `not_before` (or now if earlier).
pub fn enqueue(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    message: NewMessage,
) -> Result<MessageId, StoreError> {
    let id = MessageId::generate();
    diesel::insert_into(outbox::table)
        .values(&NewOutboxRow {
            id: id.as_str(),
            channel: message.channel.as_str(),
            topic: &message.topic,
            recipient: &message.recipient,
            payload: message.payload.to_string(),
            status: Status::Pending.as_str(),
            attempts: 0,
            next_attempt_at: message.not_before.max(now),
            created_at: now,
        })
        .execute(conn)?;
    Ok(id)
}

fn lease_end(now: NaiveDateTime, lease: Duration) -> NaiveDateTime {
    now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::days(1))
}

/// Claims up to `limit` due messages for `instance` until `now + lease`, counting an attempt
/// on each, and returns them oldest due first. Due: pending, `next_attempt_at <= now`, and not
/// held by a live claim. Call inside [`crate::db::write`].
pub fn claim_due(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    instance: &str,
    lease: Duration,
    limit: i64,
) -> Result<Vec<Message>, StoreError> {
    let until = lease_end(now, lease);
    let rows = match conn {
        AnyConnection::Postgresql(pg) => claim_skip_locked(pg, now, instance, until, limit)?,
        AnyConnection::Sqlite(sqlite) => claim_guarded(sqlite, now, instance, until, limit)?,
    };
    let mut messages = rows
        .into_iter()
        .map(Message::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    messages.sort_by(|a, b| (a.next_attempt_at, &a.id).cmp(&(b.next_attempt_at, &b.id)));
    Ok(messages)
}

/// PostgreSQL: one statement that locks due rows other instances have not locked, skipping
/// those they have, and claims them.
///
/// The queue fills faster than autovacuum analyses it: with statistics that still say a few
/// rows are pending, the planner reads every due row through a bitmap and sorts them (30 ms
/// for 20,000 due rows) instead of walking the due index, which is already in claim order, for
/// the first `limit` (3 ms for 500). Sorting is switched off for this statement alone, so the
/// ordered index scan is chosen whatever the statistics say.
fn claim_skip_locked(
    conn: &mut diesel::PgConnection,
    now: NaiveDateTime,
    instance: &str,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Text, Timestamp};
    conn.batch_execute("SET LOCAL enable_sort = off")?;
    let claimed: Vec<OutboxRow> = diesel::sql_query(
        "UPDATE outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
             WHERE status = 'pending' AND next_attempt_at <= $3 \
               AND (claimed_until IS NULL OR claimed_until < $3) \
             ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<Text, _>(instance)
    .bind::<Timestamp, _>(until)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    // Back to the default for whatever else the transaction runs (a failed statement ends
    // the transaction, and the setting with it).
    conn.batch_execute("SET LOCAL enable_sort = on")?;
    Ok(claimed)
}

/// SQLite (one writer at a time under `BEGIN IMMEDIATE`): one statement claims the due rows a
/// subquery picks (through the pending index, in claim order) and returns them. The write lock
/// is held from the statement's start, so the picked rows are still due when they are updated,
/// and the update itself finds them by primary key. (Repeating the due conditions in the
/// update's own filter instead lets SQLite's planner, which has no statistics, walk the
/// pending index through the whole backlog: every claim then cost as much as the queue is
/// long.)
fn claim_guarded(
    conn: &mut diesel::SqliteConnection,
    now: NaiveDateTime,
    instance: &str,
    until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>, StoreError> {
    use diesel::sql_types::{BigInt, Text, Timestamp};
    Ok(diesel::sql_query(
        "UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
             WHERE status = 'pending' AND next_attempt_at <= ? \
               AND (claimed_until IS NULL OR claimed_until < ?) \
             ORDER BY next_attempt_at, id LIMIT ?) \
         RETURNING *",
    )
    .bind::<Text, _>(instance)
    .bind::<Timestamp, _>(until)
    .bind::<Timestamp, _>(now)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)?)
}

/// `status = '…'` with the status written out rather than bound: the pending and dead indexes
/// are partial, and a planner uses a partial index only for a statement that names the value
/// of its predicate (SQLite never looks at bound values for it; PostgreSQL's generic plans
/// cannot). The names are this module's own constants, never input.
fn status_is(status: Status) -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql(match status {
        Status::Pending => "outbox.status = 'pending'",
        Status::Delivered => "outbox.status = 'delivered'",
        Status::Dead => "outbox.status = 'dead'",
    })
}

/// The pending row `instance` holds.
#[diesel::dsl::auto_type(no_type_alias)]
fn held<'a>(id: &'a str, instance: &'a str) -> _ {
    outbox::table
        .filter(outbox::id.eq(id))
        .filter(outbox::status.eq("pending"))
        .filter(outbox::claimed_by.eq(instance))
}

/// Records a delivery by the holder of the claim; false when `instance` no longer holds it.
pub fn mark_delivered(
    conn: &mut AnyConnection,
    id: &MessageId,
    instance: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(held(id.as_str(), instance))
        .set((
            outbox::status.eq(Status::Delivered.as_str()),
            outbox::delivered_at.eq(now),
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Records the delivery of every message of `ids` `instance` still holds, in one statement;
/// returns the ids it recorded (the others were taken over meanwhile). Held means
/// `claimed_by = instance`: only a claim of a pending message sets `claimed_by`, and every
/// outcome clears it, so the status need not be compared — and must not be on SQLite, whose
/// planner would then scan the whole backlog through the status index instead of looking the
/// ids up.
pub fn mark_all_delivered(
    conn: &mut AnyConnection,
    ids: &[MessageId],
    instance: &str,
    now: NaiveDateTime,
) -> Result<std::collections::HashSet<String>, StoreError> {
    if ids.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let raw: Vec<&str> = ids.iter().map(MessageId::as_str).collect();
    let recorded: Vec<String> = diesel::update(
        outbox::table
            .filter(outbox::id.eq_any(&raw))
            .filter(outbox::claimed_by.eq(instance)),
    )
    .set((
        outbox::status.eq(Status::Delivered.as_str()),
        outbox::delivered_at.eq(now),
        outbox::claimed_by.eq(None::<String>),
        outbox::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .returning(outbox::id)
    .get_results(conn)?;
    Ok(recorded.into_iter().collect())
}

/// Records a failed attempt by the holder of the claim: the next attempt after the backoff
/// (`jitter` ∈ [0, 1]) or `dead` when the failure is permanent or attempts ran out. `None`
/// when `instance` no longer holds the message.
pub fn mark_failed(
    conn: &mut AnyConnection,
    id: &MessageId,
    instance: &str,
    now: NaiveDateTime,
    failure: &Failure,
    policy: &RetryPolicy,
    jitter: f64,
) -> Result<Option<AfterFailure>, StoreError> {
    let attempts: Option<i32> = held(id.as_str(), instance)
        .select(outbox::attempts)
        .first(conn)
        .optional()?;
    let Some(attempts) = attempts else {
        return Ok(None);
    };
    let decision = rules::after_failure(
        policy,
        u32::try_from(attempts).unwrap_or(0),
        failure.permanent,
        now,
        jitter,
    );
    let (status, next) = match decision {
        AfterFailure::Retry(next) => (Status::Pending, next),
        AfterFailure::Dead => (Status::Dead, now),
    };
    let changed = diesel::update(held(id.as_str(), instance))
        .set((
            outbox::status.eq(status.as_str()),
            outbox::next_attempt_at.eq(next),
            outbox::last_error.eq(rules::clip_reason(&failure.reason)),
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok((changed == 1).then_some(decision))
}

/// Hands a held message back without counting the attempt, due again at `at` (quiet hours).
/// False when `instance` no longer holds it.
pub fn defer(
    conn: &mut AnyConnection,
    id: &MessageId,
    instance: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(held(id.as_str(), instance))
        .set((
            outbox::next_attempt_at.eq(at),
            outbox::attempts.eq(outbox::attempts - 1),
            outbox::claimed_by.eq(None::<String>),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// One message.
pub fn get(conn: &mut AnyConnection, id: &MessageId) -> Result<Option<Message>, StoreError> {
    outbox::table
        .find(id.as_str())
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?
        .map(Message::try_from)
        .transpose()
}

/// Messages newest first, filtered as asked.
pub fn list(conn: &mut AnyConnection, filter: &MessageFilter) -> Result<Vec<Message>, StoreError> {
    let mut query = outbox::table
        .select(OutboxRow::as_select())
        .order(outbox::id.desc())
        .limit(filter.limit)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(status_is(status));
    }
    if let Some(channel) = filter.channel {
        query = query.filter(outbox::channel.eq(channel.as_str()));
    }
    if let Some(before) = &filter.before {
        query = query.filter(outbox::id.lt(before.0.clone()));
    }
    query
        .load(conn)?
        .into_iter()
        .map(Message::try_from)
        .collect()
}

/// Puts a dead message back in the queue, due now with its attempts reset; false when it is
/// not dead (a guarded update, so two admins retrying at once revive it once).
pub fn revive(
    conn: &mut AnyConnection,
    id: &MessageId,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        outbox::table
            .filter(outbox::id.eq(id.as_str()))
            .filter(outbox::status.eq(Status::Dead.as_str())),
    )
    .set((
        outbox::status.eq(Status::Pending.as_str()),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Pending messages, for the backlog gauge (counted in the pending index).
pub fn pending_count(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(outbox::table
        .filter(status_is(Status::Pending))
        .count()
        .get_result(conn)?)
}

/// Deletes delivered messages created before `delivered_before` and dead ones created before
/// `dead_before`; returns (delivered, dead) removed. Pending messages are never purged. Old
/// messages are found through the primary key ([`MessageId::first_at`]); the creation time
/// stays the rule.
pub fn purge(
    conn: &mut AnyConnection,
    delivered_before: NaiveDateTime,
    dead_before: NaiveDateTime,
) -> Result<(usize, usize), StoreError> {
    let delivered = diesel::delete(
        outbox::table
            .filter(outbox::id.lt(MessageId::first_at(delivered_before).0))
            .filter(status_is(Status::Delivered))
            .filter(outbox::created_at.lt(delivered_before)),
    )
    .execute(conn)?;
    let dead = diesel::delete(
        outbox::table
            .filter(outbox::id.lt(MessageId::first_at(dead_before).0))
            .filter(status_is(Status::Dead))
            .filter(outbox::created_at.lt(dead_before)),
    )
    .execute(conn)?;
    Ok((delivered, dead))
}
