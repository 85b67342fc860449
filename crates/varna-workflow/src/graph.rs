//! Diagrams of a lifecycle, drawn from its definition so that the picture
//! cannot drift from the TOML: Mermaid (renders on GitHub and GitLab) and
//! Graphviz DOT.

use std::fmt::Write;

use crate::definition::{StateKind, WorkflowDefinition};

/// Which diagram language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Mermaid `stateDiagram-v2`.
    Mermaid,
    /// Graphviz `digraph`.
    Dot,
}

/// Draws `def` with Swedish labels; edges are labelled with the transition's
/// Swedish label and the roles that may take it.
pub fn render(def: &WorkflowDefinition, format: GraphFormat) -> String {
    match format {
        GraphFormat::Mermaid => mermaid(def),
        GraphFormat::Dot => dot(def),
    }
}

fn roles(roles: &[crate::Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn mermaid(def: &WorkflowDefinition) -> String {
    let mut out = String::from("stateDiagram-v2\n");
    let _ = writeln!(out, "    %% {} v{}", def.name(), def.reference.version);
    for state in &def.states {
        let _ = writeln!(out, "    {}: {}", state.id, mermaid_text(&state.label.sv));
    }
    let initial = def.initial_state();
    let _ = writeln!(out, "    [*] --> {}", initial.id);
    for t in &def.transitions {
        for from in &t.from {
            let _ = writeln!(
                out,
                "    {from} --> {}: {} ({})",
                t.target(from),
                mermaid_text(&t.label.sv),
                roles(&t.roles)
            );
        }
    }
    for state in def.states.iter().filter(|s| s.kind == StateKind::Terminal) {
        let _ = writeln!(out, "    {} --> [*]", state.id);
    }
    out
}

fn dot(def: &WorkflowDefinition) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", def.name());
    let _ = writeln!(out, "    rankdir=TB;\n    node [shape=box, style=rounded];");
    for state in &def.states {
        let shape = match state.kind {
            StateKind::Initial => ", penwidth=2",
            StateKind::Active => "",
            StateKind::Terminal => ", peripheries=2",
        };
        let _ = writeln!(
            out,
            "    {} [label=\"{}\"{shape}];",
            state.id,
            dot_text(&state.label.sv)
        );
    }
    for t in &def.transitions {
        for from in &t.from {
            let _ = writeln!(
                out,
                "    {from} -> {} [label=\"{}\\n({})\"];",
                t.target(from),
                dot_text(&t.label.sv),
                roles(&t.roles)
            );
        }
    }
    out.push_str("}\n");
    out
}

/// Mermaid ends a label at `:`; "Bedöm: allvarligt" becomes "Bedöm – allvarligt".
fn mermaid_text(text: &str) -> String {
    text.replace(": ", " – ")
        .replace(':', "#58;")
        .replace('\n', " ")
}

/// DOT labels are double-quoted strings.
fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', " ")
}
