//! The outbox survives crashes: a message committed while SMTP is unreachable is delivered,
//! once, by the next `linli serve` after a SIGKILL. Without SMTP, emails become `.eml` files.
//! Housekeeping purges settled messages past their retention and never pending ones.

use std::time::Duration;

use chrono::TimeDelta;
use diesel::prelude::*;
use linli_domain::db::{self, DatabaseUrl, StoreError};
use linli_domain::outbox::{self, Channel, NewMessage, Status};
use linli_domain::schema::outbox as outbox_table;
use linli_domain::time::now_utc;
use linli_tests::smtp::SmtpServer;
use linli_tests::{PASSWORD, TestApp, engine_tests};
use serde_json::json;

use crate::cli::Served;

/// Registers an account with an email address through a running `linli serve`.
async fn register(port: u16, grid: i64, phone: &str, email: &str) {
    let reply = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/accounts"))
        .json(
            &json!({"phone": phone, "password": PASSWORD, "display_name": "孙奶奶",
                      "home_grid_id": grid, "locale": "zh-CN", "email": email}),
        )
        .send()
        .await
        .expect("the server answers");
    assert_eq!(reply.status(), 201, "{:?}", reply.text().await);
}

/// The outbox rows of `database`: (status, attempts).
fn rows(database: &DatabaseUrl) -> Vec<(String, i32)> {
    let mut conn = db::ConnectionManager::new(database.clone(), Default::default())
        .open()
        .expect("the database opens");
    outbox_table::table
        .select((outbox_table::status, outbox_table::attempts))
        .load(&mut conn)
        .expect("the outbox is read")
}

/// A grid of the demo tree in a freshly migrated database.
fn prepare(database: &DatabaseUrl) -> i64 {
    let mut conn = db::ConnectionManager::new(database.clone(), Default::default())
        .open()
        .expect("the database opens");
    db::migrate::run_pending(&mut conn).expect("the database migrates");
    linli_domain::seed::demo_areas(&mut conn, now_utc()).expect("the demo areas load");
    linli_domain::schema::areas::table
        .filter(linli_domain::schema::areas::code.like("%dongguan-g1"))
        .select(linli_domain::schema::areas::id)
        .first(&mut conn)
        .expect("a grid")
}

fn url_of(database: &DatabaseUrl) -> String {
    match database {
        DatabaseUrl::Postgres(raw) => raw.clone(),
        DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
    }
}

async fn crash_between_commit_and_delivery_loses_nothing(database: DatabaseUrl) {
    let grid = prepare(&database);
    let smtp_port = SmtpServer::free_port();
    let url = url_of(&database);
    let port = smtp_port.to_string();
    let zone = linli_tests::zone_at_local_hour(15).name().to_owned();
    let envs = [
        ("DATABASE_URL", url.as_str()),
        ("LINLI_JOBS_ENABLED", "false"),
        ("LINLI_SMTP_HOST", "127.0.0.1"),
        ("LINLI_SMTP_PORT", port.as_str()),
        ("LINLI_SMTP_TLS", "none"),
        ("LINLI_SMTP_TIMEOUT_SECS", "2"),
        ("LINLI_TIME_ZONE", zone.as_str()),
        ("LINLI_DELIVERY_POLL_INTERVAL_MS", "50"),
        ("LINLI_DELIVERY_RETRY_BASE_MS", "100"),
        ("LINLI_DELIVERY_RETRY_MAX_SECS", "1"),
        ("LINLI_DELIVERY_LEASE_SECS", "2"),
        ("LINLI_LOG_LEVEL", "linli_jobs=info,warn"),
    ];
    let mut first = Served::start(&envs);
    register(first.port, grid, "13800138301", "crash@linli.test").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !rows(&database).iter().any(|(_, attempts)| *attempts >= 2)
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = rows(&database);
    let log = first.kill_hard();
    assert_eq!(before.len(), 1, "{before:?}\n{log}");
    assert_eq!(
        before[0].0, "pending",
        "the email waits while SMTP is down: {log}"
    );
    assert!(
        before[0].1 >= 2,
        "it was tried and failed: {before:?}\n{log}"
    );

    let server = SmtpServer::start_on(smtp_port);
    let mut second = Served::start(&envs);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while server.received().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (code, log) = second.stop();
    assert_eq!(code, 0, "{log}");
    let received = server.received();
    assert_eq!(
        received.len(),
        1,
        "exactly once after the restart: {received:?}\n{log}"
    );
    assert_eq!(received[0].to, ["crash@linli.test"]);
    let after = rows(&database);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].0, "delivered", "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_commit_and_delivery_loses_nothing_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    crash_between_commit_and_delivery_loses_nothing(DatabaseUrl::Sqlite(
        dir.path().join("linli.db"),
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(linli_postgres), ignore = "LINLI_TEST_POSTGRES_URL is unset")]
async fn a_crash_between_commit_and_delivery_loses_nothing_on_postgres() {
    let database = tokio::task::spawn_blocking(linli_tests::postgres::TestDatabase::create)
        .await
        .expect("the PostgreSQL setup thread finishes");
    crash_between_commit_and_delivery_loses_nothing(database.url.clone()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_emails_become_eml_files_and_the_log_says_where_once() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = DatabaseUrl::Sqlite(dir.path().join("linli.db"));
    let grid = prepare(&database);
    let mail = dir.path().join("mail");
    let (url, mail_dir) = (url_of(&database), mail.display().to_string());
    let zone = linli_tests::zone_at_local_hour(15).name().to_owned();
    let mut served = Served::start(&[
        ("DATABASE_URL", url.as_str()),
        ("LINLI_JOBS_ENABLED", "false"),
        ("LINLI_MAIL_DIR", mail_dir.as_str()),
        ("LINLI_TIME_ZONE", zone.as_str()),
        ("LINLI_DELIVERY_POLL_INTERVAL_MS", "50"),
        ("LINLI_LOG_FORMAT", "json"),
    ]);
    register(served.port, grid, "13800138302", "file@linli.test").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut files = Vec::new();
    while files.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(25)).await;
        files = std::fs::read_dir(&mail)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .collect()
            })
            .unwrap_or_default();
    }
    let (code, log) = served.stop();
    assert_eq!(code, 0, "{log}");
    assert_eq!(files.len(), 1, "{files:?}\n{log}");
    let raw = std::fs::read(&files[0]).expect("the file reads");
    let parsed = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("a parseable email");
    assert_eq!(parsed.subject(), Some("【邻里】欢迎加入邻里"));
    let id = files[0]
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("a name");
    assert_eq!(
        parsed.message_id(),
        Some(format!("{id}@linli.invalid").as_str())
    );
    let said = log
        .lines()
        .filter(|l| l.contains("emails are written as .eml files"))
        .count();
    assert_eq!(said, 1, "{log}");
    assert!(log.contains(&mail_dir), "{log}");
}

/// Writes a message straight into the store as if it had been written `age` ago (its id, a
/// UUIDv7, tells that time too), and gives it `status`.
async fn settled(app: &TestApp, status: Status, age: TimeDelta) -> String {
    let db = app.db();
    let written = now_utc() - age;
    let millis = u64::try_from(written.and_utc().timestamp_millis()).expect("after 1970");
    let backdated = uuid::Builder::from_unix_timestamp_millis(millis, &rand::random())
        .into_uuid()
        .to_string();
    db.run(move |conn| {
        let id = db::write(conn, |conn| {
            outbox::enqueue(
                conn,
                now_utc(),
                NewMessage {
                    channel: Channel::Email,
                    topic: "account.welcome".into(),
                    recipient: "1".into(),
                    payload: json!({}),
                    not_before: now_utc(),
                },
            )
        })?;
        diesel::update(outbox_table::table.find(id.as_str()))
            .set((
                outbox_table::id.eq(&backdated),
                outbox_table::status.eq(status.as_str()),
                outbox_table::created_at.eq(written),
            ))
            .execute(conn)?;
        Ok::<_, StoreError>(backdated)
    })
    .await
    .expect("the message is written")
}

engine_tests! {
    async fn purge_delivered_outbox_removes_only_settled_messages_past_their_retention(app: TestApp) {
        let keep = [
            settled(&app, Status::Delivered, TimeDelta::days(29)).await,
            settled(&app, Status::Dead, TimeDelta::days(60)).await,
            settled(&app, Status::Pending, TimeDelta::days(400)).await,
        ];
        settled(&app, Status::Delivered, TimeDelta::days(31)).await;
        settled(&app, Status::Dead, TimeDelta::days(91)).await;
        let settings = linli_api::Config::default().job_settings().expect("valid settings");
        let report = linli_jobs::run_once(&app.db(), &settings, "purge_delivered_outbox", None)
            .await
            .expect("the job runs");
        let linli_jobs::RunReport::Ran(finished) = report else {
            panic!("the slot ran: {report:?}");
        };
        assert_eq!(finished.detail, json!({"delivered_purged": 1, "dead_purged": 1}));
        let left: Vec<String> = app
            .db()
            .run(|conn| {
                outbox_table::table
                    .select(outbox_table::id)
                    .order(outbox_table::id)
                    .load(conn)
                    .map_err(StoreError::from)
            })
            .await
            .expect("the outbox is read");
        let mut keep = keep.to_vec();
        keep.sort();
        assert_eq!(left, keep);
    }
}

/// `instance` claims what is due as if the clock read `ahead` later than now.
async fn claim(app: &TestApp, instance: &str, ahead: TimeDelta, limit: i64) -> Vec<String> {
    let instance = instance.to_owned();
    app.db()
        .run(move |conn| {
            db::write(conn, |conn| {
                outbox::claim_due(
                    conn,
                    now_utc() + ahead,
                    &instance,
                    Duration::from_secs(10),
                    limit,
                )
            })
        })
        .await
        .expect("the claim is answered")
        .into_iter()
        .map(|m| m.id.0)
        .collect()
}

engine_tests! {
    async fn concurrent_workers_claim_each_due_message_exactly_once(app: TestApp) {
        let mut written = Vec::new();
        for _ in 0..40 {
            written.push(settled(&app, Status::Pending, TimeDelta::zero()).await);
        }
        let workers = (0..4).map(|worker| {
            let app = &app;
            async move {
                let mut mine = Vec::new();
                loop {
                    let batch = claim(app, &format!("worker-{worker}"), TimeDelta::zero(), 3).await;
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch);
                }
            }
        });
        let claimed: Vec<Vec<String>> = futures_util::future::join_all(workers).await;
        let mut all: Vec<String> = claimed.iter().flatten().cloned().collect();
        all.sort();
        let total = all.len();
        all.dedup();
        assert_eq!(total, all.len(), "a message was claimed twice: {claimed:?}");
        written.sort();
        assert_eq!(all, written, "every due message was claimed");
        assert!(claimed.iter().filter(|c| !c.is_empty()).count() >= 2, "the workers really raced: {claimed:?}");
    }

    async fn a_worker_whose_claim_lapsed_cannot_settle_the_message_another_took_over(app: TestApp) {
        let id = settled(&app, Status::Pending, TimeDelta::zero()).await;
        assert_eq!(claim(&app, "stale", TimeDelta::zero(), 10).await, std::slice::from_ref(&id));
        assert!(claim(&app, "other", TimeDelta::seconds(5), 10).await.is_empty(), "a live claim is respected");
        assert_eq!(claim(&app, "fresh", TimeDelta::seconds(11), 10).await, std::slice::from_ref(&id), "a lapsed claim is taken over");
        let db = app.db();
        let message = outbox::MessageId(id);
        let settle = |instance: &'static str| {
            let (db, message) = (db.clone(), message.clone());
            async move {
                db.run(move |conn| db::write(conn, |conn| outbox::mark_delivered(conn, &message, instance, now_utc())))
                    .await
                    .expect("the outcome is answered")
            }
        };
        let failure = outbox::Failure { permanent: false, reason: "late".into() };
        let failed = {
            let message = message.clone();
            db.run(move |conn| {
                db::write(conn, |conn| {
                    outbox::mark_failed(conn, &message, "stale", now_utc(), &failure, &outbox::RetryPolicy::default(), 0.5)
                })
            })
            .await
            .expect("the outcome is answered")
        };
        assert_eq!(failed, None, "the stale worker cannot record a failure");
        assert!(!settle("stale").await, "nor a delivery");
        assert!(settle("fresh").await);
        let stored = db.run(move |conn| outbox::store::get(conn, &message)).await.expect("read").expect("exists");
        assert_eq!((stored.status, stored.attempts), (Status::Delivered, 2));
    }
}

/// Not a check but a measurement, run by hand (`cargo test --release -p linli-tests --test
/// api -- --ignored outbox::delivery_rate --nocapture`): how fast one worker drains a backlog
/// of notice emails into the loopback SMTP server, and the lag from commit to receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run by hand"]
async fn delivery_rate() {
    const EMAILS: usize = 500;
    for engine in [linli_tests::Engine::Sqlite, linli_tests::Engine::Postgres] {
        if engine == linli_tests::Engine::Postgres
            && std::env::var("LINLI_TEST_POSTGRES_URL").is_err()
        {
            continue;
        }
        let app = linli_tests::spawn_app_with(engine, |config| {
            linli_tests::delivery(config);
            config.delivery_batch_size = 50;
        })
        .await;
        let (user, _) =
            crate::email::register_with_email(&app, "13800138399", "rate@linli.test", "en", "Rate")
                .await;
        app.wait_for_mail(1, Duration::from_secs(20)).await;
        let db = app.db();
        let started = std::time::Instant::now();
        db.run(move |conn| {
            for _ in 0..EMAILS {
                db::write(conn, |conn| {
                    linli_domain::notifications::notify(
                        conn,
                        now_utc(),
                        linli_domain::accounts::UserId(user),
                        linli_domain::notifications::Notice::VolunteerVerified,
                    )
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .expect("the notices are written");
        let written = started.elapsed();
        let received = app
            .wait_for_mail(EMAILS + 1, Duration::from_secs(120))
            .await;
        let drained = started.elapsed();
        assert_eq!(received.len(), EMAILS + 1);
        let lags: Vec<f64> = app
            .db()
            .run(|conn| {
                outbox_table::table
                    .select((outbox_table::created_at, outbox_table::delivered_at))
                    .load::<(chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)>(conn)
                    .map_err(StoreError::from)
            })
            .await
            .expect("the outbox is read")
            .into_iter()
            .filter_map(|(created, delivered)| delivered.map(|d| (d - created).as_seconds_f64()))
            .collect();
        let mut lags = lags;
        lags.sort_by(f64::total_cmp);
        let at = |q: f64| lags[((lags.len() - 1) as f64 * q) as usize];
        eprintln!(
            "{engine:?}: {EMAILS} notices written in {written:?}, all received after {drained:?} \
             ({:.0} emails/s); lag commit→delivered p50 {:.3} s, p99 {:.3} s, max {:.3} s",
            EMAILS as f64 / drained.as_secs_f64(),
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
}
