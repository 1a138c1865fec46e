//! Webhooks: endpoints, their secrets, and their deliveries.

use chrono::{DateTime, Utc};
use domain::{
    Result,
    error::Validator,
    webhook::{self, EndpointChange, Subscription, WebhookUrl},
};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::organizations::{EventType, event_type_schema};

/// An event type an organization's endpoint can receive: every organization-scoped event
/// (`user.created` and `organization.created` are in the audit log only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookEventType(pub domain::EventType);

/// Written as the audit log's `EventType` is: its name.
impl Serialize for WebhookEventType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        EventType(self.0).serialize(s)
    }
}

impl<'de> Deserialize<'de> for WebhookEventType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match domain::EventType::parse(&s) {
            Ok(t) if t.is_webhook_event() => Ok(Self(t)),
            _ => Err(serde::de::Error::custom(format!(
                "{s:?} is not an event type endpoints receive (see WebhookEventType)"
            ))),
        }
    }
}

impl utoipa::PartialSchema for WebhookEventType {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        event_type_schema(domain::EventType::is_webhook_event)
    }
}

impl ToSchema for WebhookEventType {}

fn subscription(events: &[WebhookEventType]) -> Result<Subscription> {
    Subscription::of(events.iter().map(|t| t.0))
}

/// Register an endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where deliveries are POSTed: `https://`, a public host, no credentials or fragment.
    #[schema(
        format = "uri",
        max_length = 2048,
        example = "https://hooks.example.com/rollcall"
    )]
    pub url: String,
    /// The event types it receives; empty or absent: every one.
    #[serde(default)]
    pub events: Option<Vec<WebhookEventType>>,
    #[schema(
        max_length = 500,
        pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
        example = "Sync members into the billing system"
    )]
    #[serde(default)]
    pub description: Option<String>,
}

/// What a new endpoint is.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWebhook {
    pub url: WebhookUrl,
    pub events: Subscription,
    pub description: Option<String>,
}

impl CreateWebhookRequest {
    pub fn parse(&self) -> Result<NewWebhook> {
        let mut v = Validator::default();
        let url = v.check("url", WebhookUrl::parse(&self.url));
        let events = v.check(
            "events",
            subscription(self.events.as_deref().unwrap_or_default()),
        );
        let description = v.check(
            "description",
            self.description
                .as_deref()
                .map(webhook::parse_description)
                .transpose(),
        );
        v.finish()?;
        Ok(NewWebhook {
            url: url.unwrap(),
            events: events.unwrap(),
            description: description.unwrap(),
        })
    }
}

/// Change an endpoint: only the fields present change. `enabled: true` re-enables one Rollcall
/// disabled (and clears `disabledReason`); `description: null` removes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[schema(
        format = "uri",
        max_length = 2048,
        example = "https://hooks.example.com/rollcall"
    )]
    #[serde(default)]
    pub url: Option<String>,
    /// The event types it receives; empty: every one.
    #[serde(default)]
    pub events: Option<Vec<WebhookEventType>>,
    #[schema(value_type = Option<String>, nullable, max_length = 500, pattern = r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$")]
    #[serde(default, deserialize_with = "present")]
    pub description: Option<Option<String>>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A field that is present, null or not (`Some(None)` is an explicit null).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl UpdateWebhookRequest {
    pub fn parse(&self) -> Result<EndpointChange> {
        let mut v = Validator::default();
        let url = v.check(
            "url",
            self.url.as_deref().map(WebhookUrl::parse).transpose(),
        );
        let events = v.check(
            "events",
            self.events.as_deref().map(subscription).transpose(),
        );
        let description = v.check(
            "description",
            self.description
                .as_ref()
                .map(|d| d.as_deref().map(webhook::parse_description).transpose())
                .transpose(),
        );
        v.finish()?;
        Ok(EndpointChange {
            url: url.unwrap(),
            events: events.unwrap(),
            description: description.unwrap(),
            enabled: self.enabled,
        })
    }
}

/// Why Rollcall disabled an endpoint: it answered 410 (`gone`), or nothing succeeded for five
/// days (`failing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DisabledReason {
    Gone,
    Failing,
}

impl From<webhook::DisabledReason> for DisabledReason {
    fn from(r: webhook::DisabledReason) -> Self {
        match r {
            webhook::DisabledReason::Gone => Self::Gone,
            webhook::DisabledReason::Failing => Self::Failing,
        }
    }
}

/// A registered endpoint (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpoint {
    pub id: Uuid,
    #[schema(format = "uri", example = "https://hooks.example.com/rollcall")]
    pub url: String,
    /// The event types it receives; empty: every one.
    pub events: Vec<WebhookEventType>,
    #[schema(required = true)]
    pub description: Option<String>,
    /// Whether Rollcall delivers to it.
    pub enabled: bool,
    /// Why Rollcall disabled it; null when enabled or disabled by an administrator.
    #[schema(required = true)]
    pub disabled_reason: Option<DisabledReason>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&webhook::Endpoint> for WebhookEndpoint {
    fn from(e: &webhook::Endpoint) -> Self {
        Self {
            id: e.id,
            url: e.url.as_str().to_owned(),
            events: e
                .events
                .types()
                .iter()
                .map(|t| WebhookEventType(*t))
                .collect(),
            description: e.description.clone(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.map(Into::into),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A new endpoint, with its signing secret: shown now and on rotation only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_` and the base64 of 32 random bytes: what a Standard Webhooks library verifies
    /// deliveries with.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// An endpoint's new signing secret. The previous one keeps signing beside it for 24 hours.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookSecret {
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WebhookDeliveryStatus {
    Pending,
    Succeeded,
    Failed,
}

impl From<webhook::HookStatus> for WebhookDeliveryStatus {
    fn from(s: webhook::HookStatus) -> Self {
        match s {
            webhook::HookStatus::Pending => Self::Pending,
            webhook::HookStatus::Succeeded => Self::Succeeded,
            webhook::HookStatus::Failed => Self::Failed,
        }
    }
}

impl From<WebhookDeliveryStatus> for webhook::HookStatus {
    fn from(s: WebhookDeliveryStatus) -> Self {
        match s {
            WebhookDeliveryStatus::Pending => Self::Pending,
            WebhookDeliveryStatus::Succeeded => Self::Succeeded,
            WebhookDeliveryStatus::Failed => Self::Failed,
        }
    }
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    pub id: Uuid,
    /// The `webhook-id` header of every attempt: the id of the audit event delivered (in
    /// decimal), or `test_…` for a `webhook.test`. Receivers deduplicate on it.
    #[schema(example = "4711")]
    pub event_id: String,
    /// The event's type (`webhook.test` for a test).
    #[schema(example = "invitation.created")]
    pub event_type: String,
    pub status: WebhookDeliveryStatus,
    /// Attempts made so far.
    #[schema(minimum = 0, maximum = 2147483647)]
    pub attempts: u32,
    /// The HTTP status of the last attempt; null before any, or when none came back.
    #[schema(required = true, minimum = 100, maximum = 599)]
    pub last_status_code: Option<u16>,
    /// What went wrong with the last attempt.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// When the next attempt is due; null once it succeeded or failed for good.
    #[schema(required = true)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// When a 2xx answered it.
    #[schema(required = true)]
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<&webhook::Delivery> for WebhookDelivery {
    fn from(d: &webhook::Delivery) -> Self {
        Self {
            id: d.id,
            event_id: d.message_id.clone(),
            event_type: d.event_type.clone(),
            status: d.status.into(),
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            last_error: d.last_error.clone(),
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
            delivered_at: d.delivered_at,
        }
    }
}

/// A page of endpoints, oldest first.
pub type WebhookEndpointPage = crate::Page<WebhookEndpoint>;
/// A page of an endpoint's deliveries, newest first.
pub type WebhookDeliveryPage = crate::Page<WebhookDelivery>;
