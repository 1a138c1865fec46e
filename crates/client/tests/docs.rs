//! What keeps the client's documentation true: every field a builder exposes is described in
//! the document (rustdoc and Swagger UI show those descriptions), and the README shows the
//! example's `main` as it is (CI compiles and runs the example, not the README).

use serde_json::Value;

fn described(v: &Value) -> bool {
    v["description"]
        .as_str()
        .is_some_and(|d| !d.trim().is_empty())
}

#[test]
fn the_document_describes_every_schema_property_parameter_and_body() {
    let doc = contract::document();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut missing = Vec::new();
    for (name, schema) in schemas {
        if !described(schema) {
            missing.push(name.clone());
        }
        for (property, p) in schema["properties"].as_object().into_iter().flatten() {
            // A bare `$ref` cannot carry a description in OpenAPI 3.0 (siblings are ignored):
            // the schema it names must be described instead.
            let target = p["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"));
            let ok = match target {
                Some(t) => described(&schemas[t]),
                None => described(p),
            };
            if !ok {
                missing.push(format!("{name}.{property}"));
            }
        }
    }
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if !described(p) {
                    missing.push(format!("{method} {path} parameter {}", p["name"]));
                }
            }
            if op.get("requestBody").is_some() && !described(&op["requestBody"]) {
                missing.push(format!("{method} {path} requestBody"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "openapi/rollcall.yaml leaves these undescribed (rustdoc and Swagger UI would show \
         nothing for them); add a `description`:\n  {}",
        missing.join("\n  ")
    );
}

/// The example's `async fn main` through the end of its body.
fn main_function(example: &str) -> &str {
    let start = example
        .find("#[tokio::main]")
        .expect("examples/tour.rs has a #[tokio::main]");
    let end = start
        + example[start..]
            .find("\n}\n")
            .expect("main ends with a `}` line")
        + 2;
    &example[start..end]
}

#[test]
fn the_readme_shows_the_examples_main_function_as_it_is() {
    let example = include_str!("../examples/tour.rs");
    let readme = include_str!("../../../README.md");
    let main = main_function(example);
    assert!(
        readme.contains(main),
        "README.md's \"Rust client\" section must show crates/client/examples/tour.rs's main \
         function verbatim; copy it from there:\n{main}"
    );
}
