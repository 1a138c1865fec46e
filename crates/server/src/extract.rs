//! Request extractors beyond credentials. `Json<T>`, the request body: it answers each way a
//! body can be wrong with its own status: 415 for a media type that is not JSON, 413 past 64 KiB
//! (or the limit the operation sets: `Json<T, BULK_BODY_BYTES>`),
//! 400 for text that is not JSON (anywhere in it, unknown fields included), 422 for JSON that
//! does not fit the shape, naming the field. `Keyed`, the `Idempotency-Key` header of a creating
//! POST; `KeyedJson<T>`, both together.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::StatusCode, http::header};
use futures_util::StreamExt;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::problem::ApiError;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The largest body of a bulk operation (up to 100 rows, each as large as a single request may
/// reasonably be).
pub const BULK_BODY_BYTES: usize = 1024 * 1024;
/// How long a request body may take to arrive, all of it: past it the answer is 408 and the
/// connection closes, so a client that sends headers and then trickles (or nothing) holds no
/// connection, task or buffer for long.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// A JSON request body of type `T`, of at most `LIMIT` bytes.
pub struct Json<T, const LIMIT: usize = MAX_BODY_BYTES>(pub T);

impl<T: DeserializeOwned + Serialize + 'static, const LIMIT: usize> FromRequest for Json<T, LIMIT> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let media_ok = is_json(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !media_ok {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "the body must be JSON: send `Content-Type: application/json`",
                ));
            }
            if declared.is_some_and(|n| n > LIMIT) {
                return Err(too_large(LIMIT));
            }
            let read = async {
                let mut body = Vec::with_capacity(declared.unwrap_or(256).min(LIMIT));
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| {
                        ApiError::bad_request(format!("the body could not be read: {e}"))
                    })?;
                    if body.len() + chunk.len() > LIMIT {
                        return Err(too_large(LIMIT));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            };
            let body = tokio::time::timeout(BODY_DEADLINE, read)
                .await
                .map_err(|_| {
                    ApiError::new(
                        StatusCode::REQUEST_TIMEOUT,
                        format!(
                            "the request body did not arrive within {} seconds; send it whole, at once",
                            BODY_DEADLINE.as_secs()
                        ),
                    )
                    .closing()
                })??;
            parse(&body).map(Json)
        })
    }
}

/// The `Idempotency-Key` header of a creating POST, when one was sent (1–255 visible ASCII
/// characters; 400 otherwise), with the method and path it came with: what a use case needs to
/// claim it. Only operations that take this extractor (or `KeyedJson`) honour the header.
pub struct Keyed(Option<app::Key>);

/// The request header that carries the key.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

impl Keyed {
    /// The key for a request with this (parsed) body.
    pub fn with_body<B: Serialize>(self, body: &B) -> Option<app::KeyedRequest> {
        self.0.map(|k| k.with_body(body))
    }
}

impl FromRequest for Keyed {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = match req.headers().get(IDEMPOTENCY_KEY).map(|v| v.to_str()) {
            None => Ok(None),
            Some(Ok(k))
                if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Ok(Some(app::Key {
                    key: k.to_owned(),
                    method: req.method().as_str().to_owned(),
                    path: req.path().to_owned(),
                }))
            }
            Some(_) => Err(ApiError::bad_request(
                "`Idempotency-Key` must be 1–255 visible ASCII characters",
            )),
        };
        std::future::ready(key.map(Keyed))
    }
}

/// The JSON body of a creating POST with its `Idempotency-Key` (`Keyed`, read first), keyed by
/// that body: what a creating use case takes. Derefs to the body.
pub struct KeyedJson<T> {
    pub body: T,
    /// The key with the body's fingerprint, when one was sent.
    pub key: Option<app::KeyedRequest>,
}

impl<T> std::ops::Deref for KeyedJson<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

impl<T: DeserializeOwned + Serialize + 'static> FromRequest for KeyedJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let key = Keyed::from_request(req, payload).into_inner();
        let body = Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let key = key?;
            let Json(body) = body.await?;
            Ok(Self {
                key: key.with_body(&body),
                body,
            })
        })
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {limit} bytes"),
    )
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(ct) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a body: syntax errors are 400, shape errors (an array or a number where an object
/// belongs, a wrong field) 422 with the offending field. The whole body is parsed first, so a
/// shape error early in a body that is malformed later is still a 400, and so is a body whose
/// unknown fields (which serde would skip) are not UTF-8 or nest past the parser's depth limit.
pub fn parse<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(domain::Error::invalid("body", "must be a JSON object").into());
    }
    let parsed: T = serde_path_to_error::deserialize(&value).map_err(shape_error)?;
    // serde reads a struct from an array too (its fields in order): every object of this API is
    // a JSON object, at the top level as anywhere inside. What was read, written back, shows
    // where an object was read from an array.
    if contains_array(&value)
        && let Ok(read) = serde_json::to_value(&parsed)
        && let Some(field) = array_read_as_object(&value, &read)
    {
        return Err(domain::Error::invalid(field, "must be a JSON object, not an array").into());
    }
    Ok(parsed)
}

fn contains_array(v: &Value) -> bool {
    match v {
        Value::Array(_) => true,
        Value::Object(m) => m.values().any(contains_array),
        _ => false,
    }
}

/// The dotted path of the first array in `sent` where `read` (the body as deserialized, written
/// back) holds an object.
fn array_read_as_object(sent: &Value, read: &Value) -> Option<String> {
    let at = |key: String, rest: String| {
        if rest.is_empty() {
            key
        } else {
            format!("{key}.{rest}")
        }
    };
    match (sent, read) {
        (Value::Array(_), Value::Object(_)) => Some(String::new()),
        (Value::Array(a), Value::Array(b)) => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| array_read_as_object(x, y).map(|p| at(i.to_string(), p))),
        (Value::Object(a), Value::Object(b)) => a.iter().find_map(|(k, x)| {
            b.get(k)
                .and_then(|y| array_read_as_object(x, y))
                .map(|p| at(k.clone(), p))
        }),
        _ => None,
    }
}

fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let inner = e.inner();
    if !inner.is_data() {
        return ApiError::bad_request(format!("the body is not valid JSON: {inner}"));
    }
    let mut field = dotted(e.path());
    let mut message = strip_position(&inner.to_string());
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        field = if field.is_empty() {
            name.to_owned()
        } else {
            format!("{field}.{name}")
        };
        message = "is required".to_owned();
    }
    if field.is_empty() {
        // The body as a whole has the wrong shape (an array where an object belongs).
        field = "body".to_owned();
    }
    domain::Error::invalid(field, message).into()
}

fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, serde::Serialize, Debug)]
    struct Body {
        name: String,
        items: Vec<i64>,
        #[serde(default)]
        inner: Option<Inner>,
        #[serde(default)]
        list: Vec<Inner>,
    }

    #[derive(serde::Deserialize, serde::Serialize, Debug)]
    struct Inner {
        group: i64,
    }

    fn refused(body: &[u8]) -> ApiError {
        parse::<Body>(body).unwrap_err()
    }

    fn status_of(body: &str) -> u16 {
        refused(body.as_bytes()).status().as_u16()
    }

    fn field_of(body: &str) -> String {
        let e = refused(body.as_bytes());
        assert_eq!(e.status().as_u16(), 422, "{body}");
        e.errors()[0].field.clone()
    }

    #[test]
    fn malformed_or_truncated_json_is_a_400() {
        assert_eq!(status_of("{\"name\": "), 400);
        assert_eq!(status_of("not json"), 400);
        assert_eq!(status_of("{} trailing"), 400);
        assert_eq!(
            status_of("{\"name\": 1} {}"),
            400,
            "a shape error does not hide a syntax error"
        );
    }

    #[test]
    fn invalid_utf_8_is_a_400_even_in_a_field_serde_would_skip() {
        assert_eq!(refused(b"{\"name\": \"\xff\"}").status().as_u16(), 400);
        let unknown = b"{\"name\": \"a\", \"items\": [], \"unknown\": \"\xff\xfe\"}";
        assert_eq!(refused(unknown).status().as_u16(), 400);
    }

    #[test]
    fn deeply_nested_json_is_a_400_without_overflowing_the_stack() {
        // Past the parser's depth limit wherever it is, in a field serde would skip too.
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(status_of(&deep(100_000)), 400);
        let in_field = format!("{{\"name\": \"a\", \"items\": {}}}", deep(100_000));
        assert_eq!(status_of(&in_field), 400);
        let in_unknown = format!(
            "{{\"name\": \"a\", \"items\": [], \"unknown\": {}}}",
            deep(5_000)
        );
        assert_eq!(status_of(&in_unknown), 400);
        assert_eq!(status_of(&"[".repeat(100_000)), 400);
    }

    #[test]
    fn a_well_formed_body_of_the_wrong_shape_is_a_422() {
        assert_eq!(field_of("[]"), "body");
        assert_eq!(field_of("null"), "body");
        assert_eq!(field_of("{\"name\": 1, \"items\": []}"), "name");
        assert_eq!(field_of("{\"items\": []}"), "name");
        assert_eq!(
            field_of("{\"name\": \"a\", \"items\": [1, \"x\"]}"),
            "items.1"
        );
    }

    #[test]
    fn a_nested_array_where_an_object_belongs_is_a_422_naming_the_field() {
        // serde alone reads `Inner { group: 0 }` from `[0]`.
        let nested = r#"{"name": "a", "items": [], "inner": [0]}"#;
        assert_eq!(field_of(nested), "inner");
        let in_list = r#"{"name": "a", "items": [], "list": [{"group": 1}, [2]]}"#;
        assert_eq!(field_of(in_list), "list.1");
        let fine = r#"{"name": "a", "items": [1], "inner": {"group": 0}, "list": [{"group": 1}]}"#;
        assert!(parse::<Body>(fine.as_bytes()).is_ok());
    }
}
