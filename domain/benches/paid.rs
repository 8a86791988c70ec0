//! Settlement of 100,000 confirmed orders of one provider (`paid::settlement::settle`: the
//! provider's counter locked, the range of its settlement entries chosen, their sums, the
//! batch, the counter moved) against set-based SQL aggregates of the same orders: one
//! `SELECT COUNT, SUM…` over the range of settlement entries the batch takes, and one over the
//! orders' own rows (`paid_order_money` joined to `paid_orders` by provider and confirmation
//! time). Prints the times and both ratios. SQLite always; PostgreSQL when
//! `LINLI_BENCH_POSTGRES_URL` names a server whose user may create databases (a fresh database
//! is created and dropped).
//!
//! Three providers are settled one after the other, each right after its baselines were
//! measured (median of three runs each), and the medians and every run are printed.
//!
//! `cargo bench -p linli-domain --bench paid` (`LINLI_BENCH_ORDERS` changes the count per
//! provider)

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::Instant;

use chrono::TimeDelta;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use linli_domain::db::{self, ConnectionManager, DatabaseUrl, migrate};
use linli_domain::organizations::OrganizationId;
use linli_domain::paid::settlement::{SettlementError, settle};
use linli_domain::schema::{areas, paid_order_money, paid_orders, paid_settlement_entries};
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

/// How many providers are settled, one after the other: the figures are their median.
const PROVIDERS: i64 = 3;

/// [`PROVIDERS`] providers with `count` confirmed orders each of ¥45.50 × 3 split like a
/// subsidised booking (provider `p` holds orders `(p − 1) × count + 1 ..= p × count`).
fn setup(conn: &mut db::AnyConnection, count: i64) {
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
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PROVIDERS}) INSERT INTO organizations (kind, name_zh, description, created_by, verified_at, verified_by, created_at, updated_at) SELECT 'provider', '安心家政' || i, '', 1, {t}, 1, {t}, {t} FROM n"
        ),
        format!(
            "INSERT INTO paid_offerings (organization_id, category_id, unit, unit_price_fen, min_quantity, max_quantity, available_weekdays, available_from_minute, available_to_minute, response_minutes, cancellation_notice_hours, cancellation_fee_percent, published, created_at, updated_at) VALUES (1, 1, 'hour', 4550, 1, 4, 127, 0, 1440, 60, 0, 0, TRUE, {t}, {t})"
        ),
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PROVIDERS} * {count}) INSERT INTO paid_orders (offering_id, organization_id, category_id, resident_id, placed_by, community_id, quantity, unit, unit_price_fen, window_start, window_end, state, idempotency_key, created_at) SELECT 1, (i - 1) / {count} + 1, 1, 1, 1, {community}, 3, 'hour', 4550, {t}, '2026-12-01 12:00:00', 'confirmed', 'k' || i, {t} FROM n"
        ),
        format!(
            "INSERT INTO paid_order_money (order_id, gross_fen, subsidy_fen, points, points_fen, copay_fen, commission_bp, commission_fen, net_fen, paid_fen, refunded_fen, cancellation_fee_fen, confirmed_at) SELECT id, 13650, 8190, 200, 2000, 3460, 500, 683, 12967, 0, 0, 0, {t} FROM paid_orders"
        ),
        // What each confirmation wrote in its transaction: the next number of the provider's
        // settlement sequence and the entry with the order's amounts.
        format!(
            "INSERT INTO paid_settlement_entries (organization_id, seq, kind, order_id, gross_fen, subsidy_fen, points_fen, copay_fen, commission_fen, happened_at) SELECT o.organization_id, m.order_id - (o.organization_id - 1) * {count}, 'order', m.order_id, m.gross_fen, m.subsidy_fen, m.points_fen, m.copay_fen, m.commission_fen, m.confirmed_at FROM paid_order_money m JOIN paid_orders o ON o.id = m.order_id"
        ),
        format!(
            "INSERT INTO paid_settlement_counters (organization_id, last_seq, settled_seq) SELECT id, {count}, 0 FROM organizations"
        ),
    ] {
        diesel::sql_query(statement)
            .execute(conn)
            .expect("bench rows");
    }
}

type Aggregate = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The set-based baseline over the orders' own rows: the totals of the provider's confirmed
/// orders in one aggregate query.
fn aggregate_orders(
    conn: &mut db::AnyConnection,
    provider: i64,
    end: chrono::NaiveDateTime,
) -> Aggregate {
    paid_order_money::table
        .inner_join(paid_orders::table)
        .filter(paid_orders::organization_id.eq(provider))
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

/// The set-based baseline over the rows the batch reads: the totals of the provider's
/// settlement entries in the range it takes, in one aggregate query.
fn aggregate_entries(conn: &mut db::AnyConnection, provider: i64, count: i64) -> Aggregate {
    paid_settlement_entries::table
        .filter(paid_settlement_entries::organization_id.eq(provider))
        .filter(paid_settlement_entries::seq.gt(0))
        .filter(paid_settlement_entries::seq.le(count))
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

/// The median of three timed runs of `query`, and its answer.
fn median_of_three(mut query: impl FnMut() -> Aggregate) -> (std::time::Duration, Aggregate) {
    let mut times = Vec::new();
    let mut answer = None;
    for _ in 0..3 {
        let started = Instant::now();
        answer = Some(query());
        times.push(started.elapsed());
    }
    times.sort();
    (times[1], answer.expect("measured"))
}

fn run(engine: &str, url: &DatabaseUrl, count: i64) {
    let mut conn = manager(url).open().expect("opens");
    setup(&mut conn, count);
    let now = now_utc();
    let (start, end) = (now - TimeDelta::days(30), now);
    let mut runs = Vec::new();
    for provider in 1..=PROVIDERS {
        let (orders_time, by_orders) =
            median_of_three(|| aggregate_orders(&mut conn, provider, end));
        let (entries_time, by_entries) =
            median_of_three(|| aggregate_entries(&mut conn, provider, count));
        assert_eq!(by_orders, by_entries, "both baselines see the same orders");
        let started = Instant::now();
        let batch = db::write(&mut conn, |conn| {
            settle(conn, OrganizationId(provider), start, end, now)
        })
        .map_err(|e: SettlementError| e.to_string())
        .expect("settled")
        .expect("a batch");
        let ours = started.elapsed();
        assert_eq!(batch.line_count, by_orders.0, "every order once");
        let t = batch.totals;
        assert_eq!(
            (
                Some(t.gross.0),
                Some(t.subsidy.0),
                Some(t.points.0),
                Some(t.copay.0),
                Some(t.commission.0)
            ),
            (
                by_orders.1,
                by_orders.2,
                by_orders.3,
                by_orders.4,
                by_orders.5
            ),
            "the totals agree with the aggregate"
        );
        runs.push((ours, entries_time, orders_time));
    }
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let list = |values: Vec<f64>| {
        values
            .iter()
            .map(|v| format!("{v:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let settle_ms: Vec<f64> = runs.iter().map(|r| ms(r.0)).collect();
    let entries_ms: Vec<f64> = runs.iter().map(|r| ms(r.1)).collect();
    let orders_ms: Vec<f64> = runs.iter().map(|r| ms(r.2)).collect();
    let by_entries: Vec<f64> = runs
        .iter()
        .map(|r| r.0.as_secs_f64() / r.1.as_secs_f64())
        .collect();
    let by_orders: Vec<f64> = runs
        .iter()
        .map(|r| r.0.as_secs_f64() / r.2.as_secs_f64())
        .collect();
    println!(
        "{engine}: settle {count} confirmed orders of a provider, {PROVIDERS} providers: median {:.1} ms ({} ms); aggregate of the same settlement entries median {:.1} ms ({} ms), ratio median {:.2} ({}); aggregate of the orders' rows median {:.1} ms ({} ms), ratio median {:.2} ({})",
        median(settle_ms.clone()),
        list(settle_ms),
        median(entries_ms.clone()),
        list(entries_ms),
        median(by_entries.clone()),
        list(by_entries),
        median(orders_ms.clone()),
        list(orders_ms),
        median(by_orders.clone()),
        list(by_orders),
    );
}
