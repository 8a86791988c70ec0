//! The webhook channel of the outbox: posts one message to its endpoint, signed the Standard
//! Webhooks way, records the attempt in the endpoint's delivery log and tells the worker
//! whether to retry. The address guard runs again here, on the addresses the host resolves to
//! at delivery time, so a name that re-points to a private address (DNS rebinding) is never
//! reached; redirects are never followed.

mod resolver;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use linli_domain::db::Db;
use linli_domain::outbox::Message;
use linli_domain::time::now_utc;
use linli_domain::webhooks::guard::{self, AllowList};
use linli_domain::webhooks::rules::{StatusOutcome, check_url, sign, status_outcome};
use linli_domain::webhooks::store::{Recorded, Target};
use linli_domain::webhooks::{Attempt, EndpointId, store, usecases};

use crate::delivery::DeliveryFailure;

/// Most bytes of a receiver's answer read (and then dropped) so the connection can be reused.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// What the webhook channel needs from configuration.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Targets allowed although the guard would refuse them.
    pub allow: AllowList,
    /// How long one attempt may take, connecting included.
    pub timeout: Duration,
    /// How long an endpoint may fail without a success before it is disabled.
    pub failure_window: TimeDelta,
}

/// A failure worth retrying (the receiver may come back).
fn retry(reason: String) -> DeliveryFailure {
    DeliveryFailure {
        permanent: false,
        reason,
    }
}

/// A failure no retry can cure (the endpoint is gone or disabled): the message is dead.
fn give_up(reason: String) -> DeliveryFailure {
    DeliveryFailure {
        permanent: true,
        reason,
    }
}

/// The webhook HTTP client could not be built (no TLS backend, …).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the webhook HTTP client: {0}")]
pub struct WebhookSetupError(#[from] reqwest::Error);

/// Sends webhook messages; one per worker, cheap to clone, keeps connections alive.
#[derive(Clone)]
pub struct WebhookSender {
    db: Db,
    client: reqwest::Client,
    settings: Arc<WebhookSettings>,
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

impl WebhookSender {
    /// A sender whose client resolves names through the address guard, follows no redirects
    /// and gives each attempt `settings.timeout`.
    pub fn new(db: Db, settings: WebhookSettings) -> Result<Self, WebhookSetupError> {
        let settings = Arc::new(settings);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(resolver::GuardedResolver::new(
                settings.allow.clone(),
            )))
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("Linli-Webhooks/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self {
            db,
            client,
            settings,
        })
    }

    /// Posts `message` to its endpoint and records the attempt. `Ok` when the receiver
    /// answered 2xx; a retryable failure for any other answer, a transport error, a timeout or
    /// a refused address; a permanent one when the endpoint was removed or disabled.
    pub async fn send(&self, message: &Message) -> Result<(), DeliveryFailure> {
        let endpoint = message
            .recipient
            .parse::<i64>()
            .map(EndpointId)
            .map_err(|_| give_up(format!("`{}` is no endpoint id", message.recipient)))?;
        let target = self
            .db
            .run(move |conn| store::target(conn, endpoint))
            .await
            .map_err(|e| retry(e.to_string()))?
            .ok_or_else(|| give_up(format!("webhook endpoint {} was removed", endpoint.0)))?;
        if !target.endpoint.enabled() {
            return Err(give_up(format!(
                "webhook endpoint {} is disabled",
                endpoint.0
            )));
        }
        let started_at = now_utc();
        let clock = Instant::now();
        let outcome = self.post(&target, message, started_at).await;
        let duration_ms = i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status_code, error) = match &outcome {
            Ok(status) => (Some(*status), None),
            Err(reason) => (None, Some(reason.clone())),
        };
        let succeeded = matches!(
            status_code.map(status_outcome),
            Some(StatusOutcome::Delivered)
        );
        metrics::counter!(
            "linli_webhook_attempts_total",
            "outcome" => if succeeded { "delivered" } else { "failed" }
        )
        .increment(1);
        metrics::histogram!("linli_webhook_attempt_duration_seconds")
            .record(clock.elapsed().as_secs_f64());
        let attempt = Attempt {
            message_id: message.id.as_str().to_owned(),
            event: message.topic.clone(),
            attempt: message.attempts.max(1),
            attempted_at: started_at,
            status_code,
            error: error.clone(),
            duration_ms,
            succeeded,
        };
        self.record(endpoint, attempt).await;
        match (succeeded, status_code, error) {
            (true, _, _) => Ok(()),
            (false, Some(status), _) => Err(retry(format!("the receiver answered HTTP {status}"))),
            (false, None, reason) => Err(retry(reason.unwrap_or_default())),
        }
    }

    /// One HTTP post; the receiver's status, or why there was none.
    async fn post(
        &self,
        target: &Target,
        message: &Message,
        at: NaiveDateTime,
    ) -> Result<u16, String> {
        let url = check_url(&target.endpoint.url).map_err(|e| e.to_string())?;
        if let Some(ip) = url.ip_literal() {
            guard::check(&self.settings.allow, &url.host(), ip).map_err(|e| e.to_string())?;
        }
        let timestamp = at.and_utc().timestamp();
        // The stored JSON re-serialised: object keys come out sorted, so every attempt of one
        // message sends the same bytes.
        let body = serde_json::to_vec(&message.payload).map_err(|e| e.to_string())?;
        let signature = sign(&target.secret, message.id.as_str(), timestamp, &body);
        let mut response = self
            .client
            .post(url.as_str())
            .header("content-type", "application/json")
            .header("webhook-id", message.id.as_str())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = response.status().as_u16();
        let mut read = 0;
        while read < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(status)
    }

    /// Writes the attempt to the log (disabling the endpoint and telling its admins when it
    /// completed the failure window). A failure to record is logged, not retried: the
    /// delivery itself already happened or failed.
    async fn record(&self, endpoint: EndpointId, attempt: Attempt) {
        let window = self.settings.failure_window;
        let recorded = usecases::record_attempt(&self.db, endpoint, attempt, window).await;
        match recorded {
            Ok(Recorded::Disabled) => {
                tracing::warn!(
                    endpoint = endpoint.0,
                    "webhook endpoint disabled after failing for the whole failure window"
                );
            }
            Ok(Recorded::Logged | Recorded::EndpointGone) => {}
            Err(error) => {
                tracing::error!(endpoint = endpoint.0, %error, "cannot record a webhook attempt");
            }
        }
    }
}
