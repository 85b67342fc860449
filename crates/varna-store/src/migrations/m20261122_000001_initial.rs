//! The initial schema: organisation and users, the event log, the case
//! projections, idempotency keys, the access log and the notification outbox.
//! docs/storage.md ("Tables") describes every table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
    Name,
}

#[derive(DeriveIden)]
enum Verksamhetsomrade {
    Table,
    Id,
    OrganisationId,
    Name,
}

#[derive(DeriveIden)]
enum Unit {
    Table,
    Id,
    VerksamhetsomradeId,
    Name,
}

#[derive(DeriveIden)]
enum AppUser {
    Table,
    Id,
    Name,
    Title,
}

#[derive(DeriveIden)]
enum UserRole {
    Table,
    UserId,
    Role,
    UnitId,
}

#[derive(DeriveIden)]
enum WorkflowDefinition {
    Table,
    Hash,
    Name,
    Version,
    Source,
    RegisteredAt,
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // the columns are named event_type, event_version
enum Event {
    Table,
    CaseId,
    Sequence,
    GlobalSeq,
    EventType,
    EventVersion,
    Payload,
    ActorId,
    ActorRole,
    OccurredAt,
    RecordedAt,
    PrevHash,
    Hash,
    GlobalHash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    GlobalSeq,
    GlobalHash,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    Kind,
    WorkflowVersion,
    WorkflowHash,
    Lagrum,
    UnitId,
    State,
    IsClosed,
    Outcome,
    AffectedGender,
    Category,
    OpenedAt,
    ClosedAt,
    NextDueAt,
    FiledBy,
    Version,
    UpdatedAt,
    Snapshot,
}

#[derive(DeriveIden)]
enum CaseDeadline {
    Table,
    CaseId,
    DeadlineId,
    DueAt,
    Status,
    EndedAt,
}

#[derive(DeriveIden)]
enum JournalEntry {
    Table,
    CaseId,
    Sequence,
    Topic,
    EntryKind,
    DocumentedOn,
    Source,
    AuthorName,
    AuthorTitle,
    Text,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum CaseLink {
    Table,
    CaseId,
    OtherCaseId,
    LinkKind,
    LinkEnd,
    Sequence,
}

#[derive(DeriveIden)]
enum CasePerson {
    Table,
    CaseId,
    Personnummer,
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    ActorId,
    Key,
    RequestHash,
    CaseId,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccessLog {
    Table,
    Id,
    ActorId,
    ActorRole,
    CaseId,
    Purpose,
    At,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    CaseId,
    Sequence,
    Role,
    Notice,
    Status,
    Attempts,
    NextAttemptAt,
    CreatedAt,
}

fn text_id(iden: impl IntoIden) -> ColumnDef {
    ColumnDef::new(iden).string().not_null().to_owned()
}

fn instant(iden: impl IntoIden) -> ColumnDef {
    ColumnDef::new(iden)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisation::Table)
                    .col(text_id(Organisation::Id).primary_key())
                    .col(ColumnDef::new(Organisation::Name).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Verksamhetsomrade::Table)
                    .col(text_id(Verksamhetsomrade::Id).primary_key())
                    .col(text_id(Verksamhetsomrade::OrganisationId))
                    .col(ColumnDef::new(Verksamhetsomrade::Name).string().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Verksamhetsomrade::Table, Verksamhetsomrade::OrganisationId)
                            .to(Organisation::Table, Organisation::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Unit::Table)
                    .col(text_id(Unit::Id).primary_key())
                    .col(text_id(Unit::VerksamhetsomradeId))
                    .col(ColumnDef::new(Unit::Name).string().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Unit::Table, Unit::VerksamhetsomradeId)
                            .to(Verksamhetsomrade::Table, Verksamhetsomrade::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppUser::Table)
                    .col(text_id(AppUser::Id).primary_key())
                    .col(ColumnDef::new(AppUser::Name).string().not_null())
                    .col(ColumnDef::new(AppUser::Title).string().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserRole::Table)
                    .col(text_id(UserRole::UserId))
                    .col(text_id(UserRole::Role))
                    // "" for organisation-wide roles, so the key stays non-null.
                    .col(text_id(UserRole::UnitId))
                    .primary_key(
                        Index::create()
                            .col(UserRole::UserId)
                            .col(UserRole::Role)
                            .col(UserRole::UnitId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserRole::Table, UserRole::UserId)
                            .to(AppUser::Table, AppUser::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkflowDefinition::Table)
                    .col(text_id(WorkflowDefinition::Hash).primary_key())
                    .col(text_id(WorkflowDefinition::Name))
                    .col(
                        ColumnDef::new(WorkflowDefinition::Version)
                            .integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(WorkflowDefinition::Source).text().not_null())
                    .col(instant(WorkflowDefinition::RegisteredAt))
                    .to_owned(),
            )
            .await?;

        // The event log: append-only, per-case and global hash chains.
        manager
            .create_table(
                Table::create()
                    .table(Event::Table)
                    .col(text_id(Event::CaseId))
                    .col(ColumnDef::new(Event::Sequence).big_integer().not_null())
                    .col(
                        ColumnDef::new(Event::GlobalSeq)
                            .big_integer()
                            .not_null()
                            .unique_key(),
                    )
                    .col(text_id(Event::EventType))
                    .col(ColumnDef::new(Event::EventVersion).integer().not_null())
                    .col(ColumnDef::new(Event::Payload).text().not_null())
                    .col(text_id(Event::ActorId))
                    .col(text_id(Event::ActorRole))
                    .col(instant(Event::OccurredAt))
                    .col(instant(Event::RecordedAt))
                    .col(text_id(Event::PrevHash))
                    .col(text_id(Event::Hash))
                    .col(text_id(Event::GlobalHash))
                    .primary_key(Index::create().col(Event::CaseId).col(Event::Sequence))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditHead::Table)
                    .col(
                        ColumnDef::new(AuditHead::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditHead::GlobalSeq)
                            .big_integer()
                            .not_null(),
                    )
                    .col(text_id(AuditHead::GlobalHash))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditHead::Table)
                    .columns([AuditHead::Id, AuditHead::GlobalSeq, AuditHead::GlobalHash])
                    .values_panic([1.into(), 0i64.into(), "0".repeat(64).into()])
                    .to_owned(),
            )
            .await?;

        // Projections: derivable from the event log (`varna projections rebuild`).
        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .col(text_id(Cases::Id).primary_key())
                    .col(text_id(Cases::Kind))
                    .col(ColumnDef::new(Cases::WorkflowVersion).integer().not_null())
                    .col(text_id(Cases::WorkflowHash))
                    .col(text_id(Cases::Lagrum))
                    .col(text_id(Cases::UnitId))
                    .col(text_id(Cases::State))
                    .col(ColumnDef::new(Cases::IsClosed).boolean().not_null())
                    .col(ColumnDef::new(Cases::Outcome).string().null())
                    .col(ColumnDef::new(Cases::AffectedGender).string().null())
                    .col(ColumnDef::new(Cases::Category).string().null())
                    .col(instant(Cases::OpenedAt))
                    .col(
                        ColumnDef::new(Cases::ClosedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Cases::NextDueAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(text_id(Cases::FiledBy))
                    .col(ColumnDef::new(Cases::Version).big_integer().not_null())
                    .col(instant(Cases::UpdatedAt))
                    .col(ColumnDef::new(Cases::Snapshot).text().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Cases::Table, Cases::UnitId)
                            .to(Unit::Table, Unit::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseDeadline::Table)
                    .col(text_id(CaseDeadline::CaseId))
                    .col(text_id(CaseDeadline::DeadlineId))
                    .col(instant(CaseDeadline::DueAt))
                    .col(text_id(CaseDeadline::Status))
                    .col(
                        ColumnDef::new(CaseDeadline::EndedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(CaseDeadline::CaseId)
                            .col(CaseDeadline::DeadlineId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JournalEntry::Table)
                    .col(text_id(JournalEntry::CaseId))
                    .col(
                        ColumnDef::new(JournalEntry::Sequence)
                            .big_integer()
                            .not_null(),
                    )
                    .col(text_id(JournalEntry::Topic))
                    .col(text_id(JournalEntry::EntryKind))
                    .col(ColumnDef::new(JournalEntry::DocumentedOn).date().not_null())
                    .col(ColumnDef::new(JournalEntry::Source).text().not_null())
                    .col(ColumnDef::new(JournalEntry::AuthorName).string().not_null())
                    .col(
                        ColumnDef::new(JournalEntry::AuthorTitle)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(JournalEntry::Text).text().not_null())
                    .col(text_id(JournalEntry::RecordedBy))
                    .col(instant(JournalEntry::RecordedAt))
                    .primary_key(
                        Index::create()
                            .col(JournalEntry::CaseId)
                            .col(JournalEntry::Sequence),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CaseLink::Table)
                    .col(text_id(CaseLink::CaseId))
                    .col(text_id(CaseLink::OtherCaseId))
                    .col(text_id(CaseLink::LinkKind))
                    .col(text_id(CaseLink::LinkEnd))
                    .col(ColumnDef::new(CaseLink::Sequence).big_integer().not_null())
                    .primary_key(
                        Index::create()
                            .col(CaseLink::CaseId)
                            .col(CaseLink::Sequence),
                    )
                    .to_owned(),
            )
            .await?;

        // Personal identity numbers, kept apart from case text.
        manager
            .create_table(
                Table::create()
                    .table(CasePerson::Table)
                    .col(text_id(CasePerson::CaseId).primary_key())
                    .col(text_id(CasePerson::Personnummer))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(text_id(IdempotencyKey::ActorId))
                    .col(text_id(IdempotencyKey::Key))
                    .col(text_id(IdempotencyKey::RequestHash))
                    .col(text_id(IdempotencyKey::CaseId))
                    .col(
                        ColumnDef::new(IdempotencyKey::Version)
                            .big_integer()
                            .not_null(),
                    )
                    .col(instant(IdempotencyKey::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKey::ActorId)
                            .col(IdempotencyKey::Key),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccessLog::Table)
                    .col(
                        ColumnDef::new(AccessLog::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(text_id(AccessLog::ActorId))
                    .col(text_id(AccessLog::ActorRole))
                    .col(text_id(AccessLog::CaseId))
                    .col(text_id(AccessLog::Purpose))
                    .col(instant(AccessLog::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(text_id(Outbox::Id).primary_key())
                    .col(text_id(Outbox::CaseId))
                    .col(ColumnDef::new(Outbox::Sequence).big_integer().not_null())
                    .col(text_id(Outbox::Role))
                    .col(ColumnDef::new(Outbox::Notice).text().not_null())
                    .col(text_id(Outbox::Status))
                    .col(ColumnDef::new(Outbox::Attempts).integer().not_null())
                    .col(instant(Outbox::NextAttemptAt))
                    .col(instant(Outbox::CreatedAt))
                    .to_owned(),
            )
            .await?;

        // Indexes for the queries in `queries/` (checked with EXPLAIN on PostgreSQL in tests).
        let indexes = [
            Index::create()
                .name("ix_case_kind_opened")
                .table(Cases::Table)
                .col(Cases::Kind)
                .col(Cases::OpenedAt)
                .col(Cases::Id)
                .to_owned(),
            Index::create()
                .name("ix_case_unit_opened")
                .table(Cases::Table)
                .col(Cases::UnitId)
                .col(Cases::OpenedAt)
                .col(Cases::Id)
                .to_owned(),
            Index::create()
                .name("ix_case_opened")
                .table(Cases::Table)
                .col(Cases::OpenedAt)
                .col(Cases::Id)
                .to_owned(),
            Index::create()
                .name("ix_case_open_due")
                .table(Cases::Table)
                .col(Cases::IsClosed)
                .col(Cases::NextDueAt)
                .to_owned(),
            Index::create()
                .name("ix_case_state")
                .table(Cases::Table)
                .col(Cases::Kind)
                .col(Cases::State)
                .to_owned(),
            Index::create()
                .name("ix_deadline_status_due")
                .table(CaseDeadline::Table)
                .col(CaseDeadline::Status)
                .col(CaseDeadline::DueAt)
                .to_owned(),
            Index::create()
                .name("ix_access_case")
                .table(AccessLog::Table)
                .col(AccessLog::CaseId)
                .col(AccessLog::At)
                .to_owned(),
            Index::create()
                .name("ix_access_actor")
                .table(AccessLog::Table)
                .col(AccessLog::ActorId)
                .col(AccessLog::At)
                .to_owned(),
            Index::create()
                .name("ix_outbox_due")
                .table(Outbox::Table)
                .col(Outbox::Status)
                .col(Outbox::NextAttemptAt)
                .to_owned(),
            Index::create()
                .name("ix_link_other")
                .table(CaseLink::Table)
                .col(CaseLink::OtherCaseId)
                .to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Varna's migrations are forward-only: restore a backup to go back".into(),
        ))
    }
}
