//! Taking Varna into use: the binary carries its lifecycles, so it runs from
//! any folder; `varna workflows export` writes them out for customising;
//! the demo shows one progress line and ends with its people and address.

mod common;

use std::path::Path;
use std::process::Command;

use common::{SECRET, Server, text, token};
use serde_json::json;
use varna_workflow::Role;

/// `varna` with no settings from the environment, in `cwd`.
fn bare(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_varna"));
    command
        .current_dir(cwd)
        .env_remove("VARNA_WORKFLOWS_DIR")
        .env_remove("VARNA_DATABASE_URL")
        .env_remove("VARNA_LOG")
        .env_remove("VARNA_JWT_SECRET")
        .env_remove("VARNA_CHECKPOINT_DIR")
        .env_remove("VARNA_CHECKPOINT_KEY");
    command
}

/// The lifecycle files of `folder` (the `.toml` files and the README) by
/// name, with their text.
fn lifecycle_files(folder: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") || p.ends_with("README.md"))
        .map(|p| {
            (
                p.file_name()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read_to_string(&p).expect("readable"),
            )
        })
        .collect();
    files.sort();
    files
}

/// The repository's lifecycle files, as the binary was built with them.
fn shipped_files() -> Vec<(String, String)> {
    lifecycle_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows"))
}

#[test]
fn serve_demo_runs_from_an_empty_folder_and_ends_with_the_tokens_and_the_address() {
    let cwd = tempfile::tempdir().expect("an empty folder");
    let logs = tempfile::tempdir().expect("a folder for the output");
    let port = Server::free_port();
    let child = bare(cwd.path())
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("VARNA_DEMO_JWT_SECRET", SECRET)
        .stdout(std::fs::File::create(logs.path().join("out")).expect("a file"))
        .stderr(std::fs::File::create(logs.path().join("err")).expect("a file"))
        .spawn()
        .expect("varna serve starts");
    let folder = cwd.path().to_path_buf();
    let server = Server::wait_ready(child, port, cwd);

    // The built-in lifecycles answer, and the default database is a file here.
    let listed = server.graphql(
        &token(Role::Auditor, &[]),
        "{ workflows { name } }",
        &json!({}),
    );
    let mut names: Vec<String> = listed["data"]["workflows"]
        .as_array()
        .expect("the lifecycles")
        .iter()
        .map(|w| w["name"].as_str().expect("a name").to_owned())
        .collect();
    names.sort();
    let mut shipped: Vec<String> = shipped_files()
        .into_iter()
        .filter_map(|(name, _)| name.strip_suffix(".toml").map(str::to_owned))
        .collect();
    shipped.sort();
    assert_eq!(names, shipped);
    assert!(
        folder.join("varna.db").exists(),
        "the database is made in the folder"
    );
    assert!(!folder.join("workflows").exists());
    let (status, page) = server
        .request("GET", "/signin", None, "")
        .expect("the sign-in page");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Eva Berg"), "the demo people can sign in");

    // Quiet: a progress line and warnings, not a line per case; the token
    // block and the address last on standard output.
    let out = std::fs::read_to_string(logs.path().join("out")).expect("stdout");
    let err = std::fs::read_to_string(logs.path().join("err")).expect("stderr");
    assert!(err.lines().count() < 10, "a quiet demo: {err}");
    assert!(err.contains("Loading the demo organisation:"), "{err}");
    assert!(!err.contains("command applied"), "{err}");
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = lines.last().expect("output");
    assert!(
        last.starts_with(&format!("Varna is ready: open http://127.0.0.1:{port}/")),
        "{out}"
    );
    let loaded = lines
        .iter()
        .position(|l| l.starts_with("Demo organisation loaded: 14 users"))
        .expect("the demo block");
    let tokens = &lines[loaded + 2..lines.len() - 1];
    assert_eq!(tokens.len(), 14, "{out}");
    assert!(tokens.iter().all(|l| l.contains("eyJ")), "{out}");
    assert!(server.stop().success());
}

#[test]
fn workflows_export_writes_the_built_in_lifecycles_out_for_customising() {
    let cwd = tempfile::tempdir().expect("an empty folder");
    let checked = bare(cwd.path())
        .args(["workflows", "check"])
        .output()
        .expect("runs");
    assert!(checked.status.success(), "{}", text(&checked));
    assert!(text(&checked).contains("are valid"), "{}", text(&checked));
    assert!(text(&checked).contains("built-in"), "{}", text(&checked));

    let exported = bare(cwd.path())
        .args(["workflows", "export", "mine"])
        .output()
        .expect("runs");
    assert!(exported.status.success(), "{}", text(&exported));
    assert!(
        text(&exported).contains("--workflows mine"),
        "{}",
        text(&exported)
    );
    // Everything written is a lifecycle file or the README, and they are
    // the shipped ones.
    let entries = std::fs::read_dir(cwd.path().join("mine"))
        .expect("the folder is made")
        .count();
    let written = lifecycle_files(&cwd.path().join("mine"));
    assert_eq!(entries, written.len(), "nothing else is written");
    assert_eq!(
        written,
        shipped_files(),
        "the exported files are the shipped ones"
    );

    // A customised file is not overwritten by accident.
    let custom = cwd.path().join("mine/avvikelse.toml");
    std::fs::write(&custom, "# mine\n").expect("writes");
    let again = bare(cwd.path())
        .args(["workflows", "export", "mine"])
        .output()
        .expect("runs");
    assert!(!again.status.success());
    assert!(text(&again).contains("--force"), "{}", text(&again));
    assert_eq!(std::fs::read_to_string(&custom).expect("kept"), "# mine\n");
    let forced = bare(cwd.path())
        .args(["workflows", "export", "mine", "--force"])
        .output()
        .expect("runs");
    assert!(forced.status.success(), "{}", text(&forced));
    assert_ne!(
        std::fs::read_to_string(&custom).expect("rewritten"),
        "# mine\n"
    );

    let folder = bare(cwd.path())
        .args(["workflows", "check", "mine"])
        .output()
        .expect("runs");
    assert!(folder.status.success(), "{}", text(&folder));
    let graph = bare(cwd.path())
        .args(["workflows", "graph", "lex-sarah"])
        .output()
        .expect("runs");
    assert!(graph.status.success(), "{}", text(&graph));
    assert!(
        text(&graph).starts_with("stateDiagram-v2"),
        "{}",
        text(&graph)
    );
}
