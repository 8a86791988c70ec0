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
use linli_domain::time::now_utc;
use linli_domain::webhooks::guard::{self, AllowList};
use linli_domain::webhooks::rules::{StatusOutcome, check_url, sign, status_outcome};
use linli_domain::webhooks::store::{Recorded, Target};
use linli_domain::webhooks::{Attempt, EndpointId, store, usecases};

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

/// Why one attempt did not deliver; `permanent` failures are not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    /// True when retrying cannot help (the endpoint is gone or disabled).
    pub permanent: bool,
    /// What happened, for the outbox's `last_error`.
    pub reason: String,
}

impl SendFailure {
    fn retry(reason: String) -> Self {
        Self {
            permanent: false,
            reason,
        }
    }

    fn drop(reason: String) -> Self {
        Self {
            permanent: true,
            reason,
        }
    }
}

/// One outbox message of the webhook channel, as the worker hands it over.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    /// The message id, sent as `webhook-id` on every attempt.
    pub id: &'a str,
    /// The event name.
    pub topic: &'a str,
    /// The endpoint id, as text.
    pub recipient: &'a str,
    /// The JSON body, exactly as stored.
    pub payload: &'a str,
    /// Which attempt this is, from 1.
    pub attempt: i32,
}

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
    pub fn new(db: Db, settings: WebhookSettings) -> Result<Self, String> {
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
            .build()
            .map_err(|e| format!("cannot build the webhook HTTP client: {e}"))?;
        Ok(Self {
            db,
            client,
            settings,
        })
    }

    /// Posts `message` to its endpoint and records the attempt. `Ok` when the receiver
    /// answered 2xx; a retryable failure for any other answer, a transport error, a timeout or
    /// a refused address; a permanent one when the endpoint was removed or disabled.
    pub async fn send(&self, message: Outgoing<'_>) -> Result<(), SendFailure> {
        let endpoint = message
            .recipient
            .parse::<i64>()
            .map(EndpointId)
            .map_err(|_| SendFailure::drop(format!("`{}` is no endpoint id", message.recipient)))?;
        let target = self
            .db
            .run(move |conn| store::target(conn, endpoint))
            .await
            .map_err(|e| SendFailure::retry(e.to_string()))?
            .ok_or_else(|| {
                SendFailure::drop(format!("webhook endpoint {} was removed", endpoint.0))
            })?;
        if !target.endpoint.enabled() {
            return Err(SendFailure::drop(format!(
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
            message_id: message.id.to_owned(),
            event: message.topic.to_owned(),
            attempt: message.attempt.max(1),
            attempted_at: started_at,
            status_code,
            error: error.clone(),
            duration_ms,
            succeeded,
        };
        self.record(endpoint, attempt).await;
        match (succeeded, status_code, error) {
            (true, _, _) => Ok(()),
            (false, Some(status), _) => Err(SendFailure::retry(format!(
                "the receiver answered HTTP {status}"
            ))),
            (false, None, reason) => Err(SendFailure::retry(reason.unwrap_or_default())),
        }
    }

    /// One HTTP post; the receiver's status, or why there was none.
    async fn post(
        &self,
        target: &Target,
        message: Outgoing<'_>,
        at: NaiveDateTime,
    ) -> Result<u16, String> {
        let url = check_url(&target.endpoint.url).map_err(|e| e.to_string())?;
        if let Some(ip) = url.ip_literal() {
            guard::check(&self.settings.allow, &url.host(), ip).map_err(|e| e.to_string())?;
        }
        let timestamp = at.and_utc().timestamp();
        let body = message.payload.as_bytes().to_vec();
        let signature = sign(&target.secret, message.id, timestamp, &body);
        let mut response = self
            .client
            .post(url.as_str())
            .header("content-type", "application/json")
            .header("webhook-id", message.id)
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
