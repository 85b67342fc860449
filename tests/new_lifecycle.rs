//! A lifecycle is data: a made-up lifecycle file (an egenkontroll finding,
//! `tests/fixtures/egenkontroll.toml`) beside the shipped ones is
//! loaded by `varna serve --workflows DIR`, and a case of it is filed,
//! walked to its end, found again and reported over GraphQL — with no Rust
//! change. (The same file through the web: `varna-web`'s pages test
//! `a_lifecycle_file_no_code_knows_is_filed_walked_and_reported_in_the_pages`.)

mod common;

use common::{Server, add_linden, token};
use serde_json::{Value, json};
use varna_workflow::Role;

const CASE: &str = "query($id: ID!) { case(id: $id) { kind workflow { name } closed version \
    state { id labelSv } deadlines { id labelSv status } \
    availableTransitions { name labelSv missingFields } } }";

fn data<'a>(answer: &'a Value, field: &str) -> &'a Value {
    assert!(answer["errors"].is_null(), "{answer}");
    &answer["data"][field]
}

#[test]
fn a_new_lifecycle_file_is_filed_walked_listed_and_reported_through_the_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let workflows = dir.path().join("workflows");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The shipped lifecycles written out as a municipality would to customise them.
    common::ok(&["workflows", "export", &workflows.to_string_lossy()]);
    std::fs::copy(
        root.join("tests/fixtures/egenkontroll.toml"),
        workflows.join("egenkontroll.toml"),
    )
    .expect("copies");
    let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
    add_linden(&url);
    let folder = workflows.to_string_lossy().into_owned();
    let server = Server::start(&url, &["--workflows", &folder], &[], dir);
    let manager = token(Role::UnitManager, &["linden"]);

    let listed = server.graphql(&manager, "{ workflows { name labelSv } }", &json!({}));
    assert!(
        data(&listed, "workflows")
            .as_array()
            .expect("a list")
            .iter()
            .any(|w| w["name"] == "egenkontroll" && w["labelSv"] == "Egenkontroll"),
        "{listed}"
    );

    let filed = server.graphql(
        &manager,
        "mutation($input: FileCaseInput!) { fileCase(input: $input) { caseId } }",
        &json!({ "input": {
            "workflow": "egenkontroll", "lagrum": "SOL", "unit": "linden",
            "fields": { "finding": "Larmet på avdelning 2 fungerade inte vid kontrollen" }
        } }),
    );
    let id = data(&filed, "fileCase")["caseId"].clone();
    let case = server.graphql(&manager, CASE, &json!({ "id": id }));
    let case = data(&case, "case");
    assert_eq!(case["kind"], Value::Null, "not one of the four kinds");
    assert_eq!(case["workflow"]["name"], "egenkontroll");
    assert_eq!(case["state"]["labelSv"], "Noterad", "labels from the file");
    assert_eq!(case["deadlines"][0]["labelSv"], "Riskbedömning");
    assert_eq!(case["deadlines"][0]["status"], "open");
    assert_eq!(case["availableTransitions"][0]["name"], "assess");
    assert_eq!(
        case["availableTransitions"][0]["missingFields"],
        json!(["risk"])
    );

    let step = |name: &str, fields: Value, version: &Value| {
        server.graphql(
            &manager,
            "mutation($input: TransitionInput!) { transition(input: $input) { version case { state { id } closed } } }",
            &json!({ "input": {
                "caseId": id, "transition": name, "fields": fields, "expectedVersion": version
            } }),
        )
    };
    let refused = step(
        "close",
        json!({ "measure": "Larmet byttes" }),
        &case["version"],
    );
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "INVALID_TRANSITION",
        "the file's states decide what may happen: {refused}"
    );
    let assessed = step("assess", json!({ "risk": "hog" }), &case["version"]);
    let assessed = data(&assessed, "transition");
    assert_eq!(assessed["case"]["state"]["id"], "assessed");
    let closed = step(
        "close",
        json!({ "measure": "Larmet byttes ut samma dag" }),
        &assessed["version"],
    );
    assert_eq!(data(&closed, "transition")["case"]["closed"], true);

    let met = server.graphql(&manager, CASE, &json!({ "id": id }));
    assert_eq!(data(&met, "case")["deadlines"][0]["status"], "met");
    let found = server.graphql(
        &manager,
        "{ cases(filter: { workflows: [\"egenkontroll\"] }) { totalCount edges { node { id } } } }",
        &json!({}),
    );
    assert_eq!(data(&found, "cases")["totalCount"], 1);
    assert_eq!(data(&found, "cases")["edges"][0]["node"]["id"], id);
    // Reported under its own name, from the file's label.
    let year = varna_workflow::local::year_month(chrono::Utc::now()).0;
    let report = server.graphql(
        &token(Role::Auditor, &[]),
        "query($y: Int!) { qualityReport(year: $y) { perLagrum { kind kindLabel lagrum count } } }",
        &json!({ "y": year }),
    );
    assert!(
        data(&report, "qualityReport")["perLagrum"]
            .as_array()
            .expect("rows")
            .contains(&json!({ "kind": "egenkontroll", "kindLabel": "Egenkontroll", "lagrum": "SoL", "count": 1 })),
        "{report}"
    );
    let both = server.graphql(
        &manager,
        "mutation { fileCase(input: { kind: AVVIKELSE, workflow: \"egenkontroll\", lagrum: SOL, unit: \"linden\", fields: {} }) { caseId } }",
        &json!({}),
    );
    assert_eq!(both["errors"][0]["extensions"]["code"], "INVALID_INPUT");
}
