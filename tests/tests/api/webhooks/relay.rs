//! The relay under load: a large backlog for one endpoint, drained by several delivery workers
//! sharing the queue, reaches the receiver exactly once per message, signed, and logged.

use std::collections::HashSet;
use std::time::Duration;

use diesel::prelude::*;
use linli_domain::db::{self, StoreError};
use linli_domain::organizations::OrganizationId;
use linli_domain::schema::{outbox, webhook_deliveries};
use linli_domain::time::now_utc;
use linli_domain::webhooks::{Event, usecases};
use linli_jobs::delivery::{DeliveryWorker, Senders};
use linli_tests::TestApp;
use serde_json::json;

use super::{
    Receiver, body_json, delivering_app, register, verified_team, verify_standard_webhook,
};
use linli_tests::Engine;

/// Messages in the backlog.
const BACKLOG: usize = 1200;

/// A delivery worker beside the server's own, on the same database, as another instance
/// would run it: small claims and few sends at once, so the workers interleave.
fn extra_worker(app: &TestApp, name: &str) -> DeliveryWorker {
    let mut config = TestApp::config(app.database_url.clone());
    linli_tests::delivery(&mut config);
    config.delivery_batch_size = 7;
    config.webhook_allowed_targets = "127.0.0.0/8".into();
    let senders = Senders {
        email: linli_jobs::email::EmailSender::new(
            app.db(),
            config.email_settings().expect("email settings"),
        )
        .expect("an email sender"),
        webhook: linli_jobs::webhooks::WebhookSender::new(
            config.webhook_settings().expect("webhook settings"),
        )
        .expect("a webhook sender"),
    };
    DeliveryWorker::start(
        app.db(),
        config.delivery_settings(),
        senders,
        name.to_owned(),
    )
}

delivery_tests! {
    async fn a_large_backlog_drained_by_several_workers_reaches_the_receiver_exactly_once(app, 86_400, "127.0.0.0/8") {
        let receiver = Receiver::start(0).await;
        let (id, admin) = verified_team(&app, "13800138000", "13900000003").await;
        let created = register(&app, &admin, &id, &receiver.url, &["organization.updated"]).await;
        let secret = created["secret"].as_str().expect("a secret").to_owned();
        let organization = OrganizationId(id.as_i64().expect("an organization id"));
        let workers: Vec<DeliveryWorker> = (0..3).map(|n| extra_worker(&app, &format!("extra-{n}"))).collect();
        let db = app.db();
        db.run(move |conn| {
            for chunk in 0..BACKLOG / 100 {
                db::write(conn, |conn| {
                    for seq in chunk * 100..(chunk + 1) * 100 {
                        usecases::publish(conn, now_utc(), organization, Event::OrganizationUpdated, json!({"seq": seq}))?;
                    }
                    Ok::<_, StoreError>(())
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .expect("the backlog is written");
        let hooks = receiver.wait_for(BACKLOG).await;
        let mut settled = (0, 0, 0);
        for _ in 0..200 {
            settled = db
                .run(|conn| {
                    let delivered: i64 = outbox::table
                        .filter(outbox::channel.eq("webhook"))
                        .filter(outbox::status.eq("delivered"))
                        .filter(outbox::attempts.eq(1))
                        .count()
                        .get_result(conn)?;
                    let logged: i64 = webhook_deliveries::table
                        .filter(webhook_deliveries::succeeded.eq(true))
                        .count()
                        .get_result(conn)?;
                    let claimers: i64 = outbox::table
                        .filter(outbox::claimed_by.is_not_null())
                        .count()
                        .get_result(conn)?;
                    Ok::<_, StoreError>((delivered, logged, claimers))
                })
                .await
                .expect("the outbox is readable");
            if settled.0 == BACKLOG as i64 && settled.1 == BACKLOG as i64 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(settled, (BACKLOG as i64, BACKLOG as i64, 0), "every message delivered on its first attempt, logged once, no claim left");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let hooks_now = receiver.hooks();
        assert_eq!(hooks_now.len(), BACKLOG, "nothing was posted twice");
        let ids: HashSet<&str> = hooks.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids.len(), BACKLOG, "one webhook-id per message");
        let seqs: HashSet<i64> = hooks.iter().map(|h| body_json(h)["data"]["seq"].as_i64().expect("a seq")).collect();
        assert_eq!(seqs.len(), BACKLOG, "every event arrived");
        assert!(
            hooks.iter().all(|h| verify_standard_webhook(&secret, &h.id, &h.timestamp, &h.body, &h.signature)),
            "every delivery is signed"
        );
        for worker in workers {
            worker.shutdown(Duration::from_secs(5)).await;
        }
        let endpoint = &created["id"];
        let removed = app.delete_as(&admin, &crate::organizations::path(&id, &format!("/webhooks/{endpoint}"))).await;
        assert_eq!(removed.status, 204, "{}", removed.text);
        let logged: i64 = db
            .run(|conn| webhook_deliveries::table.count().get_result(conn).map_err(StoreError::from))
            .await
            .expect("the log is readable");
        assert_eq!(logged, 0, "the endpoint's delivery log goes with it");
    }
}
