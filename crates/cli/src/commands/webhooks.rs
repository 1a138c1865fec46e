//! `rollcallctl webhooks`: an organization's webhook endpoints (administrators only), their
//! secrets, and their deliveries.

use std::{fmt::Display, str::FromStr};

use super::prelude::*;

#[derive(Subcommand)]
pub enum Command {
    /// Register an endpoint; prints its secret (`whsec_…`), shown now and on rotation only.
    Create {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// Where deliveries are POSTed (`https://` on a public host).
        #[arg(value_name = "URL")]
        endpoint_url: String,
        /// An event type it receives (repeat, or comma-separate); none: every type.
        #[arg(long = "event", value_name = "TYPE", value_delimiter = ',', value_parser = event_type)]
        events: Vec<types::WebhookEventType>,
        /// What the endpoint is for.
        #[arg(long)]
        description: Option<String>,
    },
    /// The organization's endpoints.
    List(OrganizationList),
    /// One endpoint.
    View(Endpoint),
    /// Change an endpoint: its URL, events or description, or enable or disable it.
    Update {
        #[command(flatten)]
        endpoint: Endpoint,
        /// Where deliveries are POSTed from now on.
        #[arg(long = "set-url", value_name = "URL")]
        endpoint_url: Option<String>,
        /// The event types it receives from now on (repeat, or comma-separate).
        #[arg(long = "event", value_name = "TYPE", value_delimiter = ',', value_parser = event_type)]
        events: Vec<types::WebhookEventType>,
        /// It receives every event type from now on.
        #[arg(long, conflicts_with = "events")]
        all_events: bool,
        #[arg(long)]
        description: Option<String>,
        /// Deliver to it again (clears why Rollcall disabled it).
        #[arg(long, conflicts_with = "disable")]
        enable: bool,
        /// Stop delivering to it.
        #[arg(long)]
        disable: bool,
    },
    /// Delete an endpoint; its pending deliveries stop.
    Delete(Endpoint),
    /// A new secret; the previous one keeps signing beside it for 24 hours.
    RotateSecret(Endpoint),
    /// Send a `webhook.test` event to the endpoint.
    Test(Endpoint),
    /// The endpoint's deliveries, newest first.
    Deliveries {
        #[command(flatten)]
        endpoint: Endpoint,
        /// Only those pending, succeeded or failed.
        #[arg(long, value_parser = delivery_status)]
        status: Option<types::WebhookDeliveryStatus>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Try a pending or failed delivery again now.
    Retry {
        #[command(flatten)]
        endpoint: Endpoint,
        /// The delivery's id (a uuid).
        delivery: Uuid,
    },
}

/// `<ORGANIZATION> <WEBHOOK>`: one endpoint of an organization.
#[derive(clap::Args, Clone, Copy)]
pub struct Endpoint {
    /// The organization's id (a uuid).
    organization: Uuid,
    /// The endpoint's id (a uuid).
    webhook: Uuid,
}

/// An event type endpoints receive, for clap.
fn event_type(value: &str) -> Result<types::WebhookEventType, String> {
    value.parse().map_err(|_| {
        format!(
            "{value:?} is not an event type endpoints receive (invitation.created, team.deleted, …)"
        )
    })
}

/// A delivery status, for clap.
fn delivery_status(value: &str) -> Result<types::WebhookDeliveryStatus, String> {
    value
        .parse()
        .map_err(|_| format!("{value:?} is not a delivery status: pending, succeeded or failed"))
}

/// `value` of the option `flag` parsed, when it was given; a usage error naming `flag` when it
/// does not parse.
fn parsed<T>(flag: &str, value: Option<String>) -> Result<Option<T>, Failure>
where
    T: FromStr,
    T::Err: Display,
{
    value
        .map(|v| v.parse())
        .transpose()
        .map_err(|e| Failure::usage(format!("{flag}: {e}")))
}

/// The columns of a list of endpoints.
const ENDPOINT: [output::Column; 6] = [
    col("ID", "/id"),
    col("URL", "/url"),
    col("EVENTS", "/events"),
    col("ENABLED", "/enabled"),
    col("DISABLED", "/disabledReason"),
    col("DESCRIPTION", "/description"),
];

pub async fn run(ctx: &Ctx, command: Command) -> Result<(), Failure> {
    let client = ctx.client()?;
    match command {
        Command::Create {
            organization,
            endpoint_url,
            events,
            description,
        } => {
            let description = parsed("--description", description)?;
            let call = client
                .webhook_create()
                .organization_id(organization)
                .idempotency_key(idempotency_key())
                .body_map(|b| {
                    b.url(endpoint_url)
                        .events((!events.is_empty()).then_some(events))
                        .description(description)
                });
            show(ctx, call, |c| c.send()).await
        }
        Command::List(of) => {
            let call = client
                .webhook_list()
                .organization_id(of.organization)
                .limit(100_u64);
            list(ctx, call, of.list, &ENDPOINT).await
        }
        Command::View(Endpoint {
            organization,
            webhook,
        }) => {
            let call = client
                .webhook_view()
                .organization_id(organization)
                .webhook_id(webhook);
            show(ctx, call, |c| c.send()).await
        }
        Command::Update {
            endpoint:
                Endpoint {
                    organization,
                    webhook,
                },
            endpoint_url,
            events,
            all_events,
            description,
            enable,
            disable,
        } => {
            let events = if all_events {
                Some(Vec::new())
            } else {
                (!events.is_empty()).then_some(events)
            };
            let enabled = (enable || disable).then_some(enable);
            let url = parsed("--set-url", endpoint_url)?;
            let description = parsed("--description", description)?;
            let call = client
                .webhook_update()
                .organization_id(organization)
                .webhook_id(webhook)
                .body_map(|b| {
                    b.url(url)
                        .events(events)
                        .description(description)
                        .enabled(enabled)
                });
            show(ctx, call, |c| c.send()).await
        }
        Command::Delete(Endpoint {
            organization,
            webhook,
        }) => {
            let call = client
                .webhook_delete()
                .organization_id(organization)
                .webhook_id(webhook);
            done(
                ctx,
                call,
                |c| c.send(),
                format!("endpoint {webhook} deleted"),
            )
            .await
        }
        Command::RotateSecret(Endpoint {
            organization,
            webhook,
        }) => {
            let call = client
                .webhook_secret_rotate()
                .organization_id(organization)
                .webhook_id(webhook);
            show(ctx, call, |c| c.send()).await
        }
        Command::Test(Endpoint {
            organization,
            webhook,
        }) => {
            let call = client
                .webhook_test()
                .organization_id(organization)
                .webhook_id(webhook);
            show(ctx, call, |c| c.send()).await
        }
        Command::Deliveries {
            endpoint:
                Endpoint {
                    organization,
                    webhook,
                },
            status,
            list: args,
        } => {
            let mut call = client
                .webhook_delivery_list()
                .organization_id(organization)
                .webhook_id(webhook)
                .limit(100_u64);
            if let Some(status) = status {
                call = call.status(status);
            }
            let columns = [
                col("ID", "/id"),
                col("EVENT", "/eventId"),
                col("TYPE", "/eventType"),
                col("STATUS", "/status"),
                col("ATTEMPTS", "/attempts"),
                col("LAST STATUS", "/lastStatusCode"),
                col("NEXT ATTEMPT", "/nextAttemptAt"),
                col("LAST ERROR", "/lastError"),
            ];
            list(ctx, call, args, &columns).await
        }
        Command::Retry {
            endpoint:
                Endpoint {
                    organization,
                    webhook,
                },
            delivery,
        } => {
            let call = client
                .webhook_delivery_retry()
                .organization_id(organization)
                .webhook_id(webhook)
                .delivery_id(delivery);
            show(ctx, call, |c| c.send()).await
        }
    }
}
