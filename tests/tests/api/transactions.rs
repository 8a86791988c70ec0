//! The one write path on PostgreSQL: two transactions that lock the same rows in opposite order
//! deadlock; the server aborts one, and `db::write` runs it again instead of failing the user.

use std::sync::{Arc, Barrier};

use diesel::connection::SimpleConnection;
use linli_domain::db::{self, AnyConnection, ConnectionManager, SqliteOptions};
use linli_tests::postgres::TestDatabase;

fn connect(database: &TestDatabase) -> AnyConnection {
    ConnectionManager::new(database.url.clone(), SqliteOptions::default())
        .open()
        .expect("PostgreSQL reachable")
}

#[test]
#[cfg_attr(not(linli_postgres), ignore = "LINLI_TEST_POSTGRES_URL is unset")]
fn a_deadlocked_write_is_run_again_and_both_succeed() {
    let database = TestDatabase::create();
    connect(&database)
        .batch_execute(
            "CREATE TABLE deadlock_probe (id INTEGER PRIMARY KEY, n INTEGER NOT NULL); \
             INSERT INTO deadlock_probe VALUES (1, 0), (2, 0);",
        )
        .expect("probe table");
    let meet = Arc::new(Barrier::new(2));
    let workers: Vec<_> = [(1, 2), (2, 1)]
        .into_iter()
        .map(|(first, second)| {
            let meet = meet.clone();
            let mut conn = connect(&database);
            std::thread::spawn(move || {
                let mut tries = 0;
                let written: Result<(), diesel::result::Error> = db::write(&mut conn, |conn| {
                    tries += 1;
                    conn.batch_execute(&format!(
                        "UPDATE deadlock_probe SET n = n + 1 WHERE id = {first}"
                    ))?;
                    if tries == 1 {
                        // Both hold their first row before either asks for its second.
                        meet.wait();
                    }
                    conn.batch_execute(&format!(
                        "UPDATE deadlock_probe SET n = n + 1 WHERE id = {second}"
                    ))
                });
                (written, tries)
            })
        })
        .collect();
    let outcomes: Vec<_> = workers
        .into_iter()
        .map(|worker| worker.join().expect("worker finishes"))
        .collect();
    assert!(
        outcomes.iter().all(|(written, _)| written.is_ok()),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|(_, tries)| *tries > 1),
        "one of them was run again"
    );
    let mut conn = connect(&database);
    #[derive(diesel::QueryableByName)]
    struct Total {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
    }
    let total: Total = diesel::RunQueryDsl::get_result(
        diesel::sql_query("SELECT SUM(n)::BIGINT AS total FROM deadlock_probe"),
        &mut conn,
    )
    .expect("summed");
    assert_eq!(total.total, 4, "each transaction counted once");
}
