//! The catalog the hostile-input (`hostile.rs`) and forged-credential (`forged.rs`) suites run
//! over. Operations are read from `openapi/rollcall.yaml` itself (method, path, parameters, body
//! schema, security, documented statuses), so an operation the document gains and this catalog
//! lacks fails every suite instead of being skipped.
//!
//! A `World` is the data the requests act on: organization Alpha with an administrator, a member
//! without rights, teams and pending invitations; a back-office operator; organization Beta with
//! an administrator of its own. For each operationId the catalog (`World::entry`) names who
//! sends its valid request, who may call it, its path parameters and its body; the credentials,
//! `x-session-token` and `Idempotency-Key` headers follow from what the document declares.
//! `World::check` sends the cases a suite makes of each valid request and collects every answer
//! that is not what its case expects, and every operation whose refused requests changed the
//! database, into one report.

use std::collections::BTreeSet;

use app::BACKOFFICE_ROLE;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use reqwest::Method;
use rollcall_client::{Client, types};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    PagedList, Raw, SECRET, TestApp, Who, create_organization, create_team, delete_member,
    send_invite,
};

// ---- the document --------------------------------------------------------------------------

/// `openapi/rollcall.yaml`, as the contract crate reads it.
pub struct Document(Value);

/// An operation as the document declares it.
pub struct Operation {
    pub id: String,
    pub method: Method,
    pub template: String,
    pub params: Vec<Param>,
    /// The schema of its JSON body, when it takes one.
    pub body: Option<Value>,
    /// Whether it needs a bearer.
    pub secured: bool,
    /// The statuses it documents.
    pub responses: BTreeSet<u16>,
}

/// A path, query or header parameter.
pub struct Param {
    pub name: String,
    pub location: String,
    pub schema: Value,
}

impl Document {
    pub fn load() -> Self {
        Self(contract::parse(contract::DOCUMENT_YAML).expect("the document parses"))
    }

    /// Every operation, in the document's order.
    pub fn operations(&self) -> Vec<Operation> {
        let mut out = Vec::new();
        for (template, item) in self.0["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("a path item") {
                let params = op["parameters"].as_array().into_iter().flatten();
                out.push(Operation {
                    id: op["operationId"]
                        .as_str()
                        .expect("an operationId")
                        .to_owned(),
                    method: method.to_uppercase().parse().expect("a method"),
                    template: template.clone(),
                    params: params
                        .map(|p| self.follow(p))
                        .map(|p| Param {
                            name: p["name"].as_str().expect("a name").to_owned(),
                            location: p["in"].as_str().expect("a location").to_owned(),
                            schema: p["schema"].clone(),
                        })
                        .collect(),
                    body: op
                        .pointer("/requestBody/content/application~1json/schema")
                        .cloned(),
                    // A bearer is needed when every alternative names `bearerAuth` (`/metrics`
                    // takes none, or the metrics token).
                    secured: op["security"].as_array().is_some_and(|s| {
                        !s.is_empty() && s.iter().all(|r| r.get("bearerAuth").is_some())
                    }),
                    responses: op["responses"]
                        .as_object()
                        .expect("responses")
                        .keys()
                        .filter_map(|k| k.parse().ok())
                        .collect(),
                });
            }
        }
        out
    }

    /// `schema` with its `$ref` followed and a lone `allOf` or a nullable reference
    /// (`oneOf: [$ref, {enum: [null]}]`) taken in, and whether it allows null.
    pub fn resolve(&self, schema: &Value) -> (Value, bool) {
        let null_branch = json!({"enum": [null]});
        let one_of = schema["oneOf"].as_array();
        let or_null = one_of.filter(|a| a.len() == 2 && a.contains(&null_branch));
        let nullable = schema["nullable"] == true || or_null.is_some();
        let inner = match (
            schema["$ref"].is_string(),
            schema["allOf"].as_array(),
            or_null,
        ) {
            (true, _, _) => Some(self.follow(schema)),
            (false, Some(all), _) if all.len() == 1 => Some(&all[0]),
            (false, _, Some(branches)) => branches.iter().find(|b| **b != null_branch),
            _ => None,
        };
        match inner {
            Some(inner) => {
                let (s, n) = self.resolve(inner);
                (s, nullable || n)
            }
            None => (schema.clone(), nullable),
        }
    }

    fn follow<'a>(&'a self, v: &'a Value) -> &'a Value {
        match v["$ref"].as_str() {
            Some(r) => self
                .0
                .pointer(r.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("{r} resolves")),
            None => v,
        }
    }
}

impl Operation {
    pub fn params_in<'a>(&'a self, location: &'a str) -> impl Iterator<Item = &'a Param> + 'a {
        self.params.iter().filter(move |p| p.location == location)
    }

    pub fn declares_header(&self, name: &str) -> bool {
        self.params_in("header")
            .any(|p| p.name.eq_ignore_ascii_case(name))
    }
}

// ---- the catalog ---------------------------------------------------------------------------

/// Who sends an operation's valid request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Caller {
    Nobody,
    /// Alpha's administrator (with a session acting on Alpha where a session is declared).
    Administrator,
    /// The back-office operator (with a session naming no organization).
    BackOffice,
    /// The invitee of the invitation `invitation_accept` accepts.
    Acceptor,
    /// The invitee of the invitation `invitation_decline` declines.
    Decliner,
}

/// Who may call an operation (DESIGN.md's "who"): what decides how a forged identity is
/// answered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access {
    /// No credentials at all (health, invitation lookup).
    Anyone,
    /// Any bearer, acting on what is its own (creating an organization, `/me/…`).
    SignedIn,
    /// The bearer whose verified email the invitation was sent to.
    Invitee,
    /// Any live member of the organization.
    Member,
    /// The organization's administrators and managers.
    Manager,
    /// The organization's administrators.
    Administrator,
    /// The back office (bearer role `backoffice`).
    BackOffice,
}

/// One operation's valid request, as the catalog states it.
struct Entry {
    caller: Caller,
    access: Access,
    path: Vec<(String, String)>,
    body: Option<Value>,
}

impl Entry {
    fn new(caller: Caller, access: Access) -> Self {
        Self {
            caller,
            access,
            path: Vec::new(),
            body: None,
        }
    }
    fn path(mut self, name: &str, value: impl ToString) -> Self {
        self.path.push((name.to_owned(), value.to_string()));
        self
    }
    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// A request, every part of which a case may replace.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub template: String,
    pub path: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    /// The claims the bearer was signed from (`None`: no bearer was sent).
    pub claims: Option<Value>,
    pub bearer: Option<String>,
    pub session_claims: Option<Value>,
    pub session: Option<String>,
    pub idempotency_key: Option<String>,
    pub content_type: Option<String>,
    pub body: Option<Vec<u8>>,
    pub access: Access,
}

impl Request {
    /// The path with its parameters in place (as given: a case may send raw percent-escapes)
    /// and the query percent-encoded.
    pub fn url(&self) -> String {
        let mut url = self.template.clone();
        for (name, value) in &self.path {
            url = url.replace(&format!("{{{name}}}"), value);
        }
        for (i, (k, v)) in self.query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(&format!("{}={}", encode(k), encode(v)));
        }
        url
    }
    pub fn with_path(mut self, name: &str, value: &str) -> Self {
        for (n, v) in &mut self.path {
            if n == name {
                *v = value.to_owned();
            }
        }
        self
    }
    pub fn with_query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }
    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = Some(body);
        self
    }
    pub fn with_json(self, body: &Value) -> Self {
        self.with_body(body.to_string().into_bytes())
    }
    pub fn with_content_type(mut self, content_type: Option<&str>) -> Self {
        self.content_type = content_type.map(str::to_owned);
        self
    }
    /// The body as JSON (the valid request's body always is).
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(self.body.as_deref()?).ok()
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A JWT of `claims`, HS256 with `secret`.
pub fn sign(claims: &Value, secret: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()).expect("an HMAC key");
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), claims, &key).expect("signed")
}

/// A JWT of `claims` with `alg: none` and no signature.
pub fn unsigned(claims: &Value) -> String {
    let header = B64.encode(r#"{"alg":"none","typ":"JWT"}"#);
    format!("{header}.{}.", B64.encode(claims.to_string()))
}

/// `value` with `key` set (or removed, for `None`).
pub fn with(value: &Value, key: &str, to: Option<Value>) -> Value {
    let mut v = value.clone();
    let map = v.as_object_mut().expect("an object");
    match to {
        Some(to) => map.insert(key.to_owned(), to),
        None => map.remove(key),
    };
    v
}

// ---- the world -----------------------------------------------------------------------------

/// The data every request acts on, and the people who send them.
pub struct World {
    pub app: TestApp,
    pub document: Document,
    client: Client,
    /// Alpha: the organization whose data nobody else may see.
    alpha: (i64, Uuid),
    pub administrator: Who,
    /// A plain member of Alpha: role `member`, no teams, nothing to manage.
    pub member: Who,
    /// Beta's administrator, not a member of Alpha.
    pub other_administrator: Who,
    backoffice: Who,
    acceptor: Who,
    decliner: Who,
    team: Uuid,
    spare_team: Uuid,
    /// Members of Alpha each operation that removes or restores one acts on, so that no
    /// valid request stands in another's way.
    removed_by_ad: i64,
    removed_by_member_delete: i64,
    removed_by_bo: i64,
    restored: i64,
    /// A profile in no organization, for the back office to register.
    unregistered: i64,
    pending: Uuid,
    pending_token: String,
    revoked: Uuid,
    resent: Uuid,
    accept_token: String,
    decline_token: String,
    /// Alpha's webhook endpoints: one every webhook operation acts on, one to delete; and a
    /// pending delivery (a `webhook.test`) of the first, to retry.
    webhook: Uuid,
    spare_webhook: Uuid,
    delivery: Uuid,
    /// A cursor the server issued (from `bo_user_list`).
    pub cursor: String,
    /// What only Alpha's members may see: its name, uuid, teams, the domain of every member's
    /// and invitee's email, and its invitation tokens.
    pub secrets: Vec<String>,
}

const ALPHA: &str = "Alpha Confidential Org";
const ALPHA_TEAM: &str = "Alpha Confidential Team";
const ALPHA_SPARE_TEAM: &str = "Alpha Spare Team";
/// Every email of Alpha's members and invitees is in this domain.
const ALPHA_DOMAIN: &str = "alpha.example";

impl World {
    pub async fn spawn() -> Self {
        let app = TestApp::spawn().await;
        let administrator = Who::verified(100, &format!("admin@{ALPHA_DOMAIN}"));
        let admin = app.client(&administrator);
        let alpha = create_organization(&admin, ALPHA).await;
        let team = create_team(&admin, alpha.id, ALPHA_TEAM).await.id;
        let spare_team = create_team(&admin, alpha.id, ALPHA_SPARE_TEAM).await.id;
        join_alpha(&app, &admin, alpha.id, team).await;
        let unregistered = app.user(&format!("unregistered@{ALPHA_DOMAIN}")).await;
        let pending = invite(&admin, alpha.id, "pending").await;
        let revoked = invite(&admin, alpha.id, "revoked").await;
        let resent = invite(&admin, alpha.id, "resent").await;
        let accepted = invite(&admin, alpha.id, "acceptor").await;
        let declined = invite(&admin, alpha.id, "decliner").await;
        let webhook = webhook_in(&admin, alpha.id, "a").await;
        let spare_webhook = webhook_in(&admin, alpha.id, "spare").await;
        let delivery = admin
            .webhook_test()
            .organization_id(alpha.id)
            .webhook_id(webhook)
            .send()
            .await
            .expect("a test delivery")
            .into_inner()
            .id;
        let other_administrator = Who::verified(200, "owner@beta.example");
        create_organization(&app.client(&other_administrator), "Beta").await;
        let backoffice = Who::backoffice(9000);
        let secrets = [
            ALPHA,
            &alpha.id.to_string(),
            ALPHA_TEAM,
            ALPHA_SPARE_TEAM,
            ALPHA_DOMAIN,
        ]
        .into_iter()
        .chain([&pending, &revoked, &resent, &accepted, &declined].map(|i| i.token.as_str()))
        .map(str::to_owned)
        .collect();
        Self {
            client: app.anonymous(),
            document: Document::load(),
            cursor: issued_cursor(&app, &backoffice).await,
            alpha: (alpha.numeric_id, alpha.id),
            member: Who::verified(101, &format!("member@{ALPHA_DOMAIN}")),
            removed_by_ad: 102,
            removed_by_member_delete: 103,
            removed_by_bo: 104,
            restored: 105,
            unregistered,
            administrator,
            other_administrator,
            backoffice,
            acceptor: Who::verified(110, &format!("acceptor@{ALPHA_DOMAIN}")),
            decliner: Who::verified(111, &format!("decliner@{ALPHA_DOMAIN}")),
            team,
            spare_team,
            pending: pending.id,
            pending_token: pending.token,
            revoked: revoked.id,
            resent: resent.id,
            accept_token: accepted.token,
            decline_token: declined.token,
            webhook,
            spare_webhook,
            delivery,
            secrets,
            app,
        }
    }

    /// The catalog: for each operationId, who sends its valid request, who may call it, and its
    /// path parameters and body. Each acts on its own target, so that any order of them works.
    fn entry(&self, id: &str) -> Option<Entry> {
        use {Access as A, Caller as C};
        let (number, org) = self.alpha;
        let member = self.member.user;
        let permissions = json!({"group": 1, "read": [1, 2], "manage": [3]});
        let admin = |access| Entry::new(C::Administrator, access);
        let backoffice = || Entry::new(C::BackOffice, A::BackOffice);
        let in_alpha = |access| admin(access).path("organizationId", org);
        let entry = match id {
            "health_view" | "ready_view" | "document_view" | "metrics_view" => {
                Entry::new(C::Nobody, A::Anyone)
            }
            // users-organizations/v1: the administrator's session acts on Alpha.
            "ad_user_invite" => admin(A::Manager).body(json!({
                "firstName": "Ada", "lastName": "Lovelace",
                "email": format!("invited@{ALPHA_DOMAIN}"), "permissions": permissions,
            })),
            "ad_user_list" => admin(A::Member),
            "ad_user_view" => admin(A::Member).path("userId", member),
            "ad_user_update" => admin(A::Manager)
                .path("userId", member)
                .body(json!({"scope": 2, "permissions": permissions})),
            "ad_user_delete" => admin(A::Manager).path("userId", self.removed_by_ad),
            "ad_user_restore" => admin(A::Manager).path("userId", self.restored),
            "session_create" => admin(A::Member).body(json!({"organizationId": number})),
            "bo_user_list" => backoffice(),
            "bo_user_create" => backoffice().body(json!({
                "firstName": "Grace", "lastName": "Hopper", "email": format!("created@{ALPHA_DOMAIN}"),
            })),
            "bo_user_view" | "bo_user_organization_list" => backoffice().path("userId", member),
            "bo_organization_create" => backoffice().body(json!({"name": "Gamma"})),
            "bo_organization_view" => backoffice().path("organizationId", number),
            "bo_user_organization_delete" => backoffice()
                .path("userId", self.removed_by_bo)
                .path("organizationId", number),
            "bo_user_organization_register" => backoffice()
                .path("userId", self.unregistered)
                .path("organizationId", number)
                .body(json!({"scope": 2, "permissions": permissions})),
            // /organization: the administrator's bearer.
            "organization_create" => admin(A::SignedIn).body(json!({"name": "Delta"})),
            "organization_view" | "member_list" | "team_list" => in_alpha(A::Member),
            "invitation_create" => in_alpha(A::Manager).body(json!({
                "email": format!("fresh@{ALPHA_DOMAIN}"), "role": "member",
                "teamAssignments": [{"teamId": self.team, "role": "developer"}],
                "permissions": permissions, "expiresInSeconds": 86_400,
            })),
            "invitation_bulk_create" => in_alpha(A::Manager).body(json!({"invitations": [{
                "email": format!("bulk@{ALPHA_DOMAIN}"), "role": "member",
                "teamAssignments": [{"teamId": self.team, "role": "developer"}],
                "permissions": permissions, "expiresInSeconds": 86_400,
            }]})),
            "invitation_list" => in_alpha(A::Manager),
            "invitation_view" => in_alpha(A::Manager).path("invitationId", self.pending),
            "invitation_revoke" => in_alpha(A::Manager).path("invitationId", self.revoked),
            "invitation_resend" => in_alpha(A::Manager).path("invitationId", self.resent),
            "audit_event_list" => in_alpha(A::Administrator),
            "webhook_create" => in_alpha(A::Administrator)
                .body(json!({"url": format!("https://hooks.{ALPHA_DOMAIN}/new")})),
            "webhook_list" => in_alpha(A::Administrator),
            "webhook_view"
            | "webhook_secret_rotate"
            | "webhook_test"
            | "webhook_delivery_list" => in_alpha(A::Administrator).path("webhookId", self.webhook),
            "webhook_update" => in_alpha(A::Administrator)
                .path("webhookId", self.webhook)
                .body(json!({"description": "changed"})),
            "webhook_delete" => in_alpha(A::Administrator).path("webhookId", self.spare_webhook),
            "webhook_delivery_retry" => in_alpha(A::Administrator)
                .path("webhookId", self.webhook)
                .path("deliveryId", self.delivery),
            "member_update" => in_alpha(A::Manager)
                .path("userId", member)
                .body(json!({"role": "member", "permissions": permissions})),
            "member_delete" => in_alpha(A::Manager).path("userId", self.removed_by_member_delete),
            "team_create" => in_alpha(A::Manager).body(json!({"name": "Alpha Ops"})),
            "team_update" => in_alpha(A::Manager)
                .path("teamId", self.team)
                .body(json!({"name": "Alpha Platform"})),
            "team_delete" => in_alpha(A::Manager).path("teamId", self.spare_team),
            "team_member_list" => in_alpha(A::Member).path("teamId", self.team),
            "team_member_put" => in_alpha(A::Manager)
                .path("teamId", self.team)
                .path("userId", member)
                .body(json!({"role": "viewer"})),
            "team_member_delete" => in_alpha(A::Manager)
                .path("teamId", self.team)
                .path("userId", self.administrator.user),
            "me_organization_list" | "me_invitation_list" => admin(A::SignedIn),
            "invitation_lookup" => Entry::new(C::Nobody, A::Anyone)
                .body(json!({"token": self.pending_token})),
            "invitation_accept" => Entry::new(C::Acceptor, A::Invitee)
                .body(json!({"token": self.accept_token})),
            "invitation_decline" => Entry::new(C::Decliner, A::Invitee)
                .body(json!({"token": self.decline_token})),
            _ => return None,
        };
        Some(entry)
    }

    /// The bearer's subject and the organization its session acts on.
    fn credentials(&self, caller: Caller) -> Option<(&Who, Option<i64>)> {
        match caller {
            Caller::Nobody => None,
            Caller::Administrator => Some((&self.administrator, Some(self.alpha.0))),
            Caller::BackOffice => Some((&self.backoffice, None)),
            Caller::Acceptor => Some((&self.acceptor, None)),
            Caller::Decliner => Some((&self.decliner, None)),
        }
    }

    /// The valid request of `op`: the catalog's entry with the credentials and headers the
    /// document declares for it.
    pub fn request(&self, op: &Operation) -> Result<Request, String> {
        let entry = self.entry(&op.id).ok_or(
            "the catalog has no entry for it: add its valid request to tests/api/operations.rs",
        )?;
        if let Some(p) = op
            .params_in("path")
            .find(|p| !entry.path.iter().any(|(n, _)| *n == p.name))
        {
            return Err(format!(
                "the catalog gives no value for path parameter {}",
                p.name
            ));
        }
        if op.body.is_some() != entry.body.is_some() {
            return Err("the catalog and the document disagree on whether it takes a body".into());
        }
        let credentials = self.credentials(entry.caller);
        if op.secured != credentials.is_some() {
            return Err(
                "the catalog and the document disagree on whether it needs a bearer".into(),
            );
        }
        let claims = credentials.map(|(who, _)| self.claims(who));
        let session_claims = credentials
            .filter(|_| op.declares_header("x-session-token"))
            .map(|(who, org)| self.session_claims(who.user, org));
        Ok(Request {
            method: op.method.clone(),
            template: op.template.clone(),
            path: entry.path,
            query: Vec::new(),
            bearer: claims.as_ref().map(|c| sign(c, SECRET)),
            claims,
            session: session_claims.as_ref().map(|c| sign(c, SECRET)),
            session_claims,
            idempotency_key: op
                .declares_header("Idempotency-Key")
                .then(|| format!("{}-key", op.id)),
            content_type: entry.body.as_ref().map(|_| "application/json".to_owned()),
            body: entry.body.map(|b| b.to_string().into_bytes()),
            access: entry.access,
        })
    }

    /// `valid` sent by `who` instead, with genuine tokens (a session acting on the same
    /// organization where `valid` has one); `None` when `valid` carries no credentials.
    pub fn acting_as(&self, valid: &Request, who: &Who) -> Option<Request> {
        valid.claims.as_ref()?;
        let claims = self.claims(who);
        let session_claims = valid
            .session_claims
            .as_ref()
            .map(|s| self.session_claims(who.user, s["organizationId"].as_i64()));
        Some(Request {
            bearer: Some(sign(&claims, SECRET)),
            claims: Some(claims),
            session: session_claims.as_ref().map(|c| sign(c, SECRET)),
            session_claims,
            ..valid.clone()
        })
    }

    /// The claims of `who`'s bearer, valid for an hour.
    pub fn claims(&self, who: &Who) -> Value {
        let mut claims = json!({
            "sub": who.user, "exp": self.app.now_ts() + 3600,
            "given_name": "Test", "family_name": "User",
        });
        if let Some(email) = &who.email {
            claims["email"] = json!(email);
            claims["email_verified"] = json!(who.verified);
        }
        if who.backoffice {
            claims["roles"] = json!([BACKOFFICE_ROLE]);
        }
        claims
    }

    /// The claims of `user`'s session acting on `org`, valid for an hour.
    pub fn session_claims(&self, user: i64, org: Option<i64>) -> Value {
        let now = self.app.now_ts();
        json!({"userId": user, "sessionId": "s-1", "iat": now, "exp": now + 3600, "organizationId": org})
    }

    pub async fn send(&self, r: &Request) -> Raw {
        let mut headers = Vec::new();
        if let Some(bearer) = &r.bearer {
            headers.push(("authorization", format!("Bearer {bearer}")));
        }
        let optional = [
            ("x-session-token", &r.session),
            ("idempotency-key", &r.idempotency_key),
            ("content-type", &r.content_type),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                headers.push((name, v.clone()));
            }
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.app
            .raw(
                &self.client,
                r.method.clone(),
                &r.url(),
                &headers,
                r.body.clone(),
            )
            .await
    }

    /// Every row of every table as text, sorted: what "the database is unchanged" compares.
    /// (Not the SQLite file's bytes: a refused creating POST claims its `Idempotency-Key` and
    /// gives it back, which leaves the rows as they were but not the pages.)
    pub async fn rows(&self) -> Vec<String> {
        let postgres = self.app.database.is_postgres();
        let tables = self
            .app
            .query::<String>(if postgres {
                "SELECT tablename AS v FROM pg_tables WHERE schemaname = 'public'"
            } else {
                "SELECT name AS v FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            })
            .await;
        let mut rows = Vec::new();
        for table in tables {
            let row = if postgres {
                "t::text".to_owned()
            } else {
                let columns = self
                    .app
                    .query::<String>(&format!(
                        "SELECT name AS v FROM pragma_table_info('{table}')"
                    ))
                    .await;
                let quoted: Vec<String> =
                    columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
                quoted.join(" || '|' || ")
            };
            let sql = format!("SELECT {row} AS v FROM \"{table}\" t");
            rows.extend(
                self.app
                    .query::<String>(&sql)
                    .await
                    .into_iter()
                    .map(|r| format!("{table}: {r}")),
            );
        }
        rows.sort();
        rows
    }

    /// Sends the cases `cases` makes of each operation's valid request, operation by operation
    /// (the refused ones first, then the database is compared), and reports every answer that is
    /// not what its case expects.
    pub async fn check(&self, cases: impl Fn(&Operation, Request) -> Vec<Case>) -> Findings {
        let mut findings = Findings::default();
        for op in self.document.operations() {
            let valid = match self.request(&op) {
                Ok(valid) => valid,
                Err(e) => {
                    findings.failures.push(format!("{}: {e}", op.id));
                    continue;
                }
            };
            let (refused, allowed): (Vec<Case>, Vec<Case>) = cases(&op, valid)
                .into_iter()
                .partition(|c| matches!(c.expect, Expect::Refused { .. }));
            if refused.is_empty() && allowed.is_empty() {
                findings.not_applicable.push(op.id.clone());
                continue;
            }
            findings.operations += 1;
            let before = self.rows().await;
            for case in &refused {
                self.try_case(&op, case, &mut findings).await;
            }
            let after = self.rows().await;
            if before != after {
                findings.failures.push(format!(
                    "{}: its refused requests changed the database: {}",
                    op.id,
                    difference(&before, &after)
                ));
            }
            for case in &allowed {
                self.try_case(&op, case, &mut findings).await;
            }
        }
        findings
    }

    async fn try_case(&self, op: &Operation, case: &Case, findings: &mut Findings) {
        findings.requests += 1;
        let answer = self.send(&case.request).await;
        if let Err(why) = self.judge(op, case, &answer) {
            let body = String::from_utf8_lossy(&answer.bytes);
            let end = body.floor_char_boundary(400);
            findings.failures.push(format!(
                "{} — {}: answered {} {}\n    {why}",
                op.id,
                case.name,
                answer.status,
                &body[..end]
            ));
        }
    }

    fn judge(&self, op: &Operation, case: &Case, answer: &Raw) -> Result<(), String> {
        let body = String::from_utf8_lossy(&answer.bytes);
        if !matches!(case.expect, Expect::Success)
            && let Some(secret) = self.secrets.iter().find(|s| body.contains(s.as_str()))
        {
            return Err(format!("shows Alpha's {secret:?}"));
        }
        if !op.responses.contains(&answer.status) {
            return Err(format!("the document declares no {}", answer.status));
        }
        let Expect::Refused { statuses, field } = &case.expect else {
            return match answer.status {
                200..=299 => Ok(()),
                _ => Err("expected a success".into()),
            };
        };
        if !statuses.contains(&answer.status) {
            return Err(format!("expected {statuses:?}"));
        }
        if answer.content_type() != "application/problem+json" {
            return Err(format!(
                "answered {:?}, not problem+json",
                answer.content_type()
            ));
        }
        let problem: Value = serde_json::from_slice(&answer.bytes).unwrap_or_default();
        if problem["status"] != answer.status || !problem["requestId"].is_string() {
            return Err("not a problem with its status and requestId".into());
        }
        if let Some(field) = field {
            let names = |f: &str| f == field || f.starts_with(&format!("{field}."));
            let fields = problem["errors"].as_array().into_iter().flatten();
            if !fields.filter_map(|e| e["field"].as_str()).any(names) {
                return Err(format!("names no error of field {field:?}"));
            }
        }
        Ok(())
    }
}

/// An endpoint of Alpha's, at a host of Alpha's domain (one of its secrets).
async fn webhook_in(client: &Client, org: Uuid, name: &str) -> Uuid {
    client
        .webhook_create()
        .organization_id(org)
        .body(
            types::CreateWebhookRequest::builder()
                .url(format!("https://hooks.{ALPHA_DOMAIN}/{name}")),
        )
        .send()
        .await
        .expect("an endpoint")
        .into_inner()
        .id
}

/// Alpha's members, who joined through invitations: the plain member (101) and one for each
/// operation that removes (102–104) or restores (105, removed already) a member; and its
/// administrator in the team, for `team_member_delete` to remove.
async fn join_alpha(app: &TestApp, admin: &Client, alpha: Uuid, team: Uuid) {
    let names = [
        "member",
        "removed-by-ad",
        "removed-by-member-delete",
        "removed-by-bo",
        "restored",
    ];
    for (user, name) in (101..).zip(names) {
        let email = format!("{name}@{ALPHA_DOMAIN}");
        app.join_as(admin, alpha, user, &email, types::Role::Member)
            .await;
    }
    delete_member(admin, alpha, 105)
        .await
        .expect("a member to restore");
    let developer = types::PutTeamMemberRequest {
        role: types::TeamRole::Developer,
    };
    admin
        .team_member_put()
        .organization_id(alpha)
        .team_id(team)
        .user_id(100)
        .body(developer)
        .send()
        .await
        .expect("the administrator in the team");
}

async fn invite(admin: &Client, alpha: Uuid, name: &str) -> types::InvitationWithToken {
    let email = format!("{name}@{ALPHA_DOMAIN}");
    send_invite(admin, alpha, &email)
        .await
        .expect("invited")
        .into_inner()
}

/// A cursor the server issued: the next page of the profiles, one to a page.
async fn issued_cursor(app: &TestApp, backoffice: &Who) -> String {
    let users = app.client(backoffice);
    let list = users
        .bo_user_list()
        .x_session_token(app.session(backoffice.user, None));
    let (_, next) = list.sized(1).page().await;
    next.expect("more than one page")
}

fn difference(before: &[String], after: &[String]) -> String {
    let gone: Vec<&String> = before
        .iter()
        .filter(|r| !after.contains(r))
        .take(3)
        .collect();
    let new: Vec<&String> = after
        .iter()
        .filter(|r| !before.contains(r))
        .take(3)
        .collect();
    format!("rows gone {gone:?}, rows new {new:?}")
}

// ---- cases and findings --------------------------------------------------------------------

/// One request made of an operation's valid request, and the answer it must get.
pub struct Case {
    pub name: String,
    pub request: Request,
    pub expect: Expect,
}

pub enum Expect {
    /// A success, whatever it shows (the valid request of Alpha's own administrator).
    Success,
    /// A success showing nothing of Alpha (a caller outside Alpha acting on its own).
    Own,
    /// One of `statuses`, as problem+json naming `field` when given, showing nothing of Alpha,
    /// and leaving the database as it was.
    Refused {
        statuses: &'static [u16],
        field: Option<String>,
    },
}

impl Case {
    pub fn refused(name: impl Into<String>, request: Request, statuses: &'static [u16]) -> Self {
        Self {
            name: name.into(),
            request,
            expect: Expect::Refused {
                statuses,
                field: None,
            },
        }
    }
    pub fn succeeds(name: impl Into<String>, request: Request, expect: Expect) -> Self {
        Self {
            name: name.into(),
            request,
            expect,
        }
    }
    /// The 422 names `field` (dotted) or a field inside it.
    pub fn naming(mut self, field: impl Into<String>) -> Self {
        if let Expect::Refused { field: f, .. } = &mut self.expect {
            *f = Some(field.into());
        }
        self
    }
}

/// What a suite found.
#[derive(Default)]
pub struct Findings {
    failures: Vec<String>,
    operations: usize,
    requests: usize,
    not_applicable: Vec<String>,
}

impl Findings {
    /// Fails listing every answer that was not as expected.
    pub fn assert_clean(self) {
        println!(
            "{} operations, {} requests; no case applies to {:?}",
            self.operations, self.requests, self.not_applicable
        );
        assert!(
            self.failures.is_empty(),
            "{} of {} requests over {} operations were not answered as expected:\n{}",
            self.failures.len(),
            self.requests,
            self.operations,
            self.failures.join("\n")
        );
    }
}
