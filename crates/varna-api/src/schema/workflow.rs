//! `workflows`: the lifecycles as their definition files describe them
//! (states, transitions, fields, outcomes, filing), with no case content.

use async_graphql::SimpleObject;

use super::case;

/// A lifecycle as its definition file describes it (no case content).
#[derive(Debug, SimpleObject)]
pub struct Workflow {
    /// Name, e.g. `lex-sarah`.
    pub name: String,
    /// Version number.
    pub version: i32,
    /// Name in Swedish.
    pub label_sv: String,
    /// English name.
    pub label_en: String,
    /// Lagrum a case may be filed under.
    pub lagrum: Vec<String>,
    /// States: id and Swedish name, and kind (`initial`, `active`, `terminal`).
    pub states: Vec<WorkflowState>,
    /// Transitions.
    pub transitions: Vec<WorkflowTransition>,
    /// Fields, in form order.
    pub fields: Vec<WorkflowField>,
    /// Severity outcomes, mildest first.
    pub outcomes: Vec<case::OutcomeInfo>,
    /// Roles that may file, and the filing's required and accepted fields.
    pub filing: WorkflowTransition,
    /// Journal topics (empty when the lifecycle keeps no utredning journal).
    pub journal_topics: Vec<String>,
}

/// A state of a lifecycle.
#[derive(Debug, SimpleObject)]
pub struct WorkflowState {
    /// Id.
    pub id: String,
    /// Swedish name.
    pub label_sv: String,
    /// English name.
    pub label_en: String,
    /// `initial`, `active` or `terminal`.
    pub kind: String,
}

/// A transition of a lifecycle.
#[derive(Debug, SimpleObject)]
pub struct WorkflowTransition {
    /// Name.
    pub name: String,
    /// Swedish name.
    pub label_sv: String,
    /// English name.
    pub label_en: String,
    /// States it may be taken from.
    pub from: Vec<String>,
    /// State it leads to; null when the case stays in its state (a step
    /// recorded, such as IVO's diarienummer arriving).
    pub to: Option<String>,
    /// Roles allowed.
    pub roles: Vec<String>,
    /// Required fields (`one of (a | b)` for alternatives).
    pub requires: Vec<String>,
    /// Further accepted fields.
    pub accepts: Vec<String>,
    /// The legal references in force today that the step rests on.
    pub legal_references: Vec<String>,
}

/// A field of a lifecycle.
#[derive(Debug, SimpleObject)]
pub struct WorkflowField {
    /// Name.
    pub name: String,
    /// `text`, `date`, `boolean`, `integer`, `choice` or `outcome`.
    pub r#type: String,
    /// Swedish name.
    pub label_sv: String,
    /// English name.
    pub label_en: String,
    /// Whether it identifies a person.
    pub personal: bool,
    /// Allowed values of a choice field.
    pub values: Vec<String>,
    /// The legal references in force today that ask for it.
    pub legal_references: Vec<String>,
}

pub(crate) fn workflow_info(def: &varna_workflow::WorkflowDefinition) -> Workflow {
    let to_strings = |reqs: &[varna_workflow::definition::Requirement]| {
        reqs.iter().map(ToString::to_string).collect::<Vec<_>>()
    };
    let today = varna_workflow::local::date(chrono::Utc::now());
    Workflow {
        name: def.name().to_owned(),
        version: def.reference.version as i32,
        label_sv: def.label.sv.clone(),
        label_en: def.label.en.clone(),
        lagrum: def.lagrum.iter().map(|l| l.as_str().to_owned()).collect(),
        states: def
            .states
            .iter()
            .map(|s| WorkflowState {
                id: s.id.as_str().to_owned(),
                label_sv: s.label.sv.clone(),
                label_en: s.label.en.clone(),
                kind: format!("{:?}", s.kind).to_lowercase(),
            })
            .collect(),
        transitions: def
            .transitions
            .iter()
            .map(|t| WorkflowTransition {
                name: t.name.clone(),
                label_sv: t.label.sv.clone(),
                label_en: t.label.en.clone(),
                from: t.from.iter().map(|s| s.as_str().to_owned()).collect(),
                to: t.to.as_ref().map(|to| to.as_str().to_owned()),
                roles: t.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                requires: to_strings(&t.requires),
                accepts: t.accepts.clone(),
                legal_references: def.references_in_force(&t.legal_refs, today),
            })
            .collect(),
        fields: def
            .fields
            .iter()
            .map(|f| WorkflowField {
                name: f.name.clone(),
                r#type: f.kind.as_str().to_owned(),
                label_sv: f.label.sv.clone(),
                label_en: f.label.en.clone(),
                personal: f.personal,
                values: match &f.kind {
                    varna_workflow::definition::FieldKind::Choice { values } => values.clone(),
                    _ => Vec::new(),
                },
                legal_references: def.references_in_force(&f.legal_refs, today),
            })
            .collect(),
        outcomes: def
            .outcomes
            .iter()
            .map(|o| case::OutcomeInfo {
                id: o.id.clone(),
                label_sv: o.label.sv.clone(),
                label_en: o.label.en.clone(),
                reportable: o.reportable,
            })
            .collect(),
        filing: WorkflowTransition {
            name: "file".into(),
            label_sv: "Registrera".into(),
            label_en: "File".into(),
            from: Vec::new(),
            to: Some(def.initial_state().id.as_str().to_owned()),
            roles: def
                .filing
                .roles
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
            requires: to_strings(&def.filing.requires),
            accepts: def.filing.accepts.clone(),
            legal_references: def.references_in_force(&def.filing.legal_refs, today),
        },
        journal_topics: def
            .journal
            .as_ref()
            .map(|j| j.topics.clone())
            .unwrap_or_default(),
    }
}
