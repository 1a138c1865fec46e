//! Events carry a `data` snapshot: the public object as the API showed it after the change.
//! Rows written before stay without one (null).

use sea_orm_migration::schema::*;

use super::schema::Step;

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!()).columns("audit_events", [json_null("data")])
}
