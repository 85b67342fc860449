//! Authentication: bearer JWTs carrying the user id, one role and the
//! units. HS256 with a local secret for a single installation (`varna token`
//! mints development tokens); RS256 with keys from an OIDC issuer's JWKS for
//! production. Issuer, audience and expiry are always checked.

use std::collections::BTreeSet;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};
use varna_workflow::{Actor, ActorId, Role, UnitId};

/// Who is calling: taken from a verified token, never from the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token subject (user id).
    pub user_id: String,
    /// The role acted in.
    pub role: Role,
    /// Units the user belongs to.
    pub units: BTreeSet<UnitId>,
}

impl Principal {
    /// The principal as the engine's actor.
    pub fn actor(&self) -> Actor {
        Actor {
            id: ActorId::new(self.user_id.clone()),
            role: self.role,
            units: self.units.clone(),
        }
    }
}

/// The claims Varna reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Role id (`sas`, `unit_manager`, …).
    pub role: String,
    /// Unit codes.
    #[serde(default)]
    pub units: Vec<String>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issued at.
    #[serde(default)]
    pub iat: i64,
}

/// Which keys verify tokens.
#[derive(Clone)]
pub enum Keys {
    /// A shared secret (HS256).
    Hs256(Vec<u8>),
    /// An issuer's public keys (RS256), from its JWKS document.
    Jwks(JwkSet),
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Keys::Hs256(_) => f.write_str("Hs256(<secret>)"),
            Keys::Jwks(set) => write!(f, "Jwks({} keys)", set.keys.len()),
        }
    }
}

/// How tokens are verified.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`.
    pub audience: String,
    /// Verification keys.
    pub keys: Keys,
}

/// The shortest HS256 secret accepted (256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

/// Why a token was refused. Messages say what to fix, never echo the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer …` header.
    #[error(
        "missing bearer token: send `Authorization: Bearer <token>` (development tokens: `varna token --help`)"
    )]
    Missing,
    /// The token is expired.
    #[error("the token has expired: get a new one")]
    Expired,
    /// Wrong issuer or audience.
    #[error("the token was issued for another issuer or audience")]
    WrongIssuerOrAudience,
    /// Signature, format or algorithm wrong, or unknown key.
    #[error("the token is invalid (bad signature, format or key)")]
    Invalid,
    /// The token names a role Varna does not know.
    #[error("the token's role is not a Varna role")]
    UnknownRole,
}

impl AuthConfig {
    /// Verifies a bearer token and returns the principal.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        self.verify_session(token).map(|(p, _)| p)
    }

    /// Verifies a bearer token and returns the principal and when the
    /// token expires (a subscription ends then).
    pub fn verify_session(
        &self,
        token: &str,
    ) -> Result<(Principal, chrono::DateTime<chrono::Utc>), AuthError> {
        let claims: Claims = self.decode_verified(token)?;
        let expires = chrono::DateTime::from_timestamp(claims.exp, 0).ok_or(AuthError::Invalid)?;
        Ok((principal_of(claims)?, expires))
    }

    /// Verifies an OpenID Connect ID token (the issuer's signature, `iss`,
    /// `aud` = the client id, expiry) and returns the principal with the
    /// token's `nonce` and `name`. The caller compares the nonce with the
    /// one it sent.
    pub fn verify_id_token(&self, token: &str) -> Result<(Principal, IdToken), AuthError> {
        let id: IdTokenClaims = self.decode_verified(token)?;
        let extra = IdToken {
            nonce: id.nonce,
            name: id.name,
        };
        Ok((principal_of(id.claims)?, extra))
    }

    fn decode_verified<T: serde::de::DeserializeOwned>(&self, token: &str) -> Result<T, AuthError> {
        let (key, algorithm) = match &self.keys {
            Keys::Hs256(secret) => (DecodingKey::from_secret(secret), Algorithm::HS256),
            Keys::Jwks(set) => {
                let header = decode_header(token).map_err(|_| AuthError::Invalid)?;
                if header.alg != Algorithm::RS256 {
                    return Err(AuthError::Invalid);
                }
                let jwk = match &header.kid {
                    Some(kid) => set.find(kid),
                    None if set.keys.len() == 1 => set.keys.first(),
                    None => None,
                }
                .ok_or(AuthError::Invalid)?;
                (
                    DecodingKey::from_jwk(jwk).map_err(|_| AuthError::Invalid)?,
                    Algorithm::RS256,
                )
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        decode::<T>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                jsonwebtoken::errors::ErrorKind::InvalidIssuer
                | jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                    AuthError::WrongIssuerOrAudience
                }
                _ => AuthError::Invalid,
            })
    }
}

fn principal_of(claims: Claims) -> Result<Principal, AuthError> {
    Ok(Principal {
        role: claims.role.parse().map_err(|_| AuthError::UnknownRole)?,
        units: claims.units.into_iter().map(UnitId::new).collect(),
        user_id: claims.sub,
    })
}

#[derive(Deserialize)]
struct IdTokenClaims {
    #[serde(flatten)]
    claims: Claims,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// What an ID token says beyond the principal.
#[derive(Debug, Clone, Default)]
pub struct IdToken {
    /// The nonce the sign-in request carried.
    pub nonce: Option<String>,
    /// The person's display name.
    pub name: Option<String>,
}

/// Mints an HS256 token (for `varna token` and `varna serve --demo`).
pub fn mint_hs256(
    secret: &[u8],
    issuer: &str,
    audience: &str,
    principal: &Principal,
    ttl: chrono::Duration,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let claims = Claims {
        sub: principal.user_id.clone(),
        role: principal.role.as_str().to_owned(),
        units: principal
            .units
            .iter()
            .map(|u| u.as_str().to_owned())
            .collect(),
        iss: issuer.to_owned(),
        aud: audience.to_owned(),
        exp: (now + ttl).timestamp(),
        iat: now.timestamp(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("HS256 signing cannot fail")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AuthConfig {
        AuthConfig {
            issuer: "varna".into(),
            audience: "varna".into(),
            keys: Keys::Hs256(b"0123456789abcdef0123456789abcdef".to_vec()),
        }
    }

    fn principal() -> Principal {
        Principal {
            user_id: "sas-1".into(),
            role: Role::Sas,
            units: BTreeSet::new(),
        }
    }

    #[test]
    fn a_minted_token_verifies_to_its_principal() {
        let c = config();
        let token = mint_hs256(
            b"0123456789abcdef0123456789abcdef",
            "varna",
            "varna",
            &principal(),
            chrono::Duration::hours(1),
            chrono::Utc::now(),
        );
        assert_eq!(c.verify(&token), Ok(principal()));
    }

    #[test]
    fn expired_forged_and_foreign_tokens_are_refused() {
        let c = config();
        let secret = b"0123456789abcdef0123456789abcdef";
        let old = mint_hs256(
            secret,
            "varna",
            "varna",
            &principal(),
            chrono::Duration::hours(1),
            chrono::Utc::now() - chrono::Duration::hours(3),
        );
        assert_eq!(c.verify(&old), Err(AuthError::Expired));
        let forged = mint_hs256(
            b"another-secret-another-secret-xx",
            "varna",
            "varna",
            &principal(),
            chrono::Duration::hours(1),
            chrono::Utc::now(),
        );
        assert_eq!(c.verify(&forged), Err(AuthError::Invalid));
        let foreign = mint_hs256(
            secret,
            "elsewhere",
            "varna",
            &principal(),
            chrono::Duration::hours(1),
            chrono::Utc::now(),
        );
        assert_eq!(c.verify(&foreign), Err(AuthError::WrongIssuerOrAudience));
        assert_eq!(c.verify("not.a.token"), Err(AuthError::Invalid));
        // alg=none is never accepted.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4Iiwicm9sZSI6InNhcyIsImlzcyI6InZhcm5hIiwiYXVkIjoidmFybmEiLCJleHAiOjQxMDI0NDQ4MDB9.";
        assert_eq!(c.verify(none), Err(AuthError::Invalid));
    }
}
