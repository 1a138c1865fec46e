//! How the drift check reads `nullable` (OpenAPI 3.0.3: it adds `"null"` to the `type` beside
//! it and does nothing else). A nullable reference written the way 3.0.3 allows,
//! `oneOf: [$ref, {enum: [null]}]`, equals what utoipa writes for an `Option<T>` field; the
//! forms in which `nullable` allows nothing (beside `allOf`, `oneOf` or `$ref` with no `type`,
//! or beside an `enum` without null) differ from it, and the drift check says where.

use contract::{Difference, diff, normalize};
use serde_json::{Value, json};

/// A 3.0.3 document whose `Invitation.permissions` property is `property`.
fn document(property: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {},
        "components": {"schemas": {
            "Permissions": {"type": "object", "required": ["group"], "properties": {"group": {"type": "integer"}}},
            "Invitation": {"type": "object", "required": ["permissions"], "properties": {"permissions": property}}
        }}
    })
}

/// The same component as utoipa 6 writes an `Option<Permissions>` field (OpenAPI 3.1).
fn handlers(property: Value) -> Value {
    let mut h = document(property);
    h["openapi"] = json!("3.1.0");
    h
}

fn utoipa_option() -> Value {
    json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Permissions"}]})
}

fn drift(doc_property: Value) -> Vec<Difference> {
    diff(
        &normalize(&document(doc_property)),
        &normalize(&handlers(utoipa_option())),
    )
}

const AT: &str = "/components/schemas/Invitation/properties/permissions";

#[test]
fn a_nullable_reference_as_one_of_with_a_null_branch_equals_utoipas_option() {
    let form = json!({"oneOf": [
        {"$ref": "#/components/schemas/Permissions"},
        {"enum": [null], "description": "no permissions were given"}
    ]});
    assert_eq!(drift(form), vec![]);
}

#[test]
fn nullable_beside_all_of_without_a_type_is_drift_since_it_allows_no_null() {
    let d = drift(json!({
        "allOf": [{"$ref": "#/components/schemas/Permissions"}],
        "nullable": true
    }));
    let pointers: Vec<&str> = d.iter().map(|d| d.pointer.as_str()).collect();
    assert!(
        pointers.contains(&format!("{AT}/nullable").as_str()),
        "the inert `nullable` is named: {pointers:?}"
    );
    assert!(
        pointers.contains(&format!("{AT}/oneOf").as_str()),
        "utoipa's null branch has no counterpart: {pointers:?}"
    );
}

#[test]
fn nullable_beside_a_ref_or_a_one_of_without_a_type_is_drift() {
    for form in [
        json!({"$ref": "#/components/schemas/Permissions", "nullable": true}),
        json!({"oneOf": [{"$ref": "#/components/schemas/Permissions"}], "nullable": true}),
    ] {
        assert!(!drift(form.clone()).is_empty(), "{form} allows no null");
    }
}

#[test]
fn nullable_beside_a_type_still_becomes_a_null_type() {
    let doc = document(json!({"type": "string", "nullable": true}));
    let code = handlers(json!({"type": ["string", "null"]}));
    assert_eq!(diff(&normalize(&doc), &normalize(&code)), vec![]);
}

#[test]
fn nullable_beside_an_enum_does_not_add_null_to_the_enum() {
    let doc = document(json!({"type": "string", "enum": ["a", "b"], "nullable": true}));
    let code = handlers(json!({"type": ["string", "null"], "enum": ["a", "b", null]}));
    let d = diff(&normalize(&doc), &normalize(&code));
    assert_eq!(
        d.iter().map(|d| d.pointer.as_str()).collect::<Vec<_>>(),
        [format!("{AT}/enum")]
    );
}
