//! Wire shapes: request and response bodies exactly as `openapi/rollcall.yaml` describes them,
//! with the utoipa schemas the drift check compares. Requests are parsed into domain values here
//! (collecting every invalid field for one 422); responses are built from domain records. Nothing
//! here is a database row. One module per family of the API; `common` holds what both share and
//! `page` the generic list and envelope types.
//!
//! These shapes are also what an event's `data` snapshot holds ("the public object as the API
//! shows it"), which is why they live in a crate of their own that `app` and `server` both use.

pub mod common;
pub mod invitations;
pub mod organizations;
pub mod page;
pub mod problem;
pub mod teams;
pub mod users_organizations;
pub mod webhooks;

pub use common::*;
pub use invitations::*;
pub use organizations::*;
pub use page::{Envelope, Page};
pub use problem::{FieldProblem, Problem};
pub use teams::*;
pub use users_organizations::*;
pub use webhooks::*;

#[cfg(test)]
mod tests {
    use domain::email::EMAIL_PATTERN;

    #[test]
    fn the_schema_pattern_is_the_domain_pattern() {
        // The pattern is spelled in the schema attributes (a literal is required there); this
        // keeps those literals equal to the one the domain enforces.
        let sources = [
            include_str!("users_organizations.rs"),
            include_str!("invitations.rs"),
        ];
        let count: usize = sources
            .iter()
            .map(|s| s.matches(EMAIL_PATTERN).count())
            .sum();
        assert_eq!(
            count, 3,
            "every email field's pattern must be EMAIL_PATTERN"
        );
    }

    #[test]
    fn every_name_field_spells_the_domain_pattern_of_text_without_controls() {
        let sources = [
            include_str!("users_organizations.rs"),
            include_str!("teams.rs"),
            include_str!("webhooks.rs"),
        ];
        let count: usize = sources
            .iter()
            .map(|s| s.matches(domain::names::NO_CONTROLS_PATTERN).count())
            .sum();
        assert_eq!(
            count, 8,
            "names and descriptions carry NO_CONTROLS_PATTERN (or the count here is stale)"
        );
    }
}
