//! `rollcallctl webhooks`: an organization's webhook endpoints (administrators only), their
//! secrets, and their deliveries.

use clap::Subcommand;
use rollcall_client::types;
use uuid::Uuid;

use super::{ListArgs, collect, idempotency_key};
use crate::{
    context::Ctx,
    failure::Failure,
    output::{self, col},
    retry,
};

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
    List {
        /// The organization's id (a uuid).
        organization: Uuid,
        #[command(flatten)]
        list: ListArgs,
    },
    /// One endpoint.
    View {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The endpoint's id (a uuid).
        webhook: Uuid,
    },
    /// Change an endpoint: its URL, events or description, or enable or disable it.
    Update {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The endpoint's id (a uuid).
        webhook: Uuid,
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
    Delete {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The endpoint's id (a uuid).
        webhook: Uuid,
    },
    /// A new secret; the previous one keeps signing beside it for 24 hours.
    RotateSecret {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The endpoint's id (a uuid).
        webhook: Uuid,
    },
    /// Send a `webhook.test` event to the endpoint.
    Test {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The endpoint's id (a uuid).
        webhook: Uuid,
    },
    /// The endpoint's deliveries, newest first.
    Deliveries {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The endpoint's id (a uuid).
        webhook: Uuid,
        /// Only those pending, succeeded or failed.
        #[arg(long, value_parser = delivery_status)]
        status: Option<types::WebhookDeliveryStatus>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Try a pending or failed delivery again now.
    Retry {
        /// The organization's id (a uuid).
        organization: Uuid,
        /// The endpoint's id (a uuid).
        webhook: Uuid,
        /// The delivery's id (a uuid).
        delivery: Uuid,
    },
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

const ENDPOINT_COLUMNS: &[(&str, &str)] = &[
    ("ID", "/id"),
    ("URL", "/url"),
    ("EVENTS", "/events"),
    ("ENABLED", "/enabled"),
    ("DISABLED", "/disabledReason"),
    ("DESCRIPTION", "/description"),
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
            let description = description
                .map(|d| d.parse())
                .transpose()
                .map_err(|e| Failure::usage(format!("--description: {e}")))?;
            let call = client
                .webhook_create()
                .organization_id(organization)
                .idempotency_key(idempotency_key())
                .body_map(|b| {
                    b.url(endpoint_url)
                        .events((!events.is_empty()).then_some(events))
                        .description(description)
                });
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::List { organization, list } => {
            let endpoints = collect(
                client
                    .webhook_list()
                    .organization_id(organization)
                    .limit(100_u64),
                list,
            )
            .await?;
            let columns: Vec<_> = ENDPOINT_COLUMNS.iter().map(|(h, p)| col(h, p)).collect();
            output::list(ctx, &endpoints, &columns)
        }
        Command::View {
            organization,
            webhook,
        } => {
            let call = client
                .webhook_view()
                .organization_id(organization)
                .webhook_id(webhook);
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::Update {
            organization,
            webhook,
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
            let url = endpoint_url
                .map(|u| u.parse())
                .transpose()
                .map_err(|e| Failure::usage(format!("--set-url: {e}")))?;
            let description = description
                .map(|d| d.parse())
                .transpose()
                .map_err(|e| Failure::usage(format!("--description: {e}")))?;
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
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::Delete {
            organization,
            webhook,
        } => {
            let call = client
                .webhook_delete()
                .organization_id(organization)
                .webhook_id(webhook);
            retry::send(ctx, call, |c| c.send()).await?;
            output::done(ctx, &format!("endpoint {webhook} deleted"));
            Ok(())
        }
        Command::RotateSecret {
            organization,
            webhook,
        } => {
            let call = client
                .webhook_secret_rotate()
                .organization_id(organization)
                .webhook_id(webhook);
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::Test {
            organization,
            webhook,
        } => {
            let call = client
                .webhook_test()
                .organization_id(organization)
                .webhook_id(webhook);
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
        Command::Deliveries {
            organization,
            webhook,
            status,
            list,
        } => {
            let mut builder = client
                .webhook_delivery_list()
                .organization_id(organization)
                .webhook_id(webhook)
                .limit(100_u64);
            if let Some(status) = status {
                builder = builder.status(status);
            }
            let deliveries = collect(builder, list).await?;
            output::list(
                ctx,
                &deliveries,
                &[
                    col("ID", "/id"),
                    col("EVENT", "/eventId"),
                    col("TYPE", "/eventType"),
                    col("STATUS", "/status"),
                    col("ATTEMPTS", "/attempts"),
                    col("LAST STATUS", "/lastStatusCode"),
                    col("NEXT ATTEMPT", "/nextAttemptAt"),
                    col("LAST ERROR", "/lastError"),
                ],
            )
        }
        Command::Retry {
            organization,
            webhook,
            delivery,
        } => {
            let call = client
                .webhook_delivery_retry()
                .organization_id(organization)
                .webhook_id(webhook)
                .delivery_id(delivery);
            output::object(ctx, &retry::send(ctx, call, |c| c.send()).await?)
        }
    }
}
