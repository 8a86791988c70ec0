//! Confirmed help earns points: by the community's policy in force that day, once per need
//! and helper, with a statement line that names the task.

use linli_domain::access::Role;
use linli_tests::engine_tests;
use serde_json::json;

use super::delivery::claimed_need;

engine_tests! {
    async fn confirming_a_need_credits_the_helper_once_by_the_policy(app: TestApp) {
        let (resident, need, staff, helper, helper_token) = claimed_need(&app).await;
        // 600 points an hour: every recorded minute earns 10 points (companionship weighs 1.0).
        let community = app.area("dongdajie-dongguan").await;
        let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        let policy = app.put_as(&staff, &format!("/api/v1/areas/{community}/points-policy"), &json!({"effective_from": today, "terms": {"points_per_hour": 600, "urgent_bonus_percent": 0, "relative_transfers_allowed": true}})).await;
        assert_eq!(policy.status, 201, "{}", policy.text);
        let id = &need["id"];
        let code = need["check_code"].as_str().expect("a code");
        for step in ["check-in", "check-out"] {
            let reply = app.post_as(&helper_token, &format!("/api/v1/needs/{id}/{step}"), &json!({"code": code})).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
        let confirmed = app.post_as(&resident, &format!("/api/v1/needs/{id}/confirmation"), &json!({"rating": 5})).await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.text);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        let minutes = seen.json["claims"][0]["minutes"].as_i64().expect("minutes");
        let balance = app.get_as(&helper_token, "/api/v1/points/balance").await;
        assert_eq!(balance.json["available"].as_i64(), Some(minutes * 10), "{}", balance.text);
        let again = app.post_as(&resident, &format!("/api/v1/needs/{id}/confirmation"), &json!({})).await;
        assert_eq!(again.status, 409, "{}", again.text);
        let statement = app.get_as(&helper_token, "/api/v1/points/statement").await;
        let lines = statement.json["lines"].as_array().expect("lines");
        assert_eq!(lines.len(), 1, "{}", statement.text);
        assert_eq!(lines[0]["kind"], "earn");
        assert_eq!(lines[0]["cause_type"], "task");
        assert_eq!(lines[0]["cause_id"], format!("{id}:{helper}"));
        assert!(lines[0]["memo"].as_str().is_some_and(|m| m.contains("policy v1")), "{}", statement.text);
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let report = app.get_as(&platform, "/api/v1/ledger/reconciliation").await;
        assert_eq!(report.json["sound"], true, "{}", report.text);
    }
}
