//! Creating, showing, listing, changing and verifying organizations.

use linli_domain::access::Role;
use linli_tests::engine_tests;
use serde_json::json;

use super::{found, path, verify_as_dongguan_staff};

engine_tests! {
    async fn anyone_signed_in_founds_an_organization_and_becomes_its_unverified_admin(app: TestApp) {
        let (founder, token) = app.resident("13800138000", "dongguan-g1").await;
        let dongguan = app.area("-dongguan").await;
        let reply = app
            .post_as(&token, "/api/v1/organizations", &json!({
                "kind": "social_org", "name_zh": " 汉台区阳光社工服务中心 ", "name_en": "Sunshine",
                "description": "个案管理", "contact_phone": "0916-2345678",
                "service_area_ids": [dongguan, dongguan],
            }))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        let organization = &reply.json;
        assert_eq!(organization["name_zh"], "汉台区阳光社工服务中心");
        assert_eq!(organization["kind"], "social_org");
        assert_eq!(organization["service_area_ids"], json!([dongguan]));
        assert_eq!((organization["verified"].as_bool(), organization["my_role"].as_str()), (Some(false), Some("admin")));
        assert_eq!(organization["contact_phone"], "09162345678");
        let members = app.get_as(&token, &path(&organization["id"], "/members")).await;
        assert_eq!(members.status, 200, "{}", members.text);
        assert_eq!(members.json, json!([{"user_id": founder, "display_name": "居民8000", "role": "admin", "joined_at": members.json[0]["joined_at"]}]));
        app.post_json("/api/v1/organizations", &json!({"kind": "charity", "name_zh": "x", "service_area_ids": [dongguan]}))
            .await
            .assert_problem(401, "unauthenticated");
    }

    async fn bad_profiles_are_refused_with_their_codes_and_nothing_is_created(app: TestApp) {
        let (_, token) = app.resident("13800138000", "dongguan-g1").await;
        let dongguan = app.area("-dongguan").await;
        let grid = app.area("dongguan-g1").await;
        let reply = app.post_as(&token, "/api/v1/organizations", &json!({"kind": "charity", "name_zh": "  ", "contact_phone": "12345", "service_area_ids": [dongguan]})).await;
        let problem = reply.assert_problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap_or_default()).collect();
        assert_eq!(fields, ["name_zh", "contact_phone"]);
        app.post_as(&token, "/api/v1/organizations", &json!({"kind": "charity", "name_zh": "慈善会", "service_area_ids": [999_999]}))
            .await
            .assert_problem(422, "unknown_area");
        app.post_as(&token, "/api/v1/organizations", &json!({"kind": "charity", "name_zh": "慈善会", "service_area_ids": [grid]}))
            .await
            .assert_problem(422, "wrong_area_level");
        let reply = app.post_as(&token, "/api/v1/organizations", &json!({"kind": "club", "name_zh": "慈善会", "service_area_ids": [dongguan]})).await;
        let problem = reply.assert_problem(422, "validation_failed");
        assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some("kind"), Some("not_allowed")));
        app.post_as(&token, "/api/v1/organizations", &json!({"kind": "charity", "name_zh": "慈善会", "service_area_ids": []}))
            .await
            .assert_problem(422, "validation_failed");
        let listed = app.get_as(&token, "/api/v1/organizations").await;
        assert_eq!(listed.json, json!([]), "{}", listed.text);
    }

    async fn only_staff_over_a_served_community_verify_it_and_the_record_says_who_and_when(app: TestApp) {
        let (_, admin) = app.resident("13800138000", "dongguan-g1").await;
        let team = found(&app, &admin, "东关社区志愿服务队", &["dongguan"]).await;
        let id = &team["id"];
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let district = app.area("610702").await;
        let street = app.post_as(&platform, "/api/v1/areas", &json!({"parent_id": district, "level": "street", "code": "610702-xidajie", "name_zh": "西大街道", "name_en": "Xidajie Street"})).await;
        assert_eq!(street.status, 201, "{}", street.text);
        let (_, other_street) = app.staff("13900000011", Role::StreetAdmin, Some("-xidajie")).await;
        let (_, other_community) = app.staff("13900000012", Role::CommunityStaff, Some("-beiguan")).await;
        let (_, social_worker) = app.staff("13900000013", Role::SocialWorker, Some("-dongguan")).await;
        for token in [&other_street, &other_community, &social_worker, &admin] {
            app.post_as(token, &path(id, "/verification"), &json!({}))
                .await
                .assert_problem(403, "verification_not_allowed");
        }
        app.post_as(&admin, "/api/v1/organizations/987654/verification", &json!({}))
            .await
            .assert_problem(404, "organization_not_found");
        let unchanged = app.get_as(&admin, &path(id, "")).await;
        assert_eq!(unchanged.json["verified"], false);
        let (staff_id, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let verified = app.post_as(&staff, &path(id, "/verification"), &json!({})).await;
        assert_eq!(verified.status, 200, "{}", verified.text);
        assert_eq!((verified.json["verified"].as_bool(), verified.json["verified_by"].as_i64()), (Some(true), Some(staff_id)));
        let (_, street_admin) = app.staff("13900000002", Role::StreetAdmin, Some("-dongdajie")).await;
        let again = app.post_as(&street_admin, &path(id, "/verification"), &json!({})).await;
        assert_eq!(again.status, 200, "{}", again.text);
        assert_eq!((&again.json["verified_at"], again.json["verified_by"].as_i64()), (&verified.json["verified_at"], Some(staff_id)));
        let events = app.get_as(&platform, "/api/v1/audit-events").await;
        let verifications: Vec<_> = events.json.as_array().expect("events").iter().filter(|e| e["action"] == "organization.verified").collect();
        assert_eq!(verifications.len(), 1, "{}", events.text);
        assert_eq!((verifications[0]["actor_id"].as_i64(), &verifications[0]["subject_id"]), (Some(staff_id), &json!(id.to_string())));
    }

    async fn the_public_profile_masks_the_contact_number_and_hides_members(app: TestApp) {
        let (_, admin) = app.resident("13800138001", "dongguan-g1").await;
        let team = found(&app, &admin, "东关社区志愿服务队", &["dongguan"]).await;
        verify_as_dongguan_staff(&app, &team["id"], "13900000003").await;
        let id = &team["id"];
        let (_, outsider) = app.resident("13800138002", "beiguan-g1").await;
        let public = app.get_as(&outsider, &path(id, "")).await;
        assert_eq!(public.status, 200, "{}", public.text);
        assert_eq!(public.json["contact_phone"], "138****8000");
        assert_eq!((public.json["verified"].as_bool(), public.json["verified_by"].as_i64(), public.json["my_role"].as_str()), (Some(true), None, None));
        assert!(!public.text.contains("13800138001"), "no personal data: {}", public.text);
        app.get_as(&outsider, &path(id, "/members")).await.assert_problem(403, "members_hidden");
        let (_, social_worker) = app.staff("13900000004", Role::SocialWorker, Some("-dongguan")).await;
        let staff_view = app.get_as(&social_worker, &path(id, "")).await;
        assert_eq!(staff_view.json["contact_phone"], "13800138000");
        assert_eq!(app.get_as(&social_worker, &path(id, "/members")).await.status, 200);
        let listed = app.get_as(&outsider, "/api/v1/organizations?kind=volunteer_team").await;
        assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "{}", listed.text);
        assert_eq!(listed.json[0]["contact_phone"], "138****8000");
        for (filter, expected) in [("kind=charity", 0), ("verified=false", 0), ("verified=true", 1)] {
            let listed = app.get_as(&outsider, &format!("/api/v1/organizations?{filter}")).await;
            assert_eq!(listed.json.as_array().map(Vec::len), Some(expected), "{filter}: {}", listed.text);
        }
        for (suffix, expected) in [("dongguan-g2", 1), ("-dongguan", 1), ("-dongdajie", 1), ("610702", 1), ("beiguan-g1", 0), ("-beiguan", 0)] {
            let area = app.area(suffix).await;
            let listed = app.get_as(&outsider, &format!("/api/v1/organizations?area_id={area}")).await;
            assert_eq!(listed.json.as_array().map(Vec::len), Some(expected), "{suffix}: {}", listed.text);
        }
        let mine = app.get_as(&admin, "/api/v1/organizations?mine=true").await;
        assert_eq!((mine.json.as_array().map(Vec::len), mine.json[0]["my_role"].as_str()), (Some(1), Some("admin")), "{}", mine.text);
        let none = app.get_as(&outsider, "/api/v1/organizations?mine=true").await;
        assert_eq!(none.json, serde_json::json!([]), "{}", none.text);
        app.get_as(&outsider, "/api/v1/organizations?mine=maybe").await.assert_problem(400, "invalid_parameter");
        app.get_as(&outsider, "/api/v1/organizations?area_id=987654").await.assert_problem(404, "area_not_found");
        app.get_as(&outsider, "/api/v1/organizations/987654").await.assert_problem(404, "organization_not_found");
        app.get_as(&outsider, "/api/v1/organizations?kind=club").await.assert_problem(400, "invalid_parameter");
    }

    async fn admins_change_the_profile_and_renaming_needs_verification_again(app: TestApp) {
        let (_, admin) = app.resident("13800138000", "dongguan-g1").await;
        let team = found(&app, &admin, "东关社区志愿服务队", &["dongguan"]).await;
        let id = &team["id"];
        verify_as_dongguan_staff(&app, id, "13900000003").await;
        let (_, outsider) = app.resident("13800138001", "dongguan-g1").await;
        app.patch_as(&outsider, &path(id, ""), &json!({"description": "篡改"}))
            .await
            .assert_problem(403, "not_organization_admin");
        let described = app.patch_as(&admin, &path(id, ""), &json!({"description": "每周六上午集中服务", "contact_phone": ""})).await;
        assert_eq!(described.status, 200, "{}", described.text);
        assert_eq!((described.json["description"].as_str(), described.json["verified"].as_bool()), (Some("每周六上午集中服务"), Some(true)));
        assert_eq!(described.json["contact_phone"], serde_json::Value::Null);
        let beiguan = app.area("-beiguan").await;
        app.patch_as(&admin, &path(id, ""), &json!({"name_zh": "", "service_area_ids": [beiguan]}))
            .await
            .assert_problem(422, "validation_failed");
        app.patch_as(&admin, &path(id, ""), &json!({"service_area_ids": [987_654]}))
            .await
            .assert_problem(422, "unknown_area");
        let unchanged = app.get_as(&admin, &path(id, "")).await;
        assert_eq!((unchanged.json["name_zh"].as_str(), unchanged.json["verified"].as_bool()), (Some("东关社区志愿服务队"), Some(true)));
        let moved = app.patch_as(&admin, &path(id, ""), &json!({"service_area_ids": [beiguan]})).await;
        assert_eq!(moved.status, 200, "{}", moved.text);
        assert_eq!((moved.json["service_area_ids"].clone(), moved.json["verified"].as_bool()), (json!([beiguan]), Some(false)));
        app.patch_as(&admin, "/api/v1/organizations/987654", &json!({"description": "x"}))
            .await
            .assert_problem(404, "organization_not_found");
    }
}
