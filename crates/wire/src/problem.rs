//! The RFC 9457 problem body every error answer carries, and that a bulk operation's refused
//! row carries too. Which problem a `domain::Error` becomes is decided in `server/src/problem.rs`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An RFC 9457 problem: what went wrong, for people and for programs.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI naming the class of problem (`https://rollcall.dev/problems/<class>`); branch on
    /// it, not on `detail`.
    #[serde(rename = "type")]
    #[schema(format = "uri")]
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
    /// The invitation a 409 is about (a pending one for the same email, or the one a replayed
    /// request made), so that a client can resend, revoke or look at it.
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
