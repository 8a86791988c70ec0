//! Service categories: seeded, read by everyone signed in, managed by platform admins.

use linli_domain::access::Role;
use linli_tests::engine_tests;
use serde_json::json;

engine_tests! {
    async fn the_twelve_seeded_categories_carry_modes_weights_and_gates(app: TestApp) {
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let list = app.get_as(&resident, "/api/v1/service-categories").await;
        assert_eq!(list.status, 200, "{}", list.text);
        let categories = list.json.as_array().expect("a list");
        assert_eq!(categories.len(), 12);
        let elder = categories.iter().find(|c| c["code"] == "elder_care").expect("elder care");
        assert_eq!(elder["name_zh"], "助老");
        assert_eq!(elder["points_weight"], "1.5");
        assert_eq!(elder["safeguarding"]["required_credentials"], json!(["training"]));
    }

    async fn platform_admins_create_and_update_categories_and_nobody_else(app: TestApp) {
        let (_, admin) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let (_, resident) = app.resident("13700000001", "dongguan-g1").await;
        let body = json!({"code": "elder_bathing", "name_zh": "助浴", "name_en": "Bathing", "mode": "volunteer", "points_weight": "2.25", "safeguarding": {"required_credentials": ["training", "health_certificate"], "requires_verified_real_name": true}});
        app.post_as(&resident, "/api/v1/service-categories", &body).await.assert_problem(403, "not_platform_admin");
        let created = app.post_as(&admin, "/api/v1/service-categories", &body).await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.json["points_weight"], "2.25");
        app.post_as(&admin, "/api/v1/service-categories", &body).await.assert_problem(409, "category_code_taken");
        let mut bad = body.clone();
        bad["points_weight"] = json!("11");
        bad["code"] = json!("other");
        app.post_as(&admin, "/api/v1/service-categories", &bad).await.assert_problem(422, "validation_failed");
        let mut changed = body.clone();
        changed["points_weight"] = json!("1");
        let updated = app.put_as(&admin, &format!("/api/v1/service-categories/{}", created.json["id"]), &changed).await;
        assert_eq!(updated.status, 200, "{}", updated.text);
        assert_eq!(updated.json["points_weight"], "1");
        app.put_as(&admin, "/api/v1/service-categories/99999", &changed).await.assert_problem(404, "category_not_found");
    }
}
