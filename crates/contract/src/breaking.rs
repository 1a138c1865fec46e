//! Which differences between two versions of the document break a client, on top of the drift
//! check's canonical form (`normalize`). Every operation of either version is compared: its
//! operationId, parameters, request body, responses and security; schemas are followed through
//! `$ref`s and judged by the direction data flows in. A client *sends* requests, so a request
//! schema that accepts less (a removed type or enum value, a tighter bound or pattern, a new
//! required property) breaks it; it *reads* answers, so an answer that may hold more (a new type
//! such as null, a new enum value, a looser bound, a property no longer always present) breaks
//! it. Removing an operation, a field, a success status or a media type breaks it either way.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use serde_json::{Map, Value};

use crate::normalize;

/// One difference between the base and the head document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Whether a client written against the base may fail against the head.
    pub breaking: bool,
    /// Where: an operation (`POST /organization`) and the place in it, or a schema's path.
    pub at: String,
    /// What changed, in words.
    pub what: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.breaking {
            "breaking"
        } else {
            "compatible"
        };
        write!(f, "{kind:10} {}: {}", self.at, self.what)
    }
}

/// Every difference between `base` and `head` (OpenAPI documents as JSON), breaking or not.
pub fn changes(base: &Value, head: &Value) -> Vec<Change> {
    let mut cmp = Compare {
        base: normalize(&all_of_joined(&as_generators_read(base))),
        head: normalize(&all_of_joined(&as_generators_read(head))),
        out: Vec::new(),
        seen: HashSet::new(),
    };
    cmp.operations();
    cmp.out
}

/// The major part of `info.version` (`"2.1.0"` → `"2"`).
pub fn major(doc: &Value) -> Option<String> {
    let version = doc.pointer("/info/version")?.as_str()?;
    Some(
        version
            .trim_start_matches('v')
            .split('.')
            .next()?
            .to_owned(),
    )
}

/// The document as client generators read it: `nullable: true` beside a lone `allOf` or a `$ref`
/// with no `type` is a nullable reference to them (progenitor, openapi-typescript and
/// openapi-python-client all generate `T | null` from it), although under 3.0.3 it allows no
/// null (the drift check holds the document to that). Rewriting it as
/// `oneOf: [$ref, {enum: [null]}]` is then no change for any client that exists.
fn as_generators_read(doc: &Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                let inert =
                    m.get("nullable") == Some(&Value::Bool(true)) && !m.contains_key("type");
                let lone = m
                    .get("allOf")
                    .and_then(Value::as_array)
                    .filter(|a| a.len() == 1)
                    .map(|a| a[0].clone())
                    .or_else(|| m.get("$ref").map(|r| serde_json::json!({ "$ref": r })));
                if let (true, Some(inner)) = (inert, lone) {
                    for k in ["nullable", "allOf", "$ref"] {
                        m.remove(k);
                    }
                    m.insert("oneOf".into(), serde_json::json!([inner, {"enum": [null]}]));
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut doc = doc.clone();
    walk(&mut doc);
    doc
}

/// Every `allOf` whose members are all object schemas (inline or by `$ref` to a component)
/// written as the one object it describes: their properties and required lists joined, the
/// `allOf`'s own keywords (description, …) kept. An answer or request that satisfies the one
/// satisfies the other, so writing a schema either way changes nothing for a client, and a
/// property removed from a member is still found as a removed property.
fn all_of_joined(doc: &Value) -> Value {
    /// How deep `allOf` members are followed through `$ref`s (a guard against cycles).
    const DEPTH: usize = 16;
    fn resolved<'a>(schemas: &'a Value, v: &'a Value, depth: usize) -> &'a Value {
        let name = v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"));
        match name.and_then(|n| schemas.get(n)) {
            Some(target) if depth < DEPTH => resolved(schemas, target, depth + 1),
            _ => v,
        }
    }
    fn walk(v: &mut Value, schemas: &Value, depth: usize) {
        match v {
            Value::Object(m) => {
                let members = m.get("allOf").and_then(Value::as_array).cloned();
                if let Some(members) = members.filter(|a| !a.is_empty() && depth < DEPTH) {
                    let parts: Vec<Value> = members
                        .iter()
                        .map(|x| {
                            let mut part = resolved(schemas, x, depth).clone();
                            walk(&mut part, schemas, depth + 1);
                            part
                        })
                        .collect();
                    let objects = parts
                        .iter()
                        .all(|p| p.get("properties").is_some_and(Value::is_object));
                    if objects {
                        let mut properties = Map::new();
                        let mut required: Vec<Value> = Vec::new();
                        for part in parts {
                            if let Some(p) = part["properties"].as_object() {
                                properties.extend(p.clone());
                            }
                            for r in part
                                .get("required")
                                .and_then(Value::as_array)
                                .into_iter()
                                .flatten()
                            {
                                if !required.contains(r) {
                                    required.push(r.clone());
                                }
                            }
                        }
                        m.remove("allOf");
                        m.insert("type".into(), Value::from("object"));
                        m.insert("properties".into(), Value::Object(properties));
                        if !required.is_empty() {
                            m.insert("required".into(), Value::Array(required));
                        }
                    }
                }
                m.values_mut().for_each(|x| walk(x, schemas, depth));
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, schemas, depth)),
            _ => {}
        }
    }
    let schemas = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or(Value::Null);
    let mut doc = doc.clone();
    walk(&mut doc, &schemas, 0);
    doc
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Flow {
    Request,
    Response,
}

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
const LOWER_BOUNDS: &[&str] = &["minimum", "exclusiveMinimum", "minLength", "minItems"];
const UPPER_BOUNDS: &[&str] = &["maximum", "exclusiveMaximum", "maxLength", "maxItems"];

struct Compare {
    base: Value,
    head: Value,
    out: Vec<Change>,
    /// (base `$ref`, head `$ref`, flow) pairs already compared: schemas may be recursive.
    seen: HashSet<(String, String, Flow)>,
}

fn keys<'a>(a: &'a Value, b: &'a Value) -> BTreeSet<&'a String> {
    let of = |v: &'a Value| v.as_object().into_iter().flat_map(Map::keys);
    of(a).chain(of(b)).collect()
}

fn set(v: &Value) -> BTreeSet<String> {
    match v {
        Value::Array(a) => a.iter().map(Value::to_string).collect(),
        Value::Null => BTreeSet::new(),
        other => BTreeSet::from([other.to_string()]),
    }
}

fn listed(s: &BTreeSet<String>) -> String {
    s.iter().cloned().collect::<Vec<_>>().join(", ")
}

impl Compare {
    fn note(&mut self, breaking: bool, at: &str, what: impl Into<String>) {
        self.out.push(Change {
            breaking,
            at: at.to_owned(),
            what: what.into(),
        });
    }

    fn operations(&mut self) {
        let (base, head) = (self.base["paths"].clone(), self.head["paths"].clone());
        for path in keys(&base, &head) {
            for method in METHODS {
                let at = format!("{} {path}", method.to_uppercase());
                match (base[path].get(*method), head[path].get(*method)) {
                    (Some(b), Some(h)) => self.operation(&at, b, h),
                    (Some(_), None) => self.note(true, &at, "the operation was removed"),
                    (None, Some(_)) => self.note(false, &at, "a new operation"),
                    (None, None) => {}
                }
            }
        }
    }

    fn operation(&mut self, at: &str, b: &Value, h: &Value) {
        if b["operationId"] != h["operationId"] {
            self.note(
                true,
                at,
                format!(
                    "operationId {} became {} (it names the clients' methods)",
                    b["operationId"], h["operationId"]
                ),
            );
        }
        self.security(at, &b["security"], &h["security"]);
        self.parameters(at, &b["parameters"], &h["parameters"]);
        self.request_body(at, &b["requestBody"], &h["requestBody"]);
        self.responses(at, &b["responses"], &h["responses"]);
    }

    fn security(&mut self, at: &str, b: &Value, h: &Value) {
        let (b, h) = (set(b), set(h));
        let public = |s: &BTreeSet<String>| s.is_empty() || s.contains("{}");
        if b == h || public(&h) {
            if b != h {
                self.note(false, at, "credentials are no longer required");
            }
            return;
        }
        self.note(
            true,
            at,
            format!("security became [{}] (was [{}])", listed(&h), listed(&b)),
        );
    }

    fn parameters(&mut self, at: &str, b: &Value, h: &Value) {
        for key in keys(b, h) {
            let here = format!("{at} parameter {key}");
            match (b.get(key), h.get(key)) {
                (Some(_), None) => self.note(true, &here, "the parameter was removed"),
                (None, Some(p)) if p["required"] == true => {
                    self.note(true, &here, "a new required parameter")
                }
                (None, Some(_)) => self.note(false, &here, "a new optional parameter"),
                (Some(bp), Some(hp)) => {
                    if bp["required"] != true && hp["required"] == true {
                        self.note(true, &here, "the parameter became required");
                    }
                    self.schema(&here, &bp["schema"], &hp["schema"], Flow::Request);
                }
                (None, None) => {}
            }
        }
    }

    fn request_body(&mut self, at: &str, b: &Value, h: &Value) {
        let here = format!("{at} request body");
        match (b.is_null(), h.is_null()) {
            (true, true) => return,
            (false, true) => return self.note(true, &here, "the request body was removed"),
            (true, false) => {
                return self.note(h["required"] == true, &here, "a new request body");
            }
            (false, false) => {}
        }
        if b["required"] != true && h["required"] == true {
            self.note(true, &here, "the request body became required");
        }
        self.content(&here, &b["content"], &h["content"], Flow::Request);
    }

    fn content(&mut self, at: &str, b: &Value, h: &Value, flow: Flow) {
        for media in keys(b, h) {
            let here = format!("{at} ({media})");
            match (b.get(media), h.get(media)) {
                (Some(_), None) => self.note(true, &here, "the media type was removed"),
                (None, Some(_)) => self.note(false, &here, "a new media type"),
                (Some(bm), Some(hm)) => self.schema(&here, &bm["schema"], &hm["schema"], flow),
                (None, None) => {}
            }
        }
    }

    fn responses(&mut self, at: &str, b: &Value, h: &Value) {
        for status in keys(b, h) {
            let mut here = format!("{at} response {status}");
            let success = status.starts_with('2');
            // A shared response (`#/components/responses/…`) is compared once, under its name.
            if let (Some(Value::String(br)), Some(Value::String(hr))) =
                (b[status].get("$ref"), h[status].get("$ref"))
                && br == hr
            {
                if !self.seen.insert((br.clone(), hr.clone(), Flow::Response)) {
                    continue;
                }
                here = format!(
                    "response {}",
                    br.trim_start_matches("#/components/responses/")
                );
            }
            let (br, hr) = match (b.get(status), h.get(status)) {
                (Some(_), None) => {
                    self.note(success, &here, "the response was removed");
                    continue;
                }
                (None, Some(_)) => {
                    self.note(false, &here, "a new response");
                    continue;
                }
                (Some(br), Some(hr)) => (self.response(br, true), self.response(hr, false)),
                (None, None) => continue,
            };
            self.content(&here, &br["content"], &hr["content"], Flow::Response);
            self.headers(&here, &br["headers"], &hr["headers"]);
        }
    }

    /// A response, with a `$ref` to `#/components/responses` followed.
    fn response(&self, r: &Value, base: bool) -> Value {
        self.follow(r, base)
    }

    fn headers(&mut self, at: &str, b: &Value, h: &Value) {
        let lower = |v: &Value| -> BTreeMap<String, Value> {
            v.as_object()
                .into_iter()
                .flatten()
                .map(|(k, x)| (k.to_ascii_lowercase(), x.clone()))
                .collect()
        };
        let (b, h) = (lower(b), lower(h));
        for name in b.keys().chain(h.keys()).collect::<BTreeSet<_>>() {
            let here = format!("{at} header {name}");
            match (
                b.get(name).map(|x| self.follow(x, true)),
                h.get(name).map(|x| self.follow(x, false)),
            ) {
                (Some(bh), None) if bh["required"] == true => {
                    self.note(true, &here, "a header every answer carried was removed")
                }
                (Some(_), None) => self.note(false, &here, "an optional header was removed"),
                (None, Some(_)) => self.note(false, &here, "a new header"),
                (Some(bh), Some(hh)) => {
                    let same_ref = b[name]
                        .get("$ref")
                        .filter(|r| Some(*r) == h[name].get("$ref"));
                    if let Some(r) = same_ref.map(Value::to_string)
                        && !self.seen.insert((r.clone(), r, Flow::Response))
                    {
                        continue;
                    }
                    if bh["required"] == true && hh["required"] != true {
                        self.note(true, &here, "the header is no longer always sent");
                    }
                    self.schema(&here, &bh["schema"], &hh["schema"], Flow::Response);
                }
                (None, None) => {}
            }
        }
    }

    /// `v` with its `$ref` followed in the base or the head document.
    fn follow(&self, v: &Value, base: bool) -> Value {
        let doc = if base { &self.base } else { &self.head };
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => doc
                .pointer(r.trim_start_matches('#'))
                .cloned()
                .unwrap_or(Value::Null),
            None => v.clone(),
        }
    }

    fn schema(&mut self, at: &str, b: &Value, h: &Value, flow: Flow) {
        if b.is_null() && h.is_null() {
            return;
        }
        let (br, hr) = (b.get("$ref"), h.get("$ref"));
        if br.is_some() || hr.is_some() {
            let pair = (
                br.map(Value::to_string).unwrap_or_default(),
                hr.map(Value::to_string).unwrap_or_default(),
                flow,
            );
            if !self.seen.insert(pair) {
                return;
            }
            let (b, h) = (self.follow(b, true), self.follow(h, false));
            let here = match hr.or(br).and_then(Value::as_str) {
                Some(r) => format!(
                    "{} schema {}",
                    match flow {
                        Flow::Request => "request",
                        Flow::Response => "response",
                    },
                    r.trim_start_matches("#/components/schemas/")
                ),
                None => at.to_owned(),
            };
            return self.schema(&here, &b, &h, flow);
        }
        self.types(at, b, h, flow);
        self.enums(at, b, h, flow);
        self.bounds(at, b, h, flow);
        self.properties(at, b, h, flow);
        self.branches(at, b, h, flow);
        if b.get("items").is_some() || h.get("items").is_some() {
            self.schema(&format!("{at}[]"), &b["items"], &h["items"], flow);
        }
    }

    /// Whether a request accepting less, or an answer holding more, is what happened: the
    /// change breaks a client in that case.
    fn narrower_breaks(flow: Flow) -> (bool, bool) {
        match flow {
            Flow::Request => (true, false),
            Flow::Response => (false, true),
        }
    }

    fn types(&mut self, at: &str, b: &Value, h: &Value, flow: Flow) {
        let (bt, ht) = (set(&b["type"]), set(&h["type"]));
        if bt == ht {
            return;
        }
        let (narrower, wider) = Self::narrower_breaks(flow);
        let removed: BTreeSet<_> = bt.difference(&ht).cloned().collect();
        let added: BTreeSet<_> = ht.difference(&bt).cloned().collect();
        // An absent type allows every type.
        let narrowed = bt.is_empty() || !removed.is_empty();
        let widened = ht.is_empty() || !added.is_empty();
        let what = format!("type [{}] became [{}]", listed(&bt), listed(&ht));
        self.note((narrowed && narrower) || (widened && wider), at, what);
    }

    fn enums(&mut self, at: &str, b: &Value, h: &Value, flow: Flow) {
        let (be, he) = (b.get("enum"), h.get("enum"));
        if be == he {
            return;
        }
        let (narrower, wider) = Self::narrower_breaks(flow);
        let (bs, hs) = (be.map(set), he.map(set));
        let narrowed = match (&bs, &hs) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(b), Some(h)) => !b.is_subset(h),
        };
        let widened = match (&bs, &hs) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(b), Some(h)) => !h.is_subset(b),
        };
        let show = |s: &Option<BTreeSet<String>>| s.as_ref().map_or("any value".into(), listed);
        let what = format!("enum [{}] became [{}]", show(&bs), show(&hs));
        self.note((narrowed && narrower) || (widened && wider), at, what);
    }

    fn bounds(&mut self, at: &str, b: &Value, h: &Value, flow: Flow) {
        let (narrower, wider) = Self::narrower_breaks(flow);
        let number = |v: &Value| v.as_f64();
        for (names, tighter) in [
            (
                LOWER_BOUNDS,
                (|b: f64, h: f64| h > b) as fn(f64, f64) -> bool,
            ),
            (UPPER_BOUNDS, |b: f64, h: f64| h < b),
        ] {
            for name in names {
                let (bv, hv) = (b.get(*name).and_then(number), h.get(*name).and_then(number));
                if bv == hv {
                    continue;
                }
                let (narrowed, widened) = match (bv, hv) {
                    (None, Some(_)) => (true, false),
                    (Some(_), None) => (false, true),
                    (Some(x), Some(y)) => (tighter(x, y), !tighter(x, y)),
                    (None, None) => continue,
                };
                let what = format!("{name} {} became {}", show(bv), show(hv));
                self.note((narrowed && narrower) || (widened && wider), at, what);
            }
        }
        for name in ["pattern", "format"] {
            let (bv, hv) = (b.get(name), h.get(name));
            if bv == hv {
                continue;
            }
            // A changed pattern or format may refuse what the old one allowed, and the reverse.
            let breaking = match (bv, hv) {
                (None, Some(_)) => narrower,
                (Some(_), None) => wider,
                _ => true,
            };
            let what = format!("{name} {} became {}", show_json(bv), show_json(hv));
            self.note(breaking, at, what);
        }
    }

    fn properties(&mut self, at: &str, b: &Value, h: &Value, flow: Flow) {
        let (bp, hp) = (&b["properties"], &h["properties"]);
        let (br, hr) = (set(&b["required"]), set(&h["required"]));
        let required =
            |s: &BTreeSet<String>, name: &str| s.contains(&Value::from(name).to_string());
        for name in keys(bp, hp) {
            let here = format!("{at}.{name}");
            match (bp.get(name), hp.get(name)) {
                (Some(_), None) => self.note(true, &here, "the property was removed"),
                (None, Some(_)) => match flow {
                    Flow::Request if required(&hr, name) => {
                        self.note(true, &here, "a new required property")
                    }
                    _ => self.note(false, &here, "a new optional property"),
                },
                (Some(bs), Some(hs)) => {
                    match flow {
                        Flow::Request if !required(&br, name) && required(&hr, name) => {
                            self.note(true, &here, "the property became required")
                        }
                        Flow::Response if required(&br, name) && !required(&hr, name) => {
                            self.note(true, &here, "the property is no longer always present")
                        }
                        _ => {}
                    }
                    self.schema(&here, bs, hs, flow);
                }
                (None, None) => {}
            }
        }
    }

    fn branches(&mut self, at: &str, b: &Value, h: &Value, flow: Flow) {
        let (narrower, wider) = Self::narrower_breaks(flow);
        for key in ["oneOf", "anyOf", "allOf"] {
            let (bb, hb) = (set(&b[key]), set(&h[key]));
            if bb != hb {
                let narrowed = bb.difference(&hb).next().is_some();
                let widened = hb.difference(&bb).next().is_some();
                let (narrowed, widened) = if key == "allOf" {
                    (widened, narrowed) // every branch must hold: more branches accept less
                } else {
                    (narrowed, widened)
                };
                let what = format!("{key} [{}] became [{}]", listed(&bb), listed(&hb));
                self.note((narrowed && narrower) || (widened && wider), at, what);
            }
            // A branch both sides name by the same `$ref` is compared inside.
            let refs = |v: &Value| -> Vec<Value> {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter(|x| x.get("$ref").is_some())
                    .cloned()
                    .collect()
            };
            for r in refs(&b[key]) {
                if refs(&h[key]).contains(&r) {
                    self.schema(at, &r, &r, flow);
                }
            }
        }
    }
}

fn show(v: Option<f64>) -> String {
    v.map_or("(none)".into(), |x| x.to_string())
}

fn show_json(v: Option<&Value>) -> String {
    v.map_or("(none)".into(), Value::to_string)
}
