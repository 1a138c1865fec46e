//! The edge where errors become HTTP. Every error answer is RFC 9457 `application/problem+json`
//! with the request's id; `domain::Error` is mapped to a status here and nowhere else, and so
//! are actix's own failures (bad path or query, wrong method, unknown path).

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use domain::Error;

use crate::api::header_ref;

tokio::task_local! {
    /// The id of the request being served (set by the request-id middleware).
    pub static REQUEST_ID: String;
}

/// The current request's id, or "-" outside a request.
pub fn request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".to_owned())
}

pub use wire::{FieldProblem, Problem};

/// Where problem types live: a problem's `type` is this base and its class
/// (`https://rollcall.dev/problems/invitation-expired`). Clients branch on `type`.
pub const PROBLEM_BASE: &str = "https://rollcall.dev/problems/";

/// Every class of problem Rollcall answers: its name (the end of its `type`), its status, and
/// what it means. The `Problem` schema's description and the README list the same (a test keeps
/// them equal).
pub const PROBLEM_CLASSES: &[(&str, u16, &str)] = &[
    (
        "malformed-request",
        400,
        "the request cannot be read: JSON that does not parse, a malformed path or query parameter, a forged cursor, a malformed or repeated header",
    ),
    (
        "unauthenticated",
        401,
        "a credential is missing, malformed, expired, not yet valid or forged",
    ),
    (
        "forbidden",
        403,
        "the caller's role or token does not allow this",
    ),
    (
        "email-mismatch",
        403,
        "the invitation was sent to another email address",
    ),
    (
        "email-unverified",
        403,
        "the bearer carries no verified email where one is needed",
    ),
    (
        "not-found",
        404,
        "no such resource, or not one the caller may see",
    ),
    (
        "method-not-allowed",
        405,
        "the path answers other methods (see `Allow`)",
    ),
    (
        "request-timeout",
        408,
        "the request body did not arrive in time",
    ),
    (
        "conflict",
        409,
        "the request conflicts with a change made at the same moment",
    ),
    ("already-member", 409, "the person is a live member already"),
    ("email-taken", 409, "the email belongs to another profile"),
    (
        "last-administrator",
        409,
        "the change would leave the organization without an administrator",
    ),
    (
        "invitation-pending",
        409,
        "an invitation for that email is pending already (`invitationId` names it)",
    ),
    (
        "invitation-not-pending",
        409,
        "the invitation is no longer pending (`invitationId` names it)",
    ),
    ("invitation-expired", 410, "the invitation has expired"),
    ("invitation-revoked", 410, "the invitation was revoked"),
    ("invitation-declined", 410, "the invitation was declined"),
    (
        "invitation-accepted",
        410,
        "the invitation was accepted already",
    ),
    ("payload-too-large", 413, "the body is larger than allowed"),
    (
        "unsupported-media-type",
        415,
        "the body is not `application/json`",
    ),
    (
        "validation",
        422,
        "the body is well-formed JSON with invalid fields, each named in `errors`",
    ),
    (
        "idempotency-key-reused",
        422,
        "the `Idempotency-Key` was used before with another body",
    ),
    (
        "quota-exceeded",
        429,
        "a quota is used up; retry after `Retry-After` seconds",
    ),
    (
        "internal",
        500,
        "an unexpected error; quote `requestId` when reporting it",
    ),
    (
        "unavailable",
        503,
        "the database is unavailable; retry after `Retry-After` seconds",
    ),
];

/// The class a status has when nothing more specific is known (actix's own refusals).
fn class_of(status: StatusCode) -> &'static str {
    PROBLEM_CLASSES
        .iter()
        .find(|(_, s, _)| *s == status.as_u16())
        .map_or("malformed-request", |(class, ..)| class)
}

/// A problem answer: the one error type handlers and extractors return.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    class: &'static str,
    detail: String,
    errors: Vec<FieldProblem>,
    invitation_id: Option<uuid::Uuid>,
    /// Headers the status calls for: `Allow` (405), `Retry-After` (429, 503), `Connection:
    /// close` (408).
    headers: Vec<(header::HeaderName, String)>,
}

impl ApiError {
    /// A problem of the general class of `status`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            class: class_of(status),
            detail: detail.into(),
            errors: Vec::new(),
            invitation_id: None,
            headers: Vec::new(),
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    /// The connection closes after this answer (the rest of the request will not be read).
    #[must_use]
    pub fn closing(mut self) -> Self {
        self.headers.push((header::CONNECTION, "close".into()));
        self
    }
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The invalid fields of a 422.
    pub fn errors(&self) -> &[FieldProblem] {
        &self.errors
    }
    /// The problem body this answer carries, with the current request's id.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("{PROBLEM_BASE}{}", self.class),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: i32::from(self.status.as_u16()),
            detail: self.detail.clone(),
            request_id: request_id(),
            errors: self.errors.clone(),
            invitation_id: self.invitation_id,
        }
    }
    /// The seconds its `Retry-After` says (429, 503), when it has one.
    pub fn retry_after(&self) -> Option<u64> {
        self.headers
            .iter()
            .find(|(name, _)| name == header::RETRY_AFTER)
            .and_then(|(_, value)| value.parse().ok())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let class = e.class();
        let status = PROBLEM_CLASSES
            .iter()
            .find(|(c, ..)| *c == class)
            .and_then(|(_, s, _)| StatusCode::from_u16(*s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let problem = |detail: String| Self {
            class,
            ..Self::new(status, detail)
        };
        match e {
            Error::Invalid(fields) => Self {
                errors: fields
                    .into_iter()
                    .map(|f| FieldProblem {
                        field: f.field,
                        message: f.message,
                    })
                    .collect(),
                ..problem("the request body has invalid fields; see `errors`".into())
            },
            Error::InvitationConflict {
                invitation_id,
                detail,
                ..
            } => Self {
                invitation_id: Some(invitation_id),
                ..problem(detail)
            },
            Error::Internal(msg) => {
                tracing::error!(request_id = %request_id(), error = %msg, "internal error");
                problem(
                    "an unexpected error occurred; quote the requestId when reporting it".into(),
                )
            }
            Error::Unavailable(msg) => {
                tracing::warn!(request_id = %request_id(), error = %msg, "database unavailable");
                Self {
                    headers: vec![(header::RETRY_AFTER, "1".into())],
                    ..problem("the database is unavailable; retry later".into())
                }
            }
            Error::ProviderUnavailable(msg) => {
                tracing::warn!(request_id = %request_id(), error = %msg, "identity provider unavailable");
                Self {
                    headers: vec![(header::RETRY_AFTER, "30".into())],
                    ..problem(msg)
                }
            }
            Error::RateLimited {
                detail,
                retry_after_secs,
            } => Self {
                headers: vec![(header::RETRY_AFTER, retry_after_secs.to_string())],
                ..problem(detail)
            },
            Error::InvitationGone { detail, .. } => problem(detail),
            Error::BadRequest(m)
            | Error::TooLarge(m)
            | Error::KeyReused(m)
            | Error::Unauthenticated(m)
            | Error::Forbidden(m)
            | Error::EmailMismatch(m)
            | Error::EmailUnverified(m)
            | Error::NotFound(m)
            | Error::Conflict(m)
            | Error::AlreadyMember(m)
            | Error::EmailTaken(m)
            | Error::LastAdministrator(m) => problem(m),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = self.problem();
        let mut res = HttpResponse::build(self.status);
        res.content_type("application/problem+json");
        for (name, value) in &self.headers {
            res.insert_header((name.clone(), value.clone()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        res.body(serde_json::to_string(&body).unwrap_or_default())
    }
}

/// An error answer made without a body by something other than Rollcall's own code (a Swagger
/// UI asset that does not exist, actix's own refusals that reach the application) becomes a
/// problem+json answer of the class its status has, keeping its headers. Every other answer
/// passes through untouched.
pub fn as_problem<B: actix_web::body::MessageBody + 'static>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::dev::ServiceResponse<actix_web::body::BoxBody> {
    let status = res.status();
    let bare = (status.is_client_error() || status.is_server_error())
        && !res.headers().contains_key(header::CONTENT_TYPE);
    if !bare {
        return res.map_into_boxed_body();
    }
    let (req, old) = res.into_parts();
    let detail = match status {
        StatusCode::NOT_FOUND => {
            format!("nothing at {}; see /docs/ for every operation", req.path())
        }
        other => other
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_owned(),
    };
    let mut fresh = ApiError::new(status, detail).error_response();
    for (name, value) in old.headers() {
        if !fresh.headers().contains_key(name) {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    actix_web::dev::ServiceResponse::new(req, fresh)
}

/// The answer for a path that exists with other methods: 405 naming them in `Allow`.
pub fn method_not_allowed(allow: &str) -> ApiError {
    ApiError {
        headers: vec![(header::ALLOW, allow.to_owned())],
        ..ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("this path answers only {allow}"),
        )
    }
}

/// The answer for a path that does not exist.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        format!("no operation at {}; see /docs for every path", req.path()),
    ))
}

/// Installed as actix's path-extractor error handler: a malformed or out-of-range path parameter
/// is a 400 (actix alone would answer a bad uuid with a plain-text 404).
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(format!("a path parameter is malformed: {err}")).into()
}

/// Installed as actix's query-extractor error handler: 400.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(format!("a query parameter is malformed: {err}")).into()
}

/// The reusable error responses of the document (`#/components/responses/*`), each an
/// `application/problem+json` body with the `Problem` schema and the `x-request-id` header, and
/// the headers its status calls for.
macro_rules! problem_responses {
    ($($name:ident => $description:literal $(, $header:ident)*);* $(;)?) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl<'s> utoipa::ToResponse<'s> for $name {
                fn response() -> (&'s str, utoipa::openapi::RefOr<utoipa::openapi::response::Response>) {
                    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
                    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
                    let response = ResponseBuilder::new()
                        .description($description)
                        .content("application/problem+json", content)
                        .header_ref("x-request-id", header_ref("RequestId"));
                    $(let response = $header(response);)*
                    (stringify!($name), response.build().into())
                }
            }
        )*
    };
}

type Builder = utoipa::openapi::ResponseBuilder;

/// `Retry-After` (whole seconds): 429 and 503.
fn retry_after(response: Builder) -> Builder {
    response.header_ref("Retry-After", header_ref("RetryAfter"))
}

/// `WWW-Authenticate: Bearer`: 401.
fn www_authenticate(response: Builder) -> Builder {
    response.header_ref("WWW-Authenticate", header_ref("WwwAuthenticate"))
}

/// `Idempotency-Replayed`: the answers an `Idempotency-Key` keeps besides successes (409, 410).
fn replayable(response: Builder) -> Builder {
    response.header_ref("Idempotency-Replayed", header_ref("IdempotencyReplayed"))
}

problem_responses! {
    BadRequest => "The request is malformed: JSON that does not parse, or a malformed or out-of-range path or query parameter.";
    Unauthorized => "A credential is missing, malformed, expired or forged.", www_authenticate;
    Forbidden => "The caller's role or token does not allow this.";
    NotFound => "No such resource, or not one the caller may see.";
    Conflict => "The request conflicts with the current state.", replayable;
    Gone => "The invitation can no longer be used: expired, revoked, declined or accepted by someone else.", replayable;
    PayloadTooLarge => "The body is larger than the operation takes: 64 KiB; for a bulk invite, 1 MiB or more than 100 rows.";
    RequestTimeout => "The request body did not arrive within 10 seconds; the connection is closed.";
    UnsupportedMediaType => "The body is not `application/json`.";
    UnprocessableContent => "The body is well-formed JSON with invalid fields, each named in `errors`.";
    TooManyRequests => "A quota is used up for this hour (invitations per organization, organizations per user); retry after `Retry-After` seconds.", retry_after;
    ServiceUnavailable => "The database is unavailable; retry later.", retry_after;
}

/// Sets of error responses many operations share, so that each handler lists only its own.
macro_rules! response_sets {
    ($($(#[$doc:meta])* $name:ident => [$($code:literal $response:ident),*];)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses() -> std::collections::BTreeMap<
                    String,
                    utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
                > {
                    [$((
                        $code.to_string(),
                        utoipa::openapi::RefOr::Ref(utoipa::openapi::Ref::from_response_name(
                            stringify!($response),
                        )),
                    )),*]
                    .into_iter()
                    .collect()
                }
            }
        )*
    };
}

response_sets! {
    /// What every operation with credentials may answer: a malformed request (400), missing or
    /// bad credentials (401), an unavailable database (503).
    Refusals => [400 BadRequest, 401 Unauthorized, 503 ServiceUnavailable];
    /// `Refusals`, and a role or token that does not allow this (403).
    RefusalsForbidden => [400 BadRequest, 401 Unauthorized, 403 Forbidden, 503 ServiceUnavailable];
    /// `Refusals`, and no such resource or not one the caller may see (404).
    RefusalsNotFound => [400 BadRequest, 401 Unauthorized, 404 NotFound, 503 ServiceUnavailable];
    /// `Refusals`, a role or token that does not allow this (403), and no such resource or not
    /// one the caller may see (404).
    RefusalsForbiddenNotFound => [400 BadRequest, 401 Unauthorized, 403 Forbidden, 404 NotFound, 503 ServiceUnavailable];
    /// What a JSON request body is refused for: too slow to arrive (408), too large (413), not
    /// JSON (415), invalid fields (422).
    BodyRefusals => [408 RequestTimeout, 413 PayloadTooLarge, 415 UnsupportedMediaType, 422 UnprocessableContent];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_class_is_documented_in_the_contract_and_the_readme() {
        let readme = include_str!("../../../README.md");
        for (class, status, meaning) in PROBLEM_CLASSES {
            let row = format!("| `{class}` | {status} | {meaning} |");
            assert!(
                contract::DOCUMENT_YAML.contains(&row),
                "openapi/rollcall.yaml's Problem.type lists no row {row}"
            );
            assert!(
                readme.contains(&row),
                "README.md's problem table lists no row {row}"
            );
        }
    }

    #[test]
    fn every_domain_error_has_a_documented_class_and_its_status() {
        use domain::InvitationStatus as S;
        let errors = [
            Error::BadRequest(String::new()),
            Error::Invalid(Vec::new()),
            Error::TooLarge(String::new()),
            Error::KeyReused(String::new()),
            Error::Unauthenticated(String::new()),
            Error::Forbidden(String::new()),
            Error::EmailMismatch(String::new()),
            Error::EmailUnverified(String::new()),
            Error::NotFound(String::new()),
            Error::Conflict(String::new()),
            Error::AlreadyMember(String::new()),
            Error::EmailTaken(String::new()),
            Error::LastAdministrator(String::new()),
            Error::InvitationConflict {
                invitation_id: uuid::Uuid::nil(),
                pending: true,
                detail: String::new(),
            },
            Error::InvitationConflict {
                invitation_id: uuid::Uuid::nil(),
                pending: false,
                detail: String::new(),
            },
            Error::InvitationGone {
                status: S::Revoked,
                detail: String::new(),
            },
            Error::RateLimited {
                detail: String::new(),
                retry_after_secs: 1,
            },
            Error::Unavailable(String::new()),
            Error::ProviderUnavailable(String::new()),
            Error::Internal(String::new()),
        ];
        for e in errors {
            let class = e.class();
            let (_, status, _) = PROBLEM_CLASSES
                .iter()
                .find(|(c, ..)| *c == class)
                .unwrap_or_else(|| panic!("{class} is not in PROBLEM_CLASSES"));
            let api = ApiError::from(e);
            assert_eq!(api.status().as_u16(), *status, "{class}");
            let res = api.error_response();
            assert_eq!(res.status().as_u16(), *status);
        }
    }
}
