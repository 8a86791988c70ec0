//! Embedded migrations, one folder per dialect, and the checks around running them.

use diesel::connection::SimpleConnection;
use diesel::migration::{MigrationSource, MigrationVersion};
use diesel::pg::Pg;
use diesel::sqlite::Sqlite;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::AnyConnection;

/// The SQLite dialect of the schema.
pub const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
/// The PostgreSQL dialect of the schema; same migration names as [`SQLITE`].
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Held while migrating PostgreSQL, so instances starting together migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x6c69_6e6c_695f_6d67;

/// Why migrating or checking the schema failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The database carries migrations this binary does not know: it was written by a newer Linli.
    #[error(
        "the database schema is newer than this linli (unknown migration {0}); upgrade linli or use another database"
    )]
    DatabaseTooNew(String),
    /// Running a migration or reading the migration table failed.
    #[error("migration failed: {0}")]
    Failed(String),
}

/// Where a database stands relative to this binary's migrations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaStatus {
    /// Every embedded migration is applied and nothing else.
    Current,
    /// Some embedded migrations are not applied yet.
    Pending(Vec<String>),
}

fn failed(e: impl std::fmt::Display) -> MigrationError {
    MigrationError::Failed(e.to_string())
}

fn known_versions<DB: diesel::backend::Backend>(
    source: &EmbeddedMigrations,
) -> Result<Vec<String>, MigrationError>
where
    EmbeddedMigrations: MigrationSource<DB>,
{
    let migrations = MigrationSource::<DB>::migrations(source).map_err(failed)?;
    Ok(migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}

fn compare(
    known: &[String],
    applied: &[MigrationVersion<'_>],
) -> Result<SchemaStatus, MigrationError> {
    let applied: Vec<String> = applied.iter().map(ToString::to_string).collect();
    if let Some(unknown) = applied.iter().find(|v| !known.contains(v)) {
        return Err(MigrationError::DatabaseTooNew(unknown.clone()));
    }
    let pending: Vec<String> = known
        .iter()
        .filter(|v| !applied.contains(v))
        .cloned()
        .collect();
    Ok(if pending.is_empty() {
        SchemaStatus::Current
    } else {
        SchemaStatus::Pending(pending)
    })
}

/// Tells whether the schema matches this binary, without changing anything.
pub fn status(conn: &mut AnyConnection) -> Result<SchemaStatus, MigrationError> {
    match conn {
        AnyConnection::Sqlite(c) => {
            let known = known_versions::<Sqlite>(&SQLITE)?;
            compare(&known, &c.applied_migrations().map_err(failed)?)
        }
        AnyConnection::Postgresql(c) => {
            let known = known_versions::<Pg>(&POSTGRES)?;
            compare(&known, &c.applied_migrations().map_err(failed)?)
        }
    }
}

/// Applies pending migrations and returns their versions; refuses a database from a newer Linli.
pub fn run_pending(conn: &mut AnyConnection) -> Result<Vec<String>, MigrationError> {
    match conn {
        AnyConnection::Sqlite(c) => {
            let known = known_versions::<Sqlite>(&SQLITE)?;
            compare(&known, &c.applied_migrations().map_err(failed)?)?;
            let done = c.run_pending_migrations(SQLITE).map_err(failed)?;
            Ok(done.iter().map(ToString::to_string).collect())
        }
        AnyConnection::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .map_err(failed)?;
            let outcome = (|| {
                let known = known_versions::<Pg>(&POSTGRES)?;
                compare(&known, &c.applied_migrations().map_err(failed)?)?;
                let done = c.run_pending_migrations(POSTGRES).map_err(failed)?;
                Ok(done.iter().map(ToString::to_string).collect())
            })();
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .map_err(failed)?;
            outcome
        }
    }
}

/// Names of the embedded migrations of each dialect, to check that they pair up.
pub fn names() -> Result<(Vec<String>, Vec<String>), MigrationError> {
    let names = |list: Vec<Box<dyn diesel::migration::Migration<Sqlite>>>| {
        list.iter()
            .map(|m| m.name().to_string())
            .collect::<Vec<_>>()
    };
    let sqlite = names(MigrationSource::<Sqlite>::migrations(&SQLITE).map_err(failed)?);
    let postgres: Vec<String> = MigrationSource::<Pg>::migrations(&POSTGRES)
        .map_err(failed)?
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    Ok((sqlite, postgres))
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_dialects_have_the_same_migrations() {
        let (sqlite, postgres) = super::names().expect("embedded migrations load");
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }
}
