//! Posting, reading, listing, editing and cancelling needs.

use linli_domain::access::Role;
use linli_tests::engine_tests;
use serde_json::json;

use super::{dongguan_staff, in_hours, need_body, post_need, resident_with_need, volunteer};

engine_tests! {
    async fn a_resident_posts_a_need_and_sees_its_check_code(app: TestApp) {
        let (resident, need, _) = resident_with_need(&app, 2).await;
        assert_eq!(need["status"], "open");
        assert_eq!(need["category_code"], "companionship");
        let code = need["check_code"].as_str().expect("the resident sees the code");
        assert_eq!(code.len(), 4);
        assert!(need["contact"]["address"].is_string());
        let mine = app.get_as(&resident, "/api/v1/needs").await;
        assert_eq!(mine.status, 200, "{}", mine.text);
        assert_eq!(mine.json.as_array().expect("a list").len(), 1);
    }

    async fn bad_needs_are_refused_each_with_its_own_code_and_nothing_is_stored(app: TestApp) {
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let mut past = need_body(1);
        past["window_start"] = json!(in_hours(-5));
        past["window_end"] = json!(in_hours(-2));
        app.post_as(&resident, "/api/v1/needs", &past).await.assert_problem(422, "window_in_past");
        let mut reversed = need_body(1);
        reversed["window_end"] = json!(in_hours(0));
        app.post_as(&resident, "/api/v1/needs", &reversed).await.assert_problem(422, "window_ends_before_start");
        app.post_as(&resident, "/api/v1/needs", &need_body(0)).await.assert_problem(422, "invalid_headcount");
        let mut unknown = need_body(1);
        unknown["category_code"] = json!("juggling");
        app.post_as(&resident, "/api/v1/needs", &unknown).await.assert_problem(422, "unknown_category");
        let mine = app.get_as(&resident, "/api/v1/needs").await;
        assert_eq!(mine.json, json!([]), "nothing was stored");
    }

    async fn acting_as_a_proxy_needs_a_consent(app: TestApp) {
        let (_, staff) = dongguan_staff(&app).await;
        let (elder, _) = app.resident("13700000001", "dongguan-g1").await;
        let (family, family_token) = app.resident("13700000002", "dongguan-g2").await;
        let mut body = need_body(1);
        body["resident_id"] = json!(elder);
        app.post_as(&family_token, "/api/v1/needs", &body).await.assert_problem(403, "no_proxy_consent");
        let consent = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": elder, "proxy_id": family, "relationship": "family"})).await;
        assert!(consent.status == 201 || consent.status == 200, "{}", consent.text);
        let need = post_need(&app, &family_token, &body).await;
        assert_eq!(need["resident_id"], elder);
        assert!(need["check_code"].is_string(), "the proxy holds the code for the resident");
    }

    async fn volunteers_see_open_needs_in_their_radius_without_personal_data(app: TestApp) {
        let (resident, need, staff) = resident_with_need(&app, 1).await;
        let (_, near) = volunteer(&app, "13600000001", "dongguan-g2", &staff).await;
        let open = app.get_as(&near, "/api/v1/needs?listing=open").await;
        assert_eq!(open.status, 200, "{}", open.text);
        assert_eq!(open.json.as_array().expect("a list").len(), 1);
        assert!(open.json[0].get("address").is_none() && open.json[0].get("check_code").is_none());
        let seen = app.get_as(&near, &format!("/api/v1/needs/{}", need["id"])).await;
        assert_eq!(seen.status, 200, "{}", seen.text);
        assert!(seen.json["contact"].is_null() && seen.json["check_code"].is_null() && seen.json["resident_id"].is_null(), "{}", seen.text);
        let (_, caoba_staff) = app.staff("13900000098", Role::CommunityStaff, Some("-caoba")).await;
        let (_, far) = volunteer(&app, "13600000002", "caoba-g1", &caoba_staff).await;
        let none = app.get_as(&far, "/api/v1/needs?listing=open").await;
        assert_eq!(none.json, json!([]), "{}", none.text);
        app.get_as(&far, &format!("/api/v1/needs/{}", need["id"])).await.assert_problem(404, "need_not_found");
        app.get_as(&resident, "/api/v1/needs?listing=open").await.assert_problem(403, "not_a_volunteer");
        let area = app.get_as(&staff, "/api/v1/needs?listing=area").await;
        assert_eq!(area.json.as_array().expect("a list").len(), 1);
        let other_area = app.get_as(&caoba_staff, "/api/v1/needs?listing=area").await;
        assert_eq!(other_area.json, json!([]));
    }

    async fn an_open_need_is_edited_and_cancelled_with_a_reason(app: TestApp) {
        let (resident, need, _) = resident_with_need(&app, 1).await;
        let id = &need["id"];
        let mut edit = need_body(2);
        edit["description"] = json!("陪老人去公园");
        let edited = app.put_as(&resident, &format!("/api/v1/needs/{id}"), &edit).await;
        assert_eq!(edited.status, 200, "{}", edited.text);
        assert_eq!(edited.json["headcount"], 2);
        assert_eq!(edited.json["description"], "陪老人去公园");
        let (_, stranger) = app.resident("13700000005", "dongguan-g1").await;
        app.post_as(&stranger, &format!("/api/v1/needs/{id}/cancellation"), &json!({"reason": "x"})).await.assert_problem(404, "need_not_found");
        let cancelled = app.post_as(&resident, &format!("/api/v1/needs/{id}/cancellation"), &json!({"reason": "家人回来了"})).await;
        assert_eq!(cancelled.status, 200, "{}", cancelled.text);
        assert_eq!(cancelled.json["status"], "cancelled");
        assert_eq!(cancelled.json["cancel_reason"], "家人回来了");
        app.post_as(&resident, &format!("/api/v1/needs/{id}/cancellation"), &json!({"reason": "again"})).await.assert_problem(409, "need_closed");
        app.put_as(&resident, &format!("/api/v1/needs/{id}"), &edit).await.assert_problem(409, "need_closed");
    }

    async fn a_care_plan_posts_weekly_occurrences_once(app: TestApp) {
        let (resident, _) = app.resident("13700000001", "dongguan-g1").await;
        let (_, social_worker) = app.staff("13900000097", Role::SocialWorker, Some("-dongguan")).await;
        let body = json!({"resident_id": resident, "category_code": "companionship", "description": "每周陪伴", "weekday": 3, "start_minute": 600, "duration_minutes": 60});
        let plan = app.post_as(&social_worker, "/api/v1/care-plans", &body).await;
        assert_eq!(plan.status, 201, "{}", plan.text);
        let posted = plan.json["occurrences_posted"].as_u64().expect("a count");
        assert!((1..=2).contains(&posted), "{}", plan.text);
        let generated = linli_domain::needs::plans::generate(&app.db(), chrono_tz::Asia::Shanghai, linli_domain::time::now_utc()).await.expect("the job runs");
        assert_eq!(generated, 0, "a second run posts nothing");
        let resident_token = app.login("13700000001").await;
        let mine = app.get_as(&resident_token, "/api/v1/needs").await;
        assert_eq!(mine.json.as_array().expect("a list").len() as u64, posted);
        assert_eq!(mine.json[0]["care_plan_id"], plan.json["id"]);
        let (_, outsider) = app.staff("13900000096", Role::SocialWorker, Some("-caoba")).await;
        app.post_as(&outsider, "/api/v1/care-plans", &body).await.assert_problem(403, "not_allowed");
    }
}
