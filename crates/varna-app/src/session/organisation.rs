//! The organisation: everyone signed in reads the verksamhetsområden and
//! units (names are not personal data); only `admin` changes them, and
//! only `admin` and `auditor` read the record of changes. Each change is
//! recorded on the organisation's chain in the same transaction.

use varna_store::{AreaEntry, OrgChange, OrgEdit};
use varna_workflow::Role;

use super::Session;
use crate::error::Result;

/// The most changes the history returns at once.
pub const MAX_ORG_CHANGES: u64 = 500;

impl Session<'_> {
    /// The verksamhetsområden by name, each with its units (open and
    /// closed) by name.
    pub async fn organisation(&self) -> Result<Vec<AreaEntry>> {
        Ok(self.store().organisation().await?)
    }

    /// Whether the person may change the organisation.
    pub fn may_administer(&self) -> bool {
        self.principal.role == Role::Admin
    }

    /// Makes a change to the organisation (admin only); refused changes
    /// name the field at fault and change nothing.
    pub async fn change_organisation(&self, edit: &OrgEdit) -> Result<OrgChange> {
        if !self.may_administer() {
            return Err(varna_workflow::Rejection::Forbidden {
                role: self.principal.role,
                action: "change the organisation".into(),
            }
            .into());
        }
        Ok(self
            .store()
            .change_organisation(edit, &self.principal.user_id, self.principal.role.as_str())
            .await?)
    }

    /// The recorded changes, newest first, at most `limit` (capped at
    /// [`MAX_ORG_CHANGES`]): for `admin` and `auditor`.
    pub async fn organisation_changes(&self, limit: u64) -> Result<Vec<OrgChange>> {
        if !matches!(self.principal.role, Role::Admin | Role::Auditor) {
            return Err(varna_workflow::Rejection::Forbidden {
                role: self.principal.role,
                action: "read the organisation's changes".into(),
            }
            .into());
        }
        Ok(self.store().org_changes(limit.min(MAX_ORG_CHANGES)).await?)
    }

    /// The open units among the person's own (those a case can be filed
    /// for), in the order given.
    pub async fn open_units(&self, units: &[String]) -> Result<Vec<String>> {
        let closed: std::collections::BTreeSet<String> = self
            .organisation()
            .await?
            .into_iter()
            .flat_map(|a| a.units)
            .filter(|u| u.closed_at.is_some())
            .map(|u| u.id)
            .collect();
        Ok(units
            .iter()
            .filter(|u| !closed.contains(*u))
            .cloned()
            .collect())
    }
}
