//! Sending the rows: through the bulk invite (batches of 100) when the server's `/openapi.json`
//! lists it, else one invite per row with an `Idempotency-Key` of its own for this run. Either
//! way at most `-j` calls are in flight, and rows the server says to send again later (429,
//! 503) wait as it says, within `--max-wait`.
//!
//! The bulk invite takes no key: a batch sent again after a lost answer meets the invitations
//! its first sending made, which come back as 409s naming them (reported already invited).

use futures_util::{StreamExt, stream};
use rollcall_client::{ApiError, Client, types};
use uuid::Uuid;

use super::{outcome::Outcome, progress::Progress};
use crate::{
    context::Ctx,
    failure::Failure,
    retry::{self, Budget},
};

/// The bulk invite's path, as the document names it.
pub const BULK_PATH: &str = "/organization/{organizationId}/invitations/bulk";
/// The most rows one bulk invite takes.
pub const BATCH: usize = 100;

/// A row to send: its place among the file's rows, and its invite.
#[derive(Clone)]
pub struct Job {
    pub index: usize,
    pub invite: types::InviteRequest,
}

/// Whether the server's document lists the bulk invite.
pub async fn server_has_bulk(ctx: &Ctx, client: &Client) -> Result<bool, Failure> {
    match retry::send(ctx, client.document_view(), |c| c.send()).await {
        Ok(document) => Ok(lists_bulk(&document)),
        // A server that serves no document: one call per row.
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Whether `document` has `POST` at the bulk invite's path.
pub fn lists_bulk(document: &types::ApiDocument) -> bool {
    document
        .paths
        .get(BULK_PATH)
        .and_then(|item| item.get("post"))
        .is_some()
}

/// Sends every job to `org`, `jobs` calls at a time; answers each job's outcome.
pub async fn all(
    ctx: &Ctx,
    client: &Client,
    org: Uuid,
    work: Vec<Job>,
    bulk: bool,
    jobs: usize,
    progress: &Progress,
) -> Vec<(usize, Outcome)> {
    let batches: Vec<Vec<Job>> = if bulk {
        work.chunks(BATCH).map(<[Job]>::to_vec).collect()
    } else {
        work.into_iter().map(|job| vec![job]).collect()
    };
    stream::iter(batches)
        .map(|batch| async move {
            let done = if bulk {
                bulk_batch(ctx, client, org, batch, progress).await
            } else {
                let job = batch.into_iter().next().expect("one job per single call");
                vec![single(ctx, client, org, job, progress).await]
            };
            progress.advance(done.len());
            done
        })
        .buffer_unordered(jobs)
        .flat_map(stream::iter)
        .collect()
        .await
}

/// One batch through the bulk invite, until every row has its outcome.
async fn bulk_batch(
    ctx: &Ctx,
    client: &Client,
    org: Uuid,
    mut pending: Vec<Job>,
    progress: &Progress,
) -> Vec<(usize, Outcome)> {
    let mut done = Vec::with_capacity(pending.len());
    let mut budget = Budget::new(ctx.max_wait());
    while !pending.is_empty() {
        let body = types::BulkInviteRequest {
            invitations: pending.iter().map(|j| j.invite.clone()).collect(),
        };
        let answer = client
            .invitation_bulk_create()
            .organization_id(org)
            .body(body)
            .send()
            .await
            .map(|a| a.into_inner().results)
            .map_err(ApiError::from);
        pending = match answer {
            Ok(results) if results.len() == pending.len() => {
                settle_rows(pending, results, &mut budget, &mut done, progress).await
            }
            Ok(results) => {
                let why = format!(
                    "the server answered {} results for {} rows",
                    results.len(),
                    pending.len()
                );
                done.extend(
                    pending
                        .iter()
                        .map(|j| (j.index, Outcome::Unavailable(why.clone()))),
                );
                Vec::new()
            }
            Err(e) => settle_call(pending, &e, &mut budget, &mut done, progress).await,
        };
    }
    done
}

/// Settles each row of a batch by its result; answers the rows to send again, after waiting
/// as their results say (or none: the wait would pass `--max-wait`, and they are settled).
async fn settle_rows(
    pending: Vec<Job>,
    results: Vec<types::BulkInvitationResult>,
    budget: &mut Budget,
    done: &mut Vec<(usize, Outcome)>,
    progress: &Progress,
) -> Vec<Job> {
    let mut again = Vec::new();
    for (job, result) in pending.into_iter().zip(results) {
        let status = u16::try_from(result.status).unwrap_or(500);
        match (&result.invitation, &result.problem) {
            (Some(invitation), _) if status == 201 => {
                done.push((job.index, Outcome::Created(invitation.id)));
            }
            (_, Some(problem)) if retry::retryable(status) => again.push((job, result.clone())),
            (_, Some(problem)) => done.push((job.index, Outcome::refused(status, problem))),
            _ => done.push((
                job.index,
                Outcome::Unavailable(format!(
                    "the server answered status {status} for this row without a problem"
                )),
            )),
        }
    }
    let Some((_, first)) = again.first() else {
        return Vec::new();
    };
    let status = u16::try_from(first.status).unwrap_or(503);
    let seconds = again
        .iter()
        .filter_map(|(_, r)| r.retry_after.map(|s| u64::from(s.get())))
        .max();
    match budget.wait_for(status, seconds) {
        Some(wait) => {
            progress.waiting(wait, again.len());
            tokio::time::sleep(wait).await;
            again.into_iter().map(|(job, _)| job).collect()
        }
        None => {
            for (job, result) in again {
                let status = u16::try_from(result.status).unwrap_or(503);
                let outcome = result.problem.as_ref().map_or_else(
                    || Outcome::Unavailable(format!("status {status}")),
                    |p| given_up(Outcome::refused(status, p), seconds),
                );
                done.push((job.index, outcome));
            }
            Vec::new()
        }
    }
}

/// Settles a batch whose call failed as a whole; answers the rows to send again. A 422 naming
/// rows (`invitations.<i>.<field>`: a check the server makes and the file's reading could not)
/// settles those rows as invalid and sends the others again at once.
async fn settle_call(
    pending: Vec<Job>,
    e: &ApiError,
    budget: &mut Budget,
    done: &mut Vec<(usize, Outcome)>,
    progress: &Progress,
) -> Vec<Job> {
    if let Some(invalid) = invalid_rows(e, pending.len()) {
        let mut rest = Vec::new();
        for (i, job) in pending.into_iter().enumerate() {
            match invalid.iter().find(|(row, _)| *row == i) {
                Some((_, why)) => done.push((job.index, Outcome::Invalid(why.clone()))),
                None => rest.push(job),
            }
        }
        return rest;
    }
    let seconds = retry::retry_after(e);
    if let Some(wait) = e
        .status()
        .and_then(|s| budget.wait_for(s.as_u16(), seconds))
    {
        progress.waiting(wait, pending.len());
        tokio::time::sleep(wait).await;
        return pending;
    }
    let outcome = given_up(of_error(e), seconds);
    done.extend(pending.iter().map(|j| (j.index, outcome.clone())));
    Vec::new()
}

/// The rows a 422 names, with their fields' messages; `None` when it names none.
fn invalid_rows(e: &ApiError, rows: usize) -> Option<Vec<(usize, String)>> {
    use rollcall_client::ProblemExt;
    let problem = e.problem().filter(|p| p.status == 422)?;
    let mut named: Vec<(usize, String)> = Vec::new();
    for field in &problem.errors {
        let mut parts = field.field.splitn(3, '.');
        let (Some("invitations"), Some(row), rest) = (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let row: usize = row.parse().ok().filter(|r| *r < rows)?;
        let why = format!("{}: {}", rest.unwrap_or("row"), field.message);
        match named.iter_mut().find(|(r, _)| *r == row) {
            Some((_, reasons)) => *reasons = format!("{reasons}; {why}"),
            None => named.push((row, why)),
        }
    }
    (!named.is_empty()).then_some(named)
}

/// One row through the single invite, keyed for this run, until it has its outcome.
async fn single(
    ctx: &Ctx,
    client: &Client,
    org: Uuid,
    job: Job,
    progress: &Progress,
) -> (usize, Outcome) {
    let key = Uuid::new_v4().to_string();
    let mut budget = Budget::new(ctx.max_wait());
    loop {
        let answer = client
            .invitation_create()
            .organization_id(org)
            .idempotency_key(key.as_str())
            .body(job.invite.clone())
            .send()
            .await;
        let e = match answer {
            Ok(created) => return (job.index, Outcome::Created(created.into_inner().id)),
            Err(e) => ApiError::from(e),
        };
        let seconds = retry::retry_after(&e);
        match e
            .status()
            .and_then(|s| budget.wait_for(s.as_u16(), seconds))
        {
            Some(wait) => {
                progress.waiting(wait, 1);
                tokio::time::sleep(wait).await;
            }
            None => return (job.index, given_up(of_error(&e), seconds)),
        }
    }
}

/// The outcome of a row whose call failed.
fn of_error(e: &ApiError) -> Outcome {
    use rollcall_client::ProblemExt;
    match (e.status(), e.problem()) {
        (Some(status), Some(problem)) => Outcome::refused(status.as_u16(), problem),
        (Some(status), None) if status.is_client_error() => Outcome::Refused {
            status: status.as_u16(),
            problem: e.to_string(),
        },
        _ => Outcome::Unavailable(e.to_string()),
    }
}

/// A row the server said to send later, past `--max-wait`: says so after its problem.
fn given_up(outcome: Outcome, retry_after: Option<u64>) -> Outcome {
    let note = |p: String| match retry_after {
        Some(s) => format!("{p} (retry after {s} s: past --max-wait)"),
        None => p,
    };
    match outcome {
        Outcome::Refused { status, problem } if status == 429 => Outcome::Refused {
            status,
            problem: note(problem),
        },
        Outcome::Unavailable(problem) => Outcome::Unavailable(note(problem)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bulk_invite_is_used_when_the_document_lists_it() {
        let with = |paths: serde_json::Value| types::ApiDocument {
            openapi: "3.0.3".into(),
            info: serde_json::Map::new(),
            paths: serde_json::from_value(paths).unwrap(),
        };
        assert!(lists_bulk(&with(
            serde_json::json!({ BULK_PATH: {"post": {"operationId": "invitation_bulk_create"}} })
        )));
        assert!(!lists_bulk(&with(
            serde_json::json!({"/organization/{organizationId}/invite": {"post": {}}})
        )));
        assert!(!lists_bulk(&with(
            serde_json::json!({ BULK_PATH: {"get": {}} })
        )));
    }
}
