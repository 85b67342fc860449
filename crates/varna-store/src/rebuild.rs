//! `rebuild_projections`: recomputes the `cases`, `case_deadline`,
//! `journal_entry`, `case_link` and `case_tally` tables from the event log
//! alone, inside one write transaction (no command runs meanwhile).

use sea_orm::{ConnectionTrait, EntityTrait};
use varna_workflow::{Case, Event, replay};

use crate::Store;
use crate::audit::events_in_case_order;
use crate::backend::begin_write;
use crate::entities::{case_deadline, case_link, case_tally, cases, journal_entry};
use crate::error::{Error, Result};
use crate::projections::{case_row, write_event_rows};
use crate::queries::StoredEvent;
use crate::tally::{self, TallyDelta};

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RebuildReport {
    /// Cases rebuilt.
    pub cases: u64,
    /// Events replayed.
    pub events: u64,
}

impl Store {
    /// Deletes and recomputes every projection row from the events.
    pub async fn rebuild_projections(
        &self,
        mut progress: impl FnMut(RebuildReport),
    ) -> Result<RebuildReport> {
        let (txn, _head) = begin_write(&self.db).await?;
        case_deadline::Entity::delete_many().exec(&txn).await?;
        journal_entry::Entity::delete_many().exec(&txn).await?;
        case_link::Entity::delete_many().exec(&txn).await?;
        cases::Entity::delete_many().exec(&txn).await?;
        case_tally::Entity::delete_many().exec(&txn).await?;
        let mut tallies = TallyDelta::new();

        let mut report = RebuildReport {
            cases: 0,
            events: 0,
        };
        let mut current: Option<(String, Vec<Event>)> = None;
        let mut cursor: Option<(String, i64)> = None;
        loop {
            let rows = events_in_case_order(&txn, cursor.as_ref()).await?;
            let Some(tail) = rows.last() else { break };
            cursor = Some((tail.case_id.clone(), tail.sequence));
            for row in rows {
                let case_id = row.case_id.clone();
                let stored = StoredEvent::from_row(row)?;
                match &mut current {
                    Some((id, events)) if *id == case_id => events.push(stored.event),
                    _ => {
                        if let Some((id, events)) = current.take() {
                            self.write_rebuilt(&txn, &id, &events, &mut tallies).await?;
                            report.cases += 1;
                        }
                        current = Some((case_id, vec![stored.event]));
                    }
                }
                report.events += 1;
            }
            progress(report);
        }
        if let Some((id, events)) = current.take() {
            self.write_rebuilt(&txn, &id, &events, &mut tallies).await?;
            report.cases += 1;
        }
        tally::apply(&txn, tallies).await?;
        // The personnummer rows are kept, not rebuilt; their copy of the
        // opening time follows the cases.
        txn.execute_unprepared(
            "UPDATE case_person SET opened_epoch = \
             (SELECT c.opened_epoch FROM cases c WHERE c.id = case_person.case_id) \
             WHERE EXISTS (SELECT 1 FROM cases c WHERE c.id = case_person.case_id)",
        )
        .await?;
        txn.commit().await?;
        progress(report);
        tracing::info!(
            cases = report.cases,
            events = report.events,
            "projections rebuilt"
        );
        Ok(report)
    }

    async fn write_rebuilt(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        id: &str,
        events: &[Event],
        tallies: &mut TallyDelta,
    ) -> Result<()> {
        let case: Case = replay(events).map_err(|e| Error::Corrupt(format!("case {id}: {e}")))?;
        let def = self.definitions.by_hash(txn, &case.workflow.hash).await?;
        tally::add(tallies, tally::case_facts(&case, &def), 1);
        let updated_at = events.last().map_or(case.opened_at, |e| e.occurred_at);
        cases::Entity::insert(case_row(id, &case, &def, updated_at))
            .exec(txn)
            .await?;
        write_event_rows(txn, id, &case, 1, events, true).await
    }
}
