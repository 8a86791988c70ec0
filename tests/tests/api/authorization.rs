//! The object-level authorization walk: every operation whose path names an object is called,
//! generated from the OpenAPI document, by a principal who must not reach that object, and
//! must answer 403 or 404. A new operation with an unknown path parameter fails this test
//! until the walk knows how to name an object for it.

use std::collections::BTreeMap;

use linli_domain::access::Role;
use linli_tests::engine_tests;
use serde_json::{Value, json};

/// Operations an outsider may legitimately call on another's object, and why.
const PUBLIC: &[(&str, &str)] = &[
    ("get_organization", "public profiles carry no personal data"),
    (
        "get_points_policy",
        "what an hour of help earns is public to every volunteer",
    ),
    ("get_partner_webhook_endpoint", PARTNER),
    ("update_partner_webhook_endpoint", PARTNER),
    ("delete_partner_webhook_endpoint", PARTNER),
    ("rotate_partner_webhook_secret", PARTNER),
    ("test_partner_webhook_endpoint", PARTNER),
    ("list_partner_webhook_deliveries", PARTNER),
    ("respond_to_partner_offer", PARTNER),
    ("assign_partner_offer_members", PARTNER),
    ("fulfil_partner_redemption", PARTNER),
    ("update_partner_offering", PARTNER),
    ("get_partner_order", PARTNER),
    ("respond_to_partner_order", PARTNER),
    ("start_partner_order", PARTNER),
    ("complete_partner_order", PARTNER),
    ("record_partner_payment", PARTNER),
    ("get_partner_settlement", PARTNER),
];

/// Partner operations answer a session token with 401; the key's organization bounds them,
/// which `webhooks::partners_need_webhooks_manage_and_reach_only_their_own_endpoints` checks.
const PARTNER: &str = "partner API key operation, limited to the key's organization";

/// A valid body for operations that take one, so that validation cannot answer first.
fn body_for(operation: &str) -> Value {
    match operation {
        "verify_resident_eligibility" => {
            json!({"low_income": true, "disability_level": 1, "lives_alone": true, "disabled": false, "evidence_notes": "入户核查"})
        }
        "update_area" => json!({"name_zh": "改名"}),
        "add_honour_hours" => json!({"hours": 2, "reason": "越界测试"}),
        "update_points_policy" => {
            json!({"effective_from": "2099-01-01", "terms": {"points_per_hour": 10, "urgent_bonus_percent": 20, "relative_transfers_allowed": true}})
        }
        "update_organization" => json!({"name_zh": "改名", "description": "x"}),
        "add_organization_member" => json!({"user_id": 1, "role": "member"}),
        "create_api_key" => json!({"name": "walk", "scopes": ["organization:read"]}),
        "create_webhook_endpoint" => {
            json!({"url": "http://127.0.0.1:9/h", "events": ["organization.updated"]})
        }
        "update_webhook_endpoint" => json!({"enabled": false}),
        "update_service_category" => {
            json!({"name_zh": "改名", "name_en": "Renamed", "mode": "both", "points_weight": "1", "safeguarding": {}})
        }
        "update_need" => {
            json!({"description": "x", "window_start": "2030-01-01T01:00:00Z", "window_end": "2030-01-01T03:00:00Z", "duration_minutes": 60, "headcount": 1})
        }
        "cancel_need" | "dispute_need" => json!({"reason": "walk"}),
        "check_in" | "check_out" => json!({"code": "0000"}),
        "resolve_dispute" => json!({"resolution": "uphold", "reason": "walk"}),
        "report_no_show" => json!({"helper_id": 1}),
        "dispatch_need" => json!({"targets": [{"user_id": 1}]}),
        "respond_to_offer" => json!({"accept": false}),
        "assign_offer_members" => json!({"user_ids": [1]}),
        "update_reward" => json!({"active": false}),
        "cancel_redemption" => json!({"reason": "walk"}),
        "update_offering" => json!({"published": false}),
        "respond_to_order" => json!({"accept": false}),
        "start_order" | "complete_order" => json!({"code": "0000"}),
        "record_payment" => json!({"amount": "1.00", "reference": "walk"}),
        "refund_order" => json!({"amount": "1.00", "reason": "walk"}),
        "mark_settlement_paid" => json!({"reference": "walk"}),
        "resolve_order_dispute" => json!({"outcome": "uphold", "reason": "walk"}),
        "update_provider_contract" => {
            json!({"commission_percent": "1.00", "settlement_period": "monthly"})
        }
        "update_points_payment_terms" => {
            json!({"yuan_per_point": "9.99", "max_share_percent": 100})
        }
        _ => json!({}),
    }
}

engine_tests! {
    async fn no_operation_reaches_objects_outside_the_callers_area(app: TestApp) {
        // The victim lives in 草坝社区, the outsider is staff of 东关社区 next door.
        let (victim, victim_token) = app.resident("13700000001", "caoba-g1").await;
        let (family, _) = app.resident("13700000002", "caoba-g2").await;
        let (_, caoba_staff) = app.staff("13700000003", Role::CommunityStaff, Some("-caoba")).await;
        let (_, outsider) = app.staff("13700000009", Role::CommunityStaff, Some("-dongguan")).await;
        app.put_as(&victim_token, "/api/v1/me/volunteer-profile", &json!({"service_radius": "grid", "real_name": "赵六", "id_number": "11010519491231002X"})).await;
        app.put_as(&victim_token, "/api/v1/me/resident-profile", &json!({"address": "汉中市汉台区草坝路1号"})).await;
        let credential = app.post_as(&victim_token, "/api/v1/me/credentials", &json!({"kind": "training", "title": "助浴培训"})).await;
        let consent = app
            .post_as(&caoba_staff, "/api/v1/proxy-consents", &json!({"resident_id": victim, "proxy_id": family, "relationship": "family"}))
            .await;
        let session = app.get_as(&victim_token, "/api/v1/sessions").await;
        let organization = app
            .post_as(&victim_token, "/api/v1/organizations", &json!({"kind": "volunteer_team", "name_zh": "草坝志愿队", "service_area_ids": [app.area("-caoba").await]}))
            .await;
        let organization_id = organization.json["id"].clone();
        app.post_as(&caoba_staff, &format!("/api/v1/organizations/{organization_id}/verification"), &json!({})).await;
        let key = app
            .post_as(&victim_token, &format!("/api/v1/organizations/{organization_id}/api-keys"), &json!({"name": "partner", "scopes": ["organization:read"]}))
            .await;
        let endpoint = app
            .post_as(&victim_token, &format!("/api/v1/organizations/{organization_id}/webhooks"), &json!({"url": "http://127.0.0.1:9/h", "events": ["organization.updated"]}))
            .await;
        let need = app
            .post_as(&victim_token, "/api/v1/needs", &json!({"category_code": "companionship", "description": "walk", "window_start": "2030-01-01T01:00:00Z", "window_end": "2030-01-01T03:00:00Z", "duration_minutes": 60, "headcount": 1}))
            .await;
        let offer = app
            .post_as(&caoba_staff, &format!("/api/v1/needs/{}/offers", need.json["id"]), &json!({"targets": [{"organization_id": organization_id}]}))
            .await;
        let award = app
            .send_as(&caoba_staff, app.client.post(format!("{}/api/v1/points/awards", app.address)).header("Idempotency-Key", "walk").json(&json!({"awards": [{"user_id": victim, "points": 50, "reason": "walk"}]})))
            .await;
        assert_eq!(award.status, 201, "{}", award.text);
        let reward = app
            .post_as(&caoba_staff, "/api/v1/rewards", &json!({"community_id": app.area("-caoba").await, "kind": "item", "title_zh": "米", "points_cost": 10}))
            .await;
        let redemption = app
            .send_as(&victim_token, app.client.post(format!("{}/api/v1/redemptions", app.address)).header("Idempotency-Key", "walk").json(&json!({"reward_id": reward.json["id"]})))
            .await;
        let provider = app
            .post_as(&victim_token, "/api/v1/organizations", &json!({"kind": "provider", "name_zh": "草坝家政", "service_area_ids": [app.area("-caoba").await]}))
            .await;
        app.post_as(&caoba_staff, &format!("/api/v1/organizations/{}/verification", provider.json["id"]), &json!({})).await;
        let categories = app.get_as(&victim_token, "/api/v1/service-categories").await.json;
        let housekeeping = categories.as_array().expect("categories").iter().find(|c| c["code"] == "housekeeping").expect("seeded")["id"].clone();
        let offering = app
            .post_as(&victim_token, "/api/v1/offerings", &json!({"organization_id": provider.json["id"], "category_id": housekeeping, "title_zh": "保洁", "unit": "hour", "unit_price": "40.00", "min_quantity": 1, "max_quantity": 4, "area_ids": [app.area("-caoba").await], "available_weekdays": 127, "available_from_minute": 0, "available_to_minute": 1440}))
            .await;
        let start = chrono::Utc::now() + chrono::TimeDelta::days(1);
        let order = app
            .send_as(&victim_token, app.client.post(format!("{}/api/v1/orders", app.address)).header("Idempotency-Key", "walk-order").json(&json!({"offering_id": offering.json["id"], "quantity": 1, "window_start": start.format("%Y-%m-%dT%H:00:00Z").to_string(), "window_end": (start + chrono::TimeDelta::hours(1)).format("%Y-%m-%dT%H:00:00Z").to_string()})))
            .await;
        let (_, street_admin) = app.staff("13700000004", Role::StreetAdmin, Some("-dongdajie")).await;
        let program = app
            .post_as(&street_admin, "/api/v1/subsidy-programs", &json!({"funding_area_id": app.area("-dongdajie").await, "name_zh": "补贴", "budget": "100.00", "percent_bp": 5000, "monthly_cap": "50.00", "category_ids": [housekeeping]}))
            .await;
        let ids: BTreeMap<&str, String> = [
            ("user_id", victim.to_string()),
            ("session_id", session.json[0]["id"].to_string()),
            ("credential_id", credential.json["id"].to_string()),
            ("consent_id", consent.json["id"].to_string()),
            ("organization_id", organization_id.to_string()),
            ("key_id", key.json["id"].to_string()),
            ("endpoint_id", endpoint.json["id"].to_string()),
            ("area_id", app.area("caoba-g3").await.to_string()),
            ("notification_id", app.get_as(&victim_token, "/api/v1/me/notifications").await.json["notifications"][0]["id"].to_string()),
            // Outbox messages belong to no area: only platform admins reach any of them, so
            // any id shows whether an outsider is refused before the lookup.
            ("message_id", "1".to_owned()),
            ("need_id", need.json["id"].to_string()),
            // A dispute needs a delivered need; the walk asks about the victim's need, so any id
            // exercises the reach check that comes first.
            ("dispute_id", "1".to_owned()),
            ("category_id", "1".to_owned()),
            ("offer_id", offer.json[0]["id"].to_string()),
            ("reward_id", reward.json["id"].to_string()),
            ("redemption_id", redemption.json["redemption"]["id"].to_string()),
            ("offering_id", offering.json["id"].to_string()),
            ("order_id", order.json["id"].to_string()),
            ("program_id", program.json["id"].to_string()),
            // No batch exists in this setup; the reach check comes before the lookup of the
            // provider, and the flow test checks a provider cannot approve its own batch.
            ("settlement_id", "1".to_owned()),
        ]
        .into_iter()
        .collect();
        for (name, value) in &ids {
            assert!(
                value.parse::<i64>().is_ok(),
                "setup failed to create the object for {name}: {value}\n{}\n{}",
                organization.text,
                key.text
            );
        }

        let spec: Value = serde_json::from_str(&linli_api::routes::spec_json()).expect("the spec is JSON");
        let mut walked = 0;
        let mut failures = Vec::new();
        for (path, operations) in spec["paths"].as_object().expect("paths") {
            if !path.contains('{') {
                continue;
            }
            for (method, operation) in operations.as_object().expect("operations") {
                let operation_id = operation["operationId"].as_str().expect("an operation id");
                if PUBLIC.iter().any(|(id, _)| *id == operation_id) {
                    continue;
                }
                let mut url = path.clone();
                for (name, value) in &ids {
                    url = url.replace(&format!("{{{name}}}"), value);
                }
                // Charts are named, not numbered: any chart asks the same area's figures.
                url = url.replace("{chart}", "needs_over_time");
                assert!(
                    !url.contains('{'),
                    "{operation_id} ({method} {path}) has a path parameter the authorization walk cannot fill: add it to `ids`"
                );
                let request = app
                    .client
                    .request(method.to_uppercase().parse().expect("an HTTP method"), format!("{}{url}", app.address))
                    // Operations that move points, hours or money need a key before they look at anything.
                    .header("Idempotency-Key", format!("walk-{operation_id}"))
                    .json(&body_for(operation_id));
                let reply = app.send_as(&outsider, request).await;
                walked += 1;
                if reply.status != 403 && reply.status != 404 {
                    failures.push(format!("{operation_id} {method} {url} → {} {}", reply.status, reply.text));
                }
            }
        }
        assert!(walked >= 10, "only {walked} operations walked");
        assert!(failures.is_empty(), "operations that reached another's object:\n{}", failures.join("\n"));
    }
}
