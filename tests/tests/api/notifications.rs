//! In-app notifications: what flows tell people, one's own list with paging and unread
//! filter, marking read, preferences per category and channel; nobody reaches another's.

use linli_domain::access::Role;
use linli_tests::{TestApp, engine_tests};
use serde_json::{Value, json};

use crate::email::{outbox, register_with_email};

async fn notifications(app: &TestApp, token: &str, query: &str) -> Value {
    let reply = app
        .get_as(token, &format!("/api/v1/me/notifications{query}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json
}

fn topics(page: &Value) -> Vec<String> {
    page["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|n| n["topic"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const PROFILE: &str =
    r#"{"service_radius": "grid", "real_name": "陈明", "id_number": "11010519491231002X"}"#;

engine_tests! {
    async fn registration_welcomes_in_the_app_and_reading_marks_once(app: TestApp) {
        let (_, token) = app.resident("13800138201", "dongguan-g1").await;
        let page = notifications(&app, &token, "").await;
        assert_eq!(topics(&page), ["account.welcome"]);
        assert_eq!(page["unread_count"], 1);
        let welcome = &page["notifications"][0];
        assert_eq!(welcome["title"], "欢迎加入邻里");
        assert_eq!(welcome["category"], "account");
        assert!(welcome["read_at"].is_null());
        let id = welcome["id"].as_i64().expect("an id");

        let read = app.post_as(&token, &format!("/api/v1/me/notifications/{id}/read"), &json!({})).await;
        assert_eq!(read.status, 200, "{}", read.text);
        let first_read = read.json["read_at"].clone();
        assert!(first_read.is_string());
        let again = app.post_as(&token, &format!("/api/v1/me/notifications/{id}/read"), &json!({})).await;
        assert_eq!(again.json["read_at"], first_read, "reading again keeps the first time");
        assert_eq!(notifications(&app, &token, "?unread=true").await["notifications"], json!([]));
        assert_eq!(notifications(&app, &token, "").await["unread_count"], 0);

        let (_, other) = app.resident("13800138202", "dongguan-g2").await;
        app.post_as(&other, &format!("/api/v1/me/notifications/{id}/read"), &json!({})).await
            .assert_problem(404, "notification_not_found");
        app.post_as(&other, "/api/v1/me/notifications/999999/read", &json!({})).await
            .assert_problem(404, "notification_not_found");
        assert_eq!(topics(&notifications(&app, &other, "").await), ["account.welcome"], "each sees only their own");
        app.get("/api/v1/me/notifications").await.assert_problem(401, "unauthenticated");
        let export = app.get_as(&token, "/api/v1/me/export").await;
        assert_eq!(export.json["notifications"][0]["topic"], "account.welcome", "{}", export.text);
        assert_eq!(export.json["notification_preferences"].as_array().map(Vec::len), Some(5));
        let closed = app.post_as(&token, "/api/v1/me/closure", &json!({"password": linli_tests::PASSWORD})).await;
        assert_eq!(closed.status, 204, "{}", closed.text);
        let db = app.db();
        let left: i64 = db
            .run(move |conn| {
                use diesel::prelude::*;
                linli_domain::schema::notifications::table
                    .filter(linli_domain::schema::notifications::id.eq(id))
                    .count()
                    .get_result(conn)
                    .map_err(linli_domain::db::StoreError::from)
            })
            .await
            .expect("counted");
        assert_eq!(left, 0, "closing the account removes its notifications");
        app.get_as(&other, "/api/v1/me/notifications?limit=0").await.assert_problem(400, "invalid_parameter");
    }

    async fn verification_credentials_and_proxy_consents_tell_the_people_concerned(app: TestApp) {
        let (volunteer, token) = app.resident("13800138203", "dongguan-g1").await;
        let profile: Value = serde_json::from_str(PROFILE).expect("json");
        assert_eq!(app.put_as(&token, "/api/v1/me/volunteer-profile", &profile).await.status, 200);
        let credential = app.post_as(&token, "/api/v1/me/credentials", &json!({"kind": "training", "title": "助浴培训"})).await;
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        assert_eq!(app.post_as(&staff, &format!("/api/v1/volunteers/{volunteer}/verification"), &json!({})).await.status, 200);
        assert_eq!(app.post_as(&staff, &format!("/api/v1/credentials/{}/verification", credential.json["id"]), &json!({})).await.status, 200);
        let page = notifications(&app, &token, "").await;
        assert_eq!(topics(&page), ["credential.verified", "volunteer.verified", "account.welcome"], "newest first");
        assert!(page["notifications"][0]["body"].as_str().unwrap_or_default().contains("助浴培训"));

        let (resident, resident_token) = app.resident("13800138204", "dongguan-g1").await;
        let (proxy, proxy_token) = app.resident("13800138205", "dongguan-g1").await;
        let consent = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": resident, "proxy_id": proxy, "relationship": "family"})).await;
        assert_eq!(consent.status, 201, "{}", consent.text);
        let again = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": resident, "proxy_id": proxy, "relationship": "family"})).await;
        assert_eq!(again.status, 200, "recording it again changes nothing: {}", again.text);
        assert_eq!(app.delete_as(&staff, &format!("/api/v1/proxy-consents/{}", consent.json["id"])).await.status, 200);
        let told = notifications(&app, &resident_token, "").await;
        assert_eq!(topics(&told), ["proxy_consent.revoked", "proxy_consent.granted", "account.welcome"]);
        assert_eq!(told["notifications"][1]["urgent"], true);
        assert!(told["notifications"][1]["body"].as_str().unwrap_or_default().contains("居民8205"));
        assert_eq!(topics(&notifications(&app, &proxy_token, "").await), ["proxy_consent.acting_revoked", "proxy_consent.acting_granted", "account.welcome"]);
    }

    async fn pages_go_back_with_before_and_limit(app: TestApp) {
        let (volunteer, token) = app.resident("13800138206", "dongguan-g1").await;
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        for title in ["一", "二", "三"] {
            let credential = app.post_as(&token, "/api/v1/me/credentials", &json!({"kind": "training", "title": title})).await;
            assert_eq!(app.post_as(&staff, &format!("/api/v1/credentials/{}/verification", credential.json["id"]), &json!({})).await.status, 200);
        }
        let _ = volunteer;
        let first = notifications(&app, &token, "?limit=2").await;
        assert_eq!(first["notifications"].as_array().map(Vec::len), Some(2));
        assert_eq!(first["unread_count"], 4);
        let last = first["notifications"][1]["id"].as_i64().expect("an id");
        let second = notifications(&app, &token, &format!("?limit=2&before={last}")).await;
        assert_eq!(topics(&second), ["credential.verified", "account.welcome"]);
        let marked = app.post_as(&token, "/api/v1/me/notifications/read", &json!({})).await;
        assert_eq!(marked.status, 200, "{}", marked.text);
        assert_eq!(marked.json["marked"], 4);
        assert_eq!(app.post_as(&token, "/api/v1/me/notifications/read", &json!({})).await.json["marked"], 0);
    }

    async fn preferences_switch_channels_off_but_urgent_notices_still_show_in_the_app(app: TestApp) {
        let (resident, token) = register_with_email(&app, "13800138207", "zhou@linli.test", "zh-CN", "周阿姨").await;
        let defaults = app.get_as(&token, "/api/v1/me/notification-preferences").await;
        assert_eq!(defaults.status, 200, "{}", defaults.text);
        assert_eq!(defaults.json, json!([
            {"category": "account", "in_app": true, "email": true},
            {"category": "volunteering", "in_app": true, "email": true},
            {"category": "proxies", "in_app": true, "email": true},
            {"category": "needs", "in_app": true, "email": true},
            {"category": "points", "in_app": true, "email": true},
        ]));
        let updated = app.put_as(&token, "/api/v1/me/notification-preferences", &json!({"preferences": [
            {"category": "volunteering", "in_app": false, "email": false},
            {"category": "proxies", "in_app": false, "email": false},
        ]})).await;
        assert_eq!(updated.status, 200, "{}", updated.text);
        assert_eq!(updated.json[1], json!({"category": "volunteering", "in_app": false, "email": false}));
        let again = app.put_as(&token, "/api/v1/me/notification-preferences", &json!({"preferences": [
            {"category": "proxies", "in_app": false, "email": true},
        ]})).await;
        assert_eq!(again.json[2], json!({"category": "proxies", "in_app": false, "email": true}));
        assert_eq!(again.json[1]["in_app"], false, "categories left out keep their choice");
        app.put_as(&token, "/api/v1/me/notification-preferences", &json!({"preferences": [
            {"category": "account", "in_app": true, "email": true},
            {"category": "account", "in_app": false, "email": true},
        ]})).await.assert_problem(422, "validation_failed");
        let unknown = app.put_as(&token, "/api/v1/me/notification-preferences", &json!({"preferences": [{"category": "gossip", "in_app": true, "email": true}]})).await;
        assert!((400..500).contains(&unknown.status), "{}", unknown.text);
        assert_eq!(app.get_as(&token, "/api/v1/me/notification-preferences").await.json, again.json, "refused input changes nothing");

        let profile: Value = serde_json::from_str(PROFILE).expect("json");
        assert_eq!(app.put_as(&token, "/api/v1/me/volunteer-profile", &profile).await.status, 200);
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        assert_eq!(app.post_as(&staff, &format!("/api/v1/volunteers/{resident}/verification"), &json!({})).await.status, 200);
        let (proxy, _) = app.resident("13800138208", "dongguan-g1").await;
        let consent = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": resident, "proxy_id": proxy, "relationship": "family"})).await;
        assert_eq!(consent.status, 201, "{}", consent.text);
        assert_eq!(app.delete_as(&staff, &format!("/api/v1/proxy-consents/{}", consent.json["id"])).await.status, 200);
        let page = notifications(&app, &token, "").await;
        assert_eq!(topics(&page), ["proxy_consent.granted", "account.welcome"], "volunteering is off; only the urgent proxy notice shows");

        let (_, admin) = app.staff("13900000009", Role::PlatformAdmin, None).await;
        let recipient = resident.to_string();
        let emails: Vec<String> = outbox(&app, &admin, "?channel=email").await.iter()
            .filter(|m| m["recipient"] == recipient.as_str())
            .map(|m| m["topic"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(emails, ["proxy_consent.revoked", "proxy_consent.granted", "account.welcome"], "email follows the email choice");
    }
}
