//! RS256 tokens from an OIDC issuer, verified with the issuer's JWKS: the
//! production path. The keys in fixtures/ are test-only.

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use varna_api::auth::Claims;
use varna_api::{AuthConfig, AuthError, Keys};
use varna_workflow::Role;

fn config() -> AuthConfig {
    let jwks = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/test-issuer.jwks.json"
    ))
    .expect("fixture");
    AuthConfig::new(
        "https://idp.example.se",
        "varna",
        Keys::Jwks(serde_json::from_str(&jwks).expect("a JWKS")),
    )
}

fn token(der: &str, kid: Option<&str>, iss: &str, expires_in: i64) -> String {
    let key = EncodingKey::from_rsa_der(
        &std::fs::read(format!(
            "{}/tests/fixtures/{der}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("fixture"),
    );
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    let now = chrono::Utc::now().timestamp();
    let claims = Claims {
        sub: "mas-7".into(),
        role: "mas".into(),
        units: vec![],
        iss: iss.into(),
        aud: "varna".into(),
        exp: now + expires_in,
        iat: now,
        nbf: None,
        jti: None,
    };
    encode(&header, &claims, &key).expect("signs")
}

#[test]
fn an_issuer_signed_token_verifies_through_the_jwks() {
    let p = config()
        .verify(&token(
            "test-issuer.der",
            Some("test-key-1"),
            "https://idp.example.se",
            600,
        ))
        .expect("verifies");
    assert_eq!((p.user_id.as_str(), p.role), ("mas-7", Role::Mas));
}

#[test]
fn other_keys_unknown_kids_issuers_and_expired_tokens_are_refused() {
    let c = config();
    assert_eq!(
        c.verify(&token(
            "other-issuer.der",
            Some("test-key-1"),
            "https://idp.example.se",
            600
        )),
        Err(AuthError::Invalid)
    );
    assert_eq!(
        c.verify(&token(
            "test-issuer.der",
            Some("rotated-away"),
            "https://idp.example.se",
            600
        )),
        Err(AuthError::Invalid)
    );
    assert_eq!(
        c.verify(&token(
            "test-issuer.der",
            Some("test-key-1"),
            "https://evil.example",
            600
        )),
        Err(AuthError::WrongIssuerOrAudience)
    );
    assert_eq!(
        c.verify(&token(
            "test-issuer.der",
            Some("test-key-1"),
            "https://idp.example.se",
            -600
        )),
        Err(AuthError::Expired)
    );
    // An HS256 token "signed" with the public key's bytes (algorithm confusion) is refused.
    let hs = varna_api::mint_hs256(
        b"the-public-modulus-is-no-secret!",
        "https://idp.example.se",
        "varna",
        &varna_api::Principal {
            user_id: "x".into(),
            role: Role::Sas,
            units: Default::default(),
        },
        chrono::Duration::hours(1),
        chrono::Utc::now(),
    );
    assert_eq!(c.verify(&hs), Err(AuthError::Invalid));
}
