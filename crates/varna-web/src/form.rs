//! Forms built from the workflow definitions: one control per field, of the
//! field's type, labelled in the reader's language; and the way back — a
//! posted form's text turned into the typed values the engine takes, and
//! the refusals put next to the fields they concern.

use std::collections::BTreeMap;

use varna_app::{AppError, Code};
use varna_workflow::definition::{FieldKind, Label, Requirement};
use varna_workflow::{FailedCondition, Fields, Value, WorkflowDefinition};

use crate::text::{Lang, Text};

/// A field as the lifecycle defines it, in the reader's language.
#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub(crate) name: String,
    pub(crate) label: String,
    /// `text`, `date`, `boolean`, `integer`, `choice` or `outcome`.
    pub(crate) kind: &'static str,
    /// A choice field's values: (id, words in the reader's language).
    pub(crate) values: Vec<(String, String)>,
    /// The texts of its legal references in force today.
    pub(crate) references: Vec<String>,
}

/// One severity outcome of a lifecycle.
#[derive(Debug, Clone)]
pub(crate) struct OutcomeDef {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) reportable: bool,
    /// What choosing it means, from the lifecycle file.
    pub(crate) explain: Option<String>,
}

/// A lifecycle's fields and outcomes, labelled in the reader's language.
#[derive(Debug, Clone, Default)]
pub(crate) struct Definitions {
    pub(crate) fields: BTreeMap<String, FieldDef>,
    pub(crate) outcomes: Vec<OutcomeDef>,
}

/// A label in the reader's language.
pub(crate) fn label(label: &Label, lang: Lang) -> String {
    match lang {
        Lang::Sv => label.sv.clone(),
        Lang::En => label.en.clone(),
    }
}

impl Definitions {
    pub(crate) fn of(def: &WorkflowDefinition, lang: Lang) -> Definitions {
        let today = varna_workflow::local::date(chrono::Utc::now());
        let fields = def
            .fields
            .iter()
            .map(|f| {
                let values = match &f.kind {
                    FieldKind::Choice { values } => values
                        .iter()
                        .map(|v| {
                            let words = f
                                .value_label(v)
                                .map_or_else(|| varna_report::humanised(v), |l| label(l, lang));
                            (v.clone(), words)
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                let field = FieldDef {
                    name: f.name.clone(),
                    label: label(&f.label, lang),
                    kind: f.kind.as_str(),
                    values,
                    references: def.references_in_force(&f.legal_refs, today),
                };
                (field.name.clone(), field)
            })
            .collect();
        let outcomes = def
            .outcomes
            .iter()
            .map(|o| OutcomeDef {
                id: o.id.clone(),
                label: label(&o.label, lang),
                reportable: o.reportable,
                explain: o.explain.as_ref().map(|e| label(e, lang)),
            })
            .collect();
        Definitions { fields, outcomes }
    }

    /// A choice value's words, or its id with spaces when the field does
    /// not list it.
    pub(crate) fn value_label(&self, field: &str, value: &str) -> String {
        self.fields
            .get(field)
            .and_then(|f| f.values.iter().find(|(id, _)| id == value))
            .map_or_else(
                || varna_report::humanised(value),
                |(_, words)| words.clone(),
            )
    }

    /// The field's label, or its name when the definition has no such field.
    pub(crate) fn label_of(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map_or_else(|| name.to_owned(), |f| f.label.clone())
    }
}

/// A control on a page.
#[derive(Debug)]
pub(crate) struct FieldView {
    pub(crate) name: String,
    /// The control's id: `prefix` + name, unique on the page.
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) kind: String,
    pub(crate) required: bool,
    pub(crate) value: String,
    pub(crate) choices: Vec<Choice>,
    pub(crate) error: Option<String>,
    /// Words under the label (on a filing form, the law the field rests
    /// on: "Stöd: …"), or empty.
    pub(crate) hint: String,
}

impl FieldView {
    /// The ids of the hint and the error under the control, for its
    /// `aria-describedby`; empty when it has neither.
    pub(crate) fn described_by(&self) -> String {
        let hint = (!self.hint.is_empty()).then(|| format!("{}-hint", self.id));
        let error = self.error.as_ref().map(|_| format!("{}-error", self.id));
        hint.into_iter().chain(error).collect::<Vec<_>>().join(" ")
    }
}

/// Legal reference texts as one line: "Stöd: A; B", or `None` for none.
pub(crate) fn references_line(references: &[String], t: &Text) -> Option<String> {
    (!references.is_empty()).then(|| format!("{} {}", t.legal_basis, references.join("; ")))
}

/// Words joined as people list them: "A, B eller C".
pub(crate) fn or_list(words: &[String], t: &Text) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {} {last}", init.join(", "), t.or),
    }
}

/// One option of a choice or outcome field.
#[derive(Debug)]
pub(crate) struct Choice {
    pub(crate) id: String,
    pub(crate) label: String,
    /// A plain explanation (outcomes), or empty.
    pub(crate) hint: String,
    pub(crate) selected: bool,
}

/// What a command's form asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FormFields {
    /// The inputs: (field, required), in the order of the requirements,
    /// then the accepted fields. A field of an "at least one of"
    /// requirement is not required on its own.
    pub(crate) inputs: Vec<(String, bool)>,
    /// Some inputs are alternatives: fill in at least one.
    pub(crate) alternatives: bool,
    /// What is written only in the utredning journal, never as an input:
    /// one group per requirement (an entry on one of its topics meets it).
    pub(crate) in_journal: Vec<Vec<String>>,
    /// Topics whose every entry must be followed up first.
    pub(crate) followed_up: Vec<String>,
}

/// The form for a command that `requires` and `accepts` these, where
/// `journal_topics` are written only as utredning entries (the engine
/// refuses them as fields): those are named, never offered as inputs.
pub(crate) fn fields_of(
    requires: &[Requirement],
    accepts: &[String],
    journal_topics: &[String],
) -> FormFields {
    let mut form = FormFields::default();
    let in_journal = |name: &String| journal_topics.contains(name);
    for requirement in requires {
        if let Requirement::FollowedUp(topic) = requirement {
            form.followed_up.push(topic.clone());
            continue;
        }
        let (topics, inputs): (Vec<&String>, Vec<&String>) =
            requirement.fields().iter().partition(|n| in_journal(n));
        if !topics.is_empty() {
            form.in_journal.push(topics.into_iter().cloned().collect());
        }
        let alone = matches!(requirement, Requirement::Field(_));
        form.alternatives |= !alone && !inputs.is_empty();
        // A field two requirements name (a date that answers both "when it
        // happened or that it is unknown" and "when it happened or was
        // noticed") is one control: two would post two values under one
        // name, and the browser sends the empty one too.
        for name in inputs {
            match form.inputs.iter_mut().find(|(n, _)| n == name) {
                Some(existing) => existing.1 |= alone,
                None => form.inputs.push((name.clone(), alone)),
            }
        }
    }
    for accepted in accepts.iter().filter(|n| !in_journal(n)) {
        if !form.inputs.iter().any(|(n, _)| n == accepted) {
            form.inputs.push((accepted.clone(), false));
        }
    }
    form
}

/// The controls for `names` (required first when `required`), with the
/// posted `values` and `errors` put back.
pub(crate) fn controls(
    defs: &Definitions,
    names: &[(String, bool)],
    prefix: &str,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
    lang: Lang,
) -> Vec<FieldView> {
    controls_for(defs, names, prefix, values, errors, lang, None)
}

/// The same for a step that takes only some outcomes (`when.outcome`):
/// its outcome control offers those alone, so a choice the step does not
/// take cannot be made in its form.
pub(crate) fn controls_for(
    defs: &Definitions,
    names: &[(String, bool)],
    prefix: &str,
    values: &BTreeMap<String, String>,
    errors: &BTreeMap<String, String>,
    lang: Lang,
    outcomes: Option<&[String]>,
) -> Vec<FieldView> {
    names
        .iter()
        .filter_map(|(name, required)| {
            let def = defs.fields.get(name)?;
            let value = values.get(name).cloned().unwrap_or_default();
            let choices = match def.kind {
                "choice" => def
                    .values
                    .iter()
                    .map(|(id, words)| Choice {
                        label: words.clone(),
                        hint: String::new(),
                        selected: *id == value,
                        id: id.clone(),
                    })
                    .collect(),
                "outcome" => defs
                    .outcomes
                    .iter()
                    .filter(|o| outcomes.is_none_or(|allowed| allowed.contains(&o.id)))
                    .map(|o| Choice {
                        label: o.label.clone(),
                        hint: o.explain.clone().unwrap_or_else(|| {
                            if o.reportable {
                                lang.text().reportable.to_owned()
                            } else {
                                String::new()
                            }
                        }),
                        selected: o.id == value,
                        id: o.id.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Some(FieldView {
                id: format!("{prefix}{name}"),
                name: name.clone(),
                label: def.label.clone(),
                kind: def.kind.to_owned(),
                required: *required,
                value,
                choices,
                error: errors.get(name).cloned(),
                hint: String::new(),
            })
        })
        .collect()
}

/// The posted text of `names` as the typed values the engine takes;
/// empty fields are left out (the engine then says what is missing).
pub(crate) fn typed_fields(
    defs: &Definitions,
    names: &[String],
    values: &BTreeMap<String, String>,
) -> Fields {
    let mut out = Fields::new();
    for name in names {
        let Some(text) = values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let kind = defs.fields.get(name).map_or("text", |f| f.kind);
        let value = match kind {
            // Not a number: sent as text, so the engine names the field.
            "integer" => text
                .parse::<i64>()
                .map_or_else(|_| Value::Text(text.to_owned()), Value::Integer),
            // A ticked box ("on"), or the yes of a required yes/no; its
            // no is `false`.
            "boolean" => Value::Bool(text != "false"),
            _ => Value::Text(text.to_owned()),
        };
        out.insert(name.clone(), value);
    }
    out
}

/// The errors, each under the field it concerns where it names one; the
/// rest as one general message. An outcome the step does not take is
/// answered with the outcomes it does, in the lifecycle's words.
pub(crate) fn place_errors(
    errors: &[AppError],
    t: &Text,
    defs: &Definitions,
) -> (BTreeMap<String, String>, Option<String>) {
    let mut at_field = BTreeMap::new();
    let mut general = None;
    for e in errors {
        for failed in &e.detail.failed {
            if let FailedCondition::Outcome { allowed, .. } = failed {
                let words: Vec<String> = allowed
                    .iter()
                    .map(|id| {
                        defs.outcomes
                            .iter()
                            .find(|o| &o.id == id)
                            .map_or_else(|| varna_report::humanised(id), |o| o.label.clone())
                    })
                    .collect();
                let message = format!("{} {}.", t.error_outcome_mismatch, or_list(&words, t));
                let field = defs
                    .fields
                    .values()
                    .find(|f| f.kind == "outcome")
                    .map_or_else(|| "outcome".to_owned(), |f| f.name.clone());
                at_field.insert(field, message);
            }
        }
        match e.code {
            Code::GuardFailed if !e.detail.missing.is_empty() => {
                for requirement in &e.detail.missing {
                    let message = match requirement {
                        Requirement::AnyOf(_) => t.error_one_of,
                        Requirement::Field(_) => t.error_required,
                        Requirement::FollowedUp(_) => {
                            general = Some(t.error_followed_up.to_owned());
                            continue;
                        }
                    };
                    for name in requirement.fields() {
                        at_field.insert(name.clone(), message.to_owned());
                    }
                }
            }
            Code::GuardFailed if !e.detail.failed.is_empty() => {
                let outcome_only = e
                    .detail
                    .failed
                    .iter()
                    .all(|f| matches!(f, FailedCondition::Outcome { .. }));
                if !outcome_only {
                    general = Some(t.error_condition.to_owned());
                }
            }
            Code::InvalidInput => match &e.detail.field {
                Some(f) => {
                    let message = crate::text::problem(t, e.detail.problem);
                    at_field.insert(f.clone(), message.to_owned());
                }
                None => general = Some(t.error_invalid.to_owned()),
            },
            Code::Forbidden => general = Some(t.error_forbidden.to_owned()),
            Code::Conflict => general = Some(t.error_conflict.to_owned()),
            Code::InvalidTransition => general = Some(t.error_not_now.to_owned()),
            _ => general = Some(t.error_internal.to_owned()),
        }
    }
    (at_field, general)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_field_two_requirements_name_is_one_control() {
        let requires = vec![
            Requirement::AnyOf(names(&["occurred_on", "occurred_unknown"])),
            Requirement::AnyOf(names(&["occurred_on", "noticed_on"])),
            Requirement::Field("noticed_on".into()),
        ];
        let form = fields_of(&requires, &names(&["noticed_on"]), &[]);
        let expected: Vec<(String, bool)> = [
            ("occurred_on", false),
            ("occurred_unknown", false),
            ("noticed_on", true),
        ]
        .into_iter()
        .map(|(n, r)| (n.to_owned(), r))
        .collect();
        assert_eq!(form.inputs, expected);
    }

    #[test]
    fn a_form_asks_for_required_fields_first_and_alternatives_as_optional() {
        let requires = vec![
            Requirement::Field("conclusion".into()),
            Requirement::AnyOf(names(&["a", "b"])),
        ];
        let form = fields_of(&requires, &names(&["conclusion", "other"]), &[]);
        let expected: Vec<(String, bool)> = [
            ("conclusion", true),
            ("a", false),
            ("b", false),
            ("other", false),
        ]
        .into_iter()
        .map(|(n, r)| (n.to_owned(), r))
        .collect();
        assert_eq!(form.inputs, expected);
        assert!(form.alternatives);
        assert!(!fields_of(&[Requirement::Field("x".into())], &[], &[]).alternatives);
    }

    #[test]
    fn a_journal_topic_is_never_an_input_but_named_for_the_utredning() {
        let requires = vec![
            Requirement::Field("causes".into()),
            Requirement::AnyOf(names(&["view", "view_not_possible"])),
            Requirement::AnyOf(names(&["informed_on", "not_informed"])),
            Requirement::FollowedUp("actions".into()),
            Requirement::Field("conclusion".into()),
        ];
        let topics = names(&["causes", "view", "view_not_possible", "actions"]);
        let form = fields_of(&requires, &names(&["actions", "how"]), &topics);
        let inputs: Vec<&str> = form.inputs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(inputs, ["informed_on", "not_informed", "conclusion", "how"]);
        assert_eq!(
            form.in_journal,
            vec![names(&["causes"]), names(&["view", "view_not_possible"])]
        );
        assert_eq!(form.followed_up, names(&["actions"]));
        assert!(form.alternatives, "the informed alternatives are inputs");
        let only_topics = fields_of(&requires[1..2], &[], &topics);
        assert!(
            !only_topics.alternatives,
            "alternatives written in the journal are no inputs to choose among"
        );
    }

    fn defs() -> Definitions {
        let field = |name: &str, kind: &'static str| {
            (
                name.to_owned(),
                FieldDef {
                    name: name.to_owned(),
                    label: name.to_uppercase(),
                    kind,
                    values: Vec::new(),
                    references: Vec::new(),
                },
            )
        };
        Definitions {
            fields: [
                field("n", "integer"),
                field("b", "boolean"),
                field("t", "text"),
            ]
            .into_iter()
            .collect(),
            outcomes: Vec::new(),
        }
    }

    #[test]
    fn posted_text_becomes_typed_values_and_blanks_are_left_out() {
        let defs = defs();
        let values: BTreeMap<String, String> =
            [("n", " 3 "), ("b", "on"), ("t", "   "), ("other", "x")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        let names: Vec<String> = ["n", "b", "t"].iter().map(|s| (*s).to_owned()).collect();
        let typed = typed_fields(&defs, &names, &values);
        let expected: Fields = [
            ("b".to_owned(), Value::Bool(true)),
            ("n".to_owned(), Value::Integer(3)),
        ]
        .into_iter()
        .collect();
        assert_eq!(typed, expected);
        let values: BTreeMap<String, String> =
            [("n".to_owned(), "tre".to_owned())].into_iter().collect();
        assert_eq!(
            typed_fields(&defs, &names, &values)["n"],
            Value::Text("tre".into())
        );
    }

    #[test]
    fn errors_land_at_their_fields() {
        let t = Lang::Sv.text();
        let errors = vec![
            AppError::new(Code::GuardFailed, "").with(varna_app::Detail {
                missing: vec![
                    Requirement::Field("conclusion".into()),
                    Requirement::AnyOf(vec!["a".into(), "b".into()]),
                ],
                ..varna_app::Detail::default()
            }),
            AppError::invalid("occurred_on", "IN_FUTURE", ""),
        ];
        let (at, general) = place_errors(&errors, t, &defs());
        assert_eq!(at["conclusion"], t.error_required);
        assert_eq!(at["a"], t.error_one_of);
        assert_eq!(at["b"], t.error_one_of);
        assert_eq!(
            at["occurred_on"], t.problem_in_future,
            "in the reader's language"
        );
        assert!(general.is_none());
    }

    #[test]
    fn an_outcome_the_step_does_not_take_is_answered_with_those_it_does() {
        let t = Lang::Sv.text();
        let mut defs = defs();
        for (id, words) in [
            ("a", "Ingen skada"),
            ("b", "Skada"),
            ("c", "Allvarlig skada"),
        ] {
            defs.outcomes.push(OutcomeDef {
                id: id.into(),
                label: words.into(),
                reportable: false,
                explain: None,
            });
        }
        let refused = AppError::new(Code::GuardFailed, "").with(varna_app::Detail {
            failed: vec![FailedCondition::Outcome {
                allowed: names(&["a", "b"]),
                actual: Some("c".into()),
            }],
            ..varna_app::Detail::default()
        });
        let (at, general) = place_errors(&[refused], t, &defs);
        assert_eq!(
            at["outcome"],
            format!("{} Ingen skada eller Skada.", t.error_outcome_mismatch)
        );
        assert!(general.is_none(), "the message is at the outcome");
    }
}
