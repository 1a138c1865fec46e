//! The edge where errors become HTTP. Every error answer is RFC 9457 `application/problem+json`
//! with the request's id; `domain::Error` is mapped to a status here and nowhere else, and so
//! are actix's own failures (bad path or query, wrong method, unknown path).

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    http::{StatusCode, header},
};
use domain::Error;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// An RFC 9457 problem: what went wrong, for people and for programs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` means the status says it all.
    #[serde(rename = "type")]
    pub type_: String,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    pub status: i32,
    /// What went wrong in this request, and how to fix it.
    pub detail: String,
    /// The id of the request, also sent as the `x-request-id` header; quote it in reports.
    pub request_id: String,
    /// The invalid fields of a 422 answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// The invitation a 409 is about, when there is one (an email with a pending invitation
    /// already), so that a client can resend or revoke it. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub invitation_id: Option<uuid::Uuid>,
}

/// One invalid field of a request body.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// The field's path in the body, dotted (`permissions.read.3`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// A problem answer: the one error type handlers and extractors return.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    errors: Vec<FieldProblem>,
    /// Headers the status calls for: `Allow` (405), `Retry-After` (429, 503).
    headers: Vec<(header::HeaderName, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    pub fn status(&self) -> StatusCode {
        self.status
    }
    /// The invalid fields of a 422.
    pub fn errors(&self) -> &[FieldProblem] {
        &self.errors
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Gone(_) => StatusCode::GONE,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        match e {
            Error::Invalid(fields) => Self {
                status,
                detail: "the request body has invalid fields; see `errors`".into(),
                errors: fields
                    .into_iter()
                    .map(|f| FieldProblem {
                        field: f.field,
                        message: f.message,
                    })
                    .collect(),
                headers: Vec::new(),
            },
            Error::Internal(msg) => {
                tracing::error!(request_id = %request_id(), error = %msg, "internal error");
                Self::new(
                    status,
                    "an unexpected error occurred; quote the requestId when reporting it",
                )
            }
            Error::Unavailable(msg) => {
                tracing::warn!(request_id = %request_id(), error = %msg, "database unavailable");
                Self {
                    headers: vec![(header::RETRY_AFTER, "1".into())],
                    ..Self::new(status, "the database is unavailable; retry later")
                }
            }
            Error::RateLimited {
                detail,
                retry_after_secs,
            } => Self {
                headers: vec![(header::RETRY_AFTER, retry_after_secs.to_string())],
                ..Self::new(status, detail)
            },
            Error::BadRequest(m)
            | Error::Unauthenticated(m)
            | Error::Forbidden(m)
            | Error::NotFound(m)
            | Error::Conflict(m)
            | Error::Gone(m) => Self::new(status, m),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = Problem {
            type_: "about:blank".into(),
            title: self.status.canonical_reason().unwrap_or("Error").into(),
            status: i32::from(self.status.as_u16()),
            detail: self.detail.clone(),
            request_id: request_id(),
            errors: self.errors.clone(),
            invitation_id: None,
        };
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

/// The answer for a path that exists with other methods: 405 naming them in `Allow`.
pub fn method_not_allowed(allow: &'static str) -> ApiError {
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
    PayloadTooLarge => "The body is larger than 64 KiB.";
    UnsupportedMediaType => "The body is not `application/json`.";
    UnprocessableContent => "The body is well-formed JSON with invalid fields, each named in `errors`.";
    TooManyRequests => "The organization has created as many invitations as it may this hour; retry after `Retry-After` seconds.", retry_after;
    ServiceUnavailable => "The database is unavailable; retry later.", retry_after;
}
