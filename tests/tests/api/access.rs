//! Areas, role grants and the audit log: who may do what where.

use linli_domain::access::Role;
use linli_tests::engine_tests;
use serde_json::json;

engine_tests! {
    async fn a_street_admin_creates_areas_in_their_street_only(app: TestApp) {
        let (_, admin) = app.staff("13900000002", Role::StreetAdmin, Some("-dongdajie")).await;
        let community = app.area("dongguan").await;
        let reply = app
            .post_as(&admin, "/api/v1/areas", &json!({"parent_id": community, "level": "grid", "code": "dongguan-g5", "name_zh": "东关社区第五网格", "name_en": "Dongguan Grid 5"}))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.json["parent_id"], community);
        let district = app.area("610702").await;
        let reply = app
            .post_as(&admin, "/api/v1/areas", &json!({"parent_id": district, "level": "street", "code": "other-street", "name_zh": "另一街道", "name_en": "Other Street"}))
            .await;
        reply.assert_problem(403, "area_not_held");
        let reply = app
            .post_as(&admin, "/api/v1/areas", &json!({"parent_id": community, "level": "community", "code": "x", "name_zh": "x", "name_en": "x"}))
            .await;
        reply.assert_problem(422, "wrong_parent_level");
        let reply = app
            .post_as(&admin, "/api/v1/areas", &json!({"parent_id": community, "level": "grid", "code": "dongguan-g5", "name_zh": "重复", "name_en": "Duplicate"}))
            .await;
        reply.assert_problem(409, "area_code_taken");
    }

    async fn residents_cannot_create_areas(app: TestApp) {
        let (_, token) = app.resident("13800138000", "dongguan-g1").await;
        let community = app.area("dongguan").await;
        let reply = app
            .post_as(&token, "/api/v1/areas", &json!({"parent_id": community, "level": "grid", "code": "g9", "name_zh": "九", "name_en": "Nine"}))
            .await;
        reply.assert_problem(403, "area_not_held");
        app.post_json("/api/v1/areas", &json!({"level": "district", "code": "d", "name_zh": "d", "name_en": "d"}))
            .await
            .assert_problem(401, "unauthenticated");
    }

    async fn grants_follow_the_area_tree(app: TestApp) {
        let (_, admin) = app.staff("13900000002", Role::StreetAdmin, Some("-dongdajie")).await;
        let (worker, worker_token) = app.resident("13800138000", "dongguan-g1").await;
        let grid = app.area("dongguan-g1").await;
        let community = app.area("-dongguan").await;
        let reply = app.post_as(&admin, "/api/v1/role-grants", &json!({"user_id": worker, "role": "grid_worker", "area_id": grid})).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.json["created"], true);
        let again = app.post_as(&admin, "/api/v1/role-grants", &json!({"user_id": worker, "role": "grid_worker", "area_id": grid})).await;
        assert_eq!((again.status, again.json["created"].as_bool()), (200, Some(false)));
        let me = app.get_as(&worker_token, "/api/v1/me").await;
        assert!(me.json["roles"].as_array().expect("roles").iter().any(|r| r["role"] == "grid_worker" && r["area_id"] == grid));
        app.post_as(&admin, "/api/v1/role-grants", &json!({"user_id": worker, "role": "grid_worker", "area_id": community}))
            .await
            .assert_problem(422, "wrong_area_level");
        app.post_as(&admin, "/api/v1/role-grants", &json!({"user_id": worker, "role": "platform_admin"}))
            .await
            .assert_problem(403, "grant_not_allowed");
        app.post_as(&admin, "/api/v1/role-grants", &json!({"user_id": 987_654, "role": "volunteer", "area_id": grid}))
            .await
            .assert_problem(404, "user_not_found");
        app.post_as(&worker_token, "/api/v1/role-grants", &json!({"user_id": worker, "role": "community_staff", "area_id": community}))
            .await
            .assert_problem(403, "grant_not_allowed");
    }

    async fn community_staff_cannot_grant_outside_their_community(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (resident, _) = app.resident("13800138000", "beiguan-g1").await;
        let own_grid = app.area("dongguan-g2").await;
        let other_grid = app.area("beiguan-g1").await;
        let reply = app.post_as(&staff, "/api/v1/role-grants", &json!({"user_id": resident, "role": "volunteer", "area_id": own_grid})).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        app.post_as(&staff, "/api/v1/role-grants", &json!({"user_id": resident, "role": "volunteer", "area_id": other_grid}))
            .await
            .assert_problem(403, "grant_not_allowed");
    }

    async fn the_audit_log_is_chained_and_scoped_to_the_readers_street(app: TestApp) {
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let (_, street) = app.staff("13900000002", Role::StreetAdmin, Some("-dongdajie")).await;
        let (worker, resident) = app.resident("13800138000", "dongguan-g1").await;
        let grid = app.area("dongguan-g1").await;
        let reply = app.post_as(&street, "/api/v1/role-grants", &json!({"user_id": worker, "role": "volunteer", "area_id": grid})).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let all = app.get_as(&platform, "/api/v1/audit-events").await;
        assert_eq!(all.status, 200, "{}", all.text);
        let events = all.json.as_array().expect("events");
        assert!(events.len() >= 3, "two bootstraps and a grant: {}", all.text);
        for pair in events.windows(2) {
            assert_eq!(pair[0]["prev_hash"], pair[1]["hash"], "the chain links newest to oldest");
        }
        let scoped = app.get_as(&street, "/api/v1/audit-events").await;
        let scoped = scoped.json.as_array().expect("events");
        assert_eq!(scoped.len(), 1, "only the grant belongs to an area in the street");
        assert_eq!(scoped[0]["action"], "role.granted");
        app.get_as(&resident, "/api/v1/audit-events").await.assert_problem(403, "forbidden");
        app.get_as(&platform, "/api/v1/audit-events?limit=0").await.assert_problem(400, "invalid_parameter");
    }

    async fn audit_rows_cannot_be_changed_or_deleted(app: TestApp) {
        app.staff("13900000001", Role::PlatformAdmin, None).await;
        let db = app.db();
        let outcome = db
            .run(|conn| {
                use diesel::connection::SimpleConnection;
                let update = conn.batch_execute("UPDATE audit_events SET action = 'forged'");
                let delete = conn.batch_execute("DELETE FROM audit_events");
                Ok::<_, linli_domain::db::StoreError>((update.is_err(), delete.is_err()))
            })
            .await
            .expect("the statements ran");
        assert_eq!(outcome, (true, true));
        let chain = db.run(linli_domain::audit::store::all_in_order).await.expect("readable");
        assert_eq!(linli_domain::audit::first_break(&chain), None);
    }

    async fn areas_are_renamed_moved_with_their_subtree_and_deleted_only_when_empty(app: TestApp) {
        let (_, admin) = app.staff("13900000002", Role::StreetAdmin, Some("-dongdajie")).await;
        let dongguan = app.area("-dongguan").await;
        let beiguan = app.area("-beiguan").await;
        let grid = app.area("dongguan-g4").await;
        let renamed = app.patch_as(&admin, &format!("/api/v1/areas/{grid}"), &json!({"name_zh": "东关社区第四网格（新）"})).await;
        assert_eq!(renamed.status, 200, "{}", renamed.text);
        assert_eq!(renamed.json["name_zh"], "东关社区第四网格（新）");
        let moved = app.patch_as(&admin, &format!("/api/v1/areas/{grid}"), &json!({"parent_id": beiguan})).await;
        assert_eq!(moved.json["parent_id"], beiguan, "{}", moved.text);
        let subtree = app.get(&format!("/api/v1/areas?root={beiguan}")).await;
        assert!(subtree.json.as_array().expect("areas").iter().any(|a| a["id"] == grid), "the grid now lies under 北关");
        app.patch_as(&admin, &format!("/api/v1/areas/{grid}"), &json!({"parent_id": app.area("-dongdajie").await}))
            .await
            .assert_problem(422, "wrong_parent_level");
        app.delete_as(&admin, &format!("/api/v1/areas/{dongguan}")).await.assert_problem(409, "area_in_use");
        app.resident("13800138000", "dongguan-g1").await;
        let occupied = app.area("dongguan-g1").await;
        app.delete_as(&admin, &format!("/api/v1/areas/{occupied}")).await.assert_problem(409, "area_in_use");
        let (_, resident) = app.resident("13800138001", "dongguan-g2").await;
        app.delete_as(&resident, &format!("/api/v1/areas/{grid}")).await.assert_problem(403, "area_not_held");
        assert_eq!(app.delete_as(&admin, &format!("/api/v1/areas/{grid}")).await.status, 204);
        app.delete_as(&admin, &format!("/api/v1/areas/{grid}")).await.assert_problem(404, "area_not_found");
    }
}
