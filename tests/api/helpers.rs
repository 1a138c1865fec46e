//! `TestApp`: the real server, in-process on a random port, over a fresh database (SQLite, or
//! PostgreSQL when `ROLLCALL_TEST_POSTGRES_URL` is set), with a clock the test moves. Tests talk to it through the generated client; `raw` sends bodies no
//! typed client can produce (malformed JSON, wrong media types) over the same client's HTTP
//! connection, and decodes the answer as the generated `Problem`.

use std::{net::TcpListener, sync::Arc};

use app::{BACKOFFICE_ROLE, BearerClaims, Credentials, Policy, SessionClaims};
use chrono::{Duration, Utc};
use domain::{ManualClock, OrganizationId, UserId};
use rollcall_client::{Client, ClientInfo, types};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use storage::{Store, StoreOptions};

use crate::database::TestDatabase;

pub const SECRET: &str = "test-secret-for-rollcall-integration-tests";

pub struct TestApp {
    /// The server's own address.
    pub base: String,
    /// Where the generated clients send requests: the server, or the recording proxy in front
    /// of it when `ROLLCALL_TEST_EXCHANGES` is set (`recording.rs`).
    pub client_base: String,
    pub store: Store,
    /// The application the server runs (what a background worker is given).
    pub app: app::App,
    pub clock: Arc<ManualClock>,
    /// A connection of the test's own to the server's database, for checking what is stored.
    db: DatabaseConnection,
    keys: Credentials,
    /// Dropped last: the database outlives the connections to it.
    pub database: TestDatabase,
}

/// Who a token speaks for.
#[derive(Clone, Default)]
pub struct Who {
    pub user: i64,
    pub email: Option<String>,
    pub verified: bool,
    pub backoffice: bool,
}

impl Who {
    pub fn user(user: i64) -> Self {
        Self {
            user,
            ..Self::default()
        }
    }
    pub fn backoffice(user: i64) -> Self {
        Self {
            user,
            backoffice: true,
            ..Self::default()
        }
    }
    pub fn verified(user: i64, email: &str) -> Self {
        Self {
            user,
            email: Some(email.to_owned()),
            verified: true,
            backoffice: false,
        }
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Policy::default()).await
    }

    /// The server over a fresh database, with `policy` (a small invitation quota, say).
    pub async fn spawn_with(policy: Policy) -> Self {
        let database = TestDatabase::create().await;
        let store = Store::connect(&database.url, &StoreOptions::default())
            .await
            .expect("database opens and migrates");
        let db = Database::connect(&database.url)
            .await
            .expect("the test's own connection");
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let keys = Credentials::hs256(SECRET);
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let app = app::App::new(store.clone(), clock.clone(), keys.clone(), SECRET, policy);
        let server = rollcall::serve(listener, app.clone(), 1).expect("server starts");
        actix_web::rt::spawn(server);
        let client_base = crate::recording::proxy(&base).unwrap_or_else(|| base.clone());
        Self {
            base,
            client_base,
            store,
            app,
            clock,
            db,
            keys,
            database,
        }
    }

    /// Starts the background worker (emails, the expiry sweep) with `settings`; it stops when
    /// the handle is dropped.
    pub fn start_worker(&self, settings: delivery::Settings) -> WorkerHandle {
        let worker = delivery::Worker::new(self.app.clone(), settings).expect("a worker starts");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        // A task of the runtime, not of actix's local set: when the test ends mid-delivery,
        // the runtime drops it inside its own context, where a database connection or an SMTP
        // connection it holds can still be given back.
        tokio::spawn(worker.run(stopped));
        WorkerHandle(stop)
    }

    pub fn now_ts(&self) -> i64 {
        use domain::Clock;
        self.clock.now().timestamp()
    }

    /// A bearer token for `who`, valid for an hour of the server's clock.
    pub fn bearer(&self, who: &Who) -> String {
        self.bearer_claims(BearerClaims {
            sub: UserId::parse(who.user).unwrap(),
            exp: self.now_ts() + 3600,
            email: who.email.clone(),
            email_verified: who.email.as_ref().map(|_| who.verified),
            given_name: Some("Test".into()),
            family_name: Some("User".into()),
            roles: if who.backoffice {
                vec![BACKOFFICE_ROLE.into()]
            } else {
                vec![]
            },
            nbf: None,
        })
    }

    pub fn bearer_claims(&self, claims: BearerClaims) -> String {
        self.keys.bearer_token(&claims).unwrap()
    }

    /// A session for `user` acting on `org`.
    pub fn session(&self, user: i64, org: Option<i64>) -> String {
        self.session_claims(SessionClaims {
            user_id: UserId::parse(user).unwrap(),
            session_id: serde_json::json!("s-1"),
            iat: self.now_ts(),
            exp: self.now_ts() + 3600,
            organization_id: org.map(|o| OrganizationId::parse(o).unwrap()),
            nbf: None,
        })
    }

    pub fn session_claims(&self, claims: SessionClaims) -> String {
        self.keys.session_token(&claims).unwrap()
    }

    /// A generated client that sends `who`'s bearer.
    pub fn client(&self, who: &Who) -> Client {
        rollcall_client::with_bearer(&self.client_base, &self.bearer(who))
            .expect("a minted bearer makes a client")
    }

    /// A generated client with no credentials.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.client_base)
    }

    /// A back-office caller (user 9000) and its session.
    pub fn backoffice(&self) -> (Client, String) {
        (
            self.client(&Who::backoffice(9000)),
            self.session(9000, None),
        )
    }

    /// Creates an organization through the back office; returns (numeric id, uuid).
    pub async fn organization(&self, name: &str) -> (i64, uuid::Uuid) {
        let (bo, session) = self.backoffice();
        let org = bo
            .bo_organization_create()
            .x_session_token(session)
            .body(types::CreateOrganizationRequest::builder().name(name))
            .send()
            .await
            .expect("organization created")
            .into_inner()
            .data;
        (org.id, org.uuid)
    }

    /// Removes `user` from organization `org` through the back office (no role rules).
    pub async fn remove_member(&self, org: i64, user: i64) {
        let (bo, session) = self.backoffice();
        bo.bo_user_organization_delete()
            .user_id(user)
            .organization_id(org)
            .x_session_token(session)
            .send()
            .await
            .expect("membership removed");
    }

    /// Creates a profile through the back office; returns its id.
    pub async fn user(&self, email: &str) -> i64 {
        let (bo, session) = self.backoffice();
        bo.bo_user_create()
            .x_session_token(session)
            .body(
                types::CreateUserRequest::builder()
                    .email(email)
                    .first_name("A")
                    .last_name("B"),
            )
            .send()
            .await
            .expect("user created")
            .into_inner()
            .data
            .id
    }

    /// Makes `user` a member of `org` with `scope` (1 administrator, 2 member) and `manage` ids.
    pub async fn register(
        &self,
        user: i64,
        org: i64,
        scope: i64,
        manage: &[i64],
    ) -> types::Membership {
        let (bo, session) = self.backoffice();
        bo.bo_user_organization_register()
            .user_id(user)
            .organization_id(org)
            .x_session_token(session)
            .body(
                types::RegisterUserOrganizationRequest::builder()
                    .scope(types::Scope::try_from(scope).unwrap())
                    .permissions(
                        types::PermissionsInput::builder()
                            .group(0)
                            .manage(Some(manage.iter().map(|i| types::ModuleId(*i)).collect())),
                    ),
            )
            .send()
            .await
            .expect("membership registered")
            .into_inner()
            .data
    }

    /// An organization created through `POST /organization` by a verified founder (user 1,
    /// founder@acme.example), and the founder's client.
    pub async fn founded(&self) -> (Client, types::Organization) {
        let founder = self.client(&Who::verified(1, "founder@acme.example"));
        let org = create_organization(&founder, "Acme").await;
        (founder, org)
    }

    /// `user` (with a verified `email`) joins `org` as `role`, in `teams`, by accepting an
    /// invitation `inviter` sends; returns the new member's client.
    pub async fn join(
        &self,
        inviter: &Client,
        org: uuid::Uuid,
        user: i64,
        email: &str,
        role: types::Role,
        teams: Vec<types::TeamAssignment>,
    ) -> Client {
        let sent = inviter
            .invitation_create()
            .organization_id(org)
            .body(
                types::InviteRequest::builder()
                    .email(email)
                    .role(role)
                    .team_assignments(Some(teams)),
            )
            .send()
            .await
            .expect("invited")
            .into_inner();
        let client = self.client(&Who::verified(user, email));
        let member = client
            .invitation_accept()
            .body(types::InvitationTokenRequest::builder().token(sent.token.as_str()))
            .send()
            .await
            .expect("accepted")
            .into_inner();
        assert_eq!(member.role, role);
        client
    }

    /// Sends a request over the generated client's HTTP connection with a raw body.
    pub async fn raw(
        &self,
        client: &Client,
        method: reqwest::Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Raw {
        let mut req = client
            .client()
            .request(method, format!("{}{path}", client.baseurl()));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let res = req.send().await.expect("the server answers");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("a body");
        Raw {
            status,
            headers,
            bytes: bytes.to_vec(),
        }
    }

    /// Row counts of users, organizations, memberships and invitations, read from the database.
    pub async fn counts(&self) -> [i64; 4] {
        let mut out = [0; 4];
        for (i, table) in ["users", "organizations", "memberships", "invitations"]
            .iter()
            .enumerate()
        {
            out[i] = self
                .query::<i64>(&format!("SELECT COUNT(*) AS v FROM {table}"))
                .await[0];
        }
        out
    }

    /// The `v` column of every row `sql` returns.
    pub async fn query<T: sea_orm::TryGetable>(&self, sql: &str) -> Vec<T> {
        let rows = self
            .db
            .query_all_raw(Statement::from_string(self.db.get_database_backend(), sql))
            .await
            .expect(sql);
        rows.iter()
            .map(|r| r.try_get::<T>("", "v").expect("a column v"))
            .collect()
    }

    /// What the database keeps: on SQLite every byte of the main file and its write-ahead log;
    /// on PostgreSQL every row of every table, as text.
    pub async fn database_bytes(&self) -> Vec<u8> {
        if !self.database.is_postgres() {
            let file = self.database.sqlite_file();
            let mut bytes = std::fs::read(&file).unwrap_or_default();
            bytes.extend(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
            return bytes;
        }
        let tables = self
            .query::<String>("SELECT tablename AS v FROM pg_tables WHERE schemaname = 'public'")
            .await;
        let mut bytes = Vec::new();
        for table in tables {
            for row in self
                .query::<String>(&format!("SELECT t::text AS v FROM \"{table}\" t"))
                .await
            {
                bytes.extend(row.into_bytes());
            }
        }
        bytes
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }
}

/// A running background worker; dropping it stops the worker.
pub struct WorkerHandle(tokio::sync::watch::Sender<bool>);

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

/// An answer read without a typed client.
pub struct Raw {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Raw {
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
    /// The body as the generated `Problem`, after checking it is problem+json.
    pub fn problem(&self) -> types::Problem {
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "status {} body {}",
            self.status,
            String::from_utf8_lossy(&self.bytes)
        );
        let p: types::Problem = serde_json::from_slice(&self.bytes).expect("a Problem");
        assert_eq!(p.status, i32::from(self.status));
        p
    }
}

/// `client` creates the organization `name` and becomes its administrator.
pub async fn create_organization(client: &Client, name: &str) -> types::Organization {
    client
        .organization_create()
        .body(types::CreateOrganizationRequest::builder().name(name))
        .send()
        .await
        .expect("organization created")
        .into_inner()
}

/// `client` invites `email` into `org` as a member.
pub async fn send_invite(
    client: &Client,
    org: uuid::Uuid,
    email: &str,
) -> Result<
    rollcall_client::ResponseValue<types::InvitationWithToken>,
    rollcall_client::Error<types::Problem>,
> {
    client
        .invitation_create()
        .organization_id(org)
        .body(
            types::InviteRequest::builder()
                .email(email)
                .role(types::Role::Member),
        )
        .send()
        .await
}

/// `client` creates the team `name` in `org`.
pub async fn create_team(client: &Client, org: uuid::Uuid, name: &str) -> types::Team {
    client
        .team_create()
        .organization_id(org)
        .body(types::CreateTeamRequest::builder().name(name))
        .send()
        .await
        .expect("team created")
        .into_inner()
}

/// An invitation token as the body of lookup, accept and decline.
pub fn token(t: &str) -> types::InvitationTokenRequest {
    types::InvitationTokenRequest::builder()
        .token(t)
        .try_into()
        .unwrap()
}

/// The status and typed problem of a failed client call.
pub fn problem<T: std::fmt::Debug>(
    result: Result<T, rollcall_client::Error<types::Problem>>,
) -> (u16, types::Problem) {
    match result {
        Err(rollcall_client::Error::ErrorResponse(rv)) => {
            let status = rv.status().as_u16();
            assert_eq!(rv.headers()["content-type"], "application/problem+json");
            let p = rv.into_inner();
            assert_eq!(p.status, i32::from(status));
            assert!(!p.request_id.is_empty());
            (status, p)
        }
        other => panic!("expected a problem answer, got {other:?}"),
    }
}

/// What [`every_kind_of_change`] made, for the checks after it.
pub struct Changes {
    /// The founder's client, with a bearer valid on the clock as it is now.
    pub founder: Client,
    pub team: types::Team,
    /// Resent, then accepted by user 2.
    pub jane: types::InvitationWithToken,
    /// Declined.
    pub joe: types::InvitationWithToken,
    /// Revoked.
    pub ann: types::InvitationWithToken,
    /// Expired, then met by a new invite for the same email.
    pub short: types::InvitationWithToken,
    /// Registered through the back office.
    pub ops: i64,
}

/// One change of every organization-scoped kind in `org` (founded by `founder`, user 1), in this
/// order of events: team.created, team.renamed, invitation.created, invitation.resent,
/// invitation.accepted, membership.created, invitation.created, invitation.declined,
/// invitation.created, invitation.revoked, team_membership.set, team_membership.deleted,
/// team.deleted, membership.updated, membership.deleted, membership.invited,
/// membership.deleted, membership.restored, membership.registered, invitation.created,
/// invitation.expired, invitation.created. Moves the clock two hours.
pub async fn every_kind_of_change(
    app: &TestApp,
    founder: &Client,
    org: &types::Organization,
) -> Changes {
    let team = create_team(founder, org.id, "Ops").await;
    founder
        .team_update()
        .organization_id(org.id)
        .team_id(team.id)
        .body(types::CreateTeamRequest::builder().name("Operations"))
        .send()
        .await
        .unwrap();
    let invite = |email: &'static str, seconds: Option<i64>| {
        founder
            .invitation_create()
            .organization_id(org.id)
            .body(
                types::InviteRequest::builder()
                    .email(email)
                    .role(types::Role::Member)
                    .expires_in_seconds(seconds),
            )
            .send()
    };
    let jane = invite("jane@example.com", None).await.unwrap().into_inner();
    let jane = founder
        .invitation_resend()
        .organization_id(org.id)
        .invitation_id(jane.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    app.client(&Who::verified(2, "jane@example.com"))
        .invitation_accept()
        .body(token(&jane.token))
        .send()
        .await
        .unwrap();
    let joe = invite("joe@example.com", None).await.unwrap().into_inner();
    app.client(&Who::verified(3, "joe@example.com"))
        .invitation_decline()
        .body(token(&joe.token))
        .send()
        .await
        .unwrap();
    let ann = invite("ann@example.com", None).await.unwrap().into_inner();
    founder
        .invitation_revoke()
        .organization_id(org.id)
        .invitation_id(ann.id)
        .send()
        .await
        .unwrap();
    founder
        .team_member_put()
        .organization_id(org.id)
        .team_id(team.id)
        .user_id(2)
        .body(types::PutTeamMemberRequest::builder().role(types::TeamRole::Developer))
        .send()
        .await
        .unwrap();
    founder
        .team_member_delete()
        .organization_id(org.id)
        .team_id(team.id)
        .user_id(2)
        .send()
        .await
        .unwrap();
    founder
        .team_delete()
        .organization_id(org.id)
        .team_id(team.id)
        .send()
        .await
        .unwrap();
    founder
        .member_update()
        .organization_id(org.id)
        .user_id(2)
        .body(types::UpdateMemberRequest::builder().role(Some(types::Role::Manager)))
        .send()
        .await
        .unwrap();
    founder
        .member_delete()
        .organization_id(org.id)
        .user_id(2)
        .send()
        .await
        .unwrap();
    // The users-organizations family: seed 000, a restore, seed 001.
    let session = app.session(1, Some(org.numeric_id));
    let seed: types::InviteUserOrganizationRequest = serde_json::from_value(serde_json::json!({
        "firstName": "John", "lastName": "Doe", "email": "john@example.com", "permissions": {"group": 0}
    }))
    .unwrap();
    let john = founder
        .ad_user_invite()
        .x_session_token(session.clone())
        .body(seed)
        .send()
        .await
        .unwrap()
        .into_inner()
        .data
        .user_id;
    for restore in [false, true] {
        let call = if restore {
            founder
                .ad_user_restore()
                .user_id(john)
                .x_session_token(session.clone())
                .send()
                .await
        } else {
            founder
                .ad_user_delete()
                .user_id(john)
                .x_session_token(session.clone())
                .send()
                .await
        };
        call.unwrap();
    }
    let ops = app.user("ops@example.com").await;
    app.register(ops, org.numeric_id, 2, &[]).await;
    // An expired invitation is rewritten, with its event, by the invite that meets it.
    let short = invite("kim@example.com", Some(3600))
        .await
        .unwrap()
        .into_inner();
    app.advance(chrono::Duration::hours(2));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    send_invite(&founder, org.id, "kim@example.com")
        .await
        .unwrap();
    Changes {
        founder,
        team,
        jane,
        joe,
        ann,
        short,
        ops,
    }
}
