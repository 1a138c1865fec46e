//! Why a command failed, sorted by what its exit code tells a script: 2 the command itself was
//! wrong, 3 the server refused it (4xx), 4 the server was unavailable (5xx, or no answer). A
//! failure the server explained keeps its problem, which `--json` prints for scripts.

use std::{fmt, process::ExitCode};

use rollcall_client::{ApiError, Error, ProblemExt};
use serde_json::Value;

/// Exit code of a usage error (clap's own, too).
pub const USAGE: u8 = 2;
/// Exit code when the server refused (a 4xx answer, or a CSV row not invited).
pub const REFUSED: u8 = 3;
/// Exit code when the server was unavailable (a 5xx answer, or no answer).
pub const UNAVAILABLE: u8 = 4;

/// What kind of failure, by its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The command cannot be sent as given: a missing token, a value the document refuses, an
    /// unreadable file.
    Usage,
    /// The server refused it (4xx).
    Refused,
    /// The server failed or could not be reached.
    Unavailable,
}

/// A failed command: its kind, the one line to print about it, and the server's problem when
/// it answered one.
#[derive(Debug)]
pub struct Failure {
    pub kind: Kind,
    message: String,
    problem: Option<Value>,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(Kind::Unavailable, message)
    }

    fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            problem: None,
        }
    }

    /// The problem the server answered (RFC 9457), as JSON.
    pub fn problem(&self) -> Option<&Value> {
        self.problem.as_ref()
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self.kind {
            Kind::Usage => USAGE,
            Kind::Refused => REFUSED,
            Kind::Unavailable => UNAVAILABLE,
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        // `ApiError` prints a problem as `404 Not Found: <detail> (request <id>)`, with its
        // invalid fields, and anything else as what failed and how to fix it.
        let message = e.to_string();
        let problem = e.problem().and_then(|p| serde_json::to_value(p).ok());
        let kind = match e.status() {
            Some(status) if status.is_client_error() => Kind::Refused,
            Some(_) => Kind::Unavailable,
            None => match e {
                ApiError::Setup(_) => Kind::Usage,
                // A value the document refuses, caught by the generated client before sending.
                ApiError::Call(call) => match *call {
                    Error::InvalidRequest(what) => {
                        let what = what.replace("supplied value ", "");
                        return Self::usage(format!("not sent: {what}"));
                    }
                    _ => Kind::Unavailable,
                },
                _ => Kind::Unavailable,
            },
        };
        Self {
            kind,
            message,
            problem,
        }
    }
}
