//! Reading and writing webhook endpoints and their delivery log.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::rules::{events_from_text, events_to_text, failed_too_long};
use super::{
    Attempt, Delivery, DisabledReason, Endpoint, EndpointChanges, EndpointId, Event, NewEndpoint,
    Secret,
};
use crate::accounts::UserId;
use crate::api_keys::ApiKeyId;
use crate::db::{AnyConnection, StoreError};
use crate::organizations::OrganizationId;
use crate::schema::{webhook_deliveries, webhook_endpoints};

/// A `webhook_endpoints` row as stored, without the secret.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct EndpointRow {
    id: i64,
    organization_id: i64,
    url: String,
    description: String,
    events: String,
    disabled_reason: Option<String>,
    disabled_at: Option<NaiveDateTime>,
    failing_since: Option<NaiveDateTime>,
    last_success_at: Option<NaiveDateTime>,
    last_failure_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn corrupt(what: String) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(what.into()))
}

impl TryFrom<EndpointRow> for Endpoint {
    type Error = StoreError;
    fn try_from(row: EndpointRow) -> Result<Self, StoreError> {
        let events = events_from_text(&row.events)
            .map_err(|unknown| corrupt(format!("unknown webhook event `{unknown}`")))?;
        let disabled = match (row.disabled_reason, row.disabled_at) {
            (Some(reason), Some(at)) => Some((
                DisabledReason::parse(&reason)
                    .ok_or_else(|| corrupt(format!("unknown disabled reason `{reason}`")))?,
                at,
            )),
            _ => None,
        };
        Ok(Endpoint {
            id: EndpointId(row.id),
            organization_id: OrganizationId(row.organization_id),
            url: row.url,
            description: row.description,
            events,
            disabled,
            failing_since: row.failing_since,
            last_success_at: row.last_success_at,
            last_failure_at: row.last_failure_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = webhook_endpoints)]
struct NewEndpointRow<'a> {
    organization_id: i64,
    url: &'a str,
    description: &'a str,
    events: &'a str,
    secret: &'a str,
    enabled: bool,
    created_by: Option<i64>,
    created_by_key: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Records a new, enabled endpoint; call in a write transaction.
pub fn insert(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    new: &NewEndpoint,
    secret: &Secret,
    created_by: Option<UserId>,
    created_by_key: Option<ApiKeyId>,
    now: NaiveDateTime,
) -> Result<Endpoint, StoreError> {
    let id: i64 = diesel::insert_into(webhook_endpoints::table)
        .values(&NewEndpointRow {
            organization_id: organization.0,
            url: new.url.as_str(),
            description: &new.description,
            events: &events_to_text(&new.events),
            secret: secret.expose(),
            enabled: true,
            created_by: created_by.map(|u| u.0),
            created_by_key: created_by_key.map(|k| k.0),
            created_at: now,
            updated_at: now,
        })
        .returning(webhook_endpoints::id)
        .get_result(conn)?;
    get(conn, organization, EndpointId(id))?
        .ok_or(StoreError::Query(diesel::result::Error::NotFound))
}

/// How many endpoints `organization` has.
pub fn count(conn: &mut AnyConnection, organization: OrganizationId) -> Result<i64, StoreError> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::organization_id.eq(organization.0))
        .count()
        .get_result(conn)?)
}

/// One endpoint of `organization`; another organization's endpoint is not found.
pub fn get(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    id: EndpointId,
) -> Result<Option<Endpoint>, StoreError> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id.0))
        .filter(webhook_endpoints::organization_id.eq(organization.0))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?
        .map(Endpoint::try_from)
        .transpose()
}

/// Every endpoint of `organization`, oldest first.
pub fn list(
    conn: &mut AnyConnection,
    organization: OrganizationId,
) -> Result<Vec<Endpoint>, StoreError> {
    webhook_endpoints::table
        .filter(webhook_endpoints::organization_id.eq(organization.0))
        .order(webhook_endpoints::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Endpoint::try_from)
        .collect()
}

/// The enabled endpoints of `organization` subscribed to `event`.
pub fn subscribers(
    conn: &mut AnyConnection,
    organization: OrganizationId,
    event: Event,
) -> Result<Vec<Endpoint>, StoreError> {
    let endpoints: Vec<Endpoint> = webhook_endpoints::table
        .filter(webhook_endpoints::organization_id.eq(organization.0))
        .filter(webhook_endpoints::enabled.eq(true))
        .filter(webhook_endpoints::events.like(format!("%{}%", event.as_str())))
        .order(webhook_endpoints::id.asc())
        .select(EndpointRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Endpoint::try_from)
        .collect::<Result<_, _>>()?;
    Ok(endpoints
        .into_iter()
        .filter(|e| e.events.contains(&event))
        .collect())
}

/// Applies checked changes; call in a write transaction after loading the endpoint.
/// Enabling clears the failure streak; disabling records a manual stop.
pub fn update(
    conn: &mut AnyConnection,
    id: EndpointId,
    changes: &EndpointChanges,
    before: &Endpoint,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    let target = webhook_endpoints::table.find(id.0);
    if let Some(url) = &changes.url {
        diesel::update(target)
            .set(webhook_endpoints::url.eq(url.as_str()))
            .execute(conn)?;
    }
    if let Some(description) = &changes.description {
        diesel::update(target)
            .set(webhook_endpoints::description.eq(description))
            .execute(conn)?;
    }
    if let Some(events) = &changes.events {
        diesel::update(target)
            .set(webhook_endpoints::events.eq(events_to_text(events)))
            .execute(conn)?;
    }
    match (changes.enabled, before.enabled()) {
        (Some(true), false) => {
            diesel::update(target)
                .set((
                    webhook_endpoints::enabled.eq(true),
                    webhook_endpoints::disabled_reason.eq(None::<String>),
                    webhook_endpoints::disabled_at.eq(None::<NaiveDateTime>),
                    webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        (Some(false), true) => {
            diesel::update(target)
                .set((
                    webhook_endpoints::enabled.eq(false),
                    webhook_endpoints::disabled_reason.eq(DisabledReason::Manual.as_str()),
                    webhook_endpoints::disabled_at.eq(now),
                ))
                .execute(conn)?;
        }
        _ => {}
    }
    diesel::update(target)
        .set(webhook_endpoints::updated_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Replaces the signing secret.
pub fn set_secret(
    conn: &mut AnyConnection,
    id: EndpointId,
    secret: &Secret,
    now: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(webhook_endpoints::table.find(id.0))
        .set((
            webhook_endpoints::secret.eq(secret.expose()),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes the endpoint and its delivery log. Messages still queued for it fail as
/// permanently undeliverable.
pub fn delete(conn: &mut AnyConnection, id: EndpointId) -> Result<(), StoreError> {
    // The endpoint first: its delete waits for a worker's transaction that is writing its log
    // (which updated the endpoint first), so the lines that one commits are deleted next.
    diesel::delete(webhook_endpoints::table.find(id.0)).execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id.0)))
        .execute(conn)?;
    Ok(())
}

/// What the sender needs to post to an endpoint.
#[derive(Debug, Clone)]
pub struct Target {
    /// The endpoint as stored.
    pub endpoint: Endpoint,
    /// Its signing secret.
    pub secret: Secret,
}

/// The endpoint `id` with its secret, whichever organization it belongs to: for the sender.
pub fn target(conn: &mut AnyConnection, id: EndpointId) -> Result<Option<Target>, StoreError> {
    let found: Option<(EndpointRow, String)> = webhook_endpoints::table
        .find(id.0)
        .select((EndpointRow::as_select(), webhook_endpoints::secret))
        .first(conn)
        .optional()?;
    found
        .map(|(row, secret)| {
            Ok(Target {
                endpoint: Endpoint::try_from(row)?,
                secret: Secret::from_stored(secret),
            })
        })
        .transpose()
}

/// The endpoints `ids` with their secrets, in one query: the sender reads the targets of a
/// whole claimed batch at once.
pub fn targets(
    conn: &mut AnyConnection,
    ids: &[EndpointId],
) -> Result<std::collections::HashMap<EndpointId, Target>, StoreError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let found: Vec<(EndpointRow, String)> = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq_any(&raw))
        .select((EndpointRow::as_select(), webhook_endpoints::secret))
        .load(conn)?;
    found
        .into_iter()
        .map(|(row, secret)| {
            let endpoint = Endpoint::try_from(row)?;
            Ok((
                endpoint.id,
                Target {
                    endpoint,
                    secret: Secret::from_stored(secret),
                },
            ))
        })
        .collect()
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct NewDeliveryRow<'a> {
    endpoint_id: i64,
    message_id: &'a str,
    event: &'a str,
    attempt: i32,
    attempted_at: NaiveDateTime,
    status_code: Option<i32>,
    error: Option<&'a str>,
    duration_ms: i64,
    succeeded: bool,
}

impl<'a> NewDeliveryRow<'a> {
    fn of(endpoint: EndpointId, attempt: &'a Attempt) -> Self {
        Self {
            endpoint_id: endpoint.0,
            message_id: &attempt.message_id,
            event: &attempt.event,
            attempt: attempt.attempt,
            attempted_at: attempt.attempted_at,
            status_code: attempt.status_code.map(i32::from),
            error: attempt.error.as_deref(),
            duration_ms: attempt.duration_ms,
            succeeded: attempt.succeeded,
        }
    }
}

/// What recording an attempt changed about its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The endpoint no longer exists; nothing was written.
    EndpointGone,
    /// Logged; the endpoint stays as it was (enabled, or already disabled).
    Logged,
    /// Logged, and this failure completed the failure window: the endpoint is now disabled.
    Disabled,
}

/// Records successful attempts in bulk, for the delivery worker settling a group: one update
/// per endpoint (no longer failing, last success) and one insert of all log lines. Returns the
/// endpoints that no longer exist; their lines are not written.
pub fn record_successes(
    conn: &mut AnyConnection,
    attempts: &[(EndpointId, &Attempt)],
) -> Result<std::collections::HashSet<EndpointId>, StoreError> {
    let mut latest = std::collections::BTreeMap::<EndpointId, NaiveDateTime>::new();
    for (endpoint, attempt) in attempts {
        let at = latest.entry(*endpoint).or_insert(attempt.attempted_at);
        *at = (*at).max(attempt.attempted_at);
    }
    let mut gone = std::collections::HashSet::new();
    for (endpoint, at) in latest {
        let touched = diesel::update(webhook_endpoints::table.find(endpoint.0))
            .set((
                webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
                webhook_endpoints::last_success_at.eq(at),
            ))
            .execute(conn)?;
        if touched == 0 {
            gone.insert(endpoint);
        }
    }
    let rows: Vec<NewDeliveryRow<'_>> = attempts
        .iter()
        .filter(|(endpoint, _)| !gone.contains(endpoint))
        .map(|(endpoint, attempt)| NewDeliveryRow::of(*endpoint, attempt))
        .collect();
    if rows.is_empty() {
        return Ok(gone);
    }
    // Batch inserts do not go through the connection enum (see STACK.md).
    match conn {
        AnyConnection::Sqlite(c) => {
            for chunk in rows.chunks(DELIVERY_ROWS_PER_INSERT) {
                diesel::insert_into(webhook_deliveries::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
        AnyConnection::Postgresql(c) => insert_unnested(c, &rows)?,
    }
    Ok(gone)
}

/// Rows per multi-row insert: SQLite allows 32,766 bound values, a row binds 9.
const DELIVERY_ROWS_PER_INSERT: usize = 1000;

/// PostgreSQL: every line in one statement that binds one array per column, so its text is
/// the same for every round and one prepared statement serves them all. A multi-row `VALUES`
/// binds nine parameters per line and its text changes with the number of lines, so the server
/// parsed and planned each round's insert anew.
fn insert_unnested(
    conn: &mut diesel::PgConnection,
    rows: &[NewDeliveryRow<'_>],
) -> Result<(), StoreError> {
    use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};
    fn column<'r, T>(rows: &[NewDeliveryRow<'r>], of: impl Fn(&NewDeliveryRow<'r>) -> T) -> Vec<T> {
        rows.iter().map(of).collect()
    }
    diesel::sql_query(
        "INSERT INTO webhook_deliveries (endpoint_id, message_id, event, attempt, attempted_at, \
             status_code, error, duration_ms, succeeded) \
         SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind::<Array<BigInt>, _>(column(rows, |row| row.endpoint_id))
    .bind::<Array<Text>, _>(column(rows, |row| row.message_id))
    .bind::<Array<Text>, _>(column(rows, |row| row.event))
    .bind::<Array<Integer>, _>(column(rows, |row| row.attempt))
    .bind::<Array<Timestamp>, _>(column(rows, |row| row.attempted_at))
    .bind::<Array<Nullable<Integer>>, _>(column(rows, |row| row.status_code))
    .bind::<Array<Nullable<Text>>, _>(column(rows, |row| row.error))
    .bind::<Array<BigInt>, _>(column(rows, |row| row.duration_ms))
    .bind::<Array<Bool>, _>(column(rows, |row| row.succeeded))
    .execute(conn)?;
    Ok(())
}

/// Appends an attempt to the endpoint's log and updates its failure streak: a success ends the
/// streak, a failure starts it or, once it has lasted `window`, disables the endpoint. Every
/// change is one guarded statement, so concurrent senders cannot disable it twice. Call in a
/// write transaction.
pub fn record_attempt(
    conn: &mut AnyConnection,
    id: EndpointId,
    attempt: &Attempt,
    window: TimeDelta,
) -> Result<Recorded, StoreError> {
    let now = attempt.attempted_at;
    let target = webhook_endpoints::table.find(id.0);
    let touched = if attempt.succeeded {
        diesel::update(target)
            .set((
                webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
                webhook_endpoints::last_success_at.eq(now),
            ))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set(webhook_endpoints::last_failure_at.eq(now))
            .execute(conn)?
    };
    if touched == 0 {
        return Ok(Recorded::EndpointGone);
    }
    diesel::insert_into(webhook_deliveries::table)
        .values(&NewDeliveryRow::of(id, attempt))
        .execute(conn)?;
    if attempt.succeeded {
        return Ok(Recorded::Logged);
    }
    diesel::update(target.filter(webhook_endpoints::failing_since.is_null()))
        .set(webhook_endpoints::failing_since.eq(now))
        .execute(conn)?;
    let since: Option<NaiveDateTime> = webhook_endpoints::table
        .find(id.0)
        .select(webhook_endpoints::failing_since)
        .first(conn)?;
    let Some(since) = since.filter(|since| failed_too_long(*since, now, window)) else {
        return Ok(Recorded::Logged);
    };
    let disabled = diesel::update(
        target
            .filter(webhook_endpoints::enabled.eq(true))
            .filter(webhook_endpoints::failing_since.eq(since)),
    )
    .set((
        webhook_endpoints::enabled.eq(false),
        webhook_endpoints::disabled_reason.eq(DisabledReason::Failing.as_str()),
        webhook_endpoints::disabled_at.eq(now),
        webhook_endpoints::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(if disabled == 1 {
        Recorded::Disabled
    } else {
        Recorded::Logged
    })
}

/// A `webhook_deliveries` row.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
struct DeliveryRow {
    id: i64,
    message_id: String,
    event: String,
    attempt: i32,
    attempted_at: NaiveDateTime,
    status_code: Option<i32>,
    error: Option<String>,
    duration_ms: i64,
    succeeded: bool,
}

/// The endpoint's delivery log, newest first, at most `limit` attempts older than `before`.
pub fn deliveries(
    conn: &mut AnyConnection,
    id: EndpointId,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Delivery>, StoreError> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(id.0))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    Ok(query
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(DeliveryRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| Delivery {
            id: row.id,
            message_id: row.message_id,
            event: row.event,
            attempt: row.attempt,
            attempted_at: row.attempted_at,
            status_code: row.status_code,
            error: row.error,
            duration_ms: row.duration_ms,
            succeeded: row.succeeded,
        })
        .collect())
}
