//! Points over HTTP: balances, statements, donations to the pool, staff grants, and the
//! ledger's reconciliation; retries with the same `Idempotency-Key` never move points twice.

use futures_util::StreamExt;
use linli_domain::access::Role;
use linli_domain::accounts::UserId;
use linli_domain::areas::AreaId;
use linli_domain::db;
use linli_domain::ledger::{
    AccountKind, AccountOwner, Cause, NewTransfer, Points, TransferKind, store,
};
use linli_domain::time::now_utc;
use linli_tests::{Reply, TestApp, engine_tests};
use serde_json::json;

/// Credits `amount` earned points to `user` (earning arrives with confirmed tasks; this sets
/// up a balance directly in the ledger).
async fn earn(app: &TestApp, user: i64, amount: i64) {
    let community = AreaId(app.area("dongdajie-dongguan").await);
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
                let person =
                    store::account_for(conn, AccountOwner::Person(UserId(user)), now_utc())?;
                store::post(
                    conn,
                    now_utc(),
                    &NewTransfer {
                        idempotency_key: uuid::Uuid::new_v4().to_string(),
                        kind: TransferKind::Earn,
                        debit: issuance.id,
                        credit: person.id,
                        amount: Points(amount),
                        cause: Cause::new("task", "7:1"),
                        actor: None,
                        memo: "helped with shopping".to_owned(),
                    },
                )
            })
        })
        .await
        .expect("points are earned");
}

async fn donate(app: &TestApp, token: &str, key: &str, amount: i64) -> Reply {
    app.send_as(
        token,
        app.client
            .post(format!("{}/api/v1/points/donations", app.address))
            .header("Idempotency-Key", key)
            .json(&json!({"amount": amount})),
    )
    .await
}

async fn grant(app: &TestApp, token: &str, key: &str, body: &serde_json::Value) -> Reply {
    app.send_as(
        token,
        app.client
            .post(format!("{}/api/v1/points/grants", app.address))
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

engine_tests! {
    async fn a_volunteer_donates_once_per_key_and_reads_the_statement(app: TestApp) {
        let (volunteer, token) = app.resident("13800138000", "dongguan-g1").await;
        earn(&app, volunteer, 100).await;
        let balance = app.get_as(&token, "/api/v1/points/balance").await;
        assert_eq!((balance.status, balance.json["available"].as_i64()), (200, Some(100)), "{}", balance.text);
        let first = donate(&app, &token, "gift-1", 30).await;
        assert_eq!(first.status, 201, "{}", first.text);
        assert_eq!(first.json["balance"]["available"], 70);
        let retry = donate(&app, &token, "gift-1", 30).await;
        assert_eq!(retry.status, 200, "a retry replays: {}", retry.text);
        assert_eq!(retry.json["transfer_id"], first.json["transfer_id"]);
        assert_eq!(retry.json["balance"]["available"], 70, "nothing moved twice");
        donate(&app, &token, "gift-1", 31).await.assert_problem(422, "idempotency_key_reused");
        donate(&app, &token, "gift-2", 500).await.assert_problem(409, "insufficient_points");
        let missing_key = app.post_as(&token, "/api/v1/points/donations", &json!({"amount": 5})).await;
        assert_eq!(missing_key.status, 400, "{}", missing_key.text);
        let zero = donate(&app, &token, "gift-3", 0).await;
        assert!(matches!(zero.status, 400 | 422), "{}", zero.text);
        let statement = app.get_as(&token, "/api/v1/points/statement").await;
        assert_eq!(statement.status, 200, "{}", statement.text);
        assert_eq!((statement.json["opening_balance"].as_i64(), statement.json["closing_balance"].as_i64()), (Some(0), Some(70)));
        let lines = statement.json["lines"].as_array().expect("lines");
        let moves: Vec<(&str, i64, i64)> = lines.iter().map(|l| (l["kind"].as_str().unwrap_or_default(), l["amount"].as_i64().unwrap_or_default(), l["balance_after"].as_i64().unwrap_or_default())).collect();
        assert_eq!(moves, [("earn", 100, 100), ("donate", -30, 70)]);
        assert_eq!(lines[0]["cause_type"], "task");
        let csv = app.get_as(&token, "/api/v1/points/statement.csv").await;
        assert_eq!(csv.status, 200);
        assert!(csv.content_type().starts_with("text/csv"), "{}", csv.content_type());
        let rows: Vec<&str> = csv.text.trim_end().split("\r\n").collect();
        assert_eq!(rows.len(), 3, "{}", csv.text);
        assert!(rows[2].contains(",donate,-30,70,donation,"), "{}", rows[2]);
        let backwards = app.get_as(&token, "/api/v1/points/statement?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z").await;
        backwards.assert_problem(422, "invalid_period");
    }

    async fn staff_grant_from_the_pool_within_their_area_and_it_is_audited(app: TestApp) {
        let (donor, donor_token) = app.resident("13800138000", "dongguan-g1").await;
        let (elder, elder_token) = app.resident("13800138001", "dongguan-g2").await;
        earn(&app, donor, 80).await;
        assert_eq!(donate(&app, &donor_token, "d", 60).await.status, 201);
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let body = json!({"resident_id": elder, "amount": 25, "reason": "独居老人春节慰问"});
        let granted = grant(&app, &staff, "g-1", &body).await;
        assert_eq!(granted.status, 201, "{}", granted.text);
        assert_eq!(granted.json["balance"]["available"], 25);
        let elder_balance = app.get_as(&elder_token, "/api/v1/points/balance").await;
        assert_eq!(elder_balance.json["available"], 25);
        let staff_view = app.get_as(&staff, &format!("/api/v1/points/statement?user_id={elder}")).await;
        assert_eq!(staff_view.json["lines"][0]["memo"], "独居老人春节慰问");
        grant(&app, &staff, "g-2", &json!({"resident_id": elder, "amount": 36, "reason": "再次慰问"})).await.assert_problem(409, "insufficient_points");
        let (_, outsider) = app.staff("13900000004", Role::CommunityStaff, Some("-beiguan")).await;
        grant(&app, &outsider, "g-3", &body).await.assert_problem(404, "person_not_found");
        app.get_as(&outsider, &format!("/api/v1/points/balance?user_id={elder}")).await.assert_problem(404, "person_not_found");
        app.get_as(&donor_token, &format!("/api/v1/points/statement?user_id={elder}")).await.assert_problem(404, "person_not_found");
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let events = app.get_as(&platform, "/api/v1/audit-events").await;
        assert!(events.json.as_array().expect("events").iter().any(|e| e["action"] == "points.granted" && e["subject_id"].as_str() == Some(elder.to_string().as_str())), "{}", events.text);
        let report = app.get_as(&platform, "/api/v1/ledger/reconciliation").await;
        assert_eq!(report.status, 200, "{}", report.text);
        assert_eq!((report.json["sound"].as_bool(), report.json["transfers"].as_i64(), report.json["balance_sum"].as_i64()), (Some(true), Some(3), Some(0)));
        app.get_as(&staff, "/api/v1/ledger/reconciliation").await.assert_problem(403, "forbidden");
    }

    async fn a_duplicate_storm_posts_each_key_exactly_once(app: TestApp) {
        // CI size; the figure (200 keys × 50 copies) runs with LINLI_STORM_KEYS=200
        // LINLI_STORM_COPIES=50.
        let size = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
        let (keys, copies) = (size("LINLI_STORM_KEYS", 20), size("LINLI_STORM_COPIES", 10));
        let (volunteer, token) = app.resident("13800138000", "dongguan-g1").await;
        earn(&app, volunteer, i64::try_from(keys).expect("a small number")).await;
        let started = std::time::Instant::now();
        // Key-major order with a bounded number in flight: every copy of a key is sent at once,
        // several keys at a time, without running out of sockets.
        let in_flight = size("LINLI_STORM_IN_FLIGHT", 500);
        let replies: Vec<u16> = futures_util::stream::iter((0..keys * copies).map(|i| {
            let key = format!("storm-{}", i / copies);
            let (app, token) = (&app, &token);
            async move { donate(app, token, &key, 1).await.status }
        }))
        .buffer_unordered(in_flight)
        .collect()
        .await;
        let elapsed = started.elapsed();
        let created = replies.iter().filter(|s| **s == 201).count();
        let replayed = replies.iter().filter(|s| **s == 200).count();
        assert_eq!((created, replayed), (keys, keys * (copies - 1)), "{replies:?}");
        let balance = app.get_as(&token, "/api/v1/points/balance").await;
        assert_eq!(balance.json["available"], 0, "each key moved exactly one point");
        eprintln!("duplicate storm: {} requests over {keys} keys in {elapsed:?} ({:.0} requests/s)", keys * copies, (keys * copies) as f64 / elapsed.as_secs_f64());
    }

    async fn gifts_reach_registered_relatives_only_and_follow_the_policy(app: TestApp) {
        let (giver, token) = app.resident("13800138000", "dongguan-g1").await;
        let (relative, relative_token) = app.resident("13800138001", "dongguan-g2").await;
        let (stranger, _) = app.resident("13800138002", "dongguan-g2").await;
        earn(&app, giver, 100).await;
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let consent = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": relative, "proxy_id": giver, "relationship": "family"})).await;
        assert_eq!(consent.status, 201, "{}", consent.text);
        let give = |key: &'static str, to: i64, amount: i64| {
            let (app, token) = (&app, &token);
            async move {
                app.send_as(token, app.client.post(format!("{}/api/v1/points/transfers", app.address)).header("Idempotency-Key", key).json(&json!({"to_user_id": to, "amount": amount}))).await
            }
        };
        let gift = give("g1", relative, 30).await;
        assert_eq!(gift.status, 201, "{}", gift.text);
        assert_eq!(gift.json["balance"]["available"], 70);
        assert_eq!(app.get_as(&relative_token, "/api/v1/points/balance").await.json["available"], 30);
        give("g2", stranger, 10).await.assert_problem(409, "not_a_relative");
        give("g3", giver, 10).await.assert_problem(422, "transfer_to_self");
        give("g4", relative, 500).await.assert_problem(409, "insufficient_points");
        let community = app.area("dongdajie-dongguan").await;
        let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        let policy = app.put_as(&staff, &format!("/api/v1/areas/{community}/points-policy"), &json!({"effective_from": today, "terms": {"points_per_hour": 10, "urgent_bonus_percent": 20, "relative_transfers_allowed": false}})).await;
        assert_eq!(policy.status, 201, "{}", policy.text);
        give("g5", relative, 10).await.assert_problem(409, "relative_transfers_disabled");
        assert_eq!(app.get_as(&token, "/api/v1/points/balance").await.json["available"], 70, "refusals moved nothing");
    }

    async fn simultaneous_donations_never_overdraw(app: TestApp) {
        let (volunteer, token) = app.resident("13800138000", "dongguan-g1").await;
        earn(&app, volunteer, 100).await;
        let replies = futures_util::future::join_all((0..20).map(|i| {
            let key = format!("burst-{i}");
            let (app, token) = (&app, &token);
            async move { donate(app, token, &key, 10).await }
        }))
        .await;
        let created = replies.iter().filter(|r| r.status == 201).count();
        let refused = replies.iter().filter(|r| r.status == 409).count();
        assert_eq!((created, refused), (10, 10), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
        let balance = app.get_as(&token, "/api/v1/points/balance").await;
        assert_eq!(balance.json["available"], 0);
    }
}
