//! Fresh PostgreSQL databases for tests, cloned from a template migrated once per schema.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::OnceLock;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use linli_domain::db::{AnyConnection, DatabaseUrl, migrate};

/// The admin URL from `LINLI_TEST_POSTGRES_URL`.
pub fn admin_url() -> String {
    std::env::var("LINLI_TEST_POSTGRES_URL")
        .expect("LINLI_TEST_POSTGRES_URL names a PostgreSQL admin URL")
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn admin() -> PgConnection {
    PgConnection::establish(&admin_url())
        .expect("PostgreSQL at LINLI_TEST_POSTGRES_URL is reachable")
}

/// A name that changes whenever a PostgreSQL migration file changes.
fn template_name() -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("migrations folder is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    for file in files {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file)
            .expect("migration is readable")
            .hash(&mut hasher);
    }
    format!("linli_tpl_{:016x}", hasher.finish())
}

fn ensure_template() -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = template_name();
            let mut conn = admin();
            // Another test process may be building the same template.
            conn.batch_execute("SELECT pg_advisory_lock(7477)")
                .expect("advisory lock");
            let exists =
                diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
                    .bind::<diesel::sql_types::Text, _>(&name)
                    .get_result::<Count>(&mut conn)
                    .expect("pg_database is readable")
                    .n
                    > 0;
            if !exists {
                let building = format!("{name}_building");
                conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
                    .expect("a half-built template is dropped");
                conn.batch_execute(&format!("CREATE DATABASE {building}"))
                    .expect("template database is created");
                {
                    let pg = PgConnection::establish(&with_database(&admin_url(), &building))
                        .expect("template reachable");
                    migrate::run_pending(&mut AnyConnection::Postgresql(pg))
                        .expect("template migrates");
                }
                conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
                    .expect("template is renamed");
            }
            conn.batch_execute("SELECT pg_advisory_unlock(7477)")
                .expect("advisory unlock");
            name
        })
        .clone()
}

/// A database that exists for one test and is dropped with it.
pub struct TestDatabase {
    /// Its URL.
    pub url: DatabaseUrl,
    name: String,
}

impl TestDatabase {
    /// Clones the template into a new database.
    pub fn create() -> Self {
        let template = ensure_template();
        let name = format!("linli_test_{}", uuid::Uuid::new_v4().simple());
        admin()
            .batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .expect("test database is cloned from the template");
        let url = DatabaseUrl::parse(&with_database(&admin_url(), &name)).expect("a valid URL");
        Self { url, name }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&admin_url()) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
