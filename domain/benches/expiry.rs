//! Points expiry over many lapsed lots: the nightly job's path (`ledger::expiry::expire_due` in
//! batches of 20,000, each in its own write transaction, as `expire_points` runs it) against one
//! set-based SQL pass writing the same rows (a keyed transfer, two entries with running
//! balances and a lot use per lot; the balances; the emptied lots) over identical data in a
//! second database. Prints both times and their ratio, then checks the job's work with the
//! ledger's reconciliation of lots. SQLite always; PostgreSQL when `LINLI_BENCH_POSTGRES_URL`
//! names a server whose user may create databases.
//!
//! `cargo bench -p linli-domain --bench expiry` (`LINLI_BENCH_LOTS`, default 1,000,000)

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use linli_domain::areas::AreaId;
use linli_domain::db::{self, AnyConnection, ConnectionManager, DatabaseUrl, migrate};
use linli_domain::ledger::{AccountKind, AccountOwner, expiry, store};
use linli_domain::schema::areas;
use linli_domain::time::now_utc;

/// People the lots belong to.
const PEOPLE: i64 = 10_000;
/// Lots per job transaction, as the job runs it (`LINLI_BENCH_BATCH` to try others).
fn batch_size() -> i64 {
    std::env::var("LINLI_BENCH_BATCH")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000)
}

fn lots() -> i64 {
    std::env::var("LINLI_BENCH_LOTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000)
}

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let job = DatabaseUrl::Sqlite(dir.path().join("job.db"));
    let set = DatabaseUrl::Sqlite(dir.path().join("set.db"));
    compare("sqlite", &job, &set);
    if let Ok(server) = std::env::var("LINLI_BENCH_POSTGRES_URL") {
        let admin = DatabaseUrl::parse(&server).expect("a PostgreSQL URL");
        let mut conn = manager(&admin).open().expect("the server answers");
        let base = server
            .rsplit_once('/')
            .map_or(server.as_str(), |(base, _)| base)
            .to_owned();
        let names = ["job", "set"].map(|n| format!("linli_bench_{n}_{}", std::process::id()));
        for name in &names {
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("a fresh database");
        }
        let [job, set] = names
            .clone()
            .map(|name| DatabaseUrl::parse(&format!("{base}/{name}")).expect("a URL"));
        compare("postgres", &job, &set);
        for name in &names {
            conn.batch_execute(&format!("DROP DATABASE {name}"))
                .expect("dropped");
        }
    }
}

fn manager(url: &DatabaseUrl) -> ConnectionManager {
    ConnectionManager::new(url.clone(), db::SqliteOptions::default())
}

fn compare(engine: &str, job_url: &DatabaseUrl, set_url: &DatabaseUrl) {
    let n = lots();
    let now = now_utc();
    let mut job = manager(job_url).open().expect("opens");
    let mut set = manager(set_url).open().expect("opens");
    let (expiry_account, _) = fill(&mut job, n, now);
    let (set_expiry, _) = fill(&mut set, n, now);
    assert_eq!(expiry_account, set_expiry, "the same data");

    let batch_size = batch_size();
    let started = Instant::now();
    let mut expired = 0;
    loop {
        let batch = db::write(&mut job, |conn| expiry::expire_due(conn, now, batch_size))
            .expect("a batch expires");
        expired += batch.lots;
        if i64::try_from(batch.lots).unwrap_or(0) < batch_size {
            break;
        }
    }
    let ours = started.elapsed();
    assert_eq!(expired, u64::try_from(n).unwrap_or(0), "every lot expired");

    let started = Instant::now();
    db::write(&mut set, |conn| set_based(conn, now, expiry_account)).expect("expires");
    let baseline = started.elapsed();

    // The filled balances have no issuing entries behind them, so cached balances cannot match
    // entry sums here; everything else the reconciliation checks must hold, and both databases
    // must end with the same balances and entries.
    let started = Instant::now();
    let report = db::read_snapshot(&mut job, store::reconcile).expect("reconciles");
    let reconciled = started.elapsed();
    assert!(
        report.lot_mismatches.is_empty(),
        "lots disagree with balances"
    );
    assert!(
        report.unbalanced_transfers.is_empty(),
        "an unbalanced transfer"
    );
    assert!(
        report.negative_accounts.is_empty(),
        "a negative person account"
    );
    assert_eq!(report.balance_sum, 0, "balances sum to zero");
    assert_eq!(
        outcome(&mut job),
        outcome(&mut set),
        "the job wrote what the SQL wrote"
    );
    println!(
        "{engine}: expiry of {n} lots — job {:.1} s ({:.0} lots/s), set-based SQL {:.1} s, \
         ratio {:.2}; reconciliation afterwards {:.1} s",
        secs(ours),
        n as f64 / secs(ours),
        secs(baseline),
        secs(ours) / secs(baseline),
        secs(reconciled)
    );
}

/// Every account's balance and the number and sum of its entries' `balance_after`.
fn outcome(conn: &mut AnyConnection) -> Vec<(i64, i64, i64, i64)> {
    #[derive(QueryableByName, PartialEq, Eq, Debug)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        balance: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        entries: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        after: i64,
    }
    diesel::sql_query(
        "SELECT a.id, a.balance, CAST(COUNT(e.id) AS BIGINT) AS entries, \
             CAST(COALESCE(SUM(e.balance_after), 0) AS BIGINT) AS after \
         FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id \
         GROUP BY a.id, a.balance ORDER BY a.id",
    )
    .load::<Row>(conn)
    .expect("balances")
    .into_iter()
    .map(|r| (r.id, r.balance, r.entries, r.after))
    .collect()
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// A timestamp literal for `conn`'s engine.
fn literal(conn: &AnyConnection, at: NaiveDateTime) -> String {
    let text = at.format("%F %T%.f");
    match conn {
        AnyConnection::Postgresql(_) => format!("TIMESTAMP '{text}'"),
        AnyConnection::Sqlite(_) => format!("'{text}'"),
    }
}

/// `insert` fed by `select` over the numbers 1..=n (`i`).
fn series(conn: &mut AnyConnection, n: i64, insert: &str, select: &str) {
    let sql = match conn {
        AnyConnection::Postgresql(_) => {
            format!("{insert} {select} FROM generate_series(1, {n}) AS s(i)")
        }
        AnyConnection::Sqlite(_) => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
             {insert} {select} FROM s"
        ),
    };
    conn.batch_execute(&sql).expect("rows inserted");
}

/// `n` lots of 10 points, lapsed a day ago, over `PEOPLE` people whose balances they make up,
/// issued by one community. Returns the community's expiry account and the community.
fn fill(conn: &mut AnyConnection, n: i64, now: NaiveDateTime) -> (i64, i64) {
    migrate::run_pending(conn).expect("migrates");
    linli_domain::seed::demo_areas(conn, now).expect("areas");
    let community: i64 = areas::table
        .filter(areas::level.eq("community"))
        .order(areas::id)
        .select(areas::id)
        .first(conn)
        .expect("a community");
    let account = |conn: &mut AnyConnection, kind| {
        let owner = AccountOwner::System {
            community: AreaId(community),
            kind,
        };
        store::account_for(conn, owner, now)
            .expect("an account")
            .id
            .0
    };
    let issuance = account(conn, AccountKind::Issuance);
    let expiry_account = account(conn, AccountKind::Expiry);
    let at = literal(conn, now);
    let lapsed = literal(conn, now - chrono::Duration::days(1));
    series(
        conn,
        PEOPLE,
        "INSERT INTO users (password_hash, display_name, locale, status, created_at, updated_at)",
        &format!("SELECT 'x', 'bench ' || i, 'zh-CN', 'active', {at}, {at}"),
    );
    let per_person = n / PEOPLE;
    conn.batch_execute(&format!(
        "INSERT INTO ledger_accounts (kind, user_id, balance, may_go_negative, created_at) \
         SELECT 'person', id, {} + CASE WHEN id - (SELECT MIN(id) FROM users WHERE display_name LIKE 'bench %') < {} THEN 10 ELSE 0 END, \
             false, {at} FROM users WHERE display_name LIKE 'bench %' ORDER BY id",
        per_person * 10,
        n % PEOPLE,
    ))
    .expect("accounts");
    let first: i64 = diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "SELECT CAST(MIN(id) AS BIGINT) FROM ledger_accounts WHERE kind = 'person'",
    )
    .get_result(conn)
    .expect("the first person account");
    series(
        conn,
        n,
        "INSERT INTO ledger_lots (account_id, community_id, amount, remaining, expires_at, created_at)",
        &format!("SELECT {first} + ((i - 1) % {PEOPLE}), {community}, 10, 10, {lapsed}, {at}"),
    );
    conn.batch_execute(&format!(
        "UPDATE ledger_accounts SET balance = -{} WHERE id = {issuance}",
        n * 10
    ))
    .expect("issued");
    (expiry_account, community)
}

/// The same rows in one pass over every lapsed lot.
fn set_based(
    conn: &mut AnyConnection,
    now: NaiveDateTime,
    expiry_account: i64,
) -> Result<(), diesel::result::Error> {
    let at = literal(conn, now);
    let ours = format!("t.kind = 'expire' AND t.credit_account_id = {expiry_account}");
    conn.batch_execute(&format!(
        "INSERT INTO ledger_transfers (idempotency_key, kind, debit_account_id, \
             credit_account_id, amount, cause_type, cause_id, memo, created_at) \
         SELECT 'lot-expiry:' || l.id || ':0', 'expire', l.account_id, {expiry_account}, \
             l.remaining, 'lot', CAST(l.id AS TEXT), '', {at} \
         FROM ledger_lots l WHERE l.remaining > 0 AND l.expires_at <= {at} ORDER BY l.id;
         INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after, created_at) \
         SELECT t.id, t.debit_account_id, -t.amount, \
             a.balance - SUM(t.amount) OVER (PARTITION BY t.debit_account_id ORDER BY t.id), {at} \
         FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id WHERE {ours};
         INSERT INTO ledger_entries (transfer_id, account_id, amount, balance_after, created_at) \
         SELECT t.id, t.credit_account_id, t.amount, a.balance + SUM(t.amount) OVER (ORDER BY t.id), {at} \
         FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id WHERE {ours};
         INSERT INTO ledger_lot_uses (transfer_id, lot_id, amount) \
         SELECT t.id, CAST(t.cause_id AS BIGINT), t.amount FROM ledger_transfers t WHERE {ours};
         UPDATE ledger_accounts SET balance = balance - s.total \
         FROM (SELECT t.debit_account_id AS id, SUM(t.amount) AS total \
             FROM ledger_transfers t WHERE {ours} GROUP BY t.debit_account_id) AS s \
         WHERE ledger_accounts.id = s.id;
         UPDATE ledger_accounts SET balance = balance + (SELECT SUM(t.amount) \
             FROM ledger_transfers t WHERE {ours}) WHERE id = {expiry_account};
         UPDATE ledger_lots SET remaining = 0 WHERE remaining > 0 AND expires_at <= {at};"
    ))
}
