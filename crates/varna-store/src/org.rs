//! The organisation: verksamhetsområden, units and users with their roles.
//! Cases can only be filed for registered units.

use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};
use varna_workflow::Role;

use crate::Store;
use crate::entities::org::{app_user, organisation, unit, user_role, verksamhetsomrade};
use crate::error::Result;

/// A unit to register, with the verksamhetsområde and organisation it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    /// Short code, e.g. `hemtjanst-norr`.
    pub id: String,
    /// Name shown to users.
    pub name: String,
    /// Verksamhetsområde code, e.g. `aldreomsorg`.
    pub verksamhetsomrade_id: String,
    /// Verksamhetsområde name.
    pub verksamhetsomrade_name: String,
    /// Organisation code.
    pub organisation_id: String,
    /// Organisation name.
    pub organisation_name: String,
}

/// A user and their roles (`None` unit: organisation-wide).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// User id (the token subject).
    pub id: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Roles, each for one unit or the whole organisation.
    pub roles: Vec<(Role, Option<String>)>,
}

/// A registered person in one of their roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePerson {
    /// User id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Title.
    pub title: String,
    /// The role.
    pub role: Role,
}

impl Store {
    /// The people who hold one of `roles` at `unit` (for that unit, or for
    /// the whole organisation), by name: one row per person and role.
    pub async fn people_at(&self, unit: &str, roles: &[Role]) -> Result<Vec<RolePerson>> {
        let rows = user_role::Entity::find()
            .filter(user_role::Column::Role.is_in(roles.iter().map(|r| r.as_str())))
            .filter(
                sea_orm::Condition::any()
                    .add(user_role::Column::UnitId.eq(unit))
                    .add(user_role::Column::UnitId.eq("")),
            )
            .all(&self.db)
            .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
        let users: std::collections::HashMap<String, app_user::Model> = app_user::Entity::find()
            .filter(app_user::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id.clone(), u))
            .collect();
        let mut people: Vec<RolePerson> = rows
            .into_iter()
            .filter_map(|r| {
                let user = users.get(&r.user_id)?;
                Some(RolePerson {
                    id: r.user_id,
                    name: user.name.clone(),
                    title: user.title.clone(),
                    role: r.role.parse().ok()?,
                })
            })
            .collect();
        people.sort_by(|a, b| {
            (&a.name, &a.id, a.role.as_str()).cmp(&(&b.name, &b.id, b.role.as_str()))
        });
        people.dedup();
        Ok(people)
    }

    /// Registers or renames a unit (and its verksamhetsområde and
    /// organisation) without recording a change: for bulk seeding. People's
    /// changes go through [`Store::change_organisation`].
    pub async fn upsert_unit(&self, u: NewUnit) -> Result<()> {
        let txn = self.db.begin().await?;
        organisation::Entity::insert(organisation::ActiveModel {
            id: Set(u.organisation_id.clone()),
            name: Set(u.organisation_name),
        })
        .on_conflict(
            OnConflict::column(organisation::Column::Id)
                .update_column(organisation::Column::Name)
                .to_owned(),
        )
        .exec(&txn)
        .await?;
        verksamhetsomrade::Entity::insert(verksamhetsomrade::ActiveModel {
            id: Set(u.verksamhetsomrade_id.clone()),
            organisation_id: Set(u.organisation_id),
            name: Set(u.verksamhetsomrade_name),
        })
        .on_conflict(
            OnConflict::column(verksamhetsomrade::Column::Id)
                .update_column(verksamhetsomrade::Column::Name)
                .to_owned(),
        )
        .exec(&txn)
        .await?;
        unit::Entity::insert(unit::ActiveModel {
            id: Set(u.id),
            verksamhetsomrade_id: Set(u.verksamhetsomrade_id),
            name: Set(u.name),
            closed_at: sea_orm::ActiveValue::NotSet,
        })
        .on_conflict(
            OnConflict::column(unit::Column::Id)
                .update_columns([unit::Column::Name, unit::Column::VerksamhetsomradeId])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Registers a user, replacing their roles.
    pub async fn upsert_user(&self, u: NewUser) -> Result<()> {
        let txn = self.db.begin().await?;
        app_user::Entity::insert(app_user::ActiveModel {
            id: Set(u.id.clone()),
            name: Set(u.name),
            title: Set(u.title),
        })
        .on_conflict(
            OnConflict::column(app_user::Column::Id)
                .update_columns([app_user::Column::Name, app_user::Column::Title])
                .to_owned(),
        )
        .exec(&txn)
        .await?;
        user_role::Entity::delete_many()
            .filter(user_role::Column::UserId.eq(u.id.clone()))
            .exec(&txn)
            .await?;
        if !u.roles.is_empty() {
            user_role::Entity::insert_many(u.roles.into_iter().map(|(role, unit)| {
                user_role::ActiveModel {
                    user_id: Set(u.id.clone()),
                    role: Set(role.as_str().to_owned()),
                    unit_id: Set(unit.unwrap_or_default()),
                }
            }))
            .exec(&txn)
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// A registered person's name and title, if registered.
    pub async fn user_name(&self, id: &str) -> Result<Option<(String, String)>> {
        Ok(app_user::Entity::find_by_id(id.to_owned())
            .one(&self.db)
            .await?
            .map(|u| (u.name, u.title)))
    }

    /// The registered units: `(id, name, verksamhetsområde id)`.
    pub async fn units(&self) -> Result<Vec<(String, String, String)>> {
        Ok(unit::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name, u.verksamhetsomrade_id))
            .collect())
    }
}
