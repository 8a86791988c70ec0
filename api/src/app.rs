//! The running service: built from a [`Config`], bound to its port, served until shut down.
//! `linli serve` and the black-box tests both start Linli through [`Application::build`].

use std::time::Duration;

use linli_domain::db::{Db, migrate};
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::{EndpointExt, Route, Server, get};

use crate::config::Config;
use crate::state::AppState;
use crate::{edge, health, routes};

/// Why the service could not start; shown as one line with a non-zero exit.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened.
    #[error(transparent)]
    Connect(#[from] linli_domain::db::ConnectError),
    /// Migrations failed or the schema is from a newer Linli.
    #[error(transparent)]
    Migrate(#[from] migrate::MigrationError),
    /// The schema is behind and automatic migration is off.
    #[error(
        "the database needs migrations {0:?}; run `linli migrate` or set LINLI_AUTO_MIGRATE=true"
    )]
    MigrationsPending(Vec<String>),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}: {reason}")]
    Bind {
        /// The configured address.
        address: String,
        /// What the OS said.
        reason: String,
    },
}

/// A bound, ready-to-serve Linli.
pub struct Application {
    acceptor: TcpAcceptor,
    port: u16,
    db: Db,
    config: Config,
}

/// Opens the store and brings its schema up to date (or checks it, when auto-migrate is off).
pub async fn open_store(config: &Config) -> Result<Db, StartError> {
    let url = config.database_url.clone();
    let options = config.pool_options();
    let auto_migrate = config.auto_migrate;
    tokio::task::spawn_blocking(move || {
        let db = Db::connect(url.clone(), options)?;
        let mut conn = linli_domain::db::ConnectionManager::new(url, options.sqlite).open()?;
        if auto_migrate {
            let applied = migrate::run_pending(&mut conn)?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
        } else if let migrate::SchemaStatus::Pending(pending) = migrate::status(&mut conn)? {
            return Err(StartError::MigrationsPending(pending));
        }
        Ok(db)
    })
    .await
    .unwrap_or_else(|join| std::panic::resume_unwind(join.into_panic()))
}

impl Application {
    /// Opens the store, migrates it and binds the listener; nothing is served yet.
    pub async fn build(config: Config) -> Result<Self, StartError> {
        crate::metrics::handle();
        let db = open_store(&config).await?;
        let bind_error = |e: std::io::Error| StartError::Bind {
            address: config.bind.to_string(),
            reason: e.to_string(),
        };
        let acceptor = TcpListener::bind(config.bind)
            .into_acceptor()
            .await
            .map_err(bind_error)?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .unwrap_or(config.bind.port());
        Ok(Self {
            acceptor,
            port,
            db,
            config,
        })
    }

    /// The bound port (useful when configured as 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The store handle, for commands that run beside the server.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until `shutdown` completes, then gives in-flight requests the grace period.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let grace = Duration::from_secs(self.config.shutdown_grace_secs);
        let app = endpoint(AppState::new(self.db.clone(), self.config.clone()));
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, shutdown, Some(grace))
            .await
    }
}

/// The whole HTTP surface: API, docs, health, metrics, wrapped by the edge.
pub fn endpoint(state: AppState) -> impl poem::Endpoint<Output = poem::Response> + 'static {
    let max_body_bytes = state.config.max_body_bytes;
    let db = state.db.clone();
    let api = routes::service(state);
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    let route = Route::new()
        .nest(routes::API_PREFIX, api)
        .at(format!("{}/openapi.json", routes::API_PREFIX), spec)
        .nest("/docs", docs)
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/metrics", get(health::metrics))
        .data(db);
    edge::wrap(route, max_body_bytes)
}
