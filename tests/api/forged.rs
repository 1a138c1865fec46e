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

use serde_json::json;

use crate::helpers::SECRET;
use crate::operations::{Access, Case, Expect, Request, World, sign, unsigned, with};

const UNAUTHORIZED: &[u16] = &[401];
const FORBIDDEN: &[u16] = &[403];
const NOT_FOUND: &[u16] = &[404];
const OTHER_KEY: &str = "not-the-server-secret";

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
            [
                ("no bearer", None),
                ("alg none", Some(unsigned(&claims))),
                ("signed with another key", Some(sign(&claims, OTHER_KEY))),
                (
                    "expired",
                    Some(sign(&with(&claims, "exp", Some(past.clone())), SECRET)),
                ),
                ("garbage", Some("garbage".to_owned())),
                ("no sub", Some(sign(&with(&claims, "sub", None), SECRET))),
            ]
            .into_iter()
            .map(|(name, bearer)| {
                let request = Request {
                    bearer,
                    ..valid.clone()
                };
                Case::refused(format!("bearer: {name}"), request, UNAUTHORIZED)
            })
            .collect()
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
            [
                ("no session", None),
                ("alg none", Some(unsigned(&claims))),
                ("signed with another key", Some(sign(&claims, OTHER_KEY))),
                (
                    "expired",
                    Some(sign(&with(&claims, "exp", Some(past.clone())), SECRET)),
                ),
                ("garbage", Some("x.y.z".to_owned())),
                (
                    "another user's",
                    Some(sign(
                        &with(&claims, "userId", Some(someone_else.clone())),
                        SECRET,
                    )),
                ),
            ]
            .into_iter()
            .map(|(name, session)| {
                let request = Request {
                    session,
                    ..valid.clone()
                };
                Case::refused(format!("session: {name}"), request, UNAUTHORIZED)
            })
            .collect()
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
