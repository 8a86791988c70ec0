//! The aggregate queries behind area statistics: each one GROUP BY over the area's subtree and
//! the period, on both engines. Written as SQL because bucketing by local date needs each
//! engine's date functions; every literal inlined here is a number, a timestamp formatted by us
//! or an area path checked to hold only digits and slashes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::rules::DayCount;
use super::{PointsFlow, Volunteering};
use crate::categories::CategoryId;
use crate::db::{AnyConnection, StoreError};
use crate::needs::NeedStatus;

/// Where and when to count: an area's subtree and a UTC half-open interval.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The area's materialized path (`/1/4/9/`).
    pub path: String,
    /// The first instant counted.
    pub from: NaiveDateTime,
    /// The first instant not counted.
    pub until: NaiveDateTime,
    /// Seconds the display zone is ahead of UTC, to bucket by local date.
    pub offset_seconds: i32,
}

fn corrupt(what: String) -> StoreError {
    StoreError::Query(diesel::result::Error::DeserializationError(what.into()))
}

/// What the engine-specific parts of a query look like.
struct Dialect {
    postgres: bool,
}

impl Dialect {
    fn of(conn: &AnyConnection) -> Self {
        Self {
            postgres: matches!(conn, AnyConnection::Postgresql(_)),
        }
    }

    /// A timestamp literal.
    fn at(&self, at: NaiveDateTime) -> String {
        let text = at.format("%F %T%.f");
        if self.postgres {
            format!("TIMESTAMP '{text}'")
        } else {
            format!("'{text}'")
        }
    }

    /// The local date of `column` as `YYYY-MM-DD`.
    fn local_day(&self, column: &str, offset_seconds: i32) -> String {
        if self.postgres {
            format!("to_char({column} + INTERVAL '{offset_seconds} seconds', 'YYYY-MM-DD')")
        } else {
            format!("strftime('%Y-%m-%d', {column}, '{offset_seconds:+} seconds')")
        }
    }
}

/// The `LIKE` pattern of a subtree, refusing a path that is not digits and slashes.
fn subtree(path: &str) -> Result<String, StoreError> {
    let plain = path.starts_with('/') && path.bytes().all(|b| b.is_ascii_digit() || b == b'/');
    if plain {
        Ok(format!("'{path}%'"))
    } else {
        Err(corrupt(format!("unexpected area path `{path}`")))
    }
}

/// `column` within the scope's interval.
fn within(dialect: &Dialect, column: &str, scope: &Scope) -> String {
    format!(
        "{column} >= {} AND {column} < {}",
        dialect.at(scope.from),
        dialect.at(scope.until)
    )
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = BigInt)]
    category_id: i64,
    #[diesel(sql_type = BigInt)]
    needs: i64,
}

/// Needs posted in the scope, counted by local posting date, status and category.
pub fn day_counts(conn: &mut AnyConnection, scope: &Scope) -> Result<Vec<DayCount>, StoreError> {
    let dialect = Dialect::of(conn);
    let day = dialect.local_day("d.created_at", scope.offset_seconds);
    let query = format!(
        "SELECT {day} AS day, n.status AS status, n.category_id AS category_id, \
             CAST(COUNT(*) AS BIGINT) AS needs \
         FROM needs n INNER JOIN need_details d ON d.need_id = n.id \
         WHERE n.area_path LIKE {path} AND {period} \
         GROUP BY {day}, n.status, n.category_id",
        path = subtree(&scope.path)?,
        period = within(&dialect, "d.created_at", scope),
    );
    let rows: Vec<DayRow> = diesel::sql_query(query).load(conn)?;
    rows.into_iter()
        .map(|row| {
            Ok(DayCount {
                day: NaiveDate::parse_from_str(&row.day, "%Y-%m-%d")
                    .map_err(|_| corrupt(format!("unexpected local date `{}`", row.day)))?,
                status: NeedStatus::parse(&row.status)
                    .ok_or_else(|| corrupt(format!("unknown need status `{}`", row.status)))?,
                category: CategoryId(row.category_id),
                needs: row.needs,
            })
        })
        .collect()
}

#[derive(QueryableByName)]
struct WaitRow {
    #[diesel(sql_type = Timestamp)]
    posted_at: NaiveDateTime,
    #[diesel(sql_type = Timestamp)]
    reached_at: NaiveDateTime,
}

fn seconds(rows: Vec<WaitRow>) -> Vec<i64> {
    rows.into_iter()
        .map(|r| (r.reached_at - r.posted_at).num_seconds().max(0))
        .collect()
}

/// For each need posted in the scope that got a helper: seconds from posting to the first
/// helper's place.
pub fn seconds_to_claim(conn: &mut AnyConnection, scope: &Scope) -> Result<Vec<i64>, StoreError> {
    let dialect = Dialect::of(conn);
    let query = format!(
        "SELECT d.created_at AS posted_at, MIN(a.assigned_at) AS reached_at \
         FROM needs n INNER JOIN need_details d ON d.need_id = n.id \
             INNER JOIN need_assignments a ON a.need_id = n.id \
         WHERE n.area_path LIKE {path} AND {period} AND a.assigned_at IS NOT NULL \
         GROUP BY n.id, d.created_at",
        path = subtree(&scope.path)?,
        period = within(&dialect, "d.created_at", scope),
    );
    Ok(seconds(diesel::sql_query(query).load(conn)?))
}

/// For each need posted in the scope and completed: seconds from posting to completion.
pub fn seconds_to_complete(
    conn: &mut AnyConnection,
    scope: &Scope,
) -> Result<Vec<i64>, StoreError> {
    let dialect = Dialect::of(conn);
    let query = format!(
        "SELECT d.created_at AS posted_at, d.completed_at AS reached_at \
         FROM needs n INNER JOIN need_details d ON d.need_id = n.id \
         WHERE n.area_path LIKE {path} AND {period} AND n.status = 'completed' \
             AND d.completed_at IS NOT NULL",
        path = subtree(&scope.path)?,
        period = within(&dialect, "d.created_at", scope),
    );
    Ok(seconds(diesel::sql_query(query).load(conn)?))
}

#[derive(QueryableByName)]
struct VolunteeringRow {
    #[diesel(sql_type = BigInt)]
    minutes: i64,
    #[diesel(sql_type = BigInt)]
    helpers: i64,
    #[diesel(sql_type = BigInt)]
    tasks: i64,
}

/// Volunteer help completed in the scope's interval: minutes, helpers and tasks.
pub fn volunteering(conn: &mut AnyConnection, scope: &Scope) -> Result<Volunteering, StoreError> {
    let dialect = Dialect::of(conn);
    let query = format!(
        "SELECT CAST(COALESCE(SUM(a.minutes), 0) AS BIGINT) AS minutes, \
             CAST(COUNT(DISTINCT a.helper_id) AS BIGINT) AS helpers, \
             CAST(COUNT(*) AS BIGINT) AS tasks \
         FROM need_assignments a INNER JOIN needs n ON n.id = a.need_id \
             INNER JOIN need_details d ON d.need_id = n.id \
         WHERE n.area_path LIKE {path} AND n.mode = 'volunteer' AND a.completed = TRUE \
             AND {period}",
        path = subtree(&scope.path)?,
        period = within(&dialect, "d.completed_at", scope),
    );
    let row: VolunteeringRow = diesel::sql_query(query).get_result(conn)?;
    Ok(Volunteering {
        minutes: row.minutes,
        helpers: row.helpers,
        tasks: row.tasks,
    })
}

#[derive(QueryableByName)]
struct FlowRow {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = BigInt)]
    points: i64,
}

/// Net points through the issuance, redemption and expiry accounts of the communities in the
/// scope's subtree during its interval.
pub fn points_flow(conn: &mut AnyConnection, scope: &Scope) -> Result<PointsFlow, StoreError> {
    let dialect = Dialect::of(conn);
    let query = format!(
        "SELECT acc.kind AS kind, CAST(COALESCE(SUM(e.amount), 0) AS BIGINT) AS points \
         FROM ledger_entries e INNER JOIN ledger_accounts acc ON acc.id = e.account_id \
             INNER JOIN areas ar ON ar.id = acc.community_id \
         WHERE acc.kind IN ('issuance', 'redemption', 'expiry') AND ar.path LIKE {path} \
             AND {period} \
         GROUP BY acc.kind",
        path = subtree(&scope.path)?,
        period = within(&dialect, "e.created_at", scope),
    );
    let rows: Vec<FlowRow> = diesel::sql_query(query).load(conn)?;
    let mut flow = PointsFlow::default();
    for row in rows {
        match row.kind.as_str() {
            // Issuance accounts go negative as they credit people: what left them was issued.
            "issuance" => flow.issued = -row.points,
            "redemption" => flow.redeemed = row.points,
            "expiry" => flow.expired = row.points,
            other => return Err(corrupt(format!("unexpected account kind `{other}`"))),
        }
    }
    Ok(flow)
}
