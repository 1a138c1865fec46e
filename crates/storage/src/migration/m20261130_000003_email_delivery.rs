//! Invitation emails that are delivered, not only promised. The outbox row of a message gets
//! what its worker needs: the invitation it is about, its state (`queued`, `sent`, `failed`,
//! `skipped`), the invitation token sealed (AEAD; erased once the message is done with), the
//! locale, a stable `Message-ID`, when it is next due, the lease of the worker sending it, and
//! its last error. Invitations carry their latest email's state, so a view reads it without a
//! join. Rows from before: seed 000's promises become queued "added" messages; invitations
//! made before show their email as skipped.

use sea_orm_migration::schema::*;

use super::schema::{Step, index};

/// The step.
pub(super) fn step() -> Step {
    Step::new(file!())
        .columns(
            "outbox_messages",
            [
                uuid_null("invitation_id"),
                text("status").default("queued").take(),
                blob_null("sealed_token"),
                text_null("locale"),
                text_null("message_id"),
                timestamp_with_time_zone_null("next_attempt_at"),
                timestamp_with_time_zone_null("lease_until"),
                text_null("last_error"),
            ],
        )
        .columns(
            "invitations",
            [
                text("email_status").default("skipped").take(),
                integer("email_attempts").default(0).take(),
                timestamp_with_time_zone_null("email_sent_at"),
                text_null("email_last_error"),
            ],
        )
        .run("UPDATE outbox_messages SET kind = 'added' WHERE kind = 'invitation' AND invitation_id IS NULL")
        .run("UPDATE outbox_messages SET status = CASE WHEN sent_at IS NULL THEN 'queued' ELSE 'sent' END, next_attempt_at = created_at")
        .run("UPDATE invitations SET email_last_error = 'created before invitation emails were sent'")
        .run(index("outbox_messages_due", "outbox_messages (status, next_attempt_at)"))
        .run(index("outbox_messages_recipient", "outbox_messages (recipient, created_at)"))
        .run(index("outbox_messages_invitation", "outbox_messages (invitation_id)"))
        .irreversible("email delivery is not undone: restore a backup taken before it")
}
