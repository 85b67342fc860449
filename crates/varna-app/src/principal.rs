//! Who is calling.

use std::collections::BTreeSet;

use varna_workflow::{Actor, ActorId, Role, UnitId};

/// Who is calling: taken from a verified token or a signed session cookie,
/// never from the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token subject (user id).
    pub user_id: String,
    /// The role acted in.
    pub role: Role,
    /// Units the user belongs to.
    pub units: BTreeSet<UnitId>,
}

impl Principal {
    /// The principal as the engine's actor.
    pub fn actor(&self) -> Actor {
        Actor {
            id: ActorId::new(self.user_id.clone()),
            role: self.role,
            units: self.units.clone(),
        }
    }
}
