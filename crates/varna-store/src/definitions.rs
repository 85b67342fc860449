//! The definitions the store decides with: the current one per lifecycle
//! for new cases, and every version ever registered (by content hash) for
//! the cases pinned to it. Texts are saved in `workflow_definition`, so a
//! case filed under an old file is still decided by that file after the
//! files on disk have changed.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, QuerySelect};
use varna_workflow::{Catalog, WorkflowDefinition, definition::parse_pinned};

use crate::entities::workflow_definition;
use crate::error::{Error, Result};

#[derive(Debug, Default)]
pub(crate) struct Definitions {
    current: RwLock<BTreeMap<String, Arc<WorkflowDefinition>>>,
    by_hash: RwLock<HashMap<String, Arc<WorkflowDefinition>>>,
}

impl Definitions {
    /// Makes `catalog` the current set and saves any text not seen before.
    pub(crate) async fn register(&self, db: &DatabaseConnection, catalog: &Catalog) -> Result<()> {
        let now = chrono::Utc::now();
        for def in catalog.iter() {
            let row = workflow_definition::ActiveModel {
                hash: Set(def.reference.hash.clone()),
                name: Set(def.name().to_owned()),
                version: Set(i32::try_from(def.reference.version).unwrap_or(i32::MAX)),
                source: Set(def.source.clone()),
                registered_at: Set(now),
            };
            workflow_definition::Entity::insert(row)
                .on_conflict_do_nothing()
                .exec(db)
                .await?;
        }
        let mut current = self
            .current
            .write()
            .expect("definitions lock is never poisoned");
        let mut by_hash = self
            .by_hash
            .write()
            .expect("definitions lock is never poisoned");
        current.clear();
        for def in catalog.iter() {
            let def = Arc::new(def.clone());
            by_hash.insert(def.reference.hash.clone(), Arc::clone(&def));
            current.insert(def.name().to_owned(), def);
        }
        Ok(())
    }

    /// The current definition of a lifecycle, for new cases.
    pub(crate) fn current(&self, name: &str) -> Result<Arc<WorkflowDefinition>> {
        self.current
            .read()
            .expect("definitions lock is never poisoned")
            .get(name)
            .cloned()
            .ok_or_else(|| Error::UnknownWorkflow(name.to_owned()))
    }

    /// The names of the current lifecycles.
    pub(crate) fn names(&self) -> Vec<String> {
        self.current
            .read()
            .expect("definitions lock is never poisoned")
            .keys()
            .cloned()
            .collect()
    }

    /// Every stored definition by its hash (for work off the runtime that
    /// cannot ask the database).
    pub(crate) async fn all_stored(
        &self,
        db: &impl sea_orm::ConnectionTrait,
    ) -> Result<HashMap<String, Arc<WorkflowDefinition>>> {
        let hashes: Vec<String> = workflow_definition::Entity::find()
            .select_only()
            .column(workflow_definition::Column::Hash)
            .into_tuple()
            .all(db)
            .await?;
        let mut all = HashMap::with_capacity(hashes.len());
        for hash in hashes {
            let def = self.by_hash(db, &hash).await?;
            all.insert(hash, def);
        }
        Ok(all)
    }

    /// The definition a case is pinned to, from memory or the database.
    pub(crate) async fn by_hash(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        hash: &str,
    ) -> Result<Arc<WorkflowDefinition>> {
        if let Some(def) = self
            .by_hash
            .read()
            .expect("definitions lock is never poisoned")
            .get(hash)
        {
            return Ok(Arc::clone(def));
        }
        let row = workflow_definition::Entity::find_by_id(hash.to_owned())
            .one(db)
            .await?
            .ok_or_else(|| Error::MissingDefinition(hash.to_owned()))?;
        let def = parse_pinned(&format!("{}.toml", row.name), &row.source).map_err(|e| {
            Error::Corrupt(format!("stored definition {hash} no longer parses: {e}"))
        })?;
        if def.reference.hash != hash {
            return Err(Error::Corrupt(format!(
                "stored definition {hash} has another hash"
            )));
        }
        let def = Arc::new(def);
        self.by_hash
            .write()
            .expect("definitions lock is never poisoned")
            .insert(hash.to_owned(), Arc::clone(&def));
        Ok(def)
    }
}
