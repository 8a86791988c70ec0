//! Races that must never overspend a budget or move the same money twice.

use futures_util::future::join_all;
use linli_tests::engine_tests;
use serde_json::json;

use super::*;

engine_tests! {
    async fn a_hundred_residents_booking_at_once_never_overspend_a_small_budget(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        // Open to everyone in the street: ¥30 per hour, ¥100 in all.
        let program = programme(&app, &scene, json!({"budget": "100.00", "percent_bp": null, "fixed_per_unit": "30.00", "monthly_cap": "30.00", "eligibility": {}})).await;
        let residents = app.verified_volunteers(100, "dongguan-g1").await;
        let started = std::time::Instant::now();
        let replies = join_all(residents.iter().enumerate().map(|(i, (_, token))| {
            let body = order_body(offering, 1, 0);
            let app = &app;
            async move { post_keyed(app, token, "/api/v1/orders", &format!("k-{i}"), &body).await }
        }))
        .await;
        let elapsed = started.elapsed();
        let placed: Vec<_> = replies.iter().filter(|r| r.status == 201).collect();
        for reply in &replies {
            assert!(reply.status == 201 || reply.status == 409, "{}", reply.text);
        }
        let granted: i64 = placed
            .iter()
            .map(|r| {
                let s = r.json["subsidy"].as_str().expect("a subsidy");
                let (y, f) = s.split_once('.').expect("decimals");
                y.parse::<i64>().expect("yuan") * 100 + f.parse::<i64>().expect("fen")
            })
            .sum();
        let left = remaining(&app, &scene, program).await;
        assert_eq!(granted, 10_000, "the whole budget and never more went to orders");
        assert_eq!(left, "0.00");
        eprintln!("{} bookings of 100 placed in {:?} ({:.0}/s)", placed.len(), elapsed, placed.len() as f64 / elapsed.as_secs_f64());
        assert_books_sound(&app).await;
    }

    async fn concurrent_refunds_payments_and_settlements_of_the_same_thing_happen_once(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 0).await;
        let order = confirmed_order(&app, &scene, &token, offering, "o-1", 0).await;
        let id = &order["id"];
        let pay = |key: &'static str| {
            let app = &app;
            let path = format!("/api/v1/orders/{id}/payments");
            let provider = scene.provider.clone();
            let body = json!({"amount": order["copay"], "reference": "现金"});
            async move { post_keyed(app, &provider, &path, key, &body).await }
        };
        let paid = join_all([pay("p-1"), pay("p-2"), pay("p-3")]).await;
        assert_eq!(paid.iter().filter(|r| r.status == 201).count(), 1, "{:?}", paid.iter().map(|r| &r.text).collect::<Vec<_>>());
        let refund = |key: &'static str| {
            let app = &app;
            let path = format!("/api/v1/orders/{id}/refunds");
            let provider = scene.provider.clone();
            let body = json!({"amount": order["gross"], "reason": "未提供服务"});
            async move { post_keyed(app, &provider, &path, key, &body).await }
        };
        let refunded = join_all([refund("r-1"), refund("r-2"), refund("r-3")]).await;
        assert_eq!(refunded.iter().filter(|r| r.status == 201).count(), 1, "{:?}", refunded.iter().map(|r| &r.text).collect::<Vec<_>>());
        let now = chrono::Utc::now();
        let body = json!({"organization_id": scene.org, "period_start": (now - chrono::TimeDelta::days(1)).to_rfc3339(), "period_end": now.to_rfc3339()});
        let settle = || {
            let (app, body, street) = (&app, body.clone(), scene.street.clone());
            async move { app.post_as(&street, "/api/v1/settlements", &body).await }
        };
        let batches = join_all([settle(), settle(), settle()]).await;
        assert_eq!(batches.iter().filter(|r| r.status == 201).count(), 1, "{:?}", batches.iter().map(|r| &r.text).collect::<Vec<_>>());
        let sid = &batches.iter().find(|r| r.status == 201).expect("one drafted").json["id"];
        let statement = app.get_as(&scene.street, &format!("/api/v1/settlements/{sid}")).await;
        assert_eq!(statement.json["lines"].as_array().map(Vec::len), Some(2), "the order once and its refund once: {}", statement.text);
        assert_eq!(statement.json["settlement"]["totals"]["gross"], "0.00", "{}", statement.text);
        assert_books_sound(&app).await;
    }
}
