//! The drift check catches every class of contract change and ignores documentation edits.
//! Each test starts from a 3.0.3 document and its 3.1 twin (as utoipa writes it), which agree,
//! changes one thing on one side, and checks what `diff` reports.

use contract::{Difference, diff, normalize};
use serde_json::{Value, json};

/// A small document in the hand-written 3.0.3 style.
fn document() -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1", "description": "doc"},
        "paths": {
            "/things/{thingId}": {
                "post": {
                    "operationId": "thing_create",
                    "summary": "Create a thing",
                    "parameters": [
                        {"name": "thingId", "in": "path", "required": true,
                         "schema": {"type": "integer", "format": "int64", "minimum": -9007199254740991_i64, "maximum": 9007199254740991_i64}},
                        {"name": "x-session-token", "in": "header", "required": true, "schema": {"type": "string"}}
                    ],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "responses": {
                        "201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                        "409": {"description": "conflict", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                    },
                    "security": [{"bearerAuth": []}]
                }
            }
        },
        "components": {"schemas": {
            "Thing": {"type": "object", "required": ["name", "kind"], "properties": {
                "name": {"type": "string", "maxLength": 250, "pattern": "^[a-z]+$", "example": "abc"},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "note": {"type": "string", "nullable": true}
            }},
            "Problem": {"type": "object", "properties": {"status": {"type": "integer", "format": "int32"}}}
        }}
    })
}

/// The same contract as utoipa 5+ writes it (OpenAPI 3.1).
fn handlers() -> Value {
    let mut h = document();
    h["openapi"] = json!("3.1.0");
    h["info"] = json!({"title": "T", "version": "1", "license": {"name": "MIT"}});
    h["components"]["schemas"]["Thing"]["properties"]["note"] = json!({"type": ["string", "null"]});
    h["components"]["schemas"]["Thing"]["properties"]["name"]
        .as_object_mut()
        .unwrap()
        .remove("example");
    h["paths"]["/things/{thingId}"]["post"]["parameters"] = json!([
        {"name": "X-Session-Token", "in": "header", "required": true, "schema": {"type": "string"}},
        {"name": "thingId", "in": "path", "required": true,
         "schema": {"type": "integer", "format": "int64", "minimum": -9007199254740991_i64, "maximum": 9007199254740991_i64}}
    ]);
    h
}

fn drift(doc: &Value, code: &Value) -> Vec<Difference> {
    diff(&normalize(doc), &normalize(code))
}

fn pointers(d: &[Difference]) -> Vec<&str> {
    d.iter().map(|d| d.pointer.as_str()).collect()
}

const OP: &str = "/paths/~1things~1{thingId}/post";

#[test]
fn a_document_and_its_utoipa_twin_agree() {
    assert_eq!(drift(&document(), &handlers()), vec![]);
}

#[test]
fn an_operation_missing_from_the_handlers_is_reported() {
    let mut code = handlers();
    code["paths"]["/things/{thingId}"]
        .as_object_mut()
        .unwrap()
        .remove("post");
    let d = drift(&document(), &code);
    assert_eq!(pointers(&d), [OP]);
    assert!(d[0].document.is_some() && d[0].handlers.is_none());
}

#[test]
fn an_operation_missing_from_the_document_is_reported() {
    let mut doc = document();
    doc["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/things/{thingId}");
    let d = drift(&doc, &handlers());
    assert_eq!(pointers(&d), ["/paths/~1things~1{thingId}"]);
    assert!(d[0].document.is_none() && d[0].handlers.is_some());
}

#[test]
fn a_parameter_added_in_a_handler_is_reported() {
    let mut code = handlers();
    code["paths"]["/things/{thingId}"]["post"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "limit", "in": "query", "schema": {"type": "integer"}}));
    assert_eq!(
        pointers(&drift(&document(), &code)),
        [format!("{OP}/parameters/query:limit")]
    );
}

#[test]
fn a_parameter_that_is_no_longer_required_is_reported() {
    let mut code = handlers();
    code["paths"]["/things/{thingId}"]["post"]["parameters"][0]["required"] = json!(false);
    assert_eq!(
        pointers(&drift(&document(), &code)),
        [format!("{OP}/parameters/header:x-session-token/required")]
    );
}

#[test]
fn a_changed_max_length_is_reported() {
    let mut code = handlers();
    code["components"]["schemas"]["Thing"]["properties"]["name"]["maxLength"] = json!(64);
    let d = drift(&document(), &code);
    assert_eq!(
        pointers(&d),
        ["/components/schemas/Thing/properties/name/maxLength"]
    );
    assert_eq!(
        (d[0].document.clone(), d[0].handlers.clone()),
        (Some(json!(250)), Some(json!(64)))
    );
}

#[test]
fn a_changed_pattern_is_reported() {
    let mut doc = document();
    doc["components"]["schemas"]["Thing"]["properties"]["name"]["pattern"] = json!("^[a-z0-9]+$");
    assert_eq!(
        pointers(&drift(&doc, &handlers())),
        ["/components/schemas/Thing/properties/name/pattern"]
    );
}

#[test]
fn a_changed_enum_is_reported_but_not_its_order() {
    let mut code = handlers();
    code["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"] = json!(["b", "a"]);
    assert_eq!(drift(&document(), &code), vec![]);
    code["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"] = json!(["a", "b", "c"]);
    assert_eq!(
        pointers(&drift(&document(), &code)),
        ["/components/schemas/Thing/properties/kind/enum"]
    );
}

#[test]
fn a_changed_minimum_is_reported() {
    let mut code = handlers();
    code["paths"]["/things/{thingId}"]["post"]["parameters"][1]["schema"]["minimum"] = json!(1);
    assert_eq!(
        pointers(&drift(&document(), &code)),
        [format!("{OP}/parameters/path:thingId/schema/minimum")]
    );
}

#[test]
fn a_changed_response_code_is_reported() {
    let mut code = handlers();
    let responses = code["paths"]["/things/{thingId}"]["post"]["responses"]
        .as_object_mut()
        .unwrap();
    let created = responses.remove("201").unwrap();
    responses.insert("200".into(), created);
    assert_eq!(
        pointers(&drift(&document(), &code)),
        [format!("{OP}/responses/200"), format!("{OP}/responses/201")]
    );
}

#[test]
fn a_changed_property_type_is_reported() {
    let mut code = handlers();
    code["components"]["schemas"]["Problem"]["properties"]["status"] = json!({"type": "string"});
    let p = pointers(&drift(&document(), &code))
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert!(
        p.contains(&"/components/schemas/Problem/properties/status/type".to_owned()),
        "{p:?}"
    );
}

#[test]
fn a_property_added_or_removed_is_reported() {
    let mut code = handlers();
    code["components"]["schemas"]["Thing"]["properties"]["extra"] = json!({"type": "string"});
    assert_eq!(
        pointers(&drift(&document(), &code)),
        ["/components/schemas/Thing/properties/extra"]
    );
    let mut code = handlers();
    code["components"]["schemas"]["Thing"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("note");
    assert_eq!(
        pointers(&drift(&document(), &code)),
        ["/components/schemas/Thing/properties/note"]
    );
}

#[test]
fn a_property_that_became_optional_is_reported() {
    let mut code = handlers();
    code["components"]["schemas"]["Thing"]["required"] = json!(["name"]);
    assert_eq!(
        pointers(&drift(&document(), &code)),
        ["/components/schemas/Thing/required"]
    );
}

#[test]
fn a_changed_security_requirement_is_reported() {
    let mut code = handlers();
    code["paths"]["/things/{thingId}"]["post"]["security"] = json!([]);
    assert!(!drift(&document(), &code).is_empty());
}

#[test]
fn description_summary_and_example_edits_are_not_drift() {
    let mut doc = document();
    doc["info"]["description"] = json!("rewritten");
    doc["paths"]["/things/{thingId}"]["post"]["summary"] = json!("Make a thing");
    doc["paths"]["/things/{thingId}"]["post"]["description"] = json!("Long text");
    doc["paths"]["/things/{thingId}"]["post"]["responses"]["201"]["description"] = json!("made");
    doc["components"]["schemas"]["Thing"]["properties"]["name"]["example"] = json!("xyz");
    doc["components"]["schemas"]["Thing"]["properties"]["name"]["description"] = json!("the name");
    assert_eq!(drift(&doc, &handlers()), vec![]);
}

#[test]
fn a_difference_shows_its_pointer_and_both_sides() {
    let mut code = handlers();
    code["components"]["schemas"]["Thing"]["properties"]["name"]["maxLength"] = json!(64);
    let text = drift(&document(), &code)[0].to_string();
    assert!(text.contains("/components/schemas/Thing/properties/name/maxLength"));
    assert!(text.contains("openapi/rollcall.yaml: 250"));
    assert!(text.contains("handlers (utoipa):     64"));
}
