//! What the document declares that utoipa's attributes cannot say, added to `ApiDoc` by
//! modifiers so that `cargo xtask drift` still compares it with `openapi/rollcall.yaml`:
//! * the response headers sent by middleware rather than by handlers (`x-request-id` on every
//!   answer, `Idempotency-Replayed` on the answers of operations that take an
//!   `Idempotency-Key`) and the reusable header definitions (`#/components/headers`), with
//!   `required`, which utoipa's `Header` has no field for;
//! * `x-enum-varnames` on the integer `Scope`, the names other languages' generated clients
//!   give its values (utoipa has no extensions on a `repr` enum).

use utoipa::{
    Modify,
    openapi::{
        ObjectBuilder, OpenApi, Ref, RefOr, Type, extensions::Extensions, header::Header,
        path::Operation, response::Response, schema::Schema,
    },
};

use wire::Scope;

/// A reference to `#/components/headers/{name}`.
pub(crate) fn header_ref(name: &str) -> Ref {
    Ref::new(format!("#/components/headers/{name}"))
}

/// A header that every answer it is declared on carries.
fn required(mut header: Header) -> Header {
    let mut extensions = Extensions::default();
    extensions.insert("required".into(), true.into());
    header.extensions = Some(extensions);
    header
}

fn header(description: &str, schema: ObjectBuilder) -> Header {
    let mut header = Header::new(schema);
    header.description = Some(description.into());
    header
}

/// `#/components/headers`, and the headers middleware adds to every operation's answers.
pub(crate) struct ResponseHeaders;

impl Modify for ResponseHeaders {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let string = || ObjectBuilder::new().schema_type(Type::String);
        for (name, definition) in [
            (
                "RequestId",
                required(header(
                    "The id of this request (the caller's own when it sent a short one).",
                    string()
                        .min_length(Some(1))
                        .max_length(Some(128))
                        .pattern(Some("^[!-~]+$")),
                )),
            ),
            (
                "IdempotencyReplayed",
                header(
                    "`true` when this answer is the kept answer of an earlier request with the same `Idempotency-Key`.",
                    string().enum_values(Some(["true"])),
                ),
            ),
            (
                "RetryAfter",
                required(header(
                    "Whole seconds to wait before retrying.",
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                )),
            ),
            (
                "WwwAuthenticate",
                required(header(
                    "The scheme to authenticate with, always `Bearer`.",
                    string().enum_values(Some(["Bearer"])),
                )),
            ),
        ] {
            components.headers.insert(name.into(), definition.into());
        }
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                declare_middleware_headers(op);
            }
        }
    }
}

/// `x-request-id` on each of the operation's own answers (the shared problem answers declare
/// it themselves), and `Idempotency-Replayed` on its successes when it takes the key.
fn declare_middleware_headers(op: &mut Operation) {
    let takes_key = op.parameters.iter().flatten().any(|p| match p {
        RefOr::T(p) => p.name.eq_ignore_ascii_case(crate::extract::IDEMPOTENCY_KEY),
        RefOr::Ref(_) => false,
    });
    for (status, response) in &mut op.responses.responses {
        let RefOr::T(response) = response else {
            continue;
        };
        add(response, "x-request-id", "RequestId");
        if takes_key && status.starts_with('2') {
            add(response, "Idempotency-Replayed", "IdempotencyReplayed");
        }
    }
}

fn add(response: &mut Response, name: &str, component: &str) {
    response
        .headers
        .insert(name.into(), RefOr::Ref(header_ref(component)));
}

/// `x-enum-varnames` on `Scope`: its Rust variants' names, in the order of its values.
pub(crate) struct ScopeNames;

impl Modify for ScopeNames {
    fn modify(&self, openapi: &mut OpenApi) {
        let named = [
            ("Administrator", Scope::Administrator),
            ("Standard", Scope::Standard),
        ];
        let Some(RefOr::T(Schema::Object(scope))) = openapi
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut("Scope"))
        else {
            return;
        };
        let names: Vec<&str> = scope
            .enum_values
            .iter()
            .flatten()
            .filter_map(|value| {
                named
                    .iter()
                    .find(|(_, v)| serde_json::to_value(v).ok().as_ref() == Some(value))
                    .map(|(name, _)| *name)
            })
            .collect();
        scope
            .extensions
            .get_or_insert_with(Extensions::default)
            .insert("x-enum-varnames".into(), serde_json::json!(names));
    }
}
