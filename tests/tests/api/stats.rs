//! Area statistics over HTTP on both engines: figures checked against needs, claims, deliveries
//! and points the test makes (with posting and claim times set in the store so the medians are
//! known), the CSV report and SVG charts, each bad period, bucket, area and chart with its own
//! code, and who may read which area.

use chrono::{Duration, SubsecRound, Utc};
use diesel::prelude::*;
use linli_domain::access::Role;
use linli_domain::schema::{need_assignments, need_details};
use linli_tests::{TestApp, engine_tests};
use serde_json::{Value, json};

use crate::needs::{dongguan_staff, in_hours, need_body, post_need, volunteer};

/// A volunteer category whose names carry markup, created by a platform admin.
async fn markup_category(app: &TestApp) -> &'static str {
    let (_, admin) = app.staff("13900000001", Role::PlatformAdmin, None).await;
    let body = json!({"code": "stats_markup", "name_zh": "<b>助老&</b>", "name_en": "<b>Help & co</b>", "mode": "volunteer", "points_weight": "1", "safeguarding": {"required_credentials": [], "requires_verified_real_name": false}});
    let created = app
        .post_as(&admin, "/api/v1/service-categories", &body)
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    "stats_markup"
}

/// Sets when a need was posted and completed, and when its claim got its place.
async fn set_times(
    app: &TestApp,
    need: i64,
    posted: i64,
    claimed: Option<i64>,
    completed: Option<i64>,
) {
    let base = (Utc::now() - Duration::hours(2))
        .naive_utc()
        .trunc_subsecs(0);
    let at = move |seconds: i64| base + Duration::seconds(seconds);
    app.db()
        .run(move |conn| {
            diesel::update(need_details::table.find(need))
                .set((
                    need_details::created_at.eq(at(posted)),
                    need_details::completed_at.eq(completed.map(at)),
                ))
                .execute(conn)?;
            if let Some(claimed) = claimed {
                diesel::update(need_assignments::table.filter(need_assignments::need_id.eq(need)))
                    .set(need_assignments::assigned_at.eq(at(claimed)))
                    .execute(conn)?;
            }
            Ok::<_, linli_domain::db::StoreError>(())
        })
        .await
        .expect("times set");
}

fn count(list: &Value, key: &str, name: &str) -> i64 {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|item| item[key] == name || item[key]["code"] == name)
        .map_or(0, |item| {
            item["needs"]
                .as_i64()
                .or_else(|| item["unmet"].as_i64())
                .unwrap_or(0)
        })
}

/// Posts three needs in 东关 grid 1 — one delivered and confirmed, one claimed, one open in a
/// category with markup in its name — awards 100 points to the helper, who redeems 30 of them;
/// returns the community staff token, the community id, the helper's token and the delivered
/// need's id.
async fn activity(app: &TestApp) -> (String, i64, String, i64) {
    let (_, staff) = dongguan_staff(app).await;
    let category = markup_category(app).await;
    let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
    let (helper, helper_token) = volunteer(app, "13600000001", "dongguan-g2", &staff).await;
    let delivered = post_need(app, &resident, &need_body(1)).await;
    let mut later = need_body(1);
    later["window_start"] = json!(in_hours(6));
    later["window_end"] = json!(in_hours(9));
    let claimed = post_need(app, &resident, &later).await;
    let mut open = need_body(1);
    open["category_code"] = json!(category);
    let open = post_need(app, &resident, &open).await;
    for need in [&delivered, &claimed] {
        let reply = app
            .post_as(
                &helper_token,
                &format!("/api/v1/needs/{}/claims", need["id"]),
                &json!({}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let id = &delivered["id"];
    let code = delivered["check_code"].as_str().expect("a code");
    for step in ["check-in", "check-out"] {
        let reply = app
            .post_as(
                &helper_token,
                &format!("/api/v1/needs/{id}/{step}"),
                &json!({"code": code}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let confirmed = app
        .post_as(
            &resident,
            &format!("/api/v1/needs/{id}/confirmation"),
            &json!({"rating": 5}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    // Posted 2 h ago; first helpers after 10 and 20 minutes; the first done an hour after posting.
    set_times(app, id.as_i64().expect("an id"), 0, Some(600), Some(3600)).await;
    set_times(
        app,
        claimed["id"].as_i64().expect("an id"),
        60,
        Some(60 + 1200),
        None,
    )
    .await;
    set_times(app, open["id"].as_i64().expect("an id"), 120, None, None).await;
    let award = app
        .send_as(
            &staff,
            app.client
                .post(format!("{}/api/v1/points/awards", app.address))
                .header("Idempotency-Key", "stats-award")
                .json(
                    &json!({"awards": [{"user_id": helper, "points": 100, "reason": "社区活动"}]}),
                ),
        )
        .await;
    assert_eq!(award.status, 201, "{}", award.text);
    let community = app.area("dongdajie-dongguan").await;
    let reward = app.post_as(&staff, "/api/v1/rewards", &json!({"community_id": community, "kind": "item", "title_zh": "大米", "points_cost": 30})).await;
    assert_eq!(reward.status, 201, "{}", reward.text);
    let placed = app
        .send_as(
            &helper_token,
            app.client
                .post(format!("{}/api/v1/redemptions", app.address))
                .header("Idempotency-Key", "stats-redeem")
                .json(&json!({"reward_id": reward.json["id"], "quantity": 1})),
        )
        .await;
    assert_eq!(placed.status, 201, "{}", placed.text);
    let fulfilled = app
        .post_as(
            &staff,
            &format!(
                "/api/v1/redemptions/{}/fulfilment",
                placed.json["redemption"]["id"]
            ),
            &json!({}),
        )
        .await;
    assert_eq!(fulfilled.status, 200, "{}", fulfilled.text);
    (staff, community, helper_token, id.as_i64().expect("an id"))
}

engine_tests! {
    async fn area_stats_count_what_happened_in_the_area(app: TestApp) {
        let (staff, community, helper, delivered) = activity(&app).await;
        let stats = app.get_as(&staff, &format!("/api/v1/areas/{community}/stats")).await;
        assert_eq!(stats.status, 200, "{}", stats.text);
        let s = &stats.json;
        assert_eq!(s["needs"], 3, "{}", stats.text);
        assert_eq!(s["period"]["bucket"], "day");
        assert_eq!(s["series"].as_array().map(Vec::len), Some(30));
        let in_series: i64 = s["series"].as_array().expect("series").iter().map(|b| b["needs"].as_i64().expect("needs")).sum();
        assert_eq!(in_series, 3);
        assert_eq!((count(&s["by_status"], "status", "completed"), count(&s["by_status"], "status", "assigned"), count(&s["by_status"], "status", "open")), (1, 1, 1));
        assert_eq!(s["by_status"].as_array().map(Vec::len), Some(8), "every status is listed");
        assert_eq!(count(&s["by_category"], "category", "companionship"), 2);
        assert_eq!(s["top_unmet"].as_array().map(Vec::len), Some(1), "{}", stats.text);
        assert_eq!((s["top_unmet"][0]["category"]["code"].as_str(), s["top_unmet"][0]["unmet"].as_i64()), (Some("stats_markup"), Some(1)));
        assert_eq!(s["timing"]["claimed_needs"], 2);
        assert_eq!(s["timing"]["median_seconds_to_claim"], 900);
        assert_eq!(s["timing"]["completed_needs"], 1);
        assert_eq!(s["timing"]["median_seconds_to_complete"], 3600);
        let need = app.get_as(&staff, &format!("/api/v1/needs/{delivered}")).await;
        let minutes = need.json["claims"][0]["minutes"].as_i64().expect("minutes");
        assert_eq!((s["volunteering"]["tasks"].as_i64(), s["volunteering"]["helpers"].as_i64()), (Some(1), Some(1)), "{}", stats.text);
        assert_eq!(s["volunteering"]["minutes"].as_i64(), Some(minutes), "{}", stats.text);
        assert!(minutes >= 1);
        let balance = app.get_as(&helper, "/api/v1/points/balance").await.json;
        let held = balance["available"].as_i64().expect("available") + balance["on_hold"].as_i64().expect("on hold");
        assert_eq!(s["points"]["issued"].as_i64(), Some(held + 30), "earned and awarded: {}", stats.text);
        assert_eq!((s["points"]["redeemed"].as_i64(), s["points"]["expired"].as_i64()), (Some(30), Some(0)));
        // The street sees the same through its subtree; weeks fold the days.
        let street = app.area("-dongdajie").await;
        let (_, street_admin) = app.staff("13900000097", Role::StreetAdmin, Some("-dongdajie")).await;
        let weekly = app.get_as(&street_admin, &format!("/api/v1/areas/{street}/stats?bucket=week")).await;
        assert_eq!(weekly.status, 200, "{}", weekly.text);
        assert_eq!((weekly.json["needs"].as_i64(), weekly.json["points"]["redeemed"].as_i64()), (Some(3), Some(30)));
        assert!(weekly.json["series"].as_array().map_or(0, Vec::len) <= 6);
        // A period before anything happened counts nothing.
        let empty = app.get_as(&staff, &format!("/api/v1/areas/{community}/stats?from=2026-01-01&to=2026-01-31&bucket=month")).await;
        assert_eq!((empty.status, empty.json["needs"].as_i64(), empty.json["series"].as_array().map(Vec::len)), (200, Some(0), Some(1)), "{}", empty.text);
        assert!(empty.json["timing"].get("median_seconds_to_claim").is_none_or(Value::is_null));
    }

    async fn the_report_and_charts_carry_the_same_figures_with_text_escaped(app: TestApp) {
        let (staff, community, _, _) = activity(&app).await;
        let csv = app.get_as(&staff, &format!("/api/v1/areas/{community}/report.csv")).await;
        assert_eq!(csv.status, 200, "{}", csv.text);
        assert!(csv.content_type().starts_with("text/csv"), "{}", csv.content_type());
        assert!(csv.text.starts_with("\u{feff}section,start,end,key,value\r\n"));
        assert!(csv.text.lines().any(|l| l.starts_with("needs,") && l.ends_with(",total,3")), "{}", csv.text);
        assert!(csv.text.contains(",median_seconds_to_claim,900\r\n"), "{}", csv.text);
        assert!(csv.text.contains("unmet,") && csv.text.contains(",stats_markup,1\r\n"), "{}", csv.text);
        for chart in ["needs_over_time", "needs_by_category", "points"] {
            let svg = app.get_as(&staff, &format!("/api/v1/areas/{community}/charts/{chart}?lang=en")).await;
            assert_eq!(svg.status, 200, "{chart}: {}", svg.text);
            assert_eq!(svg.content_type(), "image/svg+xml");
            assert!(svg.text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{}", svg.text);
            assert!(svg.text.ends_with("</svg>"));
            assert!(!svg.text.contains("<script") && !svg.text.contains("<b>"), "{}", svg.text);
        }
        let by_category = app.get_as(&staff, &format!("/api/v1/areas/{community}/charts/needs_by_category?lang=en")).await;
        assert!(by_category.text.contains("&lt;b&gt;Help &amp; co"), "{}", by_category.text);
        let chinese = app.get_as(&staff, &format!("/api/v1/areas/{community}/charts/points")).await;
        assert!(chinese.text.contains("积分发放与使用") && chinese.text.contains(">30<"), "{}", chinese.text);
        app.get_as(&staff, &format!("/api/v1/areas/{community}/charts/pie")).await.assert_problem(404, "chart_not_found");
    }

    async fn bad_periods_buckets_and_areas_have_their_own_codes(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        let community = app.area("dongdajie-dongguan").await;
        let stats = |query: &str| format!("/api/v1/areas/{community}/stats?{query}");
        let reply = app.get_as(&staff, &stats("bucket=year")).await;
        reply.assert_problem(422, "invalid_bucket");
        assert_eq!(reply.json["errors"][0]["field"], "bucket");
        app.get_as(&staff, &stats("from=2026-12-02&to=2026-12-01")).await.assert_problem(422, "invalid_period");
        app.get_as(&staff, &stats("from=2020-01-01&to=2026-01-01")).await.assert_problem(422, "period_too_long");
        app.get_as(&staff, &stats("from=yesterday")).await.assert_problem(400, "invalid_parameter");
        app.get_as(&staff, &format!("/api/v1/areas/{community}/report.csv?bucket=hour")).await.assert_problem(422, "invalid_bucket");
        app.get_as(&staff, "/api/v1/areas/999999/stats").await.assert_problem(404, "area_not_found");
        app.get("/api/v1/areas/1/stats").await.assert_problem(401, "unauthenticated");
        app.send_as("not-a-token", app.client.get(format!("{}/api/v1/areas/{community}/stats", app.address))).await.assert_problem(401, "invalid_token");
    }

    async fn only_readers_of_the_area_see_its_figures(app: TestApp) {
        let community = app.area("dongdajie-dongguan").await;
        let grid = app.area("dongguan-g1").await;
        let other = app.area("dongdajie-caoba").await;
        let path = |area: i64| format!("/api/v1/areas/{area}/stats");
        let (_, caoba_staff) = app.staff("13900000098", Role::CommunityStaff, Some("-caoba")).await;
        app.get_as(&caoba_staff, &path(community)).await.assert_problem(403, "forbidden");
        assert_eq!(app.get_as(&caoba_staff, &path(other)).await.status, 200);
        let (_, resident) = app.resident("13700000002", "dongguan-g1").await;
        app.get_as(&resident, &path(community)).await.assert_problem(403, "forbidden");
        let (_, grid_worker) = app.staff("13900000096", Role::GridWorker, Some("dongguan-g1")).await;
        let own = app.get_as(&grid_worker, &path(grid)).await;
        assert_eq!(own.status, 200, "{}", own.text);
        assert!(own.json.get("points").is_none_or(Value::is_null), "points belong to communities: {}", own.text);
        app.get_as(&grid_worker, &path(community)).await.assert_problem(403, "forbidden");
        // A charity serving 东关 funds it: its admins and its keys with stats:read read its figures.
        let (_, funder) = app.resident("13700000003", "dongguan-g1").await;
        let charity = app.post_as(&funder, "/api/v1/organizations", &json!({"kind": "charity", "name_zh": "东关爱心基金", "contact_phone": "13800138000", "service_area_ids": [community]})).await;
        assert_eq!(charity.status, 201, "{}", charity.text);
        let id = &charity.json["id"];
        app.get_as(&funder, &path(community)).await.assert_problem(403, "forbidden");
        let (_, staff) = dongguan_staff(&app).await;
        let verified = app.post_as(&staff, &format!("/api/v1/organizations/{id}/verification"), &json!({})).await;
        assert_eq!(verified.status, 200, "{}", verified.text);
        assert_eq!(app.get_as(&funder, &path(community)).await.status, 200);
        assert_eq!(app.get_as(&funder, &path(grid)).await.status, 200);
        app.get_as(&funder, &path(other)).await.assert_problem(403, "forbidden");
        let key = |scopes: Value| {
            let funder = funder.clone();
            let app = &app;
            async move {
                let reply = app.post_as(&funder, &format!("/api/v1/organizations/{id}/api-keys"), &json!({"name": "报表", "scopes": scopes})).await;
                assert_eq!(reply.status, 201, "{}", reply.text);
                reply.json["secret"].as_str().expect("a secret").to_owned()
            }
        };
        let reader = key(json!(["stats:read"])).await;
        let figures = app.get_as(&reader, &path(community)).await;
        assert_eq!(figures.status, 200, "{}", figures.text);
        let csv = app.get_as(&reader, &format!("/api/v1/areas/{community}/report.csv")).await;
        assert_eq!(csv.status, 200, "{}", csv.text);
        app.get_as(&reader, &path(other)).await.assert_problem(403, "forbidden");
        let profile_only = key(json!(["organization:read"])).await;
        app.get_as(&profile_only, &path(community)).await.assert_problem(403, "missing_scope");
    }
}
