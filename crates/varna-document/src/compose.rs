//! A case's document as text: the fields its `[[document]]` names, with
//! the lifecycle file's own labels and choice words, and the journal.

use chrono::{DateTime, Utc};
use varna_workflow::definition::DocumentSpec;
use varna_workflow::{Case, EntryKind, Value, WorkflowDefinition};

use crate::{Document, Section};

/// What the document says that the case does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// The case number people quote.
    pub case_number: String,
    /// The unit's name.
    pub unit_name: String,
    /// The organisation's name (the vårdgivare or kommun).
    pub organisation: String,
    /// The moment the document stands at: when it was frozen, or when it
    /// was printed.
    pub at: DateTime<Utc>,
    /// Whether it is a frozen copy (else: a print of the case as it stands).
    pub frozen: bool,
}

pub(crate) fn time(t: DateTime<Utc>) -> String {
    varna_workflow::local::local(t)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A field's value as people read it: a choice by its words, a yes/no in
/// words, a date as it is.
pub(crate) fn value_text(def: &WorkflowDefinition, field: &str, value: &Value) -> String {
    match value {
        Value::Bool(true) => "Ja".to_owned(),
        Value::Bool(false) => "Nej".to_owned(),
        Value::Integer(n) => n.to_string(),
        Value::Text(text) => def
            .field(field)
            .and_then(|f| f.value_label(text))
            .map_or_else(|| text.clone(), |l| l.sv.clone())
            .to_owned(),
    }
}

/// The document `spec` of `case`, as text.
pub fn compose(
    def: &WorkflowDefinition,
    spec: &DocumentSpec,
    case: &Case,
    context: &Context,
) -> Document {
    let citations: Vec<&str> = spec
        .legal_refs
        .iter()
        .filter_map(|id| def.legal_references.iter().find(|r| &r.id == id))
        .map(|r| r.text.as_str())
        .collect();
    let mut header = vec![
        ("Ärende".to_owned(), context.case_number.clone()),
        ("Ärendetyp".to_owned(), def.label.sv.clone()),
        ("Verksamhet".to_owned(), context.organisation.clone()),
        ("Enhet".to_owned(), context.unit_name.clone()),
        ("Lagrum".to_owned(), case.lagrum.as_str().to_owned()),
        ("Registrerat".to_owned(), time(case.opened_at)),
    ];
    if !citations.is_empty() {
        header.push(("Enligt".to_owned(), citations.join("; ")));
    }
    header.push(if context.frozen {
        ("Låst".to_owned(), time(context.at))
    } else {
        ("Utskrivet".to_owned(), time(context.at))
    });
    let entry_text = |n: u32, e: &varna_workflow::JournalEntry| {
        if !spec.journal {
            return e.text.clone();
        }
        let kind = match e.kind {
            EntryKind::Fact => "faktauppgift",
            EntryKind::Assessment => "bedömning",
        };
        format!(
            "{n}. {} ({kind}; {}, {}, {}; källa: {})",
            e.text, e.documented_on, e.author.name, e.author.title, e.source
        )
    };
    let numbered: Vec<(u32, &varna_workflow::JournalEntry)> = (1u32..).zip(&case.journal).collect();
    let mut sections: Vec<Section> = spec
        .fields
        .iter()
        .filter_map(|name| {
            let label = def
                .field(name)
                .map_or(name.as_str(), |f| f.label.sv.as_str());
            let shown = case.fields.get(name).map(|v| value_text(def, name, v));
            let entries = numbered
                .iter()
                .filter(|(_, e)| &e.topic == name)
                .map(|(n, e)| entry_text(*n, e));
            let paragraphs: Vec<String> = shown.into_iter().chain(entries).collect();
            (!paragraphs.is_empty()).then(|| Section {
                heading: label.to_owned(),
                paragraphs,
            })
        })
        .collect();
    if spec.journal {
        // What the utredning documented on topics the document does not
        // list still belongs to it.
        let rest: Vec<String> = numbered
            .iter()
            .filter(|(_, e)| !spec.fields.contains(&e.topic))
            .map(|(n, e)| {
                let topic = def
                    .field(&e.topic)
                    .map_or(e.topic.as_str(), |f| f.label.sv.as_str());
                format!("{topic}: {}", entry_text(*n, e))
            })
            .collect();
        if !rest.is_empty() {
            sections.push(Section {
                heading: "Övrigt i utredningen".to_owned(),
                paragraphs: rest,
            });
        }
    }
    if sections.is_empty() {
        sections.push(Section {
            heading: "Innehåll".to_owned(),
            paragraphs: vec!["Inget är ännu ifyllt.".to_owned()],
        });
    }
    Document {
        title: spec.title.sv.clone(),
        header,
        sections,
        footer: if context.frozen {
            format!(
                "Ärende {}: låst {}; kontrollsumman (SHA-256) står i ärendets historik",
                context.case_number,
                time(context.at)
            )
        } else {
            format!(
                "Ärende {}: utskrift av ärendet som det stod {}",
                context.case_number,
                time(context.at)
            )
        },
    }
}
