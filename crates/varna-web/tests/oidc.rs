//! Sign-in through OpenID Connect against a small provider on a loopback
//! port: discovery, keys, and a token endpoint that checks the PKCE
//! verifier and signs ID tokens with the API tests' RSA key. The browser
//! side goes through the router with cookies, as in `pages.rs`.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Browser, app_with};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use varna_web::oidc::Oidc;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../varna-api/tests/fixtures");
const CLIENT: &str = "varna-test";
const PUBLIC: &str = "http://127.0.0.1:8080";

/// What the provider was asked, and how it answers.
#[derive(Default)]
struct Provider {
    base: String,
    /// (code_challenge, nonce) of the last authorization request.
    pending: Option<(String, String)>,
    /// Sign this nonce instead of the requested one.
    wrong_nonce: bool,
    /// The role claim it puts in ID tokens.
    role: String,
}

type Shared = Arc<Mutex<Provider>>;

async fn token(
    State(p): State<Shared>,
    Form(form): Form<BTreeMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let p = p.lock().expect("provider");
    let refuse = |e: &str| (StatusCode::BAD_REQUEST, Json(json!({ "error": e })));
    let Some((challenge, nonce)) = &p.pending else {
        return refuse("invalid_request");
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
        return refuse("invalid_grant");
    }
    if form.get("code").map(String::as_str) != Some("the-code")
        || form.get("client_id").map(String::as_str) != Some(CLIENT)
        || form.get("redirect_uri").map(String::as_str) != Some(&format!("{PUBLIC}/auth/callback"))
        || form.get("client_secret").map(String::as_str) != Some("s3cret")
    {
        return refuse("invalid_grant");
    }
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": p.base, "aud": CLIENT, "sub": "sas-anna", "exp": now + 300, "iat": now,
        "role": p.role, "units": [], "name": "Anna Lindqvist",
        "nonce": if p.wrong_nonce { "not-the-nonce".to_owned() } else { nonce.clone() },
    });
    let der = std::fs::read(format!("{FIXTURES}/test-issuer.der")).expect("the test key");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key-1".into());
    let id_token = encode(&header, &claims, &EncodingKey::from_rsa_der(&der)).expect("signs");
    (
        StatusCode::OK,
        Json(json!({ "id_token": id_token, "token_type": "Bearer", "access_token": "x" })),
    )
}

async fn provider() -> Shared {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let shared: Shared = Arc::new(Mutex::new(Provider {
        base: base.clone(),
        role: "sas".into(),
        ..Provider::default()
    }));
    let discovery = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
    });
    let jwks: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/test-issuer.jwks.json")).expect("jwks"),
    )
    .expect("JSON");
    let routes = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(discovery) }),
        )
        .route("/jwks", get(move || async move { Json(jwks) }))
        .route("/token", post(token))
        .with_state(Arc::clone(&shared));
    tokio::spawn(async move { axum::serve(listener, routes).await });
    shared
}

/// The query of `url` as a map.
fn query(url: &str) -> BTreeMap<String, String> {
    let url = reqwest::Url::parse(url).expect("a URL");
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Starts a sign-in in `browser`; the provider records the request. The state.
async fn start(browser: &mut Browser<'_>, shared: &Shared) -> String {
    let started = browser.get("/auth/start").await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let location = started.location.expect("to the provider");
    let base = shared.lock().expect("provider").base.clone();
    assert!(
        location.starts_with(&format!("{base}/authorize?")),
        "{location}"
    );
    let q = query(&location);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], CLIENT);
    assert_eq!(q["redirect_uri"], format!("{PUBLIC}/auth/callback"));
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    let flow = started
        .set_cookies
        .iter()
        .find(|c| c.starts_with("varna_oidc="))
        .expect("a flow cookie");
    assert!(
        flow.contains("SameSite=Lax") && flow.contains("HttpOnly") && flow.contains("Path=/auth")
    );
    shared.lock().expect("provider").pending =
        Some((q["code_challenge"].clone(), q["nonce"].clone()));
    q["state"].clone()
}

async fn oidc(shared: &Shared) -> Oidc {
    let base = shared.lock().expect("provider").base.clone();
    Oidc::discover(&base, CLIENT, Some("s3cret".into()), PUBLIC)
        .await
        .expect("discovery")
}

#[tokio::test]
async fn a_person_signs_in_through_the_provider_and_works_with_their_role() {
    let shared = provider().await;
    let app = app_with(Some(oidc(&shared).await)).await;
    let mut browser = Browser::new(&app);
    let page = browser.get("/signin").await;
    assert!(
        page.html.contains("Logga in med kommunens inloggning"),
        "{}",
        page.html
    );

    let state = start(&mut browser, &shared).await;
    let back = browser
        .get(&format!("/auth/callback?code=the-code&state={state}"))
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.html);
    assert!(
        back.html.contains("http-equiv=\"refresh\""),
        "on to / from a same-site page"
    );
    let session = back
        .set_cookies
        .iter()
        .find(|c| c.starts_with("varna_session="))
        .expect("a session cookie");
    assert!(session.contains("SameSite=Strict") && session.contains("HttpOnly"));
    assert!(
        !browser.cookies.contains_key("varna_oidc"),
        "the flow cookie is spent"
    );

    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.html.contains("Anna Lindqvist") && home.html.contains("SAS"),
        "{}",
        home.html
    );
    // The same code and state a second time (a replayed callback) signs no one in.
    browser.cookies.remove("varna_session");
    let replay = browser
        .get(&format!("/auth/callback?code=the-code&state={state}"))
        .await;
    assert_eq!(replay.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("varna_session"));
}

#[tokio::test]
async fn forged_state_wrong_nonce_refusals_and_unknown_roles_sign_no_one_in() {
    let shared = provider().await;
    let app = app_with(Some(oidc(&shared).await)).await;

    // A callback whose state is not the one this browser started.
    let mut browser = Browser::new(&app);
    let _ = start(&mut browser, &shared).await;
    let forged = browser
        .get(&format!(
            "/auth/callback?code=the-code&state={}",
            "f".repeat(64)
        ))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(
        forged.html.contains("startades inte här"),
        "{}",
        forged.html
    );
    assert!(!browser.cookies.contains_key("varna_session"));

    // A callback in a browser that started nothing (login CSRF).
    let mut other = Browser::new(&app);
    let page = other.get("/auth/callback?code=the-code&state=abc").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    // The provider said no.
    let mut browser = Browser::new(&app);
    let state = start(&mut browser, &shared).await;
    let denied = browser
        .get(&format!("/auth/callback?error=access_denied&state={state}"))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("varna_session"));

    // An ID token minted for another sign-in (its nonce differs).
    let mut browser = Browser::new(&app);
    let state = start(&mut browser, &shared).await;
    shared.lock().expect("provider").wrong_nonce = true;
    let page = browser
        .get(&format!("/auth/callback?code=the-code&state={state}"))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!browser.cookies.contains_key("varna_session"));
    shared.lock().expect("provider").wrong_nonce = false;

    // A person the provider knows but who has no role in Varna.
    shared.lock().expect("provider").role = "janitor".into();
    let mut browser = Browser::new(&app);
    let state = start(&mut browser, &shared).await;
    let page = browser
        .get(&format!("/auth/callback?code=the-code&state={state}"))
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.html.contains("saknar ditt konto roll"),
        "{}",
        page.html
    );
    assert!(!browser.cookies.contains_key("varna_session"));
}

#[tokio::test]
async fn a_provider_that_cannot_be_discovered_is_a_clear_start_up_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    drop(listener);
    let e = Oidc::discover(&base, CLIENT, None, PUBLIC)
        .await
        .expect_err("nothing answers");
    let message = e.to_string();
    assert!(
        message.contains(".well-known/openid-configuration"),
        "{message}"
    );
    // Without a provider the sign-in routes say so.
    let app = app_with(None).await;
    let mut browser = Browser::new(&app);
    assert_eq!(
        browser.get("/auth/start").await.status,
        StatusCode::NOT_FOUND
    );
}
