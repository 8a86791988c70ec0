//! The one way to write: a transaction that takes SQLite's write lock up front and retries
//! PostgreSQL serialization failures.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::AnyConnection;

/// How many times a transaction is tried when PostgreSQL reports a serialization failure or a
/// deadlock.
const MAX_ATTEMPTS: u32 = 5;

/// Errors a use case can return from inside a write transaction; lets the helper see the
/// storage failure underneath to decide whether a retry can succeed.
pub trait TransactionError: From<DieselError> {
    /// The storage error inside, if this is one.
    fn as_diesel(&self) -> Option<&DieselError>;
}

impl TransactionError for DieselError {
    fn as_diesel(&self) -> Option<&DieselError> {
        Some(self)
    }
}

/// Runs `work` in a write transaction.
///
/// SQLite begins `IMMEDIATE`: a deferred transaction that reads then writes fails with
/// "database is locked" without waiting on the busy handler. PostgreSQL runs READ COMMITTED
/// and the whole closure is retried on a serialization failure or a deadlock, so `work` must be free of
/// side effects outside the transaction.
pub fn write<T, E, F>(conn: &mut AnyConnection, mut work: F) -> Result<T, E>
where
    E: TransactionError,
    F: FnMut(&mut AnyConnection) -> Result<T, E>,
{
    let mut attempt = 1;
    loop {
        match attempt_once(conn, &mut work) {
            Err(error) if attempt < MAX_ATTEMPTS && is_retryable(error.as_diesel()) => {
                tracing::debug!(attempt, "retrying transaction after serialization failure");
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// Runs `work` like [`write`], but lets the commit return before it reaches the disk: for
/// writes whose loss in a crash is harmless, such as an outbox claim (lost, the message is
/// simply due again, and delivery is at least once anyway). PostgreSQL commits it with
/// `synchronous_commit = off`; SQLite with `synchronous = NORMAL` for this transaction only.
/// Both engines write their log in order, so the next durable commit makes it durable too.
pub fn write_unflushed<T, E, F>(conn: &mut AnyConnection, mut work: F) -> Result<T, E>
where
    E: TransactionError,
    F: FnMut(&mut AnyConnection) -> Result<T, E>,
{
    match conn {
        AnyConnection::Postgresql(_) => write(conn, |conn| {
            conn.batch_execute("SET LOCAL synchronous_commit TO OFF")?;
            work(conn)
        }),
        AnyConnection::Sqlite(_) => {
            let level = diesel::sql_query("PRAGMA synchronous")
                .get_result::<SqliteSynchronousLevel>(conn)?
                .synchronous;
            conn.batch_execute("PRAGMA synchronous = NORMAL")?;
            let outcome = write(conn, work);
            // The connection goes back to the pool: it must be as durable as it was.
            conn.batch_execute(&format!("PRAGMA synchronous = {level}"))?;
            outcome
        }
    }
}

#[derive(QueryableByName)]
struct SqliteSynchronousLevel {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    synchronous: i32,
}

/// Runs `work` against one consistent snapshot, for checks that read many tables at once
/// (reconciliation): on PostgreSQL a `REPEATABLE READ READ ONLY` transaction, on SQLite a
/// deferred read transaction (WAL readers see one snapshot). Nothing can be written.
pub fn read_snapshot<T, E, F>(conn: &mut AnyConnection, work: F) -> Result<T, E>
where
    E: TransactionError,
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
{
    match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?,
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    let outcome = work(conn);
    // Nothing was written, so ending with a rollback is the same as a commit and cheaper.
    if let Err(rollback_error) = rollback(conn) {
        tracing::error!(error = %rollback_error, "ending a read snapshot failed");
    }
    outcome
}

fn attempt_once<T, E, F>(conn: &mut AnyConnection, work: &mut F) -> Result<T, E>
where
    E: TransactionError,
    F: FnMut(&mut AnyConnection) -> Result<T, E>,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match work(conn) {
        Ok(value) => {
            commit(conn)?;
            Ok(value)
        }
        Err(error) => {
            if let Err(rollback_error) = rollback(conn) {
                tracing::error!(error = %rollback_error, "rollback failed");
            }
            Err(error)
        }
    }
}

fn commit(conn: &mut AnyConnection) -> Result<(), DieselError> {
    match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        AnyConnection::Postgresql(c) => AnsiTransactionManager::commit_transaction(c),
    }
}

fn rollback(conn: &mut AnyConnection) -> Result<(), DieselError> {
    match conn {
        AnyConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
        AnyConnection::Postgresql(c) => AnsiTransactionManager::rollback_transaction(c),
    }
}

/// Serialization failures, and PostgreSQL deadlocks (SQLSTATE 40P01, which diesel reports
/// only by its message): in both the server rolled the transaction back, and running it again
/// is the documented cure.
fn is_retryable(error: Option<&DieselError>) -> bool {
    match error {
        Some(DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
        Some(DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)) => {
            info.message().starts_with("deadlock detected")
        }
        _ => false,
    }
}

/// True when the storage error is a unique-constraint violation, which use cases map to a
/// business fact ("already registered", "already claimed").
pub fn is_unique_violation(error: &DieselError) -> bool {
    matches!(
        error,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    use super::{SqliteSynchronousLevel, write_unflushed};
    use crate::db::AnyConnection;

    fn level(conn: &mut AnyConnection) -> i32 {
        diesel::sql_query("PRAGMA synchronous")
            .get_result::<SqliteSynchronousLevel>(conn)
            .expect("pragma reads")
            .synchronous
    }

    #[test]
    fn an_unflushed_write_commits_and_leaves_the_connection_as_durable_as_before() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("unflushed.db");
        let mut conn = AnyConnection::Sqlite(
            diesel::SqliteConnection::establish(&path.display().to_string()).expect("opens"),
        );
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (x INTEGER)",
        )
        .expect("prepared");
        let full = level(&mut conn);
        write_unflushed(&mut conn, |conn| {
            diesel::sql_query("INSERT INTO t VALUES (1)").execute(conn)
        })
        .expect("written");
        assert_eq!(level(&mut conn), full);
        let failed: Result<usize, diesel::result::Error> = write_unflushed(&mut conn, |conn| {
            diesel::sql_query("INSERT INTO missing VALUES (1)").execute(conn)
        });
        assert!(failed.is_err());
        assert_eq!(level(&mut conn), full, "restored after a failed write too");
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count = diesel::sql_query("SELECT COUNT(*) AS n FROM t")
            .get_result::<Count>(&mut conn)
            .expect("counted");
        assert_eq!(count.n, 1);
    }
}
