//! Names checked against the vocabulary and against what the file
//! declares: duplicates, unknown words, roles, fields, states, legal
//! references and requirements, each reported with its line.

use std::collections::BTreeSet;
use std::ops::Range;
use std::str::FromStr;

use super::{Declared, Validator};
use crate::definition::Requirement;
use crate::definition::raw::{Name, RawRequirement, RawRequirementKind};
use crate::duration::DeadlineDuration;
use crate::vocab::{Role, StateId, join};

impl Validator<'_> {
    pub(super) fn unique(&mut self, seen: &mut BTreeSet<String>, name: &Name, what: &str) -> bool {
        let fresh = seen.insert(name.get_ref().clone());
        if !fresh {
            self.error(
                &name.span(),
                format!("{what} \"{}\" is declared twice", name.get_ref()),
                Some(format!("every {what} needs its own name")),
            );
        }
        fresh
    }

    pub(super) fn unknown(
        &mut self,
        name: &Name,
        what: &str,
        known: &BTreeSet<String>,
        extra: Option<&str>,
    ) {
        let list = join(extra.into_iter().chain(known.iter().map(String::as_str)));
        self.error(
            &name.span(),
            format!("unknown {what} \"{}\"", name.get_ref()),
            Some(if list.is_empty() {
                format!("this file declares no {what}s")
            } else {
                format!("declared {what}s: {list}")
            }),
        );
    }

    pub(super) fn word<T: FromStr<Err = crate::vocab::UnknownWord>>(
        &mut self,
        name: &Name,
    ) -> Option<T> {
        match name.get_ref().parse::<T>() {
            Ok(word) => Some(word),
            Err(e) => {
                self.error(
                    &name.span(),
                    format!("unknown {} \"{}\"", e.what, e.given),
                    Some(format!("use one of: {}", e.expected)),
                );
                None
            }
        }
    }

    pub(super) fn duration(&mut self, text: &Name) -> Option<DeadlineDuration> {
        match text.get_ref().parse() {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(&text.span(), e.to_string(), None);
                None
            }
        }
    }

    pub(super) fn roles(&mut self, names: &[Name]) -> Vec<Role> {
        names.iter().filter_map(|n| self.role(n)).collect()
    }

    /// A role as the file names it (`sender` included: see
    /// [`Role::from_definition`]).
    pub(super) fn role(&mut self, name: &Name) -> Option<Role> {
        match Role::from_definition(name.get_ref()) {
            Ok(role) => Some(role),
            Err(e) => {
                self.error(
                    &name.span(),
                    format!("unknown {} \"{}\"", e.what, e.given),
                    Some(format!("use one of: {}", e.expected)),
                );
                None
            }
        }
    }

    /// Roles allowed to change a case: known, not read-only, at least one.
    pub(super) fn acting_roles(
        &mut self,
        names: &[Name],
        span: &Range<usize>,
        what: &str,
    ) -> Vec<Role> {
        if names.is_empty() {
            self.error(
                span,
                format!("{what} allows no role"),
                Some("list the roles in roles = [...]".into()),
            );
        }
        let mut roles = Vec::new();
        for n in names {
            if let Some(role) = self.role(n) {
                if role.is_read_only() {
                    self.error(
                        &n.span(),
                        format!("role \"{role}\" is read-only and cannot act in a {what}"),
                        Some("auditors and admins never change cases".into()),
                    );
                } else {
                    roles.push(role);
                }
            }
        }
        roles
    }

    pub(super) fn field_ref(&mut self, known: &Declared, name: &Name) -> Option<String> {
        if known.fields.contains_key(name.get_ref()) {
            Some(name.get_ref().clone())
        } else {
            let names = known.fields.keys().cloned().collect();
            self.unknown(name, "field", &names, None);
            None
        }
    }

    pub(super) fn field_refs(&mut self, known: &Declared, names: &[Name]) -> Vec<String> {
        names
            .iter()
            .filter_map(|n| self.field_ref(known, n))
            .collect()
    }

    pub(super) fn requirements(
        &mut self,
        known: &Declared,
        raw: &[RawRequirement],
    ) -> Vec<Requirement> {
        let mut out = Vec::new();
        for r in raw {
            let spanned = |name: &String| Name::new(r.span(), name.clone());
            match r.get_ref() {
                RawRequirementKind::Field(name) => {
                    out.extend(
                        self.field_ref(known, &spanned(name))
                            .map(Requirement::Field),
                    );
                }
                RawRequirementKind::Any { any } => {
                    if any.is_empty() {
                        self.error(&r.span(), "`any` lists no fields".into(), None);
                    }
                    let names: Vec<Name> = any.iter().map(spanned).collect();
                    let fields = self.field_refs(known, &names);
                    if fields.len() == any.len() && !fields.is_empty() {
                        out.push(Requirement::AnyOf(fields));
                    }
                }
                RawRequirementKind::FollowedUp { followed_up } => {
                    if known.followed_topics.contains(followed_up) {
                        out.push(Requirement::FollowedUp(followed_up.clone()));
                    } else {
                        self.unknown(
                            &spanned(followed_up),
                            "followed-up journal topic",
                            &known.followed_topics,
                            None,
                        );
                    }
                }
            }
        }
        out
    }

    pub(super) fn state_ref(&mut self, known: &Declared, name: &Name) -> Option<StateId> {
        if known.states.contains_key(name.get_ref()) {
            Some(StateId::new(name.get_ref().clone()))
        } else {
            let names = known.states.keys().cloned().collect();
            self.unknown(name, "state", &names, None);
            None
        }
    }

    pub(super) fn state_refs(&mut self, known: &Declared, names: &[Name]) -> Vec<StateId> {
        names
            .iter()
            .filter_map(|n| self.state_ref(known, n))
            .collect()
    }

    pub(super) fn legal_refs(&mut self, known: &Declared, names: &[Name]) -> Vec<String> {
        let mut refs = Vec::new();
        for n in names {
            if known.legal_refs.contains(n.get_ref()) {
                refs.push(n.get_ref().clone());
            } else {
                self.unknown(n, "legal reference", &known.legal_refs, None);
            }
        }
        refs
    }
}
