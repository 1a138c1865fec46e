//! `Idempotency-Key` on creating POSTs. The first answer to a key is kept in the database for
//! 24 hours, scoped to (caller, method, path); a retry with the same key and body gets that
//! answer again (`Idempotency-Replayed: true`), another body with the same key a 422, and a retry
//! while the first request still runs a 409. Only an answer the operation reached by running is
//! kept: a success, or a conflict with the data (409, 410). A refused request (bad input,
//! credentials, rights, an unknown resource, a rate limit) and a 5xx changed nothing, and give
//! the key back, so that the corrected or later request may use it.
//!
//! A raw invitation token is never stored, not even for replay: the kept answer has its token
//! blanked, and a replay rotates the invitation's token, as resend does, and answers the new one.

use actix_web::{
    HttpMessage, HttpResponse, ResponseError,
    body::{BoxBody, to_bytes},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{Method, StatusCode, header::HeaderName},
    middleware::Next,
    web,
};
use domain::{Error, InvitationToken};
use sha2::{Digest, Sha256};
use storage::{Claim, KeyScope};

use crate::{
    AppState, auth, extract::MAX_BODY_BYTES, problem::ApiError, wire::DEFAULT_LIFETIME_SECONDS,
};

/// The request header that carries the key.
pub const HEADER: &str = "idempotency-key";
const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");

/// The route patterns of the creating POSTs that honour the key.
const CREATING: &[&str] = &[
    "/organization",
    "/organization/{organizationId}/invite",
    "/organization/{organizationId}/teams",
    "/invitations/accept",
    "/users-organizations/v1/ad/invite",
    "/users-organizations/v1/bo/users",
    "/users-organizations/v1/bo/organizations",
    "/users-organizations/v1/bo/users/register/{userId}/organizations/{organizationId}",
];

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Only a request that carries a key pays for matching its route.
    let Some(key) = req
        .headers()
        .get(HEADER)
        .map(|v| v.to_str().map(str::to_owned))
    else {
        return next.call(req).await;
    };
    let creating = req.method() == Method::POST
        && req
            .match_pattern()
            .is_some_and(|p| CREATING.contains(&p.as_str()));
    if !creating {
        return next.call(req).await;
    }
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()) => k,
        _ => {
            return Ok(problem(
                req,
                ApiError::bad_request("`Idempotency-Key` must be 1–255 visible ASCII characters"),
            ));
        }
    };
    let Some(st) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    // Without valid credentials there is no scope, and nothing to replay: the operation
    // answers 401 itself.
    let Ok(caller) = auth::authenticated(req.request(), &st) else {
        return next.call(req).await;
    };

    let body = read_body(&mut req).await?;
    req.set_payload(replay_payload(body.clone()));
    if body.len() > MAX_BODY_BYTES {
        return next.call(req).await; // the operation answers 413
    }
    let scope = KeyScope {
        caller: caller.id().to_string(),
        method: "POST".into(),
        path: req.path().to_owned(),
        key,
    };
    let now = st.clock.now();
    let claim = match st
        .store
        .idempotency_begin(&scope, &hex(&Sha256::digest(&body)), now)
        .await
    {
        Ok(c) => c,
        Err(e) => return Ok(problem(req, e.into())),
    };
    match claim {
        Claim::Mismatch => Ok(problem(
            req,
            Error::invalid(
                "Idempotency-Key",
                "was used before with another body; use a new key",
            )
            .into(),
        )),
        Claim::InProgress => Ok(problem(
            req,
            Error::Conflict(
                "the first request with this `Idempotency-Key` is still in progress; retry shortly"
                    .into(),
            )
            .into(),
        )),
        Claim::Replay { status, body } => {
            let ctx = st.context(Some(caller.id()));
            match rotate_token(&st, &body, &ctx).await {
                Ok(body) => Ok(replay(req, status, body)),
                Err(e) => Ok(problem(req, e.into())),
            }
        }
        Claim::New => {
            let res = next.call(req).await?;
            let status = res.status();
            let (req, res) = res.into_parts();
            let (head, body) = res.into_parts();
            let bytes = to_bytes(body)
                .await
                .map_err(|_| actix_web::error::ErrorInternalServerError("response body"))?;
            let kept = if keeps(status) {
                st.store
                    .idempotency_finish(&scope, status.as_u16(), without_token(&bytes))
                    .await
            } else {
                st.store.idempotency_release(&scope).await
            };
            if let Err(e) = kept {
                tracing::error!(error = %e, "an idempotency key could not be kept");
            }
            Ok(ServiceResponse::new(
                req,
                head.set_body(bytes).map_into_boxed_body(),
            ))
        }
    }
}

/// Whether an answer is kept for replay: a success, or a conflict with the data. Anything else
/// left the data as it was.
fn keeps(status: StatusCode) -> bool {
    status.is_success() || status == StatusCode::CONFLICT || status == StatusCode::GONE
}

async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, actix_web::Error> {
    use futures_util::StreamExt;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        body.extend_from_slice(&chunk?);
        if body.len() > MAX_BODY_BYTES {
            break;
        }
    }
    Ok(body.freeze())
}

fn replay_payload(body: web::Bytes) -> Payload {
    let stream =
        futures_util::stream::once(async move { Ok::<_, actix_web::error::PayloadError>(body) });
    Payload::Stream {
        payload: Box::pin(stream),
    }
}

fn problem(req: ServiceRequest, e: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(e.error_response())
}

fn replay(req: ServiceRequest, status: u16, body: String) -> ServiceResponse<BoxBody> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let res = HttpResponse::build(status)
        .content_type(content_type)
        .insert_header((REPLAYED, "true"))
        .body(body);
    req.into_response(res)
}

/// The answer as kept: an invitation's token blanked.
fn without_token(bytes: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(mut v) if v.get("token").is_some_and(serde_json::Value::is_string) => {
            v["token"] = serde_json::Value::String(String::new());
            v.to_string()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// For a kept answer that carried an invitation token: a new token, as resend gives, in the
/// replayed answer. 409 when the invitation is no longer pending or expired.
async fn rotate_token(
    st: &AppState,
    body: &str,
    ctx: &domain::model::Context,
) -> domain::Result<String> {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(body) else {
        return Ok(body.to_owned());
    };
    if !v.get("token").is_some_and(serde_json::Value::is_string) {
        return Ok(body.to_owned());
    }
    let id = v["id"].as_str().and_then(|s| s.parse::<uuid::Uuid>().ok());
    let org = v["organizationId"]
        .as_str()
        .and_then(|s| s.parse::<uuid::Uuid>().ok());
    let (Some(id), Some(org)) = (id, org) else {
        return Ok(body.to_owned());
    };
    let org = st
        .store
        .organization_by_uuid(org)
        .await?
        .ok_or_else(|| Error::NotFound("the organization is gone".into()))?;
    let token = InvitationToken::generate()?;
    let expires_at = ctx.now + chrono::Duration::seconds(DEFAULT_LIFETIME_SECONDS);
    let inv = st
        .store
        .resend_invitation(&org, id, &token.hash(), expires_at, ctx)
        .await?;
    v["token"] = serde_json::Value::String(token.expose().to_owned());
    v["expiresAt"] = serde_json::to_value(inv.expires_at).unwrap_or_default();
    v["status"] = serde_json::Value::String("pending".into());
    Ok(v.to_string())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_successes_and_conflicts_with_the_data_are_kept() {
        for kept in [200, 201, 409, 410] {
            assert!(keeps(StatusCode::from_u16(kept).unwrap()), "{kept}");
        }
        for given_back in [400, 401, 403, 404, 413, 415, 422, 429, 500, 503] {
            assert!(
                !keeps(StatusCode::from_u16(given_back).unwrap()),
                "{given_back}"
            );
        }
    }

    #[test]
    fn a_kept_answer_never_holds_the_token() {
        let kept = without_token(br#"{"id":"x","token":"secret-token-value"}"#);
        assert!(!kept.contains("secret-token-value"));
        assert_eq!(
            without_token(br#"{"data":{"userId":1}}"#),
            r#"{"data":{"userId":1}}"#
        );
    }
}
