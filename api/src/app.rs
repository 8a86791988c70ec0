//! The running service: built from a [`Config`], bound to its port, served until shut down.
//! `linli serve` and the black-box tests both start Linli through [`Application::build`].

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use linli_domain::db::{DatabaseUrl, Db, migrate};
use poem::{Endpoint, EndpointExt, Route, get};
use tokio::net::TcpListener;

use crate::config::Config;
use crate::state::AppState;
use crate::{edge, health, routes, web};

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
    /// Another `linli serve` holds the SQLite database: SQLite serves one instance.
    #[error(
        "another linli serve{holder} is already using {database}; stop it first, or use PostgreSQL to run several instances"
    )]
    SqliteInUse {
        /// The database file.
        database: String,
        /// ` (pid N)` when the holder wrote its process id, else empty.
        holder: String,
    },
    /// The lock beside the SQLite database could not be taken.
    #[error("cannot open SQLite database {database}: cannot lock {lock}: {reason}")]
    SqliteLock {
        /// The database file.
        database: String,
        /// The lock file.
        lock: String,
        /// What the OS said.
        reason: String,
    },
    /// The configuration of jobs is unusable (only when built without `Config::load`).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The job scheduler could not be set up or started.
    #[error(transparent)]
    Jobs(#[from] linli_jobs::SchedulerError),
    /// The email channel could not be set up.
    #[error(transparent)]
    Email(#[from] linli_jobs::email::EmailSetupError),
    /// The webhook channel could not be set up.
    #[error(transparent)]
    Webhooks(#[from] linli_jobs::webhooks::WebhookSetupError),
}

/// A bound, ready-to-serve Linli.
pub struct Application {
    listener: TcpListener,
    port: u16,
    db: Db,
    config: Config,
    jobs: Option<linli_jobs::Scheduler>,
    delivery: Option<DeliveryPlan>,
    sqlite_lock: Option<File>,
}

/// The outbox worker, ready to start with the server.
struct DeliveryPlan {
    settings: linli_jobs::delivery::Settings,
    senders: linli_jobs::delivery::Senders,
}

/// Takes `<database>.lock` beside an SQLite database, exclusively and for as long as the
/// returned file lives, so a second `linli serve` on the same file is refused: SQLite is the
/// single-instance engine. The lock dies with the process, so a crash never leaves it stale.
fn lock_sqlite(url: &DatabaseUrl) -> Result<Option<File>, StartError> {
    let DatabaseUrl::Sqlite(path) = url else {
        return Ok(None);
    };
    let mut lock = path.clone().into_os_string();
    lock.push(".lock");
    let lock = PathBuf::from(lock);
    let failed = |e: std::io::Error| StartError::SqliteLock {
        database: path.display().to_string(),
        lock: lock.display().to_string(),
        reason: e.to_string(),
    };
    if let Some(parent) = lock.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock)
        .map_err(failed)?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0).map_err(failed)?;
            writeln!(file, "{}", std::process::id()).map_err(failed)?;
            Ok(Some(file))
        }
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _unreadable_means_unknown = file.read_to_string(&mut holder);
            let holder = holder.trim();
            Err(StartError::SqliteInUse {
                database: path.display().to_string(),
                holder: if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (pid {holder})")
                },
            })
        }
        Err(TryLockError::Error(e)) => Err(failed(e)),
    }
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
        let sqlite_lock = lock_sqlite(&config.database_url)?;
        let db = open_store(&config).await?;
        let bind_error = |e: std::io::Error| StartError::Bind {
            address: config.bind.to_string(),
            reason: e.to_string(),
        };
        let listener = TcpListener::bind(config.bind).await.map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let jobs = if config.jobs_enabled {
            Some(linli_jobs::Scheduler::new(db.clone(), &config.job_settings()?).await?)
        } else {
            tracing::info!("scheduled jobs do not run in this instance (LINLI_JOBS_ENABLED=false)");
            None
        };
        let delivery = if config.delivery_enabled {
            let email = linli_jobs::email::EmailSender::new(db.clone(), config.email_settings()?)?;
            let webhook = linli_jobs::webhooks::WebhookSender::new(config.webhook_settings()?)?;
            Some(DeliveryPlan {
                settings: config.delivery_settings(),
                senders: linli_jobs::delivery::Senders { email, webhook },
            })
        } else {
            tracing::info!(
                "outbox messages are not delivered by this instance (LINLI_DELIVERY_ENABLED=false)"
            );
            None
        };
        Ok(Self {
            listener,
            port,
            db,
            config,
            jobs,
            delivery,
            sqlite_lock,
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

    /// Starts the scheduled jobs (when enabled) and serves until `shutdown` completes; then
    /// in-flight requests and job runs get the grace period, and the SQLite lock is released.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let grace = Duration::from_secs(self.config.shutdown_grace_secs);
        if let Some(jobs) = &self.jobs {
            jobs.start().await.map_err(std::io::Error::other)?;
        }
        let delivery = self.delivery.map(|plan| {
            linli_jobs::delivery::DeliveryWorker::start(
                self.db.clone(),
                plan.settings,
                plan.senders,
                linli_jobs::instance_id(),
            )
        });
        let wake = delivery
            .as_ref()
            .map(linli_jobs::delivery::DeliveryWorker::waker);
        let app = endpoint(AppState::new(self.db.clone(), self.config.clone()), wake);
        let served = crate::server::serve(self.listener, app, shutdown, grace).await;
        if let Some(jobs) = self.jobs {
            jobs.shutdown(grace).await;
        }
        if let Some(delivery) = delivery {
            delivery.shutdown(grace).await;
        }
        drop(self.sqlite_lock);
        served
    }
}

/// The whole HTTP surface: API, docs, health, metrics and the web front end, wrapped by the
/// edge. After each
/// successful change the outbox worker (when `wake` is given) is woken, since the change may
/// have written a message: emails leave at once instead of at the next poll.
pub fn endpoint(
    state: AppState,
    wake: Option<linli_jobs::delivery::Waker>,
) -> impl poem::Endpoint<Output = poem::Response> + 'static {
    let max_body_bytes = state.config.max_body_bytes;
    let db = state.db.clone();
    let api = routes::service(state);
    let docs = api.swagger_ui();
    let spec = api.spec_endpoint();
    let route = Route::new()
        .nest(routes::API_PREFIX, api)
        .at(format!("{}/openapi.json", routes::API_PREFIX), spec)
        .nest("/docs", docs)
        .at(health::LIVENESS_PATH, get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/metrics", get(health::metrics))
        .at("/", get(web::shell))
        .at(
            format!("{}/:version/*path", web::STATIC_PREFIX),
            get(web::asset),
        )
        .data(db)
        .data(web::WebAssets::load());
    edge::wrap(route, max_body_bytes).around(move |inner, request| {
        let wake = wake.clone();
        async move {
            let changes = !matches!(
                *request.method(),
                poem::http::Method::GET | poem::http::Method::HEAD | poem::http::Method::OPTIONS
            );
            let response = inner.call(request).await?;
            if changes
                && response.status().is_success()
                && let Some(wake) = &wake
            {
                wake.wake();
            }
            Ok(response)
        }
    })
}
