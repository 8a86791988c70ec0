//! One connection type over both engines, and the pool manager that opens the right one.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use super::url::{DatabaseUrl, redact};

/// A connection to whichever engine `DATABASE_URL` named; queries are written once for both.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// The production engine, shared by many instances.
    Postgresql(PgConnection),
    /// The embedded engine for a single instance.
    Sqlite(SqliteConnection),
}

impl AnyConnection {
    /// The engine's short name, for logs and for the few statements that differ.
    pub fn engine(&self) -> &'static str {
        match self {
            Self::Postgresql(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

/// How hard SQLite syncs each commit; `Full` keeps every acknowledged write across power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SqliteSynchronous {
    /// fsync the WAL on every commit (the default: an acknowledged point never vanishes).
    #[default]
    Full,
    /// fsync at checkpoints only: faster, but the last commits may be lost on power failure.
    Normal,
}

impl SqliteSynchronous {
    fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// Settings applied to every new SQLite connection.
#[derive(Debug, Clone, Copy)]
pub struct SqliteOptions {
    /// How long a writer waits for the lock before failing with "database is locked".
    pub busy_timeout: Duration,
    /// Commit durability.
    pub synchronous: SqliteSynchronous,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            busy_timeout: Duration::from_secs(5),
            synchronous: SqliteSynchronous::Full,
        }
    }
}

/// An r2d2 manager that dispatches on the URL scheme instead of trying each backend in turn,
/// so a PostgreSQL error is reported as such and never becomes a stray SQLite file.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    sqlite: SqliteOptions,
}

impl ConnectionManager {
    /// A manager for `url`; SQLite connections get `sqlite` pragmas when opened.
    pub fn new(url: DatabaseUrl, sqlite: SqliteOptions) -> Self {
        Self { url, sqlite }
    }

    /// Opens one connection outside any pool (migrations, admin commands).
    pub fn open(&self) -> Result<AnyConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(raw) => PgConnection::establish(raw)
                .map(AnyConnection::Postgresql)
                .map_err(|e| ConnectError::Postgres {
                    url: redact(raw),
                    reason: e.to_string().trim().replace('\n', " "),
                }),
            DatabaseUrl::Sqlite(path) => {
                let display = path.display().to_string();
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| ConnectError::Sqlite {
                        path: display.clone(),
                        reason: format!("cannot create directory {}: {e}", parent.display()),
                    })?;
                }
                let mut conn =
                    SqliteConnection::establish(&display).map_err(|e| ConnectError::Sqlite {
                        path: display.clone(),
                        reason: e.to_string(),
                    })?;
                // Beyond durability and locking: a page cache of up to 32 MiB per connection
                // (2 MiB by default, which a backlog of a few thousand outbox rows outgrows,
                // so claims and settles re-read pages through system calls), temporary
                // b-trees (large `IN` lists) in memory, and reads through a memory map.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; \
                     PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; \
                     PRAGMA mmap_size = 268435456;",
                    self.sqlite.busy_timeout.as_millis(),
                    self.sqlite.synchronous.pragma()
                ))
                .map_err(|e| ConnectError::Sqlite {
                    path: display,
                    reason: e.to_string(),
                })?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

/// Why a connection could not be opened; shown to operators as one line.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// PostgreSQL refused or could not be reached.
    #[error("cannot connect to PostgreSQL at {url}: {reason}")]
    Postgres {
        /// The URL with its password hidden.
        url: String,
        /// What libpq said.
        reason: String,
    },
    /// The SQLite file could not be opened or configured.
    #[error("cannot open SQLite database {path}: {reason}")]
    Sqlite {
        /// The file path.
        path: String,
        /// What SQLite or the file system said.
        reason: String,
    },
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = AnyConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<AnyConnection, ConnectError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1").map_err(|e| match conn {
            AnyConnection::Postgresql(_) => ConnectError::Postgres {
                url: self.url.to_string(),
                reason: e.to_string(),
            },
            AnyConnection::Sqlite(_) => ConnectError::Sqlite {
                path: self.url.to_string(),
                reason: e.to_string(),
            },
        })
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}
