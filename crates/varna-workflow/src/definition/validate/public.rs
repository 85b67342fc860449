//! The `[public]` table: the public form asks and sets declared fields,
//! files as the `sender` role, and the sender adds to the case through one
//! transition of theirs.

use std::collections::BTreeMap;

use toml::Spanned;

use super::{Declared, Validator};
use crate::case::Value;
use crate::definition::raw::RawPublic;
use crate::definition::{FieldKind, Filing, PublicIntake, Requirement, Transition};
use crate::vocab::{Lagrum, Role};

impl Validator<'_> {
    /// The public form: every field it asks, sets, dates or shows is
    /// declared; what the filing requires is asked, set or dated; `sender`
    /// may file; the reply transition is the sender's and sets one text
    /// field; every lagrum of a file with several has the sender's words.
    pub(super) fn public(
        &mut self,
        raw: Spanned<RawPublic>,
        known: &Declared,
        filing: &Filing,
        transitions: &[Transition],
    ) -> Option<PublicIntake> {
        let span = raw.span();
        let raw = raw.into_inner();
        if !filing.roles.contains(&Role::Sender) {
            self.error(
                &span,
                "the public form files as the sender, but [filing] does not allow the role \"sender\"".into(),
                Some("add \"sender\" to roles in [filing]".into()),
            );
        }
        let asks = self.field_refs(known, &raw.asks);
        let dated = self.field_refs(known, &raw.dated);
        let shows = self.field_refs(known, &raw.shows);
        for d in &raw.dated {
            if known
                .fields
                .get(d.get_ref())
                .is_some_and(|k| *k != FieldKind::Date)
            {
                self.error(
                    &d.span(),
                    format!(
                        "\"{}\" is not a date field; dated takes date fields only",
                        d.get_ref()
                    ),
                    None,
                );
            }
        }
        for name in raw.labels.keys() {
            if !asks.contains(name) && !shows.contains(name) {
                self.error(
                    &span,
                    format!(
                        "labels names \"{name}\", which the public form neither asks nor shows"
                    ),
                    Some("give words only for fields in asks or shows".into()),
                );
            }
        }
        let mut sets = BTreeMap::new();
        for (name, value) in raw.sets {
            match (known.fields.get(&name), value) {
                (None, _) => self.error(
                    &span,
                    format!("sets names an unknown field \"{name}\""),
                    None,
                ),
                (Some(FieldKind::Boolean), toml::Value::Boolean(b)) => {
                    sets.insert(name, Value::Bool(b));
                }
                (Some(FieldKind::Text), toml::Value::String(s)) => {
                    sets.insert(name, Value::Text(s));
                }
                (Some(FieldKind::Choice { values }), toml::Value::String(s))
                    if values.contains(&s) =>
                {
                    sets.insert(name, Value::Text(s));
                }
                (Some(_), value) => self.error(
                    &span,
                    format!("sets gives \"{name}\" a value it does not take ({value:?})"),
                    Some("sets takes text, yes/no and one of a choice field's values".into()),
                ),
            }
        }
        let given = |f: &String| asks.contains(f) || dated.contains(f) || sets.contains_key(f);
        for r in &filing.requires {
            let met = match r {
                Requirement::Field(f) => given(f),
                Requirement::AnyOf(fs) => fs.iter().any(given),
                Requirement::FollowedUp(_) => true,
            };
            if !met {
                self.error(
                    &span,
                    format!("the filing requires {}, which the public form neither asks, sets nor dates", r),
                    Some("add it to asks, sets or dated".into()),
                );
            }
        }
        let mut lagrum = BTreeMap::new();
        for (name, words) in raw.lagrum {
            match name.parse::<Lagrum>() {
                Ok(l) if known.lagrum.contains(&l) => {
                    lagrum.insert(l, words);
                }
                _ => self.error(
                    &span,
                    format!("lagrum names \"{name}\", which is not a lagrum of this lifecycle"),
                    None,
                ),
            }
        }
        if known.lagrum.len() > 1 && known.lagrum.iter().any(|l| !lagrum.contains_key(l)) {
            self.error(
                &span,
                "the public form must let the sender choose between this lifecycle's lagrum: give words for each".into(),
                Some("lagrum.SoL = { sv = \"…\", en = \"…\" } and so on".into()),
            );
        }
        let reply_field = self.reply(&raw.reply, known, transitions);
        Some(PublicIntake {
            title: raw.title,
            intro: raw.intro,
            receipt: raw.receipt,
            asks,
            labels: raw.labels,
            sets,
            dated,
            lagrum,
            shows,
            reply: raw.reply.into_inner(),
            reply_field: reply_field?,
        })
    }

    /// The text field the sender's transition requires, when `name` is a
    /// transition the sender may take that requires exactly that.
    fn reply(
        &mut self,
        name: &Spanned<String>,
        known: &Declared,
        transitions: &[Transition],
    ) -> Option<String> {
        let Some(t) = transitions.iter().find(|t| &t.name == name.get_ref()) else {
            self.unknown(name, "transition", &known.transitions, None);
            return None;
        };
        let field = match t.requires.as_slice() {
            [Requirement::Field(f)] if known.fields.get(f) == Some(&FieldKind::Text) => {
                Some(f.clone())
            }
            _ => None,
        };
        if !t.roles.contains(&Role::Sender) || field.is_none() {
            self.error(
                &name.span(),
                format!("the sender's reply \"{}\" must be a transition of the role \"sender\" that requires one text field", t.name),
                None,
            );
        }
        field
    }
}
