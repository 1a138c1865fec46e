//! Why a command failed, sorted by what its exit code tells a script: 2 the command itself was
//! wrong, 3 the server refused it (4xx), 4 the server was unavailable (5xx, or no answer).

use std::{fmt, process::ExitCode};

use rollcall_client::{ApiError, Error};

/// Exit code of a usage error (clap's own, too).
pub const USAGE: u8 = 2;
/// Exit code when the server refused (a 4xx answer, or a CSV row not invited).
pub const REFUSED: u8 = 3;
/// Exit code when the server was unavailable (a 5xx answer, or no answer).
pub const UNAVAILABLE: u8 = 4;

/// A failed command, with the one line to print about it.
#[derive(Debug)]
pub enum Failure {
    /// The command cannot be sent as given: a missing token, a value the document refuses, an
    /// unreadable file.
    Usage(String),
    /// The server refused it: the problem's status, title and detail.
    Refused(String),
    /// The server failed or could not be reached.
    Unavailable(String),
}

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Usage(_) => USAGE,
            Self::Refused(_) => REFUSED,
            Self::Unavailable(_) => UNAVAILABLE,
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) | Self::Refused(m) | Self::Unavailable(m) => f.write_str(m),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        // `ApiError` prints a problem as `404 Not Found: <detail> (request <id>)`, with its
        // invalid fields, and anything else as what failed and how to fix it.
        let message = e.to_string();
        match e.status() {
            Some(status) if status.is_client_error() => Self::Refused(message),
            Some(_) => Self::Unavailable(message),
            None => match e {
                ApiError::Setup(_) => Self::Usage(message),
                // A value the document refuses, caught by the generated client before sending.
                ApiError::Call(call) => match *call {
                    Error::InvalidRequest(what) => {
                        Self::Usage(format!("not sent: {}", what.replace("supplied value ", "")))
                    }
                    _ => Self::Unavailable(message),
                },
                _ => Self::Unavailable(message),
            },
        }
    }
}
