//! Settlement of 100,000 confirmed orders of one provider (`paid::settlement::settle`: the
//! batch, guarded claims of the orders, fees and refunds due, their sums) against the
//! set-based SQL aggregate over the same rows (one `SELECT COUNT, SUM…`), and prints both times
//! and their ratio. SQLite always; PostgreSQL when `LINLI_BENCH_POSTGRES_URL` names a server
//! whose user may create databases (a fresh database is created and dropped).
//!
//! `cargo bench -p linli-domain --bench paid` (`LINLI_BENCH_ORDERS` changes the count)

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::Instant;

use chrono::TimeDelta;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use linli_domain::db::{self, ConnectionManager, DatabaseUrl, migrate};
use linli_domain::organizations::OrganizationId;
use linli_domain::paid::settlement::{SettlementError, settle};
use linli_domain::schema::{areas, paid_order_money, paid_orders};
use linli_domain::time::now_utc;

fn main() {
    let orders: i64 = std::env::var("LINLI_BENCH_ORDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    run(
        "sqlite",
        &DatabaseUrl::Sqlite(dir.path().join("bench.db")),
        orders,
    );
    if let Ok(server) = std::env::var("LINLI_BENCH_POSTGRES_URL") {
        let name = format!("linli_bench_paid_{}", std::process::id());
        let admin = DatabaseUrl::parse(&server).expect("a PostgreSQL URL");
        let mut conn = manager(&admin).open().expect("the server answers");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("a fresh database");
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base);
        run(
            "postgres",
            &DatabaseUrl::parse(&format!("{base}/{name}")).expect("a URL"),
            orders,
        );
        diesel::sql_query(format!("DROP DATABASE {name}"))
            .execute(&mut conn)
            .expect("dropped");
    }
}

fn manager(url: &DatabaseUrl) -> ConnectionManager {
    ConnectionManager::new(url.clone(), db::SqliteOptions::default())
}

/// A provider with `count` confirmed orders of ¥45.50 × 3 split like a subsidised booking.
fn setup(conn: &mut db::AnyConnection, count: i64) -> i64 {
    migrate::run_pending(conn).expect("migrates");
    linli_domain::seed::demo_areas(conn, now_utc()).expect("areas");
    let community: i64 = areas::table
        .filter(areas::level.eq("community"))
        .select(areas::id)
        .first(conn)
        .expect("a community");
    let t = "'2026-12-01 10:00:00'";
    for statement in [
        format!(
            "INSERT INTO users (phone, password_hash, display_name, locale, status, created_at, updated_at) VALUES ('13800000001', 'x', '居民', 'zh-CN', 'active', {t}, {t})"
        ),
        format!(
            "INSERT INTO organizations (kind, name_zh, description, created_by, verified_at, verified_by, created_at, updated_at) VALUES ('provider', '安心家政', '', 1, {t}, 1, {t}, {t})"
        ),
        format!(
            "INSERT INTO paid_offerings (organization_id, category_id, unit, unit_price_fen, min_quantity, max_quantity, available_weekdays, available_from_minute, available_to_minute, response_minutes, cancellation_notice_hours, cancellation_fee_percent, published, created_at, updated_at) VALUES (1, 1, 'hour', 4550, 1, 4, 127, 0, 1440, 60, 0, 0, TRUE, {t}, {t})"
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) INSERT INTO paid_orders (offering_id, organization_id, category_id, resident_id, placed_by, community_id, quantity, unit, unit_price_fen, window_start, window_end, state, idempotency_key, created_at) SELECT 1, 1, 1, 1, 1, {community}, 3, 'hour', 4550, {t}, '2026-12-01 12:00:00', 'confirmed', 'k' || i, {t} FROM n"
        ),
        format!(
            "INSERT INTO paid_order_money (order_id, gross_fen, subsidy_fen, points, points_fen, copay_fen, commission_bp, commission_fen, net_fen, paid_fen, refunded_fen, cancellation_fee_fen, confirmed_at) SELECT id, 13650, 8190, 200, 2000, 3460, 500, 683, 12967, 0, 0, 0, {t} FROM paid_orders"
        ),
    ] {
        diesel::sql_query(statement)
            .execute(conn)
            .expect("bench rows");
    }
    count
}

type Aggregate = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The set-based baseline: the totals of the same rows in one aggregate query.
fn aggregate(conn: &mut db::AnyConnection, end: chrono::NaiveDateTime) -> Aggregate {
    paid_order_money::table
        .inner_join(paid_orders::table)
        .filter(paid_orders::organization_id.eq(1))
        .filter(paid_order_money::settlement_id.is_null())
        .filter(paid_order_money::confirmed_at.lt(end))
        .select((
            sql::<BigInt>("COUNT(*)"),
            sql::<Nullable<BigInt>>("CAST(SUM(gross_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(subsidy_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(points_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(copay_fen) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(commission_fen) AS BIGINT)"),
        ))
        .first(conn)
        .expect("the aggregate")
}

fn run(engine: &str, url: &DatabaseUrl, count: i64) {
    let mut conn = manager(url).open().expect("opens");
    setup(&mut conn, count);
    let now = now_utc();
    let (start, end) = (now - TimeDelta::days(30), now);
    let mut baseline = Vec::new();
    let mut expected = None;
    for _ in 0..3 {
        let started = Instant::now();
        expected = Some(aggregate(&mut conn, end));
        baseline.push(started.elapsed());
    }
    baseline.sort();
    let started = Instant::now();
    let batch = db::write(&mut conn, |conn| {
        settle(conn, OrganizationId(1), start, end, now)
    })
    .map_err(|e: SettlementError| e.to_string())
    .expect("settled")
    .expect("a batch");
    let ours = started.elapsed();
    let expected = expected.expect("measured");
    assert_eq!(batch.line_count, expected.0, "every order once");
    assert_eq!(
        Some(batch.totals.gross.0),
        expected.1,
        "the totals agree with the aggregate"
    );
    let median = baseline[1];
    println!(
        "{engine}: settle {count} confirmed orders {:.0} ms; set-based aggregate of the same rows {:.0} ms (median of 3); ratio {:.2}",
        ours.as_secs_f64() * 1000.0,
        median.as_secs_f64() * 1000.0,
        ours.as_secs_f64() / median.as_secs_f64()
    );
}
