//! A community's points policy: read by anyone signed in, changed by its staff as dated
//! versions that never rewrite the past.

use linli_domain::access::Role;
use linli_tests::engine_tests;
use serde_json::json;

fn terms(points_per_hour: i64) -> serde_json::Value {
    json!({"points_per_hour": points_per_hour, "urgent_bonus_percent": 50, "daily_cap": 60, "expiry_months": 24, "elder_redemption_age": 65, "relative_transfers_allowed": false, "honour_hours_yearly_cap": 10})
}

engine_tests! {
    async fn staff_announce_a_new_version_and_the_default_applies_until_then(app: TestApp) {
        let community = app.area("dongdajie-dongguan").await;
        let (_, volunteer) = app.resident("13800138000", "dongguan-g1").await;
        let path = format!("/api/v1/areas/{community}/points-policy");
        let initial = app.get_as(&volunteer, &path).await;
        assert_eq!(initial.status, 200, "{}", initial.text);
        assert_eq!((initial.json["in_force"]["version"].as_i64(), initial.json["in_force"]["terms"]["points_per_hour"].as_i64()), (Some(0), Some(10)));
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        let now = app.put_as(&staff, &path, &json!({"effective_from": today, "terms": terms(12)})).await;
        assert_eq!(now.status, 201, "{}", now.text);
        let later = app.put_as(&staff, &path, &json!({"effective_from": today + chrono::TimeDelta::days(30), "terms": terms(15)})).await;
        assert_eq!(later.json["version"], 2, "{}", later.text);
        let read = app.get_as(&volunteer, &path).await;
        assert_eq!((read.json["in_force"]["version"].as_i64(), read.json["in_force"]["terms"]["points_per_hour"].as_i64()), (Some(1), Some(12)));
        assert_eq!(read.json["versions"].as_array().map(Vec::len), Some(2));
        app.put_as(&staff, &path, &json!({"effective_from": today, "terms": terms(20)})).await.assert_problem(409, "policy_date_taken");
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let events = app.get_as(&platform, "/api/v1/audit-events").await;
        assert_eq!(events.json.as_array().expect("events").iter().filter(|e| e["action"] == "points_policy.changed").count(), 2);
    }

    async fn bad_or_unauthorised_policies_change_nothing(app: TestApp) {
        let community = app.area("dongdajie-dongguan").await;
        let path = format!("/api/v1/areas/{community}/points-policy");
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let bad = app.put_as(&staff, &path, &json!({"effective_from": "2020-01-01", "terms": {"points_per_hour": 0, "urgent_bonus_percent": 500, "relative_transfers_allowed": true, "expiry_months": 0}})).await;
        let problem = bad.assert_problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["effective_from", "points_per_hour", "urgent_bonus_percent", "expiry_months"]);
        let (_, outsider) = app.staff("13900000004", Role::CommunityStaff, Some("-beiguan")).await;
        app.put_as(&outsider, &path, &json!({"effective_from": "2099-01-01", "terms": terms(12)})).await.assert_problem(403, "forbidden");
        let (_, resident) = app.resident("13800138000", "dongguan-g1").await;
        app.put_as(&resident, &path, &json!({"effective_from": "2099-01-01", "terms": terms(12)})).await.assert_problem(403, "forbidden");
        let grid = app.area("dongguan-g1").await;
        app.get_as(&resident, &format!("/api/v1/areas/{grid}/points-policy")).await.assert_problem(404, "community_not_found");
        let read = app.get_as(&resident, &path).await;
        assert_eq!(read.json["versions"].as_array().map(Vec::len), Some(0), "nothing was stored");
    }
}
