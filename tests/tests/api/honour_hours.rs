//! Honour hours over HTTP: staff over a volunteer's area add them with a reason under the
//! policy's yearly cap, audited, shown apart from recorded hours, earning no points; each bad
//! input has its own code and changes nothing.

use linli_domain::access::Role;
use linli_tests::{Reply, TestApp, engine_tests};
use serde_json::{Value, json};

async fn add(app: &TestApp, token: &str, volunteer: i64, key: &str, body: &Value) -> Reply {
    app.send_as(
        token,
        app.client
            .post(format!(
                "{}/api/v1/volunteers/{volunteer}/honour-hours",
                app.address
            ))
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

async fn hours(app: &TestApp, token: &str, volunteer: i64) -> Value {
    let profile = app
        .get_as(token, &format!("/api/v1/volunteers/{volunteer}"))
        .await;
    assert_eq!(profile.status, 200, "{}", profile.text);
    profile.json["hours"].clone()
}

engine_tests! {
    async fn staff_add_honour_hours_under_the_yearly_cap_and_they_are_shown_apart(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (volunteer, own) = app.verified_volunteers(1, "dongguan-g1").await.remove(0);
        let flood = json!({"hours": 12, "reason": "汛期抗洪抢险志愿服务"});
        let added = add(&app, &staff, volunteer, "h-1", &flood).await;
        assert_eq!(added.status, 201, "{}", added.text);
        assert_eq!((added.json["hours"].as_i64(), added.json["year_total"].as_i64(), added.json["yearly_cap"].as_i64(), added.json["points_earned"].as_i64()), (Some(12), Some(12), Some(20), Some(0)));
        let again = add(&app, &staff, volunteer, "h-1", &flood).await;
        assert_eq!((again.status, &again.json), (200, &added.json), "a retry replays: {}", again.text);
        add(&app, &staff, volunteer, "h-1", &json!({"hours": 3, "reason": "汛期抗洪抢险志愿服务"})).await.assert_problem(422, "idempotency_key_reused");
        add(&app, &staff, volunteer, "h-2", &json!({"hours": 9, "reason": "社区疫情防控值守"})).await.assert_problem(409, "honour_hours_cap_exceeded");
        let last = add(&app, &staff, volunteer, "h-3", &json!({"hours": 8, "reason": "社区疫情防控值守"})).await;
        assert_eq!((last.status, last.json["year_total"].as_i64()), (201, Some(20)), "{}", last.text);
        add(&app, &staff, volunteer, "h-4", &json!({"hours": 1, "reason": "再加一小时"})).await.assert_problem(409, "honour_hours_cap_exceeded");

        let shown = hours(&app, &staff, volunteer).await;
        assert_eq!(shown, json!({"recorded_minutes": 0, "honour_hours": 20, "honour_hours_this_year": 20}));
        let mine = app.get_as(&own, "/api/v1/me/volunteer-profile").await;
        assert_eq!(mine.json["hours"], shown, "{}", mine.text);
        let balance = app.get_as(&own, "/api/v1/points/balance").await;
        assert_eq!(balance.json["available"], 0, "honour hours earn no points: {}", balance.text);
        let (_, platform) = app.staff("13900000099", Role::PlatformAdmin, None).await;
        let audit = app.get_as(&platform, "/api/v1/audit-events").await;
        let logged = audit.json.as_array().expect("events").iter().filter(|e| e["action"] == "honour_hours.added").count();
        assert_eq!(logged, 2, "{}", audit.text);
    }

    async fn bad_honour_hours_each_have_their_own_code_and_change_nothing(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (_, elsewhere) = app.staff("13900000004", Role::CommunityStaff, Some("-beiguan")).await;
        let (volunteer, _) = app.verified_volunteers(1, "dongguan-g1").await.remove(0);
        let (resident, resident_token) = app.resident("13800138000", "dongguan-g2").await;
        let reason = "汛期抗洪抢险志愿服务";
        add(&app, &staff, volunteer, "b-1", &json!({"hours": 0, "reason": reason})).await.assert_problem(422, "invalid_honour_hours");
        add(&app, &staff, volunteer, "b-2", &json!({"hours": -4, "reason": reason})).await.assert_problem(422, "invalid_honour_hours");
        add(&app, &staff, volunteer, "b-3", &json!({"hours": 2, "reason": "x"})).await.assert_problem(422, "invalid_reason");
        add(&app, &elsewhere, volunteer, "b-4", &json!({"hours": 2, "reason": reason})).await.assert_problem(403, "outside_your_area");
        add(&app, &resident_token, volunteer, "b-5", &json!({"hours": 2, "reason": reason})).await.assert_problem(403, "outside_your_area");
        add(&app, &staff, resident, "b-6", &json!({"hours": 2, "reason": reason})).await.assert_problem(422, "not_a_volunteer");
        add(&app, &staff, 999_999, "b-7", &json!({"hours": 2, "reason": reason})).await.assert_problem(404, "person_not_found");
        add(&app, &staff, volunteer, "b-8", &json!({"hours": 21, "reason": reason})).await.assert_problem(409, "honour_hours_cap_exceeded");
        assert_eq!(hours(&app, &staff, volunteer).await["honour_hours"], 0, "nothing was added");
        let after = add(&app, &staff, volunteer, "b-1", &json!({"hours": 2, "reason": reason})).await;
        assert_eq!(after.status, 201, "a refused request leaves its key free: {}", after.text);
    }
}
