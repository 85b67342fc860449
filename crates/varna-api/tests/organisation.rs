//! The organisation over GraphQL: everyone signed in reads the units and
//! verksamhetsområden; only the administrator changes them, each change
//! recorded with who made it; refusals name the field and change nothing;
//! a closed unit refuses new filings with `problem: CLOSED`.

use std::collections::BTreeSet;

use async_graphql::{Request, Variables};
use serde_json::{Value, json};
use varna_api::{Limits, Principal, VarnaSchema, build_schema};
use varna_workflow::{Role, UnitId};

struct App {
    schema: VarnaSchema,
    store: std::sync::Arc<varna_store::Store>,
    _dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = varna_testkit::org::sqlite_store(
        dir.path(),
        "org.db",
        &[("linden", "aldreomsorg"), ("norr", "hemtjanst")],
    )
    .await;
    App {
        schema: build_schema(std::sync::Arc::clone(&store), Limits::default()),
        store,
        _dir: dir,
    }
}

fn who(role: Role) -> Principal {
    Principal {
        user_id: format!("{role}-1"),
        role,
        units: if role.is_unit_scoped() {
            BTreeSet::from([UnitId::new("linden")])
        } else {
            BTreeSet::new()
        },
    }
}

impl App {
    async fn run(&self, role: Role, query: &str, variables: Value) -> Value {
        let request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(who(role));
        serde_json::to_value(self.schema.execute(request).await).expect("serialises")
    }

    async fn change(&self, role: Role, input: Value) -> Value {
        self.run(role, CHANGE, json!({ "input": input })).await
    }
}

fn code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
}

const ORG: &str = "{ organisation { id name units { id name areaId closed closedAt } } }";
const CHANGE: &str = "mutation($input: ChangeOrganisationInput!) { changeOrganisation(input: $input) { seq action subject name areaId fromAreaId actorId actorRole at } }";
const HISTORY: &str = "{ organisationChanges(first: 10) { seq action subject actorId } }";
const FILE: &str = r#"mutation { fileCase(input: { kind: AVVIKELSE, lagrum: SOL, unit: "linden", fields: { what_happened: "Halka", occurred_on: "2026-01-11", category: "fall" } }) { caseId } }"#;

#[tokio::test]
async fn only_the_administrator_changes_the_organisation_and_every_change_is_recorded() {
    let app = app().await;
    let read = app.run(Role::Reporter, ORG, json!({})).await;
    assert_eq!(code(&read), "OK", "{read}");
    assert_eq!(read["data"]["organisation"][0]["id"], "aldreomsorg");
    assert_eq!(read["data"]["organisation"][0]["units"][0]["id"], "linden");

    let add_area = json!({ "action": "ADD_AREA", "id": "lss", "name": "Funktionsstöd" });
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let refused = app.change(role, add_area.clone()).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{role}: {refused}");
    }
    assert!(app.store.org_changes(10).await.expect("history").is_empty());

    let added = app.change(Role::Admin, add_area).await;
    assert_eq!(code(&added), "OK", "{added}");
    let added = &added["data"]["changeOrganisation"];
    assert_eq!(
        (
            &added["seq"],
            &added["action"],
            &added["actorId"],
            &added["actorRole"]
        ),
        (
            &json!(1),
            &json!("ADD_AREA"),
            &json!("admin-1"),
            &json!("admin")
        )
    );

    // Refusals name the field and change nothing.
    let no_area = app
        .change(
            Role::Admin,
            json!({ "action": "ADD_UNIT", "id": "eken", "name": "Eken" }),
        )
        .await;
    assert_eq!(code(&no_area), "INVALID_INPUT", "{no_area}");
    assert_eq!(no_area["errors"][0]["extensions"]["field"], "area");
    let unknown = app
        .change(
            Role::Admin,
            json!({ "action": "MOVE_UNIT", "id": "linden", "area": "nowhere" }),
        )
        .await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["problem"], "UNKNOWN",
        "{unknown}"
    );
    let bad = app
        .change(
            Role::Admin,
            json!({ "action": "ADD_UNIT", "id": "Eken!", "name": "Eken", "area": "lss" }),
        )
        .await;
    assert_eq!(
        bad["errors"][0]["extensions"]["problem"], "BAD_CODE",
        "{bad}"
    );
    assert_eq!(app.store.org_changes(10).await.expect("history").len(), 1);

    for input in [
        json!({ "action": "ADD_UNIT", "id": "eken", "name": "Gruppbostaden Eken", "area": "lss" }),
        json!({ "action": "MOVE_UNIT", "id": "linden", "area": "lss" }),
        json!({ "action": "CLOSE_UNIT", "id": "linden" }),
    ] {
        let done = app.change(Role::Admin, input).await;
        assert_eq!(code(&done), "OK", "{done}");
    }
    let moved = app.store.org_changes(1).await.expect("history");
    assert_eq!(moved[0].change, "unit_closed");

    let read = app.run(Role::Committee, ORG, json!({})).await;
    let lss = read["data"]["organisation"]
        .as_array()
        .expect("areas")
        .iter()
        .find(|a| a["id"] == "lss")
        .expect("the new area")
        .clone();
    let ids: Vec<&str> = lss["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["eken", "linden"], "by name: {lss}");
    let linden = &lss["units"][1];
    assert_eq!(linden["closed"], true);
    assert!(linden["closedAt"].is_string());

    // A closed unit takes no new cases.
    let filed = app.run(Role::UnitManager, FILE, json!({})).await;
    assert_eq!(code(&filed), "INVALID_INPUT", "{filed}");
    assert_eq!(filed["errors"][0]["extensions"]["field"], "unit");
    assert_eq!(filed["errors"][0]["extensions"]["problem"], "CLOSED");

    // The record: for the administrator and the auditor only.
    let history = app.run(Role::Auditor, HISTORY, json!({})).await;
    assert_eq!(code(&history), "OK", "{history}");
    let actions: Vec<&str> = history["data"]["organisationChanges"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["CLOSE_UNIT", "MOVE_UNIT", "ADD_UNIT", "ADD_AREA"]);
    let refused = app.run(Role::UnitManager, HISTORY, json!({})).await;
    assert_eq!(code(&refused), "FORBIDDEN", "{refused}");

    let reopened = app
        .change(
            Role::Admin,
            json!({ "action": "REOPEN_UNIT", "id": "linden" }),
        )
        .await;
    assert_eq!(code(&reopened), "OK", "{reopened}");
    let filed = app.run(Role::UnitManager, FILE, json!({})).await;
    assert_eq!(code(&filed), "OK", "{filed}");
}
