//! The tour of the README, in Rust: an administrator creates an organization, gets a session
//! for it, adds John (seed 000) and invites Jane and a few others by email (seed 002), reads
//! the invitations page by page, meets a problem and handles it by its `type`, then Jane
//! looks her invitation up and accepts it with her own bearer.
//!
//! Against a running `rollcall serve` (`cargo xtask ci` runs it so):
//!
//! ```sh
//! eval "$(rollcall token --user 1 --email you@example.com)"
//! export ROLLCALL_INVITEE_BEARER=$(rollcall token --user 3 --email jane@example.com | sed -n 's/^export ROLLCALL_BEARER=//p')
//! ROLLCALL_URL=http://127.0.0.1:8080 cargo run -p rollcall-client --example tour
//! ```

use rollcall_client::{anonymous, prelude::*, with_bearer, with_session};

#[tokio::main]
async fn main() -> Result<(), ApiError> {
    let url = std::env::var("ROLLCALL_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let bearer = required_env("ROLLCALL_BEARER");

    // A bearer is enough for `/organization`. Creating one makes you its administrator.
    let admin = with_bearer(&url, &bearer)?;
    let org = admin
        .organization_create()
        .body_map(|b| b.name("Acme"))
        .send()
        .await?
        .into_inner();
    println!(
        "created {} ({}, numeric id {})",
        org.name, org.id, org.numeric_id
    );

    // `/users-organizations/v1` also wants a session, here for the new organization; a client
    // made with it sends both on every call.
    let session = admin
        .session_create()
        .body_map(|b| b.organization_id(org.numeric_id))
        .send()
        .await?
        .into_inner()
        .data;
    let v1 = with_session(&url, &bearer, &session.token)?;

    // Seed 000: John becomes a member of the session's organization at once.
    let john = v1
        .ad_user_invite()
        .body_map(|b| {
            b.first_name("John")
                .last_name("Doe")
                .email("john@example.com")
                .permissions(types::PermissionsInput::builder().group(0))
        })
        .send()
        .await?
        .into_inner()
        .data;
    println!("added user {} with scope {}", john.user_id, john.scope);

    // Seed 002: invitations by email, each with a secret token for the invitee.
    let jane = admin
        .invitation_create()
        .organization_id(org.id)
        .body_map(|b| b.email("jane@example.com").role(types::Role::Member))
        .send()
        .await?
        .into_inner();
    for name in ["ann", "bob", "eve", "max"] {
        admin
            .invitation_create()
            .organization_id(org.id)
            .body_map(|b| {
                b.email(format!("{name}@example.com"))
                    .role(types::Role::Member)
            })
            .send()
            .await?;
    }

    // Every invitation, two per page: the stream follows `nextCursor` to the last page.
    let mut invitations = admin
        .invitation_list()
        .organization_id(org.id)
        .limit(2_u64)
        .items();
    let mut listed = 0;
    while let Some(invitation) = invitations.try_next().await? {
        println!("invited {} ({})", invitation.email, invitation.status);
        listed += 1;
    }
    assert_eq!(listed, 5, "the stream yields every invitation once");

    // Inviting Jane again is refused with a problem: branch on its `type`, and let `?` print
    // any other problem in one line.
    let again = admin
        .invitation_create()
        .organization_id(org.id)
        .body_map(|b| b.email("jane@example.com").role(types::Role::Member))
        .send()
        .await;
    match again {
        Ok(_) => panic!("a second pending invitation to jane@example.com was created"),
        Err(e) => match e.problem_type() {
            // A stable class: Jane's pending invitation, named by `invitationId`.
            Some("https://rollcall.dev/problems/invitation-pending") => {
                let pending = e.problem().and_then(|p| p.invitation_id);
                println!(
                    "not invited twice (pending: {pending:?}): {}",
                    ApiError::from(e)
                )
            }
            _ => return Err(e.into()),
        },
    }

    // Jane looks the invitation up with its token alone, then accepts it with her bearer.
    let lookup = anonymous(&url)?
        .invitation_lookup()
        .body_map(|b| b.token(jane.token.clone()))
        .send()
        .await?
        .into_inner();
    let jane_client = with_bearer(&url, &required_env("ROLLCALL_INVITEE_BEARER"))?;
    let member = jane_client
        .invitation_accept()
        .body_map(|b| b.token(jane.token.clone()))
        .send()
        .await?
        .into_inner();
    println!(
        "{} joined {} as {}",
        member.email, lookup.organization_name, member.role
    );
    Ok(())
}

/// The variable's value, or an exit that says how to get one.
fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("tour: set {name} to a bearer printed by `rollcall token` (see the top of examples/tour.rs)");
        std::process::exit(2)
    })
}
