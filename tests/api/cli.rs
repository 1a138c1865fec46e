//! `rollcallctl` as a person or a script meets it: the real binary, run as a process against
//! the real server (in-process here, so that a test can set the quota and move the clock):
//! tables and `--json`, exit codes, and `invite --csv` — a thousand rows with bad ones among
//! them, the same file again, a small quota, and a server without the bulk invite.

use std::{
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use actix_web::{HttpRequest, HttpResponse, web};
use app::Policy;
use rollcall_client::types;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::{
    helpers::{TestApp, Who, create_team, quota},
    recording::{pass_on, relay},
};

/// What a run of `rollcallctl` left.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// `rollcallctl` for `base` with `bearer`, with nothing of the test's own environment that
/// would configure it.
fn command(base: &str, bearer: Option<&str>, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_rollcallctl-process"));
    command
        .args(args)
        .env("ROLLCALL_URL", base)
        .env_remove("ROLLCALL_BEARER")
        .env_remove("ROLLCALL_SESSION")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if let Some(bearer) = bearer {
        command.env("ROLLCALL_BEARER", bearer);
    }
    command
}

/// Runs `rollcallctl args` against `base` as `bearer` and waits for it.
async fn ctl_at(base: &str, bearer: Option<&str>, args: &[&str]) -> Run {
    let out = command(base, bearer, args)
        .output()
        .await
        .expect("rollcallctl runs");
    Run {
        code: out.status.code().expect("rollcallctl exits"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `rollcallctl args` against `app` as the founder (user 1).
async fn ctl(app: &TestApp, args: &[&str]) -> Run {
    let bearer = app.bearer(&Who::verified(1, "founder@acme.example"));
    ctl_at(&app.client_base, Some(&bearer), args).await
}

/// A CSV file in the temporary directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(extension: &str, text: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "rollcallctl-test-{}.{extension}",
            uuid::Uuid::new_v4()
        ));
        std::fs::write(&path, text).expect("a temporary file");
        Self(path)
    }

    fn empty(extension: &str) -> Self {
        Self(std::env::temp_dir().join(format!(
            "rollcallctl-test-{}.{extension}",
            uuid::Uuid::new_v4()
        )))
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 path")
    }

    fn read(&self) -> String {
        std::fs::read_to_string(&self.0).expect("the file was written")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A server's operations as the CLI sees them, through a reverse proxy that counts the invite
/// calls, and can play two other servers: one from before the bulk invite (it leaves it out of
/// `/openapi.json`), and one whose database is away for its first bulk calls (it answers them
/// 503 with `Retry-After: 1`, as the server does then).
struct Proxy {
    base: String,
    bulk_calls: Arc<AtomicUsize>,
    single_calls: Arc<AtomicUsize>,
}

struct Upstream {
    base: String,
    http: reqwest::Client,
    hide_bulk: bool,
    unavailable_bulk_calls: usize,
    bulk_calls: Arc<AtomicUsize>,
    single_calls: Arc<AtomicUsize>,
}

impl Proxy {
    fn start(upstream: &str, hide_bulk: bool) -> Self {
        Self::with(upstream, hide_bulk, 0)
    }

    /// A proxy whose first `unavailable` bulk calls are answered 503.
    fn with(upstream: &str, hide_bulk: bool, unavailable: usize) -> Self {
        let (bulk_calls, single_calls) = (Arc::default(), Arc::default());
        let state = web::Data::new(Upstream {
            base: upstream.to_owned(),
            http: reqwest::Client::new(),
            hide_bulk,
            unavailable_bulk_calls: unavailable,
            bulk_calls: Arc::clone(&bulk_calls),
            single_calls: Arc::clone(&single_calls),
        });
        let base = crate::recording::serve_proxy(state, forward);
        Self {
            base,
            bulk_calls,
            single_calls,
        }
    }
}

async fn forward(
    req: HttpRequest,
    body: web::Bytes,
    upstream: web::Data<Upstream>,
) -> HttpResponse {
    let path = req.path();
    if path.ends_with("/invitations/bulk") {
        let earlier = upstream.bulk_calls.fetch_add(1, Ordering::Relaxed);
        if earlier < upstream.unavailable_bulk_calls {
            return HttpResponse::ServiceUnavailable()
                .content_type("application/problem+json")
                .insert_header(("retry-after", "1"))
                .insert_header(("x-request-id", "proxy"))
                .body(
                    json!({"type": "https://rollcall.dev/problems/unavailable",
                        "title": "Service Unavailable", "status": 503,
                        "detail": "the database is unavailable; retry later", "requestId": "proxy"})
                    .to_string(),
                );
        }
    } else if path.ends_with("/invite") {
        upstream.single_calls.fetch_add(1, Ordering::Relaxed);
    }
    let answer = pass_on(&upstream.http, &upstream.base, &req, body)
        .send()
        .await
        .expect("the server answers the proxy");
    let status = answer.status().as_u16();
    let headers = answer.headers().clone();
    let mut bytes = answer.bytes().await.unwrap_or_default().to_vec();
    if upstream.hide_bulk && path == "/openapi.json" {
        let mut document: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        document["paths"]
            .as_object_mut()
            .unwrap()
            .remove("/organization/{organizationId}/invitations/bulk")
            .expect("the server's document lists the bulk invite");
        bytes = serde_json::to_vec(&document).unwrap();
    }
    relay(status, &headers, bytes)
}

/// A policy whose quotas do not shape a test of a thousand rows run twice.
fn roomy() -> Policy {
    Policy {
        invitations_per_hour: 100_000,
        emails_per_recipient_per_day: 100_000,
        ..Policy::default()
    }
}

/// The founder's organization's id, as the CLI printed it.
async fn organization(app: &TestApp) -> String {
    let created = ctl(app, &["--json", "organizations", "create", "Acme"]).await;
    assert_eq!(created.code, 0, "{}", created.stderr);
    created.json()["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn people_get_aligned_tables_and_scripts_get_the_apis_objects_as_json() {
    let app = TestApp::spawn().await;
    let org = organization(&app).await;
    let team = ctl(&app, &["--json", "teams", "create", &org, "Platform"])
        .await
        .json();
    let team_id = team["id"].as_str().unwrap();

    let invited = ctl(
        &app,
        &[
            "--json",
            "invitations",
            "create",
            &org,
            "Jane@Example.com",
            "--role",
            "manager",
            "--team",
            &format!("{team_id}:developer"),
        ],
    )
    .await;
    assert_eq!(invited.code, 0, "{}", invited.stderr);
    let invitation: types::InvitationWithToken =
        serde_json::from_value(invited.json()).expect("the API's InvitationWithToken");
    assert_eq!(invitation.email, "jane@example.com");
    assert_eq!(invitation.organization_role, types::Role::Manager);

    let listed = ctl(&app, &["--json", "invitations", "list", &org]).await;
    let listed: Vec<types::Invitation> =
        serde_json::from_value(listed.json()).expect("a JSON array of the API's Invitation");
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        [invitation.id]
    );

    let table = ctl(&app, &["invitations", "list", &org]).await;
    assert_eq!(table.code, 0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "a header and one row:\n{}", table.stdout);
    for header in ["ID", "EMAIL", "ROLE", "STATUS", "EXPIRES", "EMAIL DELIVERY"] {
        assert!(lines[0].contains(header), "{}", lines[0]);
    }
    assert!(lines[1].contains("jane@example.com") && lines[1].contains("pending"));
    // Aligned: each value starts where its header does.
    assert_eq!(
        lines[0].find("EMAIL "),
        lines[1].find("jane@example.com"),
        "{}",
        table.stdout
    );

    let view = ctl(&app, &["organizations", "view", &org]).await;
    assert!(view.stdout.contains("Acme"), "{}", view.stdout);
    let members = ctl(&app, &["members", "list", &org]).await;
    assert!(
        members.stdout.contains("founder@acme.example") && members.stdout.contains("administrator"),
        "{}",
        members.stdout
    );
    let events = ctl(&app, &["--json", "events", "list", &org]).await.json();
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"invitation.created") && kinds.contains(&"team.created"),
        "{kinds:?}"
    );
    let mine = ctl(&app, &["--json", "organizations", "list"]).await.json();
    assert_eq!(mine[0]["organization"]["id"], org.as_str());

    // The users-organizations family, with a session the CLI makes.
    let session = ctl(&app, &["--json", "sessions", "create", "1"])
        .await
        .json();
    let session = session["token"].as_str().unwrap();
    let memberships = ctl(
        &app,
        &["--session", session, "--json", "memberships", "list"],
    )
    .await;
    assert_eq!(memberships.code, 0, "{}", memberships.stderr);
    assert_eq!(memberships.json()[0]["userId"], 1);
}

#[actix_web::test]
async fn exit_codes_say_success_usage_refused_and_unavailable() {
    let app = TestApp::spawn().await;
    let org = organization(&app).await;

    let usage = ctl(&app, &["organizations", "view", "not-a-uuid"]).await;
    assert_eq!(usage.code, 2, "{}", usage.stderr);
    assert_eq!(ctl(&app, &["no-such-command"]).await.code, 2);
    let no_token = ctl_at(&app.client_base, None, &["organizations", "list"]).await;
    assert_eq!(no_token.code, 2);
    assert!(
        no_token.stderr.contains("ROLLCALL_BEARER"),
        "{}",
        no_token.stderr
    );
    let bad_email = ctl(&app, &["invitations", "create", &org, "not an email"]).await;
    assert_eq!(bad_email.code, 2, "{}", bad_email.stderr);

    // Refused: the problem's status, title and detail, on stderr.
    let other = uuid::Uuid::new_v4().to_string();
    let refused = ctl(&app, &["organizations", "view", &other]).await;
    assert_eq!(refused.code, 3);
    assert!(
        refused
            .stderr
            .contains("404 Not Found: no such organization"),
        "{}",
        refused.stderr
    );
    ctl(&app, &["invitations", "create", &org, "jane@example.com"]).await;
    let again = ctl(&app, &["invitations", "create", &org, "jane@example.com"]).await;
    assert_eq!(again.code, 3);
    assert!(
        again.stderr.contains("409 Conflict") && again.stderr.contains("already pending"),
        "{}",
        again.stderr
    );
    // With --json, a script also gets the problem itself on stdout, to branch on its type.
    let scripted = ctl(
        &app,
        &["--json", "invitations", "create", &org, "jane@example.com"],
    )
    .await;
    assert_eq!(scripted.code, 3);
    let problem: types::Problem = serde_json::from_value(scripted.json()).expect("a Problem");
    assert_eq!(
        problem.type_,
        "https://rollcall.dev/problems/invitation-pending"
    );
    assert!(problem.invitation_id.is_some());
    let stranger = app.bearer(&Who::verified(77, "stranger@example.com"));
    let forbidden = ctl_at(
        &app.client_base,
        Some(&stranger),
        &["invitations", "list", &org],
    )
    .await;
    assert_eq!(forbidden.code, 3, "{}", forbidden.stderr);

    // Unavailable: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let bearer = app.bearer(&Who::verified(1, "founder@acme.example"));
    let unavailable = ctl_at(&nowhere, Some(&bearer), &["organizations", "list"]).await;
    assert_eq!(unavailable.code, 4, "{}", unavailable.stderr);
    assert!(
        unavailable.stderr.contains("could not be reached"),
        "{}",
        unavailable.stderr
    );

    assert_eq!(ctl(&app, &["health"]).await.code, 0);
}

/// A CSV of `rows` people (`person<i>@example.com`), of which every 50th is bad in one of four
/// ways; answers the file and the lines (header = 1) of the bad rows.
fn thousand_rows(rows: usize, team: uuid::Uuid) -> (String, Vec<u64>) {
    let mut text = String::from("email,role,teams,locale\n");
    let mut bad = Vec::new();
    for i in 0..rows {
        let line = match i % 50 {
            7 => {
                let kind = (i / 50) % 4;
                bad.push(u64::try_from(i).unwrap() + 2);
                match kind {
                    0 => format!("person{i}.example.com,member,,"),
                    1 => format!("person{i}@example.com,owner,,"),
                    2 => format!("person{i}@example.com,member,{team}:boss,"),
                    _ => format!("person{i}@example.com,member,,not a locale"),
                }
            }
            3 => format!("person{i}@example.com,manager,{team}:developer,fr"),
            _ => format!("person{i}@example.com,member,,"),
        };
        text.push_str(&line);
        text.push('\n');
    }
    (text, bad)
}

#[actix_web::test]
async fn a_thousand_rows_with_twenty_bad_ones_invite_980_and_a_second_run_invites_nobody_again() {
    let app = TestApp::spawn_with(roomy()).await;
    let org = organization(&app).await;
    let founder = app.client(&Who::verified(1, "founder@acme.example"));
    let team = create_team(&founder, org.parse().unwrap(), "Platform").await;
    let (text, bad) = thousand_rows(1_000, team.id);
    assert_eq!(bad.len(), 20);
    let csv = TempFile::new("csv", &text);
    let report = TempFile::empty("csv");
    let proxy = Proxy::start(&app.client_base, false);
    let bearer = app.bearer(&Who::verified(1, "founder@acme.example"));

    let first = ctl_at(
        &proxy.base,
        Some(&bearer),
        &[
            "invite",
            &org,
            "--csv",
            csv.path(),
            "--report",
            report.path(),
        ],
    )
    .await;
    assert_eq!(
        first.code, 3,
        "bad rows were not invited:\n{}",
        first.stderr
    );
    assert!(
        first.stdout.contains(
            "1000 rows: 980 created, 0 already invited, 0 already members, 20 invalid, 0 refused, 0 unavailable"
        ),
        "{}",
        first.stdout
    );
    assert_eq!(
        app.query::<i64>("SELECT COUNT(*) AS v FROM invitations")
            .await,
        [980]
    );
    assert_eq!(
        proxy.bulk_calls.load(Ordering::Relaxed),
        10,
        "980 rows in calls of 100"
    );
    assert_eq!(proxy.single_calls.load(Ordering::Relaxed), 0);

    // The report: one line per row of the file, in its order; the 20 bad ones named.
    let written = report.read();
    let mut reader = csv::Reader::from_reader(written.as_bytes());
    let lines: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(lines.len(), 1_000);
    let invalid: Vec<u64> = lines
        .iter()
        .filter(|l| &l[2] == "invalid")
        .map(|l| l[0].parse().unwrap())
        .collect();
    assert_eq!(invalid, bad);
    for l in lines.iter().filter(|l| &l[2] == "invalid") {
        assert!(!l[4].is_empty(), "an invalid row says why: {l:?}");
        assert!(l[3].is_empty());
    }
    let created: Vec<(String, String)> = lines
        .iter()
        .filter(|l| &l[2] == "created")
        .map(|l| (l[1].to_owned(), l[3].to_owned()))
        .collect();
    assert_eq!(created.len(), 980);

    // The same file again: nothing new, the 980 reported already invited with their ids.
    let json_report = TempFile::empty("json");
    let second = ctl_at(
        &proxy.base,
        Some(&bearer),
        &[
            "--json",
            "invite",
            &org,
            "--csv",
            csv.path(),
            "--report",
            json_report.path(),
        ],
    )
    .await;
    assert_eq!(second.code, 3);
    let printed = second.json();
    assert_eq!(printed["counts"]["created"], 0);
    assert_eq!(printed["counts"]["alreadyInvited"], 980);
    assert_eq!(printed["counts"]["invalid"], 20);
    assert_eq!(
        app.query::<i64>("SELECT COUNT(*) AS v FROM invitations")
            .await,
        [980],
        "a second run creates nothing"
    );
    let again: Vec<serde_json::Value> = serde_json::from_str(&json_report.read()).unwrap();
    assert_eq!(
        json_report.read().lines().count(),
        1_002,
        "one row per line"
    );
    let already: Vec<(String, String)> = again
        .iter()
        .filter(|r| r["outcome"] == "already-invited")
        .map(|r| {
            (
                r["email"].as_str().unwrap().to_owned(),
                r["invitationId"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        already, created,
        "the same rows, named by the same invitations"
    );
}

#[actix_web::test]
async fn rows_past_a_small_quota_are_refused_after_max_wait_with_exit_code_3() {
    let app = TestApp::spawn_with(quota(5)).await;
    let org = organization(&app).await;
    // One second before the hour ends: the quota's Retry-After says 1 s, again and again on
    // the server's clock, which does not move by itself.
    let now = app.now_ts();
    app.advance(chrono::Duration::seconds(3599 - now.rem_euclid(3600)));
    let rows: String = (0..8)
        .map(|i| format!("q{i}@example.com,member\n"))
        .collect();
    let csv = TempFile::new("csv", &format!("email,role\n{rows}"));
    let report = TempFile::empty("json");

    let run = ctl(
        &app,
        &[
            "--max-wait",
            "3",
            "invite",
            &org,
            "--csv",
            csv.path(),
            "--report",
            report.path(),
        ],
    )
    .await;
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "8 rows: 5 created, 0 already invited, 0 already members, 0 invalid, 3 refused"
        ),
        "{}",
        run.stdout
    );
    let waits = run
        .stderr
        .lines()
        .filter(|l| l.contains("waiting 1.0 s"))
        .count();
    assert_eq!(
        waits, 3,
        "three waits of 1 s fill --max-wait 3:\n{}",
        run.stderr
    );
    let rows: Vec<serde_json::Value> = serde_json::from_str(&report.read()).unwrap();
    let refused: Vec<&serde_json::Value> =
        rows.iter().filter(|r| r["outcome"] == "refused").collect();
    assert_eq!(refused.len(), 3);
    for r in refused {
        assert_eq!(r["status"], 429);
        let problem = r["problem"].as_str().unwrap();
        assert!(
            problem.contains("429 Too Many Requests") && problem.contains("past --max-wait"),
            "{problem}"
        );
    }
}

#[actix_web::test]
async fn rows_a_busy_server_takes_later_are_sent_again_when_its_retry_after_says() {
    let app = TestApp::spawn_with(quota(2)).await;
    let org = organization(&app).await;
    let now = app.now_ts();
    app.advance(chrono::Duration::seconds(3598 - now.rem_euclid(3600)));
    let csv = TempFile::new(
        "csv",
        "email,role\nr0@example.com,member\nr1@example.com,member\nr2@example.com,member\nr3@example.com,member\n",
    );
    let bearer = app.bearer(&Who::verified(1, "founder@acme.example"));
    let mut child = command(
        &app.client_base,
        Some(&bearer),
        &["--max-wait", "30", "invite", &org, "--csv", csv.path()],
    )
    .spawn()
    .expect("rollcallctl starts");
    // When the CLI says it waits, the server's hour ends: the rows it sends again fit in the
    // next hour's quota.
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut said = Vec::new();
    while let Some(line) = tokio::time::timeout(Duration::from_secs(60), stderr.next_line())
        .await
        .expect("rollcallctl says something within a minute")
        .unwrap()
    {
        if line.contains("waiting") && said.iter().all(|l: &String| !l.contains("waiting")) {
            app.advance(chrono::Duration::seconds(2));
        }
        said.push(line);
    }
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{said:?}");
    assert!(stdout.contains("4 rows: 4 created"), "{stdout}\n{said:?}");
    assert!(said.iter().any(|l| l.contains("waiting 2.0 s")), "{said:?}");
}

#[actix_web::test]
async fn without_the_bulk_invite_each_row_is_one_keyed_call_and_a_rerun_still_invites_nobody_twice()
{
    let app = TestApp::spawn_with(roomy()).await;
    let org = organization(&app).await;
    let older = Proxy::start(&app.client_base, true);
    let rows: String = (0..30)
        .map(|i| format!("s{i}@example.com,member\n"))
        .collect();
    let csv = TempFile::new("csv", &format!("email,role\n{rows}"));
    let bearer = app.bearer(&Who::verified(1, "founder@acme.example"));
    let args = ["--json", "invite", &org, "--csv", csv.path(), "-j", "4"];

    let first = ctl_at(&older.base, Some(&bearer), &args).await;
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert_eq!(first.json()["counts"]["created"], 30);
    assert_eq!(older.bulk_calls.load(Ordering::Relaxed), 0);
    assert_eq!(older.single_calls.load(Ordering::Relaxed), 30);
    assert!(
        first.stderr.contains("one call per row"),
        "{}",
        first.stderr
    );

    let second = ctl_at(&older.base, Some(&bearer), &args).await;
    assert_eq!(second.code, 0, "already invited is done: {}", second.stderr);
    let printed = second.json();
    assert_eq!(printed["counts"]["alreadyInvited"], 30);
    let ids = |run: &serde_json::Value| -> Vec<serde_json::Value> {
        run["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["invitationId"].clone())
            .collect()
    };
    assert_eq!(ids(&first.json()), ids(&printed), "the same invitations");
    assert_eq!(
        app.query::<i64>("SELECT COUNT(*) AS v FROM invitations")
            .await,
        [30]
    );
}

#[actix_web::test]
async fn a_503_is_sent_again_after_its_retry_after_and_past_max_wait_the_rows_are_unavailable_exit_4()
 {
    let app = TestApp::spawn().await;
    let org = organization(&app).await;
    let rows: String = (0..150)
        .map(|i| format!("u{i}@example.com,member\n"))
        .collect();
    let csv = TempFile::new("csv", &format!("email,role\n{rows}"));
    let bearer = app.bearer(&Who::verified(1, "founder@acme.example"));

    // Its first two bulk calls meet a database that is away; one second later it is back.
    let busy = Proxy::with(&app.client_base, false, 2);
    let args = ["--json", "invite", &org, "--csv", csv.path(), "-j", "2"];
    let run = ctl_at(&busy.base, Some(&bearer), &args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["counts"]["created"], 150);
    assert_eq!(
        busy.bulk_calls.load(Ordering::Relaxed),
        4,
        "two batches, each sent twice"
    );
    assert!(run.stderr.contains("waiting 1.0 s"), "{}", run.stderr);

    // Away for longer than --max-wait allows: those rows are unavailable, and the exit code 4.
    let away = Proxy::with(&app.client_base, false, usize::MAX);
    let more = TempFile::new("csv", "email,role\nlate@example.com,member\n");
    let args = [
        "--max-wait",
        "2",
        "--json",
        "invite",
        &org,
        "--csv",
        more.path(),
    ];
    let run = ctl_at(&away.base, Some(&bearer), &args).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    let rows = &run.json()["rows"];
    assert_eq!(rows[0]["outcome"], "unavailable");
    let problem = rows[0]["problem"].as_str().unwrap();
    assert!(
        problem.contains("503 Service Unavailable") && problem.contains("past --max-wait"),
        "{problem}"
    );
    assert_eq!(
        away.bulk_calls.load(Ordering::Relaxed),
        3,
        "sent, then again after 1 s twice"
    );
}

/// `rollcallctl webhooks`: register an endpoint (its secret printed once), list and view it,
/// change its events, send a test and see the delivery, rotate the secret; a member is refused
/// with exit code 3 and the problem's title.
#[actix_web::test]
async fn webhooks_are_managed_from_the_terminal_by_administrators() {
    let (app, founder, org) = TestApp::spawn_founded().await;
    let org_id = org.id.to_string();
    let created = ctl(
        &app,
        &[
            "--json",
            "webhooks",
            "create",
            &org_id,
            "https://hooks.example.com/rollcall",
            "--event",
            "invitation.accepted,team.created",
            "--description",
            "billing sync",
        ],
    )
    .await;
    assert_eq!(created.code, 0, "{}", created.stderr);
    let endpoint = created.json();
    assert!(endpoint["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(
        endpoint["events"],
        json!(["invitation.accepted", "team.created"])
    );
    let id = endpoint["id"].as_str().unwrap().to_owned();
    let table = ctl(&app, &["webhooks", "list", &org_id]).await;
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table.stdout.contains("https://hooks.example.com/rollcall") && table.stdout.contains("URL"),
        "{}",
        table.stdout
    );
    assert!(
        !table.stdout.contains("whsec_"),
        "a list never shows the secret"
    );
    let updated = ctl(
        &app,
        &[
            "--json",
            "webhooks",
            "update",
            &org_id,
            &id,
            "--all-events",
            "--disable",
        ],
    )
    .await;
    assert_eq!(updated.code, 0, "{}", updated.stderr);
    assert_eq!(updated.json()["events"], json!([]));
    assert_eq!(updated.json()["enabled"], false);
    let refused = ctl(&app, &["webhooks", "test", &org_id, &id]).await;
    assert_eq!(refused.code, 3, "a disabled endpoint is not tested");
    let enabled = ctl(
        &app,
        &["--json", "webhooks", "update", &org_id, &id, "--enable"],
    )
    .await;
    assert_eq!(enabled.json()["enabled"], true);
    let test = ctl(&app, &["--json", "webhooks", "test", &org_id, &id]).await;
    assert_eq!(test.code, 0, "{}", test.stderr);
    assert_eq!(test.json()["eventType"], "webhook.test");
    let deliveries = ctl(
        &app,
        &[
            "--json",
            "webhooks",
            "deliveries",
            &org_id,
            &id,
            "--status",
            "pending",
        ],
    )
    .await;
    assert_eq!(deliveries.json()[0]["id"], test.json()["id"]);
    let rotated = ctl(&app, &["--json", "webhooks", "rotate-secret", &org_id, &id]).await;
    let secret = rotated.json()["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_") && secret != endpoint["secret"]);
    let member = app.staff(&founder, org.id, 2, types::Role::Member).await;
    drop(member);
    let bearer = app.bearer(&Who::verified(2, "member@example.com"));
    let as_member = ctl_at(
        &app.client_base,
        Some(&bearer),
        &["webhooks", "list", &org_id],
    )
    .await;
    assert_eq!(as_member.code, 3);
    assert!(
        as_member
            .stderr
            .contains("only administrators manage webhooks"),
        "{}",
        as_member.stderr
    );
    let bad = ctl(
        &app,
        &[
            "webhooks",
            "create",
            &org_id,
            "https://x.example",
            "--event",
            "user.created",
        ],
    )
    .await;
    assert_eq!(
        bad.code, 2,
        "an audit-only type is a usage error: {}",
        bad.stderr
    );
}
