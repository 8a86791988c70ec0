//! A late cancellation's fee is settled as a line of its own, beside orders and refunds, and
//! the statement still adds up to the fen.

use chrono::{TimeDelta, Utc};
use linli_domain::paid::settlement;
use linli_tests::engine_tests;
use serde_json::json;

use super::*;

engine_tests! {
    async fn a_late_cancellation_fee_is_a_settlement_line_and_the_statement_adds_up(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 500).await;
        let confirmed = confirmed_order(&app, &scene, &token, offering, "o-1", 100).await;
        let refund = post_keyed(&app, &scene.provider, &format!("/api/v1/orders/{}/refunds", confirmed["id"]), "r-1", &json!({"amount": "13.65", "reason": "少做了一刻钟"})).await;
        assert_eq!(refund.status, 201, "{}", refund.text);
        let placed = post_keyed(&app, &token, "/api/v1/orders", "o-2", &order_body(offering, 3, 100)).await;
        let id = placed.json["id"].clone();
        let accepted = app.post_as(&scene.provider, &format!("/api/v1/orders/{id}/response"), &json!({"accept": true})).await;
        assert_eq!(accepted.json["state"], "accepted", "{}", accepted.text);
        let free = post_keyed(&app, &token, "/api/v1/orders", "o-3", &order_body(offering, 1, 0)).await;
        let free = app.post_as(&token, &format!("/api/v1/orders/{}/cancellation", free.json["id"]), &json!({})).await;
        assert_eq!(free.json["cancellation_fee"], "0.00", "free before acceptance: {}", free.text);
        let cancelled = app.post_as(&token, &format!("/api/v1/orders/{id}/cancellation"), &json!({"reason": "家人回来了"})).await;
        let c = &cancelled.json;
        assert_eq!((c["state"].as_str(), c["cancellation_fee"].as_str()), (Some("cancelled"), Some("27.30")), "20 % of 136.50 within the notice hours: {}", cancelled.text);
        let fee_commission = c["cancellation_commission"].clone();
        assert_eq!(fen(&fee_commission), 137, "5 % of the fee, to the fen: {}", cancelled.text);
        let now = Utc::now();
        let drafted = app.post_as(&scene.street, "/api/v1/settlements", &json!({"organization_id": scene.org, "period_start": (now - TimeDelta::days(1)).to_rfc3339(), "period_end": now.to_rfc3339()})).await;
        assert_eq!(drafted.status, 201, "{}", drafted.text);
        let sid = drafted.json["id"].clone();
        let statement = app.get_as(&scene.provider, &format!("/api/v1/settlements/{sid}")).await;
        let lines = statement.json["lines"].as_array().expect("lines");
        let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().expect("a kind")).collect();
        assert_eq!(kinds, vec!["order", "cancellation_fee", "refund"], "only the late cancellation is a line: {}", statement.text);
        let fee = &lines[1]["totals"];
        assert_eq!((fee["gross"].as_str(), fee["subsidy"].as_str(), fee["points"].as_str(), fee["copay"].as_str()), (Some("27.30"), Some("0.00"), Some("0.00"), Some("27.30")), "{}", statement.text);
        assert_eq!((&fee["commission"], fen(&fee["net"])), (&fee_commission, -137), "{}", statement.text);
        let totals = &statement.json["settlement"]["totals"];
        for field in ["gross", "subsidy", "points", "copay", "commission", "net"] {
            assert_eq!(line_sum(lines, field), fen(&totals[field]), "{field} adds up");
        }
        assert_eq!(fen(&totals["gross"]), 13650 + 2730 - 1365, "{}", statement.text);
        assert_eq!(fen(&totals["net"]), fen(&totals["gross"]) - fen(&totals["copay"]) - fen(&totals["commission"]));
        let csv = app.get_as(&scene.street, &format!("/api/v1/settlements/{sid}/statement.csv")).await;
        assert!(csv.text.contains(&format!("{id},,cancellation_fee,27.30,0.00,0.00,27.30,{},-1.37\n", fee_commission.as_str().expect("money"))), "{}", csv.text);
        let later = now.naive_utc() + TimeDelta::days(8);
        let again = settlement::settle_all(&app.db(), later - TimeDelta::days(7), later, later).await.expect("the job runs");
        assert_eq!(again, 0, "a fee is settled once");
        assert_books_sound(&app).await;
    }
}
