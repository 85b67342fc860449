//! Forms built from the workflow definitions: one control per field, of the
//! field's type, labelled in the reader's language; and the way back — a
//! posted form's text turned into the typed JSON the API takes, and the
//! API's errors put next to the fields they concern.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::gql::GqlError;
use crate::text::{Lang, Text};

/// A field as the lifecycle defines it.
#[derive(Debug, Clone)]
pub(crate) struct FieldDef {
    pub(crate) name: String,
    pub(crate) label: String,
    /// `text`, `date`, `boolean`, `integer`, `choice` or `outcome`.
    pub(crate) kind: String,
    /// A choice field's values.
    pub(crate) values: Vec<String>,
}

/// One severity outcome of a lifecycle.
#[derive(Debug, Clone)]
pub(crate) struct OutcomeDef {
    pub(crate) id: String,
    pub(crate) label: String,
    pub(crate) reportable: bool,
}

/// The part of a `workflows { … }` answer the forms need.
pub(crate) const WORKFLOW_PARTS: &str = "name labelSv labelEn lagrum fields { name type labelSv labelEn values } outcomes { id labelSv labelEn reportable }";

/// A lifecycle's fields and outcomes, from a `workflows` item queried with
/// [`WORKFLOW_PARTS`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Definitions {
    pub(crate) fields: BTreeMap<String, FieldDef>,
    pub(crate) outcomes: Vec<OutcomeDef>,
}

pub(crate) fn str_of(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

/// The `labelSv` or `labelEn` of `v`.
pub(crate) fn label(v: &Value, lang: Lang) -> String {
    str_of(match lang {
        Lang::Sv => &v["labelSv"],
        Lang::En => &v["labelEn"],
    })
}

impl Definitions {
    pub(crate) fn of(workflow: &Value, lang: Lang) -> Definitions {
        let fields = workflow["fields"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                let def = FieldDef {
                    name: str_of(&f["name"]),
                    label: label(f, lang),
                    kind: str_of(&f["type"]),
                    values: f["values"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(str_of)
                        .collect(),
                };
                (def.name.clone(), def)
            })
            .collect();
        let outcomes = workflow["outcomes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| OutcomeDef {
                id: str_of(&o["id"]),
                label: label(o, lang),
                reportable: o["reportable"].as_bool().unwrap_or(false),
            })
            .collect();
        Definitions { fields, outcomes }
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

/// What a guard demands, from the API's `requiredFields` / `missingFields`
/// strings: a field name, or `one of (a | b)`.
pub(crate) fn requirement_fields(requirement: &str) -> Vec<String> {
    match requirement
        .strip_prefix("one of (")
        .and_then(|r| r.strip_suffix(')'))
    {
        Some(names) => names.split('|').map(|n| n.trim().to_owned()).collect(),
        None => vec![requirement.to_owned()],
    }
}

/// The fields a command's form asks for, from the API's `requires` (or
/// `missingFields`) and `accepts` lists: (field, required), required first.
/// A field of a `one of (a | b)` requirement is not required on its own;
/// the second value says whether there are such alternatives.
pub(crate) fn fields_of(requires: &Value, accepts: &Value) -> (Vec<(String, bool)>, bool) {
    let mut fields: Vec<(String, bool)> = Vec::new();
    let mut alternatives = false;
    for requirement in requires.as_array().into_iter().flatten() {
        let names = requirement_fields(&str_of(requirement));
        let alone = names.len() == 1;
        alternatives |= !alone;
        fields.extend(names.into_iter().map(|n| (n, alone)));
    }
    for accepted in accepts.as_array().into_iter().flatten().map(str_of) {
        if !fields.iter().any(|(n, _)| *n == accepted) {
            fields.push((accepted, false));
        }
    }
    (fields, alternatives)
}

/// The lifecycle `name` in a `workflows { … }` answer (null if absent).
pub(crate) fn workflow<'a>(data: &'a Value, name: &str) -> &'a Value {
    data["workflows"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["name"] == name))
        .unwrap_or(&Value::Null)
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
    names
        .iter()
        .filter_map(|(name, required)| {
            let def = defs.fields.get(name)?;
            let value = values.get(name).cloned().unwrap_or_default();
            let choices = match def.kind.as_str() {
                "choice" => def
                    .values
                    .iter()
                    .map(|v| Choice {
                        label: varna_report::value_label(v),
                        hint: String::new(),
                        selected: *v == value,
                        id: v.clone(),
                    })
                    .collect(),
                "outcome" => defs
                    .outcomes
                    .iter()
                    .map(|o| Choice {
                        label: o.label.clone(),
                        hint: crate::text::outcome_explanation(&o.id, o.reportable, lang),
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
                kind: def.kind.clone(),
                required: *required,
                value,
                choices,
                error: errors.get(name).cloned(),
            })
        })
        .collect()
}

/// The posted text of `names` as the typed JSON object the API takes;
/// empty fields are left out (the API then says what is missing).
pub(crate) fn typed_fields(
    defs: &Definitions,
    names: &[String],
    values: &BTreeMap<String, String>,
) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for name in names {
        let Some(text) = values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let kind = defs.fields.get(name).map_or("text", |f| f.kind.as_str());
        let value = match kind {
            // Not a number: sent as text, so the API names the field.
            "integer" => text
                .parse::<i64>()
                .map_or_else(|_| json!(text), |n| json!(n)),
            "boolean" => json!(true),
            _ => json!(text),
        };
        out.insert(name.clone(), value);
    }
    out
}

/// The API's errors, each under the field it concerns where it names one;
/// the rest as one general message.
pub(crate) fn place_errors(
    errors: &[GqlError],
    t: &Text,
) -> (BTreeMap<String, String>, Option<String>) {
    let mut at_field = BTreeMap::new();
    let mut general = None;
    for e in errors {
        if e.failed.iter().any(|f| f.starts_with("outcome")) {
            at_field.insert("outcome".to_owned(), t.error_outcome_mismatch.to_owned());
        }
        match e.code.as_str() {
            "GUARD_FAILED" if !e.missing.is_empty() => {
                for requirement in &e.missing {
                    let names = requirement_fields(requirement);
                    let message = if names.len() > 1 {
                        t.error_one_of.to_owned()
                    } else {
                        t.error_required.to_owned()
                    };
                    for name in names {
                        at_field.insert(name, message.clone());
                    }
                }
            }
            "GUARD_FAILED" if !e.failed.is_empty() => {
                if !at_field.contains_key("outcome") {
                    general = Some(t.error_condition.to_owned());
                }
            }
            "INVALID_INPUT" => match &e.field {
                Some(f) => {
                    let message = crate::text::problem(t, e.problem.as_deref());
                    at_field.insert(f.clone(), message.to_owned());
                }
                None => general = Some(t.error_invalid.to_owned()),
            },
            "FORBIDDEN" => general = Some(t.error_forbidden.to_owned()),
            "CONFLICT" => general = Some(t.error_conflict.to_owned()),
            "INVALID_TRANSITION" => general = Some(t.error_not_now.to_owned()),
            _ => general = Some(t.error_internal.to_owned()),
        }
    }
    (at_field, general)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternatives_name_each_field() {
        assert_eq!(requirement_fields("conclusion"), vec!["conclusion"]);
        assert_eq!(
            requirement_fields("one of (affected_person_view | affected_person_view_not_possible)"),
            vec!["affected_person_view", "affected_person_view_not_possible"]
        );
    }

    #[test]
    fn a_form_asks_for_required_fields_first_and_alternatives_as_optional() {
        let requires = json!(["conclusion", "one of (a | b)"]);
        let accepts = json!(["conclusion", "other"]);
        let (fields, alternatives) = fields_of(&requires, &accepts);
        let expected: Vec<(String, bool)> = [
            ("conclusion", true),
            ("a", false),
            ("b", false),
            ("other", false),
        ]
        .into_iter()
        .map(|(n, r)| (n.to_owned(), r))
        .collect();
        assert_eq!(fields, expected);
        assert!(alternatives);
        assert!(!fields_of(&json!(["x"]), &json!([])).1);
    }

    #[test]
    fn posted_text_becomes_typed_json_and_blanks_are_left_out() {
        let wf = json!({ "fields": [
            { "name": "n", "type": "integer", "labelSv": "N", "labelEn": "N", "values": [] },
            { "name": "b", "type": "boolean", "labelSv": "B", "labelEn": "B", "values": [] },
            { "name": "t", "type": "text", "labelSv": "T", "labelEn": "T", "values": [] },
        ], "outcomes": [] });
        let defs = Definitions::of(&wf, Lang::Sv);
        let values: BTreeMap<String, String> =
            [("n", " 3 "), ("b", "on"), ("t", "   "), ("other", "x")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        let names: Vec<String> = ["n", "b", "t"].iter().map(|s| (*s).to_owned()).collect();
        let typed = typed_fields(&defs, &names, &values);
        assert_eq!(Value::Object(typed), json!({ "n": 3, "b": true }));
        let values: BTreeMap<String, String> =
            [("n".to_owned(), "tre".to_owned())].into_iter().collect();
        assert_eq!(
            Value::Object(typed_fields(&defs, &names, &values)),
            json!({ "n": "tre" })
        );
    }

    #[test]
    fn errors_land_at_their_fields() {
        let t = Lang::Sv.text();
        let errors = vec![
            GqlError {
                code: "GUARD_FAILED".into(),
                missing: vec!["conclusion".into(), "one of (a | b)".into()],
                ..GqlError::default()
            },
            GqlError {
                code: "INVALID_INPUT".into(),
                field: Some("occurred_on".into()),
                problem: Some("IN_FUTURE".into()),
                ..GqlError::default()
            },
        ];
        let (at, general) = place_errors(&errors, t);
        assert_eq!(at["conclusion"], t.error_required);
        assert_eq!(at["a"], t.error_one_of);
        assert_eq!(at["b"], t.error_one_of);
        assert_eq!(
            at["occurred_on"], t.problem_in_future,
            "in the reader's language"
        );
        assert!(general.is_none());
    }
}
