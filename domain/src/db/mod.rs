//! Storage plumbing shared by every resource: the two-engine connection, the pool, the
//! write-transaction helper and the embedded migrations.

mod connection;
pub mod migrate;
mod transaction;
mod url;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

pub use connection::{
    AnyConnection, ConnectError, ConnectionManager, SqliteOptions, SqliteSynchronous,
};
pub use transaction::{
    TransactionError, is_unique_violation, read_snapshot, write, write_unflushed,
};
pub use url::{DatabaseUrl, DatabaseUrlError, redact};

/// A pooled connection.
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Failures of the storage layer itself, as opposed to business outcomes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No connection could be had in time: the caller should retry later (HTTP 503).
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A query failed in a way no caller can fix.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
}

impl TransactionError for StoreError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Query(e) => Some(e),
            Self::Unavailable(_) => None,
        }
    }
}

/// Pool sizing and timeouts.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Most connections held open at once.
    pub max_size: u32,
    /// How long a request waits for a connection before answering 503.
    pub acquire_timeout: Duration,
    /// SQLite connection settings (ignored for PostgreSQL).
    pub sqlite: SqliteOptions,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 8,
            acquire_timeout: Duration::from_secs(5),
            sqlite: SqliteOptions::default(),
        }
    }
}

/// The store handle every use case receives: a pool plus a semaphore that keeps blocking
/// database work from queueing more threads than there are connections.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    permits: Arc<Semaphore>,
    engine: &'static str,
}

/// How busy the pool is, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolUsage {
    /// Connections open.
    pub open: u32,
    /// Connections open and idle.
    pub idle: u32,
    /// Configured maximum.
    pub max: u32,
}

impl Db {
    /// Opens a pool and checks that one connection can be made, so a bad URL fails at start.
    pub fn connect(url: DatabaseUrl, options: PoolOptions) -> Result<Self, ConnectError> {
        let engine = url.engine();
        let manager = ConnectionManager::new(url, options.sqlite);
        // Fail fast with the real error instead of r2d2's generic timeout.
        drop(manager.open()?);
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size)
            .min_idle(Some(1))
            .connection_timeout(options.acquire_timeout)
            .error_handler(Box::new(r2d2::LoggingErrorHandler))
            .build_unchecked(manager);
        Ok(Self {
            pool,
            permits: Arc::new(Semaphore::new(options.max_size as usize)),
            engine,
        })
    }

    /// A handle that never opens a connection: for generating the API description, which
    /// needs the endpoint structs but no database.
    pub fn detached() -> Self {
        let manager = ConnectionManager::new(
            DatabaseUrl::Sqlite("/nonexistent/linli.db".into()),
            SqliteOptions::default(),
        );
        let pool = r2d2::Pool::builder()
            .max_size(1)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_millis(1))
            .build_unchecked(manager);
        Self {
            pool,
            permits: Arc::new(Semaphore::new(1)),
            engine: "detached",
        }
    }

    /// `sqlite` or `postgres`.
    pub fn engine(&self) -> &'static str {
        self.engine
    }

    /// Runs blocking diesel work on the blocking thread pool, never on an async worker.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("the pool is closed".into()))?;
        let pool = self.pool.clone();
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            work(&mut conn)
        });
        match task.await {
            Ok(outcome) => outcome,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(_) => Err(StoreError::Unavailable("the runtime is shutting down".into()).into()),
        }
    }

    /// Current pool usage.
    pub fn usage(&self) -> PoolUsage {
        let state = self.pool.state();
        PoolUsage {
            open: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }
}
