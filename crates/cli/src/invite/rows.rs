//! The CSV file of `rollcallctl invite`: a header row naming the columns (`email`, `role`, and
//! optionally `teams` and `locale`, in any order), then one person per row. Every row is checked
//! here, before any call, against what the document says an invite takes (the generated types'
//! own checks), so a bad row is reported and the others go on. `teams` holds
//! `teamId:role;teamId:role`.

use std::path::Path;

use rollcall_client::types;

use crate::{commands, failure::Failure};

/// One row of the file.
#[derive(Debug)]
pub struct Row {
    /// Where the row starts in the file (the header is line 1).
    pub line: u64,
    /// The email as written (for the report, even when it is not an email).
    pub email: String,
    /// The invite to send, or why the row is not one.
    pub invite: Result<types::InviteRequest, String>,
}

/// Where each column is.
struct Columns {
    email: usize,
    role: usize,
    teams: Option<usize>,
    locale: Option<usize>,
    width: usize,
}

const COLUMNS: &str = "email, role, and optionally teams and locale";

/// Every row of the CSV file at `path`. Answers a usage error when the file cannot be read or
/// its header row does not name the columns; a bad row is a row with its reason.
pub fn read(path: &Path, send_email: bool) -> Result<Vec<Row>, Failure> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let header = reader.headers().map_err(|e| {
        Failure::usage(format!(
            "cannot read the header row of {}: {e}",
            path.display()
        ))
    })?;
    let columns = Columns::of(header)?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let fallback_line = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(2);
        rows.push(match record {
            Ok(record) => {
                let line = record.position().map_or(fallback_line, |p| p.line());
                columns.row(line, &record, send_email)
            }
            Err(e) => Row {
                line: e.position().map_or(fallback_line, |p| p.line()),
                email: String::new(),
                invite: Err(format!("not a readable CSV row: {e}")),
            },
        });
    }
    Ok(rows)
}

impl Columns {
    fn of(header: &csv::StringRecord) -> Result<Self, Failure> {
        let (mut email, mut role, mut teams, mut locale) = (None, None, None, None);
        for (i, name) in header.iter().enumerate() {
            let slot = match name.trim().to_ascii_lowercase().as_str() {
                "email" => &mut email,
                "role" => &mut role,
                "teams" => &mut teams,
                "locale" => &mut locale,
                other => {
                    return Err(Failure::usage(format!(
                        "the header row names a column {other:?}; the columns are {COLUMNS}"
                    )));
                }
            };
            if slot.replace(i).is_some() {
                return Err(Failure::usage(format!(
                    "the header row names the column {name:?} twice"
                )));
            }
        }
        let missing = |what: &str| {
            Failure::usage(format!(
                "the header row has no {what} column; the first row of the file names the columns: {COLUMNS}"
            ))
        };
        Ok(Self {
            email: email.ok_or_else(|| missing("email"))?,
            role: role.ok_or_else(|| missing("role"))?,
            teams,
            locale,
            width: header.len(),
        })
    }

    fn row(&self, line: u64, record: &csv::StringRecord, send_email: bool) -> Row {
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or_default();
        let email = field(Some(self.email));
        let invite = if record.len() > self.width {
            Err(format!(
                "{} fields where the header names {}",
                record.len(),
                self.width
            ))
        } else {
            invite(
                email,
                field(Some(self.role)),
                field(self.teams),
                field(self.locale),
                send_email,
            )
        };
        Row {
            line,
            email: email.to_owned(),
            invite,
        }
    }
}

/// The invite one row asks for, or every reason it is not one.
fn invite(
    email: &str,
    role: &str,
    teams: &str,
    locale: &str,
    send_email: bool,
) -> Result<types::InviteRequest, String> {
    let mut problems = Vec::new();
    let email = keep(
        &mut problems,
        if email.is_empty() {
            Err("the email is missing".into())
        } else {
            types::InviteRequestEmail::try_from(email)
                .map_err(|_| format!("{email:?} is not an email address (at most 250 characters)"))
        },
    );
    let role = keep(
        &mut problems,
        if role.is_empty() {
            Err("the role is missing".into())
        } else {
            commands::role(role)
        },
    );
    let teams = keep(&mut problems, team_assignments(teams));
    let locale = keep(
        &mut problems,
        if locale.is_empty() {
            Ok(None)
        } else {
            types::InviteRequestLocale::try_from(locale)
                .map(Some)
                .map_err(|_| {
                    format!("locale {locale:?} is not a BCP 47 language tag (en, fr, pt-BR)")
                })
        },
    );
    match (email, role, teams, locale) {
        (Some(email), Some(role), Some(team_assignments), Some(locale)) => {
            Ok(types::InviteRequest {
                email,
                role,
                team_assignments,
                locale,
                send_email: (!send_email).then_some(false),
                expires_in_seconds: None,
                permissions: None,
            })
        }
        _ => Err(problems.join("; ")),
    }
}

/// The value, or `None` with its reason added to `problems`.
fn keep<T>(problems: &mut Vec<String>, parsed: Result<T, String>) -> Option<T> {
    parsed.map_err(|e| problems.push(e)).ok()
}

/// `teamId:role;teamId:role` (empty: none).
fn team_assignments(teams: &str) -> Result<Option<Vec<types::TeamAssignment>>, String> {
    let assignments: Vec<_> = teams
        .split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(commands::team_assignment)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("teams: {e}; write them as teamId:role;teamId:role"))?;
    match assignments.len() {
        0 => Ok(None),
        1..=100 => Ok(Some(assignments)),
        n => Err(format!("{n} teams; an invitation names at most 100")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failure::Kind;

    const TEAM: &str = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

    fn file(text: &str) -> tempfile_free::Path {
        tempfile_free::Path::with(text)
    }

    /// A file in the temporary directory, removed when dropped (no crate needed for so little).
    mod tempfile_free {
        pub struct Path(pub std::path::PathBuf);
        impl Path {
            pub fn with(text: &str) -> Self {
                let path =
                    std::env::temp_dir().join(format!("rollcallctl-{}.csv", uuid::Uuid::new_v4()));
                std::fs::write(&path, text).unwrap();
                Self(path)
            }
        }
        impl Drop for Path {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    #[test]
    fn rows_are_read_by_their_header_in_any_order_with_their_lines() {
        let f = file(&format!(
            "Role,Email,Locale,Teams\nmember,jane@example.com,fr,{TEAM}:developer\nmanager, joe@example.com ,,\n"
        ));
        let rows = read(&f.0, true).unwrap();
        assert_eq!(rows.len(), 2);
        let jane = rows[0].invite.as_ref().unwrap();
        assert_eq!((rows[0].line, jane.email.as_str()), (2, "jane@example.com"));
        assert_eq!(jane.role, types::Role::Member);
        assert_eq!(jane.locale.as_deref().map(|l| l.as_str()), Some("fr"));
        let team = &jane.team_assignments.as_ref().unwrap()[0];
        assert_eq!(team.role, types::TeamRole::Developer);
        let joe = rows[1].invite.as_ref().unwrap();
        assert_eq!((rows[1].line, joe.email.as_str()), (3, "joe@example.com"));
        assert_eq!((joe.team_assignments.clone(), joe.send_email), (None, None));
    }

    #[test]
    fn a_bad_row_says_every_reason_and_the_others_are_read() {
        let f = file(
            "email,role,teams,locale\nnot-an-email,owner,x:y,??\n,,,\nok@example.com,member\na@example.com,member,,,extra\n",
        );
        let rows = read(&f.0, true).unwrap();
        let reasons: Vec<String> = rows
            .iter()
            .map(|r| r.invite.as_ref().err().cloned().unwrap_or_default())
            .collect();
        assert!(reasons[0].contains("not an email"), "{}", reasons[0]);
        assert!(reasons[0].contains("not a role"), "{}", reasons[0]);
        assert!(reasons[0].contains("teams"), "{}", reasons[0]);
        assert!(reasons[0].contains("locale"), "{}", reasons[0]);
        assert!(reasons[1].contains("email is missing"), "{}", reasons[1]);
        assert!(
            reasons[2].is_empty(),
            "a short row lacks only optional columns"
        );
        assert!(reasons[3].contains("5 fields"), "{}", reasons[3]);
    }

    #[test]
    fn a_header_without_email_and_role_or_with_an_unknown_column_is_a_usage_error() {
        for header in ["email\n", "role,email,name\n", "email,role,email\n"] {
            let f = file(header);
            let e = read(&f.0, true).unwrap_err();
            assert_eq!(e.kind, Kind::Usage, "{header}: {e}");
        }
        let missing = read(Path::new("/nonexistent/rows.csv"), true).unwrap_err();
        assert_eq!(missing.kind, Kind::Usage);
    }

    #[test]
    fn no_email_asks_for_none() {
        let f = file("email,role\njane@example.com,member\n");
        let rows = read(&f.0, false).unwrap();
        assert_eq!(rows[0].invite.as_ref().unwrap().send_email, Some(false));
    }
}
