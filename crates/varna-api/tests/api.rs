//! The API without a socket: `schema.execute` with a principal, as the
//! router would call it; and the router itself through `tower::oneshot`
//! for what happens before GraphQL (401s, limits, GraphiQL, health).

use std::collections::BTreeSet;
use std::sync::Arc;

use async_graphql::{Request, Variables};
use axum::body::Body;
use axum::http::{Request as HttpRequest, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;
use varna_api::{
    ApiState, AuthConfig, Keys, Limits, Principal, VarnaSchema, build_schema, mint_hs256, router,
};
use varna_store::{CommandOptions, Store, StoreConfig};
use varna_testkit::shipped_catalog as catalog;
use varna_workflow::{ActorId, FileCase, Lagrum, Personnummer, Role, UnitId};

const SECRET: &[u8] = b"test-secret-test-secret-test-sec";

struct App {
    store: Arc<Store>,
    schema: VarnaSchema,
    sarah: String,
    hsl: String,
    _dir: tempfile::TempDir,
}

fn principal(role: Role) -> Principal {
    let units = if role.is_unit_scoped() {
        BTreeSet::from([UnitId::new("linden")])
    } else {
        BTreeSet::new()
    };
    Principal {
        user_id: format!("{role}-1"),
        role,
        units,
    }
}

/// A token for `role` signed with the test secret, valid for `lifetime`
/// from now.
fn token_for(role: Role, lifetime: chrono::Duration) -> String {
    mint_hs256(
        SECRET,
        "varna",
        "varna",
        &principal(role),
        lifetime,
        chrono::Utc::now(),
    )
}

fn text(s: &str) -> varna_workflow::Value {
    varna_workflow::Value::Text(s.into())
}

/// A store with three cases: a lex Sarah report at Linden (SoL, filed by
/// reporter-1, with a personnummer), an HSL avvikelse at Linden, and a SoL
/// avvikelse at Norr.
async fn app() -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = varna_testkit::org::sqlite_store(
        dir.path(),
        "api.db",
        &[("linden", "aldreomsorg"), ("norr", "hemtjanst")],
    )
    .await;
    let actor = |role: Role, unit: &str| varna_workflow::Actor {
        id: ActorId::new(format!("{role}-1")),
        role,
        units: BTreeSet::from([UnitId::new(unit)]),
    };
    let pnr = Personnummer::parse("19121212-1212", chrono::Utc::now().date_naive()).expect("valid");
    let sarah = store
        .file_case(
            "lex-sarah",
            FileCase {
                lagrum: Lagrum::Sol,
                unit: UnitId::new("linden"),
                fields: [
                    ("what_happened".to_owned(), text("Brukaren lämnades ensam")),
                    ("occurred_on".to_owned(), text("2026-01-10")),
                    ("affected_gender".to_owned(), text("kvinna")),
                    ("affected_person_name".to_owned(), text("Astrid Exempel")),
                ]
                .into(),
            },
            Some(&pnr),
            &actor(Role::Reporter, "linden"),
            CommandOptions::default(),
        )
        .await
        .expect("files")
        .case_id
        .to_string();
    let avvikelse = |lagrum, unit: &'static str| {
        let store = Arc::clone(&store);
        async move {
            store
                .file_case(
                    "avvikelse",
                    FileCase {
                        lagrum,
                        unit: UnitId::new(unit),
                        fields: [
                            ("what_happened".to_owned(), text("Fall")),
                            ("occurred_on".to_owned(), text("2026-01-10")),
                            ("category".to_owned(), text("fall")),
                        ]
                        .into(),
                    },
                    None,
                    &actor(Role::UnitManager, unit),
                    CommandOptions::default(),
                )
                .await
                .expect("files")
                .case_id
                .to_string()
        }
    };
    let hsl = avvikelse(Lagrum::Hsl, "linden").await;
    avvikelse(Lagrum::Sol, "norr").await;
    let schema = build_schema(Arc::clone(&store), Limits::default());
    App {
        store,
        schema,
        sarah,
        hsl,
        _dir: dir,
    }
}

impl App {
    async fn run(&self, who: &Principal, query: &str, variables: Value) -> Value {
        let request = Request::new(query)
            .variables(Variables::from_json(variables))
            .data(who.clone());
        let response = self.schema.execute(request).await;
        serde_json::to_value(&response).expect("serialises")
    }
}

/// The first error's code, or "OK".
fn code(response: &Value) -> String {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("OK")
        .to_owned()
}

const READ_CASE: &str = "query($id: ID!) { case(id: $id) { id state { id } fields { name value masked } personnummer } }";
const COUNT: &str = "{ cases { totalCount edges { node { id } } } }";
const AUDIT: &str = "query($id: ID!) { case(id: $id) { auditChain { intact eventsChecked } accessLog { userId purpose } } }";
const FILE: &str = r#"mutation { fileCase(input: { kind: AVVIKELSE, lagrum: SOL, unit: "linden", fields: { what_happened: "Halka", occurred_on: "2026-01-11", category: "fall" } }) { case { id state { id } } version } }"#;
const ACK: &str = r#"mutation($id: ID!) { transition(input: { caseId: $id, transition: "acknowledge" }) { version case { state { id } } } }"#;
const ESCALATE: &str = r#"mutation($id: ID!) { escalateAvvikelse(input: { caseId: $id, to: LEX_MARIA, reason: "Fel läkemedel", affectedGender: MAN }) { opened case { state { id } } } }"#;

const ENTRY: &str = r#"mutation($id: ID!) { addUtredningEntry(input: { caseId: $id, topic: "causes", text: "Orsak", source: "Intervju", kind: ASSESSMENT, documentedOn: "2026-01-12", authorName: "A", authorTitle: "T" }) { version } }"#;
const LINK: &str = r#"mutation($a: ID!, $b: ID!) { linkCases(input: { caseId: $a, otherCaseId: $b }) { version } }"#;
const META: &str = "{ me { role } workflows { name states { id } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_operation() {
    // Columns: read lex Sarah, cases visible (of 3), audit fields, file an avvikelse, acknowledge
    // lex Sarah, escalate the HSL avvikelse, add an utredning entry (after the SAS has
    // acknowledged), link lex Sarah with the HSL avvikelse, me + workflows.
    type Row = (Role, [&'static str; 3], i64, [&'static str; 6]);
    let table: [Row; 9] = [
        (
            Role::Reporter,
            ["OK", "FORBIDDEN", "OK"],
            1,
            [
                "FORBIDDEN",
                "NOT_FOUND",
                "FORBIDDEN",
                "NOT_FOUND",
                "OK",
                "OK",
            ],
        ),
        (
            Role::UnitManager,
            ["OK", "FORBIDDEN", "OK"],
            2,
            ["FORBIDDEN", "OK", "OK", "OK", "OK", "OK"],
        ),
        (
            Role::OperationsManager,
            ["OK", "FORBIDDEN", "OK"],
            2,
            // The on-call manager writes protective measures in the utredning.
            ["FORBIDDEN", "OK", "OK", "OK", "OK", "OK"],
        ),
        (
            Role::Sas,
            ["OK", "FORBIDDEN", "OK"],
            2,
            ["OK", "NOT_FOUND", "OK", "NOT_FOUND", "OK", "OK"],
        ),
        (
            Role::Mas,
            ["NOT_FOUND", "NOT_FOUND", "OK"],
            1,
            ["NOT_FOUND", "OK", "NOT_FOUND", "NOT_FOUND", "OK", "OK"],
        ),
        (
            Role::Mar,
            ["NOT_FOUND", "NOT_FOUND", "OK"],
            1,
            [
                "NOT_FOUND",
                "FORBIDDEN",
                "NOT_FOUND",
                "NOT_FOUND",
                "OK",
                "OK",
            ],
        ),
        (
            Role::Committee,
            ["OK", "FORBIDDEN", "FORBIDDEN"],
            1,
            [
                "FORBIDDEN",
                "NOT_FOUND",
                "FORBIDDEN",
                "NOT_FOUND",
                "OK",
                "OK",
            ],
        ),
        (
            Role::Auditor,
            ["OK", "OK", "FORBIDDEN"],
            3,
            [
                "FORBIDDEN",
                "FORBIDDEN",
                "FORBIDDEN",
                "FORBIDDEN",
                "OK",
                "OK",
            ],
        ),
        (
            Role::Admin,
            ["NOT_FOUND", "NOT_FOUND", "FORBIDDEN"],
            0,
            [
                "NOT_FOUND",
                "NOT_FOUND",
                "NOT_FOUND",
                "NOT_FOUND",
                "OK",
                "OK",
            ],
        ),
    ];
    for (role, [read, audit, file], visible, [ack, escalate, entry, link, me, workflows]) in table {
        let app = app().await;
        let who = principal(role);
        let sarah = json!({ "id": app.sarah });
        let hsl = json!({ "id": app.hsl });
        let read_got = code(&app.run(&who, READ_CASE, sarah.clone()).await);
        let visible_got = app.run(&who, COUNT, json!({})).await["data"]["cases"]["totalCount"]
            .as_i64()
            .unwrap_or(-1);
        let audit_got = code(&app.run(&who, AUDIT, sarah.clone()).await);
        let file_got = code(&app.run(&who, FILE, json!({})).await);
        let ack_got = code(&app.run(&who, ACK, sarah.clone()).await);
        let escalate_got = code(&app.run(&who, ESCALATE, hsl).await);
        if ack_got != "OK" {
            let r = app.run(&principal(Role::Sas), ACK, sarah.clone()).await;
            assert_eq!(code(&r), "OK", "setup: the SAS acknowledges: {r}");
        }
        let entry_got = code(&app.run(&who, ENTRY, sarah.clone()).await);
        let link_got = code(
            &app.run(&who, LINK, json!({ "a": app.sarah, "b": app.hsl }))
                .await,
        );
        let meta = app.run(&who, META, json!({})).await;
        let me_got = if meta["data"]["me"]["role"] == json!(role.as_str()) {
            "OK".to_owned()
        } else {
            code(&meta)
        };
        let workflows_got = if meta["data"]["workflows"]
            .as_array()
            .is_some_and(|w| w.len() == 5)
        {
            "OK".to_owned()
        } else {
            code(&meta)
        };
        assert_eq!(
            (
                read_got,
                visible_got,
                audit_got,
                file_got,
                ack_got,
                escalate_got,
                entry_got,
                link_got,
                me_got,
                workflows_got
            ),
            (
                read.into(),
                visible,
                audit.into(),
                file.into(),
                ack.into(),
                escalate.into(),
                entry.into(),
                link.into(),
                me.into(),
                workflows.into()
            ),
            "{role}: (read, visible, audit, file, acknowledge, escalate, utredning entry, link, me, workflows)"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_masked_for_roles_that_do_not_need_it() {
    let app = app().await;
    let sarah = json!({ "id": app.sarah });
    for (role, masked) in [
        (Role::UnitManager, false),
        (Role::Sas, false),
        (Role::Committee, true),
        (Role::Auditor, true),
        (Role::Reporter, true),
    ] {
        let r = app.run(&principal(role), READ_CASE, sarah.clone()).await;
        let case = &r["data"]["case"];
        let name = case["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["name"] == "affected_person_name")
            .expect("present")
            .clone();
        assert_eq!(name["masked"], json!(masked), "{role}");
        let pnr = case["personnummer"].as_str().expect("personnummer");
        assert_eq!(
            pnr,
            if masked {
                "********-****"
            } else {
                "19121212-1212"
            },
            "{role}"
        );
        assert_eq!(name["value"].is_null(), masked, "{role}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_of_case_content_is_in_the_access_log() {
    let app = app().await;
    let sarah = json!({ "id": app.sarah });
    app.run(&principal(Role::Sas), READ_CASE, sarah.clone())
        .await;
    // A list row is a read too (it can carry the same fields).
    app.run(&principal(Role::Sas), COUNT, json!({})).await;
    // A case the caller may not see leaves no row (nothing was served).
    app.run(&principal(Role::Mas), READ_CASE, sarah.clone())
        .await;
    let r = app.run(&principal(Role::Auditor), AUDIT, sarah).await;
    let log = r["data"]["case"]["accessLog"]
        .as_array()
        .expect("access log")
        .clone();
    let entries: Vec<(String, String)> = log
        .iter()
        .map(|e| {
            (
                e["userId"].as_str().unwrap_or("").into(),
                e["purpose"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("sas-1".into(), "case_view".into()),
            ("sas-1".into(), "list".into()),
            ("auditor-1".into(), "case_view".into())
        ],
        "one row per case per request, written before any field is resolved"
    );
    assert_eq!(
        r["data"]["case"]["auditChain"],
        json!({ "intact": true, "eventsChecked": 1 })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_stable_codes_and_details() {
    let app = app().await;
    let sas = principal(Role::Sas);
    let sarah = json!({ "id": app.sarah });
    // Missing guard fields are listed.
    app.run(&sas, ACK, sarah.clone()).await;
    let r = app.run(&sas, r#"mutation($id: ID!) { transition(input: { caseId: $id, transition: "bedomning_utan_utredning" }) { version } }"#, sarah.clone()).await;
    assert_eq!(code(&r), "INVALID_TRANSITION", "{r}");
    let r = app.run(&sas, r#"mutation($id: ID!) { transition(input: { caseId: $id, transition: "acknowledge" }) { version } }"#, sarah.clone()).await;
    assert_eq!(code(&r), "INVALID_TRANSITION", "{r}");
    // An utredning item is never a plain field.
    let r = app
        .run(&principal(Role::UnitManager), r#"mutation($id: ID!) { transition(input: { caseId: $id, transition: "document_protective_measures", fields: { immediate_actions: "x" } }) { version } }"#, sarah.clone())
        .await;
    assert_eq!(code(&r), "INVALID_INPUT", "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["problem"],
        json!("JOURNAL_ONLY"),
        "{r}"
    );
    let r = app
        .run(&principal(Role::UnitManager), r#"mutation($id: ID!) { transition(input: { caseId: $id, transition: "document_protective_measures" }) { version } }"#, sarah.clone())
        .await;
    assert_eq!(code(&r), "GUARD_FAILED", "{r}");
    assert_eq!(
        r["errors"][0]["extensions"]["missing"],
        json!(["immediate_actions"])
    );
    // A stale expectedVersion is a conflict.
    let r = app
        .run(&sas, r#"mutation($id: ID!) { addUtredningEntry(input: { caseId: $id, topic: "causes", text: "t", source: "s", kind: FACT, documentedOn: "2026-01-12", authorName: "A", authorTitle: "SAS", expectedVersion: 1 }) { version } }"#, sarah.clone())
        .await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["actualVersion"], json!(2));
    // Bad input: not an id, a bad personnummer, an unknown unit, a wrong field type.
    assert_eq!(
        code(&app.run(&sas, READ_CASE, json!({ "id": "not-an-id" })).await),
        "INVALID_INPUT"
    );
    let r = app.run(&sas, r#"mutation { fileCase(input: { kind: AVVIKELSE, lagrum: SOL, unit: "linden", personnummer: "19121212-1213", fields: {} }) { version } }"#, json!({})).await;
    assert_eq!(code(&r), "INVALID_INPUT");
    assert!(
        !r.to_string().contains("1213"),
        "the personnummer is not echoed: {r}"
    );
    let ext = &r["errors"][0]["extensions"];
    assert_eq!(ext["field"], json!("personnummer"), "{r}");
    assert_eq!(ext["problem"], json!("INVALID_PERSONNUMMER"), "{r}");
    let r = app.run(&sas, r#"mutation { fileCase(input: { kind: AVVIKELSE, lagrum: SOL, unit: "nowhere", fields: { what_happened: "x", occurred_on: "2026-01-11", category: "fall" } }) { version } }"#, json!({})).await;
    assert_eq!(code(&r), "INVALID_INPUT");
    let r = app.run(&sas, r#"mutation { fileCase(input: { kind: AVVIKELSE, lagrum: SOL, unit: "linden", fields: { what_happened: ["x"], occurred_on: "2026-01-11", category: "fall" } }) { version } }"#, json!({})).await;
    assert_eq!(code(&r), "INVALID_INPUT");
    // A client wording the message itself gets the field and a problem code.
    let ext = &r["errors"][0]["extensions"];
    assert_eq!(ext["field"], json!("what_happened"), "{r}");
    assert_eq!(ext["problem"], json!("WRONG_TYPE"), "{r}");
    // No principal at all (the router always sets one; the schema still refuses).
    let r = serde_json::to_value(app.schema.execute(Request::new("{ me { userId } }")).await)
        .expect("serialises");
    assert_eq!(code(&r), "UNAUTHENTICATED");
    // Idempotency across the API: the same key files once.
    let keyed = r#"mutation { fileCase(input: { kind: AVVIKELSE, lagrum: SOL, unit: "linden", idempotencyKey: "k-1", fields: { what_happened: "x", occurred_on: "2026-01-11", category: "fall" } }) { case { id } replayed } }"#;
    let first = app.run(&sas, keyed, json!({})).await;
    let second = app.run(&sas, keyed, json!({})).await;
    assert_eq!(
        first["data"]["fileCase"]["case"]["id"],
        second["data"]["fileCase"]["case"]["id"]
    );
    assert_eq!(second["data"]["fileCase"]["replayed"], json!(true));
    let _ = &app.store;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_and_costly_queries_are_refused() {
    let app = app().await;
    let mut deep = String::from("{ __schema { types { fields { type { name");
    let mut close = String::from(" } } } } }");
    for _ in 0..20 {
        deep.push_str(" ofType { name");
        close.push_str(" }");
    }
    deep.push_str(&close);
    let r = app.run(&principal(Role::Sas), &deep, json!({})).await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nested too deep")),
        "{r}"
    );
    let page = |first: u32| {
        format!(
            "{{ cases(first: {first}) {{ edges {{ node {{ history {{ payload }} fields {{ value }} deadlines {{ id }} availableTransitions {{ name }} }} }} }} }}"
        )
    };
    let r = app.run(&principal(Role::Sas), &page(200), json!({})).await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("complex")),
        "{r}"
    );
    let r = app.run(&principal(Role::Sas), &page(20), json!({})).await;
    assert!(r["errors"].is_null(), "a normal page is allowed: {r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_are_linked_only_by_those_who_may_read_and_act_on_both() {
    let app = app().await;
    let link = r#"mutation($a: ID!, $b: ID!) { linkCases(input: { caseId: $a, otherCaseId: $b }) { version case { links { otherCaseId kind thisCaseIs } } } }"#;
    let both = json!({ "a": app.sarah, "b": app.hsl });
    // A MAS cannot read the SoL lex Sarah case; a committee member may not act on avvikelser.
    assert_eq!(
        code(&app.run(&principal(Role::Mas), link, both.clone()).await),
        "NOT_FOUND"
    );
    assert_eq!(
        code(&app.run(&principal(Role::Auditor), link, both.clone()).await),
        "FORBIDDEN"
    );
    let r = app
        .run(&principal(Role::UnitManager), link, both.clone())
        .await;
    assert_eq!(code(&r), "OK", "{r}");
    assert_eq!(
        r["data"]["linkCases"]["case"]["links"][0],
        json!({ "otherCaseId": app.hsl, "kind": "related_to", "thisCaseIs": "origin" })
    );
    assert_eq!(
        code(&app.run(&principal(Role::UnitManager), link, both).await),
        "INVALID_INPUT",
        "already linked"
    );
}

fn state() -> (ApiState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/http.db?mode=rwc", dir.path().display());
    let store = tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(Store::open(&StoreConfig::new(url), &catalog()))
    })
    .expect("opens");
    let store = Arc::new(store);
    let auth = Arc::new(AuthConfig::new(
        "varna",
        "varna",
        Keys::Hs256(SECRET.to_vec()),
    ));
    (
        ApiState::new(
            build_schema(Arc::clone(&store), Limits::default()),
            auth,
            store,
        ),
        dir,
    )
}

fn post(body: impl Into<Body>, token: Option<&str>) -> HttpRequest<Body> {
    let mut r = HttpRequest::post("/graphql").header("content-type", "application/json");
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    r.body(body.into()).expect("request")
}

async fn body(response: axum::response::Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 2 * 1024 * 1024)
        .await
        .expect("body");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_refuses_missing_bad_and_expired_tokens_with_401() {
    let (state, _dir) = state();
    let app = router(state);
    let query = r#"{"query":"{ me { userId role } }"}"#;
    let good = token_for(Role::Sas, chrono::Duration::hours(1));
    let expired = mint_hs256(
        SECRET,
        "varna",
        "varna",
        &principal(Role::Sas),
        chrono::Duration::hours(1),
        chrono::Utc::now() - chrono::Duration::hours(2),
    );
    let forged = mint_hs256(
        b"another-secret-another-secret-xx",
        "varna",
        "varna",
        &principal(Role::Sas),
        chrono::Duration::hours(1),
        chrono::Utc::now(),
    );
    for (token, expect) in [
        (None, "missing bearer token"),
        (Some("garbage"), "invalid"),
        (Some(expired.as_str()), "expired"),
        (Some(forged.as_str()), "invalid"),
    ] {
        let response = app
            .clone()
            .oneshot(post(query, token))
            .await
            .expect("responds");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{token:?}");
        let b = body(response).await;
        assert!(b.contains("UNAUTHENTICATED") && b.contains(expect), "{b}");
    }
    let response = app
        .clone()
        .oneshot(post(query, Some(&good)))
        .await
        .expect("responds");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body(response).await.contains(r#""role":"sas""#));
}

/// A query sent again is parsed once and kept; the answers still follow
/// each caller and each request's variables, and a query that does not
/// parse gets its error every time and is not kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_query_is_parsed_once_and_answered_for_each_request() {
    let (state, _dir) = state();
    let app = router(state.clone());
    let ask = |body: String, role| {
        let app = app.clone();
        async move {
            let token = token_for(role, chrono::Duration::hours(1));
            let response = app
                .oneshot(post(body, Some(&token)))
                .await
                .expect("responds");
            assert_eq!(response.status(), StatusCode::OK);
            self::body(response).await
        }
    };
    let me = r#"{"query":"{ me { userId role } }"}"#.to_owned();
    assert!(ask(me.clone(), Role::Sas).await.contains(r#""role":"sas""#));
    assert!(ask(me, Role::Auditor).await.contains(r#""role":"auditor""#));
    let named = |name: &str| {
        serde_json::json!({
            "query": "query Named($n: String!) { __type(name: $n) { name } }",
            "variables": { "n": name },
        })
        .to_string()
    };
    assert!(
        ask(named("Query"), Role::Sas)
            .await
            .contains(r#""name":"Query""#)
    );
    assert!(
        ask(named("Mutation"), Role::Sas)
            .await
            .contains(r#""name":"Mutation""#)
    );
    assert_eq!(state.documents_kept(), 2, "two documents, each parsed once");
    for _ in 0..2 {
        let b = ask(r#"{"query":"{ me { "}"#.to_owned(), Role::Sas).await;
        assert!(b.contains("INVALID_INPUT"), "{b}");
    }
    assert_eq!(state.documents_kept(), 2, "what does not parse is not kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_serves_graphiql_health_and_limits_the_body() {
    let (state, _dir) = state();
    let app = router(state);
    let response = app
        .clone()
        .oneshot(
            HttpRequest::get("/graphql")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("responds");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body(response).await.to_lowercase().contains("graphiql"));
    for (path, text) in [("/health", "ok"), ("/ready", "ready")] {
        let response = app
            .clone()
            .oneshot(HttpRequest::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("responds");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(body(response).await, text);
    }
    let token = token_for(Role::Sas, chrono::Duration::hours(1));
    let huge = format!(
        r#"{{"query":"{{ me {{ userId }} }}","variables":{{"x":"{}"}}}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let response = app
        .clone()
        .oneshot(post(huge, Some(&token)))
        .await
        .expect("responds");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let response = app
        .oneshot(post("{not json", Some(&token)))
        .await
        .expect("responds");
    assert!(response.status().is_client_error(), "{}", response.status());
}

const MY_WORK: &str = "{ myWork { case { id kind } nextDeadline { id status dueAt } overdue } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_work_lists_what_waits_for_the_caller_most_urgent_first() {
    let app = app().await;
    // Two more lex Sarah reports, filed earlier (so due earlier) than the
    // one from `app()`; the oldest one's SAS clock has passed.
    let reporter = varna_workflow::Actor {
        id: ActorId::new("reporter-2"),
        role: Role::Reporter,
        units: BTreeSet::from([UnitId::new("norr")]),
    };
    let mut older = Vec::new();
    for hours_ago in [50, 5] {
        let id = app
            .store
            .file_case(
                "lex-sarah",
                FileCase {
                    lagrum: Lagrum::Lss,
                    unit: UnitId::new("norr"),
                    fields: [
                        ("what_happened".to_owned(), text("Utebliven insats")),
                        ("occurred_on".to_owned(), text("2026-01-10")),
                        ("affected_gender".to_owned(), text("man")),
                    ]
                    .into(),
                },
                None,
                &reporter,
                CommandOptions {
                    now: Some(chrono::Utc::now() - chrono::Duration::hours(hours_ago)),
                    ..CommandOptions::default()
                },
            )
            .await
            .expect("files")
            .case_id
            .to_string();
        older.push(id);
    }
    let swept = app
        .store
        .sweep_deadlines(chrono::Utc::now(), 100)
        .await
        .expect("sweeps");
    assert_eq!(swept.passed, 1, "the 50-hour-old report's 24-hour clock");

    let sas = app.run(&principal(Role::Sas), MY_WORK, json!({})).await;
    let items = sas["data"]["myWork"].as_array().expect("a list").clone();
    let ids: Vec<&str> = items
        .iter()
        .map(|i| i["case"]["id"].as_str().unwrap_or_default())
        .collect();
    // Lex Sarah reports wait for the SAS to acknowledge, most urgent first;
    // the SoL avvikelser wait for no SAS action in their first state.
    assert_eq!(
        ids[..3],
        [older[0].as_str(), older[1].as_str(), app.sarah.as_str()],
        "{sas}"
    );
    assert_eq!(items[0]["overdue"], true);
    assert_eq!(items[0]["nextDeadline"]["id"], "sas_informed");
    assert_eq!(items[0]["nextDeadline"]["status"], "passed");
    assert_eq!(items[1]["overdue"], false);

    // The MAS has no lex Sarah work; the unit manager at Linden sees only Linden's.
    let mas = app.run(&principal(Role::Mas), MY_WORK, json!({})).await;
    let mas_ids: Vec<String> = mas["data"]["myWork"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| i["case"]["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        !mas_ids
            .iter()
            .any(|id| *id == app.sarah || older.contains(id))
    );
    assert!(
        mas_ids.contains(&app.hsl),
        "the HSL avvikelse waits for the MAS: {mas}"
    );
    let um = app
        .run(&principal(Role::UnitManager), MY_WORK, json!({}))
        .await;
    for item in um["data"]["myWork"].as_array().expect("a list") {
        let id = item["case"]["id"].as_str().unwrap_or_default();
        assert!(
            !older.iter().any(|o| o == id),
            "Norr's cases are not Linden's manager's"
        );
    }
    // The reporter acts on nothing after filing.
    let reporter_work = app
        .run(&principal(Role::Reporter), MY_WORK, json!({}))
        .await;
    assert_eq!(
        reporter_work["data"]["myWork"],
        json!([]),
        "{reporter_work}"
    );
    assert_eq!(
        code(
            &app.run(
                &principal(Role::Sas),
                "{ myWork(first: 0) { overdue } }",
                json!({})
            )
            .await
        ),
        "INVALID_INPUT"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_hear_only_of_cases_they_may_read() {
    let app = app().await;
    let state = ApiState::new(
        app.schema.clone(),
        Arc::new(AuthConfig::new(
            "varna",
            "varna",
            Keys::Hs256(SECRET.to_vec()),
        )),
        Arc::clone(&app.store),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("ws://{}/graphql/ws", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        axum::serve(listener, router(state)).await.expect("serves");
    });
    let token = |role: Role| token_for(role, chrono::Duration::minutes(5));
    let wait = std::time::Duration::from_secs(10);
    let events = "subscription { caseEvents { caseId eventType kind unit deadline } }";
    let alerts = "subscription { deadlineAlerts { caseId deadline labelSv responsible } }";

    assert!(
        varna_testkit::GraphqlWs::connect(&url, "not-a-token")
            .await
            .is_err(),
        "a bad token gets no connection"
    );
    let mut sas = varna_testkit::GraphqlWs::connect(&url, &token(Role::Sas))
        .await
        .expect("the SAS connects");
    sas.subscribe("events", events, json!({})).await;
    sas.subscribe("alerts", alerts, json!({})).await;
    let mut mas = varna_testkit::GraphqlWs::connect(&url, &token(Role::Mas))
        .await
        .expect("the MAS connects");
    mas.subscribe("events", events, json!({})).await;
    // Let the subscriptions start before anything happens.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // The SAS acknowledges the lex Sarah report (SoL): the SAS hears of it, the MAS does not.
    let acked = app
        .run(&principal(Role::Sas), ACK, json!({ "id": app.sarah }))
        .await;
    assert_eq!(code(&acked), "OK", "{acked}");
    let (sub, payload) = sas.next(wait).await.expect("the SAS hears");
    assert_eq!(sub, "events");
    let e = &payload["data"]["caseEvents"];
    assert_eq!(
        (
            e["caseId"].as_str(),
            e["eventType"].as_str(),
            e["kind"].as_str()
        ),
        (
            Some(app.sarah.as_str()),
            Some("transitioned"),
            Some("LEX_SARAH")
        )
    );

    // Four days on: the protective-measures clock passes (the SAS is responsible).
    app.store
        .sweep_deadlines(chrono::Utc::now() + chrono::Duration::days(4), 100)
        .await
        .expect("sweeps");
    let mut got = Vec::new();
    while got.len() < 2 {
        got.push(sas.next(wait).await.expect("the SAS hears of the deadline"));
    }
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got[0].0, "alerts");
    let alert = &got[0].1["data"]["deadlineAlerts"];
    assert_eq!(alert["caseId"], app.sarah.as_str());
    assert_eq!(alert["deadline"], "protective_measures");
    assert_eq!(alert["labelSv"], "Skyddsåtgärder dokumenterade");
    assert_eq!(got[1].0, "events");
    assert_eq!(
        got[1].1["data"]["caseEvents"]["eventType"],
        "deadline_passed"
    );

    // The MAS's first notice is the HSL case filed now, not the SoL ones before it.
    let hsl = app.run(&principal(Role::Mas), r#"mutation { fileCase(input: { kind: AVVIKELSE, lagrum: HSL, unit: "linden", fields: { what_happened: "Fel dos", occurred_on: "2026-01-11", category: "lakemedel" } }) { caseId } }"#, json!({})).await;
    assert_eq!(code(&hsl), "OK", "{hsl}");
    let (_, payload) = mas.next(wait).await.expect("the MAS hears");
    let e = &payload["data"]["caseEvents"];
    assert_eq!(e["caseId"], hsl["data"]["fileCase"]["caseId"]);
    assert_eq!(e["eventType"], "filed");

    // A subscription ends when the token it was opened with expires.
    let short = token_for(Role::Sas, chrono::Duration::seconds(2));
    let mut brief = varna_testkit::GraphqlWs::connect(&url, &short)
        .await
        .expect("connects while the token is valid");
    brief.subscribe("brief", events, json!({})).await;
    let (id, payload) = brief.next(wait).await.expect("the server ends it");
    assert_eq!(
        (id.as_str(), &payload),
        ("brief", &json!({ "complete": true }))
    );
    server.abort();
}

const REPORT: &str = r#"query($year: Int!, $scope: ReportScopeInput) {
  qualityReport(year: $year, scope: $scope) {
    year scopeName
    perLagrum { kind lagrum count previousYear }
    outcomes { kind outcome label count }
    byAreaAndGender { kind areaId kvinna man ejAngivet total }
    repeats { investigated any }
  }
}"#;
const EXPORT: &str = r#"query($year: Int!, $format: ReportFormat!) {
  qualityReportExport(year: $year, format: $format) { filename mediaType content }
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quality_report_is_for_analysts_and_carries_no_personal_data() {
    let app = app().await;
    let year = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i64>()
        .expect("year");
    let vars = |scope: Value| json!({ "year": year, "scope": scope });

    for role in Role::ALL {
        let r = app.run(&principal(role), REPORT, vars(Value::Null)).await;
        let allowed = matches!(
            role,
            Role::Auditor | Role::Sas | Role::Mas | Role::Committee
        );
        assert_eq!(
            code(&r),
            if allowed { "OK" } else { "FORBIDDEN" },
            "{role}: {r}"
        );
    }

    let auditor = principal(Role::Auditor);
    let r = app.run(&auditor, REPORT, vars(Value::Null)).await;
    let report = &r["data"]["qualityReport"];
    let rows: Vec<(String, String, i64)> = report["perLagrum"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            (
                row["kind"].as_str().unwrap_or_default().to_owned(),
                row["lagrum"].as_str().unwrap_or_default().to_owned(),
                row["count"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("avvikelse".to_owned(), "SoL".to_owned(), 1),
            ("avvikelse".to_owned(), "HSL".to_owned(), 1),
            ("lex-sarah".to_owned(), "SoL".to_owned(), 1),
        ]
    );
    assert_eq!(report["byAreaAndGender"][0]["kvinna"], 1);
    let ongoing = report["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["kind"] == "lex-sarah" && o["outcome"] == "ongoing")
        .cloned();
    assert_eq!(ongoing.map(|o| o["count"].clone()), Some(json!(1)));

    let norr = app
        .run(&auditor, REPORT, vars(json!({ "unitId": "norr" })))
        .await;
    assert_eq!(
        norr["data"]["qualityReport"]["perLagrum"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    for (scope, expected) in [
        (json!({ "unitId": "nowhere" }), "NOT_FOUND"),
        (
            json!({ "areaId": "aldreomsorg", "unitId": "linden" }),
            "INVALID_INPUT",
        ),
    ] {
        let r = app.run(&auditor, REPORT, vars(scope)).await;
        assert_eq!(code(&r), expected, "{r}");
    }
    let r = app.run(&auditor, REPORT, json!({ "year": 20000 })).await;
    assert_eq!(code(&r), "INVALID_INPUT");

    for (format, media, extension) in [
        ("CSV", "text/csv", "csv"),
        ("JSON", "application/json", "json"),
        ("HTML", "text/html", "html"),
    ] {
        let r = app
            .run(&auditor, EXPORT, json!({ "year": year, "format": format }))
            .await;
        let file = &r["data"]["qualityReportExport"];
        assert!(
            file["mediaType"]
                .as_str()
                .is_some_and(|m| m.starts_with(media)),
            "{r}"
        );
        assert_eq!(
            file["filename"],
            format!("kvalitetsberattelse-{year}.{extension}")
        );
        let content = file["content"].as_str().expect("content");
        assert!(
            content.contains("lex-sarah") || content.contains("Lex Sarah"),
            "{format}"
        );
        for secret in ["19121212", "Astrid", "lämnades ensam"] {
            assert!(
                !content.contains(secret),
                "{format} export contains {secret}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_tools_can_introspect_the_schema() {
    // The full introspection query graphql-core 3.2 sends (descriptions,
    // deprecations, nine levels of `ofType`), as schemathesis, GraphiQL
    // and code generators do.
    let app = app().await;
    let query = include_str!("fixtures/introspection.graphql");
    let r = app.run(&principal(Role::Auditor), query, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    let types = r["data"]["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "Case"), "{r}");
    // Depth is still limited.
    let deep = format!(
        "{{ __schema {{ types {{ {}name{} }} }} }}",
        "fields { type { ".repeat(12),
        " }".repeat(24)
    );
    let r = app.run(&principal(Role::Auditor), &deep, json!({})).await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("too deep")),
        "{r}"
    );
}

// ---------------------------------------------------------------- security
// Each test below drives one finding of the outside attack test (issue 17,
// RELIABILITY.md "Security") the way the attacker did, and failed before
// its fix.

const REPEATS: &str = r#"query($year: Int!) {
  qualityReport(year: $year) { repeats { cases { caseId kind earlierCaseIds } } }
}"#;

/// A lex Maria case about the person of the lex Sarah report: the report's
/// repeat events link a HSL case to a SoL case.
async fn file_lex_maria_about_the_same_person(app: &App) -> String {
    let pnr = Personnummer::parse("19121212-1212", chrono::Utc::now().date_naive()).expect("valid");
    app.store
        .file_case(
            "lex-maria",
            FileCase {
                lagrum: Lagrum::Hsl,
                unit: UnitId::new("linden"),
                fields: [
                    ("what_happened".to_owned(), text("Fel dos")),
                    ("occurred_on".to_owned(), text("2026-01-11")),
                    ("affected_gender".to_owned(), text("kvinna")),
                ]
                .into(),
            },
            Some(&pnr),
            &varna_workflow::Actor {
                id: ActorId::new("mas-1"),
                role: Role::Mas,
                units: BTreeSet::new(),
            },
            CommandOptions::default(),
        )
        .await
        .expect("files")
        .case_id
        .to_string()
}

fn this_year() -> i64 {
    chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse()
        .expect("year")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quality_report_names_only_cases_its_reader_may_read_and_logs_them() {
    let app = app().await;
    let maria = file_lex_maria_about_the_same_person(&app).await;
    let auditor = app
        .run(
            &principal(Role::Auditor),
            REPEATS,
            json!({ "year": this_year() }),
        )
        .await;
    let named = |r: &Value| -> Vec<String> {
        r["data"]["qualityReport"]["repeats"]["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .flat_map(|c| {
                std::iter::once(c["caseId"].clone())
                    .chain(c["earlierCaseIds"].as_array().cloned().unwrap_or_default())
            })
            .map(|v| v.as_str().expect("an id").to_owned())
            .collect()
    };
    assert!(
        named(&auditor).contains(&maria) && named(&auditor).contains(&app.sarah),
        "the auditor sees the lex Maria case repeat the lex Sarah report: {auditor}"
    );
    for role in [Role::Auditor, Role::Sas, Role::Mas, Role::Committee] {
        let who = principal(role);
        let r = app.run(&who, REPEATS, json!({ "year": this_year() })).await;
        assert_eq!(code(&r), "OK", "{role}: {r}");
        for id in named(&r) {
            let read = app.run(&who, READ_CASE, json!({ "id": id })).await;
            assert_eq!(
                code(&read),
                "OK",
                "{role}'s report names {id}, which {role} may not read"
            );
        }
    }
    // Naming a case is a read: the auditor's report wrote access-log rows.
    let log = app
        .store
        .access_log_for_case(&varna_store::CaseId::parse(&maria).expect("id"))
        .await
        .expect("log");
    assert!(
        log.iter()
            .any(|r| r.actor_id == "auditor-1" && r.purpose == "report"),
        "{log:?}"
    );
}

const BY_LAGRUM: &str = "query($l: [Lagrum!]) { cases(filter: { lagrum: $l }) { totalCount edges { node { id lagrum } } } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_outside_the_callers_reach_narrows_to_nothing() {
    let app = app().await;
    for (role, forbidden) in [
        (Role::Sas, json!(["HSL"])),
        (Role::Mas, json!(["SOL"])),
        (Role::Mas, json!(["SOL", "LSS"])),
    ] {
        let r = app
            .run(&principal(role), BY_LAGRUM, json!({ "l": forbidden }))
            .await;
        assert_eq!(code(&r), "OK", "{role} {forbidden}: {r}");
        assert_eq!(r["data"]["cases"]["totalCount"], 0, "{role}: {r}");
        assert_eq!(r["data"]["cases"]["edges"], json!([]), "{role}: {r}");
    }
    // Asking for an allowed and a forbidden lagrum gives the allowed ones.
    let r = app
        .run(
            &principal(Role::Sas),
            BY_LAGRUM,
            json!({ "l": ["HSL", "SOL"] }),
        )
        .await;
    assert_eq!(r["data"]["cases"]["totalCount"], 2, "{r}");
}

mod filter_property {
    use super::*;
    use proptest::prelude::*;
    use varna_api::policy;
    use varna_store::queries::CaseFilter;

    fn subset<T: Clone + std::fmt::Debug + 'static>(all: Vec<T>) -> impl Strategy<Value = Vec<T>> {
        proptest::sample::subsequence(all.clone(), 0..=all.len())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// For every role and every filter, the page is a subset of what
        /// `case(id)` shows that caller, and never an error.
        #[test]
        fn every_filtered_page_is_within_what_the_caller_may_read(
            role in proptest::sample::select(Role::ALL.to_vec()),
            kinds in subset(vec!["avvikelse", "lex-sarah", "lex-maria", "klagomal"]),
            lagrum in subset(vec![Lagrum::Sol, Lagrum::Lss, Lagrum::Hsl]),
            units in proptest::option::of(subset(vec!["linden", "norr", "nowhere"])),
            closed in proptest::option::of(any::<bool>()),
        ) {
            let runtime = RUNTIME.get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .expect("runtime")
            });
            runtime.block_on(async {
                let app = APP.get_or_init(app).await;
                let who = principal(role);
                let filter = CaseFilter {
                    kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
                    lagrum: lagrum.clone(),
                    units: units.clone().map(|u| u.iter().map(|u| (*u).to_owned()).collect()),
                    closed,
                    ..CaseFilter::default()
                };
                let rules = policy::Policy::new(app.store.catalog().expect("definitions").iter());
                let page = app.store.cases(&rules.scope(&who, filter), 200, None).await.expect("a page");
                for case in &page.items {
                    prop_assert!(rules.may_read(&who, case), "{role} got {:?}", case.id);
                }
                Ok(())
            })?;
        }
    }

    /// One store for every case, on one runtime that outlives them all.
    static APP: tokio::sync::OnceCell<App> = tokio::sync::OnceCell::const_new();
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expensive_fields_are_priced_and_huge_lists_refused() {
    let app = app().await;
    let auditor = principal(Role::Auditor);
    let reports = |n: usize| {
        let fields: String = (0..n)
            .map(|i| format!("r{i}: qualityReport(year: {}) {{ year }} ", this_year()))
            .collect();
        format!("{{ {fields} }}")
    };
    let r = app.run(&auditor, &reports(2), json!({})).await;
    assert_eq!(code(&r), "OK", "{r}");
    for n in [3, 499] {
        let r = app.run(&auditor, &reports(n), json!({})).await;
        assert!(
            r["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("complex")),
            "{n} reports in one request: {r}"
        );
    }
    let export = format!(
        "{{ a: qualityReportExport(year: {y}, format: HTML) {{ filename }} b: qualityReportExport(year: {y}, format: CSV) {{ filename }} }}",
        y = this_year()
    );
    let r = app.run(&auditor, &export, json!({})).await;
    assert!(r["errors"].is_array(), "two exports in one request: {r}");
    let units: Vec<String> = (0..50_000).map(|i| format!("u{i}")).collect();
    let r = app
        .run(
            &principal(Role::UnitManager),
            "query($u: [String!]) { cases(filter: { units: $u }) { totalCount } }",
            json!({ "u": units }),
        )
        .await;
    assert_eq!(code(&r), "INVALID_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "units");
    assert_eq!(r["errors"][0]["extensions"]["problem"], "TOO_MANY");
}

/// A case asked for with its history reads both at once; what it shows is
/// what the history read on its own shows (the case as of its latest
/// event), asked twice or through a fragment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_read_with_its_history_shows_each_event_as_the_history_alone_does() {
    let app = app().await;
    let sas = principal(Role::Sas);
    assert_eq!(
        code(&app.run(&sas, ACK, json!({ "id": app.sarah })).await),
        "OK"
    );
    assert_eq!(
        code(&app.run(&sas, ENTRY, json!({ "id": app.sarah })).await),
        "OK"
    );
    const EVENT: &str = "sequence eventType actorRole occurredAt transition payload hash";
    let with = app
        .run(
            &sas,
            &format!(
                "query($id: ID!) {{ case(id: $id) {{ version a: history {{ {EVENT} }} \
                 b: history {{ {EVENT} }} ... on Case {{ c: history {{ {EVENT} }} }} }} }}"
            ),
            json!({ "id": app.sarah }),
        )
        .await;
    assert_eq!(code(&with), "OK", "{with}");
    let case = &with["data"]["case"];
    let version = case["version"].as_i64().expect("a version");
    let alone = app
        .run(
            &sas,
            &format!("query($id: ID!, $n: Int) {{ case(id: $id, atEvent: $n) {{ history {{ {EVENT} }} }} }}"),
            json!({ "id": app.sarah, "n": version }),
        )
        .await;
    assert_eq!(code(&alone), "OK", "{alone}");
    let expected = &alone["data"]["case"]["history"];
    assert_eq!(expected.as_array().map(Vec::len), Some(3), "{alone}");
    for field in ["a", "b", "c"] {
        assert_eq!(&case[field], expected, "{field}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_reads_the_report_not_the_investigation_and_no_role_sees_a_birth_date() {
    let app = app().await;
    let sas = principal(Role::Sas);
    let r = app.run(&sas, ACK, json!({ "id": app.sarah })).await;
    assert_eq!(code(&r), "OK", "{r}");
    let r = app.run(&sas, ENTRY, json!({ "id": app.sarah })).await;
    assert_eq!(code(&r), "OK", "{r}");
    let reporter = principal(Role::Reporter);
    for field in ["utredningJournal { text }", "history { eventType }"] {
        let q = format!("query($id: ID!) {{ case(id: $id) {{ {field} }} }}");
        let r = app.run(&reporter, &q, json!({ "id": app.sarah })).await;
        assert_eq!(code(&r), "FORBIDDEN", "{field}: {r}");
    }
    let r = app
        .run(&reporter, READ_CASE, json!({ "id": app.sarah }))
        .await;
    assert_eq!(r["data"]["case"]["state"]["id"], "utredning", "{r}");
    assert_eq!(r["data"]["case"]["personnummer"], "********-****");
    assert!(
        !r.to_string().contains("1912"),
        "no date of birth for the reporter: {r}"
    );
    for role in Role::ALL {
        let r = app
            .run(&principal(role), READ_CASE, json!({ "id": app.sarah }))
            .await;
        if let Some(pnr) = r["data"]["case"]["personnummer"].as_str() {
            assert!(
                pnr == "19121212-1212" || pnr == "********-****",
                "{role}: {pnr}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filing_is_rate_limited_per_caller_and_a_units_existence_is_not_revealed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = varna_testkit::org::sqlite_store(dir.path(), "rate.db", &[("linden", "a")]).await;
    let limits = Limits {
        filings_per_minute: 3,
        ..Limits::default()
    };
    let schema = build_schema(Arc::clone(&store), limits);
    let run = |who: Principal, query: String| {
        let schema = schema.clone();
        async move {
            serde_json::to_value(schema.execute(Request::new(query).data(who)).await).expect("JSON")
        }
    };
    let um = principal(Role::UnitManager);
    for _ in 0..3 {
        assert_eq!(code(&run(um.clone(), FILE.into()).await), "OK");
    }
    let r = run(um.clone(), FILE.into()).await;
    assert_eq!(code(&r), "RATE_LIMITED", "{r}");
    let mut other = principal(Role::UnitManager);
    other.user_id = "unit_manager-2".into();
    assert_eq!(
        code(&run(other.clone(), FILE.into()).await),
        "OK",
        "another caller has a bucket of their own"
    );
    // A unit outside the caller's units answers the same whether or not it exists.
    let elsewhere = |unit: &str| FILE.replace("\"linden\"", &format!("\"{unit}\""));
    let mut probe = principal(Role::UnitManager);
    probe.user_id = "unit_manager-3".into();
    probe.units = BTreeSet::from([UnitId::new("ekbacken")]);
    let existing = run(probe.clone(), elsewhere("linden")).await;
    let missing = run(probe, elsewhere("no-such-unit")).await;
    assert_eq!(code(&existing), "FORBIDDEN", "{existing}");
    assert_eq!(code(&missing), "FORBIDDEN", "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_answers_are_never_cached_and_graphiql_is_pinned_or_off() {
    let (mut state, _dir) = state();
    let token = token_for(Role::Sas, chrono::Duration::hours(1));
    let response = router(state.clone())
        .oneshot(post(r#"{"query":"{ me { userId } }"}"#, Some(&token)))
        .await
        .expect("responds");
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    let page = router(state.clone())
        .oneshot(
            HttpRequest::get("/graphql")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("responds");
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("script-src 'self' https://unpkg.com;"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = body(page).await;
    let scripts = html.matches("<script src=\"https://").count();
    assert_eq!(scripts, 3, "{html}");
    assert_eq!(
        html.matches("integrity=\"sha384-").count(),
        4,
        "every script and stylesheet from the CDN carries its hash"
    );
    assert!(
        !html.contains("@latest") && !html.contains("graphiql/"),
        "versions are exact"
    );
    assert!(!html.contains("<script>"), "no inline script");
    state.graphiql = false;
    let off = router(state)
        .oneshot(
            HttpRequest::get("/graphql")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("responds");
    assert_eq!(off.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steps_clocks_and_fields_carry_the_references_in_force() {
    let app = app().await;
    let r = app
        .run(
            &principal(Role::Sas),
            r#"query($id: ID!) { case(id: $id) { availableTransitions { name legalReferences } deadlines { id legalReferences } } workflows { name fields { name legalReferences } } }"#,
            json!({ "id": app.sarah }),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let case = &r["data"]["case"];
    let refs = |list: &Value, key: &str, name: &str| -> Vec<String> {
        list.as_array()
            .expect("a list")
            .iter()
            .find(|x| x[key] == name)
            .and_then(|x| x["legalReferences"].as_array())
            .unwrap_or_else(|| panic!("{name} in {list}"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let propose = refs(
        &case["availableTransitions"],
        "name",
        "propose_early_anmalan",
    );
    assert!(
        propose.iter().any(|t| t.contains("27 kap. 6 §")),
        "{propose:?}"
    );
    let protective = refs(&case["deadlines"], "id", "protective_measures");
    assert!(
        protective.iter().any(|t| t.contains("27 kap. 5 §"))
            && protective.iter().any(|t| t.contains("LSS 24 e §")),
        "{protective:?}"
    );
    let sarah = r["data"]["workflows"]
        .as_array()
        .expect("workflows")
        .iter()
        .find(|w| w["name"] == "lex-sarah")
        .expect("lex Sarah")
        .clone();
    let noticed = refs(&sarah["fields"], "name", "noticed_on");
    assert!(
        noticed.iter().any(|t| t.contains("27 kap. 2 §")),
        "{noticed:?}"
    );
    assert!(
        !r.to_string().contains("2001:453"),
        "the repealed law is not shown for today's steps"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committee_reads_and_decides_the_kommunal_anmalan_a_file_alone_added() {
    let app = app().await;
    let sas = principal(Role::Sas);
    let filed = app
        .run(
            &sas,
            r#"mutation { fileCase(input: { workflow: "kommunal-anmalan", lagrum: SOL, unit: "linden", fields: { provider_name: "Omsorg i Norr AB", grounds: "no_permit", what_was_found: "Verksamhet utan tillstånd", found_on: "2026-01-10" } }) { caseId case { kind workflow { name } } } }"#,
            json!({}),
        )
        .await;
    assert!(filed["errors"].is_null(), "{filed}");
    assert_eq!(
        filed["data"]["fileCase"]["case"]["kind"],
        Value::Null,
        "no Rust enum knows it"
    );
    let id = json!({ "id": filed["data"]["fileCase"]["caseId"] });
    for (step, fields) in [
        ("start_beredning", json!({})),
        (
            "submit_for_decision",
            json!({ "assessment": "Saknar tillstånd" }),
        ),
    ] {
        let r = app
            .run(
                &sas,
                r#"mutation($id: ID!, $t: String!, $f: JSON!) { transition(input: { caseId: $id, transition: $t, fields: $f }) { version } }"#,
                json!({ "id": id["id"], "t": step, "f": fields }),
            )
            .await;
        assert!(r["errors"].is_null(), "{step}: {r}");
    }
    // The committee takes decisions in this lifecycle, so it reads it —
    // read from the file, not from Rust code — and decides.
    let committee = principal(Role::Committee);
    let read = app.run(&committee, READ_CASE, id.clone()).await;
    assert_eq!(code(&read), "OK", "{read}");
    let decided = app
        .run(
            &committee,
            r#"mutation($id: ID!) { transition(input: { caseId: $id, transition: "decide_anmalan", fields: { outcome: "anmalan", decision_motivation: "Saknar tillstånd" } }) { case { state { id } } } }"#,
            id.clone(),
        )
        .await;
    assert_eq!(
        decided["data"]["transition"]["case"]["state"]["id"], "anmalan_decided",
        "{decided}"
    );
    // It still reads no avvikelse.
    let other = app
        .run(&committee, READ_CASE, json!({ "id": app.hsl }))
        .await;
    assert_eq!(code(&other), "NOT_FOUND", "{other}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_risk_score_is_computed_and_shown_against_its_threshold() {
    let app = app().await;
    let manager = principal(Role::UnitManager);
    let file = |p: i64, c: i64| {
        format!(
            r#"mutation {{ fileCase(input: {{ kind: AVVIKELSE, lagrum: SOL, unit: "linden", fields: {{ what_happened: "Fall", occurred_on: "2026-01-11", category: "fall", risk_probability: {p}, risk_consequence: {c} }} }}) {{ case {{ risk {{ score escalateFrom high }} }} }} }}"#
        )
    };
    let high = app.run(&manager, &file(3, 4), json!({})).await;
    assert_eq!(
        high["data"]["fileCase"]["case"]["risk"],
        json!({ "score": 12, "escalateFrom": 8, "high": true }),
        "{high}"
    );
    let low = app.run(&manager, &file(1, 2), json!({})).await;
    assert_eq!(
        low["data"]["fileCase"]["case"]["risk"],
        json!({ "score": 2, "escalateFrom": 8, "high": false }),
        "{low}"
    );
    let unscored = app
        .run(
            &principal(Role::Sas),
            r#"query($id: ID!) { case(id: $id) { risk { score } } }"#,
            json!({ "id": app.sarah }),
        )
        .await;
    assert_eq!(unscored["data"]["case"]["risk"], Value::Null, "{unscored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_keeps_its_number_and_history_and_is_counted_once() {
    let app = app().await;
    let file = r#"mutation { fileCase(input: { workflow: "avvikelse", lagrum: HSL, unit: "linden",
        fields: { what_happened: "Fall i badrummet", occurred_on: "2026-01-10", category: "fall" } }) { case { id } } }"#;
    let r = app
        .run(&principal(Role::UnitManager), file, json!({}))
        .await;
    assert_eq!(code(&r), "OK", "{r}");
    let duplicate = r["data"]["fileCase"]["case"]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let mark = r#"mutation($a: ID!, $b: ID!) { markDuplicate(input: { caseId: $a, originalCaseId: $b }) {
        case { closed state { id } deadlines { status } links { otherCaseId kind thisCaseIs } history { eventType } } } }"#;
    let pair = json!({ "a": duplicate, "b": app.hsl });
    // A case is not its own duplicate, nor one of another kind (which the
    // SAS cannot see here either); the auditor, who reads but does not act,
    // may not close a case this way.
    for (who, vars, expected) in [
        (
            Role::UnitManager,
            json!({ "a": duplicate, "b": duplicate }),
            "INVALID_INPUT",
        ),
        (
            Role::Sas,
            json!({ "a": duplicate, "b": app.sarah }),
            "NOT_FOUND",
        ),
        (Role::Auditor, pair.clone(), "FORBIDDEN"),
    ] {
        let r = app.run(&principal(who), mark, vars).await;
        assert_eq!(code(&r), expected, "{who}: {r}");
    }
    let r = app
        .run(&principal(Role::UnitManager), mark, pair.clone())
        .await;
    assert_eq!(code(&r), "OK", "{r}");
    let case = &r["data"]["markDuplicate"]["case"];
    assert_eq!(case["closed"], true, "{case}");
    assert_eq!(case["state"]["id"], "registered", "closed where it stood");
    assert!(
        case["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .all(|d| d["status"] == "cancelled"),
        "its clocks stopped: {case}"
    );
    assert_eq!(
        case["links"][0],
        json!({ "otherCaseId": app.hsl, "kind": "duplicate_of", "thisCaseIs": "opened" })
    );
    assert_eq!(case["history"][1]["eventType"], "linked");
    let r = app.run(&principal(Role::UnitManager), mark, pair).await;
    assert_eq!(code(&r), "INVALID_INPUT", "not marked twice: {r}");

    let original = app
        .run(
            &principal(Role::UnitManager),
            r#"query($id: ID!) { case(id: $id) { closed links { otherCaseId kind thisCaseIs } } }"#,
            json!({ "id": app.hsl }),
        )
        .await;
    assert_eq!(original["data"]["case"]["closed"], false, "{original}");
    assert_eq!(
        original["data"]["case"]["links"][0],
        json!({ "otherCaseId": duplicate, "kind": "duplicate_of", "thisCaseIs": "origin" })
    );

    let report = app
        .run(
            &principal(Role::Auditor),
            r#"query($year: Int!) { qualityReport(year: $year) { perLagrum { kind lagrum count duplicates } } }"#,
            json!({ "year": this_year() }),
        )
        .await;
    let hsl = report["data"]["qualityReport"]["perLagrum"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row["kind"] == "avvikelse" && row["lagrum"] == "HSL")
        .cloned();
    assert_eq!(
        hsl,
        Some(json!({ "kind": "avvikelse", "lagrum": "HSL", "count": 1, "duplicates": 1 })),
        "two reports of one matter count once: {report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycles_are_named_by_their_files_and_the_old_enum_is_marked_deprecated() {
    let app = app().await;
    let mas = principal(Role::Mas);
    let by_name = r#"mutation($id: ID!, $w: String) { escalateAvvikelse(input: { caseId: $id, workflow: $w, reason: "Fel läkemedel", affectedGender: MAN }) { opened case { links { kind } } } }"#;
    // A lifecycle the case has no escalating step to, or both ways at once, is refused.
    let r = app
        .run(&mas, by_name, json!({ "id": app.hsl, "w": "klagomal" }))
        .await;
    assert_eq!(code(&r), "INVALID_TRANSITION", "{r}");
    let both = r#"mutation($id: ID!) { escalateAvvikelse(input: { caseId: $id, to: LEX_MARIA, workflow: "lex-maria", reason: "x", affectedGender: MAN }) { opened } }"#;
    assert_eq!(
        code(&app.run(&mas, both, json!({ "id": app.hsl })).await),
        "INVALID_INPUT"
    );
    let r = app
        .run(&mas, by_name, json!({ "id": app.hsl, "w": "lex-maria" }))
        .await;
    assert_eq!(code(&r), "OK", "{r}");
    let opened = json!({ "id": r["data"]["escalateAvvikelse"]["opened"][0] });
    let read = app
        .run(
            &mas,
            r#"query($id: ID!) { case(id: $id) { workflow { name } } }"#,
            opened,
        )
        .await;
    assert_eq!(read["data"]["case"]["workflow"]["name"], "lex-maria");

    // Introspection tells clients to move off the enum.
    let schema = app
        .run(
            &principal(Role::Auditor),
            r#"{ __type(name: "Case") { fields(includeDeprecated: true) { name isDeprecated deprecationReason } } }"#,
            json!({}),
        )
        .await;
    let kind = schema["data"]["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .find(|f| f["name"] == "kind")
        .cloned()
        .expect("kind is still there for old clients");
    assert_eq!(kind["isDeprecated"], true, "{kind}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_sees_a_case_as_it_stood_at_any_event() {
    let app = app().await;
    let sas = principal(Role::Sas);
    let sarah = json!({ "id": app.sarah });
    let r = app.run(&sas, ACK, sarah.clone()).await;
    assert_eq!(code(&r), "OK", "{r}");
    let r = app.run(&sas, ENTRY, sarah.clone()).await;
    assert_eq!(code(&r), "OK", "{r}");
    let then = r#"query($id: ID!, $n: Int) { case(id: $id, atEvent: $n) { asOf version state { id } availableTransitions { name } utredningJournal { topic } history { sequence } } }"#;
    let auditor = principal(Role::Auditor);
    let filed = app
        .run(&auditor, then, json!({ "id": app.sarah, "n": 1 }))
        .await;
    assert_eq!(code(&filed), "OK", "{filed}");
    let case = &filed["data"]["case"];
    assert_eq!(case["state"]["id"], "received", "as filed: {case}");
    assert_eq!(case["version"], 1);
    assert_eq!(case["history"].as_array().map(Vec::len), Some(1));
    assert!(case["asOf"].is_string(), "{case}");
    // Nothing can be done on the past, even by the SAS.
    let past = app
        .run(&sas, then, json!({ "id": app.sarah, "n": 2 }))
        .await;
    assert_eq!(past["data"]["case"]["state"]["id"], "utredning", "{past}");
    assert_eq!(past["data"]["case"]["availableTransitions"], json!([]));
    assert_eq!(past["data"]["case"]["utredningJournal"], json!([]));
    let now = app.run(&sas, then, json!({ "id": app.sarah })).await;
    assert!(now["data"]["case"]["asOf"].is_null(), "{now}");
    assert_eq!(
        now["data"]["case"]["utredningJournal"][0]["topic"],
        "causes"
    );
    // A time before the filing is no case; bad moments are refused.
    let early = app
        .run(
            &auditor,
            r#"query($id: ID!) { case(id: $id, asOf: "2020-01-01T00:00:00Z") { id } }"#,
            sarah.clone(),
        )
        .await;
    assert_eq!(code(&early), "NOT_FOUND", "{early}");
    for n in [json!(0), json!(-3)] {
        let r = app
            .run(&auditor, then, json!({ "id": app.sarah, "n": n }))
            .await;
        assert_eq!(code(&r), "INVALID_INPUT", "{r}");
    }
    // The reporter reads their report, not its investigation's past.
    let reporter = Principal {
        user_id: "reporter-1".into(),
        ..principal(Role::Reporter)
    };
    let r = app
        .run(&reporter, then, json!({ "id": app.sarah, "n": 1 }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    // The read of the past is logged as such.
    let logged = app.run(&auditor, AUDIT, sarah).await;
    assert!(
        logged["data"]["case"]["accessLog"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|row| row["purpose"] == "case_as_of"),
        "{logged}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_finds_who_read_cases_about_a_person() {
    let app = app().await;
    let read = |who: Role, id: &str| {
        let query = json!({ "id": id });
        let app = &app;
        async move { app.run(&principal(who), READ_CASE, query).await }
    };
    read(Role::Sas, &app.sarah).await;
    read(Role::UnitManager, &app.hsl).await;
    let search = r#"query($f: AccessLogFilter, $first: Int, $after: String) { accessLog(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { caseId userId role purpose } } }"#;
    let auditor = principal(Role::Auditor);
    let year = this_year();
    let about = |pnr: &str| json!({ "f": { "personnummer": pnr, "from": format!("{year}-01-01T00:00:00Z"), "to": format!("{}-01-01T00:00:00Z", year + 1) } });
    let found = app.run(&auditor, search, about("191212121212")).await;
    assert_eq!(code(&found), "OK", "{found}");
    let nodes = found["data"]["accessLog"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert!(
        nodes.iter().any(|n| n["caseId"] == app.sarah.as_str()
            && n["userId"] == "sas-1"
            && n["role"] == "sas"),
        "{found}"
    );
    assert!(
        nodes.iter().all(|n| n["caseId"] == app.sarah.as_str()),
        "only reads of the person's cases: {found}"
    );
    let nobody = app.run(&auditor, search, about("20000101-0008")).await;
    assert_eq!(nobody["data"]["accessLog"]["totalCount"], 0, "{nobody}");
    // A malformed number is refused without being repeated back.
    let bad = app.run(&auditor, search, about("19121212-1213")).await;
    assert_eq!(code(&bad), "INVALID_INPUT", "{bad}");
    assert!(!bad.to_string().contains("19121212-1213"), "{bad}");
    // By user, paged.
    let by_user = json!({ "f": { "userId": "sas-1" }, "first": 1 });
    let page = app.run(&auditor, search, by_user).await;
    assert_eq!(
        page["data"]["accessLog"]["nodes"].as_array().map(Vec::len),
        Some(1),
        "{page}"
    );
    // For auditors only.
    for role in [Role::Sas, Role::Committee, Role::Admin] {
        let r = app
            .run(&principal(role), search, about("191212121212"))
            .await;
        assert_eq!(code(&r), "FORBIDDEN", "{role}: {r}");
    }
    // The search itself is logged against the case it named.
    let logged = app.run(&auditor, AUDIT, json!({ "id": app.sarah })).await;
    assert!(
        logged["data"]["case"]["accessLog"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|row| row["purpose"] == "access_log" && row["userId"] == "auditor-1"),
        "{logged}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_asks_across_cases_what_was_done() {
    let app = app().await;
    let r = app
        .run(&principal(Role::Sas), ACK, json!({ "id": app.sarah }))
        .await;
    assert_eq!(code(&r), "OK", "{r}");
    let search = r#"query($f: EventFilterInput, $first: Int, $after: String) { events(filter: $f, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { caseId event { sequence eventType actorId actorRole transition payload } } } }"#;
    let auditor = principal(Role::Auditor);
    let run = |f: Value| {
        let app = &app;
        let auditor = &auditor;
        async move { app.run(auditor, search, json!({ "f": f })).await }
    };
    // Everything the SAS did.
    let by_sas = run(json!({ "userId": "sas-1" })).await;
    assert_eq!(code(&by_sas), "OK", "{by_sas}");
    let nodes = by_sas["data"]["events"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 1, "{by_sas}");
    assert_eq!(nodes[0]["caseId"], app.sarah.as_str());
    assert_eq!(nodes[0]["event"]["transition"], "acknowledge");
    // Every filing of one lifecycle, and every taking of one step.
    let filed = run(json!({ "eventTypes": ["filed"], "workflows": ["avvikelse"] })).await;
    assert_eq!(filed["data"]["events"]["totalCount"], 2, "{filed}");
    let acks = run(json!({ "transitions": ["acknowledge"] })).await;
    assert_eq!(acks["data"]["events"]["totalCount"], 1, "{acks}");
    let none = run(json!({ "transitions": ["acknowledge"], "units": ["norr"] })).await;
    assert_eq!(none["data"]["events"]["totalCount"], 0, "{none}");
    // Personal values stay masked for the auditor, as in a case's history.
    let sarah_filed = run(json!({ "eventTypes": ["filed"], "workflows": ["lex-sarah"] })).await;
    let payload = &sarah_filed["data"]["events"]["nodes"][0]["event"]["payload"];
    assert_eq!(
        payload["fields"]["affected_person_name"], "***",
        "{payload}"
    );
    // Paged, newest first.
    let first = app.run(&auditor, search, json!({ "first": 1 })).await;
    let page = &first["data"]["events"];
    assert_eq!(page["pageInfo"]["hasNextPage"], true, "{first}");
    let next = app
        .run(
            &auditor,
            search,
            json!({ "first": 1, "after": page["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_ne!(
        next["data"]["events"]["nodes"][0], page["nodes"][0],
        "the next page goes on: {next}"
    );
    // For auditors only; the search is itself logged.
    let r = app
        .run(&principal(Role::Sas), search, json!({ "f": {} }))
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let logged = app.run(&auditor, AUDIT, json!({ "id": app.sarah })).await;
    assert!(
        logged["data"]["case"]["accessLog"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|row| row["purpose"] == "access_log"),
        "{logged}"
    );
}

#[tokio::test]
async fn the_handlaggare_is_named_over_the_api_and_read_by_investigators() {
    let app = app().await;
    app.store
        .upsert_user(varna_store::NewUser {
            id: "sas-2".into(),
            name: "Nils Utredare".into(),
            title: "Utredare".into(),
            roles: vec![(Role::Sas, None)],
        })
        .await
        .expect("user");
    let assign = r#"mutation($id: ID!, $p: String!) { assignHandlaggare(input: { caseId: $id, personId: $p }) {
        case { handlaggare { id name title role } history { eventType } } } }"#;
    for (who, person, expected) in [
        (Role::Auditor, "sas-2", "FORBIDDEN"),
        (Role::Sas, "nobody", "INVALID_INPUT"),
        (Role::Reporter, "nobody", "FORBIDDEN"),
    ] {
        let r = app
            .run(
                &principal(who),
                assign,
                json!({ "id": app.sarah, "p": person }),
            )
            .await;
        assert_eq!(code(&r), expected, "{who} naming {person}: {r}");
    }
    let r = app
        .run(
            &principal(Role::Sas),
            assign,
            json!({ "id": app.sarah, "p": "sas-2" }),
        )
        .await;
    assert_eq!(code(&r), "OK", "{r}");
    let case = &r["data"]["assignHandlaggare"]["case"];
    assert_eq!(
        case["handlaggare"],
        json!({ "id": "sas-2", "name": "Nils Utredare", "title": "Utredare", "role": "sas" })
    );
    assert_eq!(case["history"][1]["eventType"], "assigned");
    let read = r#"query($id: ID!) { case(id: $id) { handlaggare { id } } }"#;
    let r = app
        .run(&principal(Role::Reporter), read, json!({ "id": app.sarah }))
        .await;
    assert_eq!(code(&r), "OK", "{r}");
    assert!(
        r["data"]["case"]["handlaggare"].is_null(),
        "a reporter does not read who investigates: {r}"
    );
}
