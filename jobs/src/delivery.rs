//! The outbox delivery worker `linli serve` runs beside the scheduler: it claims due messages
//! (several instances share the queue: SKIP LOCKED on PostgreSQL, guarded claims on SQLite),
//! hands each to its channel's sender, and records the outcome: delivered, retried after an
//! exponential backoff with jitter, or dead after too many attempts. A message committed just
//! before a crash is still pending after the restart, and is delivered then.

use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use linli_domain::db::{self, Db, StoreError};
use linli_domain::notifications::{self, Urgency, rules as notice_rules};
use linli_domain::outbox::{self, AfterFailure, Channel, Message, RetryPolicy, store};
use linli_domain::time::now_utc;
use tokio::sync::{Notify, watch};

use crate::email::EmailSender;
use crate::webhooks::WebhookSender;

/// Why one attempt failed, as a sender reports it: `permanent` makes the message dead at once.
pub type DeliveryFailure = outbox::Failure;

/// What the worker needs from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long an idle worker waits before looking for due messages again.
    pub poll_interval: Duration,
    /// Most messages claimed (and sent concurrently) at once.
    pub batch_size: i64,
    /// How long a claim holds a message; a worker that dies releases its messages after it.
    pub lease: Duration,
    /// Backoff and the attempts after which a message is dead.
    pub retry: RetryPolicy,
    /// The zone quiet hours are read in.
    pub zone: Tz,
}

/// One sender per channel.
pub struct Senders {
    /// Emails.
    pub email: EmailSender,
    /// Partner webhooks.
    pub webhook: WebhookSender,
}

impl Senders {
    /// Hands `message` to its channel's sender.
    pub async fn dispatch(&self, message: &Message) -> Result<(), DeliveryFailure> {
        match message.channel {
            Channel::Email => self.email.send(message).await,
            Channel::Webhook => self.webhook.send(message).await,
        }
    }
}

/// How one claimed message ended, for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Delivered,
    Retry,
    Dead,
    Deferred,
    Lost,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Retry => "retry",
            Self::Dead => "dead",
            Self::Deferred => "deferred",
            Self::Lost => "claim_lost",
        }
    }
}

/// How long a woken worker waits before claiming, so a burst of commits is claimed together
/// and wake-ups never cost more than one claim per this interval.
const WAKE_SPACING: Duration = Duration::from_millis(20);

/// The running worker.
pub struct DeliveryWorker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    wake: Waker,
}

/// Tells an idle worker to look for due messages now instead of at its next poll; cheap (no
/// I/O), so the HTTP edge calls it after every successful change, one of which may have
/// written an outbox message.
#[derive(Clone, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    /// Wakes the worker (at most one pending wake-up is kept).
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

struct Inner {
    db: Db,
    settings: Settings,
    senders: Senders,
    instance: String,
    wake: Waker,
}

impl DeliveryWorker {
    /// Starts polling for due messages on the current runtime.
    pub fn start(db: Db, settings: Settings, senders: Senders, instance: String) -> Self {
        let (stop, stopped) = watch::channel(false);
        tracing::info!(
            instance = %instance,
            poll_ms = settings.poll_interval.as_millis() as u64,
            max_attempts = settings.retry.max_attempts,
            "outbox delivery worker started"
        );
        let wake = Waker::default();
        let inner = Arc::new(Inner {
            db,
            settings,
            senders,
            instance,
            wake: wake.clone(),
        });
        let task = tokio::spawn(run(inner, stopped));
        Self { stop, task, wake }
    }

    /// A handle that wakes this worker.
    pub fn waker(&self) -> Waker {
        self.wake.clone()
    }

    /// Stops claiming, lets the batch in progress finish within `grace`. A message cut off
    /// keeps its claim until the lease runs out; then any instance delivers it.
    pub async fn shutdown(self, grace: Duration) {
        self.stop.send_replace(true);
        match tokio::time::timeout(grace, self.task).await {
            Ok(_) => tracing::info!("outbox delivery worker stopped"),
            Err(_) => tracing::warn!("outbox deliveries still in progress at shutdown"),
        }
    }
}

async fn run(inner: Arc<Inner>, mut stopped: watch::Receiver<bool>) {
    loop {
        if *stopped.borrow() {
            return;
        }
        let claimed = match tick(&inner).await {
            Ok(claimed) => claimed,
            Err(error) => {
                metrics::counter!("linli_outbox_claim_errors_total").increment(1);
                tracing::warn!(%error, "cannot claim outbox messages");
                0
            }
        };
        // A full batch suggests more are due: go again at once.
        if claimed < inner.settings.batch_size as usize {
            tokio::select! {
                () = tokio::time::sleep(inner.settings.poll_interval) => {}
                () = inner.wake.0.notified() => tokio::time::sleep(WAKE_SPACING).await,
                _ = stopped.changed() => return,
            }
        }
    }
}

/// Claims one batch, delivers it concurrently, refreshes the backlog gauge.
async fn tick(inner: &Arc<Inner>) -> Result<usize, StoreError> {
    let (instance, lease, batch) = (
        inner.instance.clone(),
        inner.settings.lease,
        inner.settings.batch_size,
    );
    let messages = inner
        .db
        .run(move |conn| {
            db::write(conn, |conn| {
                store::claim_due(conn, now_utc(), &instance, lease, batch)
            })
        })
        .await?;
    let claimed = messages.len();
    let deliveries = messages.into_iter().map(|message| {
        let inner = inner.clone();
        async move { deliver(&inner, message).await }
    });
    futures_util::future::join_all(deliveries).await;
    let pending = inner.db.run(store::pending_count).await?;
    #[expect(clippy::cast_precision_loss, reason = "a backlog fits a float")]
    metrics::gauge!("linli_outbox_pending").set(pending as f64);
    Ok(claimed)
}

async fn deliver(inner: &Inner, message: Message) {
    let started = std::time::Instant::now();
    let channel = message.channel.as_str();
    let outcome = match hold_for_quiet_hours(inner, &message) {
        Some(until) => settle_deferred(inner, &message, until).await,
        None => {
            let sent = inner.senders.dispatch(&message).await;
            settle(inner, &message, sent).await
        }
    };
    metrics::counter!("linli_outbox_deliveries_total", "channel" => channel, "outcome" => outcome.as_str())
        .increment(1);
    metrics::histogram!("linli_outbox_delivery_duration_seconds", "channel" => channel)
        .record(started.elapsed().as_secs_f64());
}

/// Non-urgent emails wait through quiet hours (22:00–08:00 in the configured zone).
fn hold_for_quiet_hours(inner: &Inner, message: &Message) -> Option<chrono::NaiveDateTime> {
    if message.channel != Channel::Email {
        return None;
    }
    let urgent = notifications::notice_of(&message.payload)
        .is_some_and(|notice| notice.urgency() == Urgency::Urgent);
    if urgent {
        return None;
    }
    notice_rules::quiet_until(now_utc(), inner.settings.zone)
}

async fn settle_deferred(
    inner: &Inner,
    message: &Message,
    until: chrono::NaiveDateTime,
) -> Outcome {
    let (id, instance) = (message.id.clone(), inner.instance.clone());
    let deferred = inner
        .db
        .run(move |conn| db::write(conn, |conn| store::defer(conn, &id, &instance, until)))
        .await;
    match deferred {
        Ok(true) => {
            tracing::info!(id = %message.id, topic = %message.topic, %until, "email held until quiet hours end");
            Outcome::Deferred
        }
        Ok(false) => Outcome::Lost,
        Err(error) => {
            tracing::warn!(id = %message.id, %error, "cannot defer an outbox message; its claim will lapse");
            Outcome::Lost
        }
    }
}

async fn settle(inner: &Inner, message: &Message, sent: Result<(), DeliveryFailure>) -> Outcome {
    let (id, instance) = (message.id.clone(), inner.instance.clone());
    match sent {
        Ok(()) => {
            let marked = inner
                .db
                .run(move |conn| {
                    db::write(conn, |conn| {
                        store::mark_delivered(conn, &id, &instance, now_utc())
                    })
                })
                .await;
            match marked {
                Ok(true) => {
                    tracing::info!(id = %message.id, channel = message.channel.as_str(), topic = %message.topic, attempt = message.attempts, "outbox message delivered");
                    Outcome::Delivered
                }
                Ok(false) => {
                    tracing::warn!(id = %message.id, "delivered, but the claim was taken over meanwhile; it may be delivered again");
                    Outcome::Lost
                }
                Err(error) => {
                    tracing::error!(id = %message.id, %error, "delivered, but cannot record it; it will be delivered again");
                    Outcome::Lost
                }
            }
        }
        Err(failure) => {
            let policy = inner.settings.retry;
            let jitter: f64 = rand::random();
            let recorded = failure.clone();
            let marked = inner
                .db
                .run(move |conn| {
                    db::write(conn, |conn| {
                        store::mark_failed(
                            conn,
                            &id,
                            &instance,
                            now_utc(),
                            &recorded,
                            &policy,
                            jitter,
                        )
                    })
                })
                .await;
            match marked {
                Ok(Some(AfterFailure::Retry(next))) => {
                    tracing::warn!(id = %message.id, topic = %message.topic, attempt = message.attempts, reason = %failure.reason, %next, "outbox delivery failed; will retry");
                    Outcome::Retry
                }
                Ok(Some(AfterFailure::Dead)) => {
                    tracing::error!(id = %message.id, topic = %message.topic, attempt = message.attempts, permanent = failure.permanent, reason = %failure.reason, "outbox message is dead");
                    Outcome::Dead
                }
                Ok(None) => Outcome::Lost,
                Err(error) => {
                    tracing::warn!(id = %message.id, %error, "cannot record a failed delivery; its claim will lapse");
                    Outcome::Lost
                }
            }
        }
    }
}
