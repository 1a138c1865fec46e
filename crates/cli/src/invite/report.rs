//! The per-row report of `rollcallctl invite`: one line per row of the file, in its order — the
//! row's line in the file, its email, its outcome, and its invitation id or the problem. As CSV
//! (`--report out.csv`) or JSON (`--report out.json`: an array, one object per line; also what
//! `--json` prints, with the counts).

use std::{io::Write, path::Path};

use serde::Serialize;
use uuid::Uuid;

use super::{outcome::Outcome, rows::Row};
use crate::failure::Failure;

/// A report's format, from its file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// The format `path` asks for by its extension; a usage error for another.
    pub fn of(path: &Path) -> Result<Self, Failure> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Ok(Self::Csv),
            Some("json") => Ok(Self::Json),
            _ => Err(Failure::usage(format!(
                "--report {}: name a .csv or a .json file",
                path.display()
            ))),
        }
    }
}

/// One row of the report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Line<'a> {
    /// The row's line in the file (the header is line 1).
    pub row: u64,
    pub email: &'a str,
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<&'a str>,
}

/// The report's lines, in the file's order.
pub fn lines<'a>(rows: &'a [Row], outcomes: &'a [Outcome]) -> Vec<Line<'a>> {
    rows.iter()
        .zip(outcomes)
        .map(|(row, outcome)| Line {
            row: row.line,
            email: &row.email,
            outcome: outcome.name(),
            invitation_id: outcome.invitation_id(),
            status: match outcome {
                Outcome::Refused { status, .. } => Some(*status),
                _ => None,
            },
            problem: outcome.problem(),
        })
        .collect()
}

/// Writes the report to `path`.
pub fn write(path: &Path, format: Format, lines: &[Line<'_>]) -> Result<(), Failure> {
    let failed = |e: String| Failure::usage(format!("cannot write {}: {e}", path.display()));
    match format {
        Format::Csv => {
            let mut out = csv::Writer::from_path(path).map_err(|e| failed(e.to_string()))?;
            out.write_record(["row", "email", "outcome", "invitation_id", "problem"])
                .map_err(|e| failed(e.to_string()))?;
            for line in lines {
                out.write_record([
                    line.row.to_string(),
                    line.email.to_owned(),
                    line.outcome.to_owned(),
                    line.invitation_id
                        .map(|i| i.to_string())
                        .unwrap_or_default(),
                    line.problem.unwrap_or_default().to_owned(),
                ])
                .map_err(|e| failed(e.to_string()))?;
            }
            out.flush().map_err(|e| failed(e.to_string()))
        }
        Format::Json => {
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(path).map_err(|e| failed(e.to_string()))?,
            );
            out.write_all(json_lines(lines).as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| failed(e.to_string()))
        }
    }
}

/// A JSON array with one object per line.
pub fn json_lines(lines: &[Line<'_>]) -> String {
    let objects: Vec<String> = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap_or_default())
        .collect();
    if objects.is_empty() {
        return "[]\n".into();
    }
    format!("[\n{}\n]\n", objects.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_format_is_its_extension() {
        assert_eq!(Format::of(Path::new("out.CSV")).unwrap(), Format::Csv);
        assert_eq!(Format::of(Path::new("a/out.json")).unwrap(), Format::Json);
        assert!(Format::of(Path::new("out.txt")).is_err());
    }

    #[test]
    fn a_json_report_is_one_array_with_one_row_per_line() {
        let id = Uuid::nil();
        let lines = [
            Line {
                row: 2,
                email: "a@example.com",
                outcome: "created",
                invitation_id: Some(id),
                status: None,
                problem: None,
            },
            Line {
                row: 3,
                email: "b",
                outcome: "invalid",
                invitation_id: None,
                status: None,
                problem: Some("\"b\" is not an email address"),
            },
        ];
        let text = json_lines(&lines);
        assert_eq!(text.lines().count(), 4);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed[1]["outcome"], "invalid");
        assert_eq!(parsed[0]["invitationId"], id.to_string());
    }
}
