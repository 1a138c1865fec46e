//! Credentials as HTTP carries them: the extractors that read `Authorization: Bearer …` and
//! `x-session-token` and hand them to `app` to verify. A missing or malformed header is a 401
//! here; what a token says, and what the caller may do, is `app`'s to decide.

use std::ops::Deref;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use app::App;
use domain::{Error, Result};

use crate::problem::{ApiError, request_id};

/// The header that carries the session token.
pub const SESSION_HEADER: &str = "x-session-token";

/// A caller with a verified bearer.
#[derive(Debug, Clone)]
pub struct Caller(pub app::Caller);

impl Deref for Caller {
    type Target = app::Caller;
    fn deref(&self) -> &app::Caller {
        &self.0
    }
}

/// A caller with a verified bearer and a verified session of the same user (every
/// `users-organizations/v1` operation but `POST /sessions`).
#[derive(Debug, Clone)]
pub struct Session(pub app::SessionCaller);

impl Deref for Session {
    type Target = app::SessionCaller;
    fn deref(&self) -> &app::SessionCaller {
        &self.0
    }
}

fn app(req: &HttpRequest) -> &App {
    req.app_data::<web::Data<App>>()
        .expect("the App is registered")
}

/// The one value of the credential header `name`: a request that sends it twice is a 400, since
/// a proxy in front may have checked the other one.
fn single<'r>(req: &'r HttpRequest, name: &str) -> Result<Option<&'r header::HeaderValue>> {
    let mut values = req.headers().get_all(name);
    let first = values.next();
    if values.next().is_some() {
        return Err(Error::BadRequest(format!(
            "send the `{name}` header once; this request sends it more than once"
        )));
    }
    Ok(first)
}

fn bearer(req: &HttpRequest) -> Result<app::Caller> {
    let header = single(req, header::AUTHORIZATION.as_str())?
        .ok_or_else(|| Error::Unauthenticated("send `Authorization: Bearer <token>`".into()))?;
    let token = header
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })?;
    app(req).caller(token, &request_id())
}

fn session(req: &HttpRequest) -> Result<app::SessionCaller> {
    let caller = bearer(req)?;
    let token = single(req, SESSION_HEADER)?
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::Unauthenticated(format!("send the `{SESSION_HEADER}` header")))?;
    app(req).session_caller(caller, token)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<std::result::Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(bearer(req).map(Caller).map_err(ApiError::from))
    }
}

impl FromRequest for Session {
    type Error = ApiError;
    type Future = std::future::Ready<std::result::Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(session(req).map(Session).map_err(ApiError::from))
    }
}
