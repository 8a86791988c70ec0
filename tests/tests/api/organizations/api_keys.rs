//! Partner API keys: created once, listed without secrets, scoped, revocable, and limited to
//! their own organization.

use std::time::Duration;

use diesel::prelude::*;
use linli_domain::access::Role;
use linli_domain::schema::api_keys;
use linli_tests::engine_tests;
use serde_json::json;

use super::{create_key, found, path, verified_team, verify_as_dongguan_staff};

engine_tests! {
    async fn a_key_is_shown_once_listed_without_its_secret_and_works_for_its_organization(app: TestApp) {
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let created = create_key(&app, &admin, &id, &["organization:read", "needs:read", "needs:read"]).await;
        let secret = created["secret"].as_str().expect("a secret").to_owned();
        assert!(secret.starts_with("lk_") && secret.len() == 53, "{secret}");
        assert_eq!((created["status"].as_str(), created["scopes"].clone()), (Some("active"), json!(["needs:read", "organization:read"])));
        assert_eq!(created["display_prefix"].as_str(), Some(&secret[..11]));
        let partner = app.get_as(&secret, "/api/v1/partner/organization").await;
        assert_eq!(partner.status, 200, "{}", partner.text);
        assert_eq!((&partner.json["id"], partner.json["contact_phone"].as_str()), (&id, Some("13800138000")));
        let listed = app.get_as(&admin, &path(&id, "/api-keys")).await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        assert!(!listed.text.contains(&secret[3..46]) && !listed.text.contains("secret"), "{}", listed.text);
        assert_eq!(listed.json.as_array().map(Vec::len), Some(1));
        assert!(listed.json[0]["last_used_at"].is_string(), "the partner call is recorded: {}", listed.text);
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let events = app.get_as(&platform, "/api/v1/audit-events").await;
        let created_event = events.json.as_array().expect("events").iter().find(|e| e["action"] == "api_key.created").cloned().expect("audited");
        assert!(!created_event.to_string().contains(&secret[3..46]), "no secret in the audit log");
    }

    async fn unverified_organizations_and_non_admins_get_no_keys(app: TestApp) {
        let (_, admin) = app.resident("13800138000", "dongguan-g1").await;
        let (member_id, member) = app.resident("13800138001", "dongguan-g1").await;
        let team = found(&app, &admin, "东关社区志愿服务队", &["dongguan"]).await;
        let id = &team["id"];
        let added = app.post_as(&admin, &path(id, "/members"), &json!({"user_id": member_id, "role": "leader"})).await;
        assert_eq!(added.status, 201, "{}", added.text);
        let body = json!({"name": "ERP", "scopes": ["organization:read"]});
        app.post_as(&admin, &path(id, "/api-keys"), &body).await.assert_problem(409, "organization_not_verified");
        verify_as_dongguan_staff(&app, id, "13900000003").await;
        app.post_as(&member, &path(id, "/api-keys"), &body).await.assert_problem(403, "not_organization_admin");
        app.get_as(&member, &path(id, "/api-keys")).await.assert_problem(403, "not_organization_admin");
        app.post_as(&admin, "/api/v1/organizations/987654/api-keys", &body).await.assert_problem(404, "organization_not_found");
        let listed = app.get_as(&admin, &path(id, "/api-keys")).await;
        assert_eq!(listed.json, json!([]), "{}", listed.text);
    }

    async fn bad_key_requests_are_refused_with_their_codes_and_nothing_is_created(app: TestApp) {
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let reply = app.post_as(&admin, &path(&id, "/api-keys"), &json!({"name": "ERP", "scopes": ["organization:read", "admin:all"]})).await;
        let problem = reply.assert_problem(422, "validation_failed");
        assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some("scopes[1]"), Some("not_allowed")));
        let past = "2020-01-01T00:00:00Z";
        let reply = app.post_as(&admin, &path(&id, "/api-keys"), &json!({"name": " ", "scopes": [], "expires_at": past})).await;
        let problem = reply.assert_problem(422, "validation_failed");
        let codes: Vec<&str> = problem["errors"].as_array().expect("errors").iter().map(|e| e["code"].as_str().unwrap_or_default()).collect();
        assert_eq!(codes, ["length", "too_few", "not_in_future"]);
        let listed = app.get_as(&admin, &path(&id, "/api-keys")).await;
        assert_eq!(listed.json, json!([]), "{}", listed.text);
    }

    async fn a_key_without_the_scope_gets_403_missing_scope(app: TestApp) {
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let created = create_key(&app, &admin, &id, &["needs:read", "orders:write"]).await;
        let secret = created["secret"].as_str().expect("a secret");
        let reply = app.get_as(secret, "/api/v1/partner/organization").await;
        let problem = reply.assert_problem(403, "missing_scope");
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("organization:read")), "{}", reply.text);
    }

    async fn a_key_is_refused_while_its_organization_awaits_verification_again(app: TestApp) {
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let key = create_key(&app, &admin, &id, &["organization:read"]).await;
        let secret = key["secret"].as_str().expect("a secret");
        let renamed = app.patch_as(&admin, &path(&id, ""), &json!({"name_zh": "东关社区青年志愿服务队"})).await;
        assert_eq!(renamed.json["verified"], false, "{}", renamed.text);
        app.get_as(secret, "/api/v1/partner/organization").await.assert_problem(403, "organization_not_verified");
        verify_as_dongguan_staff(&app, &id, "13900000013").await;
        let reply = app.get_as(secret, "/api/v1/partner/organization").await;
        assert_eq!((reply.status, reply.json["name_zh"].as_str()), (200, Some("东关社区青年志愿服务队")), "{}", reply.text);
    }

    async fn revoked_expired_tampered_and_unknown_keys_get_401(app: TestApp) {
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let revoked = create_key(&app, &admin, &id, &["organization:read"]).await;
        let expired = create_key(&app, &admin, &id, &["organization:read"]).await;
        let secret = revoked["secret"].as_str().expect("a secret");
        assert_eq!(app.get_as(secret, "/api/v1/partner/organization").await.status, 200);
        let key_path = path(&id, &format!("/api-keys/{}", revoked["id"]));
        assert_eq!(app.delete_as(&admin, &key_path).await.status, 204);
        assert_eq!(app.delete_as(&admin, &key_path).await.status, 204, "revoking twice changes nothing");
        app.get_as(secret, "/api/v1/partner/organization").await.assert_problem(401, "invalid_api_key");
        let expired_id = expired["id"].as_i64().expect("an id");
        let long_ago = linli_domain::time::now_utc() - Duration::from_secs(30 * 86_400);
        app.db()
            .run(move |conn| {
                diesel::update(api_keys::table.find(expired_id))
                    .set((api_keys::created_at.eq(long_ago), api_keys::expires_at.eq(long_ago + Duration::from_secs(86_400))))
                    .execute(conn)
                    .map_err(linli_domain::db::StoreError::from)
            })
            .await
            .expect("the key is backdated");
        let expired_secret = expired["secret"].as_str().expect("a secret");
        app.get_as(expired_secret, "/api/v1/partner/organization").await.assert_problem(401, "invalid_api_key");
        let listed = app.get_as(&admin, &path(&id, "/api-keys")).await;
        let statuses: Vec<&str> = listed.json.as_array().expect("keys").iter().map(|k| k["status"].as_str().unwrap_or_default()).collect();
        assert_eq!(statuses, ["expired", "revoked"]);
        let live = create_key(&app, &admin, &id, &["organization:read"]).await;
        let live = live["secret"].as_str().expect("a secret");
        let last = live.chars().last().expect("a checksum");
        let tampered_checksum = format!("{}{}", &live[..live.len() - 1], if last == '0' { '1' } else { '0' });
        let tampered_body = format!("lk_{}{}", if &live[3..4] == "A" { "B" } else { "A" }, &live[4..]);
        let session = app.login("13800138000").await;
        for garbage in [tampered_checksum.as_str(), tampered_body.as_str(), "lk_nothing", session.as_str()] {
            app.get_as(garbage, "/api/v1/partner/organization").await.assert_problem(401, "invalid_api_key");
        }
        app.get("/api/v1/partner/organization").await.assert_problem(401, "unauthenticated");
        app.get_as(live, "/api/v1/me").await.assert_problem(401, "invalid_token");
        assert_eq!(app.get_as(live, "/api/v1/partner/organization").await.status, 200);
    }

    async fn keys_of_one_organization_are_out_of_reach_of_another(app: TestApp) {
        let (team_a, admin_a) = verified_team(&app, "13800138000", "13900000003").await;
        let (_, admin_b) = app.resident("13800138001", "dongguan-g2").await;
        let team_b = found(&app, &admin_b, "东关社区第二志愿服务队", &["dongguan"]).await;
        let team_b = team_b["id"].clone();
        verify_as_dongguan_staff(&app, &team_b, "13900000013").await;
        let key_a = create_key(&app, &admin_a, &team_a, &["organization:read"]).await;
        let key_b = create_key(&app, &admin_b, &team_b, &["organization:read"]).await;
        app.delete_as(&admin_a, &path(&team_a, &format!("/api-keys/{}", key_b["id"])))
            .await
            .assert_problem(404, "api_key_not_found");
        app.delete_as(&admin_a, &path(&team_b, &format!("/api-keys/{}", key_b["id"])))
            .await
            .assert_problem(403, "not_organization_admin");
        app.get_as(&admin_a, &path(&team_b, "/api-keys")).await.assert_problem(403, "not_organization_admin");
        let seen_by_a = app.get_as(key_a["secret"].as_str().expect("a secret"), "/api/v1/partner/organization").await;
        assert_eq!(seen_by_a.json["id"], team_a);
        let seen_by_b = app.get_as(key_b["secret"].as_str().expect("a secret"), "/api/v1/partner/organization").await;
        assert_eq!((seen_by_b.status, &seen_by_b.json["id"]), (200, &team_b), "B's key still works: {}", seen_by_b.text);
    }
}
