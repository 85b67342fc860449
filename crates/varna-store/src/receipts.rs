//! The public form's receipt codes: only each code's hash is kept, with
//! the case it opened and the sender it stands for.

use sea_orm::EntityTrait;

use crate::entities::receipt;
use crate::error::{Error, Result};
use crate::{CaseId, Store};

/// What a receipt code opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The case filed with it.
    pub case_id: CaseId,
    /// The sender's actor id (their events and reads are recorded under it).
    pub sender_id: String,
}

impl Store {
    /// The receipt whose code hashes to `code_hash`, if any.
    pub async fn receipt(&self, code_hash: &str) -> Result<Option<Receipt>> {
        let Some(row) = receipt::Entity::find_by_id(code_hash.to_owned())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let case_id = CaseId::parse(&row.case_id)
            .ok_or_else(|| Error::Corrupt(format!("receipt names case {:?}", row.case_id)))?;
        Ok(Some(Receipt {
            case_id,
            sender_id: row.sender_id,
        }))
    }
}
