//! The path parameters of the operations: one struct per path, which actix reads the request's
//! path into and which the handler declares to utoipa (`params(TeamPath)`), so each parameter's
//! name, type and description is written once.

use domain::{OrganizationId, UserId};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Declares path structs: each is read from the path by name (its fields in camelCase, as the
/// path's segments are named) and declares those segments as its operations' path parameters.
macro_rules! path_params {
    ($($(#[$doc:meta])* $name:ident { $($(#[$field_doc:meta])* $field:ident: $ty:ty,)* })*) => {
        $(
            $(#[$doc])*
            #[derive(Deserialize, IntoParams)]
            #[into_params(parameter_in = Path)]
            #[serde(rename_all = "camelCase")]
            pub(crate) struct $name {
                $($(#[$field_doc])* pub $field: $ty,)*
            }
        )*
    };
}

path_params! {
    /// `/organization/{organizationId}`.
    OrganizationPath {
        /// Organization identifier
        organization_id: Uuid,
    }

    /// `/organization/{organizationId}/members/{userId}`.
    MemberPath {
        /// Organization identifier
        organization_id: Uuid,
        /// The member's user id
        #[param(value_type = i64, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
        user_id: UserId,
    }

    /// `/organization/{organizationId}/invitations/{invitationId}`.
    InvitationPath {
        /// Organization identifier
        organization_id: Uuid,
        /// Invitation identifier
        invitation_id: Uuid,
    }

    /// `/organization/{organizationId}/teams/{teamId}`.
    TeamPath {
        /// Organization identifier
        organization_id: Uuid,
        /// Team identifier
        team_id: Uuid,
    }

    /// `/organization/{organizationId}/teams/{teamId}/members/{userId}`.
    TeamMemberPath {
        /// Organization identifier
        organization_id: Uuid,
        /// Team identifier
        team_id: Uuid,
        /// The member's user id
        #[param(value_type = i64, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
        user_id: UserId,
    }

    /// `/organization/{organizationId}/webhooks/{webhookId}`.
    WebhookPath {
        /// Organization identifier
        organization_id: Uuid,
        /// Endpoint identifier
        webhook_id: Uuid,
    }

    /// `/organization/{organizationId}/webhooks/{webhookId}/deliveries/{deliveryId}`.
    DeliveryPath {
        /// Organization identifier
        organization_id: Uuid,
        /// Endpoint identifier
        webhook_id: Uuid,
        /// Delivery identifier
        delivery_id: Uuid,
    }

    /// `/users-organizations/v1/…/users/{userId}`.
    UserPath {
        /// Unique identifier of the user.
        #[param(value_type = i64, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
        user_id: UserId,
    }

    /// `/users-organizations/v1/bo/organizations/{organizationId}`.
    BackOfficeOrganizationPath {
        /// Unique identifier of the organization.
        #[param(value_type = i64, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
        organization_id: OrganizationId,
    }

    /// `/users-organizations/v1/bo/users/…/{userId}/organizations/{organizationId}`.
    UserOrganizationPath {
        /// Unique identifier of the user.
        #[param(value_type = i64, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
        user_id: UserId,
        /// Unique identifier of the organization.
        #[param(value_type = i64, minimum = -9007199254740991_i64, maximum = 9007199254740991_i64)]
        organization_id: OrganizationId,
    }
}
