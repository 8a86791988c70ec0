//! Terms as data: a provider's contract and a community's points terms, read and set by whom
//! they concern, validated, audited and applied to new orders only; the settlement job settles
//! each provider per its contract's period.

use chrono::{Datelike, TimeDelta, Timelike, Utc};
use linli_domain::paid::settlement;
use linli_tests::engine_tests;
use serde_json::json;

use super::*;

engine_tests! {
    async fn terms_are_set_by_whom_they_concern_and_apply_to_new_orders_only(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        let (_, token) = elder(&app, &scene, "13800000200", 500).await;
        let contract = format!("/api/v1/organizations/{}/contract", scene.org);
        let terms = format!("/api/v1/areas/{}/points-payment-terms", scene.community);
        let read = app.get_as(&scene.provider, &contract).await;
        let c = &read.json;
        assert_eq!((c["commission_percent"].as_str(), c["settlement_period"].as_str(), c["is_default"].as_bool()), (Some("5.00"), Some("weekly"), Some(true)), "{}", read.text);
        app.get_as(&token, &contract).await.assert_problem(404, "provider_not_found");
        let before = post_keyed(&app, &token, "/api/v1/orders", "o-1", &order_body(offering, 3, 100)).await;
        assert_eq!((before.json["commission"].as_str(), before.json["points_value"].as_str()), (Some("6.83"), Some("10.00")), "{}", before.text);
        let monthly = json!({"commission_percent": "4.00", "settlement_period": "monthly"});
        app.put_as(&scene.provider, &contract, &monthly).await.assert_problem(403, "forbidden");
        app.put_as(&scene.staff, &contract, &monthly).await.assert_problem(404, "provider_not_found");
        for (rate, code) in [(json!("4.001"), "too_many_decimals"), (json!("50.01"), "out_of_range"), (json!(4), "wrong_type")] {
            let bad = app.put_as(&scene.street, &contract, &json!({"commission_percent": rate, "settlement_period": "weekly"})).await;
            assert_eq!(bad.assert_problem(422, "validation_failed")["errors"][0]["code"], code, "{}", bad.text);
        }
        let set = app.put_as(&scene.street, &contract, &monthly).await;
        assert_eq!((set.json["commission_percent"].as_str(), set.json["settlement_period"].as_str(), set.json["is_default"].as_bool()), (Some("4.00"), Some("monthly"), Some(false)), "{}", set.text);
        let shown = app.get_as(&token, &terms).await;
        assert_eq!((shown.json["yuan_per_point"].as_str(), shown.json["max_share_percent"].as_i64()), (Some("0.10"), Some(50)), "{}", shown.text);
        let dearer = json!({"yuan_per_point": "0.20", "max_share_percent": 30});
        app.put_as(&token, &terms, &dearer).await.assert_problem(403, "forbidden");
        app.put_as(&scene.staff, "/api/v1/areas/987654/points-payment-terms", &dearer).await.assert_problem(404, "community_not_found");
        for body in [json!({"yuan_per_point": "0.001", "max_share_percent": 30}), json!({"yuan_per_point": "0.00", "max_share_percent": 30}), json!({"yuan_per_point": "0.20", "max_share_percent": 101})] {
            app.put_as(&scene.staff, &terms, &body).await.assert_problem(422, "validation_failed");
        }
        let set = app.put_as(&scene.staff, &terms, &dearer).await;
        assert_eq!((set.json["yuan_per_point"].as_str(), set.json["is_default"].as_bool()), (Some("0.20"), Some(false)), "{}", set.text);
        let after = post_keyed(&app, &token, "/api/v1/orders", "o-2", &order_body(offering, 3, 100)).await;
        assert_eq!((after.json["commission"].as_str(), after.json["points_value"].as_str()), (Some("5.46"), Some("20.00")), "new orders take the new terms: {}", after.text);
        let kept = app.get_as(&token, &format!("/api/v1/orders/{}", before.json["id"])).await;
        assert_eq!((kept.json["commission"].as_str(), kept.json["points_value"].as_str()), (Some("6.83"), Some("10.00")), "booked orders keep theirs: {}", kept.text);
        let events = app.get_as(&scene.street, "/api/v1/audit-events").await;
        let actions: Vec<&str> = events.json.as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
        assert!(actions.contains(&"paid.contract.updated") && actions.contains(&"paid.points_terms.updated"), "{actions:?}");
    }

    async fn a_monthly_provider_is_settled_per_month_and_a_weekly_one_per_week_once_each(app: TestApp) {
        let weekly = scene(&app).await;
        let monthly = other_provider(&app, &weekly, "13800000101", "好帮手家政").await;
        let set = app.put_as(&weekly.street, &format!("/api/v1/organizations/{}/contract", monthly.org), &json!({"commission_percent": "5.00", "settlement_period": "monthly"})).await;
        assert_eq!(set.status, 200, "{}", set.text);
        let (_, token) = elder(&app, &weekly, "13800000200", 0).await;
        for (scene, key) in [(&weekly, "o-1"), (&monthly, "o-2")] {
            let offering = offering(&app, scene).await;
            confirmed_order(&app, scene, &token, offering, key, 0).await;
        }
        let zone = chrono_tz::Asia::Shanghai;
        let now = Utc::now().naive_utc() + TimeDelta::days(40);
        let db = app.db();
        assert_eq!(settlement::settle_due(&db, now, zone).await.expect("the job runs"), 2);
        assert_eq!(settlement::settle_due(&db, now + TimeDelta::hours(1), zone).await.expect("the job runs"), 0, "once per provider and period");
        for (scene, days) in [(&weekly, 7..=7), (&monthly, 28..=31)] {
            let list = app.get_as(&weekly.street, &format!("/api/v1/settlements?organization_id={}", scene.org)).await;
            let batches = list.json.as_array().expect("batches");
            assert_eq!(batches.len(), 1, "{}", list.text);
            let parse = |field: &str| chrono::DateTime::parse_from_rfc3339(batches[0][field].as_str().expect("a time")).expect("RFC 3339").with_timezone(&zone);
            let (start, end) = (parse("period_start"), parse("period_end"));
            assert!(days.contains(&(end - start).num_days()), "{}", list.text);
            assert_eq!((start.hour(), start.minute()), (0, 0), "local midnights: {}", list.text);
            assert!(end.naive_utc() <= now, "a complete period: {}", list.text);
            if days.start() > &7 {
                assert_eq!((start.day(), end.day()), (1, 1), "calendar months: {}", list.text);
            } else {
                assert_eq!(start.weekday(), chrono::Weekday::Mon, "weeks from Monday: {}", list.text);
            }
        }
        assert_books_sound(&app).await;
    }
}
