//! One order from the quote to a paid settlement, the bad inputs, and the partner API.

use chrono::{TimeDelta, Utc};
use linli_tests::engine_tests;
use serde_json::{Value, json};

use super::*;

fn settlement_window() -> Value {
    let now = Utc::now();
    json!({"period_start": (now - TimeDelta::days(1)).to_rfc3339(), "period_end": now.to_rfc3339()})
}

engine_tests! {
    async fn an_order_is_split_to_the_fen_and_settled_approved_and_paid(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        let program = programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 500).await;
        let quote = app.post_as(&token, "/api/v1/orders/quote", &order_body(offering, 3, 200)).await;
        assert_eq!(quote.status, 200, "{}", quote.text);
        let q = &quote.json;
        assert_eq!((q["gross"].as_str(), q["subsidy"].as_str(), q["points_value"].as_str(), q["copay"].as_str()), (Some("136.50"), Some("81.90"), Some("20.00"), Some("34.60")), "{}", quote.text);
        assert_eq!((q["commission"].as_str(), q["provider_net"].as_str(), q["max_points"].as_i64()), (Some("6.83"), Some("129.67"), Some(273)));
        assert_eq!(q["subsidies"][0]["program_id"].as_i64(), Some(program));
        let body = order_body(offering, 3, 200);
        let placed = post_keyed(&app, &token, "/api/v1/orders", "o-1", &body).await;
        assert_eq!((placed.status, placed.json["state"].as_str()), (201, Some("placed")), "{}", placed.text);
        let again = post_keyed(&app, &token, "/api/v1/orders", "o-1", &body).await;
        assert_eq!((again.status, &again.json), (200, &placed.json), "a retry replays the first answer");
        assert_eq!(points(&app, &token).await, 300);
        assert_eq!(remaining(&app, &scene, program).await, "918.10");
        let id = placed.json["id"].clone();
        let code = placed.json["check_code"].as_str().expect("a code").to_owned();
        let seen = app.get_as(&scene.provider, &format!("/api/v1/orders/{id}")).await;
        assert_eq!((seen.status, &seen.json["check_code"]), (200, &Value::Null), "the provider never sees the code: {}", seen.text);
        app.post_as(&scene.provider, &format!("/api/v1/orders/{id}/start"), &json!({"code": code})).await.assert_problem(409, "order_wrong_state");
        app.post_as(&token, &format!("/api/v1/orders/{id}/response"), &json!({"accept": true})).await.assert_problem(403, "forbidden");
        app.post_as(&scene.provider, &format!("/api/v1/orders/{id}/response"), &json!({"accept": true})).await;
        let wrong = if code == "0000" { "1111" } else { "0000" };
        app.post_as(&scene.provider, &format!("/api/v1/orders/{id}/start"), &json!({"code": wrong})).await.assert_problem(422, "wrong_code");
        for step in ["start", "completion"] {
            let reply = app.post_as(&scene.provider, &format!("/api/v1/orders/{id}/{step}"), &json!({"code": code})).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
        app.post_as(&token, &format!("/api/v1/orders/{id}/cancellation"), &json!({})).await.assert_problem(409, "order_wrong_state");
        let confirmed = app.post_as(&token, &format!("/api/v1/orders/{id}/confirmation"), &json!({})).await;
        assert_eq!(confirmed.json["state"], "confirmed", "{}", confirmed.text);
        post_keyed(&app, &scene.provider, &format!("/api/v1/orders/{id}/payments"), "p-0", &json!({"amount": "34.61", "reference": "收据 1"})).await.assert_problem(422, "payment_above_due");
        let paid = post_keyed(&app, &scene.provider, &format!("/api/v1/orders/{id}/payments"), "p-1", &json!({"amount": "34.60", "reference": "收据 1"})).await;
        assert_eq!((paid.status, paid.json["paid"].as_str()), (201, Some("34.60")), "{}", paid.text);
        post_keyed(&app, &scene.provider, &format!("/api/v1/orders/{id}/refunds"), "r-0", &json!({"amount": "136.51", "reason": "服务不足"})).await.assert_problem(422, "refund_exceeds_paid");
        let refund = post_keyed(&app, &scene.provider, &format!("/api/v1/orders/{id}/refunds"), "r-1", &json!({"amount": "13.65", "reason": "少做了一刻钟"})).await;
        assert_eq!(refund.status, 201, "{}", refund.text);
        let r = &refund.json;
        assert_eq!(fen(&r["amount"]), fen(&r["subsidies"][0]["amount"]) + fen(&r["points_value"]) + fen(&r["copay"]), "{}", refund.text);
        assert_eq!((r["subsidies"][0]["amount"].as_str(), r["points"].as_i64(), r["copay"].as_str(), r["cash_back"].as_str()), (Some("8.19"), Some(20), Some("3.46"), Some("3.46")), "{}", refund.text);
        assert_eq!(points(&app, &token).await, 320);
        assert_eq!(remaining(&app, &scene, program).await, "926.29");
        let drafted = app.post_as(&scene.street, "/api/v1/settlements", &json!({"organization_id": scene.org, "period_start": settlement_window()["period_start"], "period_end": settlement_window()["period_end"]})).await;
        assert_eq!(drafted.status, 201, "{}", drafted.text);
        let sid = drafted.json["id"].clone();
        let statement = app.get_as(&scene.provider, &format!("/api/v1/settlements/{sid}")).await;
        assert_eq!(statement.status, 200, "{}", statement.text);
        let lines = statement.json["lines"].as_array().expect("lines");
        assert_eq!(lines.len(), 2, "the order and its refund: {}", statement.text);
        let totals = &statement.json["settlement"]["totals"];
        for field in ["gross", "subsidy", "points", "copay", "commission", "net"] {
            let sum: i64 = lines.iter().map(|l| fen(&l["totals"][field])).sum();
            assert_eq!(sum, fen(&totals[field]), "{field} adds up");
        }
        assert_eq!((totals["gross"].as_str(), totals["net"].as_str()), (Some("122.85"), Some("85.57")), "{}", statement.text);
        assert_eq!(fen(&totals["net"]), fen(&totals["gross"]) - fen(&totals["copay"]) - fen(&totals["commission"]));
        let csv = app.get_as(&scene.street, &format!("/api/v1/settlements/{sid}/statement.csv")).await;
        assert!(csv.text.ends_with("total,,,122.85,73.71,18.00,31.14,6.14,85.57\n"), "{}", csv.text);
        app.post_as(&scene.street, &format!("/api/v1/settlements/{sid}/payment"), &json!({"reference": "ICBC-1"})).await.assert_problem(409, "settlement_not_approved");
        app.post_as(&scene.provider, &format!("/api/v1/settlements/{sid}/approval"), &json!({})).await.assert_problem(403, "forbidden");
        let approved = app.post_as(&scene.street, &format!("/api/v1/settlements/{sid}/approval"), &json!({})).await;
        assert_eq!(approved.json["state"], "approved", "{}", approved.text);
        let paid = app.post_as(&scene.street, &format!("/api/v1/settlements/{sid}/payment"), &json!({"reference": "ICBC-1"})).await;
        assert_eq!((paid.json["state"].as_str(), paid.json["paid_reference"].as_str()), (Some("paid"), Some("ICBC-1")), "{}", paid.text);
        let again = app.post_as(&scene.street, "/api/v1/settlements", &json!({"organization_id": scene.org, "period_start": drafted.json["period_start"], "period_end": drafted.json["period_end"]})).await;
        assert_eq!((again.status, &again.json["id"]), (200, &sid), "once per provider and period: {}", again.text);
        let claim = app.get_as(&scene.street, &format!("/api/v1/subsidy-programs/{program}/claim")).await;
        assert_eq!(claim.json["total"].as_str(), Some("73.71"), "{}", claim.text);
        let order = app.get_as(&token, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(order.json["settlement_id"], sid);
        assert_books_sound(&app).await;
    }

    async fn bad_orders_each_have_their_own_code_and_move_nothing(app: TestApp) {
        let scene = scene(&app).await;
        let precise = app.post_as(&scene.provider, "/api/v1/offerings", &offering_body(&scene, json!("45.505"))).await;
        let error = &precise.assert_problem(422, "validation_failed")["errors"][0];
        assert_eq!((error["field"].as_str(), error["code"].as_str()), (Some("unit_price"), Some("too_many_decimals")));
        let number = app.post_as(&scene.provider, "/api/v1/offerings", &offering_body(&scene, json!(45.5))).await;
        assert_eq!(number.assert_problem(422, "validation_failed")["errors"][0]["code"], "wrong_type");
        let offering = offering(&app, &scene).await;
        let program = programme(&app, &scene, json!({})).await;
        let (_, elder) = elder(&app, &scene, "13800000200", 100).await;
        let (_, young) = app.resident("13800000201", "dongguan-g1").await;
        let (_, outsider) = app.resident("13800000202", "beiguan-g1").await;
        let book = |token: &str, key: &str, body: Value| {
            let (app, token, key) = (&app, token.to_owned(), key.to_owned());
            async move { post_keyed(app, &token, "/api/v1/orders", &key, &body).await }
        };
        book(&elder, "b-1", order_body(offering, 5, 0)).await.assert_problem(422, "quantity_out_of_range");
        book(&outsider, "b-2", order_body(offering, 1, 0)).await.assert_problem(422, "outside_service_area");
        book(&elder, "b-3", order_body(offering, 1, 101)).await.assert_problem(422, "points_above_cap");
        book(&elder, "b-4", order_body(offering, 4, 101)).await.assert_problem(409, "insufficient_points");
        app.post_as(&elder, "/api/v1/orders/quote", &order_body(offering, 4, 101)).await.assert_problem(409, "insufficient_points");
        let mut named = order_body(offering, 1, 0);
        named["subsidy_program_ids"] = json!([program]);
        book(&young, "b-5", named).await.assert_problem(422, "subsidy_not_eligible");
        let mut past = order_body(offering, 1, 0);
        past["window_start"] = json!((Utc::now() - TimeDelta::hours(3)).to_rfc3339());
        past["window_end"] = json!((Utc::now() - TimeDelta::hours(2)).to_rfc3339());
        book(&elder, "b-6", past).await.assert_problem(422, "outside_availability");
        let mut unknown_need = order_body(offering, 1, 0);
        unknown_need["need_id"] = json!(987_654);
        book(&elder, "b-9", unknown_need).await.assert_problem(404, "order_not_found");
        assert_eq!(points(&app, &elder).await, 100);
        assert_eq!(remaining(&app, &scene, program).await, "1000.00");
        assert_eq!(app.get_as(&elder, "/api/v1/orders").await.json.as_array().map(Vec::len), Some(0));
        let unpublished = app.patch_as(&scene.provider, &format!("/api/v1/offerings/{offering}"), &json!({"published": false})).await;
        assert_eq!(unpublished.json["published"], false, "{}", unpublished.text);
        book(&elder, "b-7", order_body(offering, 1, 0)).await.assert_problem(409, "offering_unpublished");
        let listed = app.get_as(&elder, &format!("/api/v1/offerings?community_id={}", scene.community)).await;
        assert_eq!(listed.json.as_array().map(Vec::len), Some(0), "{}", listed.text);
        app.patch_as(&scene.provider, &format!("/api/v1/offerings/{offering}"), &json!({"published": true})).await;
        let placed = book(&elder, "b-8", order_body(offering, 1, 0)).await;
        assert_eq!(placed.status, 201, "{}", placed.text);
        let id = &placed.json["id"];
        post_keyed(&app, &scene.provider, &format!("/api/v1/orders/{id}/refunds"), "r-1", &json!({"amount": "1.00", "reason": "x"})).await.assert_problem(409, "order_wrong_state");
        let cancelled = app.post_as(&elder, &format!("/api/v1/orders/{id}/cancellation"), &json!({"reason": "不需要了"})).await;
        assert_eq!((cancelled.json["state"].as_str(), cancelled.json["cancellation_fee"].as_str()), (Some("cancelled"), Some("0.00")), "{}", cancelled.text);
        assert_eq!(remaining(&app, &scene, program).await, "1000.00", "a cancelled order gives its subsidy back");
        assert_books_sound(&app).await;
    }

    async fn a_provider_does_it_all_through_the_partner_api(app: TestApp) {
        let scene = scene(&app).await;
        let key = app.post_as(&scene.provider, &format!("/api/v1/organizations/{}/api-keys", scene.org), &json!({"name": "ERP", "scopes": ["offerings:write", "orders:read", "orders:write"]})).await;
        assert_eq!(key.status, 201, "{}", key.text);
        let secret = key.json["secret"].as_str().expect("a secret").to_owned();
        let created = app.post_as(&secret, "/api/v1/partner/offerings", &offering_body(&scene, json!("60.00"))).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let offering = created.json["id"].as_i64().expect("an id");
        let (_, token) = elder(&app, &scene, "13800000200", 0).await;
        let placed = post_keyed(&app, &token, "/api/v1/orders", "o-1", &order_body(offering, 1, 0)).await;
        assert_eq!(placed.status, 201, "{}", placed.text);
        let id = &placed.json["id"];
        let code = placed.json["check_code"].as_str().expect("a code");
        let listed = app.get_as(&secret, "/api/v1/partner/orders?state=placed").await;
        assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "{}", listed.text);
        assert_eq!(listed.json[0]["check_code"], Value::Null);
        let accepted = app.post_as(&secret, &format!("/api/v1/partner/orders/{id}/response"), &json!({"accept": true})).await;
        assert_eq!(accepted.json["state"], "accepted", "{}", accepted.text);
        for step in ["start", "completion"] {
            let reply = app.post_as(&secret, &format!("/api/v1/partner/orders/{id}/{step}"), &json!({"code": code})).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
        let paid = post_keyed(&app, &secret, &format!("/api/v1/partner/orders/{id}/payments"), "p-1", &json!({"amount": "24.00", "reference": "微信转账"})).await;
        assert_eq!(paid.status, 201, "{}", paid.text);
        let settlements = app.get_as(&secret, "/api/v1/partner/settlements").await;
        assert_eq!(settlements.json.as_array().map(Vec::len), Some(0), "{}", settlements.text);
        let reader = app.post_as(&scene.provider, &format!("/api/v1/organizations/{}/api-keys", scene.org), &json!({"name": "报表", "scopes": ["orders:read"]})).await;
        let reader = reader.json["secret"].as_str().expect("a secret").to_owned();
        app.post_as(&reader, "/api/v1/partner/offerings", &offering_body(&scene, json!("60.00"))).await.assert_problem(403, "missing_scope");
        app.post_as(&reader, &format!("/api/v1/partner/orders/{id}/response"), &json!({"accept": true})).await.assert_problem(403, "missing_scope");
        assert_books_sound(&app).await;
    }
}
