//! Rollcall's domain: the types that are parsed once at the edge and the rules that decide
//! who may do what. It knows nothing of HTTP, SQL or OpenAPI; `storage` and `server` depend on
//! it, never the other way round.

pub mod clock;
pub mod email;
pub mod error;
pub mod event;
pub mod ids;
pub mod locale;
pub mod model;
pub mod names;
pub mod page;
pub mod permissions;
pub mod role;
pub mod rules;
pub mod token;
pub mod webhook;

pub use clock::{Clock, ManualClock, SystemClock};
pub use email::Email;
pub use error::{Error, FieldError, Result};
pub use event::{EventType, NewEvent};
pub use ids::{OrganizationId, UserId, WireInt};
pub use locale::Locale;
pub use names::{OrganizationName, PersonName};
pub use permissions::{ModuleIds, Permissions};
pub use role::{InvitationStatus, Role, RoleChange, Scope, TeamRole};
pub use token::InvitationToken;
