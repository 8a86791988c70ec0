//! Registration, sign-in, sessions and one's own profile.

use linli_tests::{PASSWORD, engine_tests};
use serde_json::json;

engine_tests! {
    async fn a_resident_registers_signs_in_and_sees_their_account(app: TestApp) {
        let reply = app.register("+86 138-0013-8000", "dongguan-g1").await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert_eq!(reply.json["phone"], "13800138000");
        assert_eq!(reply.json["locale"], "zh-CN");
        assert_eq!(reply.json["roles"][0]["role"], "resident");
        let token = app.login("13800138000").await;
        assert!(token.starts_with("lt_"));
        let me = app.get_as(&token, "/api/v1/me").await;
        assert_eq!(me.status, 200);
        assert_eq!(me.json["id"], reply.json["id"]);
    }

    async fn a_phone_registers_once_whatever_its_spelling(app: TestApp) {
        assert_eq!(app.register("13800138000", "dongguan-g1").await.status, 201);
        app.register("0086 138 0013 8000", "beiguan-g2").await.assert_problem(409, "phone_taken");
    }

    async fn two_registrations_of_one_phone_at_once_create_one_account(app: TestApp) {
        app.area("dongguan-g1").await;
        let attempts = (0..8).map(|_| app.register("13900001111", "dongguan-g1"));
        let replies = futures_util::future::join_all(attempts).await;
        let created = replies.iter().filter(|r| r.status == 201).count();
        let taken = replies.iter().filter(|r| r.status == 409 && r.json["code"] == "phone_taken").count();
        assert_eq!((created, taken), (1, 7), "{:?}", replies.iter().map(|r| &r.text).collect::<Vec<_>>());
    }

    async fn every_broken_field_is_listed_and_nothing_is_created(app: TestApp) {
        let grid = app.area("dongguan-g1").await;
        let reply = app
            .post_json(
                "/api/v1/accounts",
                &json!({"phone": "12345", "password": "12345678", "display_name": "  ", "home_grid_id": grid, "email": "not-an-email"}),
            )
            .await;
        let problem = reply.assert_problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap_or_default()).collect();
        assert_eq!(fields, ["phone", "password", "display_name", "email"]);
        assert_eq!(problem["errors"][1]["code"], "too_common");
    }

    async fn an_unknown_or_non_grid_home_is_refused(app: TestApp) {
        let community = app.area("dongguan").await;
        for grid in [community, 999_999] {
            let reply = app
                .post_json(
                    "/api/v1/accounts",
                    &json!({"phone": "13800138000", "password": PASSWORD, "display_name": "王", "home_grid_id": grid}),
                )
                .await;
            let problem = reply.assert_problem(422, "validation_failed");
            assert_eq!(problem["errors"][0]["field"], "home_grid_id");
            assert_eq!(problem["errors"][0]["code"], "unknown_grid");
        }
        let login = app.post_json("/api/v1/sessions", &json!({"phone": "13800138000", "password": PASSWORD})).await;
        login.assert_problem(401, "invalid_credentials");
    }

    async fn malformed_bodies_get_precise_problems(app: TestApp) {
        let url = format!("{}/api/v1/accounts", app.address);
        let reply = app.send(app.client.post(&url).header("content-type", "application/json").body("{not json")).await;
        reply.assert_problem(400, "malformed_json");
        let reply = app.send(app.client.post(&url).header("content-type", "text/plain").body("hello")).await;
        reply.assert_problem(415, "unsupported_media_type");
        let reply = app.post_json("/api/v1/accounts", &json!({"phone": "13800138000"})).await;
        reply.assert_problem(422, "validation_failed");
        let problem = reply.json.clone();
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap_or_default()).collect();
        assert_eq!(fields, ["password", "display_name", "home_grid_id"]);
        let reply = app.post_json("/api/v1/accounts", &json!({"phone": "13800138000", "password": PASSWORD, "display_name": "王", "home_grid_id": "abc"})).await;
        let problem = reply.assert_problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "home_grid_id");
        assert_eq!(problem["errors"][0]["code"], "wrong_type");
        let reply = app.post_json("/api/v1/accounts", &json!({"phone": "1".repeat(40), "password": PASSWORD, "display_name": "王", "home_grid_id": 1})).await;
        let problem = reply.assert_problem(422, "validation_failed");
        assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some("phone"), Some("too_long")));
    }

    async fn wrong_passwords_and_unknown_numbers_get_the_same_answer(app: TestApp) {
        app.resident("13800138000", "dongguan-g1").await;
        let wrong = app.post_json("/api/v1/sessions", &json!({"phone": "13800138000", "password": "wrong-password"})).await;
        let unknown = app.post_json("/api/v1/sessions", &json!({"phone": "13700137000", "password": "wrong-password"})).await;
        wrong.assert_problem(401, "invalid_credentials");
        unknown.assert_problem(401, "invalid_credentials");
        assert_eq!(wrong.json["detail"], unknown.json["detail"]);
    }

    async fn repeated_failures_are_throttled_with_retry_after(app: TestApp) {
        app.resident("13800138000", "dongguan-g1").await;
        for _ in 0..5 {
            let reply = app.post_json("/api/v1/sessions", &json!({"phone": "13800138000", "password": "wrong-password"})).await;
            reply.assert_problem(401, "invalid_credentials");
        }
        let reply = app.post_json("/api/v1/sessions", &json!({"phone": "13800138000", "password": PASSWORD})).await;
        reply.assert_problem(429, "too_many_attempts");
        let retry_after: u64 = reply.headers["retry-after"].to_str().expect("ascii").parse().expect("seconds");
        assert!((1..=900).contains(&retry_after), "{retry_after}");
    }

    async fn requests_without_valid_tokens_are_401_problems(app: TestApp) {
        app.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
        app.get_as("lt_not-a-real-token", "/api/v1/me").await.assert_problem(401, "invalid_token");
    }

    async fn logout_revokes_the_token(app: TestApp) {
        let (_, token) = app.resident("13800138000", "dongguan-g1").await;
        let reply = app.delete_as(&token, "/api/v1/sessions/current").await;
        assert_eq!(reply.status, 204, "{}", reply.text);
        app.get_as(&token, "/api/v1/me").await.assert_problem(401, "invalid_token");
    }

    async fn a_person_lists_and_revokes_their_own_sessions_only(app: TestApp) {
        let (_, phone_token) = app.resident("13800138000", "dongguan-g1").await;
        let laptop_token = app.login("13800138000").await;
        let (_, other_token) = app.resident("13800138001", "dongguan-g1").await;
        let sessions = app.get_as(&laptop_token, "/api/v1/sessions").await;
        assert_eq!(sessions.status, 200);
        let list = sessions.json.as_array().expect("a list");
        assert_eq!(list.len(), 2);
        assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
        let phone_session = list.iter().find(|s| s["current"] == false).expect("the other session")["id"].clone();
        app.delete_as(&other_token, &format!("/api/v1/sessions/{phone_session}")).await.assert_problem(404, "session_not_found");
        assert_eq!(app.get_as(&phone_token, "/api/v1/me").await.status, 200);
        assert_eq!(app.delete_as(&laptop_token, &format!("/api/v1/sessions/{phone_session}")).await.status, 204);
        app.get_as(&phone_token, "/api/v1/me").await.assert_problem(401, "invalid_token");
    }

    async fn a_person_updates_their_profile_and_bad_fields_change_nothing(app: TestApp) {
        let (_, token) = app.resident("13800138000", "dongguan-g1").await;
        let reply = app.patch_as(&token, "/api/v1/me", &json!({"display_name": "王秀兰", "locale": "en", "email": "wang@example.cn"})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!((reply.json["display_name"].as_str(), reply.json["locale"].as_str()), (Some("王秀兰"), Some("en")));
        let reply = app.patch_as(&token, "/api/v1/me", &json!({"display_name": "新名字", "email": "broken"})).await;
        reply.assert_problem(422, "validation_failed");
        let me = app.get_as(&token, "/api/v1/me").await;
        assert_eq!(me.json["display_name"], "王秀兰");
        assert_eq!(me.json["email"], "wang@example.cn");
    }
}
