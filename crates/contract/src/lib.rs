//! The contract, as data. `openapi/rollcall.yaml` is embedded here once; the client's build
//! script, the server (which serves it at `/openapi.json`) and the drift check all read it
//! through this crate.
//!
//! * [`document`]: the hand-maintained OpenAPI 3.0.3 document as JSON.
//! * [`for_progenitor`]: the in-memory adaptations progenitor 0.15 needs.
//! * [`normalize`] and [`diff`]: the drift check's canonical form and comparison, so that the
//!   3.0.3 document and utoipa's 3.1 output compare equal when they say the same thing.
//! * [`changes`]: which differences between two versions of the document break a client
//!   (`cargo xtask openapi breaking`).

mod breaking;
mod diff;
mod normalize;

use serde_json::Value;

pub use breaking::{Change, changes, major};
pub use diff::{Difference, diff};
pub use normalize::normalize;

/// The document's path relative to the workspace root.
pub const DOCUMENT_PATH: &str = "openapi/rollcall.yaml";

/// The document's text, as compiled into this crate.
pub const DOCUMENT_YAML: &str = include_str!("../../../openapi/rollcall.yaml");

/// Parses OpenAPI YAML (or JSON) text into a JSON value.
pub fn parse(text: &str) -> Result<Value, String> {
    serde_yaml::from_str(text).map_err(|e| format!("{DOCUMENT_PATH} is not valid YAML: {e}"))
}

/// The hand-maintained document as JSON.
pub fn document() -> Value {
    parse(DOCUMENT_YAML).expect("openapi/rollcall.yaml parses (checked by the contract's tests)")
}

/// Compares the hand-maintained document with the handlers' declared document (utoipa's JSON).
pub fn drift(handlers: &Value) -> Vec<Difference> {
    diff(&normalize(&document()), &normalize(handlers))
}

/// A readable drift report: every difference, then how to resolve them.
pub fn report(differences: &[Difference]) -> String {
    let mut out = format!(
        "openapi/rollcall.yaml and the handlers' #[utoipa::path] annotations disagree in {} place(s):\n\n",
        differences.len()
    );
    for d in differences {
        out.push_str(&format!("{d}\n"));
    }
    out.push_str(
        "\nThe document is the contract. If the handler is wrong, fix its #[utoipa::path] or wire type\n\
         (crates/server/src/api/, crates/wire/src/); if the contract changed on purpose, edit\n\
         openapi/rollcall.yaml to match (a changed operation is a change to the generated client).\n\
         Then run `cargo xtask drift`; `cargo xtask dump` prints what the handlers declare.\n",
    );
    out
}

/// Adapts a document for progenitor 0.15, in memory; the file on disk stays the contract.
/// The document's `5XX`/`default` answers and `components/responses` get the same treatment.
///  1. Only `application/json` bodies are typed: `application/problem+json` is relabelled so
///     that error answers decode into the typed `Problem` (reqwest ignores the response's
///     content type when decoding).
///  2. A `default` response counts as both success and error and makes progenitor panic when
///     its type differs from the success type: it becomes `5XX`.
pub fn for_progenitor(mut doc: Value) -> Value {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut() {
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            if let Some(d) = responses.remove("default") {
                responses.entry("5XX").or_insert(d);
            }
            responses.values_mut().for_each(relabel_problem_json);
        }
    }
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        responses.values_mut().for_each(relabel_problem_json);
    }
    doc
}

fn relabel_problem_json(response: &mut Value) {
    if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
        && !content.contains_key("application/json")
        && let Some(v) = content.remove("application/problem+json")
    {
        content.insert("application/json".into(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_0_3_with_an_operation_id_everywhere() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.0.3");
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                assert!(
                    id.contains('_'),
                    "operationId {id} of {method} {path} is not <resource>_<verb>"
                );
            }
        }
    }

    /// OpenAPI 3.0.3's `nullable` only widens the `type` beside it; anywhere else it allows
    /// nothing, and strict validators refuse the null the server sends (a nullable reference is
    /// written `oneOf: [$ref, {enum: [null]}]`).
    #[test]
    fn every_nullable_in_the_document_sits_beside_a_type() {
        fn walk(v: &Value, at: &str, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if m.get("nullable") == Some(&Value::Bool(true)) && !m.contains_key("type") {
                        out.push(at.to_owned());
                    }
                    for (k, x) in m {
                        walk(x, &format!("{at}/{k}"), out);
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(x, &format!("{at}/{i}"), out);
                    }
                }
                _ => {}
            }
        }
        let mut inert = Vec::new();
        walk(&document(), "", &mut inert);
        assert!(
            inert.is_empty(),
            "`nullable: true` without `type` allows no null under 3.0.3; write `oneOf: [$ref, {{enum: [null]}}]` at {inert:?}"
        );
    }

    #[test]
    fn problem_json_is_relabelled_for_progenitor() {
        let doc = serde_json::json!({"paths": {"/x": {"get": {"responses": {
            "200": {"content": {"application/json": {}}},
            "404": {"content": {"application/problem+json": {"schema": 1}}},
            "default": {"content": {"application/problem+json": {"schema": 2}}}
        }}}}});
        let out = for_progenitor(doc);
        let r = &out["paths"]["/x"]["get"]["responses"];
        assert_eq!(r["404"]["content"]["application/json"]["schema"], 1);
        assert_eq!(r["5XX"]["content"]["application/json"]["schema"], 2);
        assert!(r.get("default").is_none());
    }
}
