//! Hostile input against a real `varna serve --demo` over HTTP: huge and
//! malformed bodies, deep and wide queries, bad tokens, bad personnummer,
//! SQL and script payloads. Every refusal is a clear 4xx or GraphQL error
//! (never a 5xx), writes nothing, and the server keeps serving.

mod common;

use common::{Server, token};
use serde_json::{Value, json};
use varna_api::{Principal, mint_hs256};
use varna_workflow::{Role, UnitId};

const COUNT: &str = "{ cases(first: 1) { totalCount } }";

fn total(server: &Server) -> i64 {
    let r = server.graphql(&token(Role::Auditor, &[]), COUNT, &json!({}));
    r["data"]["cases"]["totalCount"].as_i64().expect("a count")
}

fn code(body: &str) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    v["errors"][0]["extensions"]["code"]
        .as_str()
        .or_else(|| v["errors"][0]["message"].as_str().map(|_| "(no code)"))
        .unwrap_or("none")
        .to_owned()
}

/// Sends `body` and checks the answer is a refusal: a 4xx, or a 200 that
/// carries GraphQL errors and no data.
fn refused(server: &Server, what: &str, token: Option<&str>, body: &[u8]) -> (u16, String) {
    let (status, text) = server
        .request_bytes("POST", "/graphql", token, body)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(status != 0, "{what}: no HTTP answer");
    assert!(status < 500, "{what}: HTTP {status}: {text}");
    if status == 200 {
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{what}: {text}"));
        assert!(
            v["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{what}: {text}"
        );
        assert!(
            v["data"].is_null()
                || v["data"]
                    .as_object()
                    .is_some_and(|d| d.values().all(Value::is_null)),
            "{what}: {text}"
        );
    }
    (status, text)
}

fn query(q: &str) -> Vec<u8> {
    json!({ "query": q }).to_string().into_bytes()
}

#[test]
fn hostile_requests_get_clear_refusals_and_change_nothing() {
    let server = Server::demo(None);
    let reporter = token(Role::Reporter, &["linden"]);
    let before = total(&server);

    // A 10 MB body.
    let mut big = br#"{"query":"{ me { userId } }","variables":{"x":""#.to_vec();
    big.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
    big.extend(br#""}}"#);
    let (status, _) = refused(&server, "10 MB body", Some(&reporter), &big);
    assert_eq!(status, 413, "a body over the limit is refused as too large");

    // 1,000-deep nesting, as selections and as list values.
    let nested = format!(
        "query {{ {} }}",
        (0..1000).fold(String::from("userId"), |inner, _| format!(
            "me {{ {inner} }}"
        ))
    );
    let (_, text) = refused(
        &server,
        "1,000-deep selections",
        Some(&reporter),
        &query(&nested),
    );
    assert_eq!(code(&text), "INVALID_INPUT", "{text}");
    let list = format!(
        r#"mutation {{ fileCase(input: {{ kind: AVVIKELSE, lagrum: SOL, unit: "linden", fields: {{ what_happened: {}x{} }} }}) {{ caseId }} }}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    refused(
        &server,
        "1,000-deep list value",
        Some(&reporter),
        &query(&list),
    );

    // Alias fan-out: 5,000 aliases of a case list.
    let wide: String = (0..5000)
        .map(|i| format!("a{i}: cases(first: 200) {{ totalCount }} "))
        .collect();
    let (_, text) = refused(
        &server,
        "alias fan-out",
        Some(&reporter),
        &query(&format!("{{ {wide} }}")),
    );
    assert!(text.contains("too complex"), "{text}");
    assert_eq!(code(&text), "INVALID_INPUT", "every error carries a code");

    // Bodies that are not GraphQL requests.
    let (status, text) = refused(
        &server,
        "invalid UTF-8",
        Some(&reporter),
        b"{\"query\": \"{ me { userId } }\xff\xfe\"}",
    );
    assert_eq!(status, 400, "{text}");
    assert_eq!(code(&text), "INVALID_INPUT");
    let (status, _) = refused(
        &server,
        "not JSON",
        Some(&reporter),
        b"query { me { userId } }",
    );
    assert_eq!(status, 400);
    let (_, text) = refused(
        &server,
        "syntax error",
        Some(&reporter),
        &query("{ me { userId "),
    );
    assert_eq!(code(&text), "INVALID_INPUT", "{text}");

    // Tokens: missing, garbage, forged, expired, alg none.
    let principal = Principal {
        user_id: "intruder".into(),
        role: Role::Admin,
        units: [UnitId::new("linden")].into(),
    };
    let now = chrono::Utc::now();
    let forged = mint_hs256(
        b"not-the-server-secret-not-the-secret",
        "varna",
        "varna",
        &principal,
        chrono::Duration::hours(1),
        now,
    );
    let expired = mint_hs256(
        common::SECRET.as_bytes(),
        "varna",
        "varna",
        &principal,
        chrono::Duration::hours(1),
        now - chrono::Duration::hours(3),
    );
    let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJpbnRydWRlciIsInJvbGUiOiJhZG1pbiJ9.";
    for (what, t) in [
        ("no token", None),
        ("garbage token", Some("not.a.token")),
        ("forged token", Some(forged.as_str())),
        ("expired token", Some(expired.as_str())),
        ("alg none token", Some(none)),
    ] {
        let (status, text) = refused(&server, what, t, &query("{ me { userId } }"));
        assert_eq!(status, 401, "{what}: {text}");
        assert!(
            !text.contains("intruder"),
            "{what}: the token's content is not echoed"
        );
    }

    // Malformed personnummer: refused, and not echoed.
    for pnr in [
        "19121212-1213",
        "1912121212",
        "abc",
        "19991399-0000",
        "'; DROP TABLE cases; --",
        // Multi-byte characters where the separator would be: these once
        // panicked the parser (found by fuzz/fuzz_targets/personnummer.rs).
        "1234567é1234",
        "123456é123",
    ] {
        let q = json!({
            "query": "mutation($p: String) { fileCase(input: { kind: LEX_SARAH, lagrum: SOL, unit: \"linden\", personnummer: $p, fields: { what_happened: \"x\", occurred_on: \"2026-11-01\", affected_gender: \"man\" } }) { caseId } }",
            "variables": { "p": pnr },
        });
        let (_, text) = refused(
            &server,
            "bad personnummer",
            Some(&reporter),
            q.to_string().as_bytes(),
        );
        assert_eq!(code(&text), "INVALID_INPUT", "{pnr}: {text}");
        assert!(
            !text.contains(pnr),
            "{pnr}: the personnummer is echoed: {text}"
        );
    }
    assert_eq!(total(&server), before, "no refused request wrote a case");

    // SQL and script payloads in text fields are data: stored and returned
    // verbatim, and nothing else happens.
    let payload =
        "Robert'); DROP TABLE cases;-- <script>alert(1)</script> \u{0000}\u{202e} ' OR 1=1 --";
    let q = json!({
        "query": "mutation($t: JSON!) { fileCase(input: { kind: AVVIKELSE, lagrum: SOL, unit: \"linden\", fields: $t }) { caseId case { fields { name value } } } }",
        "variables": { "t": { "what_happened": payload, "occurred_on": "2026-11-01", "category": "fall", "affected_gender": "man", "avvikelse_type": "brukarrelaterad" } },
    });
    let r = server.graphql(
        &reporter,
        q["query"].as_str().expect("text"),
        &q["variables"],
    );
    let fields = r["data"]["fileCase"]["case"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"));
    let stored = fields
        .iter()
        .find(|f| f["name"] == "what_happened")
        .expect("the field");
    assert_eq!(stored["value"], json!(payload));
    assert_eq!(
        total(&server),
        before + 1,
        "exactly the one case was written"
    );

    // And the server is still healthy.
    let (status, _) = server.request("GET", "/ready", None, "").expect("ready");
    assert_eq!(status, 200);
    assert!(server.stop().success(), "a clean exit on SIGTERM");
}
