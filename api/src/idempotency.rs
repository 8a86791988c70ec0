//! The `Idempotency-Key` protocol of operations that move points, at the edge: claim the key
//! before the work, refuse a second request while the first runs (409
//! `idempotency_key_in_flight`), refuse the key with another body (422
//! `idempotency_key_reused`), and answer later requests with the stored response.

use linli_domain::accounts::UserId;
use linli_domain::idempotency::{self, Begun};
use linli_domain::time::now_utc;
use poem::http::StatusCode;
use poem_openapi::types::{ParseFromJSON, ToJSON};

use crate::problem::{Problem, from_store_error};
use crate::state::AppState;

/// A claimed key: finish it with [`Claim::complete`] or [`Claim::abandon`].
#[derive(Debug)]
pub struct Claim {
    key: String,
}

/// What to do with a request.
#[derive(Debug)]
pub enum Start<V> {
    /// Run the work.
    Run(Claim),
    /// Answer with the stored response (the work was done before).
    Replay(V),
}

/// Claims `key` of `caller` for `operation` with `body`, or says how to answer instead.
pub async fn start<V: ParseFromJSON, B: ToJSON>(
    state: &AppState,
    caller: UserId,
    key: &str,
    operation: &'static str,
    body: &B,
) -> Result<Start<V>, Problem> {
    let scoped = format!("user:{}:{key}", caller.0);
    let hash = idempotency::request_hash(operation, &body.to_json().unwrap_or_default());
    let begun = idempotency::begin(&state.db, scoped.clone(), operation, hash, now_utc())
        .await
        .map_err(|e| from_store_error(&e))?;
    match begun {
        Begun::Claimed => Ok(Start::Run(Claim { key: scoped })),
        Begun::InFlight => Err(Problem::new(
            StatusCode::CONFLICT,
            "idempotency_key_in_flight",
            "a request with this Idempotency-Key is still running; retry shortly",
        )),
        Begun::Mismatch => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        )),
        Begun::Done { body, .. } => {
            let value = serde_json::from_str(&body).ok();
            V::parse_from_json(value)
                .map(Start::Replay)
                .map_err(|e| Problem::internal(&e.into_message()))
        }
    }
}

impl Claim {
    /// Stores the response so later requests with the key get it back. A failure to store is
    /// logged, not returned: the work is done, and a retry replays it through its own keys.
    pub async fn complete<V: ToJSON>(self, state: &AppState, status: StatusCode, view: &V) {
        let body = view.to_json_string();
        if let Err(error) = idempotency::complete(&state.db, self.key, status.as_u16(), body).await
        {
            tracing::warn!(%error, "storing an idempotent response failed");
        }
    }

    /// Drops the claim of a request that failed, so the caller may retry with the key.
    pub async fn abandon(self, state: &AppState) {
        if let Err(error) = idempotency::abandon(&state.db, self.key).await {
            tracing::warn!(%error, "dropping an idempotency claim failed; it lapses by itself");
        }
    }
}
