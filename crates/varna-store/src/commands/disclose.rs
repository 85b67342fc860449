//! Utlämnande: the document a disclosure hands out is made and recorded in
//! one transaction that holds the writer slot, so the event that says to
//! whom, on which decision and what was masked names the digest of exactly
//! the bytes handed out, and the case cannot change in between.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use varna_document::{Disclosure, disclosure, pdf};
use varna_workflow::{Actor, DisclosurePlan, DisclosureRequest, decide_disclosure};

use super::batch::Batch;
use super::group::Staged;
use super::{Applied, facts};
use crate::documents::context;
use crate::entities::case_person;
use crate::error::Result;
use crate::{CaseId, Store};

/// A case disclosed: the document handed out and what it masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosed {
    /// The case and its version after the disclosure event.
    pub applied: Applied,
    /// The PDF handed out.
    pub document: Vec<u8>,
    /// Its digest (`sha256:` and hex), as the event names it.
    pub digest: String,
    /// What was masked and released, to whom, on which decision.
    pub plan: DisclosurePlan,
}

impl Store {
    /// Discloses `case_id` as `actor` asks in `request`: the engine checks
    /// the request against the lifecycle's `[disclosure]`, the document is
    /// rendered with the masked fields left out, and a `disclosed` event
    /// records it with the document's digest.
    pub async fn disclose(
        &self,
        case_id: &CaseId,
        request: &DisclosureRequest,
        actor: &Actor,
        now: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Disclosed> {
        let facts = facts(actor, now);
        let (case_id, request) = (case_id.clone(), request.clone());
        let (applied, (document, digest, plan)) = self
            .in_turn_with(Box::new(move |store, txn, mut head| {
                Box::pin(async move {
                    let (case, def) = store.load_for_update(txn, &case_id, &mut head).await?;
                    let plan = decide_disclosure(&def, &case, &facts.actor, &request)?;
                    let has_personnummer = case_person::Entity::find()
                        .filter(case_person::Column::CaseId.eq(case_id.to_string()))
                        .count(txn)
                        .await?
                        > 0;
                    let d = Disclosure {
                        context: context(txn, &case_id, &case, facts.now, false).await?,
                        recipient: plan.recipient.clone(),
                        decision: plan.decision.clone(),
                        has_personnummer,
                        masked: plan.masked.clone(),
                    };
                    let document = pdf(&disclosure(&def, &case, &d));
                    let digest = crate::chain::content_digest(&document);
                    let event = plan.event(&facts.actor, facts.now, digest.clone());
                    let mut batch = Batch::new(head, facts.now);
                    let case = batch.append_to(&case_id, &def, case, vec![event])?;
                    let written = batch.write(store, txn).await?;
                    tracing::info!(case = %case_id, masked = plan.masked.len(), "case disclosed");
                    Ok((
                        Staged::written(
                            Applied::new(case_id.clone(), case.version, Vec::new()),
                            written,
                        ),
                        (document, digest, plan),
                    ))
                })
            }))
            .await?;
        Ok(Disclosed {
            applied,
            document,
            digest,
            plan,
        })
    }
}
