//! sea-orm entities: one module per table, in the classic (non-dense) format. These are rows,
//! not domain records; `store` converts between the two and nothing outside this crate sees them.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub email: String,
        pub first_name: String,
        pub last_name: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub deleted_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod organizations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "organizations")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub uuid: Uuid,
        pub name: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod memberships {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "memberships")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub organization_id: i64,
        pub role: String,
        pub permissions: Json,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub deleted_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod teams {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "teams")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: i64,
        pub name: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod team_memberships {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "team_memberships")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub team_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        pub role: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod invitations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "invitations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: i64,
        pub email: String,
        pub role: String,
        pub team_assignments: Json,
        pub permissions: Option<Json>,
        pub status: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub invited_by: i64,
        pub expires_at: DateTimeUtc,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub accepted_at: Option<DateTimeUtc>,
        pub accepted_by: Option<i64>,
        pub declined_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub revoked_by: Option<i64>,
        pub email_status: String,
        pub email_attempts: i32,
        pub email_sent_at: Option<DateTimeUtc>,
        pub email_last_error: Option<String>,
    }
    no_relations!();
}

pub mod audit_events {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub organization_id: Option<i64>,
        pub actor_id: Option<i64>,
        /// The event type (`invitation.accepted`).
        pub action: String,
        pub target: String,
        /// The public object's snapshot; null for rows written before snapshots were kept.
        pub data: Option<Json>,
        pub request_id: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod idempotency_keys {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub caller: String,
        pub method: String,
        pub path: String,
        pub key: String,
        pub request_hash: String,
        pub status: Option<i32>,
        pub response_body: Option<String>,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod outbox_messages {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_messages")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `invitation` or `added` (seed 000's "you were added").
        pub kind: String,
        pub recipient: String,
        /// What the templates need besides the token (names, role, expiry).
        pub payload: Json,
        pub attempts: i32,
        pub created_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
        pub invitation_id: Option<Uuid>,
        /// `queued`, `sent`, `failed` or `skipped`.
        pub status: String,
        /// The invitation token, sealed (nonce ‖ AEAD ciphertext); erased once done with.
        pub sealed_token: Option<Vec<u8>>,
        pub locale: Option<String>,
        pub message_id: Option<String>,
        pub next_attempt_at: Option<DateTimeUtc>,
        /// A worker holds it until then; past it, another may take it (the first died).
        pub lease_until: Option<DateTimeUtc>,
        pub last_error: Option<String>,
    }
    no_relations!();
}

pub mod rate_limits {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "rate_limits")]
    pub struct Model {
        /// What is counted, for whom (`invitations:org:42`).
        #[sea_orm(primary_key, auto_increment = false)]
        pub bucket: String,
        /// The start of the fixed window, in seconds since the epoch.
        #[sea_orm(primary_key, auto_increment = false)]
        pub window_start: i64,
        pub count: i64,
    }
    no_relations!();
}

pub mod webhook_endpoints {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_endpoints")]
    pub struct Model {
        /// A UUIDv7: lists order by it.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: i64,
        pub url: String,
        /// The event types it receives, comma-separated; empty: every webhook event.
        pub events: String,
        pub description: Option<String>,
        pub enabled: bool,
        /// `gone` or `failing` when Rollcall disabled it.
        pub disabled_reason: Option<String>,
        /// The signing secret, sealed (nonce ‖ AEAD ciphertext).
        pub secret: Vec<u8>,
        /// The secret before the last rotation, sealed; it signs too until `previous_until`.
        pub previous_secret: Option<Vec<u8>>,
        pub previous_until: Option<DateTimeUtc>,
        /// The first failure since the last success; five days of it disables the endpoint.
        pub failing_since: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod webhook_deliveries {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_deliveries")]
    pub struct Model {
        /// A UUIDv7: lists order by it.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub endpoint_id: Uuid,
        /// The `webhook-id` header: the event's id, the same on every attempt.
        pub message_id: String,
        pub event_type: String,
        /// The body, as every attempt sends it.
        pub payload: String,
        /// `pending`, `succeeded` or `failed`.
        pub status: String,
        pub attempts: i32,
        pub last_status_code: Option<i32>,
        pub last_error: Option<String>,
        pub next_attempt_at: Option<DateTimeUtc>,
        /// A worker holds it until then; past it, another may take it (the first died).
        pub lease_until: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub delivered_at: Option<DateTimeUtc>,
    }
    no_relations!();
}

pub mod identities {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "identities")]
    pub struct Model {
        /// The identity provider's `iss`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub issuer: String,
        /// Its `sub` for the person.
        #[sea_orm(primary_key, auto_increment = false)]
        pub subject: String,
        pub user_id: i64,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}
