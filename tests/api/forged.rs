//! The forged-credentials matrix, over every operation of the document. The control column:
//! each operation's valid request succeeds. Forged credentials (no bearer, `alg: none`, another
//! key, expired, garbage, no `sub`; and where the operation declares `x-session-token`, a
//! session missing, forged, expired or another user's) answer 401: a session whose `userId` is
//! not the bearer's `sub` is a bad credential, not a wrong identity. Forged identities, genuine
//! tokens of the wrong person, answer as DESIGN.md says: an organization the caller is not a
//! member of is 404 under `/organization/{organizationId}` (its existence does not leak) and
//! 403 elsewhere (a session naming it, a session asked for it); a right the caller's role lacks,
//! the back office without its role, and an invitation sent to another email are 403. No answer
//! shows anything of Alpha to anyone outside it, and no refused request changes the database.
//!
//! Cases that do not apply, by design: operations without credentials (health, readiness,
//! invitation lookup, which anyone holding the token may call) have nothing to forge; a member
//! of Alpha may call what any member may (views and lists, asking for a session), and any
//! signed-in user may create an organization and list its own organizations and invitations,
//! so there another organization's administrator gets a success that must show nothing of Alpha.

use serde_json::{Value, json};

use crate::helpers::SECRET;
use crate::operations::{Access, Case, Expect, Request, World, sign, unsigned, with};

const UNAUTHORIZED: &[u16] = &[401];
const FORBIDDEN: &[u16] = &[403];
const NOT_FOUND: &[u16] = &[404];
const OTHER_KEY: &str = "not-the-server-secret";

/// The cases of `valid` with its `what` (a bearer or a session, whose genuine claims are
/// `claims`; `put` puts a token in its place) forged, each refused with a 401: none sent, unsigned
/// (`alg: none`), signed with another key, expired at `past`, `garbage`, and `last` (a name and
/// its token).
fn forgeries(
    valid: &Request,
    (what, put): (&str, impl Fn(&mut Request, Option<String>)),
    claims: &Value,
    past: &Value,
    garbage: &str,
    last: (&str, String),
) -> Vec<Case> {
    let expired = sign(&with(claims, "exp", Some(past.clone())), SECRET);
    [
        (format!("no {what}"), None),
        ("alg none".into(), Some(unsigned(claims))),
        (
            "signed with another key".into(),
            Some(sign(claims, OTHER_KEY)),
        ),
        ("expired".into(), Some(expired)),
        ("garbage".into(), Some(garbage.to_owned())),
        (last.0.into(), Some(last.1)),
    ]
    .into_iter()
    .map(|(name, token)| {
        let mut request = valid.clone();
        put(&mut request, token);
        Case::refused(format!("{what}: {name}"), request, UNAUTHORIZED)
    })
    .collect()
}

#[actix_web::test]
async fn with_genuine_credentials_every_operation_succeeds() {
    let world = World::spawn().await;
    world
        .check(|_, valid| vec![Case::succeeds("genuine", valid, Expect::Success)])
        .await
        .assert_clean();
}

#[actix_web::test]
async fn every_operation_refuses_a_missing_forged_or_expired_bearer_with_a_401() {
    let world = World::spawn().await;
    // Past the clock skew a token is forgiven (`app::CLOCK_SKEW`, 30 s).
    let past = json!(world.app.now_ts() - 61);
    world
        .check(|_, valid| {
            let Some(claims) = valid.claims.clone() else {
                return vec![];
            };
            let no_sub = ("no sub", sign(&with(&claims, "sub", None), SECRET));
            let bearer = ("bearer", |r: &mut Request, token| r.bearer = token);
            forgeries(&valid, bearer, &claims, &past, "garbage", no_sub)
        })
        .await
        .assert_clean();
}

#[actix_web::test]
async fn every_operation_with_a_session_refuses_a_missing_forged_expired_or_stolen_one_with_a_401()
{
    let world = World::spawn().await;
    // Past the clock skew a token is forgiven (`app::CLOCK_SKEW`, 30 s).
    let past = json!(world.app.now_ts() - 61);
    let someone_else = json!(world.member.user);
    world
        .check(|_, valid| {
            let Some(claims) = valid.session_claims.clone() else {
                return vec![];
            };
            let stolen = sign(&with(&claims, "userId", Some(someone_else.clone())), SECRET);
            let stolen = ("another user's", stolen);
            let session = ("session", |r: &mut Request, token| r.session = token);
            forgeries(&valid, session, &claims, &past, "x.y.z", stolen)
        })
        .await
        .assert_clean();
}

#[actix_web::test]
async fn another_organizations_administrator_is_refused_and_shown_nothing_of_it() {
    let world = World::spawn().await;
    world
        .check(|_, valid| {
            let Some(request) = world.acting_as(&valid, &world.other_administrator) else {
                return vec![]; // nothing to forge without credentials
            };
            let not_a_member = if valid.template.starts_with("/organization/{organizationId}") {
                NOT_FOUND
            } else {
                FORBIDDEN
            };
            let case = match valid.access {
                Access::Anyone => return vec![],
                Access::SignedIn => Case::succeeds("acting on its own", request, Expect::Own),
                Access::Invitee => Case::refused("not the invitee", request, FORBIDDEN),
                Access::BackOffice => Case::refused("no back-office role", request, FORBIDDEN),
                Access::Member | Access::Manager | Access::Administrator => {
                    Case::refused("not a member", request, not_a_member)
                }
            };
            vec![case]
        })
        .await
        .assert_clean();
}

#[actix_web::test]
async fn a_member_without_the_right_is_refused_with_a_403() {
    let world = World::spawn().await;
    world
        .check(|_, valid| {
            let Some(request) = world.acting_as(&valid, &world.member) else {
                return vec![];
            };
            match valid.access {
                Access::Manager | Access::Administrator | Access::BackOffice | Access::Invitee => {
                    vec![Case::refused("a plain member", request, FORBIDDEN)]
                }
                // A member of Alpha may: it reads what is its own.
                Access::Anyone | Access::SignedIn | Access::Member => vec![],
            }
        })
        .await
        .assert_clean();
}
