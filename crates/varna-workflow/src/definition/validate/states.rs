//! The `[[state]]` tables and the lifecycle's graph: exactly one initial
//! state, every state reachable, every non-terminal state with a way out.

use std::collections::{BTreeSet, VecDeque};
use std::ops::Range;

use super::{Declared, Validator, is_identifier};
use crate::definition::raw::RawState;
use crate::definition::{State, StateKind, Transition};
use crate::vocab::StateId;

impl Validator<'_> {
    /// The states, with the span of each id (for the graph checks).
    pub(super) fn states(
        &mut self,
        raw: &[RawState],
        header_span: &Range<usize>,
        known: &mut Declared,
    ) -> (Vec<State>, Vec<Range<usize>>) {
        let mut states = Vec::new();
        let mut state_spans = Vec::new();
        for s in raw {
            let kind = match s.kind.get_ref().as_str() {
                "initial" => Some(StateKind::Initial),
                "active" => Some(StateKind::Active),
                "terminal" => Some(StateKind::Terminal),
                other => {
                    self.error(
                        &s.kind.span(),
                        format!("unknown state kind \"{other}\""),
                        Some("use one of: initial, active, terminal".into()),
                    );
                    None
                }
            };
            if !is_identifier(s.id.get_ref(), '_') {
                self.error(
                    &s.id.span(),
                    format!("state id \"{}\" is not a valid name", s.id.get_ref()),
                    Some("use lower-case letters, digits and '_'".into()),
                );
            }
            if known.states.contains_key(s.id.get_ref()) {
                self.error(
                    &s.id.span(),
                    format!("state \"{}\" is declared twice", s.id.get_ref()),
                    None,
                );
                continue;
            }
            let Some(kind) = kind else { continue };
            known.states.insert(s.id.get_ref().clone(), kind);
            state_spans.push(s.id.span());
            states.push(State {
                id: StateId::new(s.id.get_ref().clone()),
                kind,
                label: s.label.clone(),
            });
        }
        let initials: Vec<_> = raw
            .iter()
            .filter(|s| s.kind.get_ref() == "initial")
            .collect();
        match initials.as_slice() {
            [_] => {}
            [] => self.error(
                header_span,
                "the workflow has no initial state".into(),
                Some("mark the state a new case starts in with kind = \"initial\"".into()),
            ),
            [_, rest @ ..] => {
                for s in rest {
                    self.error(
                        &s.id.span(),
                        format!("state \"{}\" is a second initial state", s.id.get_ref()),
                        Some(
                            "a lifecycle has exactly one initial state; make the others \"active\""
                                .into(),
                        ),
                    );
                }
            }
        }
        (states, state_spans)
    }

    /// Unreachable states and non-terminal states with no way out.
    pub(super) fn check_graph(
        &mut self,
        states: &[State],
        spans: &[Range<usize>],
        transitions: &[Transition],
    ) {
        let Some(initial) = states.iter().find(|s| s.kind == StateKind::Initial) else {
            return;
        };
        let mut reached = BTreeSet::from([&initial.id]);
        let mut queue = VecDeque::from([&initial.id]);
        while let Some(state) = queue.pop_front() {
            for t in transitions.iter().filter(|t| t.from.contains(state)) {
                if let Some(to) = &t.to
                    && reached.insert(to)
                {
                    queue.push_back(to);
                }
            }
        }
        for (state, span) in states.iter().zip(spans) {
            if !reached.contains(&state.id) {
                self.error(
                    span,
                    format!(
                        "state \"{}\" is unreachable from the initial state \"{}\"",
                        state.id, initial.id
                    ),
                    Some("add a transition into it, or remove it".into()),
                );
            }
            let leaves = transitions.iter().any(|t| {
                t.from.contains(&state.id) && t.to.as_ref().is_some_and(|to| to != &state.id)
            });
            if state.kind != StateKind::Terminal && !leaves {
                self.error(
                    span,
                    format!("state \"{}\" is not terminal but has no way out", state.id),
                    Some("add a transition out of it, or make it kind = \"terminal\"".into()),
                );
            }
        }
    }
}
