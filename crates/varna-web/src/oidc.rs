//! Sign-in through the municipality's OpenID Connect provider: the
//! authorization-code flow with PKCE (S256), `state` and `nonce`.
//!
//! `/auth/start` keeps state, nonce and the PKCE verifier in a short-lived
//! signed cookie (`SameSite=Lax`, so it comes back with the provider's
//! redirect, and only to `/auth`) and sends the browser to the provider.
//! `/auth/callback` checks the state, exchanges the code for tokens at the
//! provider's token endpoint, verifies the ID token with the provider's
//! keys (issuer, audience = client id, expiry, nonce) and signs the person
//! in with the role and units the token carries (claims `role` and `units`,
//! as for API bearer tokens).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use varna_api::{AuthConfig, Keys, Principal};

/// The flow cookie.
pub const FLOW_COOKIE: &str = "varna_oidc";
/// How long a sign-in at the provider may take.
const FLOW_MINUTES: i64 = 10;

/// The flow cookie's `Set-Cookie` value, or with `delete` the one that
/// removes it. `Lax`, not `Strict`: it must come back with the provider's
/// redirect; and only to `/auth`.
pub fn flow_cookie(value: &str, delete: bool, secure: bool) -> String {
    let max_age = if delete { 0 } else { FLOW_MINUTES * 60 };
    crate::session::cookie_line(FLOW_COOKIE, value, "/auth", "Lax", max_age, secure)
}

/// A provider Varna signs people in through.
#[derive(Clone)]
pub struct Oidc {
    /// The issuer (`iss` of its ID tokens).
    pub issuer: String,
    /// Varna's client id there (the ID tokens' audience).
    pub client_id: String,
    client_secret: Option<String>,
    /// Where the provider sends the browser back: `<public url>/auth/callback`.
    pub redirect_url: String,
    authorization_endpoint: String,
    token_endpoint: String,
    verifier: Arc<AuthConfig>,
    http: reqwest::Client,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("redirect_url", &self.redirect_url)
            .finish_non_exhaustive()
    }
}

/// Why the provider could not be set up, or a sign-in failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Discovery or the key set could not be fetched or read.
    #[error("OpenID Connect discovery at {url} failed: {reason}")]
    Discovery {
        /// What was fetched.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// The callback's state does not match the flow cookie (or there is none).
    #[error("the sign-in response does not belong to a sign-in started here")]
    State,
    /// The provider reported an error, or the code exchange failed.
    #[error("the identity provider refused the sign-in: {0}")]
    Provider(String),
    /// The ID token did not verify, or its nonce did not match.
    #[error("the identity provider's ID token was not accepted: {0}")]
    Token(String),
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

impl Oidc {
    /// Reads the provider's discovery document and key set.
    pub async fn discover(
        issuer: &str,
        client_id: &str,
        client_secret: Option<String>,
        public_url: &str,
    ) -> Result<Oidc, OidcError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| OidcError::Discovery {
                url: issuer.to_owned(),
                reason: e.to_string(),
            })?;
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let discovery: Discovery = fetch_json(&http, &url).await?;
        if discovery.issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(OidcError::Discovery {
                url,
                reason: format!("it names another issuer, {}", discovery.issuer),
            });
        }
        let keys: JwkSet = fetch_json(&http, &discovery.jwks_uri).await?;
        Ok(Oidc {
            issuer: discovery.issuer.clone(),
            client_id: client_id.to_owned(),
            client_secret,
            redirect_url: format!("{}/auth/callback", public_url.trim_end_matches('/')),
            authorization_endpoint: discovery.authorization_endpoint,
            token_endpoint: discovery.token_endpoint,
            verifier: Arc::new(AuthConfig::new(
                discovery.issuer,
                client_id,
                Keys::Jwks(keys),
            )),
            http,
        })
    }

    /// Starts a sign-in: the provider URL to send the browser to, and the
    /// flow cookie's value (signed with `key`).
    pub fn start(&self, key: &[u8], now: DateTime<Utc>) -> (String, String) {
        let flow = Flow {
            state: random_token(),
            nonce: random_token(),
            verifier: random_token(),
            exp: (now + chrono::Duration::minutes(FLOW_MINUTES)).timestamp(),
        };
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(flow.verifier.as_bytes()));
        let mut url = reqwest::Url::parse(&self.authorization_endpoint)
            .expect("the discovered authorization endpoint is a URL");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_url)
            .append_pair("scope", "openid profile")
            .append_pair("state", &flow.state)
            .append_pair("nonce", &flow.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        let cookie = encode(
            &Header::new(Algorithm::HS256),
            &flow,
            &EncodingKey::from_secret(key),
        )
        .expect("HS256 signing cannot fail");
        (url.to_string(), cookie)
    }

    /// Finishes a sign-in: checks `state` against the flow cookie, redeems
    /// `code` and verifies the ID token. The principal and display name.
    pub async fn finish(
        &self,
        key: &[u8],
        flow_cookie: Option<&str>,
        state: &str,
        code: &str,
    ) -> Result<(Principal, Option<String>), OidcError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_aud = false;
        let flow = flow_cookie
            .and_then(|c| decode::<Flow>(c, &DecodingKey::from_secret(key), &validation).ok())
            .map(|d| d.claims)
            .ok_or(OidcError::State)?;
        if flow.state != state {
            return Err(OidcError::State);
        }
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_url.as_str()),
            ("client_id", self.client_id.as_str()),
            ("code_verifier", flow.verifier.as_str()),
        ];
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.as_str()));
        }
        let response = self
            .http
            .post(&self.token_endpoint)
            .form(&form)
            .send()
            .await
            .map_err(|e| OidcError::Provider(format!("token endpoint unreachable: {e}")))?;
        let status = response.status();
        let body: serde_json::Value = response
            .bytes()
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| OidcError::Provider(format!("token endpoint answered {status}")))?;
        if !status.is_success() {
            let error = body["error"].as_str().unwrap_or("unknown error");
            return Err(OidcError::Provider(format!("token endpoint: {error}")));
        }
        let id_token = body["id_token"]
            .as_str()
            .ok_or_else(|| OidcError::Provider("no id_token in the token response".into()))?;
        let (principal, extra) = self
            .verifier
            .verify_id_token(id_token)
            .map_err(|e| OidcError::Token(e.to_string()))?;
        if extra.nonce.as_deref() != Some(flow.nonce.as_str()) {
            return Err(OidcError::Token("the nonce does not match".into()));
        }
        Ok((principal, extra.name))
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
    exp: i64,
}

/// 256 random bits as 64 hex digits (valid as state, nonce and PKCE verifier).
fn random_token() -> String {
    crate::session::new_csrf_token()
}

async fn fetch_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, OidcError> {
    let fail = |reason: String| OidcError::Discovery {
        url: url.to_owned(),
        reason,
    };
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    if !response.status().is_success() {
        return Err(fail(format!("HTTP {}", response.status())));
    }
    let body = response.bytes().await.map_err(|e| fail(e.to_string()))?;
    serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_is_the_s256_of_the_verifier() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
}
