//! What every endpoint shares: the store, the configuration, the login throttle.

use std::sync::Arc;

use linli_domain::db::Db;
use linli_domain::matching::index::CandidateIndex;
use linli_domain::webhooks::guard::AllowList;

use crate::config::Config;
use crate::throttle::LoginThrottle;

/// Shared by all API structs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub db: Db,
    /// The configuration the service started with.
    pub config: Arc<Config>,
    /// Login limits.
    pub throttle: Arc<LoginThrottle>,
    /// Webhook targets allowed although the address guard would refuse them.
    pub webhook_allow_list: Arc<AllowList>,
    /// Volunteers' matching facts in memory, rebuilt when the store says they changed.
    pub candidates: Arc<CandidateIndex>,
}

impl AppState {
    /// State for a running service.
    pub fn new(db: Db, config: Config) -> Self {
        let throttle = LoginThrottle::new(
            config.login_failures_per_account,
            config.login_attempts_per_address,
        );
        // `Config::check` refused a malformed list before the service was built.
        let webhook_allow_list = config.webhook_allow_list().unwrap_or_default();
        Self {
            db,
            config: Arc::new(config),
            throttle: Arc::new(throttle),
            webhook_allow_list: Arc::new(webhook_allow_list),
            candidates: Arc::new(CandidateIndex::new()),
        }
    }

    /// State without a database, for generating the API description.
    pub fn detached() -> Self {
        Self::new(Db::detached(), Config::default())
    }
}
