//! At most one pending invitation per (organization, email): what makes concurrent invites of
//! one address answer exactly one 201. A pending row past its expiry is rewritten to `expired`
//! (in the inviting transaction) before it could block a new invitation.

use super::schema::{Step, drop_index, partial, unique_index};

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!())
        .run(partial(
            unique_index(
                "invitations_pending_uq",
                "invitations (organization_id, email)",
            ),
            "status = 'pending'",
        ))
        .undo(drop_index("invitations_pending_uq"))
}
