//! Webhooks: endpoints an organization's administrators register, the events each subscribes
//! to, what a delivery carries, and which addresses Rollcall refuses to send to.
//!
//! The body of a delivery is fixed when the event is fanned out: `{"type", "timestamp",
//! "data"}`, `data` being the event's snapshot (with `organizationId`). Over
//! [`MAX_PAYLOAD_BYTES`] it is sent with `data` cut to `{id, organizationId}` and `"truncated":
//! true`. It never holds a token: snapshots never do.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::{Error, EventType, Result, names::refuse_controls};

/// The largest body a delivery sends, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 20_000;
/// The longest URL an endpoint may have.
pub const MAX_URL_LEN: usize = 2048;
/// The longest description.
pub const MAX_DESCRIPTION_LEN: usize = 500;
/// The type of the event `POST …/webhooks/{id}/test` sends: not in the event log, never
/// subscribed to, always delivered to the endpoint tested.
pub const TEST_EVENT: &str = "webhook.test";

/// An endpoint's URL as given: `http` or `https`, with a host, without credentials or a
/// fragment, at most 2,048 characters. Whether it may be used (https, a public address) is the
/// deployment's to decide: see [`WebhookUrl::check_public`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self> {
        let bad = |why: &str| Error::invalid("", why.to_owned());
        if raw.chars().count() > MAX_URL_LEN {
            return Err(bad("must be at most 2048 characters"));
        }
        refuse_controls(raw).map_err(|_| bad("must not contain control characters"))?;
        let url = url::Url::parse(raw).map_err(|e| {
            bad(&format!(
                "is not an absolute URL ({e}); use https://host/path"
            ))
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(bad("must be an https:// URL"));
        }
        if url.host().is_none() {
            return Err(bad("must name a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "must not carry credentials (user:password@); verify deliveries by their signature instead",
            ));
        }
        if url.fragment().is_some() {
            return Err(bad("must not have a fragment (#…): it is never sent"));
        }
        Ok(Self(url))
    }

    /// A URL read back from the database, checked when it was stored.
    pub fn from_stored(raw: &str) -> Result<Self> {
        url::Url::parse(raw)
            .map(Self)
            .map_err(|e| Error::Internal(format!("a stored webhook URL does not parse: {e}")))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// What a deployment without `ROLLCALL_WEBHOOK_ALLOW_PRIVATE` requires of a URL, as far as
    /// the URL alone tells: `https`, and a host that is neither a non-public address nor a
    /// `localhost` name. Names are resolved, and their addresses checked, at every delivery.
    pub fn check_public(&self) -> Result<()> {
        let bad = |why: String| Err(Error::invalid("url", why));
        if self.0.scheme() != "https" {
            return bad("must be an https:// URL".into());
        }
        match self.0.host() {
            Some(url::Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => {
                bad(format!("{ip} is not a public address"))
            }
            Some(url::Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => {
                bad(format!("{ip} is not a public address"))
            }
            Some(url::Host::Domain(name)) if is_local_name(name) => {
                bad(format!("{name} names this machine, not a public host"))
            }
            _ => Ok(()),
        }
    }
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether `ip` is an address on the public internet: not loopback, private (RFC 1918),
/// carrier-grade NAT, link-local (cloud metadata services live there), unique-local,
/// multicast, documentation, benchmarking, reserved or unspecified. IPv4 addresses mapped or
/// translated into IPv6 are judged as the IPv4 address they carry.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => {
            if let Some(v4) = ip.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = ip.segments();
            // NAT64 (64:ff9b::/96) carries an IPv4 address in its last 32 bits.
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return is_public_v4(Ipv4Addr::new(a, b, c, d));
            }
            !(ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated)
                || ip == Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// The event types an endpoint receives: some, or every webhook event when none are named.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscription(Vec<EventType>);

impl Subscription {
    /// Every webhook event.
    pub fn all() -> Self {
        Self(Vec::new())
    }

    /// The types named, each once; audit-only types are refused (422).
    pub fn of(types: impl IntoIterator<Item = EventType>) -> Result<Self> {
        let mut out: Vec<EventType> = Vec::new();
        for t in types {
            if !t.is_webhook_event() {
                return Err(Error::invalid(
                    "",
                    format!(
                        "{t} is recorded in the audit log only; no organization endpoint receives it"
                    ),
                ));
            }
            if !out.contains(&t) {
                out.push(t);
            }
        }
        Ok(Self(out))
    }

    /// The types named (empty: every webhook event).
    pub fn types(&self) -> &[EventType] {
        &self.0
    }

    pub fn accepts(&self, kind: EventType) -> bool {
        kind.is_webhook_event() && (self.0.is_empty() || self.0.contains(&kind))
    }

    /// As stored: the names, comma-separated (empty: every webhook event).
    pub fn to_stored(&self) -> String {
        self.0
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn from_stored(raw: &str) -> Result<Self> {
        raw.split(',')
            .filter(|s| !s.is_empty())
            .map(EventType::parse)
            .collect::<Result<Vec<_>>>()
            .map(Self)
            .map_err(|e| Error::Internal(format!("a stored subscription does not parse: {e}")))
    }
}

/// An endpoint's description: at most 500 characters, no control characters.
pub fn parse_description(raw: &str) -> Result<String> {
    refuse_controls(raw)?;
    if raw.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(Error::invalid(
            "",
            format!("must be at most {MAX_DESCRIPTION_LEN} characters"),
        ));
    }
    Ok(raw.to_owned())
}

/// Why Rollcall stopped delivering to an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisabledReason {
    /// It answered 410 Gone.
    Gone,
    /// Nothing succeeded for five days.
    Failing,
}

impl DisabledReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gone => "gone",
            Self::Failing => "failing",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "gone" => Ok(Self::Gone),
            "failing" => Ok(Self::Failing),
            _ => Err(Error::Internal(format!("{s:?} is not a disabled reason"))),
        }
    }
}

/// Where one delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// A 2xx answered it.
    Succeeded,
    /// Every attempt failed, or the endpoint answered 410.
    Failed,
}

impl HookStatus {
    pub const ALL: [Self; 3] = [Self::Pending, Self::Succeeded, Self::Failed];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                Error::invalid(
                    "status",
                    format!("{s:?} is not pending, succeeded or failed"),
                )
            })
    }
}

/// A registered endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: uuid::Uuid,
    pub organization_id: crate::OrganizationId,
    pub url: WebhookUrl,
    pub events: Subscription,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<DisabledReason>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a PATCH changes (absent fields stay).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointChange {
    pub url: Option<WebhookUrl>,
    pub events: Option<Subscription>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: uuid::Uuid,
    pub endpoint_id: uuid::Uuid,
    /// The `webhook-id` header: the event's id (`webhook.test`: one of its own).
    pub message_id: String,
    pub event_type: String,
    pub status: HookStatus,
    pub attempts: u32,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A delivery a worker holds under a lease, with what sending it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedDelivery {
    pub id: uuid::Uuid,
    pub endpoint_id: uuid::Uuid,
    pub url: WebhookUrl,
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub attempts: u32,
    /// The endpoint's secret, sealed, and the previous one while it still signs.
    pub sealed_secrets: Vec<Vec<u8>>,
}

/// The body of a delivery of `kind` at `at` with `data`, cut to `{id, organizationId}` with
/// `"truncated": true` when the whole would pass [`MAX_PAYLOAD_BYTES`].
pub fn payload(kind: &str, at: DateTime<Utc>, data: &Value) -> String {
    let timestamp = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let whole = json!({"type": kind, "timestamp": timestamp, "data": data}).to_string();
    if whole.len() <= MAX_PAYLOAD_BYTES {
        return whole;
    }
    json!({
        "type": kind,
        "timestamp": timestamp,
        "data": {"id": data.get("id"), "organizationId": data.get("organizationId")},
        "truncated": true,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_public_addresses_are_refused_and_public_ones_pass() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2001:db8::1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} passed as public");
        }
        for ip in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} was refused");
        }
    }

    #[test]
    fn a_url_with_credentials_a_fragment_or_over_2048_characters_is_refused() {
        for bad in [
            "https://user:pw@example.com/hook",
            "https://example.com/hook#part",
            "ftp://example.com/hook",
            "not a url",
            "https://example.com/\u{7}",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad} was accepted");
        }
        let long = format!("https://example.com/{}", "a".repeat(2030));
        assert!(WebhookUrl::parse(&long).is_err());
        assert!(WebhookUrl::parse("https://example.com/hook?x=1").is_ok());
    }

    #[test]
    fn without_private_networks_only_https_to_public_hosts_passes() {
        let check = |u: &str| WebhookUrl::parse(u).unwrap().check_public();
        assert!(check("https://hooks.example.com/x").is_ok());
        for bad in [
            "http://hooks.example.com/x",
            "https://127.0.0.1/x",
            "https://[::1]/x",
            "https://10.0.0.8/x",
            "https://localhost/x",
            "https://api.localhost./x",
            "https://169.254.169.254/latest/meta-data",
        ] {
            assert!(check(bad).is_err(), "{bad} passed");
        }
    }

    #[test]
    fn a_subscription_accepts_what_it_names_or_every_webhook_event() {
        let all = Subscription::all();
        assert!(all.accepts(EventType::TeamCreated));
        assert!(!all.accepts(EventType::UserCreated));
        let some = Subscription::of([EventType::TeamCreated, EventType::TeamCreated]).unwrap();
        assert_eq!(some.types(), [EventType::TeamCreated]);
        assert!(!some.accepts(EventType::InvitationCreated));
        assert_eq!(Subscription::from_stored(&some.to_stored()).unwrap(), some);
        assert_eq!(Subscription::from_stored("").unwrap(), all);
        assert!(Subscription::of([EventType::OrganizationCreated]).is_err());
    }

    #[test]
    fn a_payload_over_20_kb_keeps_only_the_id_and_the_organization() {
        let at = Utc::now();
        let small = payload(
            "team.created",
            at,
            &json!({"id": "t", "organizationId": "o"}),
        );
        assert!(!small.contains("truncated"));
        let big = json!({"id": "t", "organizationId": "o", "name": "x".repeat(30_000)});
        let cut: Value = serde_json::from_str(&payload("team.created", at, &big)).unwrap();
        assert_eq!(cut["truncated"], true);
        assert_eq!(cut["data"], json!({"id": "t", "organizationId": "o"}));
        assert_eq!(cut["type"], "team.created");
    }
}
