//! Disputes on volunteer tasks: opened by the resident or a helper, resolved by staff over the
//! area with a reason, audited.

use linli_tests::engine_tests;
use serde_json::{Value, json};

use super::delivery::claimed_need;

/// A need delivered and awaiting confirmation: (resident, need, staff, helper token).
async fn delivered(app: &linli_tests::TestApp) -> (String, Value, String, String) {
    let (resident, need, staff, _, helper_token) = claimed_need(app).await;
    let code = need["check_code"].as_str().expect("a code");
    for step in ["check-in", "check-out"] {
        let reply = app
            .post_as(
                &helper_token,
                &format!("/api/v1/needs/{}/{step}", need["id"]),
                &json!({"code": code}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    (resident, need, staff, helper_token)
}

engine_tests! {
    async fn a_dispute_blocks_confirmation_until_staff_adjust_the_minutes(app: TestApp) {
        let (resident, need, staff, helper_token) = delivered(&app).await;
        let id = &need["id"];
        let opened = app.post_as(&resident, &format!("/api/v1/needs/{id}/disputes"), &json!({"reason": "只来了十分钟"})).await;
        assert_eq!(opened.status, 201, "{}", opened.text);
        let dispute = &opened.json["id"];
        app.post_as(&helper_token, &format!("/api/v1/needs/{id}/disputes"), &json!({"reason": "我待了一小时"})).await.assert_problem(409, "dispute_open");
        app.post_as(&resident, &format!("/api/v1/needs/{id}/confirmation"), &json!({})).await.assert_problem(409, "dispute_open");
        let path = format!("/api/v1/needs/{id}/disputes/{dispute}/resolution");
        app.post_as(&resident, &path, &json!({"resolution": "void", "reason": "x"})).await.assert_problem(403, "not_staff");
        app.post_as(&staff, &path, &json!({"resolution": "adjust", "reason": "核实"})).await.assert_problem(422, "invalid_minutes");
        let resolved = app.post_as(&staff, &path, &json!({"resolution": "adjust", "reason": "电话核实为30分钟", "minutes": 30})).await;
        assert_eq!(resolved.status, 200, "{}", resolved.text);
        assert_eq!(resolved.json["status"], "resolved");
        assert_eq!(resolved.json["adjusted_minutes"], 30);
        app.post_as(&staff, &path, &json!({"resolution": "uphold", "reason": "again"})).await.assert_problem(409, "dispute_resolved");
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        assert_eq!(seen.json["status"], "completed");
        assert_eq!(seen.json["claims"][0]["minutes"], 30);
        assert_eq!(seen.json["claims"][0]["completed"], true);
    }

    async fn a_helper_disputes_and_a_void_resolution_counts_nothing(app: TestApp) {
        let (resident, need, staff, helper_token) = delivered(&app).await;
        let id = &need["id"];
        let opened = app.post_as(&helper_token, &format!("/api/v1/needs/{id}/disputes"), &json!({"reason": "居民不在家"})).await;
        assert_eq!(opened.status, 201, "{}", opened.text);
        let (_, outsider) = app.staff("13900000095", linli_domain::access::Role::CommunityStaff, Some("-caoba")).await;
        let path = format!("/api/v1/needs/{id}/disputes/{}/resolution", opened.json["id"]);
        app.post_as(&outsider, &path, &json!({"resolution": "void", "reason": "x"})).await.assert_problem(404, "need_not_found");
        let resolved = app.post_as(&staff, &path, &json!({"resolution": "void", "reason": "未实际服务"})).await;
        assert_eq!(resolved.status, 200, "{}", resolved.text);
        let seen = app.get_as(&resident, &format!("/api/v1/needs/{id}")).await;
        assert_eq!(seen.json["claims"][0]["minutes"], 0);
        assert_eq!(seen.json["claims"][0]["completed"], false);
        assert_eq!(seen.json["disputes"][0]["resolution"], "void");
    }

    async fn staff_find_the_needs_of_their_area_with_an_open_dispute_until_it_is_resolved(app: TestApp) {
        let (resident, need, staff, helper_token) = delivered(&app).await;
        let id = need["id"].as_i64().expect("an id");
        let ids = |reply: &linli_tests::Reply| -> Vec<i64> {
            reply.json.as_array().expect("a list").iter().map(|n| n["id"].as_i64().expect("an id")).collect()
        };
        let disputed = "/api/v1/needs?listing=area&disputed=true";
        let before = app.get_as(&staff, disputed).await;
        assert_eq!(before.status, 200, "{}", before.text);
        assert!(!ids(&before).contains(&id), "not disputed yet: {}", before.text);
        let opened = app.post_as(&helper_token, &format!("/api/v1/needs/{id}/disputes"), &json!({"reason": "居民不在家"})).await;
        assert_eq!(opened.status, 201, "{}", opened.text);
        let listed = app.get_as(&staff, disputed).await;
        assert_eq!(ids(&listed), vec![id], "only the disputed need: {}", listed.text);
        let everything = app.get_as(&staff, "/api/v1/needs?listing=area&disputed=false").await;
        assert!(ids(&everything).contains(&id), "{}", everything.text);
        let (_, outsider) = app.staff("13900000095", linli_domain::access::Role::CommunityStaff, Some("-caoba")).await;
        let elsewhere = app.get_as(&outsider, disputed).await;
        assert_eq!(elsewhere.status, 200, "{}", elsewhere.text);
        assert!(ids(&elsewhere).is_empty(), "another community sees none: {}", elsewhere.text);
        let own = app.get_as(&resident, "/api/v1/needs?disputed=true").await;
        assert_eq!(ids(&own), vec![id], "{}", own.text);
        let path = format!("/api/v1/needs/{id}/disputes/{}/resolution", opened.json["id"]);
        let resolved = app.post_as(&staff, &path, &json!({"resolution": "uphold", "reason": "电话核实"})).await;
        assert_eq!(resolved.status, 200, "{}", resolved.text);
        let after = app.get_as(&staff, disputed).await;
        assert!(ids(&after).is_empty(), "resolved disputes leave the list: {}", after.text);
    }
}
