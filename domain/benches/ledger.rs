//! Points credit throughput: `ledger::store::post` (the one write path: key lookup, savepoint,
//! guarded balance updates, entries) against the bare statements of a credit run the same way —
//! same engine, threads, durability and transaction helper — and prints both rates and their
//! ratio. SQLite always; PostgreSQL when `LINLI_BENCH_POSTGRES_URL` names a server whose
//! user may create databases (a fresh database is created and dropped).
//!
//! `cargo bench -p linli-domain --bench ledger`

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::Instant;

use diesel::prelude::*;
use linli_domain::areas::AreaId;
use linli_domain::db::{self, AnyConnection, ConnectionManager, DatabaseUrl, migrate};
use linli_domain::ledger::{
    AccountId, AccountKind, AccountOwner, Cause, NewTransfer, Points, TransferKind, store,
};
use linli_domain::schema::{areas, ledger_accounts, ledger_entries, ledger_transfers};
use linli_domain::time::now_utc;

const THREADS: usize = 4;
const CREDITS: usize = 4_000;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    run("sqlite", &DatabaseUrl::Sqlite(dir.path().join("bench.db")));
    if let Ok(server) = std::env::var("LINLI_BENCH_POSTGRES_URL") {
        let name = format!("linli_bench_{}", std::process::id());
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
        );
        diesel::sql_query(format!("DROP DATABASE {name}"))
            .execute(&mut conn)
            .expect("dropped");
    }
}

fn manager(url: &DatabaseUrl) -> ConnectionManager {
    ConnectionManager::new(url.clone(), db::SqliteOptions::default())
}

/// (debit, credit) pairs: each community's issuance account credits its four other accounts.
fn setup(url: &DatabaseUrl) -> Vec<(AccountId, AccountId)> {
    let mut conn = manager(url).open().expect("opens");
    migrate::run_pending(&mut conn).expect("migrates");
    linli_domain::seed::demo_areas(&mut conn, now_utc()).expect("areas");
    let communities: Vec<i64> = areas::table
        .filter(areas::level.eq("community"))
        .select(areas::id)
        .load(&mut conn)
        .expect("communities");
    let mut pairs = Vec::new();
    for community in communities {
        let account = |conn: &mut AnyConnection, kind| {
            store::account_for(
                conn,
                AccountOwner::System {
                    community: AreaId(community),
                    kind,
                },
                now_utc(),
            )
            .expect("an account")
            .id
        };
        let issuance = account(&mut conn, AccountKind::Issuance);
        for kind in [
            AccountKind::Redemption,
            AccountKind::Expiry,
            AccountKind::DonationPool,
            AccountKind::Escrow,
        ] {
            pairs.push((issuance, account(&mut conn, kind)));
        }
    }
    pairs
}

fn run(engine: &str, url: &DatabaseUrl) {
    let pairs = setup(url);
    let ours = rate(url, &pairs, |conn, n, (debit, credit)| {
        db::write(conn, |conn| {
            store::post(
                conn,
                now_utc(),
                &NewTransfer {
                    idempotency_key: format!("ours-{n}"),
                    kind: TransferKind::Earn,
                    debit,
                    credit,
                    amount: Points(5),
                    cause: Cause::new("task", n),
                    actor: None,
                    memo: String::new(),
                },
            )
        })
        .map(|_| ())
        .expect("posted");
    });
    let bare = rate(url, &pairs, |conn, n, (debit, credit)| {
        db::write(conn, |conn| bare_credit(conn, n, debit, credit)).expect("posted");
    });
    println!(
        "{engine}: {CREDITS} credits on {THREADS} threads — ledger {ours:.0}/s, bare statements {bare:.0}/s, ratio {:.2}",
        ours / bare
    );
}

/// The statements a credit needs and nothing else: the transfer, the guarded debit, the credit,
/// the two entries.
fn bare_credit(
    conn: &mut AnyConnection,
    n: usize,
    debit: AccountId,
    credit: AccountId,
) -> Result<(), diesel::result::Error> {
    let now = now_utc();
    let id: i64 = diesel::insert_into(ledger_transfers::table)
        .values((
            ledger_transfers::idempotency_key.eq(format!("bare-{n}")),
            ledger_transfers::kind.eq("earn"),
            ledger_transfers::debit_account_id.eq(debit.0),
            ledger_transfers::credit_account_id.eq(credit.0),
            ledger_transfers::amount.eq(5),
            ledger_transfers::cause_type.eq("task"),
            ledger_transfers::cause_id.eq(n.to_string()),
            ledger_transfers::memo.eq(""),
            ledger_transfers::created_at.eq(now),
        ))
        .returning(ledger_transfers::id)
        .get_result(conn)?;
    let debit_after: i64 = diesel::update(
        ledger_accounts::table.find(debit.0).filter(
            ledger_accounts::may_go_negative
                .eq(true)
                .or(ledger_accounts::balance.ge(5)),
        ),
    )
    .set(ledger_accounts::balance.eq(ledger_accounts::balance - 5))
    .returning(ledger_accounts::balance)
    .get_result(conn)?;
    let credit_after: i64 = diesel::update(ledger_accounts::table.find(credit.0))
        .set(ledger_accounts::balance.eq(ledger_accounts::balance + 5))
        .returning(ledger_accounts::balance)
        .get_result(conn)?;
    for (account, amount, after) in [(debit.0, -5, debit_after), (credit.0, 5, credit_after)] {
        diesel::insert_into(ledger_entries::table)
            .values((
                ledger_entries::transfer_id.eq(id),
                ledger_entries::account_id.eq(account),
                ledger_entries::amount.eq(amount),
                ledger_entries::balance_after.eq(after),
                ledger_entries::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Credits per second of `credit` run `CREDITS` times over `THREADS` threads.
fn rate(
    url: &DatabaseUrl,
    pairs: &[(AccountId, AccountId)],
    credit: impl Fn(&mut AnyConnection, usize, (AccountId, AccountId)) + Sync,
) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let credit = &credit;
            scope.spawn(move || {
                let mut conn = manager(url).open().expect("opens");
                for i in (thread..CREDITS).step_by(THREADS) {
                    credit(&mut conn, i, pairs[i % pairs.len()]);
                }
            });
        }
    });
    let elapsed = started.elapsed();
    CREDITS as f64 / elapsed.as_secs_f64()
}
