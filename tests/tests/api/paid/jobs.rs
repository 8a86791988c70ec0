//! The paid-service jobs' work: lapsing unanswered orders, auto-confirmation and weekly
//! settlement, each idempotent.

use chrono::{TimeDelta, Utc};
use linli_domain::paid::{delivery, settlement};
use linli_tests::engine_tests;
use serde_json::json;

use super::*;

engine_tests! {
    async fn unanswered_orders_lapse_and_completed_ones_confirm_and_settle_once(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        let program = programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 300).await;
        let unanswered = post_keyed(&app, &token, "/api/v1/orders", "o-1", &order_body(offering, 2, 100)).await;
        assert_eq!(unanswered.status, 201, "{}", unanswered.text);
        let db = app.db();
        let later = Utc::now().naive_utc() + TimeDelta::hours(2);
        let lapsed = delivery::lapse_unanswered(&db, chrono_tz::Asia::Shanghai, later).await.expect("the job runs");
        assert_eq!(lapsed.len(), 1);
        assert!(delivery::lapse_unanswered(&db, chrono_tz::Asia::Shanghai, later).await.expect("the job runs").is_empty(), "once");
        let order = app.get_as(&token, &format!("/api/v1/orders/{}", unanswered.json["id"])).await;
        assert_eq!((order.json["state"].as_str(), order.json["lapsed"].as_bool()), (Some("declined"), Some(true)), "{}", order.text);
        assert_eq!(points(&app, &token).await, 300, "the points came back");
        assert_eq!(remaining(&app, &scene, program).await, "1000.00", "the subsidy came back");
        let placed = post_keyed(&app, &token, "/api/v1/orders", "o-2", &order_body(offering, 3, 0)).await;
        let id = placed.json["id"].clone();
        let code = placed.json["check_code"].as_str().expect("a code").to_owned();
        app.post_as(&scene.provider, &format!("/api/v1/orders/{id}/response"), &json!({"accept": true})).await;
        for step in ["start", "completion"] {
            let reply = app.post_as(&scene.provider, &format!("/api/v1/orders/{id}/{step}"), &json!({"code": code})).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
        }
        let soon = Utc::now().naive_utc() + TimeDelta::hours(71);
        assert_eq!(delivery::auto_confirm(&db, soon).await.expect("the job runs"), 0, "not before 72 hours");
        let days = Utc::now().naive_utc() + TimeDelta::hours(73);
        assert_eq!(delivery::auto_confirm(&db, days).await.expect("the job runs"), 1);
        assert_eq!(delivery::auto_confirm(&db, days).await.expect("the job runs"), 0);
        let start = days - TimeDelta::days(7);
        let drafted = settlement::settle_all(&db, start, days + TimeDelta::minutes(1), days + TimeDelta::minutes(1)).await.expect("the job runs");
        assert_eq!(drafted, 1);
        assert_eq!(settlement::settle_all(&db, start, days + TimeDelta::minutes(1), days + TimeDelta::minutes(2)).await.expect("the job runs"), 0, "once per provider and period");
        let next = settlement::settle_all(&db, days, days + TimeDelta::days(7), days + TimeDelta::days(7)).await.expect("the job runs");
        assert_eq!(next, 0, "a settled order is never settled again");
        let list = app.get_as(&scene.street, &format!("/api/v1/settlements?organization_id={}", scene.org)).await;
        assert_eq!(list.json.as_array().map(Vec::len), Some(1), "{}", list.text);
        assert_eq!(list.json[0]["totals"]["gross"], "136.50", "{}", list.text);
        assert_books_sound(&app).await;
    }
}
