//! `TestApp`: the real server, in-process on a random port, over a fresh database (SQLite, or
//! PostgreSQL when `ROLLCALL_TEST_POSTGRES_URL` is set), with a clock the test moves. Tests talk to it through the generated client; `raw` sends bodies no
//! typed client can produce (malformed JSON, wrong media types) over the same client's HTTP
//! connection, and decodes the answer as the generated `Problem`.
//!
//! Beside it: one function for each call of the generated client the tests make again and
//! again (`accept`, `resend`, `update_member`, `list_teams`, …), answering the call's [`Answer`]
//! for the test to check; the scenarios several test files start from (`spawn_founded`,
//! `staff`, `org_with_user`, `every_kind_of_change`); and `every_page`, which walks a list
//! page by page.

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
        Self::spawn_configured(policy, |keys, _| keys).await
    }

    /// The server with `policy` and the bearer verification `configure` makes of the suite's
    /// HS256 keys (an identity provider, claim paths), timed by the test's clock.
    pub async fn spawn_configured(
        policy: Policy,
        configure: impl FnOnce(Credentials, Arc<dyn domain::Clock>) -> Credentials,
    ) -> Self {
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
        let verifying = configure(keys.clone(), clock.clone());
        let app = app::App::new(store.clone(), clock.clone(), verifying, SECRET, policy);
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

    /// Creates the organization `name` and the profile `email`, registered in it with `scope`
    /// (1 administrator, 2 member), through the back office; returns (numeric id, uuid, user id).
    pub async fn org_with_user(
        &self,
        name: &str,
        email: &str,
        scope: i64,
    ) -> (i64, uuid::Uuid, i64) {
        let (org, uuid) = self.organization(name).await;
        let user = self.user(email).await;
        self.register(user, org, scope, &[]).await;
        (org, uuid, user)
    }

    /// Removes `user` from organization `org` through the back office (no role rules).
    pub async fn remove_member(&self, org: i64, user: i64) {
        let (bo, session) = self.backoffice();
        bo_remove_membership(&bo, &session, user, org)
            .await
            .expect("membership removed");
    }

    /// Creates a profile through the back office; returns its id.
    pub async fn user(&self, email: &str) -> i64 {
        let (bo, session) = self.backoffice();
        bo_create_user(&bo, &session, email, None)
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
        let body = types::RegisterUserOrganizationRequest::builder()
            .scope(types::Scope::try_from(scope).unwrap())
            .permissions(
                types::PermissionsInput::builder()
                    .group(0)
                    .manage(Some(manage.iter().map(|i| types::ModuleId(*i)).collect())),
            );
        bo_register(&bo, &session, user, org, body)
            .await
            .expect("membership registered")
            .into_inner()
            .data
    }

    /// A fresh server (see [`TestApp::spawn`]) with the organization [`TestApp::founded`] makes,
    /// and the founder's client.
    pub async fn spawn_founded() -> (Self, Client, types::Organization) {
        Self::spawn_founded_with(Policy::default()).await
    }

    /// The server with `policy`, and an organization founded as [`TestApp::spawn_founded`]'s is.
    pub async fn spawn_founded_with(policy: Policy) -> (Self, Client, types::Organization) {
        let app = Self::spawn_with(policy).await;
        let (founder, org) = app.founded().await;
        (app, founder, org)
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
        let request = types::InviteRequest::builder()
            .email(email)
            .role(role)
            .team_assignments(Some(teams));
        let sent = invited_with(inviter, org, request).await;
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

    /// `user` (with a verified `email`) joins `org` as `role`, in no team, by accepting an
    /// invitation `inviter` sends; returns the new member's client.
    pub async fn join_as(
        &self,
        inviter: &Client,
        org: uuid::Uuid,
        user: i64,
        email: &str,
        role: types::Role,
    ) -> Client {
        self.join(inviter, org, user, email, role, vec![]).await
    }

    /// `user` joins `org` as `role` (a manager, member or billing manager), in no team, under
    /// the email its role names (`manager@`, `member@` or `billing@example.com`), by accepting
    /// an invitation `inviter` sends; returns the new member's client.
    pub async fn staff(
        &self,
        inviter: &Client,
        org: uuid::Uuid,
        user: i64,
        role: types::Role,
    ) -> Client {
        let email = match role {
            types::Role::Manager => "manager@example.com",
            types::Role::Member => "member@example.com",
            types::Role::BillingManager => "billing@example.com",
            other => panic!("no staff email for {other:?}"),
        };
        self.join_as(inviter, org, user, email, role).await
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

    /// POSTs `body` to `path` as JSON, with no other header, over `client`'s connection.
    pub async fn post_json(&self, client: &Client, path: &str, body: impl Into<Vec<u8>>) -> Raw {
        self.post_json_with(client, path, &[], body).await
    }

    /// POSTs `body` to `path` as JSON, with `headers` besides, over `client`'s connection.
    pub async fn post_json_with(
        &self,
        client: &Client,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Vec<u8>>,
    ) -> Raw {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        let body = Some(body.into());
        self.raw(client, reqwest::Method::POST, path, &all, body)
            .await
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

    /// Moves the clock by `by`; answers a new client for the founder of [`TestApp::founded`],
    /// whose bearer is valid on the clock as it is then (the one before may have expired).
    pub fn founder_after(&self, by: Duration) -> Client {
        self.advance(by);
        self.client(&Who::verified(1, "founder@acme.example"))
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

/// The default policy, but for a quota of `per_hour` invitations an hour.
pub fn quota(per_hour: u32) -> Policy {
    Policy {
        invitations_per_hour: per_hour,
        ..Policy::default()
    }
}

/// The default policy, but for a quota of `per_hour` organizations a user may create an hour.
pub fn organization_quota(per_hour: u32) -> Policy {
    Policy {
        organizations_per_hour: per_hour,
        ..Policy::default()
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

/// `client` sends `org` the invitation `request` describes.
pub async fn send_invitation<B>(
    client: &Client,
    org: uuid::Uuid,
    request: B,
) -> Answer<types::InvitationWithToken>
where
    B: TryInto<types::InviteRequest>,
    B::Error: std::fmt::Display,
{
    client
        .invitation_create()
        .organization_id(org)
        .body(request)
        .send()
        .await
}

/// `client` invites `email` into `org` as a member.
pub async fn send_invite(
    client: &Client,
    org: uuid::Uuid,
    email: &str,
) -> Answer<types::InvitationWithToken> {
    send_invite_for(client, org, email, None).await
}

/// `client` invites `email` into `org` as a member, valid for `seconds` (when `None`, as long
/// as the server gives by default).
pub async fn send_invite_for(
    client: &Client,
    org: uuid::Uuid,
    email: &str,
    seconds: Option<i64>,
) -> Answer<types::InvitationWithToken> {
    let request = types::InviteRequest::builder()
        .email(email)
        .role(types::Role::Member)
        .expires_in_seconds(seconds);
    send_invitation(client, org, request).await
}

/// `client` invites `email` into `org` as a member, which must succeed; returns the invitation.
pub async fn invited(client: &Client, org: uuid::Uuid, email: &str) -> types::InvitationWithToken {
    send_invite(client, org, email)
        .await
        .expect("invited")
        .into_inner()
}

/// `client` sends `org` the invitation `request` describes, which must succeed; returns it.
pub async fn invited_with<B>(
    client: &Client,
    org: uuid::Uuid,
    request: B,
) -> types::InvitationWithToken
where
    B: TryInto<types::InviteRequest>,
    B::Error: std::fmt::Display,
{
    send_invitation(client, org, request)
        .await
        .expect("invited")
        .into_inner()
}

/// `client` creates the team `name` in `org`.
pub async fn create_team(client: &Client, org: uuid::Uuid, name: &str) -> types::Team {
    team_create(client, org, name)
        .await
        .expect("team created")
        .into_inner()
}

/// `client` asks to create the team `name` in `org`.
pub async fn team_create(client: &Client, org: uuid::Uuid, name: &str) -> Answer<types::Team> {
    client
        .team_create()
        .organization_id(org)
        .body(types::CreateTeamRequest::builder().name(name))
        .send()
        .await
}

/// What a call of the generated client answers: the typed value, or the problem.
pub type Answer<T> =
    Result<rollcall_client::ResponseValue<T>, rollcall_client::Error<types::Problem>>;

/// The HTTP status of a call's answer, successful or a problem; 0 when no answer came.
pub fn status_of<T, E>(
    answer: &Result<rollcall_client::ResponseValue<T>, rollcall_client::Error<E>>,
) -> u16 {
    match answer {
        Ok(r) => r.status().as_u16(),
        Err(rollcall_client::Error::ErrorResponse(rv)) => rv.status().as_u16(),
        Err(_) => 0,
    }
}

/// The status of each of several calls' answers, in order (see [`status_of`]).
pub fn statuses<T, E>(
    answers: &[Result<rollcall_client::ResponseValue<T>, rollcall_client::Error<E>>],
) -> Vec<u16> {
    answers.iter().map(status_of).collect()
}

/// How many of `statuses` are `status`.
pub fn tally(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// The first page (up to 100 events, newest first) of `org`'s audit log, read by `client`.
pub async fn audit_page(client: &Client, org: uuid::Uuid) -> types::AuditEventPage {
    client
        .audit_event_list()
        .organization_id(org)
        .limit(std::num::NonZeroU64::new(100).unwrap())
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// A session token for `client`'s caller acting on the organization `org` (numeric id), made
/// through `POST /session`.
pub async fn session_for(client: &Client, org: i64) -> String {
    client
        .session_create()
        .body(types::CreateSessionRequest::builder().organization_id(org))
        .send()
        .await
        .expect("a session")
        .into_inner()
        .data
        .token
}

/// `client` changes the member `user` of `org` as `change` says.
pub async fn update_member<B>(
    client: &Client,
    org: uuid::Uuid,
    user: i64,
    change: B,
) -> Answer<types::Member>
where
    B: TryInto<types::UpdateMemberRequest>,
    B::Error: std::fmt::Display,
{
    client
        .member_update()
        .organization_id(org)
        .user_id(user)
        .body(change)
        .send()
        .await
}

/// `client` gives the member `user` of `org` the role `role`, leaving its permissions.
pub async fn set_role(
    client: &Client,
    org: uuid::Uuid,
    user: i64,
    role: types::Role,
) -> Answer<types::Member> {
    let change = types::UpdateMemberRequest::builder().role(Some(role));
    update_member(client, org, user, change).await
}

/// `client` changes the team `team` of `org` as `change` says.
pub async fn update_team<B>(
    client: &Client,
    org: uuid::Uuid,
    team: uuid::Uuid,
    change: B,
) -> Answer<types::Team>
where
    B: TryInto<types::CreateTeamRequest>,
    B::Error: std::fmt::Display,
{
    client
        .team_update()
        .organization_id(org)
        .team_id(team)
        .body(change)
        .send()
        .await
}

/// `client` deletes the team `team` of `org`.
pub async fn delete_team(client: &Client, org: uuid::Uuid, team: uuid::Uuid) -> Answer<()> {
    client
        .team_delete()
        .organization_id(org)
        .team_id(team)
        .send()
        .await
}

/// `client` lists the first page of the members of the team `team` of `org`.
pub async fn list_team_members(
    client: &Client,
    org: uuid::Uuid,
    team: uuid::Uuid,
) -> Answer<types::TeamMemberPage> {
    client
        .team_member_list()
        .organization_id(org)
        .team_id(team)
        .send()
        .await
}

/// `client` puts the member `user` of `org` into the team `team` as `role`, or changes its role
/// there.
pub async fn put_team_member(
    client: &Client,
    org: uuid::Uuid,
    team: uuid::Uuid,
    user: i64,
    role: types::TeamRole,
) -> Answer<types::TeamMember> {
    client
        .team_member_put()
        .organization_id(org)
        .team_id(team)
        .user_id(user)
        .body(types::PutTeamMemberRequest { role })
        .send()
        .await
}

/// `client` removes the member `user` of `org` from the team `team`.
pub async fn delete_team_member(
    client: &Client,
    org: uuid::Uuid,
    team: uuid::Uuid,
    user: i64,
) -> Answer<()> {
    client
        .team_member_delete()
        .organization_id(org)
        .team_id(team)
        .user_id(user)
        .send()
        .await
}

/// `client` removes the member `user` from `org`.
pub async fn delete_member(client: &Client, org: uuid::Uuid, user: i64) -> Answer<()> {
    client
        .member_delete()
        .organization_id(org)
        .user_id(user)
        .send()
        .await
}

/// `client` accepts the invitation whose token is `t`.
pub async fn accept(client: &Client, t: &str) -> Answer<types::Member> {
    client.invitation_accept().body(token(t)).send().await
}

/// `client` declines the invitation whose token is `t`.
pub async fn decline(client: &Client, t: &str) -> Answer<types::Invitation> {
    client.invitation_decline().body(token(t)).send().await
}

/// `client` looks up the invitation whose token is `t`.
pub async fn lookup(client: &Client, t: &str) -> Answer<types::InvitationLookup> {
    client.invitation_lookup().body(token(t)).send().await
}

/// `client` looks up the invitation whose token is `t`, which must succeed; returns what it finds.
pub async fn looked_up(client: &Client, t: &str) -> types::InvitationLookup {
    lookup(client, t).await.expect("looked up").into_inner()
}

/// `client` resends the invitation `id` of `org`.
pub async fn resend(
    client: &Client,
    org: uuid::Uuid,
    id: uuid::Uuid,
) -> Answer<types::InvitationWithToken> {
    client
        .invitation_resend()
        .organization_id(org)
        .invitation_id(id)
        .send()
        .await
}

/// `client` revokes the invitation `id` of `org`.
pub async fn revoke(client: &Client, org: uuid::Uuid, id: uuid::Uuid) -> Answer<types::Invitation> {
    client
        .invitation_revoke()
        .organization_id(org)
        .invitation_id(id)
        .send()
        .await
}

/// `client` reads the invitation `id` of `org`.
pub async fn view_invitation(
    client: &Client,
    org: uuid::Uuid,
    id: uuid::Uuid,
) -> Answer<types::Invitation> {
    client
        .invitation_view()
        .organization_id(org)
        .invitation_id(id)
        .send()
        .await
}

/// The status of the invitation `id` of `org`, as `client` reads it.
pub async fn invitation_status(
    client: &Client,
    org: uuid::Uuid,
    id: uuid::Uuid,
) -> types::InvitationStatus {
    view_invitation(client, org, id)
        .await
        .unwrap()
        .into_inner()
        .status
}

/// `client` lists the first page of `org`'s teams.
pub async fn list_teams(client: &Client, org: uuid::Uuid) -> Answer<types::TeamPage> {
    client.team_list().organization_id(org).send().await
}

/// `client` lists the first page of `org`'s members.
pub async fn list_members(client: &Client, org: uuid::Uuid) -> Answer<types::MemberPage> {
    client.member_list().organization_id(org).send().await
}

/// `client` lists the first page of `org`'s webhook endpoints.
pub async fn list_webhooks(client: &Client, org: uuid::Uuid) -> Answer<types::WebhookEndpointPage> {
    client.webhook_list().organization_id(org).send().await
}

/// `client` lists the first page (of the default size) of `org`'s audit log.
pub async fn list_audit_events(client: &Client, org: uuid::Uuid) -> Answer<types::AuditEventPage> {
    client.audit_event_list().organization_id(org).send().await
}

/// `client` reads the endpoint `hook` of `org`.
pub async fn view_webhook(
    client: &Client,
    org: uuid::Uuid,
    hook: uuid::Uuid,
) -> Answer<types::WebhookEndpoint> {
    client
        .webhook_view()
        .organization_id(org)
        .webhook_id(hook)
        .send()
        .await
}

/// `client` changes the endpoint `hook` of `org` as `change` says.
pub async fn update_webhook<B>(
    client: &Client,
    org: uuid::Uuid,
    hook: uuid::Uuid,
    change: B,
) -> Answer<types::WebhookEndpoint>
where
    B: TryInto<types::UpdateWebhookRequest>,
    B::Error: std::fmt::Display,
{
    client
        .webhook_update()
        .organization_id(org)
        .webhook_id(hook)
        .body(change)
        .send()
        .await
}

/// `client` deletes the endpoint `hook` of `org`.
pub async fn delete_webhook(client: &Client, org: uuid::Uuid, hook: uuid::Uuid) -> Answer<()> {
    client
        .webhook_delete()
        .organization_id(org)
        .webhook_id(hook)
        .send()
        .await
}

/// `client` asks for a test event to be sent to the endpoint `hook` of `org`.
pub async fn test_webhook(
    client: &Client,
    org: uuid::Uuid,
    hook: uuid::Uuid,
) -> Answer<types::WebhookDelivery> {
    client
        .webhook_test()
        .organization_id(org)
        .webhook_id(hook)
        .send()
        .await
}

/// `client` asks for the delivery `delivery` to the endpoint `hook` of `org` to be tried again.
pub async fn retry_delivery(
    client: &Client,
    org: uuid::Uuid,
    hook: uuid::Uuid,
    delivery: uuid::Uuid,
) -> Answer<types::WebhookDelivery> {
    client
        .webhook_delivery_retry()
        .organization_id(org)
        .webhook_id(hook)
        .delivery_id(delivery)
        .send()
        .await
}

/// `client` adds a user to the organization of `session` with seed 000 (`POST /ad/invite`), as
/// `seed` says.
pub async fn ad_invite<B>(
    client: &Client,
    session: String,
    seed: B,
) -> Answer<types::MembershipEnvelope>
where
    B: TryInto<types::InviteUserOrganizationRequest>,
    B::Error: std::fmt::Display,
{
    client
        .ad_user_invite()
        .x_session_token(session)
        .body(seed)
        .send()
        .await
}

/// `client` reads the organization `org`.
pub async fn view_organization(client: &Client, org: uuid::Uuid) -> Answer<types::Organization> {
    client.organization_view().organization_id(org).send().await
}

/// `client` reads the membership of `user` in the organization of `session`.
pub async fn view_membership(
    client: &Client,
    session: &str,
    user: i64,
) -> Answer<types::MembershipEnvelope> {
    client
        .ad_user_view()
        .user_id(user)
        .x_session_token(session)
        .send()
        .await
}

/// `client` changes the membership of `user` in the organization of `session` as `change` says.
pub async fn update_membership<B>(
    client: &Client,
    session: &str,
    user: i64,
    change: B,
) -> Answer<types::MembershipEnvelope>
where
    B: TryInto<types::UpdateMembershipRequest>,
    B::Error: std::fmt::Display,
{
    client
        .ad_user_update()
        .user_id(user)
        .x_session_token(session)
        .body(change)
        .send()
        .await
}

/// `client` soft-deletes the membership of `user` in the organization of `session`.
pub async fn delete_membership(
    client: &Client,
    session: &str,
    user: i64,
) -> Answer<types::MembershipEnvelope> {
    client
        .ad_user_delete()
        .user_id(user)
        .x_session_token(session)
        .send()
        .await
}

/// `client` restores the soft-deleted membership of `user` in the organization of `session`.
pub async fn restore_membership(
    client: &Client,
    session: &str,
    user: i64,
) -> Answer<types::MembershipEnvelope> {
    client
        .ad_user_restore()
        .user_id(user)
        .x_session_token(session)
        .send()
        .await
}

/// `GET url` through a plain client (one that follows redirects), which must answer.
pub async fn http_get(url: String) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("the server answers")
}

/// `client` (the back office, with `session`) removes `user` from the organization `org`
/// (numeric id).
pub async fn bo_remove_membership(
    client: &Client,
    session: &str,
    user: i64,
    org: i64,
) -> Answer<types::MembershipEnvelope> {
    client
        .bo_user_organization_delete()
        .user_id(user)
        .organization_id(org)
        .x_session_token(session)
        .send()
        .await
}

/// `client` (the back office, with `session`) creates a profile (named A B) for `email`, under
/// the Idempotency-Key `key` when there is one.
pub async fn bo_create_user(
    client: &Client,
    session: &str,
    email: &str,
    key: Option<&str>,
) -> Answer<types::UserEnvelope> {
    let mut call = client.bo_user_create().x_session_token(session).body(
        types::CreateUserRequest::builder()
            .email(email)
            .first_name("A")
            .last_name("B"),
    );
    if let Some(key) = key {
        call = call.idempotency_key(key);
    }
    call.send().await
}

/// `client` (the back office, with `session`) makes `user` a member of the organization `org`
/// (numeric id) as `body` says (seed 001).
pub async fn bo_register<B>(
    client: &Client,
    session: &str,
    user: i64,
    org: i64,
    body: B,
) -> Answer<types::MembershipEnvelope>
where
    B: TryInto<types::RegisterUserOrganizationRequest>,
    B::Error: std::fmt::Display,
{
    client
        .bo_user_organization_register()
        .user_id(user)
        .organization_id(org)
        .x_session_token(session)
        .body(body)
        .send()
        .await
}

/// `client` (the back office, with `session`) reads the profile `user`.
pub async fn bo_view_user(
    client: &Client,
    session: &str,
    user: i64,
) -> Answer<types::UserEnvelope> {
    client
        .bo_user_view()
        .user_id(user)
        .x_session_token(session)
        .send()
        .await
}

/// `client` (the back office, with `session`) reads the organization `org` (numeric id).
pub async fn bo_view_organization(
    client: &Client,
    session: &str,
    org: i64,
) -> Answer<types::BackOfficeOrganizationEnvelope> {
    client
        .bo_organization_view()
        .organization_id(org)
        .x_session_token(session)
        .send()
        .await
}

/// `client` creates the organization `name` under the Idempotency-Key `key`.
pub async fn create_organization_keyed(
    client: &Client,
    key: &str,
    name: &str,
) -> Answer<types::Organization> {
    client
        .organization_create()
        .idempotency_key(key)
        .body(types::CreateOrganizationRequest::builder().name(name))
        .send()
        .await
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

/// `founder` invites jane@example.com into `org` and resends the invitation; Jane (user 2)
/// accepts the resent token. Returns the invitation as first sent, and as resent.
pub async fn jane_accepts_a_resent_invitation(
    app: &TestApp,
    founder: &Client,
    org: uuid::Uuid,
) -> (types::InvitationWithToken, types::InvitationWithToken) {
    let sent = invited(founder, org, "jane@example.com").await;
    let resent = resend(founder, org, sent.id).await.unwrap().into_inner();
    accept(
        &app.client(&Who::verified(2, "jane@example.com")),
        &resent.token,
    )
    .await
    .unwrap();
    (sent, resent)
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
    update_team(
        founder,
        org.id,
        team.id,
        types::CreateTeamRequest::builder().name("Operations"),
    )
    .await
    .unwrap();
    let invite = |email: &'static str, seconds: Option<i64>| {
        send_invite_for(founder, org.id, email, seconds)
    };
    let (_, jane) = jane_accepts_a_resent_invitation(app, founder, org.id).await;
    let joe = invite("joe@example.com", None).await.unwrap().into_inner();
    decline(
        &app.client(&Who::verified(3, "joe@example.com")),
        &joe.token,
    )
    .await
    .unwrap();
    let ann = invite("ann@example.com", None).await.unwrap().into_inner();
    revoke(founder, org.id, ann.id).await.unwrap();
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
    set_role(founder, org.id, 2, types::Role::Manager)
        .await
        .unwrap();
    delete_member(founder, org.id, 2).await.unwrap();
    // The users-organizations family: seed 000, a restore, seed 001.
    let session = app.session(1, Some(org.numeric_id));
    let seed: types::InviteUserOrganizationRequest = serde_json::from_value(serde_json::json!({
        "firstName": "John", "lastName": "Doe", "email": "john@example.com", "permissions": {"group": 0}
    }))
    .unwrap();
    let john = ad_invite(founder, session.clone(), seed)
        .await
        .unwrap()
        .into_inner()
        .data
        .user_id;
    for restore in [false, true] {
        let call = if restore {
            restore_membership(founder, &session, john).await
        } else {
            delete_membership(founder, &session, john).await
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
    let founder = app.founder_after(chrono::Duration::hours(2));
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

/// A list call of the generated client that pages by cursor (see [`every_page`]).
pub trait PagedList: Clone {
    /// What a page lists.
    type Item;
    /// The same call, reading pages of `size` items.
    fn sized(self, size: u64) -> Self;
    /// The same call, reading the page at `cursor` (`None`: the first page).
    fn at(self, cursor: Option<String>) -> Self;
    /// Sends the call, which must succeed: the page's items, and the next page's cursor.
    fn page(self) -> impl std::future::Future<Output = (Vec<Self::Item>, Option<String>)>;
}

/// Makes the list call `$list` (answering a `$page` of `$item`s) a [`PagedList`].
macro_rules! paged_list {
    ($($list:ident => $page:ident of $item:ident),* $(,)?) => {$(
        impl PagedList for rollcall_client::builder::$list<'_> {
            type Item = types::$item;
            fn sized(self, size: u64) -> Self {
                self.limit(std::num::NonZeroU64::new(size).expect("a page holds one item at least"))
            }
            fn at(self, cursor: Option<String>) -> Self {
                match cursor {
                    Some(c) => self.cursor(c),
                    None => self,
                }
            }
            async fn page(self) -> (Vec<Self::Item>, Option<String>) {
                let page: types::$page = self.send().await.unwrap().into_inner();
                (page.data, page.next_cursor)
            }
        }
    )*};
}

paged_list! {
    AuditEventList => AuditEventPage of AuditEvent,
    InvitationList => InvitationPage of Invitation,
    MemberList => MemberPage of Member,
    AdUserList => MembershipPage of Membership,
    MeOrganizationList => MyOrganizationPage of MyOrganization,
    BoUserList => UserPage of User,
    BoUserOrganizationList => MembershipPage of Membership,
}

/// The items of the first page `list` reads (of the size the server gives by default).
pub async fn first_page<L: PagedList>(list: L) -> Vec<L::Item> {
    list.page().await.0
}

/// Walks `list` in pages of `size` items from the first to the last; returns each page's items,
/// in order.
pub async fn every_page<L: PagedList>(list: L, size: u64) -> Vec<Vec<L::Item>> {
    every_page_with(list, size, async || {}).await
}

/// Walks `list` page by page as [`every_page`] does, running `between` after each page is read
/// (as when someone joins while a client pages).
pub async fn every_page_with<L: PagedList>(
    list: L,
    size: u64,
    mut between: impl AsyncFnMut(),
) -> Vec<Vec<L::Item>> {
    let (mut pages, mut cursor) = (Vec::new(), None);
    let list = list.sized(size);
    loop {
        let (items, next) = list.clone().at(cursor.take()).page().await;
        pages.push(items);
        between().await;
        match next {
            Some(c) => cursor = Some(c),
            None => return pages,
        }
    }
}
