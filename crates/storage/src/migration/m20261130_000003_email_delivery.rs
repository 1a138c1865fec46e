//! Invitation emails that are delivered, not only promised. The outbox row of a message gets
//! what its worker needs: the invitation it is about, its state (`queued`, `sent`, `failed`,
//! `skipped`), the invitation token sealed (AEAD; erased once the message is done with), the
//! locale, a stable `Message-ID`, when it is next due, the lease of the worker sending it, and
//! its last error. Invitations carry their latest email's state, so a view reads it without a
//! join. Rows from before: seed 000's promises become queued "added" messages; invitations
//! made before show their email as skipped.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let outbox_columns = [
            uuid_null(OutboxMessages::InvitationId),
            text(OutboxMessages::Status).default("queued").to_owned(),
            blob_null(OutboxMessages::SealedToken),
            text_null(OutboxMessages::Locale),
            text_null(OutboxMessages::MessageId),
            timestamp_with_time_zone_null(OutboxMessages::NextAttemptAt),
            timestamp_with_time_zone_null(OutboxMessages::LeaseUntil),
            text_null(OutboxMessages::LastError),
        ];
        // SQLite adds one column per ALTER TABLE.
        for mut column in outbox_columns {
            m.alter_table(
                Table::alter()
                    .table(OutboxMessages::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        let invitation_columns = [
            text(Invitations::EmailStatus).default("skipped").to_owned(),
            integer(Invitations::EmailAttempts).default(0).to_owned(),
            timestamp_with_time_zone_null(Invitations::EmailSentAt),
            text_null(Invitations::EmailLastError),
        ];
        for mut column in invitation_columns {
            m.alter_table(
                Table::alter()
                    .table(Invitations::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        for sql in [
            "UPDATE outbox_messages SET kind = 'added' WHERE kind = 'invitation' AND invitation_id IS NULL",
            "UPDATE outbox_messages SET status = CASE WHEN sent_at IS NULL THEN 'queued' ELSE 'sent' END, next_attempt_at = created_at",
            "UPDATE invitations SET email_last_error = 'created before invitation emails were sent'",
            "CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at)",
            "CREATE INDEX outbox_messages_recipient ON outbox_messages (recipient, created_at)",
            "CREATE INDEX outbox_messages_invitation ON outbox_messages (invitation_id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, _: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "email delivery is not undone: restore a backup taken before it".into(),
        ))
    }
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    InvitationId,
    Status,
    SealedToken,
    Locale,
    MessageId,
    NextAttemptAt,
    LeaseUntil,
    LastError,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    EmailStatus,
    EmailAttempts,
    EmailSentAt,
    EmailLastError,
}
