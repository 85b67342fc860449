//! The organisation as administered in Varna: verksamhetsområden and units
//! added, renamed, moved and closed. Every change is one row of
//! `org_change`, appended on the organisation's own hash chain (ending in
//! `org_head`) in the same transaction as the change itself, so `audit
//! verify` shows a change deleted or edited afterwards. A closed unit takes
//! no new cases; its cases, their history and its counts stay.
//!
//! The record also says where a unit stood: the quality report of an
//! earlier year places each unit in the verksamhetsområde it belonged to at
//! the end of that year ([`Store::areas_at`]), so moving a unit today does
//! not move last year's counts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::Store;
use crate::chain;
use crate::entities::org::{org_change, org_head, organisation, unit, verksamhetsomrade};
use crate::error::{Error, Result};

/// The organisation made when the first verksamhetsområde is added to an
/// empty store: code and name.
pub const DEFAULT_ORGANISATION: (&str, &str) = ("organisation", "Kommunen");
/// The longest code of a unit or verksamhetsområde.
const MAX_CODE: usize = 40;
/// The longest name.
const MAX_NAME: usize = 120;

/// One change to the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgEdit {
    /// A new verksamhetsområde.
    AddArea {
        /// Its code, e.g. `aldreomsorg`.
        id: String,
        /// Its name.
        name: String,
    },
    /// A verksamhetsområde's new name.
    RenameArea {
        /// Its code.
        id: String,
        /// The new name.
        name: String,
    },
    /// A new unit in a verksamhetsområde.
    AddUnit {
        /// Its code, e.g. `hemtjanst-norr` (tokens and the API name it).
        id: String,
        /// Its name.
        name: String,
        /// The verksamhetsområde's code.
        area: String,
    },
    /// A unit's new name.
    RenameUnit {
        /// Its code.
        id: String,
        /// The new name.
        name: String,
    },
    /// A unit moved to another verksamhetsområde.
    MoveUnit {
        /// Its code.
        id: String,
        /// The verksamhetsområde it moves to.
        area: String,
    },
    /// A unit closed: no new cases; its cases and history stay.
    CloseUnit {
        /// Its code.
        id: String,
    },
    /// A closed unit opened again.
    ReopenUnit {
        /// Its code.
        id: String,
    },
}

impl OrgEdit {
    /// The stored word for the change (`org_change.change`).
    pub fn change(&self) -> &'static str {
        match self {
            OrgEdit::AddArea { .. } => "area_added",
            OrgEdit::RenameArea { .. } => "area_renamed",
            OrgEdit::AddUnit { .. } => "unit_added",
            OrgEdit::RenameUnit { .. } => "unit_renamed",
            OrgEdit::MoveUnit { .. } => "unit_moved",
            OrgEdit::CloseUnit { .. } => "unit_closed",
            OrgEdit::ReopenUnit { .. } => "unit_reopened",
        }
    }

    /// The unit or verksamhetsområde it changes.
    pub fn subject(&self) -> &str {
        match self {
            OrgEdit::AddArea { id, .. }
            | OrgEdit::RenameArea { id, .. }
            | OrgEdit::AddUnit { id, .. }
            | OrgEdit::RenameUnit { id, .. }
            | OrgEdit::MoveUnit { id, .. }
            | OrgEdit::CloseUnit { id }
            | OrgEdit::ReopenUnit { id } => id,
        }
    }
}

/// Why a change to the organisation was refused; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OrgRefusal {
    /// A code is empty, too long or has other characters than a–z, 0–9, `-`, `_`.
    #[error("a code is 1 to 40 lower-case letters a-z, digits, '-' or '_'")]
    BadCode {
        /// `id` or `area`.
        field: &'static str,
    },
    /// A name is empty or longer than 120 characters.
    #[error("a name is 1 to 120 characters")]
    BadName,
    /// A verksamhetsområde with that code exists.
    #[error("a verksamhetsområde with that code already exists")]
    AreaExists,
    /// A unit with that code exists.
    #[error("a unit with that code already exists")]
    UnitExists,
    /// No verksamhetsområde has that code.
    #[error("no verksamhetsområde has that code")]
    UnknownArea {
        /// `id` or `area`.
        field: &'static str,
    },
    /// No unit has that code.
    #[error("no unit has that code")]
    UnknownUnit,
    /// The unit is closed already.
    #[error("the unit is already closed")]
    AlreadyClosed,
    /// The unit is open.
    #[error("the unit is not closed")]
    NotClosed,
    /// The change would change nothing (the same name, the same verksamhetsområde).
    #[error("that is how it is already: nothing to change")]
    Unchanged {
        /// `name` or `area`.
        field: &'static str,
    },
}

impl OrgRefusal {
    /// The form field at fault.
    pub fn field(self) -> &'static str {
        match self {
            OrgRefusal::BadCode { field }
            | OrgRefusal::UnknownArea { field }
            | OrgRefusal::Unchanged { field } => field,
            OrgRefusal::BadName => "name",
            OrgRefusal::AreaExists | OrgRefusal::UnitExists | OrgRefusal::UnknownUnit => "id",
            OrgRefusal::AlreadyClosed | OrgRefusal::NotClosed => "id",
        }
    }

    /// The stable problem code.
    pub fn code(self) -> &'static str {
        match self {
            OrgRefusal::BadCode { .. } => "BAD_CODE",
            OrgRefusal::BadName => "BAD_NAME",
            OrgRefusal::AreaExists | OrgRefusal::UnitExists => "EXISTS",
            OrgRefusal::UnknownArea { .. } | OrgRefusal::UnknownUnit => "UNKNOWN",
            OrgRefusal::AlreadyClosed => "ALREADY_CLOSED",
            OrgRefusal::NotClosed => "NOT_CLOSED",
            OrgRefusal::Unchanged { .. } => "UNCHANGED",
        }
    }
}

/// One recorded change, as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgChange {
    /// Its place in the organisation chain.
    pub seq: i64,
    /// What changed (`unit_added`, `unit_moved`, …; see [`OrgEdit::change`]).
    pub change: String,
    /// The unit or verksamhetsområde (code).
    pub subject: String,
    /// The name given (added, renamed), else empty.
    pub name: String,
    /// The verksamhetsområde the unit is in after the change, else empty.
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

/// A unit as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitEntry {
    /// Code.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its verksamhetsområde's code.
    pub area_id: String,
    /// When it was closed, if it is.
    pub closed_at: Option<DateTime<Utc>>,
}

/// A verksamhetsområde with its units, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaEntry {
    /// Code.
    pub id: String,
    /// Name.
    pub name: String,
    /// Its units, open and closed, by name.
    pub units: Vec<UnitEntry>,
}

impl From<org_change::Model> for OrgChange {
    fn from(r: org_change::Model) -> Self {
        OrgChange {
            seq: r.seq,
            change: r.change,
            subject: r.subject,
            name: r.name,
            area_id: r.area_id,
            from_area_id: r.from_area_id,
            actor_id: r.actor_id,
            actor_role: r.actor_role,
            at: r.at,
        }
    }
}

/// Whether `code` can name a unit or verksamhetsområde: 1 to 40 of a–z,
/// 0–9, `-`, `_`.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn valid_name(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= MAX_NAME
}

/// The row an accepted edit appends: (name, area, from area).
struct Recorded {
    name: String,
    area_id: String,
    from_area_id: String,
}

impl Store {
    /// The verksamhetsområden by name, each with its units by name.
    pub async fn organisation(&self) -> Result<Vec<AreaEntry>> {
        let mut areas: Vec<AreaEntry> = verksamhetsomrade::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| AreaEntry {
                id: a.id,
                name: a.name,
                units: Vec::new(),
            })
            .collect();
        areas.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        let mut units = unit::Entity::find().all(&self.db).await?;
        units.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        for u in units {
            if let Some(area) = areas.iter_mut().find(|a| a.id == u.verksamhetsomrade_id) {
                area.units.push(UnitEntry {
                    id: u.id,
                    name: u.name,
                    area_id: u.verksamhetsomrade_id,
                    closed_at: u.closed_at,
                });
            }
        }
        Ok(areas)
    }

    /// Names the organisation `id` `name` when none is registered yet (the
    /// first verksamhetsområde added otherwise makes
    /// [`DEFAULT_ORGANISATION`]); does nothing when one is.
    pub async fn ensure_organisation(&self, id: &str, name: &str) -> Result<()> {
        let txn = crate::backend::begin_raw_write(&self.db).await?;
        if organisation::Entity::find().one(&txn).await?.is_none() {
            organisation::Entity::insert(organisation::ActiveModel {
                id: Set(id.to_owned()),
                name: Set(name.to_owned()),
            })
            .exec(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The recorded changes, newest first, at most `limit`.
    pub async fn org_changes(&self, limit: u64) -> Result<Vec<OrgChange>> {
        Ok(org_change::Entity::find()
            .order_by_desc(org_change::Column::Seq)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(OrgChange::from)
            .collect())
    }

    /// Makes `edit` as `actor_id` in `actor_role` and records it on the
    /// organisation chain, in one transaction; a refused edit
    /// (`Error::Org`) writes nothing.
    pub async fn change_organisation(
        &self,
        edit: &OrgEdit,
        actor_id: &str,
        actor_role: &str,
    ) -> Result<OrgChange> {
        let txn = crate::backend::begin_raw_write(&self.db).await?;
        let recorded = apply(&txn, edit).await?;
        let mut select = org_head::Entity::find_by_id(1);
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            select = select.lock_exclusive();
        }
        let head = select
            .one(&txn)
            .await?
            .ok_or_else(|| Error::Corrupt("the organisation chain's head row is missing".into()))?;
        let change = OrgChange {
            seq: head.seq + 1,
            change: edit.change().to_owned(),
            subject: edit.subject().to_owned(),
            name: recorded.name,
            area_id: recorded.area_id,
            from_area_id: recorded.from_area_id,
            actor_id: actor_id.to_owned(),
            actor_role: actor_role.to_owned(),
            at: chain::normalise(Utc::now()),
        };
        let hash = org_link(&head.hash, &change);
        org_change::Entity::insert(org_change::ActiveModel {
            seq: Set(change.seq),
            change: Set(change.change.clone()),
            subject: Set(change.subject.clone()),
            name: Set(change.name.clone()),
            area_id: Set(change.area_id.clone()),
            from_area_id: Set(change.from_area_id.clone()),
            actor_id: Set(change.actor_id.clone()),
            actor_role: Set(change.actor_role.clone()),
            at: Set(change.at),
            prev_hash: Set(head.hash),
            hash: Set(hash.clone()),
        })
        .exec(&txn)
        .await?;
        org_head::Entity::update(org_head::ActiveModel {
            id: Set(1),
            seq: Set(change.seq),
            hash: Set(hash),
        })
        .exec(&txn)
        .await?;
        txn.commit().await?;
        tracing::info!(
            seq = change.seq,
            change = change.change,
            subject = change.subject,
            "organisation changed"
        );
        Ok(change)
    }

    /// Each unit's verksamhetsområde at `at`: the one its latest recorded
    /// addition or move at or before `at` put it in; for a unit moved only
    /// later, the one it left at its first move; for a unit with no record
    /// (registered before changes were recorded, or by a bulk seed), the
    /// one it is in now.
    pub async fn areas_at(&self, at: DateTime<Utc>) -> Result<HashMap<String, String>> {
        let mut areas: HashMap<String, String> = unit::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.verksamhetsomrade_id))
            .collect();
        let rows = org_change::Entity::find()
            .filter(org_change::Column::Change.is_in(["unit_added", "unit_moved"]))
            .order_by_asc(org_change::Column::Seq)
            .all(&self.db)
            .await?;
        let mut decided: HashMap<String, bool> = HashMap::new();
        for row in rows {
            let settled = decided.entry(row.subject.clone()).or_insert(false);
            if row.at <= at {
                areas.insert(row.subject, row.area_id);
            } else if !*settled && row.change == "unit_moved" {
                areas.insert(row.subject, row.from_area_id);
                *settled = true;
            } else {
                *settled = true;
            }
        }
        Ok(areas)
    }

    /// The organisation chain verifies: `seq` runs 1, 2, 3, … without gaps,
    /// each row links to the one before and recomputes, and the chain ends
    /// at `org_head`. The first problem found as (seq, expected, found).
    pub(crate) async fn org_chain_break(&self) -> Result<Option<(i64, String, String)>> {
        let head = org_head::Entity::find_by_id(1)
            .one(&self.db)
            .await?
            .ok_or_else(|| Error::Corrupt("the organisation chain's head row is missing".into()))?;
        let rows = org_change::Entity::find()
            .order_by_asc(org_change::Column::Seq)
            .all(&self.db)
            .await?;
        let (mut seq, mut prev) = (0i64, chain::GENESIS.to_owned());
        for r in rows {
            if r.seq != seq + 1 {
                return Ok(Some((
                    seq + 1,
                    format!("change {} of the organisation", seq + 1),
                    format!(
                        "change {}: changes {} to {} are missing",
                        r.seq,
                        seq + 1,
                        r.seq - 1
                    ),
                )));
            }
            let (row_seq, row_prev, row_hash) = (r.seq, r.prev_hash.clone(), r.hash.clone());
            let hash = org_link(&prev, &OrgChange::from(r));
            if row_prev != prev || row_hash != hash {
                return Ok(Some((row_seq, hash, row_hash)));
            }
            seq = row_seq;
            prev = hash;
        }
        if head.seq != seq || head.hash != prev {
            return Ok(Some((
                head.seq,
                format!("{} changes ending in {}", head.seq, head.hash),
                format!("{seq} changes ending in {prev}"),
            )));
        }
        Ok(None)
    }
}

fn org_link(prev: &str, c: &OrgChange) -> String {
    chain::org_hash(
        prev,
        &chain::OrgContent {
            seq: c.seq,
            change: &c.change,
            subject: &c.subject,
            name: &c.name,
            area_id: &c.area_id,
            from_area_id: &c.from_area_id,
            actor_id: &c.actor_id,
            actor_role: &c.actor_role,
            at: c.at,
        },
    )
}

async fn area(txn: &DatabaseTransaction, id: &str) -> Result<Option<verksamhetsomrade::Model>> {
    Ok(verksamhetsomrade::Entity::find_by_id(id.to_owned())
        .one(txn)
        .await?)
}

async fn existing_unit(txn: &DatabaseTransaction, id: &str) -> Result<unit::Model> {
    unit::Entity::find_by_id(id.to_owned())
        .one(txn)
        .await?
        .ok_or(Error::Org(OrgRefusal::UnknownUnit))
}

fn refuse<T>(refusal: OrgRefusal) -> Result<T> {
    Err(Error::Org(refusal))
}

/// Checks `edit` against the organisation as it stands and makes it.
async fn apply(txn: &DatabaseTransaction, edit: &OrgEdit) -> Result<Recorded> {
    let id = edit.subject();
    if !valid_code(id) {
        return refuse(OrgRefusal::BadCode { field: "id" });
    }
    let recorded = |name: &str, area_id: &str, from: &str| Recorded {
        name: name.trim().to_owned(),
        area_id: area_id.to_owned(),
        from_area_id: from.to_owned(),
    };
    match edit {
        OrgEdit::AddArea { name, .. } => {
            if !valid_name(name) {
                return refuse(OrgRefusal::BadName);
            }
            if area(txn, id).await?.is_some() {
                return refuse(OrgRefusal::AreaExists);
            }
            let organisation_id = match organisation::Entity::find()
                .order_by_asc(organisation::Column::Id)
                .one(txn)
                .await?
            {
                Some(o) => o.id,
                None => {
                    let (code, name) = DEFAULT_ORGANISATION;
                    organisation::Entity::insert(organisation::ActiveModel {
                        id: Set(code.to_owned()),
                        name: Set(name.to_owned()),
                    })
                    .exec(txn)
                    .await?;
                    code.to_owned()
                }
            };
            verksamhetsomrade::Entity::insert(verksamhetsomrade::ActiveModel {
                id: Set(id.to_owned()),
                organisation_id: Set(organisation_id),
                name: Set(name.trim().to_owned()),
            })
            .exec(txn)
            .await?;
            Ok(recorded(name, "", ""))
        }
        OrgEdit::RenameArea { name, .. } => {
            if !valid_name(name) {
                return refuse(OrgRefusal::BadName);
            }
            let Some(found) = area(txn, id).await? else {
                return refuse(OrgRefusal::UnknownArea { field: "id" });
            };
            if found.name == name.trim() {
                return refuse(OrgRefusal::Unchanged { field: "name" });
            }
            let mut model: verksamhetsomrade::ActiveModel = found.into();
            model.name = Set(name.trim().to_owned());
            verksamhetsomrade::Entity::update(model).exec(txn).await?;
            Ok(recorded(name, "", ""))
        }
        OrgEdit::AddUnit { name, area: to, .. } => {
            if !valid_name(name) {
                return refuse(OrgRefusal::BadName);
            }
            if unit::Entity::find_by_id(id.to_owned())
                .one(txn)
                .await?
                .is_some()
            {
                return refuse(OrgRefusal::UnitExists);
            }
            if area(txn, to).await?.is_none() {
                return refuse(OrgRefusal::UnknownArea { field: "area" });
            }
            unit::Entity::insert(unit::ActiveModel {
                id: Set(id.to_owned()),
                verksamhetsomrade_id: Set(to.clone()),
                name: Set(name.trim().to_owned()),
                closed_at: NotSet,
            })
            .exec(txn)
            .await?;
            Ok(recorded(name, to, ""))
        }
        OrgEdit::RenameUnit { name, .. } => {
            if !valid_name(name) {
                return refuse(OrgRefusal::BadName);
            }
            let found = existing_unit(txn, id).await?;
            if found.name == name.trim() {
                return refuse(OrgRefusal::Unchanged { field: "name" });
            }
            let area_id = found.verksamhetsomrade_id.clone();
            let mut model: unit::ActiveModel = found.into();
            model.name = Set(name.trim().to_owned());
            unit::Entity::update(model).exec(txn).await?;
            Ok(recorded(name, &area_id, ""))
        }
        OrgEdit::MoveUnit { area: to, .. } => {
            let found = existing_unit(txn, id).await?;
            if area(txn, to).await?.is_none() {
                return refuse(OrgRefusal::UnknownArea { field: "area" });
            }
            if &found.verksamhetsomrade_id == to {
                return refuse(OrgRefusal::Unchanged { field: "area" });
            }
            let from = found.verksamhetsomrade_id.clone();
            let mut model: unit::ActiveModel = found.into();
            model.verksamhetsomrade_id = Set(to.clone());
            unit::Entity::update(model).exec(txn).await?;
            Ok(recorded("", to, &from))
        }
        OrgEdit::CloseUnit { .. } | OrgEdit::ReopenUnit { .. } => {
            let closing = matches!(edit, OrgEdit::CloseUnit { .. });
            let found = existing_unit(txn, id).await?;
            match (closing, found.closed_at.is_some()) {
                (true, true) => return refuse(OrgRefusal::AlreadyClosed),
                (false, false) => return refuse(OrgRefusal::NotClosed),
                _ => {}
            }
            let area_id = found.verksamhetsomrade_id.clone();
            let mut model: unit::ActiveModel = found.into();
            model.closed_at = Set(closing.then(|| chain::normalise(Utc::now())));
            unit::Entity::update(model).exec(txn).await?;
            Ok(recorded("", &area_id, ""))
        }
    }
}
