//! The workflow documentation cannot drift from the definitions: the
//! diagrams in `workflows/README.md` are exactly what `varna workflows graph`
//! prints, and its annotated example is a valid definition.
//!
//! On a mismatch, `UPDATE_EXPECT=1 cargo test --test workflow_docs` (or
//! `just diagrams`) rewrites the generated part; review the diff and commit.

use std::path::Path;

use varna_workflow::Catalog;
use varna_workflow::graph::{GraphFormat, render};

const BEGIN: &str = "<!-- diagrams:begin (generated) -->";
const END: &str = "<!-- diagrams:end -->";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every lifecycle file in `workflows/`, by file name: a new file needs no
/// change here.
fn shipped_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("workflows"))
        .expect("workflows/ is readable")
        .filter_map(|e| {
            let path = e.expect("an entry").path();
            (path.extension().is_some_and(|x| x == "toml")).then(|| {
                path.file_stem()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned()
            })
        })
        .collect();
    names.sort();
    names
}

fn shipped_catalog() -> Catalog {
    let mut sources = Vec::new();
    for name in shipped_names() {
        let path = root().join("workflows").join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).expect("definition is readable");
        sources.push((format!("{name}.toml"), text));
    }
    Catalog::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str()))).expect("valid")
}

fn generated_section(catalog: &Catalog) -> String {
    let mut out = String::from(BEGIN);
    out.push('\n');
    for name in shipped_names() {
        let def = catalog.get(&name).expect("loaded");
        out.push_str(&format!(
            "\n### {} (`{name}.toml`, version {})\n\n```mermaid\n{}```\n",
            def.label.sv,
            def.reference.version,
            render(def, GraphFormat::Mermaid)
        ));
    }
    out.push_str(END);
    out
}

#[test]
fn readme_diagrams_match_the_definitions() {
    let path = root().join("workflows/README.md");
    let readme = std::fs::read_to_string(&path).expect("workflows/README.md exists");
    let start = readme.find(BEGIN).expect("README has the begin marker");
    let end = readme.find(END).expect("README has the end marker") + END.len();
    let expected = format!(
        "{}{}{}",
        &readme[..start],
        generated_section(&shipped_catalog()),
        &readme[end..]
    );
    if readme != expected {
        if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
            std::fs::write(&path, expected).expect("README is writable");
            eprintln!("updated {}", path.display());
        } else {
            panic!(
                "workflows/README.md's diagrams differ from the definitions; \
                 run `just diagrams` (UPDATE_EXPECT=1 cargo test --test workflow_docs) and commit the result"
            );
        }
    }
}

#[test]
fn readme_annotated_example_is_a_valid_definition() {
    let readme = std::fs::read_to_string(root().join("workflows/README.md")).expect("exists");
    let start = readme.find("```toml\n").expect("README has a TOML example") + "```toml\n".len();
    let end = start + readme[start..].find("```").expect("example is closed");
    let def = varna_workflow::definition::parse("lex-sarah.toml", &readme[start..end])
        .unwrap_or_else(|e| panic!("the README example is invalid:\n{e}"));
    assert_eq!(def.name(), "lex-sarah");
    assert_eq!(def.states.len(), 3);
    assert!(def.journal.is_some());
}
