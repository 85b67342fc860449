//! Who is signed in, kept in a cookie the browser cannot read from script
//! (`HttpOnly`), never sent from another site (`SameSite=Strict`), and
//! signed by the server (HS256), so it cannot be forged or altered. A
//! session has its own id, by which signing out ends it on every server
//! (the API's revocation list), and its own CSRF token, made at sign-in:
//! every form of a signed-in person must carry that token. Signed-out
//! forms (sign-in, language) carry the `varna_csrf` cookie's token (double
//! submit). A page of another origin can read neither.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use varna_app::Principal;
use varna_workflow::{Role, UnitId};

/// The session cookie.
pub const SESSION_COOKIE: &str = "varna_session";
/// The CSRF cookie.
pub const CSRF_COOKIE: &str = "varna_csrf";
/// The language cookie (`sv` or `en`).
pub const LANG_COOKIE: &str = "varna_lang";
/// The shortest session key accepted.
pub const MIN_KEY_BYTES: usize = 32;
/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 10;
/// The cookie that outlives a sign-in by [`DRAFT_GRACE_DAYS`]: it names
/// the person and their session's CSRF token, and serves for one thing
/// only — keeping a form posted after the sign-in ended as their draft.
pub const DRAFT_COOKIE: &str = "varna_draft";
/// How long after a sign-in ends its forms are still kept as drafts.
pub const DRAFT_GRACE_DAYS: i64 = 7;

#[derive(Debug, Serialize, Deserialize)]
struct DraftClaims {
    /// Who.
    sub: String,
    /// The ended session's CSRF token: the posted form must carry it.
    csrf: String,
    /// Marks the token as a draft owner's, never a session.
    kind: String,
    exp: i64,
}

/// The [`DRAFT_COOKIE`] value for `session`: valid until
/// [`DRAFT_GRACE_DAYS`] after the session ends.
pub fn seal_draft_owner(key: &[u8], session: &Session) -> String {
    let claims = DraftClaims {
        sub: session.principal.user_id.clone(),
        csrf: session.csrf.clone(),
        kind: "draft".to_owned(),
        exp: (session.expires_at() + chrono::Duration::days(DRAFT_GRACE_DAYS)).timestamp(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key),
    )
    .expect("HS256 signing cannot fail")
}

/// Whose draft a form posted with `csrf` is, by the [`DRAFT_COOKIE`]
/// value: the user id when the cookie is genuine, not past its time, and
/// the form carries its session's token.
pub fn draft_owner(key: &[u8], value: &str, csrf: &str) -> Option<String> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_aud = false;
    let claims = decode::<DraftClaims>(value, &DecodingKey::from_secret(key), &validation)
        .ok()?
        .claims;
    (claims.kind == "draft" && csrf_ok(Some(&claims.csrf), csrf)).then_some(claims.sub)
}

/// The [`DRAFT_COOKIE`]'s lifetime in seconds.
pub fn draft_cookie_seconds() -> i64 {
    SESSION_HOURS * 3600 + DRAFT_GRACE_DAYS * 86_400
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The session's id (what sign-out revokes).
    sid: String,
    /// The session's CSRF token.
    csrf: String,
    sub: String,
    role: String,
    units: Vec<String>,
    /// Display name, for the page header.
    name: String,
    /// Job title, as utredning entries are signed.
    #[serde(default)]
    title: String,
    iat: i64,
    exp: i64,
}

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who they are to the API.
    pub principal: Principal,
    /// Their name, for the header.
    pub name: String,
    /// Their job title.
    pub title: String,
    /// The session's id, by which it can be ended.
    pub id: String,
    /// The token every form of this session must carry.
    pub csrf: String,
    /// When the person signed in.
    pub issued_at: DateTime<Utc>,
}

impl Session {
    /// A new sign-in: a fresh id and CSRF token, issued `now`.
    pub fn new(principal: Principal, name: String, title: String, now: DateTime<Utc>) -> Self {
        Session {
            principal,
            name,
            title,
            id: uuid::Uuid::new_v4().to_string(),
            csrf: new_csrf_token(),
            issued_at: now,
        }
    }

    /// When the session ends by itself.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.issued_at + chrono::Duration::hours(SESSION_HOURS)
    }
}

/// The signed cookie value for `session`, valid for [`SESSION_HOURS`]
/// from when it was issued.
pub fn seal(key: &[u8], session: &Session) -> String {
    let claims = Claims {
        sid: session.id.clone(),
        csrf: session.csrf.clone(),
        sub: session.principal.user_id.clone(),
        role: session.principal.role.as_str().to_owned(),
        units: session
            .principal
            .units
            .iter()
            .map(|u| u.as_str().to_owned())
            .collect(),
        name: session.name.clone(),
        title: session.title.clone(),
        iat: session.issued_at.timestamp(),
        exp: session.expires_at().timestamp(),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(key),
    )
    .expect("HS256 signing cannot fail")
}

/// The session in a cookie value, if it is genuine and not expired.
pub fn open(key: &[u8], value: &str) -> Option<Session> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_aud = false;
    let claims = decode::<Claims>(value, &DecodingKey::from_secret(key), &validation)
        .ok()?
        .claims;
    let role: Role = claims.role.parse().ok()?;
    Some(Session {
        principal: Principal {
            user_id: claims.sub,
            role,
            units: claims
                .units
                .iter()
                .map(UnitId::new)
                .collect::<BTreeSet<_>>(),
        },
        name: claims.name,
        title: claims.title,
        id: claims.sid,
        csrf: claims.csrf,
        issued_at: DateTime::from_timestamp(claims.iat, 0)?,
    })
}

/// A fresh random CSRF token (256 bits, hex).
pub fn new_csrf_token() -> String {
    let mut out = uuid::Uuid::new_v4().simple().to_string();
    out.push_str(&uuid::Uuid::new_v4().simple().to_string());
    out
}

/// Whether a submitted token matches the cookie's, compared in constant time.
pub fn csrf_ok(cookie: Option<&str>, submitted: &str) -> bool {
    let Some(cookie) = cookie else { return false };
    if cookie.len() != submitted.len() || cookie.len() < 32 {
        return false;
    }
    cookie
        .bytes()
        .zip(submitted.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// One `Set-Cookie` value: `HttpOnly`, `SameSite=Strict`, `Path=/`, and
/// `Secure` when asked. `max_age` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> String {
    cookie_line(name, value, "/", "Strict", max_age_seconds, secure)
}

/// One `HttpOnly` `Set-Cookie` value with its path and `SameSite` mode.
pub fn cookie_line(
    name: &str,
    value: &str,
    path: &str,
    same_site: &str,
    max_age_seconds: i64,
    secure: bool,
) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite={same_site}; Max-Age={max_age_seconds}{secure}"
    )
}

/// A cookie's value from a `Cookie` request header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(now: DateTime<Utc>) -> Session {
        Session::new(
            Principal {
                user_id: "um-linden".into(),
                role: Role::UnitManager,
                units: [UnitId::new("linden")].into_iter().collect(),
            },
            "Eva Berg".into(),
            "Enhetschef".into(),
            now,
        )
    }

    #[test]
    fn a_sealed_session_opens_with_its_key_only_and_until_it_expires() {
        let key = [7u8; 32];
        let now = Utc::now();
        let me = person(now);
        let value = seal(&key, &me);
        let back = open(&key, &value).expect("opens");
        assert_eq!(back.principal, me.principal);
        assert_eq!(back.name, "Eva Berg");
        assert_eq!((back.id, back.csrf), (me.id, me.csrf));
        assert!(open(&[8u8; 32], &value).is_none(), "another key");
        let mut altered = value.clone();
        altered.insert(value.len() / 2, 'x');
        assert!(open(&key, &altered).is_none(), "altered");
        let old = seal(
            &key,
            &person(now - chrono::Duration::hours(SESSION_HOURS + 1)),
        );
        assert!(open(&key, &old).is_none(), "expired");
    }

    #[test]
    fn a_draft_owner_is_named_only_with_its_sessions_token_and_never_opens_as_a_session() {
        let key = [7u8; 32];
        let s = person(Utc::now() - chrono::Duration::hours(SESSION_HOURS + 1));
        let sealed = seal_draft_owner(&key, &s);
        assert_eq!(
            draft_owner(&key, &sealed, &s.csrf).as_deref(),
            Some("um-linden")
        );
        assert_eq!(draft_owner(&key, &sealed, "0".repeat(64).as_str()), None);
        assert_eq!(draft_owner(&[8u8; 32], &sealed, &s.csrf), None);
        assert!(open(&key, &sealed).is_none(), "not a session");
        let ancient = person(Utc::now() - chrono::Duration::days(DRAFT_GRACE_DAYS + 1));
        assert_eq!(
            draft_owner(&key, &seal_draft_owner(&key, &ancient), &ancient.csrf),
            None
        );
    }

    #[test]
    fn csrf_tokens_must_match_the_cookie_exactly() {
        let token = new_csrf_token();
        assert_eq!(token.len(), 64);
        assert!(csrf_ok(Some(&token), &token));
        assert!(!csrf_ok(Some(&token), &new_csrf_token()));
        assert!(!csrf_ok(None, &token));
        assert!(!csrf_ok(Some(""), ""), "an empty token never passes");
    }

    #[test]
    fn cookies_are_read_from_the_header() {
        let header = "a=1; varna_csrf=abc; varna_session=x.y.z";
        assert_eq!(cookie(header, CSRF_COOKIE), Some("abc"));
        assert_eq!(cookie(header, SESSION_COOKIE), Some("x.y.z"));
        assert_eq!(cookie(header, "missing"), None);
        let set = set_cookie(SESSION_COOKIE, "v", 60, true);
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.ends_with("Secure")
        );
    }
}
