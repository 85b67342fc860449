//! Authentication: bearer JWTs carrying the user id, one role and the
//! units. HS256 with a local secret for a single installation (`varna token`
//! mints development tokens); RS256 with keys from an OIDC issuer's JWKS for
//! production. Issuer, audience, expiry, not-before, a non-empty subject,
//! the lifetime (`exp − iat` at most [`AuthConfig::max_lifetime`]) and the
//! revocation list ([`Revocations`]) are always checked.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use serde::{Deserialize, Serialize};
use varna_workflow::UnitId;

pub use varna_app::Principal;

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
    /// Issued at (required: the lifetime is checked against it).
    #[serde(default)]
    pub iat: i64,
    /// Not valid before (seconds since the epoch), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// The token's own id, by which it can be revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// A verified sign-in: who, when it was issued and expires, and the token's
/// own id (what a revocation may name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// Who signed in.
    pub principal: Principal,
    /// When the token was issued.
    pub issued_at: DateTime<Utc>,
    /// When it expires.
    pub expires: DateTime<Utc>,
    /// The token's `jti`, when it has one.
    pub token_id: Option<String>,
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
    /// The longest lifetime (`exp − iat`) a token may have.
    pub max_lifetime: chrono::Duration,
    /// Sign-ins ended before they expired.
    pub revocations: Arc<Revocations>,
}

/// The default [`AuthConfig::max_lifetime`]: a working day and then some.
pub const DEFAULT_MAX_LIFETIME_HOURS: i64 = 12;

/// Sign-ins ended before they expired, as every server keeps them in
/// memory: a session or token id (sign-out), or every sign-in of a person
/// issued before a moment (an administrator ended their sessions). The
/// store holds them for all servers; [`Revocations::refresh`] re-reads.
#[derive(Debug, Default)]
pub struct Revocations {
    state: RwLock<Revoked>,
    /// Where revocations are kept for every server (none: this process only).
    store: Option<Arc<varna_store::Store>>,
}

#[derive(Debug, Default)]
struct Revoked {
    /// Session or token id → until when it would have been valid.
    sessions: HashMap<String, DateTime<Utc>>,
    /// User id → (sign-ins issued until this moment are ended, until when).
    users: HashMap<String, (DateTime<Utc>, DateTime<Utc>)>,
}

impl Revoked {
    fn take(
        &mut self,
        kind: varna_store::RevocationKind,
        subject: &str,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) {
        match kind {
            varna_store::RevocationKind::Session => {
                let kept = self.sessions.entry(subject.to_owned()).or_insert(until);
                *kept = (*kept).max(until);
            }
            varna_store::RevocationKind::User => {
                let kept = self.users.entry(subject.to_owned()).or_insert((at, until));
                *kept = (kept.0.max(at), kept.1.max(until));
            }
        }
    }
}

impl Revocations {
    /// Revocations kept in `store`, for every server on the database.
    pub fn backed_by(store: Arc<varna_store::Store>) -> Self {
        Revocations {
            state: RwLock::default(),
            store: Some(store),
        }
    }

    /// Whether a sign-in of `user`, with id `id` (if it has one), issued
    /// at `issued_at`, has been ended.
    pub fn is_revoked(&self, user: &str, id: Option<&str>, issued_at: DateTime<Utc>) -> bool {
        let state = self.state.read().expect("never poisoned");
        id.is_some_and(|id| state.sessions.contains_key(id))
            || state
                .users
                .get(user)
                .is_some_and(|(at, _)| issued_at <= *at)
    }

    /// Takes in revocations (from the store, or just made here).
    pub fn apply(&self, rows: &[varna_store::Revocation]) {
        let mut state = self.state.write().expect("never poisoned");
        for r in rows {
            state.take(r.kind, &r.subject, r.revoked_at, r.until);
        }
    }

    /// Replaces what is held with the store's revocations in force now
    /// (what other servers revoked arrives this way).
    pub async fn refresh(&self) -> varna_store::Result<()> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let now = Utc::now();
        let rows = store.revocations(now).await?;
        let mut state = self.state.write().expect("never poisoned");
        // Entries only leave once expired: one made here while the store
        // was being read stays, whatever that read saw.
        state.sessions.retain(|_, until| *until >= now);
        state.users.retain(|_, (_, until)| *until >= now);
        for r in &rows {
            state.take(r.kind, &r.subject, r.revoked_at, r.until);
        }
        Ok(())
    }

    /// Ends one sign-in (valid until `until` otherwise), on every server.
    pub async fn revoke_session(&self, id: &str, until: DateTime<Utc>) -> varna_store::Result<()> {
        self.revoke(varna_store::RevocationKind::Session, id, until)
            .await
    }

    /// Ends every sign-in of `user` issued until now, on every server; no
    /// sign-in issued before lasts longer than `max_lifetime`.
    pub async fn revoke_user(
        &self,
        user: &str,
        max_lifetime: chrono::Duration,
    ) -> varna_store::Result<()> {
        let until = Utc::now() + max_lifetime;
        self.revoke(varna_store::RevocationKind::User, user, until)
            .await
    }

    async fn revoke(
        &self,
        kind: varna_store::RevocationKind,
        subject: &str,
        until: DateTime<Utc>,
    ) -> varna_store::Result<()> {
        let row = varna_store::Revocation {
            kind,
            subject: subject.to_owned(),
            revoked_at: Utc::now(),
            until,
        };
        if let Some(store) = &self.store {
            store.revoke(row.clone()).await?;
        }
        self.apply(&[row]);
        Ok(())
    }
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
    /// `nbf` lies in the future.
    #[error("the token is not valid yet (its nbf lies in the future)")]
    NotYetValid,
    /// `exp − iat` is over the allowed lifetime, or `iat` is missing.
    #[error("the token lives too long: exp − iat must be at most {0} hours (and iat given)")]
    TooLong(i64),
    /// The sign-in was ended (signed out, or ended by an administrator).
    #[error("the sign-in has been ended: sign in again")]
    Revoked,
}

impl AuthConfig {
    /// Verification with the default lifetime limit and no revocations yet.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>, keys: Keys) -> Self {
        AuthConfig {
            issuer: issuer.into(),
            audience: audience.into(),
            keys,
            max_lifetime: chrono::Duration::hours(DEFAULT_MAX_LIFETIME_HOURS),
            revocations: Arc::default(),
        }
    }
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
        self.sign_in(token).map(|s| (s.principal, s.expires))
    }

    /// Verifies a bearer token and returns the sign-in it stands for, which
    /// [`AuthConfig::still_holds`] can check again later without decoding.
    pub fn sign_in(&self, token: &str) -> Result<SignIn, AuthError> {
        let claims: Claims = self.decode_verified(token)?;
        let (issued_at, expires) = self.check_claims(&claims)?;
        let token_id = claims.jti.clone();
        Ok(SignIn {
            principal: principal_of(claims)?,
            issued_at,
            expires,
            token_id,
        })
    }

    /// Whether a sign-in verified earlier still holds now: not past its
    /// expiry (to the second, no leeway) and not revoked since. The
    /// signature was checked once, at [`AuthConfig::sign_in`].
    pub fn still_holds(&self, s: &SignIn) -> Result<(), AuthError> {
        if Utc::now() >= s.expires {
            return Err(AuthError::Expired);
        }
        if self
            .revocations
            .is_revoked(&s.principal.user_id, s.token_id.as_deref(), s.issued_at)
        {
            return Err(AuthError::Revoked);
        }
        Ok(())
    }

    /// What the signature check leaves: a subject, the lifetime limit and
    /// the revocation list. Returns when the token was issued and expires.
    fn check_claims(&self, claims: &Claims) -> Result<(DateTime<Utc>, DateTime<Utc>), AuthError> {
        if claims.sub.trim().is_empty() {
            return Err(AuthError::Invalid);
        }
        let expires = DateTime::from_timestamp(claims.exp, 0).ok_or(AuthError::Invalid)?;
        let issued = DateTime::from_timestamp(claims.iat, 0).ok_or(AuthError::Invalid)?;
        if claims.iat <= 0 || expires - issued > self.max_lifetime {
            return Err(AuthError::TooLong(self.max_lifetime.num_hours()));
        }
        if self
            .revocations
            .is_revoked(&claims.sub, claims.jti.as_deref(), issued)
        {
            return Err(AuthError::Revoked);
        }
        Ok((issued, expires))
    }

    /// Verifies an OpenID Connect ID token (the issuer's signature, `iss`,
    /// `aud` = the client id, expiry) and returns the principal with the
    /// token's `nonce` and `name`. The caller compares the nonce with the
    /// one it sent.
    pub fn verify_id_token(&self, token: &str) -> Result<(Principal, IdToken), AuthError> {
        let id: IdTokenClaims = self.decode_verified(token)?;
        self.check_claims(&id.claims)?;
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
        validation.validate_nbf = true;
        validation.leeway = 30;
        decode::<T>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                jsonwebtoken::errors::ErrorKind::ImmatureSignature => AuthError::NotYetValid,
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
        nbf: None,
        jti: Some(uuid::Uuid::new_v4().to_string()),
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
    use std::collections::BTreeSet;
    use varna_workflow::Role;

    fn config() -> AuthConfig {
        AuthConfig::new(
            "varna",
            "varna",
            Keys::Hs256(b"0123456789abcdef0123456789abcdef".to_vec()),
        )
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

    fn signed(claims: serde_json::Value) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .expect("signs")
    }

    #[test]
    fn not_before_lifetime_and_subject_are_enforced() {
        let c = config();
        let now = Utc::now().timestamp();
        let claims = |sub: &str, iat: i64, exp: i64, nbf: Option<i64>| {
            let mut v = serde_json::json!({
                "sub": sub, "role": "sas", "iss": "varna", "aud": "varna", "iat": iat, "exp": exp,
            });
            if let Some(nbf) = nbf {
                v["nbf"] = nbf.into();
            }
            signed(v)
        };
        assert!(c.verify(&claims("sas-1", now, now + 3600, None)).is_ok());
        assert!(
            c.verify(&claims("sas-1", now, now + 3600, Some(now)))
                .is_ok()
        );
        assert_eq!(
            c.verify(&claims("sas-1", now, now + 7200, Some(now + 3600))),
            Err(AuthError::NotYetValid),
            "nbf an hour ahead"
        );
        assert_eq!(
            c.verify(&claims("sas-1", now, now + 13 * 3600, None)),
            Err(AuthError::TooLong(12)),
            "a 13-hour token"
        );
        assert_eq!(
            c.verify(&claims("sas-1", 0, now + 3600, None)),
            Err(AuthError::TooLong(12)),
            "no iat"
        );
        assert_eq!(
            c.verify(&claims("", now, now + 3600, None)),
            Err(AuthError::Invalid),
            "an empty subject"
        );
        assert_eq!(
            c.verify(&claims("  ", now, now + 3600, None)),
            Err(AuthError::Invalid),
            "a blank subject"
        );
    }

    #[test]
    fn revoked_users_and_sessions_are_refused() {
        let c = config();
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = mint_hs256(
            secret,
            "varna",
            "varna",
            &principal(),
            chrono::Duration::hours(1),
            Utc::now() - chrono::Duration::seconds(5),
        );
        assert!(c.verify(&token).is_ok());
        c.revocations.apply(&[varna_store::Revocation {
            kind: varna_store::RevocationKind::User,
            subject: "sas-1".into(),
            revoked_at: Utc::now(),
            until: Utc::now() + chrono::Duration::hours(12),
        }]);
        assert_eq!(c.verify(&token), Err(AuthError::Revoked));
        let later = mint_hs256(
            secret,
            "varna",
            "varna",
            &principal(),
            chrono::Duration::hours(1),
            Utc::now() + chrono::Duration::seconds(2),
        );
        assert!(c.verify(&later).is_ok(), "a sign-in after the revocation");
        let claims: Claims = c.decode_verified(&later).expect("decodes");
        c.revocations.apply(&[varna_store::Revocation {
            kind: varna_store::RevocationKind::Session,
            subject: claims.jti.expect("minted with an id"),
            revoked_at: Utc::now(),
            until: Utc::now() + chrono::Duration::hours(1),
        }]);
        assert_eq!(c.verify(&later), Err(AuthError::Revoked));
    }
}
