//! The `[journal]` table: who may add utredning entries, in which states,
//! on which text fields, and which topics' entries carry more than text
//! (an action names its cause, an owner and a date; a follow-up names
//! its action).

use toml::Spanned;

use super::{Declared, Validator};
use crate::definition::raw::RawJournal;
use crate::definition::{FieldKind, JournalSpec, StructuredTopic};

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
        let mut structured = Vec::new();
        for st in &j.structured {
            let topic = st.topic.get_ref();
            let mut ok = true;
            for name in [
                Some(&st.topic),
                st.addresses.as_ref(),
                st.follows_up.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                if !topics.contains(name.get_ref()) {
                    self.unknown(
                        name,
                        "journal topic",
                        &topics.iter().cloned().collect(),
                        None,
                    );
                    ok = false;
                }
            }
            if st.addresses.is_some() && st.follows_up.is_some() {
                self.error(
                    &st.topic.span(),
                    format!("structured topic \"{topic}\" both addresses and follows up"),
                    Some(
                        "an entry either addresses another topic's entry or follows one up".into(),
                    ),
                );
                ok = false;
            }
            if ok {
                structured.push(StructuredTopic {
                    topic: topic.clone(),
                    addresses: st.addresses.as_ref().map(|a| a.get_ref().clone()),
                    owner: st.owner,
                    due: st.due,
                    follows_up: st.follows_up.as_ref().map(|f| f.get_ref().clone()),
                });
            }
        }
        JournalSpec {
            roles,
            states,
            topics,
            structured,
        }
    }
}
