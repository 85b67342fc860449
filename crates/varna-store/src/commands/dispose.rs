//! Disposal (gallring): the personal content of one case removed under a
//! rule of the gallringsbeslut, in one transaction that holds the writer
//! slot. The case's own chain is checked first; each event whose payload
//! held something to remove gets the payload without it (and keeps the
//! digest of the payload it was written with, which its hash covers); a
//! `content_disposed` event records, for each, what the chain verifies it
//! by from now on. The case's frozen documents, files and personnummer go;
//! its journal rows keep their dates and topics only. What the quality
//! report counts stays, so its counts do not move.

use std::collections::BTreeSet;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder};
use varna_workflow::{Actor, CONTENT_DISPOSED, DisposedEvent, Event, EventKind};

use super::batch::Batch;
use super::group::Staged;
use super::{Applied, facts};
use crate::audit::{sealed, walk_case};
use crate::chain;
use crate::entities::{attachment, case_person, document, draft, event, journal_entry};
use crate::error::{Error, Result};
use crate::projections::{AFFECTED_GENDER_FIELD, CATEGORY_FIELD};
use crate::tally::{FEEDBACK_KIND_FIELD, IVO_DATE_FIELDS};
use crate::{CaseId, Store};

/// What a disposal removes, and under which rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposal {
    /// The rule's id in the gallringsbeslut.
    pub rule: String,
    /// The rule's legal reference.
    pub reference: String,
    /// The run (a UUID) the gallringsprotokoll lists the case under.
    pub run: String,
    /// Fields the rule keeps besides what the quality report counts.
    pub keep: BTreeSet<String>,
}

/// What a disposal did to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposed {
    /// The case and its version after the disposal.
    pub applied: Applied,
    /// The fields whose values were removed.
    pub fields: Vec<String>,
    /// How many events' payloads changed.
    pub events: usize,
}

/// The fields the quality report counts, kept by every disposal.
fn report_fields(def: &varna_workflow::WorkflowDefinition) -> BTreeSet<String> {
    let mut kept: BTreeSet<String> = [AFFECTED_GENDER_FIELD, CATEGORY_FIELD, FEEDBACK_KIND_FIELD]
        .into_iter()
        .chain(IVO_DATE_FIELDS)
        .map(str::to_owned)
        .collect();
    kept.extend(def.outcome_field().map(|f| f.name.clone()));
    kept
}

impl Store {
    /// Disposes of the personal content of `case_id` under `disposal`, as
    /// `actor` (the one running the gallring). Refused with `NotDisposable`
    /// when the case is open or was disposed of before, and with `Corrupt` when
    /// its chain does not verify (nothing is removed from a case whose
    /// history cannot be proven first).
    pub async fn dispose(
        &self,
        case_id: &CaseId,
        disposal: &Disposal,
        actor: &Actor,
        now: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Disposed> {
        let facts = facts(actor, now);
        let (case_id, disposal) = (case_id.clone(), disposal.clone());
        let (applied, (fields, events)) = self
            .in_turn_with(Box::new(move |store, txn, mut head| {
                Box::pin(async move {
                    let (case, def) = store.load_for_update(txn, &case_id, &mut head).await?;
                    if !case.is_closed() {
                        return Err(Error::NotDisposable(
                            "it is open; only a closed case is disposed of".to_owned(),
                        ));
                    }
                    let rows = event::Entity::find()
                        .filter(event::Column::CaseId.eq(case_id.to_string()))
                        .order_by_asc(event::Column::Sequence)
                        .all(txn)
                        .await?;
                    if rows.iter().any(|r| r.event_type == CONTENT_DISPOSED) {
                        return Err(Error::NotDisposable(
                            "it was disposed of before".to_owned(),
                        ));
                    }
                    if let Some(problem) = walk_case(&rows) {
                        return Err(Error::Corrupt(format!(
                            "case {case_id} is not disposed of: its chain does not verify ({problem})"
                        )));
                    }
                    let mut keep = report_fields(&def);
                    keep.extend(disposal.keep.iter().cloned());
                    // The fields this case holds values of.
                    let mut fields = def.disposable_fields(&keep);
                    fields.retain(|f| case.fields.contains_key(f));
                    let listed = strip(txn, &rows, &fields).await?;
                    remove_beside(txn, &case_id).await?;
                    let event = Event {
                        actor: varna_workflow::EventActor {
                            id: facts.actor.id.clone(),
                            role: facts.actor.role,
                        },
                        occurred_at: facts.now,
                        kind: EventKind::ContentDisposed {
                            rule: disposal.rule.clone(),
                            reference: disposal.reference.clone(),
                            run: disposal.run.clone(),
                            fields: fields.iter().cloned().collect(),
                            events: listed.clone(),
                        },
                    };
                    let mut batch = Batch::new(head, facts.now);
                    let case = batch.append_to(&case_id, &def, case, vec![event])?;
                    let written = batch.write(store, txn).await?;
                    tracing::info!(case = %case_id, rule = %disposal.rule, events = listed.len(), "case content disposed of");
                    Ok((
                        Staged::written(
                            Applied::new(case_id.clone(), case.version, Vec::new()),
                            written,
                        ),
                        (fields, listed.len()),
                    ))
                })
            }))
            .await?;
        Ok(Disposed {
            applied,
            fields: fields.into_iter().collect(),
            events,
        })
    }
}

/// Replaces the payload of each event that holds something of `fields`
/// (or other personal content) with the payload without it; returns what
/// the disposal event lists.
async fn strip(
    txn: &DatabaseTransaction,
    rows: &[event::Model],
    fields: &BTreeSet<String>,
) -> Result<Vec<DisposedEvent>> {
    let mut listed = Vec::new();
    for row in rows {
        let kind: EventKind = serde_json::from_str(&row.payload).map_err(|e| {
            Error::Corrupt(format!(
                "event {} of case {}: {e}",
                row.sequence, row.case_id
            ))
        })?;
        let Some(kept) = kind.disposed(fields) else {
            continue;
        };
        let kept = chain::canonical_json(&serde_json::to_value(&kept).expect("events serialise"));
        // What the event was written with: a version 2 event's digest (its
        // hash, checked above, covers it); for a version 1 event a digest
        // made now under a fresh salt that is not kept, so it cannot be
        // used to confirm a guessed removed value.
        let written = if row.event_version == chain::EVENT_VERSION_INLINE {
            chain::payload_digest(&crate::person::new_salt(), &row.payload)
        } else {
            row.payload_digest.clone().ok_or_else(|| {
                Error::Corrupt(format!("event {} has no payload digest", row.sequence))
            })?
        };
        let sealed = if row.event_version == chain::EVENT_VERSION_INLINE {
            sealed(row, &written)
        } else {
            row.hash.clone()
        };
        listed.push(DisposedEvent {
            sequence: row.sequence,
            sealed,
            kept: chain::content_digest(kept.as_bytes()),
        });
        event::Entity::update_many()
            .col_expr(event::Column::Payload, Expr::value(kept))
            .col_expr(event::Column::PayloadDigest, Expr::value(written))
            .col_expr(
                event::Column::PayloadSalt,
                Expr::value(Option::<String>::None),
            )
            .filter(event::Column::CaseId.eq(row.case_id.clone()))
            .filter(event::Column::Sequence.eq(row.sequence))
            .exec(txn)
            .await?;
    }
    Ok(listed)
}

/// Removes what the case keeps beside its log: the frozen documents, the
/// files, the personnummer, and the journal rows' texts.
async fn remove_beside(txn: &DatabaseTransaction, case_id: &CaseId) -> Result<()> {
    let id = case_id.to_string();
    document::Entity::delete_many()
        .filter(document::Column::CaseId.eq(id.clone()))
        .exec(txn)
        .await?;
    attachment::Entity::delete_many()
        .filter(attachment::Column::CaseId.eq(id.clone()))
        .exec(txn)
        .await?;
    case_person::Entity::delete_many()
        .filter(case_person::Column::CaseId.eq(id.clone()))
        .exec(txn)
        .await?;
    // A form's text kept for someone signed out on one of the case's pages.
    draft::Entity::delete_many()
        .filter(draft::Column::Page.contains(id.as_str()))
        .exec(txn)
        .await?;
    journal_entry::Entity::update_many()
        .col_expr(journal_entry::Column::Text, Expr::value(""))
        .col_expr(journal_entry::Column::Source, Expr::value(""))
        .col_expr(journal_entry::Column::AuthorName, Expr::value(""))
        .filter(journal_entry::Column::CaseId.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}
