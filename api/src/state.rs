//! What every endpoint shares: the store, the configuration, the login throttle.

use std::sync::Arc;

use linli_domain::db::Db;

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
}

impl AppState {
    /// State for a running service.
    pub fn new(db: Db, config: Config) -> Self {
        let throttle = LoginThrottle::new(
            config.login_failures_per_account,
            config.login_attempts_per_address,
        );
        Self {
            db,
            config: Arc::new(config),
            throttle: Arc::new(throttle),
        }
    }

    /// State without a database, for generating the API description.
    pub fn detached() -> Self {
        Self::new(Db::detached(), Config::default())
    }
}
