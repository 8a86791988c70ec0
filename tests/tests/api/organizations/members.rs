//! Adding and removing members, and two admins adding one person at once.

use linli_tests::engine_tests;
use serde_json::json;

use super::{found, path};

engine_tests! {
    async fn admins_add_and_remove_members_and_the_last_admin_stays(app: TestApp) {
        let (admin_id, admin) = app.resident("13800138000", "dongguan-g1").await;
        let (volunteer_id, volunteer) = app.resident("13800138001", "dongguan-g1").await;
        let (outsider_id, outsider) = app.resident("13800138002", "dongguan-g2").await;
        let team = found(&app, &admin, "东关社区志愿服务队", &["dongguan"]).await;
        let id = &team["id"];
        let added = app.post_as(&admin, &path(id, "/members"), &json!({"user_id": volunteer_id, "role": "leader"})).await;
        assert_eq!(added.status, 201, "{}", added.text);
        assert_eq!((added.json["user_id"].as_i64(), added.json["role"].as_str(), added.json["display_name"].as_str()), (Some(volunteer_id), Some("leader"), Some("居民8001")));
        app.post_as(&admin, &path(id, "/members"), &json!({"user_id": volunteer_id, "role": "member"}))
            .await
            .assert_problem(409, "already_member");
        app.post_as(&admin, &path(id, "/members"), &json!({"user_id": 987_654, "role": "member"}))
            .await
            .assert_problem(404, "user_not_found");
        app.post_as(&admin, &path(id, "/members"), &json!({"user_id": outsider_id, "role": "owner"}))
            .await
            .assert_problem(422, "validation_failed");
        app.post_as(&volunteer, &path(id, "/members"), &json!({"user_id": outsider_id, "role": "member"}))
            .await
            .assert_problem(403, "not_organization_admin");
        app.post_as(&outsider, &path(id, "/members"), &json!({"user_id": outsider_id, "role": "admin"}))
            .await
            .assert_problem(403, "not_organization_admin");
        app.post_as(&admin, "/api/v1/organizations/987654/members", &json!({"user_id": outsider_id, "role": "member"}))
            .await
            .assert_problem(404, "organization_not_found");
        let members = app.get_as(&volunteer, &path(id, "/members")).await;
        let roles: Vec<(i64, &str)> = members.json.as_array().expect("members").iter().map(|m| (m["user_id"].as_i64().unwrap_or_default(), m["role"].as_str().unwrap_or_default())).collect();
        assert_eq!(roles, [(admin_id, "admin"), (volunteer_id, "leader")]);
        app.delete_as(&outsider, &path(id, &format!("/members/{volunteer_id}")))
            .await
            .assert_problem(403, "not_organization_admin");
        app.delete_as(&admin, &path(id, &format!("/members/{outsider_id}")))
            .await
            .assert_problem(404, "member_not_found");
        app.delete_as(&admin, &path(id, &format!("/members/{admin_id}")))
            .await
            .assert_problem(409, "last_admin");
        let left = app.delete_as(&volunteer, &path(id, &format!("/members/{volunteer_id}"))).await;
        assert_eq!(left.status, 204, "{}", left.text);
        app.get_as(&volunteer, &path(id, "/members")).await.assert_problem(403, "members_hidden");
        let members = app.get_as(&admin, &path(id, "/members")).await;
        assert_eq!(members.json.as_array().map(Vec::len), Some(1), "{}", members.text);
        let second = app.post_as(&admin, &path(id, "/members"), &json!({"user_id": outsider_id, "role": "admin"})).await;
        assert_eq!(second.status, 201, "{}", second.text);
        let removed = app.delete_as(&outsider, &path(id, &format!("/members/{admin_id}"))).await;
        assert_eq!(removed.status, 204, "an admin removes another admin: {}", removed.text);
    }

    async fn two_admins_adding_the_same_member_at_once_create_one_membership(app: TestApp) {
        let (_, first) = app.resident("13800138000", "dongguan-g1").await;
        let (second_id, second) = app.resident("13800138001", "dongguan-g1").await;
        let team = found(&app, &first, "东关社区志愿服务队", &["dongguan"]).await;
        let id = &team["id"];
        let made_admin = app.post_as(&first, &path(id, "/members"), &json!({"user_id": second_id, "role": "admin"})).await;
        assert_eq!(made_admin.status, 201, "{}", made_admin.text);
        let mut newcomers = Vec::new();
        for n in 0..4 {
            let (newcomer, _) = app.resident(&format!("1380013810{n}"), "dongguan-g2").await;
            newcomers.push(newcomer);
        }
        for newcomer in &newcomers {
            let body = json!({"user_id": newcomer, "role": "member"});
            let members_path = path(id, "/members");
            let (a, b) = tokio::join!(
                app.post_as(&first, &members_path, &body),
                app.post_as(&second, &members_path, &body),
            );
            let mut statuses = [a.status, b.status];
            statuses.sort_unstable();
            assert_eq!(statuses, [201, 409], "{} / {}", a.text, b.text);
            let conflict = if a.status == 409 { &a } else { &b };
            conflict.assert_problem(409, "already_member");
        }
        let members = app.get_as(&first, &path(id, "/members")).await;
        assert_eq!(members.json.as_array().map(Vec::len), Some(2 + newcomers.len()), "{}", members.text);
    }
}
