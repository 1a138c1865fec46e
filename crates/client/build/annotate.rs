//! Documentation progenitor does not write, added to its output before it is printed, from the
//! document's own descriptions:
//!
//! * each `Client` method lists its arguments with which are required;
//! * every builder method (`builder::*` for operations, `types::builder::*` for bodies) says
//!   what it sets and whether `send()` needs it, so a missing `organization_id` is found in
//!   the docs rather than at run time;
//! * a struct field whose schema is a `$ref` (which cannot carry a description in OpenAPI
//!   3.0) takes the referenced schema's description.
//!
//! Only `#[doc]` attributes are added or replaced; no code changes.

use serde_json::Value;
use syn::{Attribute, ImplItem, Item, ItemImpl, ItemMod, ItemStruct, parse_quote};

use crate::adapt::{flat, operations, ref_name};

/// Adds the documentation to progenitor's output `file`, generated from `doc`.
pub fn document(file: &mut syn::File, doc: &Value) {
    for item in &mut file.items {
        match item {
            Item::Impl(imp) if self_name(imp).as_deref() == Some("Client") => {
                client_methods(imp, doc);
            }
            Item::Mod(m) if m.ident == "builder" => operation_builders(m, doc),
            Item::Mod(m) if m.ident == "types" => types(m, doc),
            _ => {}
        }
    }
}

fn self_name(imp: &ItemImpl) -> Option<String> {
    if imp.trait_.is_some() {
        return None;
    }
    match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn operation<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    operations(doc)
        .into_iter()
        .map(|(_, _, op)| op)
        .find(|op| op["operationId"].as_str().map(flat) == Some(flat(name)))
}

fn parameter<'a>(op: &'a Value, name: &str) -> Option<&'a Value> {
    op["parameters"]
        .as_array()?
        .iter()
        .find(|p| p["name"].as_str().map(flat) == Some(flat(name)))
}

fn is_session(p: &Value) -> bool {
    p["name"]
        .as_str()
        .is_some_and(|n| n.eq_ignore_ascii_case("x-session-token"))
}

/// The request body's schema name and whether the body is required.
fn body(op: &Value) -> Option<(&str, bool)> {
    let body = &op["requestBody"];
    let name = ref_name(&body["content"]["application/json"]["schema"])?;
    Some((name, body["required"] == Value::Bool(true)))
}

/// Markdown for one line of a list: the description's lines joined.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn set_doc(attrs: &mut Vec<Attribute>, text: &str) {
    attrs.retain(|a| !a.path().is_ident("doc"));
    attrs.insert(0, parse_quote!(#[doc = #text]));
}

fn doc_text(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Client::<operation>()`: the argument list, with what is required.
fn client_methods(imp: &mut ItemImpl, doc: &Value) {
    for item in &mut imp.items {
        let ImplItem::Fn(f) = item else { continue };
        let Some(op) = operation(doc, &f.sig.ident.to_string()) else {
            continue;
        };
        let text = doc_text(&f.attrs);
        let (Some(start), Some(end)) = (text.find("Arguments:"), text.find("```ignore")) else {
            continue;
        };
        let mut arguments = String::from(
            "Arguments, each set by the builder method of its name; `send()` fails with \
             `Error::InvalidRequest` when a **required** one is missing:\n",
        );
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = snake(p["name"].as_str().unwrap_or_default());
            let description = one_line(p["description"].as_str().unwrap_or_default());
            let required = if is_session(p) {
                " (required by the server; a client from `with_session` sends it)"
            } else if p["required"] == Value::Bool(true) {
                " (**required**)"
            } else {
                ""
            };
            arguments.push_str(&format!("- `{name}`{required}: {description}\n"));
        }
        if let Some((schema, required)) = body(op) {
            let required = if required { " (**required**)" } else { "" };
            let fields = required_setters(&doc["components"]["schemas"], schema);
            arguments.push_str(&format!(
                "- `body`{required}: a [`types::{schema}`](crate::types::{schema}); write it with \
                 `.body_map(|b| b{fields})`\n"
            ));
        }
        if parameter(op, "cursor").is_some() {
            arguments.push_str(
                "\nA list: [`.items()`](crate::ListOperation::items) streams every item of every \
                 page, [`.pages()`](crate::ListOperation::pages) every page.\n",
            );
        }
        let text = format!("{}{arguments}\n{}", &text[..start], &text[end..]);
        set_doc(&mut f.attrs, &text);
    }
}

/// progenitor's names for the document's parameter names (`Idempotency-Key` →
/// `idempotency_key`, `organizationId` → `organization_id`).
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// `builder::<Operation>`: every setter, `body`, `body_map` and `send`.
fn operation_builders(m: &mut ItemMod, doc: &Value) {
    let Some((_, items)) = &mut m.content else {
        return;
    };
    for item in items {
        let Item::Impl(imp) = item else { continue };
        let Some(op) = self_name(imp).and_then(|n| operation(doc, &n)) else {
            continue;
        };
        let method = op["operationId"].as_str().unwrap_or_default();
        for item in &mut imp.items {
            let ImplItem::Fn(f) = item else { continue };
            let name = f.sig.ident.to_string();
            let text = match name.as_str() {
                "new" => format!(
                    "Starts a call of `{method}`; [`Client::{method}`](crate::Client::{method}) is the usual way in."
                ),
                "send" => format!(
                    "{}\n\nFails with `Error::InvalidRequest` when a required parameter or body \
                     field was not set or did not convert, and with `Error::ErrorResponse` \
                     holding the [`Problem`](crate::types::Problem) when the server refuses; `?` \
                     into an [`ApiError`](crate::ApiError) prints either in one line.",
                    doc_text(&f.attrs)
                ),
                "body" => body_doc(op),
                "body_map" => body_map_doc(op, &doc["components"]["schemas"]),
                _ => match parameter(op, &name) {
                    Some(p) => parameter_doc(p),
                    None => continue,
                },
            };
            set_doc(&mut f.attrs, &text);
        }
    }
}

fn parameter_doc(p: &Value) -> String {
    let description = p["description"].as_str().unwrap_or_default().trim();
    let rule = if is_session(p) {
        "The server requires it on this path. A client made with `with_session` sends its \
         session on every call; set it here to use another one for this call."
    } else if p["required"] == Value::Bool(true) {
        "This parameter is **required**: `send()` fails with `Error::InvalidRequest` (\"… was \
         not initialized\") without it."
    } else {
        "This parameter is optional."
    };
    format!("{description}\n\n{rule}")
}

fn body_doc(op: &Value) -> String {
    let Some((schema, _)) = body(op) else {
        return "The request body.".into();
    };
    format!(
        "The request body: a [`types::{schema}`](crate::types::{schema}), or its builder \
         `types::{schema}::builder().field(…)`, which checks each field as it is set (no \
         `.parse()` of every newtype field, as a struct literal needs).\n\nThe body is \
         **required**; [`body_map`](Self::body_map) is the shorter way to write it."
    )
}

/// `.a(…).b(…)`: the body builder's setters of `schema`'s required fields.
fn required_setters(schemas: &Value, schema: &str) -> String {
    schemas[schema]["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|f| format!(".{}(…)", snake(f)))
        .collect()
}

fn body_map_doc(op: &Value, schemas: &Value) -> String {
    let Some((schema, _)) = body(op) else {
        return "Writes the body through its builder.".into();
    };
    let fields = required_setters(schemas, schema);
    format!(
        "Writes the body through its builder ([`types::builder::{schema}`](crate::types::builder::{schema})), \
         starting from an empty one: `.body_map(|b| b{fields})` sets every required field. \
         `send()` names any required field left unset."
    )
}

/// `types`: body builders' setters and `$ref` fields of the structs.
fn types(m: &mut ItemMod, doc: &Value) {
    let schemas = &doc["components"]["schemas"];
    let Some((_, items)) = &mut m.content else {
        return;
    };
    for item in items {
        match item {
            Item::Struct(s) => {
                if let Some(schema) = schema_of(schemas, &s.ident.to_string()) {
                    ref_fields(s, schema, schemas);
                }
            }
            Item::Mod(b) if b.ident == "builder" => body_builders(b, schemas),
            _ => {}
        }
    }
}

fn schema_of<'a>(schemas: &'a Value, name: &str) -> Option<&'a Value> {
    schemas
        .as_object()?
        .iter()
        .find(|(n, _)| flat(n) == flat(name))
        .map(|(_, s)| s)
}

fn property<'a>(schema: &'a Value, name: &str) -> Option<(&'a str, &'a Value)> {
    schema["properties"]
        .as_object()?
        .iter()
        .find(|(n, _)| flat(n) == flat(name))
        .map(|(n, p)| (n.as_str(), p))
}

/// A property's description, or else that of the schema it refers to (directly or through a
/// one-element `allOf`).
fn described<'a>(property: &'a Value, schemas: &'a Value) -> Option<&'a str> {
    if let Some(d) = property["description"].as_str() {
        return Some(d);
    }
    let target = ref_name(property).or_else(|| ref_name(&property["allOf"][0]))?;
    schemas[target]["description"].as_str()
}

fn ref_fields(s: &mut ItemStruct, schema: &Value, schemas: &Value) {
    for field in &mut s.fields {
        if !doc_text(&field.attrs).is_empty() {
            continue;
        }
        let Some(ident) = &field.ident else { continue };
        if let Some(text) =
            property(schema, &ident.to_string()).and_then(|(_, p)| described(p, schemas))
        {
            set_doc(&mut field.attrs, text.trim());
        }
    }
}

fn body_builders(m: &mut ItemMod, schemas: &Value) {
    let Some((_, items)) = &mut m.content else {
        return;
    };
    for item in items {
        let Item::Impl(imp) = item else { continue };
        let Some(schema) = self_name(imp).and_then(|n| schema_of(schemas, &n)) else {
            continue;
        };
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for item in &mut imp.items {
            let ImplItem::Fn(f) = item else { continue };
            let Some((name, p)) = property(schema, &f.sig.ident.to_string()) else {
                continue;
            };
            let description = described(p, schemas).unwrap_or_default().trim();
            let rule = if required.contains(&name) {
                format!("The `{name}` field is **required**.")
            } else {
                format!("The `{name}` field is optional: a value of its type, or `None`.")
            };
            set_doc(&mut f.attrs, &format!("{description}\n\n{rule}"));
        }
    }
}
