//! An imported case: the state its dates imply (closed: the lifecycle's
//! first terminal state, dated as the source dates it; open: its initial
//! state), no clocks, the source named; and the refusals — a lagrum the
//! lifecycle does not take, a value it does not accept, a date in the
//! future or a closing before the reporting.

use chrono::Duration;
use varna_workflow::{
    Case, EventKind, Facts, ImportCase, ImportSource, InputProblem, Lagrum, Rejection, Role,
    Status, UnitId, decide_import, replay,
};

use crate::common::{UNIT, actor, definition, fields, start, text};

fn case(lagrum: Lagrum, closed: bool) -> ImportCase {
    let reported_at = start() - Duration::days(400);
    ImportCase {
        lagrum,
        unit: UnitId::new(UNIT),
        fields: fields(&[
            ("outcome", text("missforhallande")),
            ("affected_gender", text("kvinna")),
        ]),
        reported_at,
        ruled_at: Some(reported_at + Duration::days(30)),
        closed_at: closed.then(|| reported_at + Duration::days(40)),
        source: ImportSource {
            file: "sha256:00".into(),
            row: 7,
        },
    }
}

fn facts() -> Facts {
    Facts {
        actor: actor(Role::Admin),
        now: start(),
    }
}

fn imported(c: ImportCase) -> Result<Case, Rejection> {
    let event = decide_import(&definition("lex-sarah"), c, &facts())?;
    Ok(replay(&[event]).expect("replays"))
}

#[test]
fn a_closed_case_is_in_the_first_terminal_state_dated_as_the_source_dates_it() {
    let source = case(Lagrum::Sol, true);
    let closed_at = source.closed_at.expect("closed");
    let reported_at = source.reported_at;
    let c = imported(source).expect("imported");
    assert_eq!(
        c.opened_at, reported_at,
        "the report counts it when reported"
    );
    assert_eq!(
        c.status,
        Status::Closed {
            state: varna_workflow::StateId::new("closed"),
            closed_at
        }
    );
    assert!(c.deadlines.is_empty(), "no clock runs for an old case");
    assert_eq!(c.fields["outcome"], text("missforhallande"));
}

#[test]
fn an_open_case_is_in_the_initial_state_and_names_its_source() {
    let event = decide_import(&definition("lex-sarah"), case(Lagrum::Lss, false), &facts())
        .expect("imported");
    let EventKind::Imported { state, source, .. } = &event.kind else {
        panic!("{:?}", event.kind);
    };
    assert_eq!(state.as_str(), "received");
    assert_eq!((source.file.as_str(), source.row), ("sha256:00", 7));
    assert_eq!(event.kind.type_name(), "imported");
    let c = replay(&[event]).expect("replays");
    assert!(!c.is_closed());
}

#[test]
fn what_the_lifecycle_does_not_take_is_refused_with_its_column() {
    let refused = |c: ImportCase| match imported(c) {
        Err(Rejection::InvalidInput { field, problem }) => (field, problem),
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert!(matches!(
        refused(case(Lagrum::Hsl, true)),
        (f, InputProblem::NotAllowed { .. }) if f == "lagrum"
    ));
    let mut c = case(Lagrum::Sol, true);
    c.fields.insert("outcome".into(), text("mycket_allvarligt"));
    assert!(matches!(
        refused(c),
        (f, InputProblem::NotAllowed { .. }) if f == "outcome"
    ));
    let mut c = case(Lagrum::Sol, true);
    c.fields.insert("no_such_field".into(), text("x"));
    assert_eq!(
        refused(c),
        ("no_such_field".to_owned(), InputProblem::UnknownField)
    );
    let mut c = case(Lagrum::Sol, true);
    c.closed_at = Some(c.reported_at - Duration::days(1));
    assert_eq!(
        refused(c),
        ("closed_on".to_owned(), InputProblem::BeforeReported)
    );
    let mut c = case(Lagrum::Sol, false);
    c.reported_at = start() + Duration::days(1);
    c.ruled_at = None;
    assert_eq!(
        refused(c),
        ("reported_on".to_owned(), InputProblem::InFuture)
    );
}
