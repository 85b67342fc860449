//! The organisation over GraphQL: `organisation` (every signed-in person),
//! `organisationChanges` (admin, auditor) and `changeOrganisation` (admin).
//! Resolvers translate to the application layer's `OrgEdit`; the rules and
//! the record are `varna_app`'s and the store's.

use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{DateTime, Utc};
use varna_app::{AppError, AreaEntry, OrgChange, OrgEdit};

/// A verksamhetsområde with its units.
#[derive(Debug, SimpleObject)]
pub struct Area {
    /// Its code.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its units, open and closed, by name.
    pub units: Vec<Unit>,
}

/// A unit.
#[derive(Debug, SimpleObject)]
pub struct Unit {
    /// Its code (tokens and filings name it).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its verksamhetsområde's code.
    pub area_id: String,
    /// True when closed: it takes no new cases; its cases stay.
    pub closed: bool,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
}

/// One recorded change to the organisation (on the organisation's hash chain).
#[derive(Debug, SimpleObject)]
pub struct OrganisationChange {
    /// Its place in the organisation's chain (1, 2, 3, …).
    pub seq: i64,
    /// What changed.
    pub action: OrganisationAction,
    /// The unit's or verksamhetsområde's code.
    pub subject: String,
    /// The name given (added, renamed), else empty.
    pub name: String,
    /// The unit's verksamhetsområde after the change (unit changes), else empty.
    pub area_id: String,
    /// The verksamhetsområde a moved unit left, else empty.
    pub from_area_id: String,
    /// Who made it.
    pub actor_id: String,
    /// In which role.
    pub actor_role: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A kind of change to the organisation.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum OrganisationAction {
    /// A new verksamhetsområde (`id`, `name`).
    AddArea,
    /// A verksamhetsområde's new name (`id`, `name`).
    RenameArea,
    /// A new unit (`id`, `name`, `area`).
    AddUnit,
    /// A unit's new name (`id`, `name`).
    RenameUnit,
    /// A unit moved to another verksamhetsområde (`id`, `area`); earlier years' reports keep it where it was.
    MoveUnit,
    /// A unit closed (`id`): no new cases; its cases and history stay.
    CloseUnit,
    /// A closed unit opened again (`id`).
    ReopenUnit,
}

/// A change to the organisation.
#[derive(Debug, InputObject)]
pub struct ChangeOrganisationInput {
    /// What to do.
    pub action: OrganisationAction,
    /// The unit's or verksamhetsområde's code: lower-case letters a–z, digits, '-' and '_'.
    pub id: String,
    /// The name (adding, renaming).
    pub name: Option<String>,
    /// The verksamhetsområde's code (adding a unit, moving one).
    pub area: Option<String>,
}

impl ChangeOrganisationInput {
    /// The edit it asks for; a missing name or area is an `INVALID_INPUT`
    /// on that field.
    pub fn edit(self) -> Result<OrgEdit, AppError> {
        let need = |value: Option<String>, field: &'static str| {
            value.ok_or_else(|| {
                AppError::invalid(field, "EMPTY", format!("this change needs {field}"))
            })
        };
        let id = self.id.trim().to_owned();
        Ok(match self.action {
            OrganisationAction::AddArea => OrgEdit::AddArea {
                id,
                name: need(self.name, "name")?,
            },
            OrganisationAction::RenameArea => OrgEdit::RenameArea {
                id,
                name: need(self.name, "name")?,
            },
            OrganisationAction::AddUnit => OrgEdit::AddUnit {
                id,
                name: need(self.name, "name")?,
                area: need(self.area, "area")?.trim().to_owned(),
            },
            OrganisationAction::RenameUnit => OrgEdit::RenameUnit {
                id,
                name: need(self.name, "name")?,
            },
            OrganisationAction::MoveUnit => OrgEdit::MoveUnit {
                id,
                area: need(self.area, "area")?.trim().to_owned(),
            },
            OrganisationAction::CloseUnit => OrgEdit::CloseUnit { id },
            OrganisationAction::ReopenUnit => OrgEdit::ReopenUnit { id },
        })
    }
}

impl From<AreaEntry> for Area {
    fn from(a: AreaEntry) -> Self {
        Area {
            id: a.id,
            name: a.name,
            units: a
                .units
                .into_iter()
                .map(|u| Unit {
                    id: u.id,
                    name: u.name,
                    area_id: u.area_id,
                    closed: u.closed_at.is_some(),
                    closed_at: u.closed_at,
                })
                .collect(),
        }
    }
}

impl From<OrgChange> for OrganisationChange {
    fn from(c: OrgChange) -> Self {
        let action = match c.change.as_str() {
            "area_added" => OrganisationAction::AddArea,
            "area_renamed" => OrganisationAction::RenameArea,
            "unit_added" => OrganisationAction::AddUnit,
            "unit_renamed" => OrganisationAction::RenameUnit,
            "unit_moved" => OrganisationAction::MoveUnit,
            "unit_closed" => OrganisationAction::CloseUnit,
            _ => OrganisationAction::ReopenUnit,
        };
        OrganisationChange {
            seq: c.seq,
            action,
            subject: c.subject,
            name: c.name,
            area_id: c.area_id,
            from_area_id: c.from_area_id,
            actor_id: c.actor_id,
            actor_role: c.actor_role,
            at: c.at,
        }
    }
}
