//! Requests keyed by the caller's `Idempotency-Key`, seen from the outside: a key is claimed
//! (committed) before the work starts, so a second request with it meanwhile is told the first
//! is still running instead of waiting on it; when the work succeeds its response is stored and
//! every later request with the key gets it back; when it fails the claim is dropped so the
//! caller can retry. A claim whose holder died lapses after its lease. The work itself stays
//! idempotent by its own keys (ledger transfers, redemptions), so a taken-over claim never
//! moves points twice.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::{self, AnyConnection, Db, StoreError, is_unique_violation};
use crate::schema::idempotent_requests;

/// How long a claim holds before another request may take it over.
pub const LEASE: TimeDelta = TimeDelta::seconds(120);

/// What a request with a key should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The key is now claimed by this request: do the work, then `complete` or `abandon`.
    Claimed,
    /// A request with the key is still running.
    InFlight,
    /// The key was used for a different request body or operation.
    Mismatch,
    /// The work was done before: answer with this stored response.
    Done {
        /// The stored HTTP status.
        status: u16,
        /// The stored JSON body.
        body: String,
    },
}

/// The hash a request is recognised by: its operation and canonical JSON body.
pub fn request_hash(operation: &str, body: &serde_json::Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(operation.as_bytes());
    hasher.update([0]);
    hasher.update(body.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = idempotent_requests)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct RequestRow {
    operation: String,
    request_hash: String,
    state: String,
    locked_until: NaiveDateTime,
    response_status: Option<i32>,
    response_body: Option<String>,
}

/// The pure decision for a key already stored.
fn decide(row: &RequestRow, operation: &str, hash: &str, now: NaiveDateTime) -> Option<Begun> {
    if row.operation != operation || row.request_hash != hash {
        return Some(Begun::Mismatch);
    }
    match (row.state.as_str(), row.response_status, &row.response_body) {
        ("done", Some(status), Some(body)) => Some(Begun::Done {
            status: u16::try_from(status).unwrap_or(200),
            body: body.clone(),
        }),
        _ if row.locked_until > now => Some(Begun::InFlight),
        // The holder's lease lapsed: the caller takes the claim over.
        _ => None,
    }
}

fn try_begin(
    conn: &mut AnyConnection,
    key: &str,
    operation: &str,
    hash: &str,
    now: NaiveDateTime,
) -> Result<Begun, diesel::result::Error> {
    db::write(conn, |conn| {
        let row = idempotent_requests::table
            .find(key)
            .select(RequestRow::as_select())
            .first(conn)
            .optional()?;
        match row {
            Some(row) => match decide(&row, operation, hash, now) {
                Some(begun) => Ok(begun),
                None => {
                    let taken = diesel::update(
                        idempotent_requests::table
                            .find(key)
                            .filter(idempotent_requests::state.eq("in_flight"))
                            .filter(idempotent_requests::locked_until.le(now)),
                    )
                    .set(idempotent_requests::locked_until.eq(now + LEASE))
                    .execute(conn)?;
                    Ok(if taken == 1 {
                        Begun::Claimed
                    } else {
                        Begun::InFlight
                    })
                }
            },
            None => {
                diesel::insert_into(idempotent_requests::table)
                    .values((
                        idempotent_requests::scoped_key.eq(key),
                        idempotent_requests::operation.eq(operation),
                        idempotent_requests::request_hash.eq(hash),
                        idempotent_requests::state.eq("in_flight"),
                        idempotent_requests::locked_until.eq(now + LEASE),
                        idempotent_requests::created_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok(Begun::Claimed)
            }
        }
    })
}

/// Claims `key` (already scoped to the caller) for `operation` with body `hash`, or says why
/// not. Committed at once, so concurrent requests see the claim.
pub async fn begin(
    db: &Db,
    key: String,
    operation: &'static str,
    hash: String,
    now: NaiveDateTime,
) -> Result<Begun, StoreError> {
    db.run(move |conn| {
        // A plain read first: on SQLite it needs no write lock, so a request whose key is held
        // by a running request is answered at once instead of queueing behind that request.
        let stored = idempotent_requests::table
            .find(&key)
            .select(RequestRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(begun) = stored.and_then(|row| decide(&row, operation, &hash, now)) {
            return Ok(begun);
        }
        match try_begin(conn, &key, operation, &hash, now) {
            // A concurrent request inserted the key first (PostgreSQL waited for its commit):
            // read what it stored.
            Err(e) if is_unique_violation(&e) => try_begin(conn, &key, operation, &hash, now),
            other => other,
        }
        .map_err(StoreError::from)
    })
    .await
}

/// Stores the response of the claimed request; later requests with the key get it back.
pub async fn complete(db: &Db, key: String, status: u16, body: String) -> Result<(), StoreError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            diesel::update(idempotent_requests::table.find(&key))
                .set((
                    idempotent_requests::state.eq("done"),
                    idempotent_requests::response_status.eq(i32::from(status)),
                    idempotent_requests::response_body.eq(&body),
                ))
                .execute(conn)
                .map(|_| ())
        })
        .map_err(StoreError::from)
    })
    .await
}

/// Drops the claim of a request that failed, so the caller may retry with the key.
pub async fn abandon(db: &Db, key: String) -> Result<(), StoreError> {
    db.run(move |conn| {
        db::write(conn, |conn| {
            diesel::delete(
                idempotent_requests::table
                    .find(&key)
                    .filter(idempotent_requests::state.eq("in_flight")),
            )
            .execute(conn)
            .map(|_| ())
        })
        .map_err(StoreError::from)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: &str, locked_until: NaiveDateTime) -> RequestRow {
        RequestRow {
            operation: "create_redemption".into(),
            request_hash: "h".into(),
            state: state.into(),
            locked_until,
            response_status: (state == "done").then_some(201),
            response_body: (state == "done").then(|| "{}".to_owned()),
        }
    }

    #[test]
    fn a_stored_key_is_in_flight_done_reused_or_lapsed() {
        let now = NaiveDateTime::default() + TimeDelta::days(1);
        let later = now + TimeDelta::seconds(5);
        let earlier = now - TimeDelta::seconds(5);
        let op = "create_redemption";
        assert_eq!(
            decide(&row("in_flight", later), op, "h", now),
            Some(Begun::InFlight)
        );
        assert_eq!(decide(&row("in_flight", earlier), op, "h", now), None);
        assert_eq!(
            decide(&row("done", earlier), op, "h", now),
            Some(Begun::Done {
                status: 201,
                body: "{}".into()
            })
        );
        assert_eq!(
            decide(&row("done", earlier), op, "other", now),
            Some(Begun::Mismatch)
        );
        assert_eq!(
            decide(&row("in_flight", later), "award_points_bulk", "h", now),
            Some(Begun::Mismatch)
        );
    }

    #[test]
    fn the_hash_covers_operation_and_body() {
        let body = serde_json::json!({"reward_id": 1, "quantity": 2});
        assert_eq!(request_hash("a", &body), request_hash("a", &body));
        assert_ne!(request_hash("a", &body), request_hash("b", &body));
        assert_ne!(
            request_hash("a", &body),
            request_hash("a", &serde_json::json!({"reward_id": 1, "quantity": 3}))
        );
    }
}
