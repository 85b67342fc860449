//! `Mutation`: filing, transitions, utredning entries, links, escalation,
//! the organisation's units and verksamhetsområden, and ending sign-ins.
//! Each resolver is one call on the caller's `Session` (`endSessions`
//! writes the server's revocation list).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result};
use varna_app::{Done, NewCase, policy};
use varna_workflow::{Author, JournalEntry, Value};

use super::case::CaseView;
use super::organisation::{ChangeOrganisationInput, OrganisationChange};
use super::types::{
    AssignHandlaggareInput, CaseKind, EntryKind, EscalateInput, EscalationTarget, FileCaseInput,
    LinkCasesInput, MarkDuplicateInput, TransitionInput, UtredningEntryInput,
};
use super::{case_id, expect, fields, principal, session};
use crate::auth::AuthConfig;
use crate::error::{Code, Gql, error, from_store};

/// What a command did.
#[derive(Debug)]
pub struct CommandResult(Done);

/// What a command did.
#[Object]
impl CommandResult {
    /// The case as it is now; null when the caller's role may not read it
    /// (a MAS filing a SoL avvikelse: filed, but not theirs to follow).
    /// Read, and logged as read, only when asked for.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<CaseView>> {
        Ok(session(ctx)?
            .command_case(&self.0)
            .await
            .gql()?
            .map(CaseView))
    }

    /// The case's id.
    async fn case_id(&self) -> ID {
        ID(self.0.applied.case_id.to_string())
    }

    /// Its version after the command.
    async fn version(&self) -> i64 {
        i64::try_from(self.0.applied.version).unwrap_or(i64::MAX)
    }

    /// Ids of cases the command opened (an escalation's lex Sarah case…).
    async fn opened(&self) -> Vec<ID> {
        self.0
            .applied
            .opened
            .iter()
            .map(|id| ID(id.to_string()))
            .collect()
    }

    /// True when this repeats an earlier command with the same idempotency key; nothing new was written.
    async fn replayed(&self) -> bool {
        self.0.applied.replayed
    }
}

/// Changes. Each takes an optional `idempotencyKey` and, on existing cases, an `expectedVersion`.
#[derive(Debug, Default)]
pub struct MutationRoot;

fn result(done: Done) -> CommandResult {
    CommandResult(done)
}

/// Changes to cases. Each takes an optional `idempotencyKey` and, on existing cases, an `expectedVersion`.
#[Object(name = "Mutation")]
impl MutationRoot {
    /// File a new case: an avvikelse, a lex Sarah report, a lex Maria event, a complaint, or a case of any other lifecycle the installation loads.
    async fn file_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: FileCaseInput,
    ) -> Result<CommandResult> {
        let new = NewCase {
            workflow: input.workflow_name()?,
            lagrum: input.lagrum.into(),
            unit: input.unit,
            fields: fields(&input.fields)?,
            personnummer: input.personnummer,
            idempotency_key: input.idempotency_key,
        };
        session(ctx)?.file(new).await.gql().map(result)
    }

    /// Take a named transition (see `Case.availableTransitions`) with the fields it needs.
    async fn transition(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: TransitionInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        let fields = fields(&input.fields)?;
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?
            .transition(&id, &input.transition, fields, expect)
            .await
            .gql()
            .map(result)
    }

    /// Add an attributed entry to the utredning journal (append-only).
    async fn add_utredning_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: UtredningEntryInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        let number = |n: Option<i32>, field: &str| {
            n.map(|n| {
                u32::try_from(n).map_err(|_| {
                    error(
                        Code::InvalidInput,
                        format!("{field} must be the number of an entry of this case"),
                    )
                })
            })
            .transpose()
        };
        let entry = JournalEntry {
            addresses: number(input.addresses, "addresses")?,
            follows_up: number(input.follows_up, "follows_up")?,
            owner: input.owner,
            due_on: input.due_on,
            ..JournalEntry::new(
                input.topic,
                input.text,
                input.source,
                match input.kind {
                    EntryKind::Fact => varna_workflow::EntryKind::Fact,
                    EntryKind::Assessment => varna_workflow::EntryKind::Assessment,
                },
                input.documented_on,
                Author {
                    name: input.author_name,
                    title: input.author_title,
                },
            )
        };
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?
            .add_journal_entry(&id, entry, expect)
            .await
            .gql()
            .map(result)
    }

    /// Link two cases that concern the same matter. The link is recorded on both, and both must be cases the caller may read and act on.
    async fn link_cases(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: LinkCasesInput,
    ) -> Result<CommandResult> {
        let (a, b) = (case_id(&input.case_id)?, case_id(&input.other_case_id)?);
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?.link(&a, &b, expect).await.gql().map(result)
    }

    /// Mark a case as a duplicate of an earlier case of the same kind that reports the same matter. The duplicate is closed where it stands, its clocks stop and it is counted only as a duplicate; both cases keep their numbers and histories, and the mark shows in both. Open to the roles that take the lifecycle's steps.
    async fn mark_duplicate(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: MarkDuplicateInput,
    ) -> Result<CommandResult> {
        let duplicate = case_id(&input.case_id)?;
        let original = case_id(&input.original_case_id)?;
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?
            .mark_duplicate(&duplicate, &original, expect)
            .await
            .gql()
            .map(result)
    }

    /// Name the handläggare of an open case: someone who holds a role that works this kind of case at its unit. Open to the roles that work the lifecycle (take its steps or write its utredning journal). The person named is told alone (in their notifications and by webhook with `recipient`).
    async fn assign_handlaggare(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: AssignHandlaggareInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        if input.person_id.len() > 200 {
            return Err(error(
                Code::InvalidInput,
                "personId is longer than 200 characters",
            ));
        }
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?
            .assign(&id, input.person_id.trim(), expect)
            .await
            .gql()
            .map(result)
    }

    /// Administrators: add, rename, move, close or reopen a unit, or add or rename a verksamhetsområde. Each change is recorded (who, when, what) on the organisation's hash chain. A closed unit takes no new cases; its cases and history stay, and earlier years' reports keep a moved unit where it was. A refused change is INVALID_INPUT naming the field, and changes nothing.
    async fn change_organisation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to change.")] input: ChangeOrganisationInput,
    ) -> Result<OrganisationChange> {
        let session = session(ctx)?;
        if !session.may_administer() {
            return Err(error(
                Code::Forbidden,
                "only an administrator may change the organisation",
            ));
        }
        let edit = input.edit().gql()?;
        let change = session.change_organisation(&edit).await.gql()?;
        Ok(change.into())
    }

    /// Administrators: end every sign-in of a person now — web sessions and
    /// API tokens, on every server of the database. Sign-ins made after
    /// this are not affected. True when done.
    async fn end_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The person's user id (the token subject).")] user_id: String,
    ) -> Result<bool> {
        let p = principal(ctx)?;
        if !policy::may_end_sessions(p) {
            return Err(error(
                Code::Forbidden,
                "only an administrator may end someone's sign-ins",
            ));
        }
        if user_id.trim().is_empty() || user_id.len() > 200 {
            return Err(error(
                Code::InvalidInput,
                "userId must be a user id of 1–200 characters",
            ));
        }
        let auth = ctx.data_opt::<Arc<AuthConfig>>().ok_or_else(|| {
            error(
                Code::Internal,
                "this server was started without token verification",
            )
        })?;
        auth.revocations
            .revoke_user(&user_id, auth.max_lifetime)
            .await
            .map_err(from_store)?;
        tracing::info!(by = %p.user_id, "an administrator ended a person's sign-ins");
        Ok(true)
    }

    /// Escalate an avvikelse to lex Sarah (SoL/LSS) or lex Maria (HSL): closes it as escalated and opens the linked investigation.
    async fn escalate_avvikelse(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] input: EscalateInput,
    ) -> Result<CommandResult> {
        let id = case_id(&input.case_id)?;
        let to = match (input.to, input.workflow) {
            (Some(EscalationTarget::LexSarah), None) => CaseKind::LexSarah.workflow().to_owned(),
            (Some(EscalationTarget::LexMaria), None) => CaseKind::LexMaria.workflow().to_owned(),
            (None, Some(name)) => name,
            _ => {
                return Err(error(
                    Code::InvalidInput,
                    "give the investigation's workflow or its target, one of them",
                ));
            }
        };
        let mut set = BTreeMap::new();
        set.insert("escalation_reason".to_owned(), Value::Text(input.reason));
        set.insert(
            "affected_gender".to_owned(),
            Value::Text(input.affected_gender.value().to_owned()),
        );
        let expect = expect(input.expected_version, input.idempotency_key)?;
        session(ctx)?
            .escalate(&id, &to, set, expect)
            .await
            .gql()
            .map(result)
    }
}
