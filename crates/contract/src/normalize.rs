//! The drift check's canonical form. OpenAPI 3.0.3 (the document) and 3.1 (utoipa) say the same
//! thing differently; both are rewritten into one 3.1-flavoured form:
//! * `nullable: true` beside a `type` → `type: [T, "null"]`, and the 3.0 null branch
//!   `{enum: [null]}` → `{type: "null"}`, so that a nullable reference written
//!   `oneOf: [$ref, {enum: [null]}]` equals utoipa's `oneOf: [{type: null}, $ref]`. Under
//!   OpenAPI 3.0.3 `nullable` only widens the `type` beside it: beside `allOf`/`oneOf`/`$ref`
//!   with no `type` it allows nothing, so it is left as it is and shows as drift;
//! * boolean `exclusiveMinimum/Maximum` → the numeric form;
//! * documentation-only keys (description, summary, example(s), title, externalDocs), root
//!   `tags`/`servers`, `info` but for title and version, and the `openapi` version are dropped;
//! * defaults (`required: false`, `deprecated: false`, …) are dropped;
//! * order-insensitive arrays (`required`, `enum`, `type`, `oneOf`, `anyOf`, `security`) are
//!   sorted; `parameters` become a map keyed `in:name` (header names lowercased).

use serde_json::{Map, Value, json};

const DOC_KEYS: &[&str] = &[
    "description",
    "summary",
    "example",
    "examples",
    "externalDocs",
    "title",
];

/// The canonical form of an OpenAPI 3.0.x or 3.1.x document.
pub fn normalize(doc: &Value) -> Value {
    let mut d = doc.clone();
    let mut info = None;
    if let Some(root) = d.as_object_mut() {
        for k in ["openapi", "tags", "servers"] {
            root.remove(k);
        }
        if let Some(mut i) = root.remove("info").and_then(|i| i.as_object().cloned()) {
            i.retain(|k, _| k == "title" || k == "version");
            info = Some(Value::Object(i));
        }
    }
    canon(&mut d, Context::Node);
    if let (Some(info), Some(root)) = (info, d.as_object_mut()) {
        root.insert("info".into(), info);
    }
    d
}

/// Whether an object's keys are OpenAPI keywords or names chosen by the author (a property
/// called `description` must survive).
#[derive(Clone, Copy, PartialEq)]
enum Context {
    Node,
    NamedMap,
}

fn canon(v: &mut Value, ctx: Context) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(|x| canon(x, Context::Node)),
        Value::Object(m) => {
            if ctx == Context::Node {
                for k in DOC_KEYS {
                    m.remove(*k);
                }
                nullable_to_31(m);
                null_branch_to_31(m);
                exclusive_to_31(m);
                for k in [
                    "required",
                    "deprecated",
                    "readOnly",
                    "writeOnly",
                    "nullable",
                    "allowEmptyValue",
                ] {
                    if m.get(k) == Some(&Value::Bool(false)) {
                        m.remove(k);
                    }
                }
                if m.get("additionalProperties") == Some(&Value::Bool(true)) {
                    m.remove("additionalProperties");
                }
            }
            for (k, x) in m.iter_mut() {
                let named = ctx == Context::Node
                    && matches!(
                        k.as_str(),
                        "properties"
                            | "schemas"
                            | "paths"
                            | "responses"
                            | "content"
                            | "securitySchemes"
                            | "headers"
                    );
                canon(
                    x,
                    if named {
                        Context::NamedMap
                    } else {
                        Context::Node
                    },
                );
            }
            if ctx == Context::Node {
                sort_sets(m);
                key_parameters(m);
            }
        }
        _ => {}
    }
}

fn sort_sets(m: &mut Map<String, Value>) {
    for k in ["required", "enum", "oneOf", "anyOf", "security"] {
        if let Some(Value::Array(a)) = m.get_mut(k) {
            a.sort_by_key(|x| x.to_string());
        }
    }
    if let Some(Value::Array(a)) = m.get_mut("type") {
        a.sort_by_key(|x| x.to_string());
        if a.len() == 1 {
            let only = a.pop().expect("one element");
            m.insert("type".into(), only);
        }
    }
}

/// `parameters: [..]` → `{ "in:name": {..} }`, so order does not matter and a difference names
/// the parameter.
fn key_parameters(m: &mut Map<String, Value>) {
    let Some(Value::Array(params)) = m.get("parameters") else {
        return;
    };
    let mut keyed = Map::new();
    for p in params {
        let loc = p["in"].as_str().unwrap_or_default();
        let mut name = p["name"].as_str().unwrap_or_default().to_owned();
        if loc == "header" {
            name = name.to_ascii_lowercase();
        }
        let mut p = p.clone();
        if let Some(o) = p.as_object_mut() {
            o.remove("name");
            o.remove("in");
        }
        keyed.insert(format!("{loc}:{name}"), p);
    }
    m.insert("parameters".into(), Value::Object(keyed));
}

/// 3.0.3's `nullable: true` adds `"null"` to the `type` beside it, and does nothing else
/// (proposal 003, adopted in 3.0.3): an `enum` beside it still refuses null, and without a
/// `type` it is inert. Only the first case has a 3.1 spelling; the others stay as written, so a
/// document that relies on them differs from the handlers and the drift check says where.
fn nullable_to_31(m: &mut Map<String, Value>) {
    if m.get("nullable") != Some(&Value::Bool(true)) {
        return;
    }
    let Some(t) = m.get("type").cloned() else {
        return;
    };
    m.remove("nullable");
    let mut types = match t {
        Value::Array(a) => a,
        other => vec![other],
    };
    if !types.contains(&json!("null")) {
        types.push(json!("null"));
    }
    m.insert("type".into(), Value::Array(types));
}

/// `{enum: [null]}`, the schema that allows only null in 3.0 (which has no `null` type), is
/// 3.1's `{type: "null"}`.
fn null_branch_to_31(m: &mut Map<String, Value>) {
    if m.len() == 1 && m.get("enum") == Some(&json!([null])) {
        m.clear();
        m.insert("type".into(), json!("null"));
    }
}

fn exclusive_to_31(m: &mut Map<String, Value>) {
    for (ex, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match m.get(ex) {
            Some(Value::Bool(true)) => {
                if let Some(b) = m.remove(bound) {
                    m.insert(ex.into(), b);
                }
            }
            Some(Value::Bool(false)) => {
                m.remove(ex);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_3_0_and_3_1_spellings_of_nullable_converge() {
        let v30 = json!({"components": {"schemas": {"A": {"type": "object", "properties": {
            "s": {"type": "string", "nullable": true, "description": "x"},
            "r": {"oneOf": [{"$ref": "#/components/schemas/B"}, {"enum": [null]}]},
            "n": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}
        }}}}});
        let v31 = json!({"components": {"schemas": {"A": {"type": "object", "properties": {
            "s": {"type": ["null", "string"]},
            "r": {"oneOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]},
            "n": {"type": "integer", "exclusiveMinimum": 0}
        }}}}});
        assert_eq!(normalize(&v30), normalize(&v31));
    }

    #[test]
    fn a_property_named_description_is_kept() {
        let v = json!({"components": {"schemas": {"A": {"properties": {"description": {"type": "string"}}}}}});
        assert!(
            normalize(&v)["components"]["schemas"]["A"]["properties"]
                .get("description")
                .is_some()
        );
    }

    #[test]
    fn parameters_are_keyed_by_location_and_case_insensitive_header_name() {
        let v =
            json!({"parameters": [{"in": "header", "name": "X-Session-Token", "required": true}]});
        assert_eq!(
            normalize(&v)["parameters"]["header:x-session-token"]["required"],
            true
        );
    }
}
