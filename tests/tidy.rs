//! The architecture invariants of ARCHITECTURE.md, checked on the source
//! text (as rust-analyzer's `xtask/src/tidy.rs` does): a rule nothing
//! checks is broken within weeks. Each check names the file and line that
//! breaks it. There are no listed exceptions: a rule with one is a rule
//! that is already being broken.

use std::path::{Path, PathBuf};

/// The longest non-test source file, in lines.
const MAX_LINES: usize = 800;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under the crates' and the binary's `src/` folders
/// (tests, benches and examples are not production code), as a path
/// relative to the root with `/` separators.
fn sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut folders = vec![root().join("src")];
    for entry in std::fs::read_dir(root().join("crates")).expect("crates/") {
        folders.push(entry.expect("an entry").path().join("src"));
    }
    while let Some(dir) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("readable");
                out.push((relative(&path), text));
            }
        }
    }
    out.sort();
    out
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .expect("under the root")
        .to_string_lossy()
        .replace('\\', "/")
}

/// The lines of `text` before its `#[cfg(test)]` module, numbered from 1.
fn production_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .take_while(|(_, l)| l.trim() != "#[cfg(test)]")
}

/// Where `needle` is named (as a path, not in a comment) outside the
/// files whose paths start with one of `allowed`.
fn named_outside(needle: &str, allowed: &[&str]) -> Vec<String> {
    sources()
        .iter()
        .filter(|(path, _)| !allowed.iter().any(|a| path.starts_with(a)))
        .flat_map(|(path, text)| {
            production_lines(text)
                .filter(|(_, l)| {
                    let code = l.split("//").next().unwrap_or_default();
                    code.contains(needle)
                })
                .map(move |(n, _)| format!("{path}:{n}"))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn only_the_store_names_sea_orm() {
    let found = named_outside("sea_orm", &["crates/varna-store/"]);
    assert!(
        found.is_empty(),
        "Architecture Invariant: only varna-store names sea_orm; found at {found:?}"
    );
}

#[test]
fn only_the_api_names_async_graphql() {
    let found = named_outside("async_graphql", &["crates/varna-api/"]);
    assert!(
        found.is_empty(),
        "Architecture Invariant: only varna-api names async_graphql; found at {found:?}"
    );
}

#[test]
fn the_pages_go_through_the_application_layer() {
    let found: Vec<String> = ["varna_store", "varna_api::schema", "policy::may_read"]
        .iter()
        .flat_map(|needle| {
            named_outside(
                needle,
                &[
                    "crates/varna-api/",
                    "crates/varna-app/",
                    "crates/varna-store/",
                    "crates/varna-report/",
                    "crates/varna-testkit/",
                    "crates/varna-notify/",
                    "crates/varna-bench/",
                    "src/",
                ],
            )
        })
        .collect();
    assert!(
        found.is_empty(),
        "Architecture Invariant: the web reads and writes through varna_app::Session only; found at {found:?}"
    );
}

#[test]
fn the_engine_does_no_io_and_reads_no_clock() {
    let mut found = Vec::new();
    for needle in [
        "tokio",
        "std::fs",
        "std::net",
        "Utc::now",
        "Local::now",
        "SystemTime",
        "Instant::now",
    ] {
        let in_engine = named_outside(needle, &[])
            .into_iter()
            .filter(|at| at.starts_with("crates/varna-workflow/"))
            .map(|at| format!("{needle} at {at}"));
        found.extend(in_engine);
    }
    assert!(
        found.is_empty(),
        "Architecture Invariant: varna-workflow has no I/O, no async runtime and no clock; found {found:?}"
    );
}

#[test]
fn no_source_file_is_two_concepts_long() {
    let long: Vec<String> = sources()
        .iter()
        .filter_map(|(path, text)| {
            let n = production_lines(text).count();
            (n > MAX_LINES).then(|| format!("{path}: {n} lines"))
        })
        .collect();
    assert!(
        long.is_empty(),
        "a source file past {MAX_LINES} lines usually holds two concepts: split {long:?}"
    );
}

/// Whether the item on line `n` (1-based) of `lines` has a doc comment
/// above it (attributes, also ones over several lines, may stand between).
fn documented(lines: &[&str], n: usize) -> bool {
    let mut above = lines[..n - 1].iter().rev().map(|l| l.trim());
    while let Some(line) = above.next() {
        if line.is_empty() || line.starts_with("#[") {
            continue;
        }
        if line.ends_with(']') {
            // The last line of an attribute over several lines.
            if above.by_ref().any(|l| l.starts_with("#[")) {
                continue;
            }
            return false;
        }
        return line.starts_with("///") || line.starts_with("//!");
    }
    false
}

/// Whether the module a `pub mod name;` in `path` declares opens with a
/// `//!` comment (a module's doc lives in its own file).
fn module_documented(path: &str, name: &str) -> bool {
    let file = root().join(path);
    let dir = file.parent().expect("a folder");
    let dir = match file.file_name().and_then(|f| f.to_str()) {
        Some("lib.rs" | "main.rs" | "mod.rs") => dir.to_path_buf(),
        _ => dir.join(file.file_stem().expect("a name")),
    };
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
    .iter()
    .filter_map(|f| std::fs::read_to_string(f).ok())
    .any(|text| text.trim_start().starts_with("//!"))
}

/// Folders of private modules whose items are not public API: the store's
/// sea-orm entities (`mod entities`, the derive's shape).
const PRIVATE_FOLDERS: [&str; 1] = ["crates/varna-store/src/entities/"];

#[test]
fn every_public_item_has_a_doc_comment() {
    let kinds = [
        "pub fn ",
        "pub async fn ",
        "pub struct ",
        "pub enum ",
        "pub trait ",
        "pub const ",
        "pub static ",
        "pub type ",
        "pub mod ",
    ];
    let mut missing = Vec::new();
    for (path, text) in sources() {
        if PRIVATE_FOLDERS.iter().any(|f| path.starts_with(f)) {
            continue;
        }
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in production_lines(&text) {
            let code = line.trim_start();
            // Items at the top level or in an impl (four spaces), not fields.
            let indent = line.len() - code.len();
            if indent > 4 || !kinds.iter().any(|k| code.starts_with(k)) {
                continue;
            }
            let ok = match code
                .strip_prefix("pub mod ")
                .and_then(|m| m.strip_suffix(';'))
            {
                Some(module) => module_documented(&path, module),
                None => documented(&lines, n),
            };
            if !ok {
                missing.push(format!("{path}:{n}: {}", code.trim_end()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "every public item says what it is for (a /// comment):\n{}",
        missing.join("\n")
    );
}

/// What marks a citation of a law or regulation: a section sign, a
/// chapter, a statute's number or the name of one by paragraph.
const CITATIONS: [&str; 8] = [
    "§", " kap.", "SOSFS", "HSLF-FS", "SFS 1", "SFS 2", "SoLPuL", "PDL 4",
];

/// The lines of `text` that cite the law.
fn citations(text: &str) -> Vec<usize> {
    production_lines(text)
        .filter(|(_, l)| CITATIONS.iter().any(|c| l.contains(c)))
        .map(|(n, _)| n)
        .collect()
}

/// The law is data: a legal reference lives in the lifecycle files under
/// `workflows/` (shown to users from there), never in Rust code, not even
/// in a comment or a GraphQL description, where it would go stale when
/// the law changes.
#[test]
fn no_rust_code_cites_the_law() {
    let found: Vec<String> = sources()
        .iter()
        .flat_map(|(path, text)| {
            citations(text)
                .into_iter()
                .map(move |n| format!("{path}:{n}"))
        })
        .collect();
    assert!(
        found.is_empty(),
        "legal references belong in workflows/, not in Rust code:\n{}",
        found.join("\n")
    );
}

/// The checks above catch what they are meant to: each fails on a made-up
/// file that breaks its rule.
#[test]
fn the_checks_catch_a_broken_rule() {
    let text = "use sea_orm::Entity;\n\npub fn undocumented() {}\n\n/// Fine.\npub fn documented() {}\n/// Also fine.\n#[error(\n    \"text\"\n)]\npub struct E;\n#[derive(Debug)]\npub struct Bare;\n#[cfg(test)]\nmod tests {\n    pub fn in_tests() {}\n}\n";
    let lines: Vec<&str> = text.lines().collect();
    assert!(!documented(&lines, 3), "an undocumented item is caught");
    assert!(documented(&lines, 6), "a documented one is not");
    assert!(documented(&lines, 11), "nor one under a long attribute");
    assert!(!documented(&lines, 13), "an attribute is not a doc comment");
    assert_eq!(
        production_lines(text).count(),
        13,
        "test modules are not counted"
    );
    assert!(
        !module_documented("crates/varna-api/src/lib.rs", "no_such_module"),
        "a module without a file (or without //!) is caught"
    );
    assert!(module_documented("crates/varna-app/src/lib.rs", "policy"));
    let code = lines[0].split("//").next().unwrap_or_default();
    assert!(code.contains("sea_orm"), "a use of sea_orm is caught");
    assert_eq!(
        citations("/// Journal (SOSFS 2011:5 5 kap.).\nfn a() {}\n// SoL 27 kap. 1 §\n"),
        [1, 3],
        "a citation is caught, in a comment too"
    );
    assert!(
        citations("/// Lex Sarah (SoL/LSS).\n").is_empty(),
        "a lagrum code is not one"
    );
}
