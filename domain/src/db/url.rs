//! Parsing `DATABASE_URL` into the one engine it names.

use std::fmt;
use std::path::PathBuf;

/// Where the store lives; the scheme alone decides the engine, so a typo never falls back
/// silently to an empty SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite database file (`sqlite://path/to/file.db`).
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (`postgres://…` or `postgresql://…`), kept verbatim.
    Postgres(String),
}

/// Why a `DATABASE_URL` was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    /// The value has no `scheme://` part.
    #[error("`{0}` is not a URL; expected sqlite://PATH or postgres://USER@HOST/DB")]
    NotAUrl(String),
    /// The scheme names an engine Linli does not speak.
    #[error("unknown scheme `{0}`; expected sqlite:// or postgres://")]
    UnknownScheme(String),
    /// `sqlite://` with nothing after it.
    #[error("sqlite:// needs a file path, e.g. sqlite://data/linli.db")]
    EmptySqlitePath,
    /// In-memory SQLite gives each pooled connection its own empty database.
    #[error(
        "in-memory SQLite is not supported: every pooled connection would see its own empty database"
    )]
    InMemorySqlite,
    /// `postgres://` without a host or database.
    #[error("`{0}` names no host or database")]
    IncompletePostgres(String),
}

impl DatabaseUrl {
    /// Parses a URL, refusing anything but the two engines.
    pub fn parse(raw: &str) -> Result<Self, DatabaseUrlError> {
        let (scheme, rest) = raw
            .split_once("://")
            .ok_or_else(|| DatabaseUrlError::NotAUrl(redact(raw)))?;
        match scheme {
            "sqlite" => {
                if rest.is_empty() {
                    Err(DatabaseUrlError::EmptySqlitePath)
                } else if rest == ":memory:" || rest.contains("mode=memory") {
                    Err(DatabaseUrlError::InMemorySqlite)
                } else {
                    Ok(Self::Sqlite(PathBuf::from(rest)))
                }
            }
            "postgres" | "postgresql" => {
                let after_auth = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                if after_auth.is_empty() || after_auth.starts_with('/') && after_auth.len() == 1 {
                    Err(DatabaseUrlError::IncompletePostgres(redact(raw)))
                } else {
                    Ok(Self::Postgres(raw.to_owned()))
                }
            }
            other => Err(DatabaseUrlError::UnknownScheme(other.to_owned())),
        }
    }

    /// The engine's short name, for logs and metrics.
    pub fn engine(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

/// Hides the password of a URL so it never reaches a log line.
pub fn redact(raw: &str) -> String {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_owned();
    };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            if credentials.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{user}@{host}")
            }
        }
        None => raw.to_owned(),
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(raw) => f.write_str(&redact(raw)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_chooses_the_engine() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/linli.db"),
            Ok(DatabaseUrl::Sqlite("data/linli.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db"),
            Ok(DatabaseUrl::Sqlite("/tmp/x.db".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://postgres@127.0.0.1/test"),
            Ok(DatabaseUrl::Postgres(_))
        ));
    }

    #[test]
    fn unknown_schemes_and_non_urls_are_refused() {
        assert_eq!(
            DatabaseUrl::parse("mysql://root@localhost/x"),
            Err(DatabaseUrlError::UnknownScheme("mysql".into()))
        );
        assert!(matches!(
            DatabaseUrl::parse("data/linli.db"),
            Err(DatabaseUrlError::NotAUrl(_))
        ));
        assert_eq!(
            DatabaseUrl::parse("sqlite://"),
            Err(DatabaseUrlError::EmptySqlitePath)
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://:memory:"),
            Err(DatabaseUrlError::InMemorySqlite)
        );
    }

    #[test]
    fn passwords_never_show_in_display_or_debug() {
        let url = DatabaseUrl::parse("postgres://linli:s3cret@db.example/linli").expect("valid");
        assert_eq!(url.to_string(), "postgres://linli:***@db.example/linli");
        assert!(!format!("{url:?}").contains("s3cret"));
    }
}
