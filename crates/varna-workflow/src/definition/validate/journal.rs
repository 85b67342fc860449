//! The `[journal]` table: who may add utredning entries, in which states,
//! and on which text fields.

use toml::Spanned;

use super::{Declared, Validator};
use crate::definition::raw::RawJournal;
use crate::definition::{FieldKind, JournalSpec};

impl Validator<'_> {
    pub(super) fn journal(&mut self, j: Spanned<RawJournal>, known: &Declared) -> JournalSpec {
        let span = j.span();
        let j = j.into_inner();
        let roles = self.acting_roles(&j.roles, &span, "journal");
        let states = self.state_refs(known, &j.states);
        let mut topics = Vec::new();
        for t in &j.topics {
            match known.fields.get(t.get_ref()) {
                Some(FieldKind::Text) => topics.push(t.get_ref().clone()),
                Some(other) => self.error(
                    &t.span(),
                    format!(
                        "journal topic \"{}\" is a {} field; topics must be text fields",
                        t.get_ref(),
                        other.as_str()
                    ),
                    None,
                ),
                None => {
                    let names = known.fields.keys().cloned().collect();
                    self.unknown(t, "field", &names, None);
                }
            }
        }
        JournalSpec {
            roles,
            states,
            topics,
        }
    }
}
