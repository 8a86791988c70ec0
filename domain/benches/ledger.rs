//! Points credit throughput: `ledger::store::post` crediting person accounts (the one write
//! path: key lookup, savepoint, guarded balance updates, entries, the issuing community's
//! policy and the person's new lot) against the bare statements of such a credit run the same
//! way —
//! same engine, threads, durability and transaction helper — and prints both rates and their
//! ratio. SQLite always; PostgreSQL when `LINLI_BENCH_POSTGRES_URL` names a server whose
//! user may create databases (a fresh database is created and dropped).
//!
//! `cargo bench -p linli-domain --bench ledger`

#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::time::Instant;

use diesel::prelude::*;
use linli_domain::accounts::rules::check_registration;
use linli_domain::accounts::{Locale, store as accounts};
use linli_domain::areas::AreaId;
use linli_domain::db::{self, AnyConnection, ConnectionManager, DatabaseUrl, migrate};
use linli_domain::ledger::{
    AccountId, AccountKind, AccountOwner, Cause, NewTransfer, Points, TransferKind, store,
};
use linli_domain::schema::{areas, ledger_accounts, ledger_entries, ledger_lots, ledger_transfers};
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

/// Connections as the service opens them, but waiting up to a minute for SQLite's write lock:
/// on a machine shared with builds a commit's fsync can keep it longer than the service's
/// 5 s, and a throughput measurement should wait rather than fail. Both phases use it.
fn manager(url: &DatabaseUrl) -> ConnectionManager {
    let options = db::SqliteOptions {
        busy_timeout: std::time::Duration::from_secs(60),
        ..db::SqliteOptions::default()
    };
    ConnectionManager::new(url.clone(), options)
}

/// People credited per community.
const PEOPLE_PER_COMMUNITY: usize = 16;

/// (debit, credit, community) triples: each community's issuance account credits its residents' person
/// accounts, as an earning does — so each credit also reads the issuing community's policy
/// and opens a lot.
fn setup(url: &DatabaseUrl) -> Vec<(AccountId, AccountId, i64)> {
    let mut conn = manager(url).open().expect("opens");
    migrate::run_pending(&mut conn).expect("migrates");
    linli_domain::seed::demo_areas(&mut conn, now_utc()).expect("areas");
    let communities: Vec<(i64, String)> = areas::table
        .filter(areas::level.eq("community"))
        .select((areas::id, areas::code))
        .load(&mut conn)
        .expect("communities");
    let mut pairs = Vec::new();
    for (community, code) in communities {
        let issuance = store::account_for(
            &mut conn,
            AccountOwner::System {
                community: AreaId(community),
                kind: AccountKind::Issuance,
            },
            now_utc(),
        )
        .expect("an account")
        .id;
        let grid = areas::table
            .filter(areas::code.eq(format!("{code}-g1")))
            .select(areas::id)
            .first::<i64>(&mut conn)
            .expect("a grid");
        for i in 0..PEOPLE_PER_COMMUNITY {
            let phone = format!("136{community:04}{i:04}");
            let account = check_registration(
                &phone,
                "bench-password",
                &format!("居民{i}"),
                Some(AreaId(grid)),
                Locale::ZhCn,
                None,
            )
            .expect("a valid account");
            // The hash is never checked: nobody signs in to a benchmark.
            let user =
                accounts::insert(&mut conn, &account, "not-a-hash", now_utc()).expect("a person");
            let person = store::account_for(&mut conn, AccountOwner::Person(user.id), now_utc())
                .expect("an account")
                .id;
            pairs.push((issuance, person, community));
        }
    }
    pairs
}

fn run(engine: &str, url: &DatabaseUrl) {
    let pairs = setup(url);
    let ours = rate(url, &pairs, |conn, n, (debit, credit, _)| {
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
    let bare = rate(url, &pairs, |conn, n, (debit, credit, community)| {
        db::write(conn, |conn| bare_credit(conn, n, debit, credit, community)).expect("posted");
    });
    println!(
        "{engine}: {CREDITS} credits on {THREADS} threads — ledger {ours:.0}/s, bare statements {bare:.0}/s, ratio {:.2}",
        ours / bare
    );
}

/// The statements a person credit needs and nothing else: the transfer, the guarded debit, the
/// credit, the two entries, the lot.
fn bare_credit(
    conn: &mut AnyConnection,
    n: usize,
    debit: AccountId,
    credit: AccountId,
    community: i64,
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
    // The person's new lot, with the expiry a policy of 24 months gives.
    diesel::insert_into(ledger_lots::table)
        .values((
            ledger_lots::account_id.eq(credit.0),
            ledger_lots::source_transfer_id.eq(id),
            ledger_lots::community_id.eq(community),
            ledger_lots::amount.eq(5),
            ledger_lots::remaining.eq(5),
            ledger_lots::expires_at.eq(now + chrono::Months::new(24)),
            ledger_lots::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Credits per second of `credit` run `CREDITS` times over `THREADS` threads.
fn rate(
    url: &DatabaseUrl,
    pairs: &[(AccountId, AccountId, i64)],
    credit: impl Fn(&mut AnyConnection, usize, (AccountId, AccountId, i64)) + Sync,
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
