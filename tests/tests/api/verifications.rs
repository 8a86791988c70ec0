//! The verification queues on both engines: who waits, seen only by staff over their home grid,
//! and gone from the queue once verified.

use linli_domain::access::Role;
use linli_tests::engine_tests;
use serde_json::{Value, json};

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e["user_id"].as_i64().expect("a user id"))
        .collect()
}

engine_tests! {
    async fn staff_see_who_waits_in_their_area_until_they_verify_them(app: TestApp) {
        let (volunteer, token) = app.resident("13800138001", "dongguan-g1").await;
        let saved = app.put_as(&token, "/api/v1/me/volunteer-profile", &json!({"service_radius": "grid", "real_name": "赵六", "id_number": "11010519491231002X"})).await;
        assert_eq!(saved.status, 200, "{}", saved.text);
        let credential = app.post_as(&token, "/api/v1/me/credentials", &json!({"kind": "training", "title": "助浴培训"})).await;
        assert_eq!(credential.status, 201, "{}", credential.text);
        let (resident, resident_token) = app.resident("13800138002", "dongguan-g2").await;
        let profile = app.put_as(&resident_token, "/api/v1/me/resident-profile", &json!({"address": "汉中市汉台区东大街12号"})).await;
        assert_eq!(profile.status, 200, "{}", profile.text);
        let (_, caoba) = app.resident("13800138003", "caoba-g1").await;
        app.put_as(&caoba, "/api/v1/me/volunteer-profile", &json!({"service_radius": "grid", "real_name": "钱七", "id_number": "11010519491231002X"})).await;

        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let queues = app.get_as(&staff, "/api/v1/verifications").await;
        assert_eq!(queues.status, 200, "{}", queues.text);
        assert_eq!(ids(&queues.json["volunteers"]), [volunteer], "only 东关's volunteer: {}", queues.text);
        assert_eq!(ids(&queues.json["credentials"]), [volunteer]);
        assert_eq!(queues.json["credentials"][0]["credential"]["title"], "助浴培训");
        assert_eq!(ids(&queues.json["residents"]), [resident]);

        let verified = app.post_as(&staff, &format!("/api/v1/volunteers/{volunteer}/verification"), &json!({})).await;
        assert_eq!(verified.status, 200, "{}", verified.text);
        let checked = app.post_as(&staff, &format!("/api/v1/credentials/{}/verification", credential.json["id"]), &json!({})).await;
        assert_eq!(checked.status, 200, "{}", checked.text);
        let facts = app.put_as(&staff, &format!("/api/v1/residents/{resident}/eligibility"), &json!({"low_income": false, "disability_level": 0, "lives_alone": true, "disabled": false, "evidence_notes": "入户核实"})).await;
        assert_eq!(facts.status, 200, "{}", facts.text);
        let after = app.get_as(&staff, "/api/v1/verifications").await;
        assert_eq!((ids(&after.json["volunteers"]).len(), ids(&after.json["credentials"]).len(), ids(&after.json["residents"]).len()), (0, 0, 0), "{}", after.text);

        let (_, caoba_staff) = app.staff("13900000004", Role::SocialWorker, Some("-caoba")).await;
        assert_eq!(ids(&app.get_as(&caoba_staff, "/api/v1/verifications").await.json["volunteers"]).len(), 1);
        let (_, grid_worker) = app.staff("13900000005", Role::GridWorker, Some("dongguan-g1")).await;
        app.get_as(&grid_worker, "/api/v1/verifications").await.assert_problem(403, "not_staff");
        app.get_as(&token, "/api/v1/verifications").await.assert_problem(403, "not_staff");
        app.get("/api/v1/verifications").await.assert_problem(401, "unauthenticated");
    }
}
