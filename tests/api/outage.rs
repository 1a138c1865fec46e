//! The database goes away and comes back: `/readyz` and every request answer 503 problem+json
//! (with `Retry-After`) while it is gone, and the same process serves again once it returns,
//! with no restart. On PostgreSQL the test takes the database away from the server by
//! revoking its role's login and ending its connections, then gives it back.

use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

use crate::{
    database::{TestDatabase, postgres_url, with_database},
    helpers::{http_get, send_invite, view_organization},
    processes::{Process, founded, ready_within},
};

/// A login role of the test's own that owns the test's database; dropped at the end.
struct Role {
    admin: DatabaseConnection,
    name: String,
}

impl Role {
    async fn create(server: &str, database: &str) -> Self {
        let admin = Database::connect(server)
            .await
            .expect("the admin connection");
        let name = format!("rollcall_outage_{}", uuid::Uuid::new_v4().simple());
        for sql in [
            format!("CREATE ROLE {name} LOGIN"),
            format!("ALTER DATABASE {database} OWNER TO {name}"),
        ] {
            admin.execute_unprepared(&sql).await.expect(&sql);
        }
        Self { admin, name }
    }

    /// The server loses its database: no new connection may open, the open ones are ended.
    async fn revoke(&self) {
        let sql = format!("ALTER ROLE {} NOLOGIN", self.name);
        self.admin.execute_unprepared(&sql).await.expect(&sql);
        let sql = format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{}'",
            self.name
        );
        self.admin.execute_unprepared(&sql).await.expect(&sql);
    }

    async fn restore(&self) {
        let sql = format!("ALTER ROLE {} LOGIN", self.name);
        self.admin.execute_unprepared(&sql).await.expect(&sql);
    }
}

#[actix_web::test]
async fn a_lost_database_answers_503_and_the_same_process_recovers_when_it_returns() {
    let Some(server) = postgres_url() else {
        eprintln!(
            "this test takes a PostgreSQL database away: it runs in the PostgreSQL pass (ROLLCALL_TEST_POSTGRES_URL)"
        );
        return;
    };
    let database = TestDatabase::create().await;
    let name = database
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let role = Role::create(&server, &name).await;
    let url = with_database(&login_as(&server, &role.name), &name);
    let process = Process::start(
        &url,
        &[
            ("ROLLCALL_DB_ACQUIRE_TIMEOUT_MS", "1000"),
            ("ROLLCALL_DB_MAX_CONNECTIONS", "4"),
        ],
    )
    .await;
    let (founder, org) = founded(&process).await;

    role.revoke().await;
    let ready = http_get(format!("{}/readyz", process.base)).await;
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.headers()["retry-after"], "1");
    assert_eq!(ready.headers()["content-type"], "application/problem+json");
    let (status, problem) = crate::helpers::problem(view_organization(&founder, org.id).await);
    assert_eq!(status, 503);
    assert!(problem.detail.contains("database"), "{}", problem.detail);
    let (status, _) =
        crate::helpers::problem(send_invite(&founder, org.id, "jane@example.com").await);
    assert_eq!(
        status, 503,
        "a write is refused, not lost: it was never acknowledged"
    );

    role.restore().await;
    assert!(
        ready_within(&process.base, Duration::from_secs(15)).await,
        "/readyz answers 200 again once the database is back"
    );
    let view = view_organization(&founder, org.id)
        .await
        .expect("the same process serves again");
    assert_eq!(view.into_inner().name, "Acme");
    send_invite(&founder, org.id, "jane@example.com")
        .await
        .expect("writes succeed again");

    drop(process);
    drop(database);
    let sql = format!("DROP ROLE {}", role.name);
    role.admin.execute_unprepared(&sql).await.expect(&sql);
}

/// `server` (`postgres://user@host/db`) with `user` in place of its user and no password.
fn login_as(server: &str, user: &str) -> String {
    let (scheme, rest) = server.split_once("://").expect("a URL");
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}@{rest}")
}
