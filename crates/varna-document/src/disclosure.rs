//! A case as disclosed (utlämnande): every field it holds and its journal,
//! with what the sekretessprövning keeps secret masked. Nothing masked is
//! in the document at all, not even its length; the mask says on which
//! grounds (the lifecycle's `[disclosure]`), and the header to whom and on
//! which decision the case was handed out.

use std::collections::BTreeSet;

use varna_workflow::{Case, EntryKind, WorkflowDefinition};

use crate::compose::{time, value_text};
use crate::{Context, Document, Section};

/// What a disclosure says besides the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    /// The case number, names and the moment of disclosure (`frozen` is
    /// not used).
    pub context: Context,
    /// To whom.
    pub recipient: String,
    /// The decision it rests on.
    pub decision: String,
    /// Whether the case holds a personnummer (always masked).
    pub has_personnummer: bool,
    /// The fields masked.
    pub masked: BTreeSet<String>,
}

/// What stands where a value is masked.
pub const MASKED: &str = "[maskerad: sekretess]";

/// The document handed out when `case` is disclosed.
pub fn disclosure(def: &WorkflowDefinition, case: &Case, d: &Disclosure) -> Document {
    let ctx = &d.context;
    let grounds: Vec<&str> = def
        .disclosure
        .iter()
        .flat_map(|rule| &rule.legal_refs)
        .filter_map(|id| def.legal_references.iter().find(|r| &r.id == id))
        .map(|r| r.text.as_str())
        .collect();
    let state = def
        .state(case.state())
        .map_or_else(|| case.state().to_string(), |s| s.label.sv.clone());
    let mut header = vec![
        ("Ärende".to_owned(), ctx.case_number.clone()),
        ("Ärendetyp".to_owned(), def.label.sv.clone()),
        ("Verksamhet".to_owned(), ctx.organisation.clone()),
        ("Enhet".to_owned(), ctx.unit_name.clone()),
        ("Lagrum".to_owned(), case.lagrum.as_str().to_owned()),
        ("Registrerat".to_owned(), time(case.opened_at)),
        ("Status".to_owned(), state),
        ("Utlämnat till".to_owned(), d.recipient.clone()),
        ("Beslut".to_owned(), d.decision.clone()),
        ("Utlämnat".to_owned(), time(ctx.at)),
    ];
    if !grounds.is_empty() {
        header.push(("Sekretess enligt".to_owned(), grounds.join("; ")));
    }
    let mut facts = Vec::new();
    if d.has_personnummer {
        facts.push(format!("Personnummer: {MASKED}"));
    }
    for field in &def.fields {
        let Some(value) = case.fields.get(&field.name) else {
            continue;
        };
        let shown = if d.masked.contains(&field.name) {
            MASKED.to_owned()
        } else {
            value_text(def, &field.name, value)
        };
        facts.push(format!("{}: {shown}", field.label.sv));
    }
    if facts.is_empty() {
        facts.push("Inga uppgifter är ifyllda.".to_owned());
    }
    let mut sections = vec![Section {
        heading: "Uppgifter i ärendet".to_owned(),
        paragraphs: facts,
    }];
    let entries: Vec<String> = (1u32..)
        .zip(&case.journal)
        .map(|(n, e)| {
            let topic = def
                .field(&e.topic)
                .map_or(e.topic.as_str(), |f| f.label.sv.as_str());
            let kind = match e.kind {
                EntryKind::Fact => "faktauppgift",
                EntryKind::Assessment => "bedömning",
            };
            let said = if d.masked.contains(&e.topic) {
                MASKED.to_owned()
            } else {
                let owner = e
                    .owner
                    .as_ref()
                    .map(|o| format!("; ansvarig: {o}"))
                    .unwrap_or_default();
                format!("{} (källa: {}{owner})", e.text, e.source)
            };
            format!(
                "{n}. {topic} ({kind}; {}, {}, {}): {said}",
                e.documented_on, e.author.name, e.author.title
            )
        })
        .collect();
    if !entries.is_empty() {
        sections.push(Section {
            heading: "Utredningens journal".to_owned(),
            paragraphs: entries,
        });
    }
    Document {
        title: format!("Utlämnande av allmän handling: {}", def.label.sv),
        header,
        sections,
        footer: format!(
            "Ärende {}: utlämnat {} efter sekretessprövning; kontrollsumman står i ärendets historik",
            ctx.case_number,
            time(ctx.at)
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{NaiveDate, TimeZone, Utc};
    use varna_workflow::{
        ActorId, Author, EntryKind, EventActor, JournalEntry, Role, Status, UnitId, Value,
    };

    use super::*;

    /// Every lifecycle file in `workflows/`, so a new one is covered too.
    fn lifecycles() -> Vec<WorkflowDefinition> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workflows");
        let mut defs = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("workflows/") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).expect("readable");
                let name = path.file_name().expect("named").to_string_lossy();
                defs.push(varna_workflow::definition::parse(&name, &text).expect("valid"));
            }
        }
        assert!(defs.len() >= 5, "found {} lifecycle files", defs.len());
        defs
    }

    /// A case of `def` holding a value in every field and a journal entry
    /// on every field: each text a marker no other contains.
    fn full_case(def: &WorkflowDefinition) -> Case {
        let author = Author {
            name: "Handläggare".into(),
            title: "SAS".into(),
        };
        let day = NaiveDate::from_ymd_opt(2026, 3, 1).expect("a day");
        Case {
            workflow: def.reference.clone(),
            lagrum: def.lagrum[0],
            unit: UnitId::new("u1"),
            filed_by: EventActor {
                id: ActorId::new("a"),
                role: Role::UnitManager,
            },
            opened_at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap(),
            status: Status::Open {
                state: def.states[0].id.clone(),
            },
            fields: (0..)
                .zip(&def.fields)
                .map(|(i, f)| (f.name.clone(), Value::Text(format!("QV{i:03}Z"))))
                .collect(),
            journal: (0..)
                .zip(&def.fields)
                .map(|(i, f)| {
                    JournalEntry::new(
                        f.name.clone(),
                        format!("QJ{i:03}Z"),
                        format!("QS{i:03}Z"),
                        EntryKind::Fact,
                        day,
                        author.clone(),
                    )
                })
                .collect(),
            deadlines: BTreeMap::new(),
            links: Vec::new(),
            version: 1,
            documents: BTreeMap::new(),
            attachments: Vec::new(),
            handlaggare: None,
        }
    }

    fn text_of(doc: &Document) -> String {
        let mut all = vec![doc.title.clone(), doc.footer.clone()];
        for (k, v) in &doc.header {
            all.push(format!("{k} {v}"));
        }
        for s in &doc.sections {
            all.push(s.heading.clone());
            all.extend(s.paragraphs.iter().cloned());
        }
        all.join("\n")
    }

    /// A disclosure of case 2026-0001 to `recipient` with `masked` left out.
    fn request(recipient: &str, has_personnummer: bool, masked: BTreeSet<String>) -> Disclosure {
        Disclosure {
            context: Context {
                case_number: "2026-0001".into(),
                unit_name: "Enheten".into(),
                organisation: "Kommunen".into(),
                at: Utc.with_ymd_and_hms(2026, 12, 6, 10, 0, 0).unwrap(),
                frozen: false,
            },
            recipient: recipient.into(),
            decision: "SN 2026/41".into(),
            has_personnummer,
            masked,
        }
    }

    #[test]
    fn a_disclosure_masks_every_field_each_lifecycle_marks_secret_and_shows_the_rest() {
        for def in lifecycles() {
            let case = full_case(&def);
            let masked = def.secret_fields();
            assert!(
                !masked.is_empty(),
                "{} marks nothing secret",
                def.reference.name
            );
            let d = request("Tidningen", true, masked.clone());
            let doc = disclosure(&def, &case, &d);
            let text = text_of(&doc);
            let bytes = crate::pdf(&doc);
            let in_pdf = |m: &str| bytes.windows(m.len()).any(|w| w == m.as_bytes());
            for (i, f) in (0..).zip(&def.fields) {
                let markers = [
                    format!("QV{i:03}Z"),
                    format!("QJ{i:03}Z"),
                    format!("QS{i:03}Z"),
                ];
                for m in &markers {
                    if masked.contains(&f.name) {
                        assert!(
                            !text.contains(m.as_str()) && !in_pdf(m),
                            "{}: {} is secret but {m} is in the disclosure",
                            def.reference.name,
                            f.name
                        );
                    } else {
                        assert!(
                            text.contains(m.as_str()),
                            "{}: {} is not secret but {m} is missing",
                            def.reference.name,
                            f.name
                        );
                    }
                }
            }
            assert!(text.contains(&format!("Personnummer: {MASKED}")));
            let masks = text.matches(MASKED).count();
            // Each masked field's value and journal entry, and the personnummer.
            assert_eq!(masks, 2 * masked.len() + 1, "{}", def.reference.name);
            assert!(text.contains("Sekretess enligt Offentlighets- och sekretesslagen"));
        }
    }

    #[test]
    fn what_the_prövning_releases_is_shown() {
        let def = lifecycles()
            .into_iter()
            .find(|d| d.reference.name == "lex-sarah")
            .expect("lex-sarah");
        let case = full_case(&def);
        let released = "what_happened";
        let i = def
            .fields
            .iter()
            .position(|f| f.name == released)
            .expect("field");
        let mut masked = def.secret_fields();
        masked.remove(released);
        let d = request("Den enskilde", false, masked);
        let text = text_of(&disclosure(&def, &case, &d));
        assert!(text.contains(&format!("QV{i:03}Z")));
        assert!(!text.contains("Personnummer"));
    }
}
