//! `rollcallctl invite ORG --csv FILE`: everyone in a CSV file invited into an organization.
//! Every row is checked before any call (`rows`); the valid ones are sent (`send`), through
//! the bulk invite when the server lists it; each row ends with an outcome (`outcome`), printed
//! and, with `--report`, written one line per row (`report`). Running the same file again
//! creates nothing new: its rows come back already invited, with their invitation ids.
//!
//! Exit code 0 when every row is invited (now or before) or already a member, 3 when a row was
//! invalid or refused, 4 when the server was unavailable for a row.

mod outcome;
mod progress;
mod report;
mod rows;
mod send;

use std::{path::PathBuf, process::ExitCode, time::Instant};

use uuid::Uuid;

use crate::{
    context::Ctx,
    failure::{self, Failure},
    output,
};
use outcome::Outcome;

/// `rollcallctl invite`'s arguments.
#[derive(clap::Args)]
#[command(
    after_help = "The CSV file starts with a header row naming its columns: email and role, and optionally teams (teamId:role;teamId:role) and locale (en, fr, pt-BR).\n\n  email,role,teams,locale\n  jane@example.com,member,6ba7b810-9dad-11d1-80b4-00c04fd430c8:developer,fr\n\nEvery row is checked before any call; a bad row is reported and the others go on. Running the same file again invites nobody twice: those rows are reported already invited, with their invitation ids."
)]
pub struct Args {
    /// The organization's id (a uuid).
    organization: Uuid,
    /// The CSV file: a header row, then one person per row.
    #[arg(long, value_name = "FILE")]
    csv: PathBuf,
    /// How many calls to have in flight at once.
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: u16,
    /// Write one line per row (its line in the file, email, outcome, invitation id or problem)
    /// to this file: CSV or JSON, by its extension.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Send no emails: you deliver the invitations yourself.
    #[arg(long)]
    no_email: bool,
    /// One call per row, even when the server offers the bulk invite.
    #[arg(long)]
    single: bool,
}

pub async fn run(ctx: &Ctx, args: Args) -> Result<ExitCode, Failure> {
    let report_format = args.report.as_deref().map(report::Format::of).transpose()?;
    let rows = rows::read(&args.csv, !args.no_email)?;
    let client = ctx.client()?;
    let bulk = !args.single && send::server_has_bulk(ctx, &client).await?;

    let started = Instant::now();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; rows.len()];
    let mut work = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        match &row.invite {
            Ok(invite) => work.push(send::Job {
                index,
                invite: invite.clone(),
            }),
            Err(why) => outcomes[index] = Some(Outcome::Invalid(why.clone())),
        }
    }
    let sent = work.len();
    let progress = progress::Progress::new(sent);
    let jobs = usize::from(args.jobs);
    for (index, outcome) in
        send::all(ctx, &client, args.organization, work, bulk, jobs, &progress).await
    {
        outcomes[index] = Some(outcome);
    }
    progress.finish();
    let elapsed = started.elapsed();
    let outcomes: Vec<Outcome> = outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::Unavailable("the row was not sent".into())))
        .collect();

    let lines = report::lines(&rows, &outcomes);
    if let (Some(path), Some(format)) = (&args.report, report_format) {
        report::write(path, format, &lines)?;
    }
    let counts = Counts::of(&outcomes);
    print(ctx, &counts, &lines)?;
    eprintln!(
        "invite: {} rows in {:.2} s ({:.0} rows/s), {} ({} in flight at most)",
        rows.len(),
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64().max(1e-9),
        if bulk {
            "through the bulk invite, 100 rows a call"
        } else {
            "one call per row"
        },
        jobs
    );
    Ok(counts.exit_code())
}

/// How many rows ended each way.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    rows: usize,
    created: usize,
    already_invited: usize,
    already_member: usize,
    invalid: usize,
    refused: usize,
    unavailable: usize,
}

impl Counts {
    fn of(outcomes: &[Outcome]) -> Self {
        let mut c = Self {
            rows: outcomes.len(),
            ..Self::default()
        };
        for o in outcomes {
            *match o {
                Outcome::Created(_) => &mut c.created,
                Outcome::AlreadyInvited(_) => &mut c.already_invited,
                Outcome::AlreadyMember(_) => &mut c.already_member,
                Outcome::Invalid(_) => &mut c.invalid,
                Outcome::Refused { .. } => &mut c.refused,
                Outcome::Unavailable(_) => &mut c.unavailable,
            } += 1;
        }
        c
    }

    fn exit_code(&self) -> ExitCode {
        if self.unavailable > 0 {
            ExitCode::from(failure::UNAVAILABLE)
        } else if self.invalid + self.refused > 0 {
            ExitCode::from(failure::REFUSED)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// `--json`: the counts and every row as one document. Otherwise a table of the rows that were
/// not invited, and the counts.
fn print(ctx: &Ctx, counts: &Counts, lines: &[report::Line<'_>]) -> Result<(), Failure> {
    if ctx.json() {
        return output::print_json(&serde_json::json!({ "counts": counts, "rows": lines }));
    }
    let not_invited: Vec<&report::Line<'_>> = lines
        .iter()
        .filter(|l| !matches!(l.outcome, "created" | "already-invited"))
        .collect();
    if !not_invited.is_empty() {
        let mut table = output::table(&["ROW", "EMAIL", "OUTCOME", "PROBLEM"]);
        for l in not_invited {
            table.add_row(vec![
                l.row.to_string(),
                l.email.to_owned(),
                l.outcome.to_owned(),
                l.problem.unwrap_or_default().to_owned(),
            ]);
        }
        println!("{table}");
    }
    println!(
        "{} rows: {} created, {} already invited, {} already members, {} invalid, {} refused, {} unavailable",
        counts.rows,
        counts.created,
        counts.already_invited,
        counts.already_member,
        counts.invalid,
        counts.refused,
        counts.unavailable
    );
    Ok(())
}
