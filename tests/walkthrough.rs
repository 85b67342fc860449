//! End to end: the real `varna serve --demo` on a free loopback port, on
//! SQLite and on PostgreSQL, driven over HTTP with the README's walkthrough
//! documents exactly as written; then the refusals (wrong role, wrong unit,
//! stale version, missing guard field) and a graceful stop on SIGTERM.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Server, token};
use serde_json::{Value, json};
use varna_testkit::PgCluster;
use varna_workflow::Role;

fn token_for(role: &str) -> String {
    let role: Role = role.parse().expect("a role");
    token(
        role,
        if role.is_unit_scoped() {
            &["linden"]
        } else {
            &[]
        },
    )
}

/// The README's walkthrough steps: (step, role, document).
fn walkthrough() -> Vec<(String, String, String)> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let mut steps = Vec::new();
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- e2e: step=") {
        rest = &rest[at + "<!-- e2e: step=".len()..];
        let (header, after) = rest.split_once("-->").expect("marker closes");
        let (step, role) = header.trim().split_once(" role=").expect("step and role");
        let start =
            after.find("```graphql\n").expect("a GraphQL block follows") + "```graphql\n".len();
        let end = start + after[start..].find("```").expect("block closes");
        steps.push((
            step.to_owned(),
            role.trim().to_owned(),
            after[start..end].to_owned(),
        ));
        rest = &after[end..];
    }
    steps
}

fn no_errors(step: &str, response: &Value) {
    assert!(response["errors"].is_null(), "{step}: {response:#}");
}

fn run_walkthrough(server: &Server) -> (String, String) {
    let steps = walkthrough();
    assert_eq!(
        steps.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(),
        [
            "file",
            "escalate",
            "mywork",
            "acknowledge",
            "immediate",
            "utredning",
            "rule",
            "decide",
            "register",
            "audit",
            "asruled",
            "whoread",
            "rulings",
            "report"
        ]
    );
    let mut vars: BTreeMap<&str, Value> = BTreeMap::new();
    let year: i64 = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse()
        .expect("a year");
    vars.insert("year", json!(year));
    vars.insert("from", json!(format!("{year}-01-01T00:00:00Z")));
    vars.insert("to", json!(format!("{}-01-01T00:00:00Z", year + 1)));
    for (step, role, document) in &steps {
        let variables: serde_json::Map<String, Value> = vars
            .iter()
            .filter(|(k, _)| document.contains(&format!("${k}")))
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let r = server.graphql(&token_for(role), document, &Value::Object(variables));
        no_errors(step, &r);
        let d = &r["data"];
        match step.as_str() {
            "file" => {
                assert_eq!(d["fileCase"]["case"]["state"]["id"], "registered");
                vars.insert("case", d["fileCase"]["caseId"].clone());
            }
            "escalate" => {
                assert_eq!(d["escalateAvvikelse"]["case"]["state"]["id"], "escalated");
                vars.insert("sarah", d["escalateAvvikelse"]["opened"][0].clone());
                assert_eq!(
                    d["escalateAvvikelse"]["case"]["links"][0]["otherCaseId"],
                    vars["sarah"]
                );
            }
            "mywork" => {
                let items = d["myWork"].as_array().expect("a list");
                assert!(!items.is_empty(), "the demo has work for the SAS");
                // Most urgent first: due times never decrease, and cases
                // without a running clock come last.
                let due: Vec<Option<&str>> = items
                    .iter()
                    .map(|i| i["nextDeadline"]["dueAt"].as_str())
                    .collect();
                let with: Vec<&str> = due.iter().flatten().copied().collect();
                assert!(with.windows(2).all(|w| w[0] <= w[1]), "{due:?}");
                assert!(
                    due.iter().skip_while(|d| d.is_some()).all(Option::is_none),
                    "{due:?}"
                );
            }
            "acknowledge" => {
                assert_eq!(d["transition"]["case"]["state"]["id"], "utredning");
                let clocks = d["transition"]["case"]["deadlines"]
                    .as_array()
                    .expect("deadlines");
                assert!(
                    clocks
                        .iter()
                        .any(|c| c["id"] == "sas_informed" && c["status"] == "met"),
                    "{clocks:?}"
                );
            }
            "immediate" => {
                let confirmed = &d["confirm"]["case"];
                assert_eq!(
                    confirmed["state"]["id"], "utredning",
                    "the step keeps the state"
                );
                assert!(
                    confirmed["deadlines"]
                        .as_array()
                        .expect("deadlines")
                        .iter()
                        .any(|c| c["id"] == "protective_measures" && c["status"] == "met"),
                    "{confirmed}"
                );
            }
            "utredning" => assert_eq!(d["view"]["version"], 13),
            "rule" => {
                assert_eq!(d["rule"]["case"]["state"]["id"], "ivo_decision");
                assert_eq!(d["rule"]["case"]["outcome"]["reportable"], true);
            }
            "decide" => assert_eq!(d["transition"]["case"]["state"]["id"], "anmalan_decided"),
            "register" => {
                assert_eq!(d["sent"]["case"]["state"]["id"], "anmald");
                let clocks = d["number"]["case"]["deadlines"].as_array().expect("clocks");
                assert!(
                    clocks
                        .iter()
                        .any(|c| c["id"] == "ivo_anmalan" && c["status"] == "met"),
                    "met by the send date, before IVO's number: {clocks:?}"
                );
                assert!(
                    !clocks.iter().any(|c| c["id"] == "utredning_to_ivo"),
                    "the utredning went with the anmälan: {clocks:?}"
                );
            }
            "audit" => {
                let case = &d["case"];
                assert_eq!(case["workflow"]["name"], "lex-sarah");
                let history = case["history"].as_array().expect("history");
                assert_eq!(
                    history.len(),
                    18,
                    "filed, linked, acknowledge, entry, protective measures, 8 entries, complete, rule, decide, sent, number"
                );
                assert_eq!(history[0]["eventType"], "filed");
                assert_eq!(history[16]["transition"], "register_ivo_anmalan");
                assert_eq!(history[17]["transition"], "record_ivo_diarienummer");
                assert_eq!(
                    case["auditChain"],
                    json!({ "intact": true, "eventsChecked": 18, "firstBreak": null })
                );
                let readers: Vec<&str> = case["accessLog"]
                    .as_array()
                    .expect("log")
                    .iter()
                    .filter_map(|e| e["role"].as_str())
                    .collect();
                for role in ["unit_manager", "sas", "committee", "auditor"] {
                    assert!(readers.contains(&role), "{role} read the case: {readers:?}");
                }
                let ruled = history
                    .iter()
                    .find(|e| e["transition"] == "propose_anmalan")
                    .expect("the ruling");
                vars.insert("ruled", ruled["sequence"].clone());
            }
            "asruled" => {
                let case = &d["case"];
                assert_eq!(case["state"]["id"], "ivo_decision", "{case}");
                assert_eq!(case["outcome"]["id"], "serious_missforhallande");
                assert_eq!(case["version"], vars["ruled"]);
                assert!(case["asOf"].is_string());
                assert_eq!(case["availableTransitions"], json!([]));
            }
            "rulings" => {
                let nodes = d["events"]["nodes"].as_array().expect("events");
                assert!(
                    nodes.iter().any(|n| n["caseId"] == vars["sarah"]
                        && n["event"]["actorRole"] == "sas"
                        && n["event"]["transition"] == "propose_anmalan"),
                    "the SAS's ruling is found: {}",
                    d["events"]
                );
            }
            "whoread" => {
                let log = &d["accessLog"];
                let nodes = log["nodes"].as_array().expect("reads");
                assert!(
                    nodes.iter().all(|n| n["caseId"] == vars["case"]),
                    "only reads of the cases about the person: {log}"
                );
                assert!(
                    nodes.iter().any(|n| n["role"] == "unit_manager"),
                    "the unit manager read the avvikelse: {log}"
                );
            }
            "report" => {
                // The demo's year of cases plus the walkthrough's own.
                let report = &d["qualityReport"];
                assert_eq!(report["year"], year);
                let rows = |table: &str| report[table].as_array().cloned().unwrap_or_default();
                let sarah_filed: i64 = rows("perLagrum")
                    .iter()
                    .filter(|r| r["kindLabel"] == "Lex Sarah")
                    .filter_map(|r| r["count"].as_i64())
                    .sum();
                assert!(sarah_filed >= 1, "{report:#}");
                let serious = rows("outcomes")
                    .into_iter()
                    .find(|o| {
                        o["kindLabel"] == "Lex Sarah" && o["label"] == "Allvarligt missförhållande"
                    })
                    .expect("the outcome row");
                assert!(serious["count"].as_i64() >= Some(1), "{serious}");
                let sarah_ivo = rows("ivo")
                    .into_iter()
                    .find(|r| r["kindLabel"] == "Lex Sarah")
                    .expect("IVO row");
                assert!(sarah_ivo["reported"].as_i64() >= Some(1), "{sarah_ivo}");
                assert!(
                    report["repeats"]["investigated"].as_i64() >= Some(sarah_filed),
                    "{report:#}"
                );
            }
            other => panic!("unexpected step {other}"),
        }
    }
    let id = |name: &str| vars[name].as_str().expect("an id").to_owned();
    (id("case"), id("sarah"))
}

fn code(r: &Value) -> &str {
    r["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
}

fn refusals(server: &Server, sarah: &str) {
    let v = json!({ "sarah": sarah });
    // Wrong role: a reporter cannot rule.
    let rule = r#"mutation($sarah: ID!) { transition(input: { caseId: $sarah, transition: "close_after_anmalan" }) { version } }"#;
    let r = server.graphql(&token(Role::UnitManager, &["linden"]), rule, &v);
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    // Wrong unit: another unit's manager cannot even see it.
    let read = r#"query($sarah: ID!) { case(id: $sarah) { state { id } } }"#;
    let r = server.graphql(&token(Role::UnitManager, &["hemtjanst-norr"]), read, &v);
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    // Stale version.
    let stale = r#"mutation($sarah: ID!) { transition(input: { caseId: $sarah, transition: "close_after_anmalan", expectedVersion: 3 }) { version } }"#;
    let r = server.graphql(&token(Role::Sas, &[]), stale, &v);
    assert_eq!(code(&r), "CONFLICT", "{r}");
    // Missing guard field: filing without what happened.
    let file = r#"mutation { fileCase(input: { kind: LEX_SARAH, lagrum: SOL, unit: "linden", fields: { occurred_on: "2026-11-20", affected_gender: "man" } }) { caseId } }"#;
    let r = server.graphql(&token(Role::Reporter, &["linden"]), file, &json!({}));
    assert_eq!(code(&r), "GUARD_FAILED", "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["missing"],
        json!(["what_happened"])
    );
    // No token at all.
    let (status, body) = server
        .request("POST", "/graphql", None, r#"{"query":"{ me { userId } }"}"#)
        .expect("request");
    assert_eq!(status, 401, "{body}");
    // Closing waits for the person to be told (or the reason it was not possible).
    let early = r#"mutation($sarah: ID!) { transition(input: { caseId: $sarah, transition: "close_after_anmalan", expectedVersion: 18 }) { version } }"#;
    let r = server.graphql(&token(Role::Sas, &[]), early, &v);
    assert_eq!(code(&r), "GUARD_FAILED", "{r}");
    // The right role closes it, with the information given.
    let close = r#"mutation($sarah: ID!) { transition(input: { caseId: $sarah, transition: "close_after_anmalan", expectedVersion: 18, fields: { individual_informed_on: "2026-11-21", individual_informed_how: "Samtal med brukaren och dottern" } }) { case { closed } } }"#;
    let r = server.graphql(&token(Role::Sas, &[]), close, &v);
    assert_eq!(r["data"]["transition"]["case"]["closed"], true, "{r}");
}

#[test]
fn walkthrough_on_sqlite() {
    let server = Server::demo(None);
    let (_, sarah) = run_walkthrough(&server);
    refusals(&server, &sarah);
    assert!(server.stop().success(), "a clean exit on SIGTERM");
}

#[test]
fn walkthrough_on_postgres() {
    let Some(pg) = PgCluster::start_or_skip("walkthrough_on_postgres") else {
        return;
    };
    let server = Server::demo(Some(pg.url()));
    let (_, sarah) = run_walkthrough(&server);
    refusals(&server, &sarah);
    assert!(server.stop().success(), "a clean exit on SIGTERM");
}
