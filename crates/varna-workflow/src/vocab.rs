//! The fixed vocabulary the code itself depends on: roles (access control is
//! code, not data), lagrum, and the identifiers of actors and units.
//!
//! Everything else (states, transitions, fields, outcomes) is data and lives
//! in the workflow definitions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A role from DOMAIN.md's "Who uses it". Tokens carry these ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Medarbetare: any staff member reporting about their own unit.
    Reporter,
    /// Enhetschef: files and investigates avvikelser for their units.
    UnitManager,
    /// Verksamhetschef: oversees several units, co-signs closure.
    OperationsManager,
    /// Socialt ansvarig samordnare (SoL/LSS).
    Sas,
    /// Medicinskt ansvarig sjuksköterska (HSL).
    Mas,
    /// Medicinskt ansvarig för rehabilitering.
    Mar,
    /// Nämnd / arbetsutskott or its delegate.
    Committee,
    /// Read-only: revisor, IVO inspector, kvalitetsutvecklare.
    Auditor,
    /// Systemförvaltare: units, users, workflow versions; no case content.
    Admin,
    /// Varna itself (the deadline scheduler). Not in [`Role::ALL`], so no
    /// token and no workflow file can name it.
    System,
    /// Avsändare: someone who filed on the public form without signing in
    /// and comes back with their receipt code; they reach only that case.
    /// Not in [`Role::ALL`], so no token can claim it; a workflow file
    /// names it for what the public form may do (see
    /// [`Role::from_definition`]).
    Sender,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 9] = [
        Role::Reporter,
        Role::UnitManager,
        Role::OperationsManager,
        Role::Sas,
        Role::Mas,
        Role::Mar,
        Role::Committee,
        Role::Auditor,
        Role::Admin,
    ];

    /// The id used in workflow files, tokens and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::UnitManager => "unit_manager",
            Role::OperationsManager => "operations_manager",
            Role::Sas => "sas",
            Role::Mas => "mas",
            Role::Mar => "mar",
            Role::Committee => "committee",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::System => "system",
            Role::Sender => "sender",
        }
    }

    /// Parses a role as a workflow file names it: any token role, or
    /// `sender` (the anonymous sender of the public form, which no token
    /// may claim, so [`FromStr`] refuses it).
    pub fn from_definition(s: &str) -> Result<Role, UnknownWord> {
        if s == Role::Sender.as_str() {
            Ok(Role::Sender)
        } else {
            s.parse().map_err(|e: UnknownWord| UnknownWord {
                expected: format!("{}, {}", e.expected, Role::Sender.as_str()),
                ..e
            })
        }
    }

    /// Parses a role as recorded in an event: any token role, or `system`
    /// (which no token may claim, so [`FromStr`] refuses it).
    pub fn from_recorded(s: &str) -> Result<Role, UnknownWord> {
        if s == Role::System.as_str() {
            Ok(Role::System)
        } else {
            Role::from_definition(s)
        }
    }

    /// Roles whose reach is limited to the units they belong to. The others
    /// act for the whole organisation (within their lagrum).
    pub fn is_unit_scoped(self) -> bool {
        matches!(
            self,
            Role::Reporter | Role::UnitManager | Role::OperationsManager | Role::Sender
        )
    }

    /// Roles that may never change a case, whatever a definition says.
    pub fn is_read_only(self) -> bool {
        matches!(self, Role::Auditor | Role::Admin | Role::System)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a word that is not one of a fixed vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} \"{given}\"; expected one of: {expected}")]
pub struct UnknownWord {
    /// What kind of word was expected ("role", "lagrum").
    pub what: &'static str,
    /// What was given.
    pub given: String,
    /// The accepted words, comma separated.
    pub expected: String,
}

impl FromStr for Role {
    type Err = UnknownWord;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownWord {
                what: "role",
                given: s.to_owned(),
                expected: join(Role::ALL.iter().map(|r| r.as_str())),
            })
    }
}

/// The law a case is handled under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Lagrum {
    /// Socialtjänstlagen.
    #[serde(rename = "SoL")]
    Sol,
    /// Lagen om stöd och service till vissa funktionshindrade.
    #[serde(rename = "LSS")]
    Lss,
    /// Hälso- och sjukvårdslagen (and patientsäkerhetslagen).
    #[serde(rename = "HSL")]
    Hsl,
}

impl Lagrum {
    /// Every lagrum, in a stable order.
    pub const ALL: [Lagrum; 3] = [Lagrum::Sol, Lagrum::Lss, Lagrum::Hsl];

    /// The id used in workflow files and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Lagrum::Sol => "SoL",
            Lagrum::Lss => "LSS",
            Lagrum::Hsl => "HSL",
        }
    }
}

impl fmt::Display for Lagrum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Lagrum {
    type Err = UnknownWord;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Lagrum::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| UnknownWord {
                what: "lagrum",
                given: s.to_owned(),
                expected: join(Lagrum::ALL.iter().map(|l| l.as_str())),
            })
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// Who acted: the subject of the token (a user id, never a name).
    ActorId
);
string_id!(
    /// An enhet, by its short code (e.g. `hemtjanst-norr`).
    UnitId
);
string_id!(
    /// A state of a lifecycle, as named in its definition.
    StateId
);

pub(crate) fn join<'a>(words: impl Iterator<Item = &'a str>) -> String {
    words.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_ids() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
            let json = serde_json::to_string(&role).expect("serialises");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        let err = "boss".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("unit_manager"), "{err}");
    }

    #[test]
    fn lagrum_round_trip_through_their_ids() {
        for l in Lagrum::ALL {
            assert_eq!(l.as_str().parse::<Lagrum>(), Ok(l));
            let json = serde_json::to_string(&l).expect("serialises");
            assert_eq!(json, format!("\"{}\"", l.as_str()));
        }
        assert!("sol".parse::<Lagrum>().is_err());
    }
}
