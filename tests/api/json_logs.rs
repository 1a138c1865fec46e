//! `ROLLCALL_LOG_FORMAT=json`, read from the real process's stderr at the `debug` level: every
//! line is one JSON object; each request's line has its request id, operation, method, status
//! and latency; and no line holds a credential of the run — a bearer, a session, an invitation
//! token (first or rotated), a forged bearer, the metrics token, the JWT secret — nor any JWT,
//! nor a query string.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{
    database::TestDatabase,
    helpers::{SECRET, accept, create_organization, lookup, send_invite, session_for},
    processes::{Process, bearer, client},
};

const METRICS_TOKEN: &str = "log-test-metrics-token-93b1";

#[actix_web::test]
async fn every_json_log_line_parses_and_holds_no_credential_of_the_run() {
    let database = TestDatabase::create().await;
    let process = Process::start(
        &database.url,
        &[
            ("ROLLCALL_LOG_FORMAT", "json"),
            ("ROLLCALL_LOG", "debug"),
            ("ROLLCALL_METRICS_TOKEN", METRICS_TOKEN),
            ("ROLLCALL_WORKER_POLL_MS", "50"),
        ],
    )
    .await;
    let base = process.base.clone();
    let mut secrets = vec![SECRET.to_owned(), METRICS_TOKEN.to_owned()];
    let founder_bearer = bearer(1, "founder@acme.example");
    let jane_bearer = bearer(2, "jane@example.com");
    secrets.extend([founder_bearer.clone(), jane_bearer.clone()]);
    let founder = client(&base, 1, "founder@acme.example");
    let org = create_organization(&founder, "Acme").await;
    // A session, used on the /users-organizations/v1 family.
    let session = session_for(&founder, org.numeric_id).await;
    secrets.push(session.clone());
    founder
        .ad_user_list()
        .x_session_token(session)
        .send()
        .await
        .expect("members listed with the session");
    // Invitations: one accepted, one resent (its token rotated) with a query string.
    let jane = send_invite(&founder, org.id, "jane@example.com")
        .await
        .expect("invited")
        .into_inner();
    let bob = send_invite(&founder, org.id, "bob@example.com")
        .await
        .expect("invited")
        .into_inner();
    let rotated = founder
        .invitation_resend()
        .organization_id(org.id)
        .invitation_id(bob.id)
        .send_email(false)
        .locale("fr")
        .send()
        .await
        .expect("resent")
        .into_inner();
    secrets.extend([jane.token.clone(), bob.token.clone(), rotated.token.clone()]);
    lookup(&rollcall_client::anonymous(&base).unwrap(), &jane.token)
        .await
        .expect("looked up");
    accept(&client(&base, 2, "jane@example.com"), &jane.token)
        .await
        .expect("accepted");
    // Refused credentials are not logged either: a forged bearer, a made-up token.
    let forged = forged_bearer();
    secrets.push(forged.clone());
    let http = reqwest::Client::new();
    let refused = http
        .get(format!("{base}/me/organizations"))
        .bearer_auth(&forged)
        .header("x-request-id", "trace-me-7f3")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let made_up = "made-up-invitation-token-0000000000000000000000";
    secrets.push(made_up.to_owned());
    let lookup = http
        .post(format!("{base}/invitations/lookup"))
        .json(&serde_json::json!({ "token": made_up }))
        .send()
        .await
        .unwrap();
    assert!(lookup.status().is_client_error());
    let scraped = http
        .get(format!("{base}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    // Jane's email goes out (the worker's lines are in the log too) before the process stops.
    let until = Instant::now() + Duration::from_secs(20);
    while !process
        .log_lines()
        .iter()
        .any(|l| l.contains("\"email sent\""))
    {
        assert!(Instant::now() < until, "no email was sent within 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let exited = process.terminate().await;
    assert!(exited.status.success(), "{:?}", exited.status);
    let lines = exited.log;
    let mut requests = Vec::new();
    for line in &lines {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}"));
        assert!(v.is_object(), "{line}");
        for key in ["timestamp", "level", "target"] {
            assert!(v[key].is_string(), "no {key}: {line}");
        }
        if v["message"] == "request" {
            requests.push(v);
        }
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "a log line holds a credential of the run: {line}"
            );
        }
        assert!(!line.contains("eyJ"), "a log line holds a JWT: {line}");
        assert!(
            !line.contains("sendEmail") && !line.contains("locale=fr"),
            "a log line holds a query string: {line}"
        );
    }
    assert!(requests.len() >= 12, "{} request lines", requests.len());
    for r in &requests {
        assert!(
            r["request_id"].as_str().is_some_and(|s| !s.is_empty()),
            "{r}"
        );
        assert!(r["operation"].is_string() && r["method"].is_string(), "{r}");
        assert!(r["status"].is_u64() && r["micros"].is_u64(), "{r}");
    }
    let traced = requests
        .iter()
        .find(|r| r["request_id"] == "trace-me-7f3")
        .expect("the caller's x-request-id is the request line's request_id");
    assert_eq!(traced["operation"], "me_organization_list");
    assert_eq!(traced["status"], 401);
    let operations: Vec<&str> = requests
        .iter()
        .filter_map(|r| r["operation"].as_str())
        .collect();
    for op in [
        "organization_create",
        "session_create",
        "ad_user_list",
        "invitation_create",
        "invitation_resend",
        "invitation_lookup",
        "invitation_accept",
        "metrics_view",
    ] {
        assert!(operations.contains(&op), "no request line for {op}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("finishing the requests in flight")),
        "the stop is logged"
    );
}

/// A well-formed bearer signed with another secret.
fn forged_bearer() -> String {
    app::Credentials::hs256("not-the-server-secret")
        .bearer_token(&app::BearerClaims::local(
            domain::UserId::parse(1).unwrap(),
            Some("founder@acme.example".into()),
            (None, None),
            false,
            chrono::Utc::now(),
            chrono::Duration::hours(1),
        ))
        .unwrap()
}
