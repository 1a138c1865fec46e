//! Errors as a Rust program meets them. progenitor's [`Error`] holds everything but prints a
//! debug dump; [`ApiError`] is what `?` turns it into, and prints the server's problem in one
//! line. [`ProblemExt`] reads the [`Problem`] out of either, to branch on its `type`.

use std::fmt;

use crate::{Error, ResponseValue, StatusCode, types::Problem};

/// A failed call, or a client that could not be made. `?` converts the generated methods'
/// [`Error`] into it.
///
/// It prints in one line: `409 Conflict: <detail> (request <id>)` for an answer of the
/// server, which is always an RFC 9457 problem; what failed and how to fix it otherwise.
/// `{:?}` prints the same line and its causes (so `main` returning it reads well); `{:#?}`
/// prints the structure.
#[non_exhaustive]
pub enum ApiError {
    /// The server answered with an error status and a problem saying why. Its headers are
    /// there too (`Retry-After` on 429 and 503). (Boxed, as is `Call`'s error, so that a
    /// `Result` with an `ApiError` stays small.)
    Problem(Box<ResponseValue<Problem>>),
    /// The client was given a base URL or a credential it cannot use.
    Setup(String),
    /// Anything else: a required parameter was not set, the server could not be reached, or
    /// its answer was not what the document promises.
    Call(Box<Error<Problem>>),
}

impl ApiError {
    /// The HTTP status of the server's answer, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Problem(rv) => Some(rv.status()),
            Self::Setup(_) => None,
            Self::Call(e) => e.status(),
        }
    }

    /// Whether the same call may succeed if tried again (a connection failure, 408, 429,
    /// 502, 503, 504).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Problem(rv) => matches!(rv.status().as_u16(), 408 | 429 | 502..=504),
            Self::Setup(_) => false,
            Self::Call(e) => e.is_retryable(),
        }
    }
}

impl From<Error<Problem>> for ApiError {
    fn from(e: Error<Problem>) -> Self {
        match e {
            Error::ErrorResponse(rv) => Self::Problem(Box::new(rv)),
            other => Self::Call(Box::new(other)),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Problem(rv) => rv.as_ref().as_ref().fmt(f),
            Self::Setup(message) => f.write_str(message),
            Self::Call(e) => call(e, f),
        }
    }
}

/// What failed before or around the server's answer, and what to do about it.
fn call(e: &Error<Problem>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match e {
        Error::InvalidRequest(message) if message.ends_with("was not initialized") => write!(
            f,
            "the request was not sent: {message} (set it on the builder before `send()`)"
        ),
        Error::InvalidRequest(message) => write!(
            f,
            "the request was not sent: {message} (fix that value on the builder)"
        ),
        Error::CommunicationError(e) if e.is_timeout() => {
            write!(f, "the server did not answer in time: {e}")
        }
        Error::CommunicationError(e) if e.is_connect() => {
            write!(f, "the server could not be reached: {e}")
        }
        Error::CommunicationError(e) => write!(f, "the call failed on the way: {e}"),
        Error::InvalidResponsePayload(body, e) => {
            let body = String::from_utf8_lossy(&body[..body.len().min(200)]);
            write!(
                f,
                "the answer does not match the document ({e}); it began: {body}"
            )
        }
        Error::UnexpectedResponse(response) => write!(
            f,
            "an answer the document does not list: {} from {}",
            response.status(),
            response.url()
        ),
        other => write!(f, "{other}"),
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return match self {
                Self::Problem(rv) => f
                    .debug_struct("Problem")
                    .field("status", &rv.status())
                    .field("headers", rv.headers())
                    .field("problem", rv.as_ref().as_ref())
                    .finish(),
                Self::Setup(message) => f.debug_tuple("Setup").field(message).finish(),
                Self::Call(e) => f.debug_tuple("Call").field(e).finish(),
            };
        }
        write!(f, "{self}")?;
        // The line above already printed the error progenitor's error holds; its causes
        // (a refused connection, a timeout) follow.
        let mut cause = match self {
            Self::Call(e) => {
                std::error::Error::source(e.as_ref()).and_then(std::error::Error::source)
            }
            _ => None,
        };
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Call(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

/// `409 Conflict: <detail> (request <id>)`: the status, its phrase, what went wrong and the
/// request's id to quote in a report.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {} (request {})",
            self.status, self.title, self.detail, self.request_id
        )?;
        for field in &self.errors {
            write!(f, "; {}: {}", field.field, field.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

/// The [`Problem`] the server answered, read from a failed call's error.
pub trait ProblemExt {
    /// The problem, when the server answered one (every error status does).
    fn problem(&self) -> Option<&Problem>;

    /// The problem's `type`: a URI naming the kind of problem, to branch on (`about:blank`
    /// means the status says it all).
    fn problem_type(&self) -> Option<&str> {
        self.problem().map(|p| p.type_.as_str())
    }
}

impl ProblemExt for Error<Problem> {
    fn problem(&self) -> Option<&Problem> {
        match self {
            Error::ErrorResponse(rv) => Some(rv.as_ref()),
            _ => None,
        }
    }
}

impl ProblemExt for ApiError {
    fn problem(&self) -> Option<&Problem> {
        match self {
            Self::Problem(rv) => Some(rv.as_ref().as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_error_goes_where_anyhow_and_box_dyn_error_go() {
        fn send_sync_static<T: std::error::Error + Send + Sync + 'static>() {}
        send_sync_static::<ApiError>();
        let boxed: Box<dyn std::error::Error + Send + Sync> =
            ApiError::Setup("the bearer token is empty".into()).into();
        assert_eq!(boxed.to_string(), "the bearer token is empty");
    }

    #[test]
    fn a_problem_prints_its_status_detail_request_and_invalid_fields() {
        let problem: Problem = serde_json::from_value(serde_json::json!({
            "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
            "detail": "the body has invalid fields", "requestId": "r-1",
            "errors": [{"field": "email", "message": "is not an email"}]
        }))
        .unwrap();
        assert_eq!(
            problem.to_string(),
            "422 Unprocessable Entity: the body has invalid fields (request r-1); email: is not an email"
        );
    }
}
