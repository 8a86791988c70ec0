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
        for part in ["月初 0", "获得 100", "使用 30", "过期 0", "月末 70", "冻结中（待兑换）30"] {
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
        assert!(text.contains("获得 100") && text.contains("月末 70"), "{text}");

        let (_, again) = run_statements(&app).await;
        assert_eq!(again, 0, "a second run sends nothing");
        assert_eq!(statements(&app, &token).await.len(), 1);
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(app.wait_for_mail(0, Duration::ZERO).await.len(), welcomes + 1, "no second email");
    }
}
