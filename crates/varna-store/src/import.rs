//! `import_cases`: appends whole case histories in bulk — a municipality's
//! earlier cases (`varna import`, one `imported` event each) and the
//! benchmark's generated datasets (`varna-bench seed`); not for
//! day-to-day work. The
//! events must come from the engine (the caller decides them with
//! `varna_workflow::decide*`); the store checks that each history replays
//! under a registered definition, then chains, projects and tallies them
//! exactly as the command path would, many cases per statement and one
//! transaction per batch, holding the writer slot.

use chrono::Utc;
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use varna_workflow::{Event, Personnummer, replay};

use crate::backend::{ChainHead, begin_write};
use crate::chain::{self, GENESIS};
use crate::commands::{event_row, seal};
use crate::entities::{case_person, cases, import_file};
use crate::error::{Error, Result};
use crate::projections::{CaseRows, insert_chunked};
use crate::tally::{self, TallyDelta};
use crate::{CaseId, Store};

/// One case history to import.
#[derive(Debug, Clone)]
pub struct ImportedCase {
    /// The case id.
    pub id: CaseId,
    /// Its events, the filing first, as the engine decided them.
    pub events: Vec<Event>,
    /// The affected person, if known.
    pub personnummer: Option<Personnummer>,
}

impl Store {
    /// Appends `batch` in one transaction. A history that does not replay,
    /// or whose definition is not registered, refuses the whole batch.
    pub async fn import_cases(&self, mut batch: Vec<ImportedCase>) -> Result<()> {
        // In id order (UUID v7: the time the case opened), so each index
        // is inserted into from one end to the other.
        batch.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let (txn, head) = begin_write(&self.db).await?;
        let head = head.read(&txn).await?;
        let now = chain::normalise(Utc::now());
        let mut global_seq = head.global_seq;
        let mut global = head.global_hash;
        let mut events = Vec::new();
        let mut rows = CaseRows::default();
        let mut persons = Vec::new();
        let mut tallies = TallyDelta::default();
        for mut imported in batch {
            let id = imported.id.to_string();
            let salt = match (&imported.personnummer, imported.events.first_mut()) {
                (Some(p), Some(first)) => Some(crate::person::commit(first, p)?),
                _ => None,
            };
            let case = replay(&imported.events)
                .map_err(|e| Error::Corrupt(format!("imported case {id}: {e}")))?;
            let def = self.definitions.by_hash(&txn, &case.workflow.hash).await?;
            let mut prev = GENESIS.to_owned();
            for (n, e) in imported.events.iter().enumerate() {
                global_seq += 1;
                let mut row = event_row(&id, n as i64 + 1, global_seq, e, now);
                prev = seal(&mut row, prev, &mut global)?;
                events.push(row);
            }
            rows.add(&id, &case, &def, &imported.events);
            if let (Some(p), Some(salt)) = (imported.personnummer, salt) {
                persons.push(case_person::ActiveModel {
                    case_id: Set(id.clone()),
                    personnummer: Set(p.digits().to_owned()),
                    opened_epoch: Set(case.opened_at.timestamp()),
                    salt: Set(Some(salt)),
                });
            }
            tally::count(&mut tallies, &case, &def, 1);
        }
        insert_chunked(&txn, events).await?;
        rows.write(&txn).await?;
        insert_chunked(&txn, persons).await?;
        tally::apply(&txn, tallies).await?;
        ChainHead {
            global_seq,
            global_hash: global,
        }
        .write(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// A file `varna import` brought in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFile {
    /// `sha256:` and the hex SHA-256 of its bytes.
    pub digest: String,
    /// Its name as given.
    pub name: String,
    /// Cases brought in.
    pub cases: u64,
    /// Rows skipped as bad.
    pub skipped: u64,
    /// Who imported it.
    pub actor_id: String,
    /// When the import finished.
    pub imported_at: chrono::DateTime<Utc>,
}

impl CaseId {
    /// The id of the case from `row` of the file `digest`, reported at
    /// `reported_at`: a UUID v7 whose time is the reporting's and whose
    /// other bits come from the file and the row, so importing the same
    /// row again names the same case (an interrupted import resumes
    /// without bringing a row in twice).
    pub fn imported(digest: &str, row: u64, reported_at: chrono::DateTime<Utc>) -> CaseId {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(digest.as_bytes());
        h.update(row.to_be_bytes());
        let bits = h.finalize();
        let millis = u64::try_from(reported_at.timestamp_millis()).unwrap_or(0);
        let mut random = [0u8; 10];
        random.copy_from_slice(&bits[..10]);
        CaseId(uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
    }
}

impl Store {
    /// The import of the file `digest`, if it was imported.
    pub async fn imported_file(&self, digest: &str) -> Result<Option<ImportedFile>> {
        Ok(import_file::Entity::find_by_id(digest.to_owned())
            .one(&self.db)
            .await?
            .map(|f| ImportedFile {
                digest: f.digest,
                name: f.name,
                cases: u64::try_from(f.cases).unwrap_or_default(),
                skipped: u64::try_from(f.skipped).unwrap_or_default(),
                actor_id: f.actor_id,
                imported_at: f.imported_at,
            }))
    }

    /// Which of `ids` are cases already.
    pub async fn cases_present(&self, ids: &[CaseId]) -> Result<std::collections::HashSet<String>> {
        use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
        let mut present = std::collections::HashSet::new();
        for chunk in ids.chunks(500) {
            let found: Vec<String> = cases::Entity::find()
                .select_only()
                .column(cases::Column::Id)
                .filter(cases::Column::Id.is_in(chunk.iter().map(ToString::to_string)))
                .into_tuple()
                .all(&self.db)
                .await?;
            present.extend(found);
        }
        Ok(present)
    }

    /// Records that `file` was imported in full.
    pub async fn record_imported_file(&self, file: ImportedFile) -> Result<()> {
        import_file::Entity::insert(import_file::ActiveModel {
            digest: Set(file.digest),
            name: Set(file.name),
            cases: Set(i64::try_from(file.cases).unwrap_or(i64::MAX)),
            skipped: Set(i64::try_from(file.skipped).unwrap_or(i64::MAX)),
            actor_id: Set(file.actor_id),
            imported_at: Set(chain::normalise(file.imported_at)),
        })
        .exec(&self.db)
        .await?;
        Ok(())
    }
}
