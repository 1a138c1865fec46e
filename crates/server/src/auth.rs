//! Credentials as HTTP carries them: the extractors that read `Authorization: Bearer …` and
//! `x-session-token` and hand them to `app` to verify. A missing or malformed header is a 401
//! here; what a token says, and what the caller may do, is `app`'s to decide.

use std::ops::Deref;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use app::App;
use domain::{Error, Result};
use futures_util::future::LocalBoxFuture;

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

/// The bearer token of `Authorization: Bearer <token>`; 401 when missing or malformed.
fn bearer_token(req: &HttpRequest) -> Result<String> {
    let header = single(req, header::AUTHORIZATION.as_str())?
        .ok_or_else(|| Error::Unauthenticated("send `Authorization: Bearer <token>`".into()))?;
    header
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
        })
}

/// The session token of `x-session-token`; 401 when missing.
fn session_token(req: &HttpRequest) -> Result<String> {
    single(req, SESSION_HEADER)?
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::Unauthenticated(format!("send the `{SESSION_HEADER}` header")))
}

/// The headers are read now; verifying (which may wait for the identity provider's keys) is
/// `app`'s, in the returned future.
impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, std::result::Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (app, request_id, token) = (app(req).clone(), request_id(), bearer_token(req));
        Box::pin(async move {
            let caller = app.caller(&token?, &request_id).await?;
            Ok(Caller(caller))
        })
    }
}

impl FromRequest for Session {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, std::result::Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let (app, request_id) = (app(req).clone(), request_id());
        let (bearer, session) = (bearer_token(req), session_token(req));
        Box::pin(async move {
            let caller = app.caller(&bearer?, &request_id).await?;
            Ok(Session(app.session_caller(caller, &session?)?))
        })
    }
}
