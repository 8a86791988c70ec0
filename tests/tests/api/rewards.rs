//! Rewards and redemption over HTTP: the catalogue, holds that are fulfilled, cancelled or
//! lapse, each bad input with its own code, races that must never oversell, overdraw or end a
//! redemption twice, bulk awards, and the in-flight `Idempotency-Key`.

use futures_util::future::join_all;
use linli_domain::access::Role;
use linli_tests::{Reply, TestApp, engine_tests};
use serde_json::{Value, json};

/// Credits `points` to each of `people` through a bulk award by `staff`.
async fn award(app: &TestApp, staff: &str, people: &[i64], points: i64) {
    let lines: Vec<Value> = people
        .iter()
        .map(|id| json!({"user_id": id, "points": points, "reason": "社区活动志愿服务"}))
        .collect();
    let reply = post_keyed(
        app,
        staff,
        "/api/v1/points/awards",
        &uuid::Uuid::new_v4().to_string(),
        &json!({"awards": lines}),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

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

async fn redeem(app: &TestApp, token: &str, key: &str, body: &Value) -> Reply {
    post_keyed(app, token, "/api/v1/redemptions", key, body).await
}

/// A reward of 东关社区 offered by its staff.
async fn reward(app: &TestApp, staff: &str, extra: Value) -> Value {
    let community = app.area("dongdajie-dongguan").await;
    let mut body = json!({"community_id": community, "kind": "item", "title_zh": "大米五斤", "title_en": "Rice", "points_cost": 30});
    for (k, v) in extra.as_object().expect("an object") {
        body[k] = v.clone();
    }
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

async fn stock(app: &TestApp, token: &str, reward_id: &Value) -> Value {
    let list = app.get_as(token, "/api/v1/rewards").await.json;
    list.as_array()
        .expect("rewards")
        .iter()
        .find(|r| r["id"] == *reward_id)
        .expect("listed")["stock"]
        .clone()
}

async fn assert_sound(app: &TestApp) {
    let (_, platform) = app.staff("13900000099", Role::PlatformAdmin, None).await;
    let report = app.get_as(&platform, "/api/v1/ledger/reconciliation").await;
    assert_eq!(report.json["sound"], true, "{}", report.text);
}

engine_tests! {
    async fn a_resident_redeems_a_reward_and_staff_fulfil_it(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        award(&app, &staff, &[me], 100).await;
        let item = reward(&app, &staff, json!({"stock": 5, "per_person_limit": 2})).await;
        let listed = app.get_as(&token, "/api/v1/rewards").await;
        assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "{}", listed.text);
        let body = json!({"reward_id": item["id"], "quantity": 1});
        let placed = redeem(&app, &token, "r-1", &body).await;
        assert_eq!(placed.status, 201, "{}", placed.text);
        assert_eq!((placed.json["redemption"]["state"].as_str(), placed.json["balance"]["available"].as_i64(), placed.json["balance"]["on_hold"].as_i64()), (Some("placed"), Some(70), Some(30)));
        let again = redeem(&app, &token, "r-1", &body).await;
        assert_eq!(again.status, 200, "a retry replays: {}", again.text);
        assert_eq!(again.json, placed.json, "the stored response comes back");
        assert_eq!(stock(&app, &token, &item["id"]).await, 4);
        let mine = app.get_as(&token, "/api/v1/redemptions").await;
        assert_eq!(mine.json.as_array().map(Vec::len), Some(1), "{}", mine.text);
        let id = &placed.json["redemption"]["id"];
        app.post_as(&token, &format!("/api/v1/redemptions/{id}/fulfilment"), &json!({})).await.assert_problem(404, "redemption_not_found");
        let done = app.post_as(&staff, &format!("/api/v1/redemptions/{id}/fulfilment"), &json!({})).await;
        assert_eq!((done.status, done.json["state"].as_str()), (200, Some("fulfilled")), "{}", done.text);
        app.post_as(&staff, &format!("/api/v1/redemptions/{id}/fulfilment"), &json!({})).await.assert_problem(409, "redemption_already_ended");
        assert_eq!(balance(&app, &token).await, (70, 0));
        let statement = app.get_as(&token, "/api/v1/points/statement").await;
        let kinds: Vec<&str> = statement.json["lines"].as_array().expect("lines").iter().filter_map(|l| l["kind"].as_str()).collect();
        assert_eq!(kinds, ["grant", "hold"], "{}", statement.text);
        let community = app.area("dongdajie-dongguan").await;
        let theirs = app.get_as(&staff, &format!("/api/v1/redemptions?community_id={community}&state=fulfilled")).await;
        assert_eq!(theirs.json.as_array().map(Vec::len), Some(1), "{}", theirs.text);
        app.get_as(&token, &format!("/api/v1/redemptions?community_id={community}")).await.assert_problem(403, "forbidden");
        let changed = app.patch_as(&staff, &format!("/api/v1/rewards/{}", item["id"]), &json!({"stock": 9, "active": false})).await;
        assert_eq!((changed.json["stock"].as_i64(), changed.json["active"].as_bool()), (Some(9), Some(false)), "{}", changed.text);
        assert_eq!(app.get_as(&token, "/api/v1/rewards").await.json.as_array().map(Vec::len), Some(0), "withdrawn rewards are hidden from residents");
        redeem(&app, &token, "r-2", &body).await.assert_problem(409, "reward_inactive");
        assert_sound(&app).await;
    }

    async fn bad_redemptions_each_have_their_own_code_and_move_nothing(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        let (_, outsider) = app.resident("13800138001", "beiguan-g1").await;
        award(&app, &staff, &[me], 100).await;
        let item = reward(&app, &staff, json!({"stock": 3, "per_person_limit": 2})).await;
        let elder = reward(&app, &staff, json!({"elder_only": true, "kind": "service", "title_zh": "上门助浴"})).await;
        let costly = reward(&app, &staff, json!({"points_cost": 500})).await;
        let r = |id: &Value, q: i64| json!({"reward_id": id, "quantity": q});
        redeem(&app, &token, "k1", &r(&item["id"], 0)).await.assert_problem(422, "invalid_quantity");
        redeem(&app, &token, "k2", &r(&item["id"], -2)).await.assert_problem(422, "invalid_quantity");
        redeem(&app, &token, "k3", &r(&costly["id"], 1)).await.assert_problem(409, "insufficient_points");
        redeem(&app, &token, "k4", &r(&item["id"], 3)).await.assert_problem(409, "per_person_limit_reached");
        assert_eq!(redeem(&app, &token, "k5", &r(&item["id"], 2)).await.status, 201);
        redeem(&app, &token, "k6", &r(&item["id"], 1)).await.assert_problem(409, "per_person_limit_reached");
        redeem(&app, &token, "k5", &r(&item["id"], 1)).await.assert_problem(422, "idempotency_key_reused");
        redeem(&app, &token, "k7", &r(&elder["id"], 1)).await.assert_problem(403, "age_not_verified");
        app.put_as(&token, "/api/v1/me/resident-profile", &json!({"birth_date": "1990-05-01"})).await;
        let verified = app.put_as(&staff, &format!("/api/v1/residents/{me}/eligibility"), &json!({"low_income": false, "disability_level": 0, "lives_alone": false, "disabled": false, "evidence_notes": "户口本核验"})).await;
        assert_eq!(verified.status, 200, "{}", verified.text);
        redeem(&app, &token, "k8", &r(&elder["id"], 1)).await.assert_problem(403, "below_minimum_age");
        // A neighbour of the street may redeem here (通存通兑), but has no points.
        redeem(&app, &outsider, "k9", &r(&item["id"], 1)).await.assert_problem(409, "insufficient_points");
        redeem(&app, &token, "k10", &json!({"reward_id": item["id"], "for_user_id": 1})).await.assert_problem(403, "no_proxy_consent");
        redeem(&app, &token, "k11", &r(&json!(999_999), 1)).await.assert_problem(404, "redemption_not_found");
        let (other, other_token) = app.resident("13800138002", "dongguan-g2").await;
        award(&app, &staff, &[other], 100).await;
        redeem(&app, &other_token, "k12", &r(&item["id"], 2)).await.assert_problem(409, "out_of_stock");
        assert_eq!(balance(&app, &token).await, (40, 60), "only k5 moved points");
        assert_eq!(balance(&app, &other_token).await, (100, 0));
        assert_eq!(stock(&app, &token, &item["id"]).await, 1);
        let community = app.area("dongdajie-dongguan").await;
        let bad = app.post_as(&staff, "/api/v1/rewards", &json!({"community_id": community, "kind": "item", "title_zh": "", "points_cost": 0, "stock": -1})).await;
        let fields: Vec<&str> = bad.assert_problem(422, "validation_failed")["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["title_zh", "points_cost", "stock"]);
        app.post_as(&token, "/api/v1/rewards", &json!({"community_id": community, "kind": "item", "title_zh": "米", "points_cost": 5})).await.assert_problem(403, "forbidden");
        let (_, beiguan_staff) = app.staff("13900000004", Role::CommunityStaff, Some("-beiguan")).await;
        app.patch_as(&beiguan_staff, &format!("/api/v1/rewards/{}", item["id"]), &json!({"stock": 100})).await.assert_problem(403, "forbidden");
        assert_sound(&app).await;
    }

    async fn thirty_concurrent_redemptions_of_five_in_stock_sell_exactly_five(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let people = app.verified_volunteers(30, "dongguan-g1").await;
        let ids: Vec<i64> = people.iter().map(|(id, _)| *id).collect();
        award(&app, &staff, &ids, 100).await;
        let item = reward(&app, &staff, json!({"stock": 5, "points_cost": 10})).await;
        let body = json!({"reward_id": item["id"]});
        let replies = join_all(people.iter().map(|(_, token)| redeem(&app, token, "storm", &body))).await;
        let placed = replies.iter().filter(|r| r.status == 201).count();
        let sold_out = replies.iter().filter(|r| r.status == 409 && r.json["code"] == "out_of_stock").count();
        assert_eq!((placed, sold_out), (5, 25), "{:?}", replies.iter().map(|r| &r.text).collect::<Vec<_>>());
        assert_eq!(stock(&app, &people[0].1, &item["id"]).await, 0);
        assert_sound(&app).await;
    }

    async fn ten_redemptions_of_thirty_with_a_hundred_points_place_three(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        award(&app, &staff, &[me], 100).await;
        let item = reward(&app, &staff, json!({})).await;
        let body = json!({"reward_id": item["id"]});
        let replies = join_all((0..10).map(|i| {
            let (token, body) = (token.clone(), body.clone());
            let app = &app;
            async move { redeem(app, &token, &format!("race-{i}"), &body).await }
        }))
        .await;
        let placed = replies.iter().filter(|r| r.status == 201).count();
        let refused = replies.iter().filter(|r| r.status == 409 && r.json["code"] == "insufficient_points").count();
        assert_eq!((placed, refused), (3, 7), "{:?}", replies.iter().map(|r| &r.text).collect::<Vec<_>>());
        assert_eq!(balance(&app, &token).await, (10, 90));
        assert_sound(&app).await;
    }

    async fn a_fulfilment_racing_a_cancellation_ends_the_redemption_once(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        award(&app, &staff, &[me], 300).await;
        let item = reward(&app, &staff, json!({"stock": 10})).await;
        let mut cancelled = 0;
        for i in 0..6 {
            let placed = redeem(&app, &token, &format!("pair-{i}"), &json!({"reward_id": item["id"]})).await;
            let id = &placed.json["redemption"]["id"];
            let (fulfil_path, cancel_path) = (format!("/api/v1/redemptions/{id}/fulfilment"), format!("/api/v1/redemptions/{id}/cancellation"));
            let (empty, reason) = (json!({}), json!({"reason": "不需要了"}));
            let (fulfil, cancel) = tokio::join!(
                app.post_as(&staff, &fulfil_path, &empty),
                app.post_as(&token, &cancel_path, &reason),
            );
            let mut statuses = [fulfil.status, cancel.status];
            statuses.sort_unstable();
            assert_eq!(statuses, [200, 409], "{} / {}", fulfil.text, cancel.text);
            let loser = if fulfil.status == 409 { &fulfil } else { &cancel };
            assert_eq!(loser.json["code"], "redemption_already_ended");
            if cancel.status == 200 {
                cancelled += 1;
            }
        }
        let (available, on_hold) = balance(&app, &token).await;
        assert_eq!((available, on_hold), (300 - 30 * (6 - cancelled), 0));
        assert_eq!(stock(&app, &token, &item["id"]).await, 10 - (6 - cancelled));
        assert_sound(&app).await;
    }

    async fn lapsed_redemptions_expire_and_their_stock_returns(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        award(&app, &staff, &[me], 100).await;
        let item = reward(&app, &staff, json!({"stock": 2})).await;
        let placed = redeem(&app, &token, "lapse", &json!({"reward_id": item["id"], "quantity": 2})).await;
        assert_eq!(placed.status, 201, "{}", placed.text);
        let later = linli_domain::time::now_utc() + chrono::TimeDelta::days(15);
        let context = || linli_jobs::JobContext {
            db: app.db(),
            slot: linli_domain::job_runs::rules::slot_at(chrono::Utc::now(), chrono_tz::Asia::Shanghai, linli_domain::job_runs::Granularity::Minute),
            now: later,
            zone: chrono_tz::Asia::Shanghai,
            retention: linli_jobs::runner::Retention::default(),
        };
        let counts = linli_jobs::ledger::expire_holds(context()).await.expect("holds expire");
        assert_eq!(counts["holds_released"], 1);
        let mine = app.get_as(&token, "/api/v1/redemptions").await;
        assert_eq!(mine.json[0]["state"], "expired", "{}", mine.text);
        assert_eq!(stock(&app, &token, &item["id"]).await, 2);
        assert_eq!(balance(&app, &token).await, (100, 0));
        let id = &placed.json["redemption"]["id"];
        app.post_as(&token, &format!("/api/v1/redemptions/{id}/cancellation"), &json!({})).await.assert_problem(409, "redemption_already_ended");
        linli_jobs::ledger::reconcile_ledger(context()).await.expect("the ledger balances");
    }

    async fn a_bulk_award_is_all_or_nothing_and_names_each_bad_line(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (a, token_a) = app.resident("13800138000", "dongguan-g1").await;
        let (b, _) = app.resident("13800138001", "dongguan-g2").await;
        let (outsider, _) = app.resident("13800138002", "beiguan-g1").await;
        let bad = json!({"awards": [
            {"user_id": a, "points": 10, "reason": "敬老活动"},
            {"user_id": b, "points": 0, "reason": "敬老活动"},
            {"user_id": outsider, "points": 10, "reason": "敬老活动"},
        ]});
        let refused = post_keyed(&app, &staff, "/api/v1/points/awards", "bulk-1", &bad).await;
        let fields: Vec<&str> = refused.assert_problem(422, "award_lines_invalid")["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["awards[1].points"]);
        let outside = json!({"awards": [{"user_id": a, "points": 10, "reason": "敬老活动"}, {"user_id": outsider, "points": 10, "reason": "敬老活动"}]});
        let refused = post_keyed(&app, &staff, "/api/v1/points/awards", "bulk-1", &outside).await;
        assert_eq!(refused.assert_problem(422, "award_lines_invalid")["errors"][0]["field"], "awards[1].user_id");
        assert_eq!(balance(&app, &token_a).await, (0, 0), "nothing moved");
        let good = json!({"awards": [{"user_id": a, "points": 10, "reason": "敬老活动"}, {"user_id": b, "points": 15, "reason": "敬老活动"}, {"user_id": a, "points": 5, "reason": "补录"}]});
        let done = post_keyed(&app, &staff, "/api/v1/points/awards", "bulk-2", &good).await;
        assert_eq!((done.status, done.json["lines"].as_i64(), done.json["points"].as_i64()), (201, Some(3), Some(30)), "{}", done.text);
        let again = post_keyed(&app, &staff, "/api/v1/points/awards", "bulk-2", &good).await;
        assert_eq!((again.status, &again.json), (200, &done.json));
        post_keyed(&app, &staff, "/api/v1/points/awards", "bulk-2", &outside).await.assert_problem(422, "idempotency_key_reused");
        post_keyed(&app, &token_a, "/api/v1/points/awards", "bulk-3", &json!({"awards": [{"user_id": a, "points": 10, "reason": "自己给自己"}]})).await.assert_problem(422, "award_lines_invalid");
        assert_eq!(balance(&app, &token_a).await, (15, 0));
        assert_sound(&app).await;
    }

    async fn the_same_key_while_the_first_request_runs_is_refused_then_replayed(app: TestApp) {
        let (staff_id, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (me, token) = app.resident("13800138000", "dongguan-g1").await;
        // A slow request: 1,000 lines in one transaction.
        let lines: Vec<Value> = (0..1000).map(|_| json!({"user_id": me, "points": 1, "reason": "逐条补录"})).collect();
        let body = json!({"awards": lines});
        let db = app.db();
        let mut observed = false;
        for attempt in 0..5 {
            let key = format!("slow-{attempt}");
            let scoped = format!("user:{staff_id}:{key}");
            let first = tokio::spawn({
                let (client, address, staff, body, key) = (app.client.clone(), app.address.clone(), staff.clone(), body.clone(), key.clone());
                async move {
                    let r = client.post(format!("{address}/api/v1/points/awards")).bearer_auth(staff).header("Idempotency-Key", key).json(&body).send().await.expect("sent");
                    (r.status().as_u16(), r.text().await.expect("a body"))
                }
            });
            // Wait until the first request holds the key, then send the same request again.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                let key = scoped.clone();
                let state: Option<String> = db
                    .run(move |conn| {
                        use diesel::prelude::*;
                        use linli_domain::schema::idempotent_requests as t;
                        t::table.find(key).select(t::state).first::<String>(conn).optional().map_err(linli_domain::db::StoreError::from)
                    })
                    .await
                    .expect("reads");
                if state.is_some() || std::time::Instant::now() > deadline {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            let second = post_keyed(&app, &staff, "/api/v1/points/awards", &key, &body).await;
            let first_done = first.is_finished();
            let (status, text) = first.await.expect("the first request finishes");
            assert_eq!(status, 201, "{text}");
            let third = post_keyed(&app, &staff, "/api/v1/points/awards", &key, &body).await;
            assert_eq!(third.status, 200, "replayed afterwards: {}", third.text);
            assert_eq!(third.json, serde_json::from_str::<Value>(&text).expect("JSON"));
            if second.status == 409 && !first_done {
                second.assert_problem(409, "idempotency_key_in_flight");
                observed = true;
                break;
            }
            assert!(second.status == 200 || second.status == 409, "{}", second.text);
        }
        assert!(observed, "the second request never overlapped the first");
        let (available, _) = balance(&app, &token).await;
        assert_eq!(available % 1000, 0, "each award credited whole, once");
        assert!(available >= 1000);
        assert_sound(&app).await;
    }
}
