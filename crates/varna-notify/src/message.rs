//! What a notification says, the same on every channel: a Swedish summary
//! built from the definition's labels, and a link to the case.

use serde_json::json;
use varna_store::{Notification, Store};
use varna_workflow::Notice;

/// A notification ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The notification (ids, role, notice).
    pub notification: Notification,
    /// One line in Swedish, e.g. `Tidsfrist passerad: SAS informerad (lex Sarah, linden)`.
    pub summary: String,
    /// The case in Varna's web interface.
    pub case_url: String,
}

impl Message {
    /// Builds the message, labelling with the lifecycle's current definition.
    pub fn new(store: &Store, notification: Notification, public_url: &str) -> Message {
        let def = store.definition(&notification.kind).ok();
        let kind_label = def
            .as_ref()
            .map_or(notification.kind.clone(), |d| d.label.sv.clone());
        let what = match &notification.notice {
            Notice::Filed => format!("Nytt ärende: {kind_label}"),
            Notice::Transitioned { transition } => {
                let label = def
                    .as_ref()
                    .and_then(|d| d.transition(transition))
                    .map_or(transition.clone(), |t| t.label.sv.clone());
                format!("{kind_label}: {label}")
            }
            Notice::DeadlinePassed { deadline } => {
                let label = def
                    .as_ref()
                    .and_then(|d| d.deadlines.iter().find(|x| &x.id == deadline))
                    .map_or(deadline.clone(), |x| x.label.sv.clone());
                format!("Tidsfrist passerad: {label} ({kind_label})")
            }
            Notice::Assigned => format!("Du är handläggare: {kind_label}"),
        };
        let summary = format!("{what}, enhet {}", notification.unit);
        let case_url = format!(
            "{}/cases/{}",
            public_url.trim_end_matches('/'),
            notification.case_id
        );
        Message {
            notification,
            summary,
            case_url,
        }
    }

    /// The webhook body: JSON with ids, names and the link, no case content.
    pub fn json(&self) -> serde_json::Value {
        let n = &self.notification;
        let (event, transition, deadline) = match &n.notice {
            Notice::Filed => ("filed", None, None),
            Notice::Transitioned { transition } => ("transitioned", Some(transition), None),
            Notice::DeadlinePassed { deadline } => ("deadline_passed", None, Some(deadline)),
            Notice::Assigned => ("assigned", None, None),
        };
        json!({
            "id": n.id,
            "event": event,
            "role": n.role,
            "recipient": n.recipient,
            "summary": self.summary,
            "transition": transition,
            "deadline": deadline,
            "case": {
                "id": n.case_id,
                "kind": n.kind,
                "lagrum": n.lagrum.map(|l| l.as_str()),
                "unit": n.unit,
                "version": n.sequence,
                "url": self.case_url,
            },
            "createdAt": n.created_at.to_rfc3339(),
        })
    }
}
