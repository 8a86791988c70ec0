//! Every confirmed order, late-cancellation fee and refund is settled exactly once: runs at the
//! same moment draft one batch, an order confirmed while a run drafts lands in that batch or
//! the next, a late refund rolls into the next batch, and the batches add up to the fen.

use chrono::{NaiveDateTime, TimeDelta, Utc};
use futures_util::future::join_all;
use linli_domain::paid::settlement;
use linli_tests::engine_tests;
use serde_json::{Value, json};

use super::*;

/// Every batch of the scene's provider with its lines, in the order they were drafted.
async fn batches(app: &TestApp, scene: &Scene) -> Vec<Value> {
    let list = app
        .get_as(
            &scene.street,
            &format!("/api/v1/settlements?organization_id={}", scene.org),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let mut ids: Vec<i64> = list
        .json
        .as_array()
        .expect("batches")
        .iter()
        .map(|b| b["id"].as_i64().expect("an id"))
        .collect();
    ids.sort_unstable();
    let mut out = Vec::new();
    for batch in ids {
        let read = app
            .get_as(&scene.street, &format!("/api/v1/settlements/{batch}"))
            .await;
        assert_eq!(read.status, 200, "{}", read.text);
        out.push(read.json);
    }
    out
}

/// (kind, order, refund) of every line of every batch, with the batch's id.
fn settled_lines(batches: &[Value]) -> Vec<(String, i64, Option<i64>, i64)> {
    batches
        .iter()
        .flat_map(|b| {
            let sid = b["settlement"]["id"].as_i64().expect("an id");
            b["lines"].as_array().expect("lines").iter().map(move |l| {
                (
                    l["kind"].as_str().expect("a kind").to_owned(),
                    l["order_id"].as_i64().expect("an order"),
                    l["refund_id"].as_i64(),
                    sid,
                )
            })
        })
        .collect()
}

async fn settle_all(app: &TestApp, start: NaiveDateTime, end: NaiveDateTime) -> usize {
    settlement::settle_all(&app.db(), start, end, end)
        .await
        .expect("the job runs")
}

engine_tests! {
    async fn two_settlement_runs_for_the_same_provider_and_period_at_once_draft_one_batch(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 0).await;
        for key in ["o-1", "o-2"] {
            confirmed_order(&app, &scene, &token, offering, key, 0).await;
        }
        let now = Utc::now();
        let body = json!({"organization_id": scene.org, "period_start": (now - TimeDelta::days(1)).to_rfc3339(), "period_end": now.to_rfc3339()});
        let run = || {
            let (app, body, street) = (&app, body.clone(), scene.street.clone());
            async move { app.post_as(&street, "/api/v1/settlements", &body).await }
        };
        let runs = join_all([run(), run(), run(), run()]).await;
        let texts: Vec<&String> = runs.iter().map(|r| &r.text).collect();
        assert_eq!(runs.iter().filter(|r| r.status == 201).count(), 1, "{texts:?}");
        let sid = &runs.iter().find(|r| r.status == 201).expect("one drafted").json["id"];
        for reply in &runs {
            assert!(reply.status == 201 || reply.status == 200, "{}", reply.text);
            assert_eq!(&reply.json["id"], sid, "every run answers with the one batch: {}", reply.text);
        }
        // The job and an admin at once, for the same period: still one batch.
        let start = (now - TimeDelta::days(1)).naive_utc();
        let (job, admin) = tokio::join!(settle_all(&app, start, now.naive_utc()), run());
        assert_eq!((job, admin.status, &admin.json["id"]), (0, 200, sid), "{}", admin.text);
        let all = batches(&app, &scene).await;
        assert_eq!(all.len(), 1);
        assert_eq!(all[0]["settlement"]["line_count"], 2, "{}", all[0]);
        assert_books_sound(&app).await;
    }

    async fn an_order_confirmed_while_a_settlement_runs_lands_in_exactly_one_batch(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 300).await;
        let mut ids = Vec::new();
        for i in 0..6 {
            let order = completed_order(&app, &scene, &token, offering, &format!("o-{i}"), if i % 2 == 0 { 50 } else { 0 }).await;
            ids.push(order["id"].as_i64().expect("an id"));
        }
        let now = Utc::now().naive_utc();
        let first_end = now + TimeDelta::hours(1);
        let confirm = |id: i64| {
            let (app, token) = (&app, token.clone());
            async move {
                let reply = app.post_as(&token, &format!("/api/v1/orders/{id}/confirmation"), &json!({})).await;
                assert_eq!(reply.json["state"], "confirmed", "{}", reply.text);
            }
        };
        let (_, drafted) = tokio::join!(
            join_all(ids.iter().map(|id| confirm(*id))),
            async {
                let mut drafted = 0;
                for _ in 0..3 {
                    drafted += settle_all(&app, now - TimeDelta::days(1), first_end).await;
                }
                drafted
            }
        );
        assert!(drafted <= 1, "one batch for the period at most");
        let next = settle_all(&app, first_end, first_end + TimeDelta::days(7)).await;
        assert!(drafted + next >= 1, "everything was settled by one of them");
        let all = batches(&app, &scene).await;
        let lines = settled_lines(&all);
        for id in &ids {
            let holding: Vec<_> = lines.iter().filter(|l| l.1 == *id).collect();
            assert_eq!(holding.len(), 1, "order {id} is settled once: {lines:?}");
            let order = app.get_as(&token, &format!("/api/v1/orders/{id}")).await;
            assert_eq!(order.json["settlement_id"].as_i64(), Some(holding[0].3), "{}", order.text);
        }
        assert_eq!(lines.len(), ids.len(), "{lines:?}");
        for batch in &all {
            let totals = &batch["settlement"]["totals"];
            for field in ["gross", "subsidy", "points", "copay", "commission", "net"] {
                assert_eq!(line_sum(batch["lines"].as_array().expect("lines"), field), fen(&totals[field]), "{field} adds up");
            }
        }
        assert_eq!(settle_all(&app, first_end + TimeDelta::days(7), first_end + TimeDelta::days(14)).await, 0, "nothing is settled twice");
        assert_books_sound(&app).await;
    }

    async fn a_late_refund_rolls_into_the_next_batch_and_the_first_statement_stays_as_it_was(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        let program = programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 500).await;
        let order = confirmed_order(&app, &scene, &token, offering, "o-1", 200).await;
        let id = order["id"].as_i64().expect("an id");
        let now = Utc::now();
        let drafted = app.post_as(&scene.street, "/api/v1/settlements", &json!({"organization_id": scene.org, "period_start": (now - TimeDelta::days(1)).to_rfc3339(), "period_end": now.to_rfc3339()})).await;
        assert_eq!(drafted.status, 201, "{}", drafted.text);
        let first = drafted.json["id"].as_i64().expect("an id");
        let statement = app.get_as(&scene.street, &format!("/api/v1/settlements/{first}")).await;
        let csv = app.get_as(&scene.street, &format!("/api/v1/settlements/{first}/statement.csv")).await;
        assert_eq!(csv.status, 200, "{}", csv.text);
        let refund = post_keyed(&app, &scene.provider, &format!("/api/v1/orders/{id}/refunds"), "r-1", &json!({"amount": "13.65", "reason": "少做了一刻钟"})).await;
        assert_eq!(refund.status, 201, "{}", refund.text);
        let r = &refund.json;
        let later = Utc::now().naive_utc() + TimeDelta::minutes(1);
        assert_eq!(settle_all(&app, now.naive_utc(), later).await, 1);
        let all = batches(&app, &scene).await;
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], statement.json, "the first statement is unchanged");
        let again = app.get_as(&scene.street, &format!("/api/v1/settlements/{first}/statement.csv")).await;
        assert_eq!(again.text, csv.text, "the first CSV is unchanged");
        let second = &all[1];
        let second_id = second["settlement"]["id"].as_i64().expect("an id");
        let lines = second["lines"].as_array().expect("lines");
        assert_eq!(lines.len(), 1, "only the refund: {second}");
        let line = &lines[0];
        assert_eq!((line["kind"].as_str(), line["order_id"].as_i64(), line["refund_id"].as_i64()), (Some("refund"), Some(id), r["id"].as_i64()), "{second}");
        let t = &line["totals"];
        assert_eq!((fen(&t["gross"]), fen(&t["points"]), fen(&t["copay"]), fen(&t["commission"])), (-fen(&r["amount"]), -fen(&r["points_value"]), -fen(&r["copay"]), -fen(&r["commission"])), "{second}");
        assert_eq!(fen(&t["subsidy"]), -fen(&r["subsidies"][0]["amount"]), "{second}");
        assert_eq!(second["settlement"]["totals"]["gross"], "-13.65", "{second}");
        let seen = app.get_as(&token, &format!("/api/v1/orders/{id}")).await;
        assert_eq!(seen.json["settlement_id"].as_i64(), Some(first), "the order stays in its batch: {}", seen.text);
        let claim = app.get_as(&scene.street, &format!("/api/v1/subsidy-programs/{program}/claim")).await;
        let claimed: Vec<(Option<i64>, Option<i64>)> = claim.json["lines"].as_array().expect("lines").iter().map(|l| (l["refund_id"].as_i64(), l["settlement_id"].as_i64())).collect();
        assert_eq!(claimed, vec![(None, Some(first)), (r["id"].as_i64(), Some(second_id))], "{}", claim.text);
        assert_books_sound(&app).await;
    }

    async fn the_batches_add_up_to_every_confirmed_order_fee_and_refund_to_the_fen(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        let program = programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 1000).await;
        let (_, other) = elder(&app, &scene, "13800000201", 0).await;
        let start = Utc::now().naive_utc() - TimeDelta::days(1);
        let mut confirmed = Vec::new();
        for (i, points) in [(0, 100), (1, 0), (2, 37)] {
            confirmed.push(confirmed_order(&app, &scene, &token, offering, &format!("a-{i}"), points).await);
        }
        let late = post_keyed(&app, &other, "/api/v1/orders", "late", &order_body(offering, 2, 0)).await;
        let late_id = late.json["id"].clone();
        app.post_as(&scene.provider, &format!("/api/v1/orders/{late_id}/response"), &json!({"accept": true})).await;
        let cancelled = app.post_as(&other, &format!("/api/v1/orders/{late_id}/cancellation"), &json!({})).await;
        assert_ne!(cancelled.json["cancellation_fee"], "0.00", "{}", cancelled.text);
        let mut pending = Vec::new();
        for i in 0..4 {
            pending.push(completed_order(&app, &scene, &other, offering, &format!("b-{i}"), 0).await);
        }
        // Refunds, confirmations and settlement runs of three periods, all at once.
        let refund = |order: &Value, key: &'static str, amount: &'static str| {
            let (app, provider, path) = (&app, scene.provider.clone(), format!("/api/v1/orders/{}/refunds", order["id"]));
            async move {
                let reply = post_keyed(app, &provider, &path, key, &json!({"amount": amount, "reason": "部分退款"})).await;
                assert_eq!(reply.status, 201, "{}", reply.text);
                reply.json
            }
        };
        let confirm = |order: &Value| {
            let (app, other, path) = (&app, other.clone(), format!("/api/v1/orders/{}/confirmation", order["id"]));
            async move {
                let reply = app.post_as(&other, &path, &json!({})).await;
                assert_eq!(reply.json["state"], "confirmed", "{}", reply.text);
                reply.json
            }
        };
        let ends: Vec<NaiveDateTime> = (1..=3).map(|h| Utc::now().naive_utc() + TimeDelta::hours(h)).collect();
        let runs = async {
            let mut drafted = 0;
            let mut from = start;
            for end in &ends {
                drafted += settle_all(&app, from, *end).await;
                from = *end;
            }
            drafted
        };
        let (refunds, more, _) = tokio::join!(
            join_all([refund(&confirmed[0], "r-1", "10.01"), refund(&confirmed[1], "r-2", "0.03"), refund(&confirmed[2], "r-3", "136.50")]),
            join_all(pending.iter().map(confirm)),
            runs
        );
        let last = ends[2] + TimeDelta::days(7);
        settle_all(&app, ends[2], last).await;
        confirmed.extend(more);
        let all = batches(&app, &scene).await;
        let lines = settled_lines(&all);
        assert_eq!(lines.len(), confirmed.len() + 1 + refunds.len(), "every event once: {lines:?}");
        let mut seen = lines.iter().map(|l| (l.0.clone(), l.1, l.2)).collect::<Vec<_>>();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), lines.len(), "no event in two batches: {lines:?}");
        let mut sums = std::collections::BTreeMap::<&str, i64>::new();
        for batch in &all {
            for field in ["gross", "subsidy", "points", "copay", "commission", "net"] {
                *sums.entry(field).or_default() += fen(&batch["settlement"]["totals"][field]);
            }
        }
        let orders_sum = |field: &str| confirmed.iter().map(|o| fen(&o[field])).sum::<i64>();
        let refunds_sum = |field: &str| refunds.iter().map(|r| fen(&r[field])).sum::<i64>();
        let fee = fen(&cancelled.json["cancellation_fee"]);
        let fee_commission = fen(&cancelled.json["cancellation_commission"]);
        let expected_gross = orders_sum("gross") + fee - refunds_sum("amount");
        let expected_copay = orders_sum("copay") + fee - refunds_sum("copay");
        let expected_commission = orders_sum("commission") + fee_commission - refunds_sum("commission");
        assert_eq!(sums["gross"], expected_gross);
        assert_eq!(sums["points"], orders_sum("points_value") - refunds_sum("points_value"));
        assert_eq!(sums["copay"], expected_copay);
        assert_eq!(sums["commission"], expected_commission);
        assert_eq!(sums["net"], expected_gross - expected_copay - expected_commission);
        let claim = app.get_as(&scene.street, &format!("/api/v1/subsidy-programs/{program}/claim")).await;
        assert_eq!(sums["subsidy"], fen(&claim.json["total"]), "{}", claim.text);
        assert_eq!(sums["gross"], sums["subsidy"] + sums["points"] + sums["copay"]);
        assert_eq!(settle_all(&app, last, last + TimeDelta::days(7)).await, 0, "nothing left to settle");
        assert_books_sound(&app).await;
    }
}

/// Runs SQL of the engine under test on the app's database.
async fn run_sql(app: &TestApp, postgres: &str, sqlite: &str) {
    let sql = match app.engine {
        linli_tests::Engine::Postgres => postgres,
        linli_tests::Engine::Sqlite => sqlite,
    }
    .to_owned();
    app.db()
        .run(move |conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute(&sql)
                .map_err(linli_domain::db::StoreError::from)
        })
        .await
        .expect("the SQL runs");
}

/// What an older version wrote when it drafted a batch: the batch, every confirmed order and
/// refund not yet in one marked with its id, and the totals of what it marked.
fn older_batch() -> String {
    let sum = |money: &str, refunds: &str| {
        format!(
            "((SELECT COALESCE(SUM({money}), 0) FROM paid_order_money m WHERE m.settlement_id = s.id) \
             - (SELECT COALESCE(SUM({refunds}), 0) FROM paid_refunds r WHERE r.settlement_id = s.id))"
        )
    };
    let (gross, copay, commission) = (
        sum("gross_fen", "amount_fen"),
        sum("copay_fen", "copay_fen"),
        sum("commission_fen", "commission_fen"),
    );
    format!(
        "INSERT INTO paid_settlements (organization_id, period_start, period_end, state, line_count, \
             gross_fen, subsidy_fen, points_fen, copay_fen, commission_fen, net_fen, created_at) \
         SELECT organization_id, '2030-01-01 00:00:00', '2030-01-08 00:00:00', 'draft', 0, 0, 0, 0, \
             0, 0, 0, '2030-01-08 00:00:00' FROM paid_orders WHERE id = (SELECT MIN(id) FROM paid_orders); \
         UPDATE paid_order_money SET settlement_id = (SELECT MAX(id) FROM paid_settlements) \
         WHERE settlement_id IS NULL AND confirmed_at IS NOT NULL; \
         UPDATE paid_refunds SET settlement_id = (SELECT MAX(id) FROM paid_settlements) \
         WHERE settlement_id IS NULL; \
         UPDATE paid_settlements AS s SET \
             line_count = (SELECT COUNT(*) FROM paid_order_money m WHERE m.settlement_id = s.id) \
                 + (SELECT COUNT(*) FROM paid_refunds r WHERE r.settlement_id = s.id), \
             gross_fen = {gross}, subsidy_fen = {}, points_fen = {}, copay_fen = {copay}, \
             commission_fen = {commission}, net_fen = {gross} - {copay} - {commission} \
         WHERE s.id = (SELECT MAX(id) FROM paid_settlements);",
        sum("subsidy_fen", "subsidy_fen"),
        sum("points_fen", "points_fen"),
    )
}

engine_tests! {
    async fn batches_written_by_an_older_version_read_the_same_and_settling_goes_on_after_the_migration(app: TestApp) {
        let scene = scene(&app).await;
        let offering = offering(&app, &scene).await;
        let program = programme(&app, &scene, json!({})).await;
        let (_, token) = elder(&app, &scene, "13800000200", 500).await;
        let first_order = confirmed_order(&app, &scene, &token, offering, "o-1", 100).await;
        let now = Utc::now();
        let drafted = app.post_as(&scene.street, "/api/v1/settlements", &json!({"organization_id": scene.org, "period_start": (now - TimeDelta::days(1)).to_rfc3339(), "period_end": now.to_rfc3339()})).await;
        assert_eq!(drafted.status, 201, "{}", drafted.text);
        let first = drafted.json["id"].as_i64().expect("an id");
        let refund = post_keyed(&app, &scene.provider, &format!("/api/v1/orders/{}/refunds", first_order["id"]), "r-1", &json!({"amount": "13.65", "reason": "少做了一刻钟"})).await;
        assert_eq!(refund.status, 201, "{}", refund.text);
        let second_order = confirmed_order(&app, &scene, &token, offering, "o-2", 0).await;
        let statement = app.get_as(&scene.street, &format!("/api/v1/settlements/{first}")).await;
        let csv = app.get_as(&scene.street, &format!("/api/v1/settlements/{first}/statement.csv")).await;
        // Back to the marks, as the previous version kept them, and a batch drafted by it.
        run_sql(&app, include_str!("../../../../migrations/postgres/2026-12-08-600000_settlement_ranges/down.sql"), include_str!("../../../../migrations/sqlite/2026-12-08-600000_settlement_ranges/down.sql")).await;
        let older = older_batch();
        run_sql(&app, &older, &older).await;
        run_sql(&app, include_str!("../../../../migrations/postgres/2026-12-08-600000_settlement_ranges/up.sql"), include_str!("../../../../migrations/sqlite/2026-12-08-600000_settlement_ranges/up.sql")).await;
        let all = batches(&app, &scene).await;
        assert_eq!(all.len(), 2);
        assert_eq!(all[0], statement.json, "the batch reads as it did");
        let again = app.get_as(&scene.street, &format!("/api/v1/settlements/{first}/statement.csv")).await;
        assert_eq!(again.text, csv.text);
        let older = &all[1];
        let older_id = older["settlement"]["id"].as_i64().expect("an id");
        let kinds: Vec<(&str, i64)> = older["lines"].as_array().expect("lines").iter().map(|l| (l["kind"].as_str().expect("a kind"), l["order_id"].as_i64().expect("an order"))).collect();
        assert_eq!(kinds, vec![("order", second_order["id"].as_i64().expect("an id")), ("refund", first_order["id"].as_i64().expect("an id"))], "{older}");
        for field in ["gross", "subsidy", "points", "copay", "commission", "net"] {
            assert_eq!(line_sum(older["lines"].as_array().expect("lines"), field), fen(&older["settlement"]["totals"][field]), "{field} adds up");
        }
        for (order, batch) in [(&first_order, first), (&second_order, older_id)] {
            let seen = app.get_as(&token, &format!("/api/v1/orders/{}", order["id"])).await;
            assert_eq!(seen.json["settlement_id"].as_i64(), Some(batch), "{}", seen.text);
        }
        let claim = app.get_as(&scene.street, &format!("/api/v1/subsidy-programs/{program}/claim")).await;
        let claimed: Vec<Option<i64>> = claim.json["lines"].as_array().expect("lines").iter().map(|l| l["settlement_id"].as_i64()).collect();
        assert_eq!(claimed, vec![Some(first), Some(older_id), Some(older_id)], "{}", claim.text);
        let third_order = confirmed_order(&app, &scene, &token, offering, "o-3", 0).await;
        let later = Utc::now().naive_utc() + TimeDelta::minutes(1);
        assert_eq!(settle_all(&app, now.naive_utc(), later).await, 1);
        let all = batches(&app, &scene).await;
        let newest: Vec<i64> = all[2]["lines"].as_array().expect("lines").iter().map(|l| l["order_id"].as_i64().expect("an order")).collect();
        assert_eq!(newest, vec![third_order["id"].as_i64().expect("an id")], "only what came after: {}", all[2]);
        assert_eq!(settle_all(&app, later, later + TimeDelta::days(7)).await, 0);
        assert_books_sound(&app).await;
    }
}
