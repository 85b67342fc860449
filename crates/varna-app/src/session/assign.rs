//! The handläggare of a case: who may name one, whom they may name, and
//! the naming itself. Only people who hold a role that works the case's
//! lifecycle, at its unit or for the whole organisation, can be named; the
//! person named is told alone (in the in-app list, and by webhook).

use varna_store::{CaseId, RolePerson};
use varna_workflow::assign::may_work;
use varna_workflow::{ActorId, Command, Role};

use super::{Done, Expect, Session};
use crate::error::{AppError, Result};
use crate::view::CaseView;

impl Session<'_> {
    /// Whether the person may name the handläggare of the case they read
    /// (`view`): an open case whose lifecycle their role works.
    pub fn may_assign(&self, view: &CaseView) -> bool {
        !view.past && !view.record.summary.is_closed && may_work(&view.def, self.principal.role)
    }

    /// The people who could be named handläggare of the case they read,
    /// by name: everyone holding a role that works its lifecycle at its
    /// unit. Empty for those who may not name one.
    pub async fn handlaggare_choices(&self, view: &CaseView) -> Result<Vec<RolePerson>> {
        if !self.may_assign(view) {
            return Ok(Vec::new());
        }
        let roles: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|&r| may_work(&view.def, r))
            .collect();
        let mut people = self
            .store()
            .people_at(view.record.case.unit.as_str(), &roles)
            .await?;
        // One choice per person: the first role they hold that works it.
        let mut seen = std::collections::BTreeSet::new();
        people.retain(|p| seen.insert(p.id.clone()));
        Ok(people)
    }

    /// The handläggare named on the case they read: name and title, if
    /// registered (else the user id alone).
    pub async fn handlaggare(&self, view: &CaseView) -> Result<Option<RolePerson>> {
        let Some(h) = &view.record.case.handlaggare else {
            return Ok(None);
        };
        let (name, title) = self
            .store()
            .user_name(h.id.as_str())
            .await?
            .unwrap_or_else(|| (h.id.to_string(), String::new()));
        Ok(Some(RolePerson {
            id: h.id.to_string(),
            name,
            title,
            role: h.role,
        }))
    }

    /// Names `person` handläggare of a case. They must hold a role that
    /// works its lifecycle at its unit; the first such role they hold is
    /// the one they work it in.
    pub async fn assign(&self, id: &CaseId, person: &str, expect: Expect) -> Result<Done> {
        let record = self.readable(id).await?;
        let def = self
            .store()
            .definition_by_hash(&record.summary.workflow_hash)
            .await?;
        if !may_work(&def, self.principal.role) {
            // Refused for who asks before whom they named.
            return Err(varna_workflow::Rejection::Forbidden {
                role: self.principal.role,
                action: "name a handläggare".into(),
            }
            .into());
        }
        let roles: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|&r| may_work(&def, r))
            .collect();
        let Some(chosen) = self
            .store()
            .people_at(record.case.unit.as_str(), &roles)
            .await?
            .into_iter()
            .find(|p| p.id == person)
        else {
            return Err(AppError::invalid(
                "person",
                "NOT_ELIGIBLE",
                "choose someone who works this kind of case at its unit",
            ));
        };
        let command = Command::Assign {
            person: ActorId::new(chosen.id),
            role: chosen.role,
        };
        self.apply(id, command, expect).await
    }
}
