//! The write workload the harness shares: an avvikelse filed at one unit
//! and taken through its whole lifecycle (start_investigation,
//! report_actions, assess_effect, close_social), as store commands or as GraphQL
//! mutation variables, with tokens for the roles that act.

use chrono::Utc;
use serde_json::{Value, json};
use varna_workflow::{Command, FileCase, Lagrum, Role};

use crate::child::ChildServer;
use varna::demo::{self, Dice, Step};

/// Files a case.
pub(super) const FILE: &str =
    "mutation($input: FileCaseInput!) { fileCase(input: $input) { caseId version } }";
/// Takes a transition.
pub(super) const TRANSITION: &str =
    "mutation($input: TransitionInput!) { transition(input: $input) { version } }";

/// One avvikelse's life: who files it, the filing, and the later steps.
#[derive(Debug)]
pub(super) struct Life {
    pub(super) role: Role,
    pub(super) filing: FileCase,
    pub(super) steps: Vec<Step>,
}

/// The life numbered `seed` (any number; escalating variants are skipped,
/// since an escalation opens a second case).
pub(super) fn avvikelse(unit: &str, seed: usize, dice: &mut Dice) -> Life {
    let v = if seed % 9 == 4 { seed + 1 } else { seed };
    let (role, filing) = demo::filing("avvikelse", Lagrum::Sol, unit, v, dice, Utc::now());
    Life {
        role,
        filing,
        steps: demo::steps("avvikelse", Lagrum::Sol, v, &|_| Utc::now()),
    }
}

/// `fileCase` variables for a filing.
pub(super) fn file_variables(unit: &str, filing: &FileCase) -> anyhow::Result<Value> {
    Ok(json!({ "input": {
        "kind": "AVVIKELSE", "lagrum": "SOL", "unit": unit,
        "fields": serde_json::to_value(&filing.fields)?,
    }}))
}

/// `transition` variables for a step of the life.
pub(super) fn transition_variables(case_id: &Value, command: Command) -> anyhow::Result<Value> {
    let Command::Transition { name, fields } = command else {
        anyhow::bail!("the avvikelse lifecycle steps are transitions");
    };
    Ok(json!({ "input": {
        "caseId": case_id, "transition": name, "fields": serde_json::to_value(&fields)?,
    }}))
}

/// Bearer tokens for the roles that file and work an avvikelse at `unit`.
#[derive(Debug)]
pub(super) struct Tokens(Vec<(Role, String)>);

impl Tokens {
    pub(super) fn new(server: &ChildServer, unit: &str) -> Tokens {
        Tokens(
            [Role::Reporter, Role::UnitManager, Role::Sas]
                .into_iter()
                .map(|r| (r, server.token(r, &[unit])))
                .collect(),
        )
    }

    /// The token for `role` (empty, and so refused, for any other role).
    pub(super) fn get(&self, role: Role) -> &str {
        self.0
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, t)| t.as_str())
            .unwrap_or_default()
    }
}
