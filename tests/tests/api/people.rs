//! Volunteer and resident profiles, verification, proxies, and personal-data rights.

use linli_domain::access::Role;
use linli_tests::{PASSWORD, engine_tests};
use serde_json::json;

/// A valid resident ID number (GB 11643 check character).
const ID_NUMBER: &str = "11010519491231002X";

fn volunteer_profile() -> serde_json::Value {
    json!({
        "service_radius": "community",
        "languages": ["普通话", "汉中话"],
        "skills": ["elder_care", "companionship"],
        "availability": [{"weekday": 6, "start_minute": 540, "end_minute": 720}],
        "real_name": "陈晓东",
        "id_number": ID_NUMBER,
    })
}

engine_tests! {
    async fn a_volunteer_saves_a_profile_and_staff_verify_it(app: TestApp) {
        let (volunteer, token) = app.resident("13800138000", "dongguan-g1").await;
        let reply = app.send_as(&token, app.client.put(format!("{}/api/v1/me/volunteer-profile", app.address)).json(&volunteer_profile())).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.json["id_number"], ID_NUMBER, "the volunteer sees their own data unmasked");
        assert!(reply.json["verified_at"].is_null());
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let masked = app.get_as(&staff, &format!("/api/v1/volunteers/{volunteer}")).await;
        assert_eq!(masked.status, 200, "{}", masked.text);
        assert_eq!(masked.json["real_name"], "陈**");
        assert_eq!(masked.json["id_number"], "110105********002X");
        let verified = app.post_as(&staff, &format!("/api/v1/volunteers/{volunteer}/verification"), &json!({})).await;
        assert_eq!(verified.status, 200, "{}", verified.text);
        assert!(verified.json["verified_at"].is_string());
        let me = app.get_as(&token, "/api/v1/me").await;
        assert!(me.json["roles"].as_array().expect("roles").iter().any(|r| r["role"] == "volunteer"), "{}", me.text);
    }

    async fn revealing_personal_data_is_audited(app: TestApp) {
        let (volunteer, token) = app.resident("13800138000", "dongguan-g1").await;
        app.send_as(&token, app.client.put(format!("{}/api/v1/me/volunteer-profile", app.address)).json(&volunteer_profile())).await;
        let (_, staff) = app.staff("13900000004", Role::SocialWorker, Some("-dongguan")).await;
        let revealed = app.get_as(&staff, &format!("/api/v1/volunteers/{volunteer}?reveal=true")).await;
        assert_eq!(revealed.json["id_number"], ID_NUMBER);
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let events = app.get_as(&platform, "/api/v1/audit-events").await;
        assert!(events.json.as_array().expect("events").iter().any(|e| e["action"] == "personal_data.revealed" && e["subject_id"].as_str() == Some(volunteer.to_string().as_str())));
    }

    async fn staff_of_another_community_cannot_see_or_verify(app: TestApp) {
        let (volunteer, token) = app.resident("13800138000", "dongguan-g1").await;
        app.send_as(&token, app.client.put(format!("{}/api/v1/me/volunteer-profile", app.address)).json(&volunteer_profile())).await;
        let (_, outsider) = app.staff("13900000003", Role::CommunityStaff, Some("-beiguan")).await;
        app.get_as(&outsider, &format!("/api/v1/volunteers/{volunteer}")).await.assert_problem(404, "volunteer_not_found");
        app.post_as(&outsider, &format!("/api/v1/volunteers/{volunteer}/verification"), &json!({})).await.assert_problem(404, "volunteer_not_found");
        let (_, neighbour) = app.resident("13800138001", "dongguan-g1").await;
        app.get_as(&neighbour, &format!("/api/v1/volunteers/{volunteer}")).await.assert_problem(404, "volunteer_not_found");
        let own = app.get_as(&token, "/api/v1/me/volunteer-profile").await;
        assert!(own.json["verified_at"].is_null(), "nothing changed");
    }

    async fn verification_needs_a_name_and_id_number(app: TestApp) {
        let (volunteer, token) = app.resident("13800138000", "dongguan-g1").await;
        let mut profile = volunteer_profile();
        profile["real_name"] = serde_json::Value::Null;
        profile["id_number"] = serde_json::Value::Null;
        app.send_as(&token, app.client.put(format!("{}/api/v1/me/volunteer-profile", app.address)).json(&profile)).await;
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        app.post_as(&staff, &format!("/api/v1/volunteers/{volunteer}/verification"), &json!({})).await.assert_problem(409, "profile_incomplete");
    }

    async fn bad_profiles_list_every_field_and_save_nothing(app: TestApp) {
        let (_, token) = app.resident("13800138000", "dongguan-g1").await;
        let url = format!("{}/api/v1/me/volunteer-profile", app.address);
        let bad = json!({
            "service_radius": "grid",
            "availability": [{"weekday": 1, "start_minute": 600, "end_minute": 540}, {"weekday": 9, "start_minute": 0, "end_minute": 60}],
            "id_number": "110105194912310021",
        });
        let reply = app.send_as(&token, app.client.put(&url).json(&bad)).await;
        let problem = reply.assert_problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap_or_default()).collect();
        assert_eq!(fields, ["availability[0]", "availability[1]", "id_number"]);
        let unknown = app.send_as(&token, app.client.put(&url).json(&json!({"service_radius": "grid", "skills": ["juggling"]}))).await;
        assert_eq!(unknown.assert_problem(422, "validation_failed")["errors"][0]["code"], "unknown_skill");
        app.get_as(&token, "/api/v1/me/volunteer-profile").await.assert_problem(404, "volunteer_not_found");
    }

    async fn credentials_are_valid_once_checked_by_staff(app: TestApp) {
        let (_, token) = app.resident("13800138000", "dongguan-g1").await;
        app.send_as(&token, app.client.put(format!("{}/api/v1/me/volunteer-profile", app.address)).json(&volunteer_profile())).await;
        let added = app.post_as(&token, "/api/v1/me/credentials", &json!({"kind": "training", "title": "助浴培训", "expires_at": "2030-01-01T00:00:00Z"})).await;
        assert_eq!(added.status, 201, "{}", added.text);
        assert_eq!(added.json["valid"], false);
        let id = added.json["id"].clone();
        app.post_as(&token, &format!("/api/v1/credentials/{id}/verification"), &json!({})).await.assert_problem(404, "credential_not_found");
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let verified = app.post_as(&staff, &format!("/api/v1/credentials/{id}/verification"), &json!({})).await;
        assert_eq!((verified.status, verified.json["valid"].as_bool()), (200, Some(true)), "{}", verified.text);
    }

    async fn staff_verify_resident_eligibility_and_the_resident_sees_it(app: TestApp) {
        let (resident, token) = app.resident("13800138000", "dongguan-g1").await;
        let saved = app
            .send_as(&token, app.client.put(format!("{}/api/v1/me/resident-profile", app.address)).json(&json!({"birth_date": "1944-03-08", "address": "汉中市汉台区东大街12号3单元", "id_number": ID_NUMBER})))
            .await;
        assert_eq!(saved.status, 200, "{}", saved.text);
        assert!(saved.json["age"].as_u64().expect("an age") >= 80);
        let (_, staff) = app.staff("13900000004", Role::SocialWorker, Some("-dongguan")).await;
        let url = format!("/api/v1/residents/{resident}/eligibility");
        let bad = app.send_as(&staff, app.client.put(format!("{}{url}", app.address)).json(&json!({"low_income": true, "disability_level": 5, "lives_alone": true, "disabled": false, "evidence_notes": ""}))).await;
        let fields: Vec<&str> = bad.assert_problem(422, "validation_failed")["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap_or_default()).collect();
        assert_eq!(fields, ["disability_level", "evidence_notes"]);
        let ok = app.send_as(&staff, app.client.put(format!("{}{url}", app.address)).json(&json!({"low_income": true, "disability_level": 2, "lives_alone": true, "disabled": false, "evidence_notes": "入户核查，低保证 No.123"}))).await;
        assert_eq!(ok.status, 200, "{}", ok.text);
        assert_eq!(ok.json["address"], "汉中市汉台区****");
        assert_eq!(ok.json["phone"], "138****8000");
        let own = app.get_as(&token, "/api/v1/me/resident-profile").await;
        assert_eq!(own.json["eligibility"]["disability_level"], 2);
        assert!(own.json["eligibility"]["verified_at"].is_string());
        let (_, outsider) = app.staff("13900000005", Role::SocialWorker, Some("-caoba")).await;
        app.get_as(&outsider, &format!("/api/v1/residents/{resident}")).await.assert_problem(404, "resident_not_found");
        app.send_as(&token, app.client.put(format!("{}{url}", app.address)).json(&json!({"low_income": true, "disability_level": 3, "lives_alone": true, "disabled": true, "evidence_notes": "自己说的"})))
            .await
            .assert_problem(404, "resident_not_found");
    }

    async fn grid_workers_act_for_residents_only_with_a_consent(app: TestApp) {
        let (resident, resident_token) = app.resident("13800138000", "dongguan-g1").await;
        let (worker, _) = app.staff("13900000005", Role::GridWorker, Some("dongguan-g1")).await;
        let (other_worker, _) = app.staff("13900000006", Role::GridWorker, Some("dongguan-g2")).await;
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let wrong_grid = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": resident, "proxy_id": other_worker, "relationship": "grid_worker"})).await;
        wrong_grid.assert_problem(422, "not_the_grid_worker");
        app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": resident, "proxy_id": resident, "relationship": "family"}))
            .await
            .assert_problem(422, "self_proxy");
        let created = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": resident, "proxy_id": worker, "relationship": "grid_worker"})).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let again = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": resident, "proxy_id": worker, "relationship": "grid_worker"})).await;
        assert_eq!(again.status, 200);
        let listed = app.get_as(&resident_token, &format!("/api/v1/residents/{resident}/proxy-consents")).await;
        assert_eq!(listed.json.as_array().expect("consents").len(), 1);
        let id = created.json["id"].clone();
        app.delete_as(&resident_token, &format!("/api/v1/proxy-consents/{id}")).await.assert_problem(404, "resident_not_found");
        let revoked = app.delete_as(&staff, &format!("/api/v1/proxy-consents/{id}")).await;
        assert!(revoked.json["revoked_at"].is_string(), "{}", revoked.text);
        app.delete_as(&staff, &format!("/api/v1/proxy-consents/{id}")).await.assert_problem(409, "already_revoked");
        let db = app.db();
        let acts = db
            .run(move |conn| linli_domain::proxies::store::may_act_for(conn, linli_domain::accounts::UserId(worker), linli_domain::accounts::UserId(resident)))
            .await
            .expect("readable");
        assert!(!acts);
    }

    async fn a_person_exports_their_data_and_closes_the_account(app: TestApp) {
        let (id, token) = app.resident("13800138000", "dongguan-g1").await;
        app.send_as(&token, app.client.put(format!("{}/api/v1/me/volunteer-profile", app.address)).json(&volunteer_profile())).await;
        let export = app.get_as(&token, "/api/v1/me/export").await;
        assert_eq!(export.status, 200, "{}", export.text);
        assert_eq!(export.json["account"]["phone"], "13800138000");
        assert_eq!(export.json["volunteer_profile"]["id_number"], ID_NUMBER);
        assert_eq!(export.json["roles"][0]["role"], "resident");
        app.post_as(&token, "/api/v1/me/closure", &json!({"password": "not-my-password"})).await.assert_problem(403, "wrong_password");
        assert_eq!(app.get_as(&token, "/api/v1/me").await.status, 200, "a wrong password changes nothing");
        let closed = app.post_as(&token, "/api/v1/me/closure", &json!({"password": PASSWORD})).await;
        assert_eq!(closed.status, 204, "{}", closed.text);
        app.get_as(&token, "/api/v1/me").await.assert_problem(401, "invalid_token");
        app.post_json("/api/v1/sessions", &json!({"phone": "13800138000", "password": PASSWORD})).await.assert_problem(401, "invalid_credentials");
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let profile = app.get_as(&staff, &format!("/api/v1/volunteers/{id}?reveal=true")).await;
        assert_eq!(profile.json["display_name"], "已注销用户");
        assert!(profile.json["id_number"].is_null() && profile.json["real_name"].is_null(), "{}", profile.text);
        assert_eq!(app.register("13800138000", "dongguan-g1").await.status, 201, "the number is free again");
    }
}
