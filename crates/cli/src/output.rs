//! What a command prints on stdout: with `--json`, the API's object (or the list of them) as one
//! JSON document; otherwise an aligned table (comfy-table) — a list as one row per item with the
//! columns its command chose, one object as one row per field.

use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use serde_json::Value;

use crate::{context::Ctx, failure::Failure};

/// A column of a list: its header and where its value is in an item (a JSON pointer).
pub struct Column {
    pub header: &'static str,
    pub pointer: &'static str,
}

/// A column named `header` showing the value at `pointer`.
pub const fn col(header: &'static str, pointer: &'static str) -> Column {
    Column { header, pointer }
}

/// Prints one object.
pub fn object<T: Serialize>(ctx: &Ctx, value: &T) -> Result<(), Failure> {
    let value = to_value(value)?;
    if ctx.json() {
        return print_json(&value);
    }
    let mut table = table(&["FIELD", "VALUE"]);
    for (field, cell) in fields(&value) {
        table.add_row(vec![field, cell]);
    }
    println!("{table}");
    Ok(())
}

/// Prints a list: a JSON array, or a table of `columns`.
pub fn list<T: Serialize>(ctx: &Ctx, items: &[T], columns: &[Column]) -> Result<(), Failure> {
    let items: Vec<Value> = items.iter().map(to_value).collect::<Result<_, _>>()?;
    if ctx.json() {
        return print_json(&Value::Array(items));
    }
    if items.is_empty() {
        println!("(none)");
        return Ok(());
    }
    let headers: Vec<&str> = columns.iter().map(|c| c.header).collect();
    let mut table = table(&headers);
    for item in &items {
        table.add_row(
            columns
                .iter()
                .map(|c| item.pointer(c.pointer).map_or_else(String::new, cell))
                .collect::<Vec<_>>(),
        );
    }
    println!("{table}");
    Ok(())
}

/// Prints what a command that answers no object did (204): a sentence for people, nothing
/// with `--json` (the exit code says it).
pub fn done(ctx: &Ctx, sentence: &str) {
    if !ctx.json() {
        println!("{sentence}");
    }
}

/// A table with `headers`, aligned without borders (greppable), fitted to the terminal's width.
pub fn table(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.to_vec());
    table
}

pub fn print_json(value: &Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::unavailable(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

fn to_value<T: Serialize>(value: &T) -> Result<Value, Failure> {
    serde_json::to_value(value)
        .map_err(|e| Failure::unavailable(format!("cannot read the answer as JSON: {e}")))
}

/// The fields of an object as (dotted name, cell) rows; nested objects are spread one level
/// (`emailDelivery.status`).
fn fields(value: &Value) -> Vec<(String, String)> {
    let Value::Object(map) = value else {
        return vec![(String::new(), cell(value))];
    };
    let mut rows = Vec::new();
    for (key, v) in map {
        match v {
            Value::Object(inner) if !inner.is_empty() => {
                rows.extend(inner.iter().map(|(k, v)| (format!("{key}.{k}"), cell(v))));
            }
            _ => rows.push((key.clone(), cell(v))),
        }
    }
    rows
}

/// One value as a table cell: text as it is, `-` for null, a list comma-separated, a team
/// assignment as `<teamId>:<role>` (as a CSV file writes it), another object as its values
/// joined by `:`.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) if items.is_empty() => "-".into(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        Value::Object(map) => match (map.get("teamId"), map.get("role")) {
            (Some(team), Some(role)) => format!("{}:{}", cell(team), cell(role)),
            _ => map.values().map(cell).collect::<Vec<_>>().join(":"),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cells_read_as_people_write_them() {
        assert_eq!(cell(&json!(null)), "-");
        assert_eq!(cell(&json!("jane@example.com")), "jane@example.com");
        assert_eq!(cell(&json!([1, 2, 3])), "1, 2, 3");
        assert_eq!(cell(&json!([])), "-");
        assert_eq!(
            cell(&json!([{"teamId": "t-1", "role": "developer"}])),
            "t-1:developer"
        );
    }

    #[test]
    fn an_object_spreads_its_nested_objects_one_level() {
        let rows = fields(&json!({"id": "i-1", "emailDelivery": {"status": "queued"}}));
        assert!(rows.contains(&("id".into(), "i-1".into())));
        assert!(rows.contains(&("emailDelivery.status".into(), "queued".into())));
    }
}
