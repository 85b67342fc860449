//! What the harness's tests share: running `varna-bench` with the
//! repository's workflows, and the `varna` command line through its hidden
//! `varna` subcommand (the same library code as the `varna` binary).
#![allow(unreachable_pub, dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `varna-bench` with the repository's workflows, no database URL
/// from the environment, and its own server child.
pub fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_varna-bench"))
        .args(args)
        .env_remove("VARNA_DATABASE_URL")
        .env_remove("VARNA_BIN")
        .env(
            "VARNA_WORKFLOWS_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../workflows"),
        )
        .output()
        .expect("varna-bench runs")
}

/// Runs the `varna` command line (`varna-bench varna ARGS`).
pub fn varna(args: &[&str]) -> Output {
    let mut all = vec!["varna"];
    all.extend(args);
    bench(&all)
}

/// Standard output and standard error, together.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `varna-bench` and asserts success; returns what it printed.
pub fn ok(args: &[&str]) -> String {
    let out = bench(args);
    assert!(out.status.success(), "varna-bench {args:?}: {}", text(&out));
    text(&out)
}

/// Runs `varna` and asserts success; returns what it printed.
pub fn varna_ok(args: &[&str]) -> String {
    let out = varna(args);
    assert!(out.status.success(), "varna {args:?}: {}", text(&out));
    text(&out)
}

/// Registers the unit `linden` in the database at `url` (creating it).
pub fn add_linden(url: &str) {
    varna_ok(&[
        "units",
        "add",
        "linden",
        "--name",
        "Linden",
        "--area",
        "aldreomsorg",
        "--area-name",
        "Äldreomsorg",
        "--database-url",
        url,
    ]);
}
