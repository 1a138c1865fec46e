//! Webhooks, delivered to a real HTTP receiver (`peers::HookReceiver`) that verifies every
//! request with the `standardwebhooks` Python package — the specification's own library, not
//! Rollcall's code: every event type arrives once per endpoint and verifies; filtering by type;
//! retries keep one `webhook-id` and honour `Retry-After`; 410 disables; five failing days
//! disable; rotation signs twice for 24 hours; a hanging receiver does not hold back another;
//! SSRF refusals (a name resolving to loopback included); administrators only, another
//! organization's endpoints are not found. The worker runs in-process on the server's clock.

use std::{collections::HashMap, net::IpAddr, time::Duration};

use app::Policy;
use rollcall_client::{Client, types};
use serde_json::{Value, json};

use crate::{
    helpers::{
        Changes, TestApp, Who, WorkerHandle, audit_page, create_team, delete_webhook,
        every_kind_of_change, invited, list_webhooks, problem, retry_delivery, test_webhook,
        update_webhook, view_webhook,
    },
    peers::{Hook, HookReceiver},
};

/// A server whose endpoints may be on loopback (`ROLLCALL_WEBHOOK_ALLOW_PRIVATE`).
async fn private_network() -> TestApp {
    TestApp::spawn_with(Policy {
        webhook_allow_private: true,
        ..Policy::default()
    })
    .await
}

/// A server whose endpoints may be on loopback, running a webhook worker with `settings`; a
/// receiver for its deliveries; and an organization user 1 founded.
async fn on_private_network(
    settings: delivery::Settings,
) -> (
    TestApp,
    HookReceiver,
    WorkerHandle,
    Client,
    types::Organization,
) {
    let app = private_network().await;
    let receiver = HookReceiver::start();
    let worker = app.start_worker(settings);
    let (founder, org) = app.founded().await;
    (app, receiver, worker, founder, org)
}

/// A worker delivering to loopback, retrying after 1, 2 and 4 seconds of the server's clock.
fn worker(allow_private: bool) -> delivery::Settings {
    let dir = std::env::temp_dir().join(format!("rollcall-eml-{}", uuid::Uuid::new_v4()));
    let mut s = delivery::Settings::files(dir);
    s.poll = Duration::from_millis(25);
    s.webhooks.poll = Duration::from_millis(25);
    s.webhooks.schedule = delivery::Schedule::parse("1s,2s,4s").unwrap();
    s.webhooks.allow_private = allow_private;
    // Tests move the clock by hours: a lease must not end because of that.
    s.webhooks.lease = chrono::Duration::days(30);
    s
}

async fn register(
    client: &Client,
    org: uuid::Uuid,
    url: &str,
    events: Option<Vec<types::WebhookEventType>>,
) -> types::WebhookEndpointWithSecret {
    client
        .webhook_create()
        .organization_id(org)
        .body(
            types::CreateWebhookRequest::builder()
                .url(url)
                .events(events),
        )
        .send()
        .await
        .expect("endpoint registered")
        .into_inner()
}

async fn deliveries(
    client: &Client,
    org: uuid::Uuid,
    hook: uuid::Uuid,
) -> Vec<types::WebhookDelivery> {
    client
        .webhook_delivery_list()
        .organization_id(org)
        .webhook_id(hook)
        .limit(std::num::NonZeroU64::new(100).unwrap())
        .send()
        .await
        .expect("deliveries listed")
        .into_inner()
        .data
}

/// Waits until every delivery of `hook` satisfies `done` (and there is one at least).
async fn deliveries_become(
    client: &Client,
    org: uuid::Uuid,
    hook: uuid::Uuid,
    what: &str,
    done: impl Fn(&types::WebhookDelivery) -> bool,
) -> Vec<types::WebhookDelivery> {
    let until = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = deliveries(client, org, hook).await;
        if !got.is_empty() && got.iter().all(&done) {
            return got;
        }
        assert!(
            std::time::Instant::now() < until,
            "{what} did not happen: {got:#?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// `client` reads the endpoint `hook` of `org`, which must succeed.
async fn endpoint(client: &Client, org: uuid::Uuid, hook: uuid::Uuid) -> types::WebhookEndpoint {
    view_webhook(client, org, hook)
        .await
        .expect("endpoint viewed")
        .into_inner()
}

/// Every audit event of `org`, newest first.
async fn audit_events(client: &Client, org: uuid::Uuid) -> Vec<types::AuditEvent> {
    let page = audit_page(client, org).await;
    assert!(page.next_cursor.is_none(), "one page holds them all");
    page.data
}

/// What the receiver answers, per endpoint (see `tests/peers/webhook_receiver.py`).
fn steer(receiver: &HookReceiver, endpoints: Value) {
    receiver.control(json!({ "endpoints": endpoints }));
}

/// `founder` registers the endpoint `a` at `receiver` for every event type; the receiver
/// verifies with its secret and answers as `answer` (the rest of `a`'s steering) says.
async fn endpoint_a(
    founder: &Client,
    org: uuid::Uuid,
    receiver: &HookReceiver,
    answer: Value,
) -> types::WebhookEndpointWithSecret {
    let hook = register(founder, org, &receiver.url("a"), None).await;
    let mut a = answer;
    a["secrets"] = json!([hook.secret]);
    steer(receiver, json!({ "a": a }));
    hook
}

fn of<'h>(hooks: &'h [Hook], endpoint: &str) -> Vec<&'h Hook> {
    hooks.iter().filter(|h| h.endpoint == endpoint).collect()
}

#[actix_web::test]
async fn every_event_type_arrives_once_per_endpoint_and_verifies() {
    let (app, receiver, _worker, founder, org) = on_private_network(worker(true)).await;
    let a = register(&founder, org.id, &receiver.url("a"), None).await;
    let b = register(&founder, org.id, &receiver.url("b"), Some(vec![])).await;
    assert!(a.secret.starts_with("whsec_"));
    steer(
        &receiver,
        json!({"a": {"secrets": [a.secret]}, "b": {"secrets": [b.secret]}}),
    );
    let before = audit_events(&founder, org.id).await.len();
    let Changes { founder, .. } = every_kind_of_change(&app, &founder, &org).await;
    let mut events = audit_events(&founder, org.id).await;
    events.truncate(events.len() - before);
    let expected: HashMap<String, &types::AuditEvent> =
        events.iter().map(|e| (e.id.to_string(), e)).collect();
    let kinds: std::collections::HashSet<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        kinds.len(),
        17,
        "every webhook event type happened: {kinds:?}"
    );
    receiver
        .wait_until(
            Duration::from_secs(30),
            "every event at both endpoints",
            |h| of(h, "a").len() >= events.len() && of(h, "b").len() >= events.len(),
        )
        .await;
    // Time for a second copy of anything to arrive, were one to be sent.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let hooks = receiver.received();
    for name in ["a", "b"] {
        let got = of(&hooks, name);
        assert_eq!(got.len(), events.len(), "{name}: each event once");
        for hook in got {
            assert_eq!(hook.verified, [true], "{name}: the signature verifies");
            let event = expected
                .get(&hook.id)
                .unwrap_or_else(|| panic!("{name}: {} is not an event id", hook.id));
            assert_eq!(hook.body["type"], event.action);
            assert_eq!(
                Some(&hook.body["data"]),
                event
                    .data
                    .as_ref()
                    .map(|d| Value::Object(d.clone()))
                    .as_ref(),
                "the data is the event's snapshot"
            );
            assert_eq!(hook.body["data"]["organizationId"], org.id.to_string());
            assert!(
                !hook.body.to_string().contains("\"token\""),
                "never a token"
            );
            assert!(hook.signature.starts_with("v1,"));
            assert!((hook.timestamp - chrono::Utc::now().timestamp()).abs() < 60);
        }
    }
    let listed = deliveries(&founder, org.id, a.id).await;
    assert_eq!(listed.len(), events.len());
    assert!(
        listed
            .iter()
            .all(|d| d.status == types::WebhookDeliveryStatus::Succeeded
                && d.attempts == 1
                && d.last_status_code == Some(204)
                && d.delivered_at.is_some())
    );
}

#[actix_web::test]
async fn an_endpoint_receives_only_the_types_it_subscribes_to() {
    let (_app, receiver, _worker, founder, org) = on_private_network(worker(true)).await;
    let teams_only = register(
        &founder,
        org.id,
        &receiver.url("teams"),
        Some(vec![types::WebhookEventType::TeamCreated]),
    )
    .await;
    let everything = register(&founder, org.id, &receiver.url("all"), None).await;
    assert_eq!(teams_only.events, [types::WebhookEventType::TeamCreated]);
    assert!(everything.events.is_empty(), "empty: every type");
    create_team(&founder, org.id, "Ops").await;
    invited(&founder, org.id, "jane@example.com").await;
    receiver
        .wait_until(Duration::from_secs(20), "two events at `all`", |h| {
            of(h, "all").len() == 2
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.received();
    let teams: Vec<_> = of(&got, "teams")
        .iter()
        .map(|h| h.body["type"].clone())
        .collect();
    assert_eq!(teams, ["team.created"]);
    update_webhook(
        &founder,
        org.id,
        teams_only.id,
        types::UpdateWebhookRequest::builder()
            .events(Some(vec![types::WebhookEventType::InvitationCreated])),
    )
    .await
    .unwrap();
    create_team(&founder, org.id, "Platform").await;
    invited(&founder, org.id, "joe@example.com").await;
    let got = receiver
        .wait_until(Duration::from_secs(20), "the invitation at `teams`", |h| {
            of(h, "teams").len() == 2 && of(h, "all").len() == 4
        })
        .await;
    assert_eq!(of(&got, "teams")[1].body["type"], "invitation.created");
    assert_eq!(
        of(&got, "teams")[1].body["data"]["email"],
        "joe@example.com"
    );
}

#[actix_web::test]
async fn a_failed_delivery_is_retried_with_the_same_webhook_id_honouring_retry_after() {
    let (app, receiver, _worker, founder, org) = on_private_network(worker(true)).await;
    let hook = endpoint_a(
        &founder,
        org.id,
        &receiver,
        json!({"fail_first": 2, "fail_status": 503, "retry_after": "30"}),
    )
    .await;
    create_team(&founder, org.id, "Ops").await;
    let first = deliveries_become(&founder, org.id, hook.id, "a first failure", |d| {
        d.attempts == 1
    })
    .await;
    let d = &first[0];
    assert_eq!(d.status, types::WebhookDeliveryStatus::Pending);
    assert_eq!(d.last_status_code, Some(503));
    assert!(d.last_error.as_deref().unwrap().contains("503"), "{d:?}");
    let wait = d.next_attempt_at.unwrap() - d.created_at;
    assert!(
        wait >= chrono::Duration::seconds(29),
        "Retry-After: 30 wins over the 1 s of the schedule ({wait})"
    );
    // Not due yet: nothing more arrives until the clock reaches Retry-After.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1);
    app.advance(chrono::Duration::seconds(31));
    deliveries_become(&founder, org.id, hook.id, "a second failure", |d| {
        d.attempts == 2
    })
    .await;
    app.advance(chrono::Duration::seconds(31));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let done = deliveries_become(&founder, org.id, hook.id, "success", |d| {
        d.status == types::WebhookDeliveryStatus::Succeeded
    })
    .await;
    assert_eq!(done[0].attempts, 3);
    assert_eq!(done[0].last_status_code, Some(204));
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    assert!(got.iter().all(|h| h.id == got[0].id), "one webhook-id");
    assert!(got.iter().all(|h| h.verified == [true]));
    assert_eq!(
        got.iter().map(|h| h.answered).collect::<Vec<_>>(),
        [503, 503, 204]
    );
    assert_eq!(done[0].event_id, got[0].id);
}

#[actix_web::test]
async fn a_410_disables_the_endpoint_as_gone_until_it_is_enabled_again() {
    let (_app, receiver, _worker, founder, org) = on_private_network(worker(true)).await;
    let hook = endpoint_a(&founder, org.id, &receiver, json!({"status": 410})).await;
    create_team(&founder, org.id, "Ops").await;
    let failed = deliveries_become(&founder, org.id, hook.id, "a failure", |d| {
        d.status == types::WebhookDeliveryStatus::Failed
    })
    .await;
    assert_eq!(failed[0].last_status_code, Some(410));
    assert_eq!(failed[0].next_attempt_at, None);
    let gone = endpoint(&founder, org.id, hook.id).await;
    assert!(!gone.enabled);
    assert_eq!(gone.disabled_reason, Some(types::DisabledReason::Gone));
    // No delivery is made for a disabled endpoint, and neither a test nor a retry.
    create_team(&founder, org.id, "Platform").await;
    assert_eq!(deliveries(&founder, org.id, hook.id).await.len(), 1);
    let (status, _) = problem(test_webhook(&founder, org.id, hook.id).await);
    assert_eq!(status, 409);
    let enable = types::UpdateWebhookRequest::builder().enabled(Some(true));
    let enabled = update_webhook(&founder, org.id, hook.id, enable)
        .await
        .unwrap()
        .into_inner();
    assert!(enabled.enabled);
    assert_eq!(enabled.disabled_reason, None);
    assert_eq!(receiver.received().len(), 1, "one request, never repeated");
}

#[actix_web::test]
async fn an_endpoint_failing_for_five_days_is_disabled_as_failing() {
    let mut settings = worker(true);
    settings.webhooks.schedule = delivery::Schedule::parse("1s,1s,1s,1s").unwrap();
    let (app, receiver, _worker, founder, org) = on_private_network(settings).await;
    let hook = endpoint_a(&founder, org.id, &receiver, json!({"status": 500})).await;
    create_team(&founder, org.id, "Ops").await;
    deliveries_become(&founder, org.id, hook.id, "a first failure", |d| {
        d.attempts == 1
    })
    .await;
    assert!(
        endpoint(&founder, org.id, hook.id).await.enabled,
        "one failure is not five days"
    );
    app.advance(chrono::Duration::days(5) + chrono::Duration::minutes(1));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    deliveries_become(&founder, org.id, hook.id, "a second failure", |d| {
        d.attempts == 2
    })
    .await;
    let until = std::time::Instant::now() + Duration::from_secs(10);
    let disabled = loop {
        let e = endpoint(&founder, org.id, hook.id).await;
        if !e.enabled || std::time::Instant::now() > until {
            break e;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert!(!disabled.enabled);
    assert_eq!(
        disabled.disabled_reason,
        Some(types::DisabledReason::Failing)
    );
}

#[actix_web::test]
async fn after_a_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one() {
    let (app, receiver, _worker, founder, org) = on_private_network(worker(true)).await;
    let hook = register(&founder, org.id, &receiver.url("a"), None).await;
    let rotated = founder
        .webhook_secret_rotate()
        .organization_id(org.id)
        .webhook_id(hook.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_ne!(rotated.secret, hook.secret);
    steer(
        &receiver,
        json!({"a": {"secrets": [hook.secret, rotated.secret]}}),
    );
    create_team(&founder, org.id, "Ops").await;
    let got = receiver
        .wait_until(Duration::from_secs(20), "a delivery", |h| h.len() == 1)
        .await;
    assert_eq!(
        got[0].verified,
        [true, true],
        "each secret verifies it alone"
    );
    assert_eq!(got[0].signature.split(' ').count(), 2);
    app.advance(chrono::Duration::hours(25));
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    create_team(&founder, org.id, "Platform").await;
    let got = receiver
        .wait_until(Duration::from_secs(20), "a second delivery", |h| {
            h.len() == 2
        })
        .await;
    assert_eq!(
        got[1].verified,
        [false, true],
        "the old secret no longer signs"
    );
    assert_eq!(got[1].signature.split(' ').count(), 1);
}

#[actix_web::test]
async fn a_receiver_that_hangs_does_not_hold_back_another_endpoint() {
    let mut settings = worker(true);
    settings.webhooks.concurrency = 6;
    settings.webhooks.per_endpoint = 2;
    let (_app, receiver, _worker, founder, org) = on_private_network(settings).await;
    let slow = register(&founder, org.id, &receiver.url("slow"), None).await;
    let fast = register(&founder, org.id, &receiver.url("fast"), None).await;
    steer(
        &receiver,
        json!({"slow": {"secrets": [slow.secret], "delay_ms": 20000}, "fast": {"secrets": [fast.secret]}}),
    );
    let started = std::time::Instant::now();
    for n in 0..5 {
        create_team(&founder, org.id, &format!("Team {n}")).await;
    }
    let got = receiver
        .wait_until(
            Duration::from_secs(20),
            "all five at the fast endpoint",
            |h| of(h, "fast").len() == 5,
        )
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the fast endpoint waited for the slow one ({:?})",
        started.elapsed()
    );
    assert_eq!(
        of(&got, "slow").len(),
        2,
        "the hanging endpoint holds no more than its two slots"
    );
    assert!(of(&got, "fast").iter().all(|h| h.verified == [true]));
}

#[actix_web::test]
async fn a_secret_this_server_cannot_open_fails_its_delivery_and_holds_back_no_other() {
    let app = private_network().await;
    let receiver = HookReceiver::start();
    let (founder, org) = app.founded().await;
    let broken = register(&founder, org.id, &receiver.url("broken"), None).await;
    let sound = register(&founder, org.id, &receiver.url("sound"), None).await;
    steer(
        &receiver,
        json!({"broken": {"secrets": [broken.secret]}, "sound": {"secrets": [sound.secret]}}),
    );
    // As if the endpoint had been made under another ROLLCALL_SECRET: its sealed secret no
    // longer opens.
    let garbage = if app.database.is_postgres() {
        "'\\x00010203'::bytea"
    } else {
        "X'00010203'"
    };
    app.query::<i64>(&format!(
        "UPDATE webhook_endpoints SET secret = {garbage} WHERE url = '{}'",
        broken.url
    ))
    .await;
    let _worker = app.start_worker(worker(true));
    create_team(&founder, org.id, "Ops").await;
    receiver
        .wait_until(
            Duration::from_secs(20),
            "the sound endpoint's delivery",
            |h| of(h, "sound").len() == 1,
        )
        .await;
    let failed = deliveries_become(&founder, org.id, broken.id, "a failed delivery", |d| {
        d.status == types::WebhookDeliveryStatus::Failed
    })
    .await;
    let error = failed[0].last_error.as_deref().unwrap_or_default();
    assert!(
        error.contains("rotate the endpoint's secret"),
        "the failure says how to mend it: {error}"
    );
    assert!(
        of(&receiver.received(), "broken").is_empty(),
        "nothing was sent without its secret"
    );
}

/// A name other than `localhost` that the machine resolves to a loopback address (from
/// `/etc/hosts`), as a DNS rebinding attack would make a public-looking name do.
fn loopback_name() -> String {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    hosts
        .lines()
        .filter_map(|line| {
            let mut words = line.split('#').next()?.split_whitespace();
            let ip: IpAddr = words.next()?.parse().ok()?;
            ip.is_loopback()
                .then(|| words.map(str::to_owned).collect::<Vec<_>>())
        })
        .flatten()
        .find(|name| name != "localhost" && !name.ends_with(".localhost"))
        .expect("/etc/hosts names a loopback address other than localhost (the machine's own name)")
}

#[actix_web::test]
async fn a_name_that_resolves_to_loopback_is_refused_at_delivery() {
    let app = TestApp::spawn().await;
    let receiver = HookReceiver::start();
    let _worker = app.start_worker(worker(false));
    let (founder, org) = app.founded().await;
    let name = loopback_name();
    let url = format!("https://{name}:{}/services/s3cr3t-path", receiver.port);
    let hook = register(&founder, org.id, &url, None).await;
    create_team(&founder, org.id, "Ops").await;
    let got = deliveries_become(&founder, org.id, hook.id, "a refused attempt", |d| {
        d.attempts == 1
    })
    .await;
    let error = got[0].last_error.as_deref().unwrap();
    assert!(
        error.contains("resolves to no public address"),
        "the resolver refused {name}: {error}"
    );
    assert!(
        !error.contains("s3cr3t"),
        "an error never repeats the URL, whose path may be a secret: {error}"
    );
    assert!(
        !error.contains("127.0.0.1") && !error.contains("::1"),
        "an administrator never learns what a name resolves to inside the network: {error}"
    );
    assert_eq!(got[0].last_status_code, None);
    assert!(receiver.received().is_empty(), "no connection was made");
}

#[actix_web::test]
async fn urls_that_are_not_https_to_a_public_host_are_refused_and_nothing_is_created() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let long = format!("https://hooks.example.com/{}", "a".repeat(2040));
    for url in [
        "http://hooks.example.com/a",
        "https://127.0.0.1/a",
        "https://10.1.2.3/a",
        "https://192.168.0.10/a",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/a",
        "https://[fd00::1]/a",
        "https://[::ffff:127.0.0.1]/a",
        "https://localhost/a",
        "https://user:secret@hooks.example.com/a",
        "https://hooks.example.com/a#fragment",
        "hooks.example.com/a",
    ] {
        let (status, p) = problem(
            founder
                .webhook_create()
                .organization_id(org.id)
                .body(types::CreateWebhookRequest::builder().url(url))
                .send()
                .await,
        );
        assert_eq!(status, 422, "{url}");
        assert_eq!(p.errors[0].field, "url", "{url}");
    }
    // Over 2,048 characters: the generated client refuses to send it, so it goes raw.
    let r = app
        .post_json(
            &founder,
            &format!("/organization/{}/webhooks", org.id),
            json!({ "url": long }).to_string(),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.problem().errors[0].field, "url");
    let listed = list_webhooks(&founder, org.id).await.unwrap().into_inner();
    assert!(listed.data.is_empty());
    let ok = register(&founder, org.id, "https://hooks.example.com/rollcall", None).await;
    let private =
        types::UpdateWebhookRequest::builder().url(Some("https://10.0.0.1/x".try_into().unwrap()));
    let (status, _) = problem(update_webhook(&founder, org.id, ok.id, private).await);
    assert_eq!(status, 422, "a change to a private address is refused too");
    assert_eq!(
        endpoint(&founder, org.id, ok.id).await.url,
        "https://hooks.example.com/rollcall"
    );
}

#[actix_web::test]
async fn a_redirect_is_a_failure_and_is_not_followed() {
    let (_app, receiver, _worker, founder, org) = on_private_network(worker(true)).await;
    let hook = endpoint_a(&founder, org.id, &receiver, json!({"status": 307})).await;
    create_team(&founder, org.id, "Ops").await;
    let got = deliveries_become(&founder, org.id, hook.id, "a failure", |d| d.attempts == 1).await;
    assert_eq!(got[0].last_status_code, Some(307));
    assert!(
        got[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("redirects are not followed")
    );
    assert_eq!(got[0].status, types::WebhookDeliveryStatus::Pending);
}

#[actix_web::test]
async fn a_test_event_and_a_manual_retry_reach_the_endpoint_with_one_webhook_id() {
    let mut settings = worker(true);
    settings.webhooks.schedule = delivery::Schedule::parse("1h").unwrap();
    let (_app, receiver, _worker, founder, org) = on_private_network(settings).await;
    let hook = endpoint_a(&founder, org.id, &receiver, json!({"fail_first": 1})).await;
    let queued = test_webhook(&founder, org.id, hook.id)
        .await
        .expect("202")
        .into_inner();
    assert_eq!(queued.event_type, "webhook.test");
    assert_eq!(queued.status, types::WebhookDeliveryStatus::Pending);
    let failed =
        deliveries_become(&founder, org.id, hook.id, "a failure", |d| d.attempts == 1).await;
    assert_eq!(
        failed[0].status,
        types::WebhookDeliveryStatus::Pending,
        "retried in an hour"
    );
    let retried = retry_delivery(&founder, org.id, hook.id, queued.id)
        .await
        .expect("202")
        .into_inner();
    assert_eq!(retried.id, queued.id);
    deliveries_become(&founder, org.id, hook.id, "success", |d| {
        d.status == types::WebhookDeliveryStatus::Succeeded
    })
    .await;
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id);
    assert_eq!(got[1].id, queued.event_id);
    assert_eq!(got[1].body["type"], "webhook.test");
    assert_eq!(got[1].body["data"]["webhookId"], hook.id.to_string());
    assert_eq!(got[1].body["data"]["organizationId"], org.id.to_string());
    assert!(got.iter().all(|h| h.verified == [true]));
    let (status, _) = problem(retry_delivery(&founder, org.id, hook.id, queued.id).await);
    assert_eq!(status, 409, "a delivery that succeeded is not retried");
}

#[actix_web::test]
async fn deleting_an_endpoint_stops_its_pending_deliveries() {
    let (app, receiver, _worker, founder, org) = on_private_network(worker(true)).await;
    let hook = endpoint_a(&founder, org.id, &receiver, json!({"status": 500})).await;
    create_team(&founder, org.id, "Ops").await;
    deliveries_become(&founder, org.id, hook.id, "a failure", |d| d.attempts == 1).await;
    delete_webhook(&founder, org.id, hook.id)
        .await
        .expect("deleted");
    app.advance(chrono::Duration::seconds(10));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 1, "no attempt after the delete");
    let (status, _) = problem(view_webhook(&founder, org.id, hook.id).await);
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn only_administrators_manage_webhooks_and_another_organizations_are_not_found() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let hook = register(&founder, org.id, "https://hooks.example.com/a", None).await;
    let manager = app.staff(&founder, org.id, 2, types::Role::Manager).await;
    let (status, p) = problem(
        manager
            .webhook_create()
            .organization_id(org.id)
            .body(types::CreateWebhookRequest::builder().url("https://hooks.example.com/b"))
            .send()
            .await,
    );
    assert_eq!(status, 403);
    assert!(
        p.detail.contains("only administrators manage webhooks"),
        "{}",
        p.detail
    );
    let (status, _) = problem(list_webhooks(&manager, org.id).await);
    assert_eq!(status, 403);
    let (status, _) = problem(view_webhook(&manager, org.id, hook.id).await);
    assert_eq!(status, 403);
    // The administrator of another organization sees neither this organization's endpoint
    // from its own organization nor this organization.
    let other = app.client(&Who::verified(3, "other@globex.example"));
    let globex = crate::helpers::create_organization(&other, "Globex").await;
    for (org_id, what) in [
        (globex.id, "through its own organization"),
        (org.id, "through ours"),
    ] {
        let (status, _) = problem(view_webhook(&other, org_id, hook.id).await);
        assert_eq!(status, 404, "{what}");
        let (status, _) = problem(delete_webhook(&other, org_id, hook.id).await);
        assert_eq!(status, 404, "{what}");
    }
    let listed = list_webhooks(&founder, org.id).await.unwrap().into_inner();
    assert_eq!(listed.data.len(), 1, "still there");
    assert!(
        !serde_json::to_string(&listed).unwrap().contains("whsec_"),
        "a list never shows a secret"
    );
}

#[actix_web::test]
async fn a_replayed_create_shows_the_same_endpoint_and_its_secret_again() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let key = uuid::Uuid::new_v4().to_string();
    let create = || {
        founder
            .webhook_create()
            .organization_id(org.id)
            .idempotency_key(key.clone())
            .body(types::CreateWebhookRequest::builder().url("https://hooks.example.com/a"))
            .send()
    };
    let first = create().await.unwrap();
    let again = create().await.unwrap();
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    let (first, again) = (first.into_inner(), again.into_inner());
    assert_eq!(first.id, again.id);
    assert_eq!(first.secret, again.secret);
    let at_rest = app.database_bytes().await;
    let raw = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        first.secret.trim_start_matches("whsec_"),
    )
    .unwrap();
    assert!(
        !at_rest
            .windows(first.secret.len())
            .any(|w| w == first.secret.as_bytes())
            && !at_rest.windows(raw.len()).any(|w| w == raw.as_slice()),
        "the secret is not stored in clear (nor kept with the answer)"
    );
    let listed = list_webhooks(&founder, org.id).await.unwrap().into_inner();
    assert_eq!(listed.data.len(), 1);
}
