//! Disposal (gallring) as the engine sees it: what an event and a journal
//! entry keep once their personal content is removed, and the record a
//! `content_disposed` event keeps of each event it changed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::case::{EventKind, JournalEntry};

/// The type name of the event a disposal appends (`EventKind::ContentDisposed`).
pub const CONTENT_DISPOSED: &str = "content_disposed";

/// An event whose payload a disposal changed, as the disposal records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisposedEvent {
    /// Its sequence in the case.
    pub sequence: i64,
    /// Its hash in the version 2 form: over its envelope and the digest of
    /// the payload it had (for a version 2 event, its own hash). A version
    /// 1 event's hash covers the payload itself, so once the payload is
    /// gone the chain verifies the event by this, recorded here when the
    /// payload was still there and checked.
    pub sealed: String,
    /// `sha256:` and hex of the payload as it is kept after the disposal.
    pub kept: String,
}

impl EventKind {
    /// This event with its personal content removed: the values of
    /// `fields`, the personnummer commitment, a journal entry's texts and
    /// author's name, a file's name. `None` when there is nothing to
    /// remove. The structure the projections and the quality report read
    /// (states, clocks, documents' digests, links) stays.
    pub fn disposed(&self, fields: &BTreeSet<String>) -> Option<EventKind> {
        let mut kind = self.clone();
        let changed = match &mut kind {
            EventKind::Filed {
                fields: values,
                person,
                ..
            } => {
                let before = values.len();
                values.retain(|k, _| !fields.contains(k));
                person.take().is_some() | (values.len() != before)
            }
            EventKind::Imported { fields: values, .. }
            | EventKind::Transitioned { fields: values, .. } => {
                let before = values.len();
                values.retain(|k, _| !fields.contains(k));
                values.len() != before
            }
            EventKind::JournalEntryAdded { entry } => entry.dispose(),
            EventKind::AttachmentAdded { attachment } => {
                !std::mem::take(&mut attachment.name).is_empty()
            }
            // The recipient may be a private person; the decision stays.
            EventKind::Disclosed { recipient, .. } => !std::mem::take(recipient).is_empty(),
            EventKind::Assigned { .. }
            | EventKind::Linked { .. }
            | EventKind::DeadlinePassed { .. }
            | EventKind::ContentDisposed { .. } => false,
        };
        changed.then_some(kind)
    }
}

impl JournalEntry {
    /// Removes what the entry says and who wrote it (the text, its source,
    /// the author's name, an action's owner), keeping its topic, kind,
    /// dates and numbering. Whether anything was there to remove.
    pub(crate) fn dispose(&mut self) -> bool {
        let had = !(self.text.is_empty()
            && self.source.is_empty()
            && self.author.name.is_empty()
            && self.owner.is_none());
        self.text.clear();
        self.source.clear();
        self.author.name.clear();
        self.owner = None;
        had
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Value;
    use crate::definition::WorkflowRef;
    use crate::vocab::{Lagrum, StateId, UnitId};

    fn filed(person: Option<&str>) -> EventKind {
        EventKind::Filed {
            workflow: WorkflowRef {
                name: "avvikelse".into(),
                version: 4,
                hash: "h".into(),
            },
            lagrum: Lagrum::Sol,
            unit: UnitId::new("linden"),
            state: StateId::new("registered"),
            fields: [
                (
                    "what_happened".to_owned(),
                    Value::Text("Föll i badrummet".into()),
                ),
                ("category".to_owned(), Value::Text("fall".into())),
            ]
            .into(),
            deadlines_started: Vec::new(),
            person: person.map(str::to_owned),
        }
    }

    #[test]
    fn a_disposed_event_keeps_its_structure_and_loses_its_personal_content() {
        let fields: BTreeSet<String> = ["what_happened".to_owned()].into();
        let Some(EventKind::Filed {
            fields: kept,
            person,
            state,
            ..
        }) = filed(Some("sha256:ab")).disposed(&fields)
        else {
            panic!("a filing with text changes");
        };
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["category"]);
        assert_eq!(person, None);
        assert_eq!(state, StateId::new("registered"));
        // Nothing to remove: no change, so no record.
        let nothing: BTreeSet<String> = ["reason".to_owned()].into();
        assert_eq!(filed(None).disposed(&nothing), None);
        // Only the person's commitment: still a change.
        assert!(filed(Some("sha256:ab")).disposed(&nothing).is_some());
    }
}
