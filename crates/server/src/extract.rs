//! `Json<T>`: the request-body extractor. It answers each way a body can be wrong with its own
//! status: 415 for a media type that is not JSON, 413 past 64 KiB, 400 for text that is not
//! JSON, 422 for JSON that does not fit the shape, naming the field.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::StatusCode, http::header};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::problem::ApiError;

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A JSON request body of type `T`.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
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
            if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
                return Err(too_large());
            }
            let mut body = Vec::with_capacity(declared.unwrap_or(256).min(MAX_BODY_BYTES));
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::bad_request(format!("the body could not be read: {e}"))
                })?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(Json)
        })
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {MAX_BODY_BYTES} bytes"),
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

/// Parses a body: syntax errors are 400, shape errors (an array or a number where the body's
/// object belongs, a wrong field) 422 with the offending field. The syntax
/// of the whole body is checked first, so a shape error early in a body that is malformed later
/// is still a 400.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice::<serde::de::IgnoredAny>(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    // Every body of this API is an object; serde would also read a struct from an array.
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(domain::Error::invalid("body", "must be a JSON object").into());
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(shape_error)?;
    de.end()
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    Ok(value)
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

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        items: Vec<i64>,
    }

    fn status_of(body: &str) -> u16 {
        parse::<Body>(body.as_bytes())
            .unwrap_err()
            .status()
            .as_u16()
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
    fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
        // Well-formed but of the wrong shape (422), or past the parser's depth limit (400):
        // either way a client error, and the process survives.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(status_of(&deep), 422);
        let deep_field = format!(
            "{{\"name\": \"a\", \"items\": {}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(matches!(status_of(&deep_field), 400 | 422));
        let unclosed = "[".repeat(100_000);
        assert_eq!(status_of(&unclosed), 400);
    }

    #[test]
    fn a_well_formed_body_of_the_wrong_shape_is_a_422() {
        assert_eq!(status_of("[]"), 422);
        assert_eq!(status_of("{\"name\": 1, \"items\": []}"), 422);
        assert_eq!(status_of("{\"items\": []}"), 422);
        assert_eq!(status_of("{\"name\": \"a\", \"items\": [1, \"x\"]}"), 422);
    }
}
