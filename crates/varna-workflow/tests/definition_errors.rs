//! Every validation error, each from a broken fixture in `tests/broken/`:
//! the error names the file and the line of the offending text, and says
//! what is wrong. Problems in a file are all reported at once.

use varna_workflow::Catalog;
use varna_workflow::definition::{DefinitionError, parse};

fn fixture(name: &str) -> (String, String) {
    let path = format!("broken/{name}.toml");
    let text = std::fs::read_to_string(format!("{}/tests/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("fixture exists");
    (path, text)
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in fixture"))
        + 1
}

fn parse_errors(name: &str) -> (String, String, Vec<DefinitionError>) {
    let (path, text) = fixture(name);
    let errors = parse(&path, &text).expect_err("the fixture is broken").0;
    (path, text, errors)
}

/// Asserts exactly one error, on the line holding `needle`, whose message contains `message`.
fn assert_one(name: &str, needle: &str, message: &str) {
    let (path, text, errors) = parse_errors(name);
    assert_eq!(errors.len(), 1, "{name}: {errors:#?}");
    let e = &errors[0];
    assert_eq!(e.file, path);
    assert_eq!(e.line, line_of(&text, needle), "{name}: {e}");
    assert!(e.message.contains(message), "{name}: {e}");
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("{path}:{}:", e.line)), "{shown}");
}

#[test]
fn the_minimal_definition_is_valid() {
    let (path, text) = fixture("minimal");
    let def = parse(&path, &text).expect("valid");
    assert_eq!(def.states.len(), 2);
}

#[test]
fn unknown_state_in_to() {
    assert_one(
        "unknown-state",
        r#"to = "stangd""#,
        r#"unknown state "stangd""#,
    );
    let (_, _, errors) = parse_errors("unknown-state");
    assert!(
        errors[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("closed, open")),
        "the help lists the states"
    );
}

#[test]
fn unknown_state_in_from() {
    assert_one(
        "unknown-from-state",
        r#"from = ["oppen"]"#,
        r#"unknown state "oppen""#,
    );
}

#[test]
fn unknown_role() {
    assert_one(
        "unknown-role",
        r#"roles = ["enhetschef"]"#,
        r#"unknown role "enhetschef""#,
    );
}

#[test]
fn unreachable_state() {
    assert_one(
        "unreachable-state",
        r#"id = "limbo""#,
        r#"state "limbo" is unreachable"#,
    );
}

#[test]
fn non_terminal_state_without_a_way_out() {
    assert_one(
        "dead-end",
        r#"id = "stuck""#,
        r#"state "stuck" is not terminal but has no way out"#,
    );
}

#[test]
fn duplicate_transition_name() {
    let (path, text, errors) = parse_errors("duplicate-transition");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let second = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(r#"name = "close""#))
        .nth(1)
        .expect("two")
        .0
        + 1;
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        (path.as_str(), second)
    );
    assert!(
        errors[0]
            .message
            .contains(r#"transition "close" is declared twice"#)
    );
}

#[test]
fn guard_naming_an_unknown_field() {
    assert_one(
        "unknown-guard-field",
        r#"requires = ["reson"]"#,
        r#"unknown field "reson""#,
    );
    assert_one(
        "unknown-any-field",
        r#"requires = [{ any"#,
        r#"unknown field "motive""#,
    );
}

#[test]
fn malformed_durations() {
    assert_one(
        "malformed-term",
        r#"snarast = "två veckor""#,
        "malformed duration",
    );
    assert_one(
        "malformed-within",
        r#"within = "14 d""#,
        "malformed duration",
    );
}

#[test]
fn terminal_state_with_an_outgoing_transition() {
    assert_one(
        "terminal-with-exit",
        r#"from = ["closed"]"#,
        r#"terminal state "closed" has an outgoing transition "reopen""#,
    );
}

#[test]
fn exactly_one_initial_state() {
    let (_, _, errors) = parse_errors("no-initial-state");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("no initial state") && e.line == 1),
        "{errors:#?}"
    );
    // Making "closed" initial also leaves it non-terminal with no way out: both are reported.
    let (path, text, errors) = parse_errors("two-initial-states");
    let line = line_of(&text, r#"id = "closed""#);
    assert!(
        errors.iter().any(|e| e.file == path
            && e.line == line
            && e.message
                .contains(r#"state "closed" is a second initial state"#)),
        "{errors:#?}"
    );
}

#[test]
fn read_only_roles_cannot_act() {
    assert_one(
        "read-only-role",
        r#"roles = ["auditor"]"#,
        r#"role "auditor" is read-only"#,
    );
}

#[test]
fn conditions_only_on_the_workflows_own_lagrum() {
    assert_one(
        "unknown-lagrum-condition",
        "when = { lagrum",
        r#"condition on lagrum "HSL""#,
    );
}

#[test]
fn toml_syntax_errors_and_unknown_keys_name_their_line() {
    let (_, text, errors) = parse_errors("syntax-error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, line_of(&text, r#"to = "closed"#));
    let (_, text, errors) = parse_errors("unknown-key");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, line_of(&text, r#"role = ["unit_manager"]"#));
    assert!(errors[0].message.contains("role"), "{}", errors[0]);
}

#[test]
fn the_workflow_name_must_match_the_file_name() {
    assert_one(
        "wrong-name",
        r#"name = "another-name""#,
        r#"does not match the file name "wrong-name.toml""#,
    );
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let (_, text, errors) = parse_errors("several-problems");
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    let expected = vec![
        line_of(&text, r#"snarast = "14""#),
        line_of(&text, r#"to = "stangd""#),
        line_of(&text, r#"requires = ["reson"]"#),
    ];
    assert_eq!(lines, expected, "{errors:#?}");
}

#[test]
fn spawning_an_unknown_workflow_is_found_across_files() {
    let (path, text) = fixture("spawns-unknown");
    let (min_path, min_text) = fixture("minimal");
    let errors = Catalog::from_sources([
        (path.as_str(), text.as_str()),
        (min_path.as_str(), min_text.as_str()),
    ])
    .expect_err("unknown spawn target")
    .0;
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line),
        (path.as_str(), line_of(&text, "spawns = "))
    );
    assert!(errors[0].message.contains(r#"unknown workflow "nope""#));
}

#[test]
fn the_content_hash_follows_every_byte() {
    let (path, text) = fixture("minimal");
    let a = parse(&path, &text).expect("valid").reference.hash;
    assert_eq!(a, parse(&path, &text).expect("valid").reference.hash);
    let b = parse(&path, &text.replace("Stäng", "Stang"))
        .expect("valid")
        .reference
        .hash;
    assert_ne!(a, b);
}

#[test]
fn a_value_label_for_a_value_the_field_does_not_have() {
    assert_one(
        "value-label-unknown",
        r#"name = "risk""#,
        r#"labels "mycket_hog", which is not one of its values"#,
    );
}

#[test]
fn a_journal_topic_cannot_be_set_as_a_transition_field() {
    assert_one(
        "journal-topic-accepted",
        r#"accepts = ["causes"]"#,
        r#"accepts "causes", a journal topic"#,
    );
}

#[test]
fn a_reopening_records_its_reason() {
    assert_one(
        "reopen-without-reason",
        r#"name = "reopen""#,
        "reopens without a reason",
    );
}

#[test]
fn a_clock_per_lagrum_names_every_lagrum_of_the_workflow() {
    assert_one(
        "within-missing-lagrum",
        r#"within = { SoL = "snarast" }"#,
        "gives no duration for LSS",
    );
}

#[test]
fn a_dated_term_lists_its_durations_in_order() {
    assert_one(
        "term-out-of-order",
        "snarast = [",
        r#"term "snarast" lists its durations out of order"#,
    );
}

#[test]
fn a_condition_lists_values_its_field_can_hold() {
    assert_one(
        "condition-value",
        r#"when = { values = { wants_answer = ["yes"] } }"#,
        r#""yes" is not a value of the boolean field "wants_answer""#,
    );
}

#[test]
fn a_risk_threshold_is_a_score_the_matrix_can_reach() {
    assert_one(
        "risk-threshold",
        "escalate_from = 20",
        "escalate_from 20 is outside the scores 1 to 16",
    );
}

#[test]
fn a_public_form_must_file_as_the_sender_and_reply_through_the_senders_step() {
    let (_, text, errors) = parse_errors("public-form");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    for expected in [
        r#"[filing] does not allow the role "sender""#,
        r#"sets gives "kind" a value it does not take"#,
        "the filing requires kind, which the public form neither asks, sets nor dates",
        "give words for each",
        r#"the sender's reply "close" must be a transition of the role "sender""#,
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected:?} not among {messages:#?}"
        );
    }
    assert_eq!(errors.len(), 5, "{errors:#?}");
    let reply = errors
        .iter()
        .find(|e| e.message.contains("sender's reply"))
        .expect("the reply's error");
    assert_eq!(reply.line, line_of(&text, r#"reply = "close""#));
    // A token may never claim the sender's role; a file may name it.
    assert!("sender".parse::<varna_workflow::Role>().is_err());
    assert_eq!(
        varna_workflow::Role::from_definition("sender"),
        Ok(varna_workflow::Role::Sender)
    );
}

#[test]
fn a_retention_rule_covers_end_states_once_for_a_time_or_for_good_with_a_legal_reference() {
    let (_, text, errors) = parse_errors("retention");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    for (expected, on) in [
        (
            r#"names "open", which is not an end state"#,
            r#"states = ["open"]"#,
        ),
        (
            r#"unknown counted_from "closing_day""#,
            r#"counted_from = "closing_day""#,
        ),
        (r#"malformed duration "2 years""#, r#"keep_for = "2 years""#),
        (
            r#"retention rule "two_years" gives no legal reference"#,
            r#"id = "two_years""#,
        ),
        (
            r#"the end state "closed" is covered by two retention rules"#,
            r#"counted_from = "last_entry""#,
        ),
        (
            "neither how long the content is kept nor that it goes to the archive",
            r#"id = "again""#,
        ),
        (
            r#"unknown field "no_such_field""#,
            r#"keep = ["no_such_field"]"#,
        ),
    ] {
        let error = errors
            .iter()
            .find(|e| e.message.contains(expected))
            .unwrap_or_else(|| panic!("{expected:?} not among {messages:#?}"));
        let line = line_of(&text, on);
        // The duplicate state is on the line before counted_from.
        let line = if expected.contains("covered by two") {
            line - 1
        } else {
            line
        };
        assert_eq!(error.line, line, "{error}");
    }
    assert_eq!(errors.len(), 7, "{errors:#?}");
}

#[test]
fn disclosure_is_for_roles_that_read_the_whole_case_on_a_ground_of_secrecy_the_file_gives() {
    let (_, text, errors) = parse_errors("disclosure");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    let roles_line = line_of(&text, r#"roles = ["sas", "reporter", "nobody"]"#);
    for (expected, line) in [
        (r#"[disclosure] lets "reporter" disclose cases"#, roles_line),
        (r#"unknown role "nobody""#, roles_line),
        (
            r#""osl-99""#,
            line_of(&text, r#"legal_refs = ["osl-26-1", "osl-99"]"#),
        ),
    ] {
        let error = errors
            .iter()
            .find(|e| e.message.contains(expected))
            .unwrap_or_else(|| panic!("{expected:?} not among {messages:#?}"));
        assert_eq!(error.line, line, "{error}");
    }
    assert_eq!(errors.len(), 3, "{errors:#?}");
}
