//! Emails leave through the outbox and the real loopback SMTP server: rendered in the
//! recipient's language with plain and HTML parts, `Message-ID` from the outbox id, retried
//! while SMTP is down and delivered once when it is back, held through quiet hours.

use std::time::Duration;

use linli_domain::access::Role;
use linli_tests::smtp::SmtpServer;
use linli_tests::{PASSWORD, TestApp, engine_tests};
use serde_json::{Value, json};

/// Registers an account with an email address and a language: (user id, token).
pub(crate) async fn register_with_email(
    app: &TestApp,
    phone: &str,
    email: &str,
    locale: &str,
    name: &str,
) -> (i64, String) {
    let grid = app.area("dongguan-g1").await;
    let reply = app
        .post_json(
            "/api/v1/accounts",
            &json!({"phone": phone, "password": PASSWORD, "display_name": name,
                    "home_grid_id": grid, "locale": locale, "email": email}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    (
        reply.json["id"].as_i64().expect("an id"),
        app.login(phone).await,
    )
}

/// The outbox as a platform admin lists it with `query`.
pub(crate) async fn outbox(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let reply = app
        .get_as(admin, &format!("/api/v1/outbox-messages{query}"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json.as_array().expect("a list").clone()
}

/// Polls the outbox until `done` holds for the messages listed with `query`.
pub(crate) async fn wait_outbox(
    app: &TestApp,
    admin: &str,
    query: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let messages = outbox(app, admin, query).await;
        if done(&messages) || std::time::Instant::now() > deadline {
            return messages;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parseable message")
}

/// Smtp down from the start, on a port the test brings up later.
fn smtp_down(config: &mut linli_api::Config) {
    linli_tests::delivery(config);
    config.smtp_port = SmtpServer::free_port();
    config.delivery_max_attempts = 100;
}

/// Smtp down, and a message dies after two attempts.
fn smtp_down_two_attempts(config: &mut linli_api::Config) {
    smtp_down(config);
    config.delivery_max_attempts = 2;
}

engine_tests! {
    with = linli_tests::delivery;

    async fn a_welcome_email_arrives_in_the_recipients_language_with_both_parts(app: TestApp) {
        let (user, _) = register_with_email(&app, "13800138101", "wang@linli.test", "en", "Mrs <Wang>").await;
        register_with_email(&app, "13800138102", "li@linli.test", "zh-CN", "李阿姨").await;
        let received = app.wait_for_mail(2, Duration::from_secs(20)).await;
        assert_eq!(received.len(), 2, "{received:?}");
        let (_, admin) = app.staff("13900000009", Role::PlatformAdmin, None).await;
        let messages = outbox(&app, &admin, "?channel=email&status=delivered").await;
        assert_eq!(messages.len(), 2, "{messages:?}");

        let english = received.iter().find(|m| m.to == ["wang@linli.test"]).expect("the English email");
        let parsed = parse(&english.raw);
        assert_eq!(parsed.subject(), Some("[Linli] Welcome to Linli"));
        let recipient = user.to_string();
        let id = messages.iter().find(|m| m["recipient"] == recipient.as_str()).expect("its outbox row")["id"]
            .as_str().expect("an id").to_owned();
        assert_eq!(parsed.message_id(), Some(format!("{id}@linli.invalid").as_str()), "Message-ID is the outbox id");
        let text = parsed.body_text(0).expect("a plain part");
        assert!(text.contains("Hello Mrs <Wang>,"), "{text}");
        let html = parsed.body_html(0).expect("an HTML part");
        assert!(html.contains("Hello Mrs &lt;Wang&gt;,"), "names are escaped in HTML: {html}");
        assert!(!html.contains("<Wang>"), "{html}");

        let chinese = received.iter().find(|m| m.to == ["li@linli.test"]).expect("the Chinese email");
        let parsed = parse(&chinese.raw);
        assert_eq!(parsed.subject(), Some("【邻里】欢迎加入邻里"));
        assert!(parsed.body_text(0).expect("a plain part").contains("李阿姨，您好"));
        assert_eq!(messages[0]["attempts"], 1);
        assert!(messages[0]["delivered_at"].is_string());
    }
}

engine_tests! {
    with = smtp_down;

    async fn while_smtp_is_down_an_email_is_retried_and_arrives_once_when_it_is_back(app: TestApp) {
        let port = app.smtp_port_configured();
        register_with_email(&app, "13800138103", "zhao@linli.test", "zh-CN", "赵大爷").await;
        let (_, admin) = app.staff("13900000009", Role::PlatformAdmin, None).await;
        let failing = wait_outbox(&app, &admin, "?status=pending", |m| {
            m.iter().any(|m| m["attempts"].as_i64().unwrap_or(0) >= 3)
        }).await;
        let welcome = failing.iter().find(|m| m["topic"] == "account.welcome").expect("the welcome email waits");
        assert!(welcome["attempts"].as_i64().unwrap_or(0) >= 3, "{failing:?}");
        assert!(welcome["last_error"].as_str().unwrap_or_default().contains("smtp"), "{welcome}");

        let server = SmtpServer::start_on(port);
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while server.received().is_empty() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        // Long enough for a duplicate to show up if there were one.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let received = server.received();
        assert_eq!(received.len(), 1, "delivered exactly once: {received:?}");
        assert_eq!(received[0].to, ["zhao@linli.test"]);
        let delivered = outbox(&app, &admin, "?status=delivered").await;
        assert_eq!(delivered.len(), 1, "{delivered:?}");
        assert_eq!(delivered[0]["id"], welcome["id"]);
        assert!(outbox(&app, &admin, "?status=pending").await.is_empty());
        let metrics = app.get("/metrics").await.text;
        assert!(metrics.contains(r#"linli_outbox_deliveries_total{channel="email",outcome="retry"}"#), "{metrics}");
        assert!(metrics.contains(r#"linli_outbox_deliveries_total{channel="email",outcome="delivered"}"#), "{metrics}");
        assert!(metrics.contains("linli_outbox_pending"), "{metrics}");
    }
}

engine_tests! {
    with = smtp_down;

    async fn an_email_to_a_closed_account_is_dead_at_once_without_using_up_its_attempts(app: TestApp) {
        let (_, token) = register_with_email(&app, "13800138109", "gone@linli.test", "en", "Gone").await;
        let closed = app.post_as(&token, "/api/v1/me/closure", &json!({"password": linli_tests::PASSWORD})).await;
        assert_eq!(closed.status, 204, "{}", closed.text);
        let (_, admin) = app.staff("13900000009", Role::PlatformAdmin, None).await;
        let dead = wait_outbox(&app, &admin, "?status=dead", |m| !m.is_empty()).await;
        assert_eq!(dead.len(), 1, "{dead:?}");
        assert!(dead[0]["last_error"].as_str().unwrap_or_default().contains("closed their account"), "{}", dead[0]);
        assert!(dead[0]["attempts"].as_i64().unwrap_or(100) < 100, "a permanent failure does not wait for the last attempt");
    }
}

engine_tests! {
    with = smtp_down_two_attempts;

    async fn a_dead_message_is_listed_and_an_admin_retry_delivers_it(app: TestApp) {
        let port = app.smtp_port_configured();
        register_with_email(&app, "13800138104", "sun@linli.test", "en", "Sun").await;
        let (_, admin) = app.staff("13900000009", Role::PlatformAdmin, None).await;
        let dead = wait_outbox(&app, &admin, "?status=dead&channel=email", |m| !m.is_empty()).await;
        assert_eq!(dead.len(), 1, "{dead:?}");
        assert_eq!(dead[0]["attempts"], 2);
        let id = dead[0]["id"].as_str().expect("an id").to_owned();

        let (_, resident) = app.resident("13800138105", "dongguan-g1").await;
        app.get_as(&resident, "/api/v1/outbox-messages").await.assert_problem(403, "forbidden");
        app.post_as(&resident, &format!("/api/v1/outbox-messages/{id}/retry"), &json!({})).await.assert_problem(403, "forbidden");
        app.post_as(&admin, "/api/v1/outbox-messages/0193a0f4-0000-7000-8000-000000000000/retry", &json!({})).await
            .assert_problem(404, "outbox_message_not_found");
        app.get_as(&admin, "/api/v1/outbox-messages?status=buried").await.assert_problem(400, "invalid_parameter");
        app.get("/api/v1/outbox-messages").await.assert_problem(401, "unauthenticated");

        let server = SmtpServer::start_on(port);
        let retried = app.post_as(&admin, &format!("/api/v1/outbox-messages/{id}/retry"), &json!({})).await;
        assert_eq!(retried.status, 200, "{}", retried.text);
        assert_eq!(retried.json["status"], "pending");
        assert_eq!(retried.json["attempts"], 0);
        let delivered = wait_outbox(&app, &admin, "?status=delivered", |m| !m.is_empty()).await;
        assert_eq!(delivered.len(), 1, "{delivered:?}");
        assert_eq!(server.received().len(), 1);
        app.post_as(&admin, &format!("/api/v1/outbox-messages/{id}/retry"), &json!({})).await
            .assert_problem(409, "outbox_message_not_dead");
        let audit = app.get_as(&admin, "/api/v1/audit-events").await;
        assert!(audit.text.contains("outbox_message.retried"), "{}", audit.text);
    }
}

/// Delivery on, but an idle worker would only look again after a minute.
fn slow_poll(config: &mut linli_api::Config) {
    linli_tests::delivery(config);
    config.delivery_poll_interval_ms = 60_000;
}

engine_tests! {
    with = slow_poll;

    async fn a_change_that_writes_an_email_wakes_the_idle_worker(app: TestApp) {
        // Let the worker go idle on its long poll first.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = std::time::Instant::now();
        register_with_email(&app, "13800138108", "wu@linli.test", "en", "Wu").await;
        let received = app.wait_for_mail(1, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 1, "the email left without waiting for the poll");
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    }
}

/// Delivery on, in a zone where it is 03:00 now: inside quiet hours.
fn at_night(config: &mut linli_api::Config) {
    linli_tests::delivery(config);
    config.time_zone = linli_tests::zone_at_local_hour(3);
}

engine_tests! {
    with = at_night;

    async fn in_quiet_hours_an_ordinary_email_waits_for_eight_and_an_urgent_one_goes_at_once(app: TestApp) {
        let (resident, _) = register_with_email(&app, "13800138106", "qian@linli.test", "zh-CN", "钱奶奶").await;
        let (proxy, _) = app.resident("13800138107", "dongguan-g1").await;
        let (_, admin) = app.staff("13900000009", Role::PlatformAdmin, None).await;
        let held = wait_outbox(&app, &admin, "?status=pending", |m| {
            m.iter().any(|m| m["attempts"] == 0 && m["next_attempt_at"].as_str().unwrap_or_default().contains(":00:00"))
        }).await;
        let welcome = held.iter().find(|m| m["topic"] == "account.welcome").expect("the welcome waits");
        let next = chrono::DateTime::parse_from_rfc3339(welcome["next_attempt_at"].as_str().expect("a time")).expect("RFC 3339");
        let zone = linli_tests::zone_at_local_hour(3);
        let local = next.with_timezone(&zone);
        assert_eq!(local.format("%H:%M:%S").to_string(), "08:00:00", "{welcome}");
        assert!(next > chrono::Utc::now() + chrono::TimeDelta::hours(4), "{welcome}");

        let (_, staff) = app.staff("13900000003", Role::CommunityStaff, Some("-dongguan")).await;
        let consent = app.post_as(&staff, "/api/v1/proxy-consents", &json!({"resident_id": resident, "proxy_id": proxy, "relationship": "family"})).await;
        assert_eq!(consent.status, 201, "{}", consent.text);
        let received = app.wait_for_mail(1, Duration::from_secs(20)).await;
        assert_eq!(received.len(), 1, "{received:?}");
        let parsed = parse(&received[0].raw);
        assert_eq!(parsed.subject(), Some("【邻里】已登记代办人"), "only the urgent notice went out");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(app.smtp.received().len(), 1, "the welcome still waits for the morning");
    }
}
