//! Across communities (通存通兑): points earned in one community are redeemed in another of the
//! same street through the two clearing accounts, whose positions the reconciliation shows and
//! which sum to zero per street; another street's rewards are refused and nothing moves.

use linli_domain::access::Role;
use linli_tests::{Reply, TestApp, engine_tests};
use serde_json::{Value, json};

async fn post_keyed(app: &TestApp, token: &str, path: &str, key: &str, body: &Value) -> Reply {
    app.send_as(
        token,
        app.client
            .post(format!("{}{path}", app.address))
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

/// Credits `points` to `person` by a bulk award of `staff` (from the person's own community).
async fn award(app: &TestApp, staff: &str, person: i64, points: i64) {
    let body =
        json!({"awards": [{"user_id": person, "points": points, "reason": "社区活动志愿服务"}]});
    let key = uuid::Uuid::new_v4().to_string();
    let reply = post_keyed(app, staff, "/api/v1/points/awards", &key, &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

/// A reward of the community `community` offered by its staff.
async fn reward(app: &TestApp, staff: &str, community: i64, cost: i64) -> Value {
    let body = json!({"community_id": community, "kind": "service", "title_zh": "理发一次", "title_en": "A haircut", "points_cost": cost, "stock": 5});
    let reply = app.post_as(staff, "/api/v1/rewards", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json
}

async fn balance(app: &TestApp, token: &str) -> (i64, i64) {
    let b = app.get_as(token, "/api/v1/points/balance").await.json;
    (
        b["available"].as_i64().expect("available"),
        b["on_hold"].as_i64().expect("on hold"),
    )
}

/// The reconciliation, asserted sound, and each community's clearing position in it.
async fn positions(app: &TestApp, platform: &str) -> Vec<(i64, i64, i64)> {
    let report = app.get_as(platform, "/api/v1/ledger/reconciliation").await;
    assert_eq!(
        (report.status, &report.json["sound"]),
        (200, &json!(true)),
        "{}",
        report.text
    );
    let mut found: Vec<(i64, i64, i64)> = report.json["clearing_positions"]
        .as_array()
        .expect("positions")
        .iter()
        .map(|p| {
            (
                p["community_id"].as_i64().expect("community"),
                p["street_id"].as_i64().expect("street"),
                p["position"].as_i64().expect("position"),
            )
        })
        .collect();
    found.sort_unstable();
    found
}

engine_tests! {
    async fn points_of_one_community_are_redeemed_in_another_of_the_street_through_clearing(app: TestApp) {
        let (_, dongguan_staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (_, beiguan_staff) = app.staff("13900000004", Role::CommunityStaff, Some("-beiguan")).await;
        let (_, platform) = app.staff("13900000099", Role::PlatformAdmin, None).await;
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        award(&app, &dongguan_staff, me, 100).await;
        let (dongguan, beiguan, street) = (app.area("dongguan").await, app.area("beiguan").await, app.area("dongdajie").await);
        let haircut = reward(&app, &beiguan_staff, beiguan, 30).await;
        let listed = app.get_as(&token, &format!("/api/v1/rewards?community_id={beiguan}")).await;
        assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "{}", listed.text);
        let body = json!({"reward_id": haircut["id"], "quantity": 1});
        let placed = post_keyed(&app, &token, "/api/v1/redemptions", "across-1", &body).await;
        assert_eq!(placed.status, 201, "{}", placed.text);
        assert_eq!(balance(&app, &token).await, (70, 30));
        let before = positions(&app, &platform).await;
        assert!(before.iter().all(|(_, _, p)| *p == 0), "nothing clears while the points are held: {before:?}");
        let id = &placed.json["redemption"]["id"];
        let fulfilled = app.post_as(&beiguan_staff, &format!("/api/v1/redemptions/{id}/fulfilment"), &json!({})).await;
        assert_eq!((fulfilled.status, fulfilled.json["state"].as_str()), (200, Some("fulfilled")), "{}", fulfilled.text);
        app.post_as(&beiguan_staff, &format!("/api/v1/redemptions/{id}/fulfilment"), &json!({})).await.assert_problem(409, "redemption_already_ended");
        assert_eq!(balance(&app, &token).await, (70, 0));
        let after = positions(&app, &platform).await;
        assert_eq!(after, [(dongguan, street, 30), (beiguan, street, -30)], "dongguan's people spent 30 in beiguan");

        // A cancellation across communities gives the points back and clears nothing.
        let again = post_keyed(&app, &token, "/api/v1/redemptions", "across-2", &body).await;
        assert_eq!(again.status, 201, "{}", again.text);
        let id = &again.json["redemption"]["id"];
        let cancelled = app.post_as(&token, &format!("/api/v1/redemptions/{id}/cancellation"), &json!({})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);
        assert_eq!(balance(&app, &token).await, (70, 0));
        let unchanged = positions(&app, &platform).await;
        assert_eq!(unchanged, after);

        // Beiguan's people spending in dongguan bring the positions back towards zero.
        let (neighbour, neighbour_token) = app.resident("13800138001", "beiguan-g2").await;
        award(&app, &beiguan_staff, neighbour, 50).await;
        let rice = reward(&app, &dongguan_staff, dongguan, 20).await;
        let placed = post_keyed(&app, &neighbour_token, "/api/v1/redemptions", "across-3", &json!({"reward_id": rice["id"]})).await;
        assert_eq!(placed.status, 201, "{}", placed.text);
        let id = &placed.json["redemption"]["id"];
        let fulfilled = app.post_as(&dongguan_staff, &format!("/api/v1/redemptions/{id}/fulfilment"), &json!({})).await;
        assert_eq!(fulfilled.status, 200, "{}", fulfilled.text);
        let settled = positions(&app, &platform).await;
        assert_eq!(settled, [(dongguan, street, 10), (beiguan, street, -10)]);

        let counts = linli_jobs::ledger::reconcile_ledger(linli_jobs::JobContext {
            db: app.db(),
            slot: linli_domain::job_runs::rules::slot_at(chrono::Utc::now(), chrono_tz::Asia::Shanghai, linli_domain::job_runs::Granularity::Day),
            now: linli_domain::time::now_utc(),
            zone: chrono_tz::Asia::Shanghai,
            retention: linli_jobs::runner::Retention::default(),
        })
        .await
        .expect("the ledger balances");
        assert_eq!(counts["violations"], 0);
        let metrics = app.get("/metrics").await.text;
        let series = format!(r#"linli_ledger_clearing_position{{community="{dongguan}"}}"#);
        assert!(metrics.contains(&series), "{series} missing from /metrics:\n{metrics}");
    }

    async fn a_reward_of_another_street_is_refused_and_nothing_moves(app: TestApp) {
        let (_, platform) = app.staff("13900000099", Role::PlatformAdmin, None).await;
        let (_, dongguan_staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let district = app.area("610702").await;
        let mut parent = district;
        for (level, code) in [("street", "xiguan"), ("community", "xiguan-xijie"), ("grid", "xiguan-xijie-g1")] {
            let body = json!({"parent_id": parent, "level": level, "code": code, "name_zh": "西关", "name_en": "Xiguan"});
            let created = app.post_as(&platform, "/api/v1/areas", &body).await;
            assert_eq!(created.status, 201, "{}", created.text);
            parent = created.json["id"].as_i64().expect("an id");
        }
        let xijie = app.area("xiguan-xijie").await;
        let (_, xijie_staff) = app.staff("13900000005", Role::CommunityStaff, Some("xiguan-xijie")).await;
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        award(&app, &dongguan_staff, me, 100).await;
        let elsewhere = reward(&app, &xijie_staff, xijie, 30).await;
        let body = json!({"reward_id": elsewhere["id"], "quantity": 1});
        let refused = post_keyed(&app, &token, "/api/v1/redemptions", "far-1", &body).await;
        refused.assert_problem(403, "reward_in_other_street");
        assert_eq!(balance(&app, &token).await, (100, 0));
        let listed = app.get_as(&xijie_staff, &format!("/api/v1/rewards?community_id={xijie}")).await;
        assert_eq!(listed.json[0]["stock"], 5, "no stock was taken: {}", listed.text);
        let found = positions(&app, &platform).await;
        assert!(found.is_empty(), "no clearing account was touched: {found:?}");
    }
}

/// `token` redeems `reward` (one) with `key` and `fulfiller` hands it over.
async fn redeem_and_fulfil(app: &TestApp, token: &str, fulfiller: &str, reward: &Value, key: &str) {
    let placed = post_keyed(
        app,
        token,
        "/api/v1/redemptions",
        key,
        &json!({"reward_id": reward["id"]}),
    )
    .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    let id = &placed.json["redemption"]["id"];
    let fulfilled = app
        .post_as(
            fulfiller,
            &format!("/api/v1/redemptions/{id}/fulfilment"),
            &json!({}),
        )
        .await;
    assert_eq!(fulfilled.status, 200, "{}", fulfilled.text);
}

/// Settles the street `street` as `token` with `key`.
async fn settle(app: &TestApp, token: &str, street: i64, key: &str) -> Reply {
    post_keyed(
        app,
        token,
        "/api/v1/ledger/clearing-settlements",
        key,
        &json!({"street_id": street}),
    )
    .await
}

engine_tests! {
    async fn a_street_admin_settles_the_clearing_positions_back_to_zero_once(app: TestApp) {
        let (_, dongguan_staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (_, beiguan_staff) = app.staff("13900000004", Role::CommunityStaff, Some("-beiguan")).await;
        let (_, platform) = app.staff("13900000099", Role::PlatformAdmin, None).await;
        let (_, street_admin) = app.staff("13900000002", Role::StreetAdmin, Some("-dongdajie")).await;
        let (dongguan, beiguan, street) = (app.area("dongguan").await, app.area("beiguan").await, app.area("dongdajie").await);
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        award(&app, &dongguan_staff, me, 100).await;
        let haircut = reward(&app, &beiguan_staff, beiguan, 30).await;
        redeem_and_fulfil(&app, &token, &beiguan_staff, &haircut, "across-1").await;
        assert_eq!(positions(&app, &platform).await, [(dongguan, street, 30), (beiguan, street, -30)]);

        // Refusals move nothing.
        settle(&app, &dongguan_staff, street, "s-0").await.assert_problem(403, "forbidden");
        settle(&app, &street_admin, dongguan, "s-0").await.assert_problem(422, "not_a_street");
        settle(&app, &street_admin, 987_654, "s-0").await.assert_problem(404, "area_not_found");
        let unkeyed = app.post_as(&street_admin, "/api/v1/ledger/clearing-settlements", &json!({"street_id": street})).await;
        assert_eq!(unkeyed.status, 400, "{}", unkeyed.text);
        assert_eq!(positions(&app, &platform).await, [(dongguan, street, 30), (beiguan, street, -30)]);

        let settled = settle(&app, &street_admin, street, "s-1").await;
        assert_eq!(settled.status, 201, "{}", settled.text);
        assert_eq!((settled.json["communities"].as_i64(), settled.json["points"].as_i64()), (Some(2), Some(30)), "{}", settled.text);
        assert_eq!(settled.json["transfers"].as_array().map(Vec::len), Some(2), "one transfer per community: {}", settled.text);
        let after = positions(&app, &platform).await;
        assert!(after.iter().all(|(_, _, p)| *p == 0), "every position is back to zero: {after:?}");
        assert!(after.contains(&(street, street, 0)), "the street's own clearing account is shown: {after:?}");

        // A retry replays the settlement; a new key finds nothing left to move.
        let replayed = settle(&app, &street_admin, street, "s-1").await;
        assert_eq!((replayed.status, &replayed.json["id"]), (200, &settled.json["id"]), "{}", replayed.text);
        let again = settle(&app, &street_admin, street, "s-2").await;
        assert_eq!(again.status, 201, "{}", again.text);
        assert_eq!((again.json["communities"].as_i64(), again.json["points"].as_i64()), (Some(0), Some(0)), "{}", again.text);
        assert_eq!(positions(&app, &platform).await, after, "nothing moved");

        // The same key for another street is refused.
        let district = app.area("610702").await;
        let created = app.post_as(&platform, "/api/v1/areas", &json!({"parent_id": district, "level": "street", "code": "xiguan", "name_zh": "西关街道", "name_en": "Xiguan"})).await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(settle(&app, &platform, street, "p-1").await.status, 201);
        settle(&app, &platform, created.json["id"].as_i64().expect("an id"), "p-1").await.assert_problem(422, "idempotency_key_reused");

        // New positions after a settlement settle again; the ledger stays sound throughout.
        redeem_and_fulfil(&app, &token, &beiguan_staff, &haircut, "across-2").await;
        assert!(positions(&app, &platform).await.contains(&(dongguan, street, 30)));
        assert_eq!(settle(&app, &street_admin, street, "s-3").await.status, 201);
        assert!(positions(&app, &platform).await.iter().all(|(_, _, p)| *p == 0));

        let audit = app.get_as(&street_admin, "/api/v1/audit-events").await;
        assert_eq!(audit.status, 200, "{}", audit.text);
        let settlements = audit.text.matches("ledger.clearing_settled").count();
        assert_eq!(settlements, 4, "each settlement is audited once: {}", audit.text);
    }
}

engine_tests! {
    async fn settlements_racing_for_one_street_move_each_position_once(app: TestApp) {
        let (_, dongguan_staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (_, beiguan_staff) = app.staff("13900000004", Role::CommunityStaff, Some("-beiguan")).await;
        let (_, platform) = app.staff("13900000099", Role::PlatformAdmin, None).await;
        let (_, street_admin) = app.staff("13900000002", Role::StreetAdmin, Some("-dongdajie")).await;
        let (beiguan, street) = (app.area("beiguan").await, app.area("dongdajie").await);
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        award(&app, &dongguan_staff, me, 100).await;
        let haircut = reward(&app, &beiguan_staff, beiguan, 30).await;
        redeem_and_fulfil(&app, &token, &beiguan_staff, &haircut, "race-1").await;

        let keys: Vec<String> = (0..6).map(|i| format!("race-settle-{}", i % 3)).collect();
        let replies = futures_util::future::join_all(keys.iter().map(|key| settle(&app, &street_admin, street, key))).await;
        let mut moved = 0;
        let mut ids = std::collections::BTreeMap::new();
        for (key, reply) in keys.iter().zip(&replies) {
            assert!(matches!(reply.status, 200 | 201), "{}", reply.text);
            let previous = ids.insert(key.clone(), reply.json["id"].clone());
            if let Some(previous) = previous {
                assert_eq!(previous, reply.json["id"], "one settlement per key");
            }
            if reply.status == 201 {
                moved += reply.json["points"].as_i64().expect("points");
            }
        }
        assert_eq!(moved, 30, "the position was settled exactly once: {replies:?}");
        let after = positions(&app, &platform).await;
        assert!(after.iter().all(|(_, _, p)| *p == 0), "{after:?}");
    }
}
