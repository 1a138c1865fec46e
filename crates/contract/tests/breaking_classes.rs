//! `cargo xtask openapi breaking` judges each class of difference the way a client feels it.
//! Each test starts from a small 3.0.3 document, changes one thing, and checks that
//! `contract::changes` reports it at the right place as breaking, or as compatible.

use contract::{Change, changes};
use serde_json::{Value, json};

const THING: &str = "/things/{thingId}";

fn base() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1.0.0"},
        "paths": {
            THING: {
                "post": {
                    "operationId": "thing_update",
                    "security": [{"bearerAuth": []}],
                    "parameters": [
                        {"name": "thingId", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}}
                    ],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingRequest"}}}},
                    "responses": {
                        "200": {
                            "description": "the thing",
                            "headers": {"x-request-id": {"required": true, "schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                        },
                        "404": {"description": "none", "content": {"application/problem+json": {"schema": {"type": "object"}}}}
                    }
                }
            },
            "/health": {"get": {"operationId": "health_view", "security": [], "responses": {"200": {"description": "up"}}}}
        },
        "components": {"schemas": {
            "ThingRequest": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "maxLength": 250, "pattern": "^[a-z]+$"},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "size": {"type": "integer", "minimum": 0, "maximum": 10}
            }},
            "Thing": {"type": "object", "required": ["id", "name", "kind"], "properties": {
                "id": {"type": "integer", "maximum": 100},
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "owner": {"oneOf": [{"$ref": "#/components/schemas/Owner"}, {"enum": [null]}]}
            }},
            "Owner": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}
        }}
    })
}

/// The base with `edit` applied, compared with the base.
fn after(edit: impl FnOnce(&mut Value)) -> Vec<Change> {
    let mut head = base();
    edit(&mut head);
    changes(&base(), &head)
}

fn schema<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
    &mut doc["components"]["schemas"][name]
}

fn op(doc: &mut Value) -> &mut Value {
    &mut doc["paths"][THING]["post"]
}

/// The one change reported, which must be at `at` (a prefix) and be `breaking`.
#[track_caller]
fn only(found: Vec<Change>, at: &str, breaking: bool) {
    assert_eq!(found.len(), 1, "one change expected: {found:#?}");
    assert!(found[0].at.starts_with(at), "at {at}: {found:#?}");
    assert_eq!(found[0].breaking, breaking, "{}", found[0]);
}

#[test]
fn the_same_document_has_no_change_and_documentation_edits_are_none() {
    assert_eq!(changes(&base(), &base()), vec![]);
    let found = after(|d| {
        op(d)["description"] = json!("rewritten");
        schema(d, "Thing")["properties"]["name"]["example"] = json!("x");
    });
    assert_eq!(found, vec![]);
}

#[test]
fn a_removed_operation_breaks_and_a_new_one_does_not() {
    only(
        after(|d| {
            d["paths"].as_object_mut().unwrap().remove("/health");
        }),
        "GET /health",
        true,
    );
    only(
        after(
            |d| d["paths"]["/new"] = json!({"get": {"operationId": "new_view", "responses": {"200": {"description": "x"}}}}),
        ),
        "GET /new",
        false,
    );
}

#[test]
fn a_renamed_operation_id_breaks() {
    only(
        after(|d| op(d)["operationId"] = json!("thing_change")),
        "POST /things/{thingId}",
        true,
    );
}

#[test]
fn a_removed_field_breaks_in_answers_and_in_requests() {
    only(
        after(|d| {
            schema(d, "Thing")["properties"]
                .as_object_mut()
                .unwrap()
                .remove("owner");
        }),
        "response schema Thing.owner",
        true,
    );
    only(
        after(|d| {
            schema(d, "ThingRequest")["properties"]
                .as_object_mut()
                .unwrap()
                .remove("size");
        }),
        "request schema ThingRequest.size",
        true,
    );
}

#[test]
fn a_new_required_input_breaks_and_a_new_optional_one_does_not() {
    only(
        after(|d| {
            schema(d, "ThingRequest")["properties"]["color"] = json!({"type": "string"});
            schema(d, "ThingRequest")["required"] = json!(["name", "color"]);
        }),
        "request schema ThingRequest.color",
        true,
    );
    only(
        after(|d| schema(d, "ThingRequest")["properties"]["color"] = json!({"type": "string"})),
        "request schema ThingRequest.color",
        false,
    );
    only(
        after(|d| schema(d, "ThingRequest")["required"] = json!(["name", "kind"])),
        "request schema ThingRequest.kind",
        true,
    );
    only(
        after(|d| {
            op(d)["parameters"].as_array_mut().unwrap().push(json!({"name": "x-tenant", "in": "header", "required": true, "schema": {"type": "string"}}))
        }),
        "POST /things/{thingId} parameter header:x-tenant",
        true,
    );
    only(
        after(|d| op(d)["parameters"][1]["required"] = json!(true)),
        "POST /things/{thingId} parameter query:limit",
        true,
    );
    only(
        after(|d| {
            op(d)["parameters"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "verbose", "in": "query", "schema": {"type": "boolean"}}))
        }),
        "POST /things/{thingId} parameter query:verbose",
        false,
    );
}

#[test]
fn a_narrowed_enum_breaks_requests_and_a_widened_one_breaks_answers() {
    only(
        after(|d| schema(d, "ThingRequest")["properties"]["kind"]["enum"] = json!(["a"])),
        "request schema ThingRequest.kind",
        true,
    );
    only(
        after(|d| schema(d, "ThingRequest")["properties"]["kind"]["enum"] = json!(["a", "b", "c"])),
        "request schema ThingRequest.kind",
        false,
    );
    only(
        after(|d| schema(d, "Thing")["properties"]["kind"]["enum"] = json!(["a", "b", "c"])),
        "response schema Thing.kind",
        true,
    );
    only(
        after(|d| schema(d, "Thing")["properties"]["kind"]["enum"] = json!(["a"])),
        "response schema Thing.kind",
        false,
    );
}

#[test]
fn a_narrowed_range_breaks_requests_and_a_widened_one_breaks_answers() {
    only(
        after(|d| schema(d, "ThingRequest")["properties"]["name"]["maxLength"] = json!(64)),
        "request schema ThingRequest.name",
        true,
    );
    only(
        after(|d| schema(d, "ThingRequest")["properties"]["size"]["minimum"] = json!(1)),
        "request schema ThingRequest.size",
        true,
    );
    only(
        after(|d| schema(d, "ThingRequest")["properties"]["size"]["maximum"] = json!(20)),
        "request schema ThingRequest.size",
        false,
    );
    only(
        after(|d| op(d)["parameters"][0]["schema"]["maximum"] = json!(10)),
        "POST /things/{thingId} parameter path:thingId",
        true,
    );
    only(
        after(|d| schema(d, "Thing")["properties"]["id"]["maximum"] = json!(1000)),
        "response schema Thing.id",
        true,
    );
    only(
        after(|d| {
            schema(d, "ThingRequest")["properties"]["name"]["pattern"] = json!("^[a-z0-9]+$")
        }),
        "request schema ThingRequest.name",
        true,
    );
}

#[test]
fn a_changed_type_breaks() {
    only(
        after(|d| schema(d, "ThingRequest")["properties"]["size"]["type"] = json!("string")),
        "request schema ThingRequest.size",
        true,
    );
    only(
        after(|d| schema(d, "Thing")["properties"]["name"]["type"] = json!("integer")),
        "response schema Thing.name",
        true,
    );
}

#[test]
fn an_answer_that_may_now_be_null_or_absent_breaks() {
    only(
        after(|d| schema(d, "Thing")["properties"]["name"]["nullable"] = json!(true)),
        "response schema Thing.name",
        true,
    );
    only(
        after(|d| schema(d, "Thing")["required"] = json!(["id", "name"])),
        "response schema Thing.kind",
        true,
    );
    only(
        after(|d| schema(d, "ThingRequest")["properties"]["name"]["nullable"] = json!(true)),
        "request schema ThingRequest.name",
        false,
    );
}

#[test]
fn a_removed_success_response_media_type_or_required_header_breaks() {
    only(
        after(|d| {
            op(d)["responses"].as_object_mut().unwrap().remove("200");
        }),
        "POST /things/{thingId} response 200",
        true,
    );
    only(
        after(|d| {
            op(d)["responses"].as_object_mut().unwrap().remove("404");
        }),
        "POST /things/{thingId} response 404",
        false,
    );
    only(
        after(|d| op(d)["responses"]["409"] = json!({"description": "conflict"})),
        "POST /things/{thingId} response 409",
        false,
    );
    only(
        after(|d| {
            let content = op(d)["requestBody"]["content"].as_object_mut().unwrap();
            let json = content.remove("application/json").unwrap();
            content.insert("application/merge-patch+json".into(), json);
        })
        .into_iter()
        .filter(|c| c.breaking)
        .collect(),
        "POST /things/{thingId} request body (application/json)",
        true,
    );
    only(
        after(|d| {
            op(d)["responses"]["200"]["headers"]
                .as_object_mut()
                .unwrap()
                .remove("x-request-id");
        }),
        "POST /things/{thingId} response 200 header x-request-id",
        true,
    );
}

#[test]
fn credentials_required_where_none_were_break() {
    only(
        after(|d| d["paths"]["/health"]["get"]["security"] = json!([{"bearerAuth": []}])),
        "GET /health",
        true,
    );
    only(
        after(|d| op(d)["security"] = json!([])),
        "POST /things/{thingId}",
        false,
    );
}

/// The old spelling of a nullable reference (`nullable` beside `allOf`, inert under 3.0.3 but
/// read as nullable by every client generator) and the 3.0.3 one are the same to clients.
#[test]
fn respelling_a_nullable_reference_breaks_no_client() {
    let mut old = base();
    schema(&mut old, "Thing")["properties"]["owner"] =
        json!({"allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": true});
    assert_eq!(changes(&old, &base()), vec![]);
}

#[test]
fn a_change_inside_a_referenced_schema_is_found_through_the_reference() {
    only(
        after(|d| {
            schema(d, "Owner")["properties"]
                .as_object_mut()
                .unwrap()
                .remove("id");
        }),
        "response schema Owner.id",
        true,
    );
}

/// `Thing` written as an `allOf` of `Owner`-like parts instead of one object.
fn thing_as_all_of(d: &mut Value, keep_kind: bool) {
    let mut rest = json!({"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"},
        "owner": {"oneOf": [{"$ref": "#/components/schemas/Owner"}, {"enum": [null]}]}
    }});
    if keep_kind {
        rest["required"] = json!(["name", "kind"]);
        rest["properties"]["kind"] = json!({"type": "string", "enum": ["a", "b"]});
    }
    schema(d, "ThingId")["type"] = json!("object");
    schema(d, "ThingId")["required"] = json!(["id"]);
    schema(d, "ThingId")["properties"] = json!({"id": {"type": "integer", "maximum": 100}});
    *schema(d, "Thing") = json!({
        "description": "a thing",
        "allOf": [{"$ref": "#/components/schemas/ThingId"}, rest]
    });
}

#[test]
fn an_object_rewritten_as_an_all_of_of_its_parts_is_no_change() {
    let found = after(|d| thing_as_all_of(d, true));
    assert_eq!(found, vec![], "the same object, composed: {found:#?}");
}

#[test]
fn a_property_removed_from_an_all_of_member_still_breaks() {
    let found = after(|d| thing_as_all_of(d, false));
    assert!(
        found
            .iter()
            .any(|c| c.breaking && c.at.contains("Thing.kind")),
        "the removed `kind` must break answers: {found:#?}"
    );
}
