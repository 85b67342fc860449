//! What decides who may read a case, read without its content: the
//! application checks it before a change, and need not load and parse the
//! whole case to do so.

use sea_orm::{EntityTrait, FromQueryResult, QuerySelect};

use crate::entities::cases;
use crate::error::Result;
use crate::{CaseId, Store};

/// A case's lifecycle, lagrum, unit and filer: what the access policy
/// reads a case by.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct CaseReach {
    /// The lifecycle (`lex-sarah`, …).
    pub kind: String,
    /// The lagrum it falls under, as stored.
    pub lagrum: String,
    /// The unit it was filed for.
    pub unit_id: String,
    /// Who filed it.
    pub filed_by: String,
}

impl Store {
    /// A case's [`CaseReach`], or `None` when there is no such case.
    pub async fn case_reach(&self, id: &CaseId) -> Result<Option<CaseReach>> {
        Ok(cases::Entity::find_by_id(id.to_string())
            .select_only()
            .columns([
                cases::Column::Kind,
                cases::Column::Lagrum,
                cases::Column::UnitId,
                cases::Column::FiledBy,
            ])
            .into_model::<CaseReach>()
            .one(&self.db)
            .await?)
    }
}
