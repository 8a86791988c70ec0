//! Appending to and reading the audit log.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{AuditEvent, GENESIS_HASH, NewAuditEvent, chain_hash};
use crate::accounts::UserId;
use crate::areas::AreaId;
use crate::db::{AnyConnection, StoreError};
use crate::schema::{areas, audit_events};

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct AuditRow {
    id: i64,
    occurred_at: NaiveDateTime,
    actor_id: Option<i64>,
    on_behalf_of: Option<i64>,
    action: String,
    subject_type: String,
    subject_id: String,
    area_id: Option<i64>,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            occurred_at: row.occurred_at,
            actor: row.actor_id.map(UserId),
            on_behalf_of: row.on_behalf_of.map(UserId),
            action: row.action,
            subject_type: row.subject_type,
            subject_id: row.subject_id,
            area: row.area_id.map(AreaId),
            detail: row.detail,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct NewAuditRow<'a> {
    occurred_at: NaiveDateTime,
    actor_id: Option<i64>,
    on_behalf_of: Option<i64>,
    action: &'a str,
    subject_type: &'a str,
    subject_id: &'a str,
    area_id: Option<i64>,
    detail: &'a str,
    prev_hash: &'a str,
    hash: &'a str,
}

/// Serialises appenders: the chain needs the latest hash to stay latest until we insert.
/// SQLite's `BEGIN IMMEDIATE` already holds the write lock; PostgreSQL takes a transaction lock.
fn lock_chain(conn: &mut AnyConnection) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Postgresql(pg) => {
            Ok(pg.batch_execute("SELECT pg_advisory_xact_lock(4242001)")?)
        }
        AnyConnection::Sqlite(_) => Ok(()),
    }
}

/// Appends an event; call inside the write transaction of the action it records.
pub fn record(
    conn: &mut AnyConnection,
    event: &NewAuditEvent,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    lock_chain(conn)?;
    let prev: String = audit_events::table
        .order(audit_events::id.desc())
        .select(audit_events::hash)
        .first(conn)
        .optional()?
        .unwrap_or_else(|| GENESIS_HASH.to_owned());
    let detail = event.detail.to_string();
    let hash = chain_hash(
        &prev,
        now,
        event.actor.map(|u| u.0),
        event.on_behalf_of.map(|u| u.0),
        event.action,
        event.subject_type,
        &event.subject_id,
        event.area.map(|a| a.0),
        &detail,
    );
    diesel::insert_into(audit_events::table)
        .values(&NewAuditRow {
            occurred_at: now,
            actor_id: event.actor.map(|u| u.0),
            on_behalf_of: event.on_behalf_of.map(|u| u.0),
            action: event.action,
            subject_type: event.subject_type,
            subject_id: &event.subject_id,
            area_id: event.area.map(|a| a.0),
            detail: &detail,
            prev_hash: &prev,
            hash: &hash,
        })
        .execute(conn)?;
    Ok(())
}

/// Which events a reader may see.
#[derive(Debug, Clone)]
pub enum AuditScope {
    /// Everything (platform admins).
    All,
    /// Events of areas under these paths (street admins).
    Under(Vec<String>),
}

/// Events newest first, after `before` (an id) when paging, at most `limit`.
pub fn list(
    conn: &mut AnyConnection,
    scope: &AuditScope,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut query = audit_events::table
        .left_join(areas::table)
        .select(AuditRow::as_select())
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(audit_events::id.lt(before));
    }
    if let AuditScope::Under(paths) = scope {
        let Some((first, rest)) = paths.split_first() else {
            return Ok(Vec::new());
        };
        let mut condition: Box<
            dyn BoxableExpression<
                    _,
                    _,
                    SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
                >,
        > = Box::new(areas::path.nullable().like(format!("{first}%")));
        for path in rest {
            condition = Box::new(condition.or(areas::path.nullable().like(format!("{path}%"))));
        }
        query = query.filter(condition);
    }
    Ok(query
        .load(conn)?
        .into_iter()
        .map(AuditEvent::from)
        .collect())
}

/// The whole chain oldest first, for verification.
pub fn all_in_order(conn: &mut AnyConnection) -> Result<Vec<AuditEvent>, StoreError> {
    Ok(audit_events::table
        .order(audit_events::id.asc())
        .select(AuditRow::as_select())
        .load(conn)?
        .into_iter()
        .map(AuditEvent::from)
        .collect())
}
