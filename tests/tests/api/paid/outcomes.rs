//! What follows an order that did not go as booked: a decline or lapse tells the resident of
//! the next providers, who are one booking away; staff resolve disputes by upholding or
//! refunding, and bad resolutions move nothing.

use chrono::{TimeDelta, Utc};
use linli_domain::access::Role;
use linli_domain::paid::delivery;
use linli_tests::engine_tests;
use serde_json::{Value, json};

use super::*;
use crate::email::{outbox, register_with_email};

async fn topics_of(app: &TestApp, token: &str) -> Vec<Value> {
    let reply = app.get_as(token, "/api/v1/me/notifications").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|n| n["topic"] == "order.declined")
        .cloned()
        .collect()
}

engine_tests! {
    async fn a_declined_order_tells_the_resident_and_offers_the_next_providers_cheapest_first(app: TestApp) {
        let scene = scene(&app).await;
        let (_, platform) = app.staff("13900000001", Role::PlatformAdmin, None).await;
        let first = offering(&app, &scene).await;
        let cheaper = other_provider(&app, &scene, "13800000101", "好帮手家政").await;
        let cheap = offering_at(&app, &cheaper, "40.00").await;
        let hidden = offering_at(&app, &cheaper, "30.00").await;
        let unpublished = app.patch_as(&cheaper.provider, &format!("/api/v1/offerings/{hidden}"), &json!({"published": false})).await;
        assert_eq!(unpublished.status, 200, "{}", unpublished.text);
        let dearer = other_provider(&app, &scene, "13800000102", "贴心到家").await;
        let dear = offering_at(&app, &dearer, "50.00").await;
        let (resident, token) = register_with_email(&app, "13800000300", "wang@example.com", "zh-CN", "王秀兰").await;
        let placed = post_keyed(&app, &token, "/api/v1/orders", "o-1", &order_body(first, 3, 0)).await;
        assert_eq!(placed.status, 201, "{}", placed.text);
        let id = placed.json["id"].clone();
        let declined = app.post_as(&scene.provider, &format!("/api/v1/orders/{id}/response"), &json!({"accept": false, "reason": "当天人手不足"})).await;
        assert_eq!(declined.json["state"], "declined", "{}", declined.text);
        let told = topics_of(&app, &token).await;
        assert_eq!(told.len(), 1, "told once in the app");
        let body = told[0]["body"].as_str().expect("a text");
        assert!(body.contains("已被服务商婉拒") && body.contains("另有 2 项"), "{body}");
        let mails = outbox(&app, &platform, "?channel=email").await;
        let recipient = resident.to_string();
        assert!(mails.iter().any(|m| m["topic"] == "order.declined" && m["recipient"] == recipient.as_str()), "and by email: {mails:?}");
        let listed = app.get_as(&token, &format!("/api/v1/orders/{id}/alternatives")).await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        let alternatives = listed.json["alternatives"].as_array().expect("a list");
        let offerings: Vec<i64> = alternatives.iter().map(|a| a["offering"]["id"].as_i64().expect("an id")).collect();
        assert_eq!(offerings, vec![cheap, dear], "other providers only, published, cheapest first: {}", listed.text);
        assert_eq!((alternatives[0]["provider_name_zh"].as_str(), alternatives[0]["fits_window"].as_bool()), (Some("好帮手家政"), Some(true)));
        assert_eq!(alternatives[0]["order"]["window_start"], placed.json["window_start"]);
        let (_, stranger) = app.resident("13800000301", "dongguan-g1").await;
        app.get_as(&stranger, &format!("/api/v1/orders/{id}/alternatives")).await.assert_problem(404, "order_not_found");
        app.get_as(&scene.provider, &format!("/api/v1/orders/{id}/alternatives")).await.assert_problem(404, "order_not_found");
        let seen_by_staff = app.get_as(&scene.staff, &format!("/api/v1/orders/{id}/alternatives")).await;
        assert_eq!(seen_by_staff.status, 200, "{}", seen_by_staff.text);
        let rebooked = post_keyed(&app, &token, "/api/v1/orders", "o-2", &alternatives[0]["order"]).await;
        assert_eq!((rebooked.status, rebooked.json["offering_id"].as_i64()), (201, Some(cheap)), "one call rebooks: {}", rebooked.text);
        let unanswered = post_keyed(&app, &token, "/api/v1/orders", "o-3", &order_body(first, 2, 0)).await;
        assert_eq!(unanswered.status, 201, "{}", unanswered.text);
        let later = Utc::now().naive_utc() + TimeDelta::hours(2);
        let lapsed = delivery::lapse_unanswered(&app.db(), chrono_tz::Asia::Shanghai, later).await.expect("the job runs");
        assert_eq!(lapsed.len(), 2, "the rebooked order lapses too");
        let told = topics_of(&app, &token).await;
        assert_eq!(told.len(), 3, "told of each lapse");
        assert!(told.iter().any(|n| n["body"].as_str().is_some_and(|b| b.contains("未在时限内答复"))), "{told:?}");
        assert_books_sound(&app).await;
    }

    async fn staff_resolve_disputes_by_upholding_or_refunding_and_bad_resolutions_move_nothing(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        let program = programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 500).await;
        let (_, elsewhere) = app.staff("13900000009", Role::CommunityStaff, Some("-beiguan")).await;
        let confirmed = confirmed_order(&app, &scene, &token, offering, "o-0", 0).await;
        let resolve = |id: &Value, body: Value| {
            let (app, path, staff) = (&app, format!("/api/v1/orders/{id}/dispute-resolution"), scene.staff.clone());
            async move { app.post_as(&staff, &path, &body).await }
        };
        resolve(&confirmed["id"], json!({"outcome": "uphold", "reason": "核实无误"})).await.assert_problem(409, "order_not_disputed");
        let mut ids = Vec::new();
        for (key, points) in [("o-1", 200), ("o-2", 0)] {
            let order = completed_order(&app, &scene, &token, offering, key, points).await;
            let id = order["id"].clone();
            let disputed = app.post_as(&token, &format!("/api/v1/orders/{id}/confirmation"), &json!({"dispute_reason": "只来了一个人"})).await;
            assert_eq!(disputed.json["state"], "disputed", "{}", disputed.text);
            ids.push(id);
        }
        let (refunded, upheld) = (&ids[0], &ids[1]);
        let points_before = points(&app, &token).await;
        let remaining_before = remaining(&app, &scene, program).await;
        let path = format!("/api/v1/orders/{refunded}/dispute-resolution");
        let refund = json!({"outcome": "refund", "refund_amount": "13.65", "reason": "少服务一刻钟"});
        app.post_as(&elsewhere, &path, &refund).await.assert_problem(404, "order_not_found");
        app.post_as(&token, &path, &refund).await.assert_problem(404, "order_not_found");
        app.post_as(&scene.provider, &path, &refund).await.assert_problem(404, "order_not_found");
        let both = resolve(refunded, json!({"outcome": "uphold", "refund_amount": "1.00", "reason": "x"})).await;
        assert_eq!(both.assert_problem(422, "validation_failed")["errors"][0]["field"], "refund_amount");
        resolve(refunded, json!({"outcome": "refund", "refund_amount": "136.51", "reason": "全额退款"})).await.assert_problem(422, "refund_exceeds_paid");
        resolve(refunded, json!({"outcome": "refund", "refund_amount": "1.005", "reason": "x"})).await.assert_problem(422, "validation_failed");
        resolve(refunded, json!({"outcome": "refund", "refund_amount": "1.00", "reason": "   "})).await.assert_problem(422, "invalid_reason");
        let still = app.get_as(&token, &format!("/api/v1/orders/{refunded}")).await;
        assert_eq!((still.json["state"].as_str(), still.json["refunded"].as_str()), (Some("disputed"), Some("0.00")), "nothing moved: {}", still.text);
        assert_eq!(points(&app, &token).await, points_before);
        assert_eq!(remaining(&app, &scene, program).await, remaining_before);
        let done = resolve(refunded, refund.clone()).await;
        assert_eq!(done.status, 200, "{}", done.text);
        assert_eq!((done.json["outcome"].as_str(), done.json["order"]["state"].as_str(), done.json["order"]["refunded"].as_str()), (Some("refund"), Some("confirmed"), Some("13.65")), "{}", done.text);
        assert_eq!(done.json["refund"]["amount"], "13.65");
        assert_eq!(points(&app, &token).await, points_before + 20, "a tenth of the points came back");
        resolve(refunded, refund).await.assert_problem(409, "order_not_disputed");
        let kept = resolve(upheld, json!({"outcome": "uphold", "reason": "回访确认服务完成"})).await;
        assert_eq!((kept.json["order"]["state"].as_str(), kept.json["refund"].clone()), (Some("confirmed"), Value::Null), "{}", kept.text);
        let events = app.get_as(&scene.street, "/api/v1/audit-events").await;
        let resolutions = events.json.as_array().expect("events").iter().filter(|e| e["action"] == "paid.order.dispute_resolved").count();
        assert_eq!(resolutions, 2, "{}", events.text);
        let now = Utc::now();
        let drafted = app.post_as(&scene.street, "/api/v1/settlements", &json!({"organization_id": scene.org, "period_start": (now - TimeDelta::days(1)).to_rfc3339(), "period_end": now.to_rfc3339()})).await;
        assert_eq!(drafted.status, 201, "{}", drafted.text);
        let statement = app.get_as(&scene.street, &format!("/api/v1/settlements/{}", drafted.json["id"])).await;
        let lines = statement.json["lines"].as_array().expect("lines");
        let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().expect("a kind")).collect();
        assert_eq!(kinds, vec!["order", "order", "order", "refund"], "both resolved orders settle: {}", statement.text);
        assert_books_sound(&app).await;
    }
}
