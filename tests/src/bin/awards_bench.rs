//! Bulk award throughput against the real server on loopback: one `award_points_bulk` request
//! of N lines against N single `grant_points` requests (one client, one after the other), each
//! crediting one point to N different people, on a fresh database per engine. Prints the rate
//! of each and their ratio per round. Bounded in count; stops by itself.
//!
//! `awards_bench [sqlite|postgres] [lines] [rounds]` (defaults: sqlite 1000 3).

use std::time::Instant;

use linli_domain::access::Role;
use linli_domain::areas::AreaId;
use linli_domain::db;
use linli_domain::ledger::{
    AccountKind, AccountOwner, Cause, NewTransfer, Points, TransferKind, store,
};
use linli_domain::time::now_utc;
use linli_tests::{Engine, spawn_app};
use serde_json::json;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
#[expect(clippy::print_stdout, reason = "the figures are this program's output")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let engine = match args.next().as_deref() {
        Some("postgres") => Engine::Postgres,
        _ => Engine::Sqlite,
    };
    let lines: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);

    let app = spawn_app(engine).await;
    let (_, staff) = app
        .staff("13900000003", Role::CommunityStaff, Some("-dongguan"))
        .await;
    let people: Vec<i64> = app
        .verified_volunteers(lines, "dongguan-g1")
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // grant_points draws from the community pool: fill it once for every round.
    let community = AreaId(app.area("dongdajie-dongguan").await);
    let fill = i64::try_from(lines * rounds).expect("a small count");
    app.db()
        .run(move |conn| {
            db::write(conn, |conn| {
                let issuance = store::account_for(
                    conn,
                    AccountOwner::System {
                        community,
                        kind: AccountKind::Issuance,
                    },
                    now_utc(),
                )?;
                let pool = store::account_for(
                    conn,
                    AccountOwner::System {
                        community,
                        kind: AccountKind::DonationPool,
                    },
                    now_utc(),
                )?;
                store::post(
                    conn,
                    now_utc(),
                    &NewTransfer {
                        idempotency_key: "bench-pool".into(),
                        kind: TransferKind::Grant,
                        debit: issuance.id,
                        credit: pool.id,
                        amount: Points(fill),
                        cause: Cause::new("bench", 0),
                        actor: None,
                        memo: "benchmark pool".into(),
                    },
                )
            })
        })
        .await
        .expect("the pool is filled");

    println!("engine={engine:?} lines={lines}");
    for round in 0..rounds {
        let started = Instant::now();
        for (i, person) in people.iter().enumerate() {
            let reply = app
                .send_as(
                    &staff,
                    app.client
                        .post(format!("{}/api/v1/points/grants", app.address))
                        .header("Idempotency-Key", format!("single-{round}-{i}"))
                        .json(&json!({"resident_id": person, "amount": 1, "reason": "逐条发放"})),
                )
                .await;
            assert_eq!(reply.status, 201, "{}", reply.text);
        }
        let single = started.elapsed();
        let body: Vec<_> = people
            .iter()
            .map(|p| json!({"user_id": p, "points": 1, "reason": "批量发放"}))
            .collect();
        let started = Instant::now();
        let reply = app
            .send_as(
                &staff,
                app.client
                    .post(format!("{}/api/v1/points/awards", app.address))
                    .header("Idempotency-Key", format!("bulk-{round}"))
                    .json(&json!({"awards": body})),
            )
            .await;
        let bulk = started.elapsed();
        assert_eq!(reply.status, 201, "{}", reply.text);
        let rate = |d: std::time::Duration| lines as f64 / d.as_secs_f64();
        println!(
            "round {round}: single grant_points {:.0} credits/s ({:.2} s), bulk award {:.0} credits/s ({:.3} s), ratio {:.1}",
            rate(single),
            single.as_secs_f64(),
            rate(bulk),
            bulk.as_secs_f64(),
            rate(bulk) / rate(single)
        );
    }
}
