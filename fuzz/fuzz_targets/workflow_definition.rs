//! The workflow TOML loader on arbitrary text: it never panics; a file it
//! accepts is hashed, kept and re-parsed exactly, draws as a diagram and
//! loads beside the real definitions; a file it refuses gets at least one
//! error, each pointing at a line and column inside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use varna_workflow::definition::parse;
use varna_workflow::graph::{GraphFormat, render};
use varna_workflow::{Catalog, Role};

const REAL: [(&str, &str); 4] = [
    (
        "avvikelse.toml",
        include_str!("../../workflows/avvikelse.toml"),
    ),
    (
        "lex-sarah.toml",
        include_str!("../../workflows/lex-sarah.toml"),
    ),
    (
        "lex-maria.toml",
        include_str!("../../workflows/lex-maria.toml"),
    ),
    (
        "klagomal.toml",
        include_str!("../../workflows/klagomal.toml"),
    ),
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return; // the binary reads files as UTF-8 and refuses anything else first
    };
    // The last line a problem can sit on (one past a final newline counts).
    let last_line = text.split('\n').count();
    match parse("fuzz.toml", text) {
        Ok(def) => {
            let digest: String = Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(def.reference.hash, digest, "the hash is the text's SHA-256");
            assert_eq!(def.source, text, "the text is kept as given");
            let again = parse("again.toml", &def.source).expect("accepted once, accepted again");
            assert_eq!(again, def, "parsing is deterministic");
            assert!(def.reference.version >= 1);
            let initial = def.initial_state();
            assert!(def.state(&initial.id).is_some());
            for transition in &def.transitions {
                assert!(def.transition(&transition.name).is_some());
            }
            for format in [GraphFormat::Mermaid, GraphFormat::Dot] {
                assert!(!render(&def, format).is_empty());
            }
            for role in Role::ALL {
                let _ = def.states_acted_in_by(role);
            }
            // Beside the real lifecycles: a duplicate name or a missing
            // spawn target is an error, never a panic.
            let mut sources = REAL.to_vec();
            sources.push(("fuzz.toml", text));
            check_errors(Catalog::from_sources(sources).err(), "fuzz.toml", last_line);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a refusal names at least one problem");
            check_errors(Some(errors), "fuzz.toml", last_line);
        }
    }
});

fn check_errors(
    errors: Option<varna_workflow::definition::DefinitionErrors>,
    file: &str,
    last_line: usize,
) {
    for e in errors.iter().flat_map(|e| e.iter()) {
        assert!(e.line >= 1 && e.column >= 1, "positions are 1-based: {e}");
        if e.file == file {
            assert!(
                e.line <= last_line,
                "line {} past the end ({last_line}): {e}",
                e.line
            );
        }
        assert!(!e.message.is_empty());
        let _ = e.to_string();
    }
}
