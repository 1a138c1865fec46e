//! The client's own changes to the in-memory document, on top of `contract::for_progenitor`,
//! and the small readers of the document the rest of the build script shares.
//!
//! * The `Client` is described for Rust, not for Swagger UI.
//! * `x-session-token` is optional to the generated builders, so that a client made by
//!   `with_session` (which sends it as a default header) need not repeat it on every call.
//!   The server still requires it; a call without it answers 401.
//! * Every operation answers `4XX` and `5XX` with a `Problem`, besides the statuses it lists,
//!   so that an answer the document does not list (a 404 from a wrong base URL, a 502 from a
//!   proxy) arrives as a typed problem rather than as an unread `UnexpectedResponse`.

use serde_json::{Value, json};

const CLIENT_DESCRIPTION: &str = "\
Organization membership and invitations: who belongs to which organization, with which role, \
permissions and teams, and how people are invited in.

Make it with [`with_bearer`](crate::with_bearer) for the `/organization`, `/invitations` and \
`/me` operations, or with [`with_session`](crate::with_session) for the \
`/users-organizations/v1` family, which also needs a session (`x-session-token`). Every \
operation is a method named by its `operationId` that returns a builder: set its parameters \
and body, then `.send().await`. An error answer is a [`Problem`](crate::types::Problem); `?` \
into an [`ApiError`](crate::ApiError) prints it as `409 Conflict: … (request …)`.";

/// The client's adaptations (see the module's documentation).
pub fn for_client(doc: &mut Value) {
    doc["info"]["description"] = json!(CLIENT_DESCRIPTION);
    for (_, _, op) in operations_mut(doc) {
        optional_session(op);
        problems_for_every_error(op);
    }
}

fn optional_session(op: &mut Value) {
    let Some(parameters) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
        return;
    };
    for p in parameters {
        if p["in"] == "header"
            && p["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("x-session-token"))
        {
            p["required"] = json!(false);
        }
    }
}

fn problems_for_every_error(op: &mut Value) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for range in ["4XX", "5XX"] {
        responses.entry(range).or_insert_with(|| {
            json!({
                "description": "Any other error answer, as a problem",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
            })
        });
    }
}

/// Every operation as (path, method, operation).
pub fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.get("operationId").is_some() {
                out.push((path.as_str(), method.as_str(), op));
            }
        }
    }
    out
}

fn operations_mut(doc: &mut Value) -> Vec<(String, String, &mut Value)> {
    let mut out = Vec::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return out;
    };
    for (path, item) in paths {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if op.get("operationId").is_some() {
                out.push((path.clone(), method.clone(), op));
            }
        }
    }
    out
}

/// The name of the component schema `schema` refers to (`#/components/schemas/<name>`).
pub fn ref_name(schema: &Value) -> Option<&str> {
    schema["$ref"]
        .as_str()?
        .strip_prefix("#/components/schemas/")
}

/// A name with case and separators removed: `organizationId`, `organization_id` and
/// `OrganizationId` all become `organizationid` (how progenitor's names are matched back to
/// the document's).
pub fn flat(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The component schemas that may derive `Eq` and `Hash` besides `PartialEq`: those that hold
/// no floating-point number, however deep.
pub fn hashable_schemas(doc: &Value) -> Vec<String> {
    let schemas = &doc["components"]["schemas"];
    schemas
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, s)| !holds_float(schemas, s, &mut Vec::new()))
        .map(|(name, _)| name.clone())
        .collect()
}

fn holds_float<'a>(schemas: &'a Value, schema: &'a Value, seen: &mut Vec<&'a str>) -> bool {
    if let Some(name) = ref_name(schema) {
        if seen.contains(&name) {
            return false;
        }
        seen.push(name);
        return holds_float(schemas, &schemas[name], seen);
    }
    match schema {
        Value::Object(map) => {
            map.get("type") == Some(&json!("number"))
                || map.iter().any(|(key, value)| {
                    key != "example" && key != "default" && holds_float(schemas, value, seen)
                })
        }
        Value::Array(items) => items.iter().any(|v| holds_float(schemas, v, seen)),
        _ => false,
    }
}
