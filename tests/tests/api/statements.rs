//! The monthly points statement job: each person whose points moved last month gets the
//! month's figures in the app and by email through the real loopback SMTP server, once; a run
//! again sends nothing.

use std::time::Duration;

use chrono::Datelike;
use linli_domain::access::Role;
use linli_domain::job_runs::{Granularity, rules};
use linli_tests::{Reply, TestApp, engine_tests};
use serde_json::{Value, json};

use crate::email::register_with_email;

async fn post_keyed(app: &TestApp, token: &str, path: &str, key: &str, body: &Value) -> Reply {
    app.send_as(
        token,
        app.client
            .post(format!("{}{path}", app.address))
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

/// Runs the statement job for the 1st of next month in Shanghai: the month covered is this one.
async fn run_statements(app: &TestApp) -> (String, u64) {
    let zone = chrono_tz::Asia::Shanghai;
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    let this_month = today.with_day(1).expect("a first day");
    let next_month = (this_month + chrono::TimeDelta::days(32))
        .with_day(1)
        .expect("a first day");
    let slot = rules::parse_slot(&next_month.format("%Y-%m-%d").to_string(), Granularity::Day)
        .expect("a day slot");
    let counts = linli_jobs::ledger::send_points_statements(linli_jobs::JobContext {
        db: app.db(),
        slot,
        now: linli_domain::time::now_utc(),
        zone,
        retention: linli_jobs::runner::Retention::default(),
    })
    .await
    .expect("the statements go out");
    (
        this_month.format("%Y-%m").to_string(),
        counts["statements_sent"],
    )
}

/// The person's notifications of topic `points.statement`.
async fn statements(app: &TestApp, token: &str) -> Vec<Value> {
    let page = app.get_as(token, "/api/v1/me/notifications?limit=50").await;
    assert_eq!(page.status, 200, "{}", page.text);
    page.json["notifications"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|n| n["topic"] == "points.statement")
        .cloned()
        .collect()
}

engine_tests! {
    with = linli_tests::delivery;

    async fn a_monthly_statement_reaches_each_active_person_once_in_the_app_and_by_email(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (me, token) = register_with_email(&app, "13800138101", "chen@linli.test", "zh-CN", "陈晓东").await;
        let (_, quiet_token) = register_with_email(&app, "13800138102", "quiet@linli.test", "en", "Quiet").await;
        let welcomes = app.wait_for_mail(2, Duration::from_secs(20)).await.len();
        assert_eq!(welcomes, 2);
        let award = json!({"awards": [{"user_id": me, "points": 100, "reason": "敬老活动"}]});
        assert_eq!(post_keyed(&app, &staff, "/api/v1/points/awards", "month-1", &award).await.status, 201);
        let community = app.area("dongdajie-dongguan").await;
        let reward = app.post_as(&staff, "/api/v1/rewards", &json!({"community_id": community, "kind": "item", "title_zh": "大米五斤", "points_cost": 30})).await;
        assert_eq!(reward.status, 201, "{}", reward.text);
        let placed = post_keyed(&app, &token, "/api/v1/redemptions", "month-2", &json!({"reward_id": reward.json["id"]})).await;
        assert_eq!(placed.status, 201, "{}", placed.text);

        let (period, sent) = run_statements(&app).await;
        assert_eq!(sent, 1, "only the person whose points moved");
        let mine = statements(&app, &token).await;
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0]["title"].as_str(), Some(format!("{period} 积分月结单").as_str()));
        let body = mine[0]["body"].as_str().expect("a body");
        // The hold is still open: nothing left the account, the 30 points are owned and on hold.
        for part in ["月初 0", "获得 100", "使用 0", "过期 0", "月末 100", "冻结中（待兑换）30"] {
            assert!(body.contains(part), "{part} missing from {body}");
        }
        assert!(statements(&app, &quiet_token).await.is_empty(), "no activity, no statement");

        let received = app.wait_for_mail(welcomes + 1, Duration::from_secs(20)).await;
        assert_eq!(received.len(), welcomes + 1, "{received:?}");
        let parse = |raw: &[u8]| mail_parser::MessageParser::default().parse(raw).expect("a parseable message").subject().map(str::to_owned);
        let subject = format!("【邻里】{period} 积分月结单");
        let email = received.iter().find(|m| m.to == ["chen@linli.test"] && parse(&m.raw).as_deref() == Some(subject.as_str())).expect("the statement email");
        let parsed = mail_parser::MessageParser::default().parse(&email.raw).expect("a parseable message");
        let text = parsed.body_text(0).expect("a plain part");
        assert!(text.contains("获得 100") && text.contains("月末 100"), "{text}");

        let (_, again) = run_statements(&app).await;
        assert_eq!(again, 0, "a second run sends nothing");
        assert_eq!(statements(&app, &token).await.len(), 1);
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(app.wait_for_mail(0, Duration::ZERO).await.len(), welcomes + 1, "no second email");
    }
}

/// The statement row recorded for `user`: opening, earned, spent, expired, closing, on hold,
/// recorded minutes, honour hours.
async fn recorded(app: &TestApp, user: i64) -> Vec<[i64; 8]> {
    use diesel::prelude::*;
    use linli_domain::schema::points_statements as s;
    app.db()
        .run(move |conn| {
            s::table
                .filter(s::user_id.eq(user))
                .select((
                    s::opening,
                    s::earned,
                    s::spent,
                    s::expired,
                    s::closing,
                    s::on_hold,
                    s::recorded_minutes,
                    s::honour_hours,
                ))
                .load::<(i64, i64, i64, i64, i64, i64, i64, i64)>(conn)
                .map_err(linli_domain::db::StoreError::from)
        })
        .await
        .expect("the statements are read")
        .into_iter()
        .map(|(a, b, c, d, e, f, g, h)| [a, b, c, d, e, f, g, h])
        .collect()
}

engine_tests! {
    async fn a_month_with_a_released_hold_adds_up_and_shows_honour_hours_apart(app: TestApp) {
        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let (me, token) = crate::needs::volunteer(&app, "13800138101", "dongguan-g1", &staff).await;
        let award = json!({"awards": [{"user_id": me, "points": 100, "reason": "敬老活动"}]});
        assert_eq!(post_keyed(&app, &staff, "/api/v1/points/awards", "m-1", &award).await.status, 201);
        let community = app.area("dongdajie-dongguan").await;
        let mut rewards = Vec::new();
        for (title, cost) in [("大米五斤", 30), ("食用油一桶", 20), ("洗衣液一瓶", 15)] {
            let reward = app.post_as(&staff, "/api/v1/rewards", &json!({"community_id": community, "kind": "item", "title_zh": title, "points_cost": cost})).await;
            assert_eq!(reward.status, 201, "{}", reward.text);
            rewards.push(reward.json["id"].clone());
        }
        // 30 held and released, 20 held and captured, 15 held and still open at the end.
        let released = post_keyed(&app, &token, "/api/v1/redemptions", "m-2", &json!({"reward_id": rewards[0]})).await;
        assert_eq!(released.status, 201, "{}", released.text);
        let id = &released.json["redemption"]["id"];
        assert_eq!(app.post_as(&token, &format!("/api/v1/redemptions/{id}/cancellation"), &json!({})).await.status, 200);
        let captured = post_keyed(&app, &token, "/api/v1/redemptions", "m-3", &json!({"reward_id": rewards[1]})).await;
        assert_eq!(captured.status, 201, "{}", captured.text);
        let id = &captured.json["redemption"]["id"];
        assert_eq!(app.post_as(&staff, &format!("/api/v1/redemptions/{id}/fulfilment"), &json!({})).await.status, 200);
        let open = post_keyed(&app, &token, "/api/v1/redemptions", "m-4", &json!({"reward_id": rewards[2]})).await;
        assert_eq!(open.status, 201, "{}", open.text);
        assert_eq!(post_keyed(&app, &token, "/api/v1/points/donations", "m-5", &json!({"amount": 10})).await.status, 201);
        let honour = json!({"hours": 5, "reason": "汛期抗洪抢险志愿服务"});
        let added = post_keyed(&app, &staff, &format!("/api/v1/volunteers/{me}/honour-hours"), "m-6", &honour).await;
        assert_eq!(added.status, 201, "{}", added.text);

        let (_, sent) = run_statements(&app).await;
        assert_eq!(sent, 1);
        let rows = recorded(&app, me).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        let [opening, earned, spent, expired, closing, on_hold, minutes, honour_hours] = rows[0];
        assert_eq!((opening, earned, spent, expired), (0, 100, 30, 0), "spent: 20 redeemed and 10 donated, the released hold is not spent");
        assert_eq!((closing, on_hold), (70, 15), "70 owned, 15 of them on hold");
        assert_eq!(opening + earned - spent - expired, closing, "the month adds up exactly");
        assert_eq!((minutes, honour_hours), (0, 5), "honour hours apart, and they earned nothing");
        let balance = app.get_as(&token, "/api/v1/points/balance").await.json;
        assert_eq!((balance["available"].as_i64(), balance["on_hold"].as_i64()), (Some(55), Some(15)));
        let body = statements(&app, &token).await[0]["body"].as_str().expect("a body").to_owned();
        for part in ["使用 30", "月末 70", "冻结中（待兑换）15", "荣誉时长 5 小时"] {
            assert!(body.contains(part), "{part} missing from {body}");
        }

        let statement = app.get_as(&token, "/api/v1/points/statement").await;
        assert_eq!(statement.status, 200, "{}", statement.text);
        assert_eq!(statement.json["hours"]["honour_hours"], 5, "{}", statement.text);
        assert_eq!(statement.json["hours"]["recorded_minutes"], 0);
        assert_eq!(statement.json["hours"]["honour_hour_additions"][0]["reason"], "汛期抗洪抢险志愿服务");
        let lines = statement.json["lines"].as_array().expect("lines");
        assert!(lines.iter().all(|l| l["kind"] != "honour_hours"), "honour hours are no ledger line");
        let csv = app.get_as(&token, "/api/v1/points/statement.csv").await.text;
        let row = csv.lines().find(|l| l.contains(",honour_hours,")).unwrap_or_else(|| panic!("an honour-hours row in {csv}"));
        assert!(row.ends_with(",汛期抗洪抢险志愿服务,5"), "{row}");
        assert!(row.contains(",honour_hours,0,,"), "no points, no balance: {row}");
    }
}
