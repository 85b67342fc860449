//! The `[risk]` matrix (two 1–4 integer fields and a threshold), and the
//! `[journal]` table: who may add utredning entries, in which states,
//! on which text fields, and which topics' entries carry more than text
//! (an action names its cause, an owner and a date; a follow-up names
//! its action).

use toml::Spanned;

use super::{Declared, Validator};
use crate::definition::raw::RawJournal;
use crate::definition::raw::RawRisk;
use crate::definition::{FieldKind, JournalSpec, RiskMatrix, StructuredTopic};

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

impl Validator<'_> {
    /// The risk matrix: both fields integers of the file, the threshold
    /// reachable by their product.
    pub(super) fn risk(&mut self, r: Spanned<RawRisk>, known: &Declared) -> Option<RiskMatrix> {
        let r = r.into_inner();
        let mut bounds = Vec::new();
        for f in [&r.probability, &r.consequence] {
            match known.fields.get(f.get_ref()) {
                Some(FieldKind::Integer { min, max }) if *min >= 1 => bounds.push(*max),
                Some(_) => self.error(
                    &f.span(),
                    format!(
                        "risk field \"{}\" is not an integer field from 1",
                        f.get_ref()
                    ),
                    Some("use an integer field with min = 1 and max = 4".into()),
                ),
                None => {
                    let names = known.fields.keys().cloned().collect();
                    self.unknown(f, "field", &names, None);
                }
            }
        }
        let threshold = *r.escalate_from.get_ref();
        if let [p, c] = bounds[..]
            && !(1..=p.saturating_mul(c)).contains(&threshold)
        {
            self.error(
                &r.escalate_from.span(),
                format!(
                    "escalate_from {threshold} is outside the scores 1 to {}",
                    p.saturating_mul(c)
                ),
                None,
            );
            return None;
        }
        (bounds.len() == 2).then(|| RiskMatrix {
            probability: r.probability.into_inner(),
            consequence: r.consequence.into_inner(),
            escalate_from: threshold,
        })
    }
}
