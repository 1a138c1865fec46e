//! Invitation emails that actually arrive, through a real SMTP server (aiosmtpd on loopback,
//! `peers::SmtpSink`): the link in the email works; `sendEmail: false` sends nothing; a resend
//! supersedes the email waiting; transient refusals are retried on the schedule, permanent ones
//! fail; an email queued while the server is down arrives once it is back; seed 000's notice;
//! HTML escaping; the recipient's daily cap; no raw token at rest; the expiry sweep; `.eml` files
//! without SMTP. The worker runs in-process on the server's clock, which the tests move.

use std::time::Duration;

use rollcall_client::{Client, types};
use serde_json::json;

use crate::{
    helpers::{
        TestApp, Who, ad_invite, create_organization, invitation_status, invited, lookup, resend,
        send_invitation, send_invite, view_invitation,
    },
    peers::{SmtpSink, free_port},
};

/// A worker sending to `smtp` (or writing `.eml` files when `None`), retrying after 1, 2 and
/// 4 seconds of the server's clock, looking for work every 25 ms.
fn worker_settings(smtp: Option<String>) -> delivery::Settings {
    let dir = std::env::temp_dir().join(format!("rollcall-eml-{}", uuid::Uuid::new_v4()));
    let mut s = delivery::Settings::files(dir);
    s.smtp_url = smtp;
    s.schedule = delivery::Schedule::parse("1s,2s,4s").unwrap();
    s.poll = Duration::from_millis(25);
    s.sweep_every = Duration::from_millis(50);
    s.invitation_url = "https://app.example/accept?token={token}".into();
    s
}

/// The token in an invitation email's link.
fn token_in(text: &str) -> String {
    let at = text
        .find("token=")
        .unwrap_or_else(|| panic!("no link in {text}"));
    text[at + 6..at + 6 + 43].to_owned()
}

/// Waits until the invitation's email is `status`; answers the invitation.
async fn email_becomes(
    client: &Client,
    org: uuid::Uuid,
    id: uuid::Uuid,
    status: types::DeliveryStatus,
) -> types::Invitation {
    let until = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let inv = view_invitation(client, org, id).await.unwrap().into_inner();
        if inv.email_delivery.status == status || std::time::Instant::now() > until {
            assert_eq!(
                inv.email_delivery.status, status,
                "{:?}",
                inv.email_delivery
            );
            return inv;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[actix_web::test]
async fn an_invitation_email_arrives_with_a_link_whose_token_works() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start();
    let _worker = app.start_worker(worker_settings(Some(sink.url())));
    let (founder, org) = app.founded().await;
    let sent = invited(&founder, org.id, "jane@example.com").await;
    assert_eq!(sent.email_delivery.status, types::DeliveryStatus::Queued);
    let mail = &sink.wait_for(1, Duration::from_secs(20)).await[0];
    assert_eq!(mail.rcpt_tos, ["jane@example.com"]);
    assert!(mail.subject().contains("Acme"), "{}", mail.subject());
    let text = mail.part("text/plain");
    let link_token = token_in(&text);
    assert_eq!(
        link_token, sent.token,
        "the email carries the token the invite answered"
    );
    assert!(text.contains("https://app.example/accept?token="));
    assert!(mail.part("text/html").contains(&link_token));
    let seen = lookup(&app.anonymous(), &link_token)
        .await
        .expect("the emailed token looks the invitation up");
    assert_eq!(seen.into_inner().organization_name, "Acme");
    let inv = email_becomes(&founder, org.id, sent.id, types::DeliveryStatus::Sent).await;
    assert_eq!(inv.email_delivery.attempts, 1);
    assert!(inv.email_delivery.sent_at.is_some());
    assert!(!mail.message_id.is_empty(), "a Message-ID");
}

#[actix_web::test]
async fn send_email_false_sends_nothing_and_says_skipped() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start();
    let _worker = app.start_worker(worker_settings(Some(sink.url())));
    let (founder, org) = app.founded().await;
    let sent = send_invitation(
        &founder,
        org.id,
        types::InviteRequest::builder()
            .email("jane@example.com")
            .role(types::Role::Member)
            .send_email(Some(false)),
    )
    .await
    .unwrap()
    .into_inner();
    assert_eq!(sent.email_delivery.status, types::DeliveryStatus::Skipped);
    assert!(
        sent.email_delivery
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("sendEmail")),
        "{:?}",
        sent.email_delivery
    );
    // Something that does go out, to know the worker had its chance.
    invited(&founder, org.id, "joe@example.com").await;
    let mails = sink.wait_for(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(mails[0].rcpt_tos, ["joe@example.com"]);
}

#[actix_web::test]
async fn a_resend_supersedes_the_email_still_waiting() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let first = invited(&founder, org.id, "jane@example.com").await;
    let resent = resend(&founder, org.id, first.id)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resent.email_delivery.status, types::DeliveryStatus::Queued);
    // The worker starts only now: two emails were queued, one is still wanted.
    let sink = SmtpSink::start();
    let _worker = app.start_worker(worker_settings(Some(sink.url())));
    let mails = sink.wait_for(1, Duration::from_secs(20)).await;
    email_becomes(&founder, org.id, first.id, types::DeliveryStatus::Sent).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sink.received().len(),
        1,
        "one email: the first was superseded"
    );
    assert_eq!(token_in(&mails[0].part("text/plain")), resent.token);
    assert_eq!(
        app.query::<String>(
            "SELECT status || ' ' || COALESCE(last_error, '') AS v FROM outbox_messages ORDER BY id"
        )
        .await,
        [
            "skipped superseded by a newer email for this invitation".to_owned(),
            "sent ".to_owned()
        ]
    );
}

#[actix_web::test]
async fn transient_smtp_refusals_are_retried_on_the_schedule_until_sent() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start();
    sink.control(json!({"tempfail": 2}));
    let _worker = app.start_worker(worker_settings(Some(sink.url())));
    let (founder, org) = app.founded().await;
    let sent = invited(&founder, org.id, "jane@example.com").await;
    // 451, then a retry after about a second of the server's clock, 451 again, then accepted.
    // Each round waits for its own refusal (the attempt count says which), so the clock moves
    // past a retry only once that retry is scheduled.
    for round in 1..=2 {
        let until = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let inv = view_invitation(&founder, org.id, sent.id)
                .await
                .unwrap()
                .into_inner();
            if inv.email_delivery.attempts >= round
                && inv
                    .email_delivery
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("451"))
            {
                break;
            }
            assert!(
                std::time::Instant::now() < until,
                "{:?}",
                inv.email_delivery
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(sink.received().is_empty(), "not sent while it is refused");
        app.advance(chrono::Duration::seconds(5));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sink.wait_for(1, Duration::from_secs(20)).await;
    let inv = email_becomes(&founder, org.id, sent.id, types::DeliveryStatus::Sent).await;
    assert_eq!(inv.email_delivery.attempts, 3);
}

#[actix_web::test]
async fn a_permanent_smtp_refusal_marks_the_email_failed_and_erases_its_token() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start();
    sink.control(json!({"reject": [{"pattern": "nobody@", "code": 550}]}));
    let _worker = app.start_worker(worker_settings(Some(sink.url())));
    let (founder, org) = app.founded().await;
    let sent = invited(&founder, org.id, "nobody@example.com").await;
    let inv = email_becomes(&founder, org.id, sent.id, types::DeliveryStatus::Failed).await;
    assert!(
        inv.email_delivery
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("550")),
        "{:?}",
        inv.email_delivery
    );
    assert_eq!(inv.email_delivery.attempts, 1, "a 5xx is not retried");
    assert_eq!(
        app.query::<i64>(
            "SELECT COUNT(*) AS v FROM outbox_messages WHERE sealed_token IS NOT NULL"
        )
        .await,
        [0],
        "the token is erased once the message failed for good"
    );
}

#[actix_web::test]
async fn an_email_queued_while_smtp_is_down_arrives_once_it_is_back() {
    let app = TestApp::spawn().await;
    let port = free_port();
    let _worker = app.start_worker(worker_settings(Some(format!("smtp://127.0.0.1:{port}"))));
    let (founder, org) = app.founded().await;
    let sent = invited(&founder, org.id, "jane@example.com").await;
    let until = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let inv = view_invitation(&founder, org.id, sent.id)
            .await
            .unwrap()
            .into_inner();
        if inv.email_delivery.attempts >= 1 {
            assert_eq!(
                inv.email_delivery.status,
                types::DeliveryStatus::Queued,
                "to retry"
            );
            break;
        }
        assert!(std::time::Instant::now() < until, "no attempt was made");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let sink = SmtpSink::start_on(port);
    app.advance(chrono::Duration::seconds(5));
    let mail = &sink.wait_for(1, Duration::from_secs(20)).await[0];
    assert_eq!(token_in(&mail.part("text/plain")), sent.token);
    email_becomes(&founder, org.id, sent.id, types::DeliveryStatus::Sent).await;
}

#[actix_web::test]
async fn seed_000_sends_a_you_were_added_email_without_a_link() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start();
    let _worker = app.start_worker(worker_settings(Some(sink.url())));
    let (founder, org) = app.founded().await;
    let seed: types::InviteUserOrganizationRequest = serde_json::from_value(json!({
        "firstName": "John", "lastName": "Doe", "email": "john@example.com", "permissions": {"group": 0}
    }))
    .unwrap();
    ad_invite(&founder, app.session(1, Some(org.numeric_id)), seed)
        .await
        .unwrap();
    let mail = &sink.wait_for(1, Duration::from_secs(20)).await[0];
    assert_eq!(mail.rcpt_tos, ["john@example.com"]);
    assert!(
        mail.subject().contains("You were added to Acme"),
        "{}",
        mail.subject()
    );
    let text = mail.part("text/plain");
    assert!(text.contains("Hello John Doe"), "{text}");
    assert!(!text.contains("token="), "no link, no token");
}

#[actix_web::test]
async fn the_html_part_escapes_an_organization_named_like_a_script() {
    let app = TestApp::spawn().await;
    let sink = SmtpSink::start();
    let _worker = app.start_worker(worker_settings(Some(sink.url())));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let org = create_organization(&founder, "<script>alert('x')</script>").await;
    invited(&founder, org.id, "jane@example.com").await;
    let mail = &sink.wait_for(1, Duration::from_secs(20)).await[0];
    let html = mail.part("text/html");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(
        mail.part("text/plain")
            .contains("<script>alert('x')</script>")
    );
}

#[actix_web::test]
async fn no_raw_token_is_at_rest_while_mail_flows() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let waiting = invited(&founder, org.id, "jane@example.com").await;
    let stored = app.database_bytes().await;
    assert!(
        !stored.windows(43).any(|w| w == waiting.token.as_bytes()),
        "a queued email keeps its token sealed"
    );
    let sink = SmtpSink::start();
    let _worker = app.start_worker(worker_settings(Some(sink.url())));
    sink.wait_for(1, Duration::from_secs(20)).await;
    email_becomes(&founder, org.id, waiting.id, types::DeliveryStatus::Sent).await;
    let stored = app.database_bytes().await;
    assert!(!stored.windows(43).any(|w| w == waiting.token.as_bytes()));
    assert_eq!(
        app.query::<i64>(
            "SELECT COUNT(*) AS v FROM outbox_messages WHERE sealed_token IS NOT NULL"
        )
        .await,
        [0],
        "a sent email's sealed token is erased too"
    );
}

#[actix_web::test]
async fn an_address_gets_at_most_its_daily_cap_of_invitation_emails() {
    let app = TestApp::spawn_with(app::Policy {
        emails_per_recipient_per_day: 2,
        ..app::Policy::default()
    })
    .await;
    let (founder, acme) = app.founded().await;
    let other = app.client(&Who::verified(2, "ops@globex.example"));
    let globex = create_organization(&other, "Globex").await;
    let initech = create_organization(&other, "Initech").await;
    let statuses = [
        send_invite(&founder, acme.id, "jane@example.com").await,
        send_invite(&other, globex.id, "jane@example.com").await,
        send_invite(&other, initech.id, "jane@example.com").await,
    ]
    .map(|r| {
        r.expect("the invitation is made either way")
            .into_inner()
            .email_delivery
    });
    assert_eq!(statuses[0].status, types::DeliveryStatus::Queued);
    assert_eq!(statuses[1].status, types::DeliveryStatus::Queued);
    assert_eq!(statuses[2].status, types::DeliveryStatus::Skipped);
    assert!(
        statuses[2]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("2 invitation emails in the last 24 hours")),
        "{:?}",
        statuses[2]
    );
    app.advance(chrono::Duration::hours(25));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let later = invited(&founder, acme.id, "joe@example.com").await;
    assert_eq!(later.email_delivery.status, types::DeliveryStatus::Queued);
}

#[actix_web::test]
async fn the_expiry_sweep_marks_an_invitation_expired_once_with_one_event() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let short = send_invitation(
        &founder,
        org.id,
        types::InviteRequest::builder()
            .email("kim@example.com")
            .role(types::Role::Member)
            .expires_in_seconds(Some(3600))
            .send_email(Some(false)),
    )
    .await
    .unwrap()
    .into_inner();
    app.advance(chrono::Duration::hours(2));
    let expired = || {
        app.query::<i64>(
            "SELECT COUNT(*) AS v FROM audit_events WHERE action = 'invitation.expired'",
        )
    };
    assert_eq!(expired().await, [0]);
    let _worker = app.start_worker(worker_settings(None));
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while app
        .query::<String>("SELECT status AS v FROM invitations WHERE email = 'kim@example.com'")
        .await
        != ["expired"]
    {
        assert!(std::time::Instant::now() < until, "the sweep did not run");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await; // more sweeps run meanwhile
    assert_eq!(expired().await, [1], "one event, however many sweeps");
    // An invite for the same email finds it expired already: no second event.
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    invited(&founder, org.id, "kim@example.com").await;
    assert_eq!(expired().await, [1]);
    assert_eq!(
        invitation_status(&founder, org.id, short.id).await,
        types::InvitationStatus::Expired
    );
}

#[actix_web::test]
async fn without_smtp_emails_are_written_as_eml_files() {
    let app = TestApp::spawn().await;
    let settings = worker_settings(None);
    let dir = settings.mail_dir.clone();
    let _worker = app.start_worker(settings);
    let (founder, org) = app.founded().await;
    let sent = invited(&founder, org.id, "jane@example.com").await;
    email_becomes(&founder, org.id, sent.id, types::DeliveryStatus::Sent).await;
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: jane@example.com"), "{eml}");
    assert!(eml.contains("Message-ID: <"), "{eml}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[actix_web::test]
async fn a_claim_leases_no_more_emails_than_it_asks_for() {
    let app = TestApp::spawn().await;
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let org = create_organization(&founder, "Acme").await;
    for n in 0..12 {
        invited(&founder, org.id, &format!("person{n}@example.com")).await;
    }
    let claimed = app
        .app
        .delivery_record_and_claim(&[], chrono::Duration::minutes(5), 2)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 2);
    // `id IN (SELECT … LIMIT 2 FOR UPDATE SKIP LOCKED)` may lease more on PostgreSQL, as the
    // webhook claim did (webhooks::a_receiver_that_hangs_does_not_hold_back_another_endpoint).
    let leased = app
        .query::<i64>("SELECT COUNT(*) AS v FROM outbox_messages WHERE lease_until IS NOT NULL")
        .await;
    assert_eq!(leased, [2], "the claim leased only what it answered");
}
