//! `/metrics` as Prometheus scrapes it: commands and reads counted by
//! outcome with latency histograms, the notification backlog, overdue
//! deadlines, the access-log writer and the pool; behind a bearer token, or
//! on an address of its own. Only fixed words and numbers: no case id.

mod common;

use std::io::{Read, Write};

use common::{Server, add_linden, token};
use serde_json::json;
use varna_workflow::Role;

const SCRAPE_TOKEN: &str = "scrape-token-for-the-test";

/// GET /metrics on `port`, with a bearer token if given: status, content type, body.
fn scrape(port: u16, bearer: Option<&str>) -> (u16, String, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let auth = bearer
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("writes");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("reads");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let content_type = head
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_owned();
    (status, content_type, body.to_owned())
}

/// The value of the sample whose name and labels are exactly `series`.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
        .trim()
        .parse()
        .expect("a number")
}

#[test]
fn metrics_count_commands_and_reads_by_outcome_and_show_the_backlog_behind_a_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
    add_linden(&url);
    let server = Server::start(&url, &["--metrics-token", SCRAPE_TOKEN], &[], dir);
    let manager = token(Role::UnitManager, &["linden"]);

    let filed = server.graphql(
        &manager,
        "mutation($input: FileCaseInput!) { fileCase(input: $input) { caseId } }",
        &json!({ "input": {
            "workflow": "lex-sarah", "lagrum": "SOL", "unit": "linden",
            "fields": { "what_happened": "Fick fel medicin", "occurred_on": "2026-11-01", "affected_gender": "kvinna" }
        } }),
    );
    let id = filed["data"]["fileCase"]["caseId"]
        .as_str()
        .unwrap_or_else(|| panic!("filed: {filed}"))
        .to_owned();
    let read = server.graphql(
        &manager,
        "query($id: ID!) { case(id: $id) { id } }",
        &json!({ "id": id }),
    );
    assert_eq!(read["data"]["case"]["id"], id.as_str(), "{read}");
    let missing = server.graphql(
        &manager,
        "query($id: ID!) { case(id: $id) { id } }",
        &json!({ "id": "01900000-0000-7000-8000-000000000000" }),
    );
    assert!(missing["data"]["case"].is_null(), "{missing}");

    // Not without the token.
    assert_eq!(scrape(server.port, None).0, 401);
    assert_eq!(scrape(server.port, Some("a-wrong-token")).0, 401);
    let (status, content_type, text) = scrape(server.port, Some(SCRAPE_TOKEN));
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");

    assert_eq!(
        value(
            &text,
            r#"varna_commands_total{operation="file",outcome="ok"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &text,
            r#"varna_command_duration_seconds_count{operation="file",outcome="ok"}"#
        ),
        1.0
    );
    assert!(
        value(
            &text,
            r#"varna_command_duration_seconds_sum{operation="file",outcome="ok"}"#
        ) > 0.0
    );
    assert!(
        text.contains(
            r#"varna_command_duration_seconds_bucket{le="+Inf",operation="file",outcome="ok"} 1"#
        ) || text.contains(
            r#"varna_command_duration_seconds_bucket{operation="file",outcome="ok",le="+Inf"} 1"#
        ),
        "{text}"
    );
    assert!(
        value(
            &text,
            r#"varna_case_reads_total{operation="case",outcome="ok"}"#
        ) >= 1.0
    );
    assert_eq!(
        value(
            &text,
            r#"varna_case_reads_total{operation="case",outcome="not_found"}"#
        ),
        1.0
    );
    // The SAS is told of a lex Sarah report at once; with no channel configured it waits.
    assert!(
        value(&text, "varna_notifications_undelivered") >= 1.0,
        "{text}"
    );
    assert!(value(&text, "varna_notifications_oldest_undelivered_age_seconds") >= 0.0);
    assert_eq!(value(&text, "varna_deliveries_dead"), 0.0);
    assert_eq!(value(&text, "varna_deadlines_overdue"), 0.0);
    assert_eq!(value(&text, "varna_access_log_queued_reads"), 0.0);
    assert!(value(&text, "varna_db_pool_connections") >= 1.0);
    assert_eq!(value(&text, "varna_commands_waiting_for_writer"), 0.0);
    let transactions = value(&text, "varna_command_transactions_total");
    assert!(transactions >= 1.0, "{text}");
    assert!(value(&text, "varna_commands_committed_total") >= transactions);
    assert!(!text.contains(&id), "no case id in the metrics");
    assert!(!text.contains("linden"), "no unit in the metrics");
    server.stop();
}

#[test]
fn metrics_on_an_address_of_their_own_are_not_on_the_main_one() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
    add_linden(&url);
    let port = Server::free_port();
    let address = format!("127.0.0.1:{port}");
    let server = Server::start(&url, &["--metrics-listen", &address], &[], dir);
    let (status, _, text) = scrape(port, None);
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("varna_db_pool_connections"), "{text}");
    assert_eq!(scrape(server.port, None).0, 404, "not on the main address");
    server.stop();
}
