//! Hostile input, for every operation of the document that takes a body or parameters: each case
//! changes one thing in the operation's valid request (sent by a caller who may make it) and is
//! answered with the status DESIGN.md and the document give that kind of mistake — 400 for JSON
//! that does not parse and for a malformed or out-of-range path, query or header parameter,
//! 413 past 64 KiB (1 MiB, or more than 100 rows, for the bulk invite), 415 for a body that is not `application/json`, 422 for a well-formed body
//! with an invalid field, naming it — as problem+json, with the database unchanged and never a
//! 5xx. The invalid fields and parameters are derived from the document's schemas.

use serde_json::{Value, json};

use crate::operations::{Case, Document, Param, Request, World};

const MALFORMED: &[u16] = &[400];
const TOO_LARGE: &[u16] = &[413];
const NOT_JSON: &[u16] = &[415];
const INVALID: &[u16] = &[422];

/// The largest body `operation` takes.
fn body_limit(operation: &str) -> usize {
    match operation {
        "invitation_bulk_create" => rollcall::extract::BULK_BODY_BYTES,
        _ => rollcall::extract::MAX_BODY_BYTES,
    }
}

/// 400: text that is not JSON, cut short, not UTF-8, or nested past the parser's depth limit,
/// wherever that is in the body (in a field serde would skip too).
#[actix_web::test]
async fn every_operation_refuses_malformed_json_and_changes_nothing() {
    let world = World::spawn().await;
    world
        .check(|_, valid| {
            let Some(json) = valid.body.clone() else {
                return vec![];
            };
            malformed(&json)
                .into_iter()
                .map(|(name, body)| Case::refused(name, valid.clone().with_body(body), MALFORMED))
                .collect()
        })
        .await
        .assert_clean();
}

/// 422 naming `body`: an array (serde would read a struct from it), null, a number, a string.
#[actix_web::test]
async fn every_operation_refuses_json_that_is_not_an_object_and_changes_nothing() {
    let world = World::spawn().await;
    world
        .check(|_, valid| {
            let Some(body) = valid.json() else {
                return vec![];
            };
            let not_objects = [
                json!([body]),
                json!([]),
                json!(null),
                json!(0),
                json!("x"),
                json!(true),
            ];
            not_objects
                .into_iter()
                .map(|v| {
                    let request = valid.clone().with_json(&v);
                    Case::refused(format!("the body {v:.20}"), request, INVALID).naming("body")
                })
                .collect()
        })
        .await
        .assert_clean();
}

/// 413, however the body grows past 64 KiB (past 1 MiB for the bulk invite, whose limit it is).
#[actix_web::test]
async fn every_operation_refuses_a_body_over_64_kib_and_changes_nothing() {
    let world = World::spawn().await;
    world
        .check(|op, valid| {
            let Some(json) = valid.body.clone() else {
                return vec![];
            };
            let limit = body_limit(&op.id);
            let long_field = format!("\"{}\"", "x".repeat(limit + 5_000));
            let mut padded = json.clone();
            padded.resize(limit + 1, b' ');
            [
                (
                    "a field 5,000 characters past the limit",
                    prepend(&json, "padding", long_field.as_bytes()),
                ),
                ("padded with spaces to the limit + 1 byte", padded),
            ]
            .into_iter()
            .map(|(name, body)| Case::refused(name, valid.clone().with_body(body), TOO_LARGE))
            .collect()
        })
        .await
        .assert_clean();
}

/// 415: a valid JSON body that does not say so.
#[actix_web::test]
async fn every_operation_refuses_a_missing_or_wrong_content_type_and_changes_nothing() {
    let world = World::spawn().await;
    let media_types = [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("application/xml"),
        Some("multipart/form-data; boundary=x"),
    ];
    world
        .check(|_, valid| {
            if valid.body.is_none() {
                return vec![];
            }
            media_types
                .into_iter()
                .map(|media| {
                    let request = valid.clone().with_content_type(media);
                    Case::refused(format!("content type {media:?}"), request, NOT_JSON)
                })
                .collect()
        })
        .await
        .assert_clean();
}

/// 422 naming the field, for every invalid value the body's schema allows naming (see
/// `invalid_values`).
#[actix_web::test]
async fn every_operation_refuses_each_invalid_field_naming_it_and_changes_nothing() {
    let world = World::spawn().await;
    world
        .check(|op, valid| {
            let (Some(schema), Some(body)) = (&op.body, valid.json()) else {
                return vec![];
            };
            let mut mutations = Vec::new();
            invalid_values(&world.document, schema, &body, &[], false, &mut mutations);
            mutations
                .into_iter()
                .map(|m| {
                    let field = m.at.join(".");
                    let request = valid.clone().with_json(&set(&body, &m.at, m.value));
                    let name = format!("{field}: {}", m.what);
                    // DESIGN.md: more rows than the bulk invite takes is a 413, as a body larger
                    // than the operation takes.
                    if op.id == "invitation_bulk_create"
                        && field == "invitations"
                        && m.what.contains("maxItems")
                    {
                        return Case::refused(name, request, TOO_LARGE);
                    }
                    Case::refused(name, request, INVALID).naming(field)
                })
                .collect()
        })
        .await
        .assert_clean();
}

/// 400 (the document's "malformed or out-of-range path parameter"), not 404: words, floats and
/// integers past the bounds for integer ids, garbage for uuids.
#[actix_web::test]
async fn every_operation_refuses_malformed_path_parameters_and_changes_nothing() {
    let world = World::spawn().await;
    world
        .check(|op, valid| {
            let mut cases = Vec::new();
            for p in op.params_in("path") {
                for value in malformed_path(&world.document, p) {
                    let request = valid.clone().with_path(&p.name, &value);
                    let name = format!("{} {value:?}", p.name);
                    cases.push(Case::refused(name, request, MALFORMED));
                }
            }
            cases
        })
        .await
        .assert_clean();
}

/// 400: `limit` outside the document's bounds or not an integer, a cursor the server did not
/// issue, an unknown enum value, a string over its maxLength, a word for a boolean.
#[actix_web::test]
async fn every_operation_refuses_bad_query_parameters_and_changes_nothing() {
    let world = World::spawn().await;
    world
        .check(|op, valid| {
            let mut cases = Vec::new();
            for p in op.params_in("query") {
                for value in bad_query(&world.document, p, &world.cursor) {
                    let request = valid.clone().with_query(&p.name, &value);
                    let name = format!("{}={value:.40}", p.name);
                    cases.push(Case::refused(name, request, MALFORMED));
                }
            }
            cases
        })
        .await
        .assert_clean();
}

/// 400: an `Idempotency-Key` outside the header's schema (1–255 visible ASCII characters).
#[actix_web::test]
async fn every_creating_operation_refuses_a_malformed_idempotency_key_and_changes_nothing() {
    let world = World::spawn().await;
    world
        .check(|op, valid| {
            let Some(p) = op.params_in("header").find(|p| p.name == "Idempotency-Key") else {
                return vec![];
            };
            let max = p.schema["maxLength"].as_u64().expect("a maxLength") as usize;
            [
                "".to_owned(),
                "k".repeat(max + 1),
                "with space".into(),
                "ключ".into(),
            ]
            .into_iter()
            .map(|key| {
                let name = format!("Idempotency-Key {key:.20?}");
                let request = Request {
                    idempotency_key: Some(key),
                    ..valid.clone()
                };
                Case::refused(name, request, MALFORMED)
            })
            .collect()
        })
        .await
        .assert_clean();
}

// ---- bodies and parameters the server must not read ------------------------------------------

/// JSON text gone wrong, made of the valid body `json`.
fn malformed(json: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000)).into_bytes();
    let field = first_key(json);
    vec![
        ("truncated", json[..json.len() / 2].to_vec()),
        ("a value missing", b"{\"name\": }".to_vec()),
        ("single quotes", b"{'name': 'x'}".to_vec()),
        ("not JSON", b"not json".to_vec()),
        ("empty", Vec::new()),
        ("followed by more JSON", [json, b" {}"].concat()),
        ("invalid UTF-8 before it", [&b"\xff\xfe"[..], json].concat()),
        (
            "invalid UTF-8 in a field",
            prepend(json, &field, b"\"\xff\xfe\""),
        ),
        (
            "invalid UTF-8 in an unknown field",
            prepend(json, "unknown", b"\"\xc3\x28\""),
        ),
        ("nested 5,000 deep", deep.clone()),
        ("nested 5,000 deep in a field", prepend(json, &field, &deep)),
        (
            "nested 5,000 deep in an unknown field",
            prepend(json, "unknown", &deep),
        ),
        ("opened 5,000 deep", vec![b'['; 5_000]),
    ]
}

/// Values of a path parameter that its schema refuses.
fn malformed_path(doc: &Document, p: &Param) -> Vec<String> {
    let (schema, _) = doc.resolve(&p.schema);
    if schema["format"] == "uuid" {
        let uuid = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
        let wrong = [format!("{uuid}0"), uuid[1..].to_owned()];
        return ["not-a-uuid", "1234", "%ff"]
            .map(str::to_owned)
            .into_iter()
            .chain(wrong)
            .collect();
    }
    let [below, above] = bounds(&schema).map(|b| b.to_string());
    let words = [
        "abc",
        "1.5",
        "1e3",
        "0x10",
        "9007199254740993",
        "99999999999999999999999",
        "%ff",
    ];
    [below, above]
        .into_iter()
        .chain(words.map(str::to_owned))
        .collect()
}

/// Values of a query parameter that its schema (or, for `cursor`, the server) refuses;
/// `issued` is a cursor the server gave out, which edited or cut short is forged.
fn bad_query(doc: &Document, p: &Param, issued: &str) -> Vec<String> {
    let (schema, _) = doc.resolve(&p.schema);
    let (items, _) = doc.resolve(&schema["items"]);
    if p.name == "cursor" {
        // One character in the middle changed: still base64, but not what the server signed.
        let (head, tail) = issued.split_at(issued.len() / 2);
        let other = if tail.starts_with('A') { "B" } else { "A" };
        let edited = format!("{head}{other}{}", &tail[1..]);
        let cut = issued[..issued.len() - 2].to_owned();
        return vec!["garbage!".into(), "A".repeat(43), edited, cut];
    }
    if let Some(options) = schema["enum"].as_array().or(items["enum"].as_array()) {
        let unknown = unknown(options).to_string().trim_matches('"').to_owned();
        return vec![unknown, "x".into()];
    }
    match schema["type"].as_str() {
        Some("integer") => {
            let [below, above] = bounds(&schema).map(|b| b.to_string());
            let words = [
                "-1",
                "x",
                "1.5",
                "",
                "9007199254740993",
                "99999999999999999999",
            ];
            [below, above]
                .into_iter()
                .chain(words.map(str::to_owned))
                .collect()
        }
        Some("boolean") => vec!["maybe".into(), "2".into()],
        _ => match schema["maxLength"].as_u64() {
            Some(max) => vec!["a".repeat(max as usize + 1)],
            None => vec![],
        },
    }
}

/// One invalid value at a place in a body (`None`: the field left out).
struct Mutation {
    at: Vec<String>,
    what: String,
    value: Option<Value>,
}

/// Addresses the document's own email pattern (the seed's) refuses.
const NOT_EMAILS: &[&str] = &[
    "plainaddress",
    "@example.com",
    ".leading-dot@example.com",
    "double..dot@example.com",
    "trailing-dot.@example.com",
    "no-tld@example",
    "a@-hyphen.example.com",
    "a@example.c",
    "space in@example.com",
    "a@b@example.com",
    "ü@example.com",
];

/// Every invalid value `schema` allows naming for `value` (at `at` in the body) and, recursively,
/// for every field and first item in it: one over `maxLength` and under `minLength`, against the
/// email or other pattern, past the integer bounds and ±(2^53−1), floats and words for integers,
/// unknown enum values, null where null is not allowed, a required field left out, an array
/// where an object belongs, `maxItems` + 1 items (10,000 for an array of ids).
fn invalid_values(
    doc: &Document,
    schema: &Value,
    value: &Value,
    at: &[String],
    required: bool,
    out: &mut Vec<Mutation>,
) {
    let (s, nullable) = doc.resolve(schema);
    let mut bad = |what: &str, value: Option<Value>| {
        out.push(Mutation {
            at: at.to_vec(),
            what: what.to_owned(),
            value,
        })
    };
    if !at.is_empty() {
        if required {
            bad("left out", None);
        }
        if !nullable {
            bad("null", Some(Value::Null));
        }
    }
    if let Some(options) = s["enum"].as_array() {
        bad("an unknown enum value", Some(unknown(options)));
    }
    match s["type"].as_str() {
        Some("object") => {
            let required_keys: Vec<&str> = s["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if !at.is_empty() {
                let fields = required_keys.iter().map(|k| value[*k].clone()).collect();
                bad(
                    "an array of its fields where the object belongs",
                    Some(Value::Array(fields)),
                );
            }
            // A field the valid body leaves out gets its invalid values too.
            for (name, property) in s["properties"].as_object().into_iter().flatten() {
                let inner = [at, std::slice::from_ref(name)].concat();
                let required = required_keys.contains(&name.as_str());
                let v = value.get(name).unwrap_or(&Value::Null);
                invalid_values(doc, property, v, &inner, required, out);
            }
        }
        Some("string") => {
            bad("a number where a string belongs", Some(json!(1)));
            let email = s["format"] == "email";
            if let Some(max) = s["maxLength"].as_u64() {
                let n = max as usize + 1;
                let long = if email {
                    format!("{}@example.com", "a".repeat(n - 12))
                } else {
                    "x".repeat(n)
                };
                bad(
                    &format!("{n} characters, one over maxLength"),
                    Some(json!(long)),
                );
            }
            if let Some(min) = s["minLength"].as_u64().filter(|m| *m > 0) {
                bad(
                    &format!("{} characters, one under minLength", min - 1),
                    Some(json!("x".repeat(min as usize - 1))),
                );
            }
            if email {
                for e in NOT_EMAILS {
                    bad(
                        &format!("{e:?}, against the seed's email pattern"),
                        Some(json!(e)),
                    );
                }
            } else if let Some(pattern) = s["pattern"].as_str() {
                // The valid value with its last character made one the pattern refuses: a
                // punctuation mark for the patterns of identifiers, a control character for
                // those of names.
                let pattern =
                    regress::Regex::new(pattern).expect("the document's pattern compiles");
                let mut base = value.as_str().unwrap_or_default().to_owned();
                base.pop();
                let v = ['!', '\u{7}', '\u{202E}']
                    .into_iter()
                    .map(|c| format!("{base}{c}"))
                    .find(|v| pattern.find(v).is_none())
                    .expect("a character the pattern refuses");
                bad("against its pattern", Some(json!(v)));
            }
            if s["format"] == "uuid" {
                bad("not a uuid", Some(json!("not-a-uuid")));
            }
        }
        Some("integer") => {
            if s["minimum"].is_i64() || s["maximum"].is_i64() {
                let [below, above] = bounds(&s);
                bad("one under its minimum", Some(json!(below)));
                bad("one over its maximum", Some(json!(above)));
            }
            bad("2^53 + 1", Some(json!(9_007_199_254_740_993_i64)));
            bad("-(2^53 + 1)", Some(json!(-9_007_199_254_740_993_i64)));
            bad("1e20", Some(json!(1e20)));
            bad("a float", Some(json!(1.5)));
            bad("a string of digits", Some(json!("1")));
        }
        Some("array") => {
            bad("an object where an array belongs", Some(json!({})));
            if let Some(max) = s["maxItems"].as_u64() {
                let (items, _) = doc.resolve(&s["items"]);
                let too_many: Vec<Value> = if items["type"] == "integer" {
                    (1..=10_000).map(Value::from).collect()
                } else {
                    vec![value[0].clone(); max as usize + 1]
                };
                bad(
                    &format!("{} items, maxItems {max}", too_many.len()),
                    Some(Value::Array(too_many)),
                );
            }
            if let Some(first) = value.get(0) {
                invalid_values(
                    doc,
                    &s["items"],
                    first,
                    &[at, &["0".to_owned()]].concat(),
                    false,
                    out,
                );
            }
        }
        Some("boolean") => bad("a string where a boolean belongs", Some(json!("true"))),
        _ => {}
    }
}

/// `body` with the value at `at` replaced (or removed, for `None`).
fn set(body: &Value, at: &[String], value: Option<Value>) -> Value {
    let mut body = body.clone();
    let (last, parents) = at.split_last().expect("a field");
    let mut node = &mut body;
    for key in parents {
        node = match node {
            Value::Array(items) => &mut items[key.parse::<usize>().expect("an index")],
            other => &mut other[key.as_str()],
        };
    }
    match (node, value) {
        (Value::Array(items), Some(v)) => items[last.parse::<usize>().expect("an index")] = v,
        (Value::Object(fields), Some(v)) => {
            fields.insert(last.clone(), v);
        }
        (Value::Object(fields), None) => {
            fields.remove(last);
        }
        _ => unreachable!("only object fields are left out"),
    }
    body
}

/// One under the minimum and one over the maximum of an integer schema (±(2^53−1) when it
/// states none).
fn bounds(schema: &Value) -> [i64; 2] {
    let max = 9_007_199_254_740_991_i64;
    [
        schema["minimum"].as_i64().unwrap_or(-max) - 1,
        schema["maximum"].as_i64().unwrap_or(max) + 1,
    ]
}

/// A value outside an enum of strings or integers.
fn unknown(options: &[Value]) -> Value {
    match options.iter().filter_map(Value::as_i64).max() {
        Some(max) => json!(max + 1),
        None => json!("not-a-known-value"),
    }
}

/// The name of a field of a JSON object body (the first in key order).
fn first_key(json: &[u8]) -> String {
    let v: Value = serde_json::from_slice(json).expect("the valid body is JSON");
    v.as_object()
        .and_then(|m| m.keys().next().cloned())
        .unwrap_or_default()
}

/// `json` (an object) with `"key": raw` written as its first field.
fn prepend(json: &[u8], key: &str, raw: &[u8]) -> Vec<u8> {
    let rest = json.strip_prefix(b"{").expect("an object");
    let comma: &[u8] = if rest.starts_with(b"}") { b"" } else { b"," };
    [b"{\"", key.as_bytes(), b"\":", raw, comma, rest].concat()
}
