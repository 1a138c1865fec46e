//! `TestDatabase`: a fresh, empty database for one test, removed when the test ends. SQLite (a
//! file in a new temporary directory) unless `ROLLCALL_TEST_POSTGRES_URL` is set, in which case
//! a new PostgreSQL database is created through that URL (which must allow `CREATE DATABASE`)
//! and dropped afterwards. `cargo xtask ci` runs the suite once each way.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

/// The variable that switches the suite to PostgreSQL.
pub const POSTGRES_VAR: &str = "ROLLCALL_TEST_POSTGRES_URL";

/// The PostgreSQL server the suite runs on, when it does.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_VAR)
        .ok()
        .filter(|v| !v.trim().is_empty())
}

pub struct TestDatabase {
    /// What the server is given as `DATABASE_URL`.
    pub url: String,
    /// A directory of the test's own (SQLite's files live here).
    pub dir: PathBuf,
    /// On PostgreSQL: the server URL to drop the database through, and its name.
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let dir = std::env::temp_dir().join(format!("rollcall-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        match postgres_url() {
            None => Self {
                url: format!("sqlite://{}?mode=rwc", dir.join("rollcall.db").display()),
                dir,
                postgres: None,
            },
            Some(server) => {
                let name = format!("rollcall_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&server).await.unwrap_or_else(|e| {
                    panic!("{POSTGRES_VAR}={server} does not connect ({e}); point it at a PostgreSQL server where this user may CREATE DATABASE, or unset it to test on SQLite")
                });
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .unwrap_or_else(|e| {
                        panic!("CREATE DATABASE {name} through {POSTGRES_VAR}: {e}")
                    });
                admin.close().await.ok();
                Self {
                    url: with_database(&server, &name),
                    dir,
                    postgres: Some((server, name)),
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// The SQLite file (meaningless on PostgreSQL).
    pub fn sqlite_file(&self) -> PathBuf {
        self.dir.join("rollcall.db")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((server, name)) = self.postgres.take() {
            // The test's runtime may be shutting down: drop on a thread and runtime of our own.
            let dropped = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(async {
                        let admin = Database::connect(&server).await?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await?;
                        admin.close().await
                    })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop the test database: {dropped:?}");
            }
        }
    }
}

/// `url` (`postgres://user@host:port/db?opts`) naming database `name` instead.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

#[test]
fn a_database_name_replaces_the_one_in_the_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
}

/// The `n` column of the one row `sql` answers on `db` (a count, say).
pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect(sql)
        .expect("one row")
        .try_get::<i64>("", "n")
        .expect("a column n")
}

/// The id of every invitation stored on `db`.
pub async fn invitation_ids(db: &DatabaseConnection) -> std::collections::HashSet<uuid::Uuid> {
    db.query_all_raw(Statement::from_string(
        db.get_database_backend(),
        "SELECT id FROM invitations",
    ))
    .await
    .expect("invitations read")
    .iter()
    .map(|r| r.try_get::<uuid::Uuid>("", "id").expect("an id"))
    .collect()
}
