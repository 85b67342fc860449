//! Integration tests of throwaway clusters: connecting with `psql`, creating
//! databases, cleanup on drop and on panic, parallel clusters, durability.

use std::net::TcpStream;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use varna_testkit::{PgCluster, PgError};

/// Runs `sql` in `database` with `psql` over TCP and returns its unaligned output.
fn psql(pg: &PgCluster, database: &str, sql: &str) -> String {
    let bundled = pg.bin_dir().join("psql");
    let program = if bundled.is_file() {
        bundled
    } else {
        PathBuf::from("psql")
    };
    let out = Command::new(program)
        .args([
            "-X",
            "-q",
            "-tA",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
        ])
        .arg(pg.port().to_string())
        .args(["-U", "varna", "-d", database, "-c", sql])
        .env_remove("PGPASSWORD")
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn select_one_via_psql() {
    let started = Instant::now();
    let Some(pg) = PgCluster::start_or_skip("select_one_via_psql") else {
        return;
    };
    eprintln!("cluster started in {:?}", started.elapsed());
    assert_eq!(
        pg.url(),
        format!("postgres://varna@127.0.0.1:{}/postgres", pg.port())
    );
    assert_eq!(psql(&pg, "postgres", "select 1"), "1");
    assert_eq!(psql(&pg, "postgres", "select current_user"), "varna");
    assert_eq!(psql(&pg, "postgres", "show listen_addresses"), "127.0.0.1");
    let socket_dir = psql(&pg, "postgres", "show unix_socket_directories");
    assert_eq!(PathBuf::from(socket_dir), pg.data_dir().parent().unwrap());
}

#[test]
fn fast_by_default_durable_on_request() {
    let Some(fast) = PgCluster::start_or_skip("fast_by_default_durable_on_request") else {
        return;
    };
    assert_eq!(psql(&fast, "postgres", "show fsync"), "off");
    assert_eq!(psql(&fast, "postgres", "show synchronous_commit"), "off");
    assert_eq!(psql(&fast, "postgres", "show full_page_writes"), "off");
    drop(fast);

    let durable = PgCluster::builder()
        .durable(true)
        .start_or_skip("fast_by_default_durable_on_request")
        .expect("installed a moment ago");
    assert_eq!(psql(&durable, "postgres", "show fsync"), "on");
    assert_eq!(psql(&durable, "postgres", "show synchronous_commit"), "on");
    assert_eq!(psql(&durable, "postgres", "show full_page_writes"), "on");
}

#[test]
fn create_database_and_connect() {
    let Some(pg) = PgCluster::start_or_skip("create_database_and_connect") else {
        return;
    };
    let url = pg.create_database("app_test_1").expect("createdb");
    assert_eq!(
        url,
        format!("postgres://varna@127.0.0.1:{}/app_test_1", pg.port())
    );
    assert_eq!(
        psql(&pg, "app_test_1", "select current_database()"),
        "app_test_1"
    );
    psql(
        &pg,
        "app_test_1",
        "create table t (x int); insert into t values (42)",
    );
    assert_eq!(psql(&pg, "app_test_1", "select x from t"), "42");

    let again = pg.create_database("app_test_1").unwrap_err();
    assert!(
        matches!(&again, PgError::Command { output, .. } if output.contains("already exists")),
        "{again}"
    );
    for bad in ["", "App", "a-b", "a b", "x;drop", &"a".repeat(64)] {
        assert!(
            matches!(pg.create_database(bad), Err(PgError::InvalidName { .. })),
            "{bad:?} accepted"
        );
    }
}

#[test]
fn drop_stops_server_and_removes_directory() {
    let Some(pg) = PgCluster::start_or_skip("drop_stops_server_and_removes_directory") else {
        return;
    };
    let port = pg.port();
    let data_dir = pg.data_dir().to_owned();
    let temp_dir = data_dir.parent().unwrap().to_owned();
    assert!(data_dir.join("PG_VERSION").is_file());
    TcpStream::connect(("127.0.0.1", port)).expect("server accepts TCP");

    drop(pg);
    assert!(!data_dir.exists(), "{} still exists", data_dir.display());
    assert!(!temp_dir.exists(), "{} still exists", temp_dir.display());
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "port {port} still accepts connections"
    );
}

#[test]
fn panicking_test_still_cleans_up() {
    let Some(pg) = PgCluster::start_or_skip("panicking_test_still_cleans_up") else {
        return;
    };
    let port = pg.port();
    let data_dir = pg.data_dir().to_owned();
    let result = panic::catch_unwind(AssertUnwindSafe(move || {
        let _pg = pg;
        panic!("test body fails while the cluster is alive");
    }));
    assert!(result.is_err());
    assert!(!data_dir.exists(), "{} still exists", data_dir.display());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn two_clusters_at_once_get_different_ports() {
    let Some(a) = PgCluster::start_or_skip("two_clusters_at_once_get_different_ports") else {
        return;
    };
    let b = PgCluster::start().expect("second cluster");
    assert_ne!(a.port(), b.port());
    assert_ne!(a.data_dir(), b.data_dir());
    psql(&a, "postgres", "create table only_in_a (x int)");
    assert_eq!(
        psql(
            &a,
            "postgres",
            "select count(*) from pg_tables where tablename = 'only_in_a'"
        ),
        "1"
    );
    assert_eq!(
        psql(
            &b,
            "postgres",
            "select count(*) from pg_tables where tablename = 'only_in_a'"
        ),
        "0"
    );
}
