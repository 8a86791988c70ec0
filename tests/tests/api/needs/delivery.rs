//! Verified delivery: check-in and check-out with the resident's code, rate limits, staff
//! overrides, confirmation, no-shows, contact privacy and the two delivery jobs.

use linli_tests::engine_tests;
use serde_json::{Value, json};

use super::{resident_with_need, volunteer};

/// A need of one claimed by a volunteer: (resident token, need, staff token, volunteer id, volunteer token).
pub async fn claimed_need(app: &linli_tests::TestApp) -> (String, Value, String, i64, String) {
    let (resident, need, staff) = resident_with_need(app, 1).await;
    let (helper, helper_token) = volunteer(app, "13600000001", "dongguan-g2", &staff).await;
    let claimed = app
        .post_as(
            &helper_token,
            &format!("/api/v1/needs/{}/claims", need["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(claimed.status, 201, "{}", claimed.text);
    (resident, need, staff, helper, helper_token)
}

engine_tests! {
    async fn a_full_delivery_runs_from_claim_to_rated_confirmation(app: TestApp) {
        let (resident, need, _, helper, helper_token) = claimed_need(&app).await;
        let id = &need["id"];
        let code = need["check_code"].as_str().expect("a code");
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-out"), &json!({"code": code})).await.assert_problem(409, "not_checked_in");
        app.post_as(&resident, &format!("/api/v1/needs/{id}/confirmation"), &json!({})).await.assert_problem(409, "not_awaiting_confirmation");
        let checked_in = app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-in"), &json!({"code": code})).await;
        assert_eq!(checked_in.status, 200, "{}", checked_in.text);
        assert_eq!(checked_in.json["status"], "in_progress");
        app.delete_as(&helper_token, &format!("/api/v1/needs/{id}/claims/mine")).await.assert_problem(409, "already_started");
        let out = app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-out"), &json!({"code": code})).await;
        assert_eq!(out.status, 200, "{}", out.text);
        assert_eq!(out.json["status"], "awaiting_confirmation");
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/confirmation"), &json!({})).await.assert_problem(403, "not_your_need");
        app.post_as(&resident, &format!("/api/v1/needs/{id}/confirmation"), &json!({"rating": 6})).await.assert_problem(422, "invalid_rating");
        let confirmed = app.post_as(&resident, &format!("/api/v1/needs/{id}/confirmation"), &json!({"rating": 5, "comment": "很耐心"})).await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.text);
        assert_eq!(confirmed.json["status"], "completed");
        assert_eq!(confirmed.json["rating"], 5);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        let claim = &seen.json["claims"][0];
        assert_eq!(claim["helper_id"], helper);
        assert_eq!(claim["completed"], true);
        assert!(claim["minutes"].as_i64().expect("minutes") >= 1);
    }

    async fn wrong_codes_are_counted_per_need_and_helper_then_refused_until_staff_override(app: TestApp) {
        let (_, need, staff, helper, helper_token) = claimed_need(&app).await;
        let id = &need["id"];
        let code = need["check_code"].as_str().expect("a code");
        let wrong = if code == "0000" { "1111" } else { "0000" };
        for _ in 0..5 {
            app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-in"), &json!({"code": wrong})).await.assert_problem(409, "wrong_check_code");
        }
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-in"), &json!({"code": code})).await.assert_problem(429, "too_many_code_attempts");
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-in"), &json!({})).await.assert_problem(422, "code_required");
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-in"), &json!({"helper_id": helper, "override_reason": "我自己"})).await.assert_problem(403, "not_staff");
        let overridden = app.post_as(&staff, &format!("/api/v1/needs/{id}/check-in"), &json!({"helper_id": helper, "override_reason": "老人听力不好，电话确认"})).await;
        assert_eq!(overridden.status, 200, "{}", overridden.text);
        assert_eq!(overridden.json["status"], "in_progress");
    }

    async fn helpers_see_the_contact_only_while_assigned_and_each_reveal_is_audited(app: TestApp) {
        let (resident, need, staff, _, helper_token) = claimed_need(&app).await;
        let id = &need["id"];
        let plain = app.get_as(&helper_token, &format!("/api/v1/needs/{id}")).await;
        assert!(plain.json["contact"].is_null(), "{}", plain.text);
        let revealed = app.get_as(&helper_token, &format!("/api/v1/needs/{id}?reveal=true")).await;
        assert_eq!(revealed.json["contact"]["phone"], "13700000001", "{}", revealed.text);
        assert!(revealed.json["contact"]["address"].is_string());
        let code = need["check_code"].as_str().expect("a code");
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-in"), &json!({"code": code})).await;
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-out"), &json!({"code": code})).await;
        let after = app.get_as(&helper_token, &format!("/api/v1/needs/{id}?reveal=true")).await;
        assert!(after.json["contact"].is_null(), "the task ended: {}", after.text);
        let (_, admin) = app.staff("13900000001", linli_domain::access::Role::PlatformAdmin, None).await;
        let audit = app.get_as(&admin, "/api/v1/audit-events?limit=200").await;
        let reveals = audit.json.as_array().map_or(0, |events| {
            events.iter().filter(|e| e["action"] == "personal_data.revealed" && e["subject_type"] == "need").count()
        });
        assert_eq!(reveals, 1, "{}", audit.text);
        let _ = (resident, staff);
    }

    async fn a_no_show_is_kept_and_frees_the_place(app: TestApp) {
        let (resident, need, _, helper, _) = claimed_need(&app).await;
        let id = &need["id"];
        let reported = app.post_as(&resident, &format!("/api/v1/needs/{id}/no-shows"), &json!({"helper_id": helper})).await;
        assert_eq!(reported.status, 200, "{}", reported.text);
        assert_eq!(reported.json["status"], "open");
        assert_eq!(reported.json["assigned_count"], 0);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        assert_eq!(seen.json["claims"][0]["status"], "no_show");
        app.post_as(&resident, &format!("/api/v1/needs/{id}/no-shows"), &json!({"helper_id": helper})).await.assert_problem(409, "not_assigned");
    }

    async fn jobs_close_forgotten_check_outs_and_confirm_after_72_hours(app: TestApp) {
        let (resident, need, _, _, helper_token) = claimed_need(&app).await;
        let id = need["id"].as_i64().expect("an id");
        let code = need["check_code"].as_str().expect("a code");
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/check-in"), &json!({"code": code})).await;
        let db = app.db();
        let now = linli_domain::time::now_utc();
        let early = linli_domain::needs::delivery::close_forgotten(&db, now, now).await.expect("the job runs");
        assert_eq!(early, 0, "the window has not ended");
        let later = now + chrono::Duration::hours(5);
        let closed = linli_domain::needs::delivery::close_forgotten(&db, later, later).await.expect("the job runs");
        assert_eq!(closed, 1);
        assert_eq!(linli_domain::needs::delivery::close_forgotten(&db, later, later).await.expect("rerun"), 0);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        assert_eq!(seen.json["status"], "awaiting_confirmation", "{}", seen.text);
        let claim = &seen.json["claims"][0];
        assert_eq!(claim["flagged_for_review"], true);
        assert!(claim["minutes"].as_i64().expect("minutes") <= 90, "capped at the estimate");
        let soon = linli_domain::needs::delivery::auto_confirm(&db, later - chrono::Duration::hours(72), later, chrono_tz::Asia::Shanghai).await.expect("the job runs");
        assert_eq!(soon, 0, "72 hours have not passed");
        let days_later = later + chrono::Duration::hours(73);
        let confirmed = linli_domain::needs::delivery::auto_confirm(&db, days_later - chrono::Duration::hours(72), days_later, chrono_tz::Asia::Shanghai).await.expect("the job runs");
        assert_eq!(confirmed, 1);
        let done = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        assert_eq!(done.json["status"], "completed");
    }
}
