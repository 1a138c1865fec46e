//! Differences between two canonical documents, each at a JSON pointer with what each side
//! holds there. The left side is the document, the right side the handlers.

use std::fmt;

use serde_json::Value;

/// One place where the document and the handlers disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// JSON pointer (RFC 6901) into the normalized documents.
    pub pointer: String,
    /// What `openapi/rollcall.yaml` holds there (`None`: nothing).
    pub document: Option<Value>,
    /// What the handlers' utoipa annotations hold there (`None`: nothing).
    pub handlers: Option<Value>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| match v {
            None => "(absent)".to_owned(),
            Some(v) => {
                let s = v.to_string();
                if s.len() > 300 {
                    format!("{}…", &s[..s.floor_char_boundary(300)])
                } else {
                    s
                }
            }
        };
        writeln!(f, "{}", self.pointer)?;
        writeln!(f, "    openapi/rollcall.yaml: {}", show(&self.document))?;
        write!(f, "    handlers (utoipa):     {}", show(&self.handlers))
    }
}

/// Every difference between two normalized documents, in pointer order.
pub fn diff(document: &Value, handlers: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    diff_at(String::new(), document, handlers, &mut out);
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn diff_at(path: String, l: &Value, r: &Value, out: &mut Vec<Difference>) {
    match (l, r) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let p = format!("{path}/{}", escape(k));
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => diff_at(p, x, y, out),
                    (x, y) => out.push(Difference {
                        pointer: p,
                        document: x.cloned(),
                        handlers: y.cloned(),
                    }),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_at(format!("{path}/{i}"), x, y, out);
            }
        }
        _ if l == r => {}
        _ => out.push(Difference {
            pointer: path,
            document: Some(l.clone()),
            handlers: Some(r.clone()),
        }),
    }
}
