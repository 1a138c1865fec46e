//! The generated client's hand-written extensions against the real server: page streams walk
//! a list to its end, a session set once serves the `/users-organizations/v1` family, every
//! error answer (listed in the document or not) is a typed problem that prints in one line,
//! and `with_bearer` trims the base URL.

use std::collections::BTreeSet;

use rollcall_client::{ApiError, Client, ClientInfo, prelude::*, types};

use crate::helpers::{TestApp, Who, session_for, view_invitation};

async fn invite(client: &Client, org: uuid::Uuid, email: &str) -> types::InvitationWithToken {
    client
        .invitation_create()
        .organization_id(org)
        .body_map(|b| b.email(email).role(types::Role::Member))
        .send()
        .await
        .expect("invited")
        .into_inner()
}

#[actix_web::test]
async fn a_list_is_walked_to_its_end_through_the_page_stream() {
    let (_app, founder, org) = TestApp::spawn_founded().await;
    let mut emails = BTreeSet::new();
    for i in 0..7 {
        let email = format!("person{i}@example.com");
        invite(&founder, org.id, &email).await;
        emails.insert(email);
    }

    let list = founder
        .invitation_list()
        .organization_id(org.id)
        .limit(2_u64);
    let pages: Vec<types::InvitationPage> = list.clone().pages().try_collect().await.unwrap();
    assert_eq!(
        pages.iter().map(|p| p.data.len()).collect::<Vec<_>>(),
        [2, 2, 2, 1]
    );
    assert!(pages[..3].iter().all(|p| p.next_cursor().is_some()));
    assert_eq!(pages[3].next_cursor(), None);

    let items: Vec<types::Invitation> = list.items().try_collect().await.unwrap();
    assert_eq!(
        items,
        pages
            .into_iter()
            .flat_map(Page::into_items)
            .collect::<Vec<_>>(),
        "items() yields the pages' items, in order"
    );
    let streamed: BTreeSet<String> = items.iter().map(|i| i.email.clone()).collect();
    assert_eq!(streamed, emails, "every invitation, each once");
    let newest_first: Vec<_> = items.iter().map(|i| i.created_at).collect();
    assert!(newest_first.is_sorted_by(|a, b| a >= b));

    let viewed = view_invitation(&founder, org.id, items[0].id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(viewed, items[0], "a listed invitation equals its view");
}

#[actix_web::test]
async fn a_page_stream_keeps_the_filters_and_stops_at_the_first_problem() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    for i in 0..5 {
        invite(&founder, org.id, &format!("p{i}@example.com")).await;
    }
    let filtered: Vec<types::Invitation> = founder
        .invitation_list()
        .organization_id(org.id)
        .email("p3@example.com")
        .limit(1_u64)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].email, "p3@example.com");

    let stranger = app.client(&Who::verified(50, "stranger@example.com"));
    let mut stream = stranger.invitation_list().organization_id(org.id).items();
    let e = stream.try_next().await.unwrap_err();
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    assert!(stream.next().await.is_none(), "nothing after the problem");
}

#[actix_web::test]
async fn a_session_set_once_serves_the_users_organizations_family() {
    let app = TestApp::spawn().await;
    let (founder, acme) = app.founded().await;
    let bearer = app.bearer(&Who::verified(1, "founder@acme.example"));
    let session = |organization: i64| session_for(&founder, organization);
    let v1 =
        rollcall_client::with_session(&app.base, &bearer, &session(acme.numeric_id).await).unwrap();
    for i in 0..4 {
        v1.ad_user_invite()
            .body_map(|b| {
                b.first_name("A")
                    .last_name("B")
                    .email(format!("member{i}@example.com"))
                    .permissions(types::PermissionsInput::builder().group(0))
            })
            .send()
            .await
            .expect("seed 000 without .x_session_token()");
    }
    let members: Vec<types::Membership> = v1
        .ad_user_list()
        .limit(2_u64)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(members.len(), 5, "the founder and four members");
    assert!(members.iter().all(|m| m.organization_id == acme.numeric_id));

    let other = founder
        .organization_create()
        .body_map(|b| b.name("Other"))
        .send()
        .await
        .unwrap()
        .into_inner();
    let theirs = v1
        .ad_user_list()
        .x_session_token(session(other.numeric_id).await)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(theirs.data.len(), 1, "a session set on the call wins");
    assert_eq!(theirs.data[0].organization_id, other.numeric_id);
    assert!(theirs.data[0].scope.is_administrator());
}

#[actix_web::test]
async fn an_answer_the_document_does_not_list_is_still_a_typed_problem() {
    let app = TestApp::spawn().await;
    // A base URL with a trailing slash, as progenitor's own constructor keeps it: the calls go
    // to `//me/organizations`, which is no route (a 404 the operation does not list).
    let slashed = Client::new_with_client(
        &format!("{}/", app.base),
        reqwest::Client::builder()
            .default_headers(
                [(
                    reqwest::header::AUTHORIZATION,
                    format!("Bearer {}", app.bearer(&Who::user(1)))
                        .parse()
                        .unwrap(),
                )]
                .into_iter()
                .collect(),
            )
            .build()
            .unwrap(),
    );
    let e = slashed.me_organization_list().send().await.unwrap_err();
    let problem = e.problem().expect("the 404's problem+json is read").clone();
    assert_eq!(problem.status, 404);
    assert_eq!(problem.type_, "https://rollcall.dev/problems/not-found");
    let e = ApiError::from(e);
    assert_eq!(e.status(), Some(StatusCode::NOT_FOUND));
    assert_eq!(
        e.to_string(),
        format!(
            "404 Not Found: {} (request {})",
            problem.detail, problem.request_id
        )
    );

    let trimmed =
        rollcall_client::with_bearer(&format!("{}/", app.base), &app.bearer(&Who::user(1)))
            .unwrap();
    assert_eq!(trimmed.baseurl(), &app.base);
    let mine = trimmed.me_organization_list().send().await.unwrap();
    assert_eq!(mine.status(), 200);
}

#[actix_web::test]
async fn a_problem_prints_in_one_line_and_a_missing_parameter_says_which() {
    let (_app, founder, org) = TestApp::spawn_founded().await;
    invite(&founder, org.id, "jane@example.com").await;
    let again = founder
        .invitation_create()
        .organization_id(org.id)
        .body_map(|b| b.email("jane@example.com").role(types::Role::Member))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        again.problem_type(),
        Some("https://rollcall.dev/problems/invitation-pending")
    );
    let p = again.problem().unwrap().clone();
    let line = format!("409 Conflict: {} (request {})", p.detail, p.request_id);
    assert_eq!(p.to_string(), line);
    let e = ApiError::from(again);
    assert_eq!(e.to_string(), line);
    assert_eq!(
        format!("{e:?}"),
        line,
        "`main` returning it prints the same line"
    );
    assert!(!e.is_retryable());

    let incomplete = ApiError::from(founder.invitation_list().send().await.unwrap_err());
    assert!(incomplete.problem().is_none());
    let message = incomplete.to_string();
    assert!(
        message.contains("organization_id was not initialized")
            && message.contains("set it on the builder"),
        "{message}"
    );
}

#[actix_web::test]
async fn an_optional_body_field_takes_a_builder_as_a_required_one_does() {
    let (_app, founder, org) = TestApp::spawn_founded().await;
    let sent = founder
        .invitation_create()
        .organization_id(org.id)
        .body_map(|b| {
            b.email("jane@example.com")
                .role(types::Role::Member)
                .permissions(types::PermissionsInput::builder().group(7))
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.permissions.map(|p| p.group), Some(7));
}
