//! `GET /metrics`, scraped from the real `rollcall serve` and `rollcall worker` processes through
//! the generated client and parsed by the official Prometheus Python client's parser
//! (`tests/peers/prometheus_parse.py`), never by our own code: counters move with the requests
//! made, deliveries and the queues show the workers' work, a thousand distinct uuids add no
//! series, the token guard, and every metric the example Grafana dashboard queries exists in a
//! scrape. Runs on the suite's database: SQLite, and PostgreSQL in the PostgreSQL pass.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::Write,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::{StreamExt, TryStreamExt};
use rollcall_client::types;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    database::TestDatabase,
    helpers::{accept, send_invite, view_invitation},
    operations::Document,
    peers::{self, HookReceiver},
    processes::{Process, client, founded},
};

/// A scrape as the Prometheus client's parser read it.
pub struct Scrape {
    /// Family name → type (`counter`, `gauge`, `histogram`).
    pub families: BTreeMap<String, String>,
    pub samples: Vec<Sample>,
}

pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Scrape {
    /// Parses `text` with `prometheus_client.parser`; panics with its error when it refuses.
    pub fn parse(text: &str) -> Self {
        let mut child = Command::new(peers::python())
            .arg(peers::script("prometheus_parse.py"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the parser starts");
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(text.as_bytes())
            .expect("the scrape is written to the parser");
        let out = child.wait_with_output().expect("the parser ends");
        assert!(
            out.status.success(),
            "prometheus_client refused the scrape: {}\n{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed: Value = serde_json::from_slice(&out.stdout).expect("the parser's JSON");
        let families = parsed["families"]
            .as_array()
            .expect("families")
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().expect("a name").to_owned(),
                    f["type"].as_str().expect("a type").to_owned(),
                )
            })
            .collect();
        let samples = parsed["samples"]
            .as_array()
            .expect("samples")
            .iter()
            .map(|s| Sample {
                name: s["name"].as_str().expect("a name").to_owned(),
                labels: serde_json::from_value(s["labels"].clone()).expect("labels"),
                value: match &s["value"] {
                    Value::String(inf) if inf == "+Inf" => f64::INFINITY,
                    v => v.as_f64().unwrap_or(f64::NAN),
                },
            })
            .collect();
        Self { families, samples }
    }

    /// The sum of the samples named `name` whose labels include `labels` (0 when none).
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|s| s.value).sum()
    }

    pub fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Sample> + 'a {
        self.samples.iter().filter(move |s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
    }

    pub fn has(&self, name: &str) -> bool {
        self.samples.iter().any(|s| s.name == name)
    }

    /// How many series (samples) have a name starting with `prefix`.
    pub fn series(&self, prefix: &str) -> usize {
        self.samples
            .iter()
            .filter(|s| s.name.starts_with(prefix))
            .count()
    }
}

/// Scrapes `base` through the generated client (`metrics_view`), with `token` as the bearer
/// when given; checks the media type and parses the text.
pub async fn scrape(base: &str, token: Option<&str>) -> Scrape {
    let client = match token {
        Some(t) => rollcall_client::with_bearer(base, t),
        None => rollcall_client::anonymous(base),
    }
    .expect("a client");
    let answer = client
        .metrics_view()
        .send()
        .await
        .expect("/metrics answers 200");
    let media = answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(media, "text/plain; version=0.0.4; charset=utf-8");
    let chunks: Vec<_> = answer
        .into_inner()
        .into_inner()
        .try_collect()
        .await
        .expect("the body");
    Scrape::parse(&String::from_utf8(chunks.concat()).expect("UTF-8"))
}

/// Scrapes until `done` holds; panics after 30 s with what the last scrape showed.
async fn scrape_until(
    base: &str,
    token: Option<&str>,
    what: &str,
    done: impl Fn(&Scrape) -> bool,
) -> Scrape {
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let got = scrape(base, token).await;
        if done(&got) {
            return got;
        }
        assert!(
            Instant::now() < until,
            "{what} did not show within 30 s; the last scrape's rollcall_* samples: {:#?}",
            got.samples
                .iter()
                .filter(|s| s.name.starts_with("rollcall_") && !s.name.contains("_http_"))
                .map(|s| (&s.name, &s.labels, s.value))
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fast workers (polls and queue gauges every 50–100 ms) that may deliver webhooks to loopback.
const BUSY: &[(&str, &str)] = &[
    ("ROLLCALL_WORKER_POLL_MS", "50"),
    ("ROLLCALL_QUEUE_GAUGE_INTERVAL_MS", "100"),
    ("ROLLCALL_WEBHOOK_ALLOW_PRIVATE", "true"),
];

/// An organization with a webhook endpoint on `receiver`; three invitations, two views, one
/// accept, a view of an invitation that does not exist, and a request to no route.
async fn traffic(process: &Process, receiver: &HookReceiver) {
    let (founder, org) = founded(process).await;
    founder
        .webhook_create()
        .organization_id(org.id)
        .body(types::CreateWebhookRequest::builder().url(receiver.url("metrics")))
        .send()
        .await
        .expect("endpoint registered");
    let mut invitations = Vec::new();
    for name in ["ann", "bob", "cid"] {
        let sent = send_invite(&founder, org.id, &format!("{name}@example.com"))
            .await
            .expect("invited");
        invitations.push(sent.into_inner());
    }
    for inv in &invitations[..2] {
        view_invitation(&founder, org.id, inv.id)
            .await
            .expect("viewed");
    }
    accept(
        &client(&process.base, 2, "ann@example.com"),
        &invitations[0].token,
    )
    .await
    .expect("accepted");
    let missing = view_invitation(&founder, org.id, Uuid::new_v4()).await;
    assert!(
        missing.is_err(),
        "an invitation that does not exist is a 404"
    );
    let nowhere = reqwest::get(format!("{}/no/such/{}", process.base, Uuid::new_v4()))
        .await
        .expect("answered");
    assert_eq!(nowhere.status(), 404);
}

/// The email and webhook work [`traffic`] caused, done: no email is queued any more (Ann's may
/// have been sent before she accepted, or skipped by her accepting, without an attempt), the
/// others were attempted, and a webhook was delivered for every event.
async fn work_done(base: &str, token: Option<&str>) -> Scrape {
    scrape_until(base, token, "the workers' deliveries", |s| {
        let outbox = "rollcall_email_outbox_messages";
        let emails = s.value("rollcall_email_deliveries_total", &[("kind", "invitation")]);
        // invitation.created ×3, invitation.accepted, membership.created.
        let hooks = s.value(
            "rollcall_webhook_deliveries_total",
            &[("outcome", "delivered")],
        );
        emails >= 2.0
            && s.value(outbox, &[]) == 3.0
            && s.value(outbox, &[("status", "queued")]) == 0.0
            && hooks >= 5.0
    })
    .await
}

#[actix_web::test]
async fn counters_in_a_scrape_move_with_the_requests_made() {
    let database = TestDatabase::create().await;
    let receiver = HookReceiver::start();
    let process = Process::start(&database.url, BUSY).await;
    let before = scrape(&process.base, None).await;
    traffic(&process, &receiver).await;
    let after = work_done(&process.base, None).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    let requests = "rollcall_http_requests_total";
    for (operation, method, status, n) in [
        ("organization_create", "POST", "201", 1.0),
        ("webhook_create", "POST", "201", 1.0),
        ("invitation_create", "POST", "201", 3.0),
        ("invitation_view", "GET", "200", 2.0),
        ("invitation_view", "GET", "404", 1.0),
        ("invitation_accept", "POST", "201", 1.0),
        ("unknown", "GET", "404", 1.0),
    ] {
        let labels = [
            ("operation", operation),
            ("method", method),
            ("status", status),
        ];
        assert_eq!(moved(requests, &labels), n, "{requests} {labels:?}");
    }
    let latency = "rollcall_http_request_duration_seconds_count";
    assert_eq!(moved(latency, &[("operation", "invitation_create")]), 3.0);
    assert_eq!(moved(latency, &[("operation", "invitation_view")]), 3.0);
    assert_eq!(
        after.families["rollcall_http_request_duration_seconds"],
        "histogram"
    );
    let bucket = after
        .matching(
            "rollcall_http_request_duration_seconds_bucket",
            &[("operation", "invitation_create"), ("le", "+Inf")],
        )
        .map(|s| s.value)
        .sum::<f64>();
    assert_eq!(bucket, 3.0, "every request falls in the +Inf bucket");
    assert_eq!(moved("rollcall_invitations_created_total", &[]), 3.0);
    assert_eq!(moved("rollcall_invitations_accepted_total", &[]), 1.0);
    // The database's pools: in use and idle, for each of its pools.
    let pools: BTreeSet<(String, String)> = after
        .matching("rollcall_db_pool_connections", &[])
        .map(|s| (s.labels["pool"].clone(), s.labels["state"].clone()))
        .collect();
    let expected: &[&str] = if database.is_postgres() {
        &["main"]
    } else {
        &["read", "write"]
    };
    for pool in expected {
        for state in ["in_use", "idle"] {
            assert!(
                pools.contains(&(pool.to_string(), state.into())),
                "{pools:?}"
            );
        }
        let open = after.value("rollcall_db_pool_connections", &[("pool", pool)]);
        assert!(open >= 1.0, "the {pool} pool has a connection open");
    }
    // The process.
    assert!(after.value("process_resident_memory_bytes", &[]) > 1_000_000.0);
    assert!(after.value("process_open_fds", &[]) > 0.0);
    assert_eq!(after.families["process_cpu_seconds"], "counter");
    assert!(after.value("process_start_time_seconds", &[]) > 1.6e9);
    // The queue gauges come to equal the database's own counts.
    let db = sea_orm::Database::connect(&database.url).await.unwrap();
    let emails = counts(&db, "outbox_messages").await;
    let hooks = counts(&db, "webhook_deliveries").await;
    let gauges = scrape_until(&process.base, None, "the queue gauges", |s| {
        gauge_counts(s, "rollcall_email_outbox_messages") == emails
            && gauge_counts(s, "rollcall_webhook_queue_deliveries") == hooks
    })
    .await;
    assert_eq!(gauges.value("rollcall_email_outbox_messages", &[]), 3.0);
    assert!(
        gauges.value(
            "rollcall_webhook_queue_deliveries",
            &[("status", "succeeded")]
        ) >= 5.0
    );
}

/// Rows of `table` by status, leaving out statuses with none.
async fn counts(db: &sea_orm::DatabaseConnection, table: &str) -> BTreeMap<String, u64> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = format!("SELECT status, COUNT(*) AS n FROM {table} GROUP BY status");
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("counted")
        .iter()
        .map(|r| {
            (
                r.try_get::<String>("", "status").unwrap(),
                u64::try_from(r.try_get::<i64>("", "n").unwrap()).unwrap(),
            )
        })
        .collect()
}

fn gauge_counts(s: &Scrape, name: &str) -> BTreeMap<String, u64> {
    s.matching(name, &[])
        .filter(|g| g.value > 0.0)
        .map(|g| (g.labels["status"].clone(), g.value as u64))
        .collect()
}

#[actix_web::test]
async fn a_thousand_distinct_uuids_add_no_series() {
    let database = TestDatabase::create().await;
    let process = Process::start(&database.url, &[]).await;
    let (_, org) = founded(&process).await;
    let http = reqwest::Client::new();
    let bearer = format!(
        "Bearer {}",
        crate::processes::bearer(1, "founder@acme.example")
    );
    // Four shapes of request whose paths hold a uuid: a view of an invitation that does not
    // exist, of an organization that does not exist (both 404), one without a bearer (401), and
    // a path no route matches (404).
    let send = |i: usize, id: Uuid| {
        let (path, auth) = match i % 4 {
            0 => (format!("/organization/{}/invitations/{id}", org.id), true),
            1 => (format!("/organization/{id}"), true),
            2 => (format!("/organization/{id}/invitations/{id}"), false),
            _ => (format!("/nothing/here/{id}"), false),
        };
        let mut req = http.get(format!("{}{path}", process.base));
        if auth {
            req = req.header("Authorization", &bearer);
        }
        async move {
            let status = req.send().await.expect("answered").status().as_u16();
            assert!(matches!(status, 401 | 404), "{path}: {status}");
        }
    };
    for i in 0..4 {
        send(i, Uuid::new_v4()).await;
    }
    // A first scrape: its own request's series exist from the second on.
    scrape(&process.base, None).await;
    let before = scrape(&process.base, None).await;
    let ids: Vec<Uuid> = (0..1_000).map(|_| Uuid::new_v4()).collect();
    futures_util::stream::iter(ids.iter().enumerate())
        .for_each_concurrent(16, |(i, id)| send(i, *id))
        .await;
    let after = scrape(&process.base, None).await;
    assert_eq!(
        after.series("rollcall_http_"),
        before.series("rollcall_http_"),
        "1,000 distinct paths added request series"
    );
    let answered = |s: &Scrape| {
        s.matching("rollcall_http_requests_total", &[])
            .filter(|x| x.labels["operation"] != "metrics_view")
            .map(|x| x.value)
            .sum::<f64>()
    };
    assert_eq!(answered(&after) - answered(&before), 1_000.0);
    // Every operation label is an operationId of the document or a fixed label; no label
    // anywhere holds a uuid that was requested.
    let operations: BTreeSet<String> = Document::load()
        .operations()
        .into_iter()
        .map(|op| op.id)
        .collect();
    let requested: BTreeSet<String> = ids.iter().map(Uuid::to_string).collect();
    for s in &after.samples {
        if let Some(op) = s.labels.get("operation") {
            assert!(
                operations.contains(op) || op == "unknown" || op == "docs",
                "operation label {op:?}"
            );
        }
        for value in s.labels.values() {
            assert!(
                !requested.iter().any(|id| value.contains(id.as_str())) && !value.contains('/'),
                "a label holds a path: {value:?}"
            );
        }
    }
    assert_eq!(
        after.value(
            "rollcall_http_requests_total",
            &[("operation", "unknown"), ("status", "404")]
        ) - before.value(
            "rollcall_http_requests_total",
            &[("operation", "unknown"), ("status", "404")]
        ),
        250.0
    );
}

const METRICS_TOKEN: &str = "scrape-me-6c0f3a9e1d2b4857";

/// What `/metrics` answers to `authorization` (none when `None`): status, and whether a 401 is
/// a problem+json with `WWW-Authenticate: Bearer`.
async fn guarded(base: &str, authorization: &[&str]) -> u16 {
    let mut req = reqwest::Client::new().get(format!("{base}/metrics"));
    for value in authorization {
        req = req.header("Authorization", *value);
    }
    let res = req.send().await.expect("answered");
    let status = res.status().as_u16();
    if status == 401 {
        assert_eq!(res.headers()["www-authenticate"], "Bearer");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.expect("a problem");
        assert_eq!(
            problem["type"],
            "https://rollcall.dev/problems/unauthenticated"
        );
    }
    status
}

#[actix_web::test]
async fn the_metrics_token_is_required_as_a_bearer_when_it_is_set() {
    let database = TestDatabase::create().await;
    let process = Process::start(&database.url, &[("ROLLCALL_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let base = &process.base;
    let right = format!("Bearer {METRICS_TOKEN}");
    let user = format!("Bearer {}", crate::processes::bearer(1, "a@example.com"));
    assert_eq!(guarded(base, &[]).await, 401, "no credential");
    assert_eq!(guarded(base, &["Bearer not-the-token"]).await, 401);
    assert_eq!(guarded(base, &[&user]).await, 401, "a user's bearer");
    assert_eq!(
        guarded(base, &[&format!("Basic {METRICS_TOKEN}")]).await,
        401
    );
    assert_eq!(guarded(base, &[&right, "Bearer x"]).await, 401, "twice");
    assert_eq!(guarded(base, &[&right]).await, 200);
    assert_eq!(
        guarded(base, &[&format!("bearer {METRICS_TOKEN}")]).await,
        200,
        "the scheme is case-insensitive"
    );
    let scraped = scrape(base, Some(METRICS_TOKEN)).await;
    assert!(scraped.value("rollcall_http_requests_total", &[("status", "401")]) >= 5.0);
    // Other operations do not want it.
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
}

#[actix_web::test]
async fn rollcall_worker_serves_metrics_with_the_global_queue_gauges() {
    let database = TestDatabase::create().await;
    let receiver = HookReceiver::start();
    // The API without background work, and a worker process doing it.
    let mut env = BUSY.to_vec();
    env.push(("ROLLCALL_BACKGROUND", "false"));
    let api = Process::start(&database.url, &env).await;
    traffic(&api, &receiver).await;
    // Started once the requests are answered: on SQLite two processes writing at once may meet
    // SQLITE_BUSY (a 503), which is not what this test is about.
    let mut env = BUSY.to_vec();
    env.push(("ROLLCALL_METRICS_TOKEN", METRICS_TOKEN));
    let worker = Process::start_worker(&database.url, &env).await;
    let scraped = work_done(&worker.base, Some(METRICS_TOKEN)).await;
    assert_eq!(
        guarded(&worker.base, &[]).await,
        401,
        "the worker's token guard"
    );
    assert!(scraped.value("rollcall_email_outbox_messages", &[]) >= 3.0);
    assert!(scraped.has("process_resident_memory_bytes"));
    // The API process sends nothing, so it has no delivery counters nor queue gauges.
    let served = scrape(&api.base, None).await;
    assert!(!served.has("rollcall_email_deliveries_total"));
    assert!(!served.has("rollcall_email_outbox_messages"));
    assert!(served.value("rollcall_invitations_created_total", &[]) >= 3.0);
}

/// The example dashboard.
const DASHBOARD: &str = include_str!("../../docs/grafana/rollcall-dashboard.json");

#[actix_web::test]
async fn every_metric_the_dashboard_queries_exists_in_a_scrape() {
    let dashboard: Value = serde_json::from_str(DASHBOARD).expect("the dashboard is JSON");
    let mut exprs = Vec::new();
    collect_exprs(&dashboard, &mut exprs);
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 8, "the dashboard has its panels");
    assert!(
        exprs.len() >= panels.len() - 2,
        "panels query something: {exprs:?}"
    );
    let names: BTreeSet<String> = exprs.iter().flat_map(|e| metric_names(e)).collect();
    assert!(names.len() >= 10, "{names:?}");
    let database = TestDatabase::create().await;
    let receiver = HookReceiver::start();
    let process = Process::start(&database.url, BUSY).await;
    traffic(&process, &receiver).await;
    let scraped = work_done(&process.base, None).await;
    let missing: Vec<&String> = names.iter().filter(|n| !scraped.has(n)).collect();
    assert!(
        missing.is_empty(),
        "the dashboard queries metrics no scrape has: {missing:?}"
    );
}

/// Every `expr` of every target, and the metric of every `label_values(metric, label)`
/// variable, wherever they are in the dashboard.
fn collect_exprs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("expr", Value::String(e)) => out.push(e.clone()),
                    ("definition", Value::String(d)) => {
                        let metric = d
                            .strip_prefix("label_values(")
                            .and_then(|rest| rest.split(',').next())
                            .unwrap_or_else(|| panic!("an unexpected variable: {d}"));
                        out.push(metric.trim().to_owned());
                    }
                    _ => collect_exprs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_exprs(v, out)),
        _ => {}
    }
}

/// The metric names a PromQL expression selects: every identifier outside braces that is not a
/// function, an aggregation, a keyword or a label of a `by`/`without` clause. The dashboard
/// names only `rollcall_*` and `process_*` metrics; anything else is reported as it is.
fn metric_names(expr: &str) -> Vec<String> {
    const WORDS: &[&str] = &[
        "sum",
        "rate",
        "irate",
        "increase",
        "histogram_quantile",
        "by",
        "without",
        "max",
        "min",
        "avg",
        "count",
        "topk",
        "clamp_min",
        "time",
        "deriv",
        "offset",
        "and",
        "or",
        "unless",
        "on",
        "ignoring",
        "bool",
    ];
    let mut names = Vec::new();
    let (mut depth, mut in_by, mut word) = (0, false, String::new());
    let mut flush = |word: &mut String, depth: i32, in_by: bool| {
        let w = std::mem::take(word);
        if depth == 0
            && !in_by
            && !w.is_empty()
            && !w.starts_with(|c: char| c.is_ascii_digit())
            && !WORDS.contains(&w.as_str())
        {
            names.push(w);
        }
    };
    let mut previous_word = String::new();
    let mut chars = expr.chars().peekable();
    let mut in_range = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            if !in_range {
                word.push(c);
            }
            continue;
        }
        if !word.is_empty() {
            previous_word.clone_from(&word);
        }
        flush(&mut word, depth, in_by);
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            '"' => {
                // A label value or a string: skip it.
                for d in chars.by_ref() {
                    if d == '"' {
                        break;
                    }
                }
            }
            '[' => in_range = true,
            ']' => in_range = false,
            '(' if previous_word == "by" || previous_word == "without" => in_by = true,
            ')' if in_by => in_by = false,
            _ => {}
        }
    }
    flush(&mut word, depth, in_by);
    names
}

#[test]
fn the_dashboard_reader_finds_metric_names_and_nothing_else() {
    assert_eq!(
        metric_names(
            r#"histogram_quantile(0.99, sum by (le, operation) (rate(rollcall_http_request_duration_seconds_bucket{operation=~"invitation_.*"}[5m])))"#
        ),
        ["rollcall_http_request_duration_seconds_bucket"]
    );
    assert_eq!(
        metric_names("sum(rate(process_cpu_seconds_total[1m])) / max(process_start_time_seconds)"),
        ["process_cpu_seconds_total", "process_start_time_seconds"]
    );
}

/// A bulk invite is one request to the request metrics, and as many invitations created as
/// its rows answered 201: a row refused (a pending invitation already) counts none.
#[actix_web::test]
async fn a_bulk_invite_counts_each_invitation_it_created() {
    let database = TestDatabase::create().await;
    let process = Process::start(&database.url, &[]).await;
    let (founder, org) = founded(&process).await;
    send_invite(&founder, org.id, "pending@example.com")
        .await
        .expect("invited");
    let before = scrape(&process.base, None).await;
    let rows: Vec<types::InviteRequest> = ["a@example.com", "pending@example.com", "b@example.com"]
        .into_iter()
        .map(|email| {
            types::InviteRequest::builder()
                .email(email)
                .role(types::Role::Member)
                .try_into()
                .unwrap()
        })
        .collect();
    let results = founder
        .invitation_bulk_create()
        .organization_id(org.id)
        .body_map(|b| b.invitations(rows))
        .send()
        .await
        .expect("the bulk invite answers 200")
        .into_inner()
        .results;
    assert_eq!(
        results.iter().map(|r| r.status).collect::<Vec<_>>(),
        [201, 409, 201]
    );
    let after = scrape(&process.base, None).await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    assert_eq!(moved("rollcall_invitations_created_total", &[]), 2.0);
    assert_eq!(
        moved(
            "rollcall_http_requests_total",
            &[
                ("operation", "invitation_bulk_create"),
                ("method", "POST"),
                ("status", "200")
            ]
        ),
        1.0
    );
}
