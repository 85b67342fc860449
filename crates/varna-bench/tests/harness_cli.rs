//! The benchmark and robustness harness as `just bench` / `just robustness`
//! run it, in miniature, on SQLite and PostgreSQL: the crash test kills the
//! server under load and finds nothing lost; the write and read
//! benchmarks measure every path they name; bad arguments get clear errors.

mod common;

use common::{bench, ok, text, varna_ok};
use varna_testkit::PgCluster;

/// The crash test's verdict lines, checked one by one.
fn crash_test_passes(url: &str) {
    let out = ok(&[
        "crash",
        "--kills",
        "3",
        "--clients",
        "3",
        "--seed",
        "7",
        "--database-url",
        url,
    ]);
    assert!(
        out.contains("3 kills with SIGKILL under 3 writing clients"),
        "{out}"
    );
    assert!(out.contains("restarts: 4"), "{out}");
    assert!(out.contains("acknowledged but missing: 0"), "{out}");
    assert!(out.contains("projections vs a rebuild: equal"), "{out}");
    assert!(out.contains("audit chain: intact"), "{out}");
    assert!(out.lines().any(|l| l == "PASS"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    let acknowledged: u64 = out
        .split(" commands acknowledged on ")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a count of acknowledged commands");
    assert!(acknowledged > 0, "{out}");
    // What the crash test left behind verifies with the operator's tools.
    let verified = varna_ok(&["audit", "verify", "--database-url", url]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    let checked = varna_ok(&["projections", "check", "--database-url", url]);
    assert!(
        checked.contains("projections match the event log"),
        "{checked}"
    );
}

/// Every path and client count of the write benchmark, and its ratios.
fn write_benchmark_measures_every_path(url: &str) {
    let out = ok(&[
        "write",
        "--seconds",
        "0.5",
        "--clients",
        "1,2",
        "--raw-rates",
        "1=100000,2=200000",
        "--database-url",
        url,
    ]);
    for path in [
        "single-row transactions (driver)",
        "commands via the store API",
        "commands via GraphQL over HTTP",
    ] {
        for clients in [1, 2] {
            let line = out
                .lines()
                .find(|l| {
                    l.starts_with(path)
                        && l[path.len()..].split_whitespace().next() == Some(&clients.to_string())
                })
                .unwrap_or_else(|| panic!("no {path} line for {clients} clients:\n{out}"));
            let ops: u64 = line
                .split_whitespace()
                .rev()
                .nth(3)
                .and_then(|n| n.parse().ok())
                .expect(line);
            assert!(ops > 0, "{line}");
        }
    }
    // Ratios against the database's own limit, as given.
    assert!(out.contains("1 client(s): store API "), "{out}");
    assert!(out.contains("2 client(s): store API "), "{out}");
    assert!(out.contains("% of raw, GraphQL over HTTP "), "{out}");
    assert!(
        out.contains("(raw: the database's own limit, 100000 tx/s;"),
        "{out}"
    );
    assert!(
        out.contains("(raw: the database's own limit, 200000 tx/s;"),
        "{out}"
    );
    // Without it, against single-row transactions through Varna's driver.
    let out = ok(&[
        "write",
        "--seconds",
        "0.3",
        "--clients",
        "1",
        "--no-http",
        "--database-url",
        url,
    ]);
    assert!(
        out.contains("1 client(s): store API ") && out.contains("% of driver"),
        "{out}"
    );
    assert!(!out.contains("GraphQL over HTTP"), "{out}");
}

fn read_benchmark_measures_both_queries(url: &str) {
    ok(&[
        "seed",
        "--cases",
        "400",
        "--units",
        "8",
        "--database-url",
        url,
    ]);
    let out = ok(&[
        "read",
        "--seconds",
        "0.5",
        "--clients",
        "1,3",
        "--database-url",
        url,
    ]);
    assert!(out.contains("400 cases sampled in 8 units"), "{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("case(id) { history }"))
            .count(),
        2,
        "{out}"
    );
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("cases page (unit, kind)"))
            .count(),
        2,
        "{out}"
    );
    assert!(out.contains("cold start to /ready: "), "{out}");
    assert!(out.contains("MiB, peak under load "), "{out}");
}

#[test]
fn crash_test_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/crash.db?mode=rwc", dir.path().display());
    crash_test_passes(&url);
}

#[test]
fn crash_test_on_postgres() {
    let Some(cluster) = PgCluster::start_or_skip("harness_cli::crash_test_on_postgres") else {
        return;
    };
    crash_test_passes(&cluster.url());
}

#[test]
fn write_and_read_benchmarks_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    read_benchmark_measures_both_queries(&url);
    write_benchmark_measures_every_path(&url);
}

#[test]
fn write_and_read_benchmarks_on_postgres() {
    let Some(cluster) =
        PgCluster::start_or_skip("harness_cli::write_and_read_benchmarks_on_postgres")
    else {
        return;
    };
    read_benchmark_measures_both_queries(&cluster.url());
    write_benchmark_measures_every_path(&cluster.url());
}

#[test]
fn harness_arguments_are_checked_with_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/h.db?mode=rwc", dir.path().display());
    let cases = [
        (
            vec!["write", "--clients", "0"],
            "--clients takes counts from 1 to 1000",
        ),
        (
            vec!["write", "--seconds", "0"],
            "--seconds must be more than 0",
        ),
        (vec!["crash", "--kills", "0"], "0 is not in 1..=10000"),
        (vec!["write", "--raw-rates", "8"], "expected CLIENTS=RATE"),
        (
            vec!["write", "--raw-rates", "8=fast"],
            "is not a positive rate",
        ),
    ];
    for (args, expected) in cases {
        let mut args = args;
        args.extend(["--database-url", &url]);
        let out = bench(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    }
    // Reading needs data: an empty database says how to fill it.
    common::add_linden(&url);
    let out = bench(&["read", "--seconds", "0.2", "--database-url", &url]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("fill it first with `varna-bench seed`"),
        "{}",
        text(&out)
    );
    // A missing database file is not created by a benchmark that reads.
    let missing = format!("sqlite://{}/none.db", dir.path().display());
    let out = bench(&["read", "--database-url", &missing]);
    assert!(!out.status.success());
    assert!(text(&out).contains("no database file"), "{}", text(&out));
}

#[test]
fn help_lists_every_harness_command() {
    let help = ok(&["--help"]);
    for command in ["seed", "report", "write", "read", "crash"] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "{command}: {help}"
        );
    }
    assert!(
        !help.lines().any(|l| l.trim_start().starts_with("varna ")),
        "the varna subcommand (the server child) is hidden: {help}"
    );
    for command in ["seed", "report", "write", "read", "crash"] {
        let out = ok(&[command, "--help"]);
        assert!(out.contains("Usage: varna-bench"), "{command}: {out}");
    }
}
