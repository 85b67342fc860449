//! The canonical encoding of an event and the two hash chains over it.
//!
//! Per case: `hash = hex(SHA-256(bytes(prev_hash) ‖ canonical))`, where
//! `prev_hash` is the previous event's `hash` in the same case (64 zeros for
//! the first). Globally: `global_hash = hex(SHA-256(bytes(prev_global_hash) ‖
//! bytes(hash)))` over all events in `global_seq` order (1, 2, 3, … without
//! gaps), ending at the `audit_head` row. docs/storage.md gives the exact
//! canonical form, so that an auditor can re-implement the check.
//!
//! `checkpoint`: signed statements of the global chain's size and head, so
//! that a deleted tail or a recomputed chain shows.
//!
//! This crate knows no database: the store writes and verifies with it, and
//! the fuzz targets in `fuzz/` drive it directly.
#![forbid(unsafe_code)]

pub mod checkpoint;

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of a case's first event and the start of the global chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The envelope of the events written before issue 26: the canonical form
/// holds the payload itself, so the hash can only be recomputed while the
/// payload is there.
pub const EVENT_VERSION_INLINE: i32 = 1;

/// The current version of the event envelope: the canonical form holds the
/// payload's digest (`payload_digest`, see [`payload_digest`]) instead of
/// the payload, so the chain commits to the content by hash and personal
/// content can be disposed of (gallring) while every link still verifies.
pub const EVENT_VERSION: i32 = 2;

/// One event row's hashed content.
#[derive(Debug, Clone, Copy)]
pub struct EventContent<'a> {
    /// The case.
    pub case_id: &'a str,
    /// 1-based position in the case.
    pub sequence: i64,
    /// `filed`, `transitioned`, …
    pub event_type: &'a str,
    /// Envelope version.
    pub event_version: i32,
    /// The event body as stored (canonical JSON text).
    pub payload: &'a Value,
    /// User id.
    pub actor_id: &'a str,
    /// Role id.
    pub actor_role: &'a str,
    /// When it happened (microsecond precision).
    pub occurred_at: DateTime<Utc>,
    /// When it was stored (microsecond precision).
    pub recorded_at: DateTime<Utc>,
}

/// Timestamps are hashed and stored at microsecond precision, the finer
/// of what PostgreSQL keeps, so both backends hash the same bytes.
pub fn normalise(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

/// `2026-03-02T09:00:00.000000Z`.
pub fn timestamp_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The canonical bytes: a JSON object with keys in byte order, no
/// whitespace, integers only, strings escaped as serde_json does.
pub fn canonical(content: &EventContent<'_>) -> Vec<u8> {
    let envelope = serde_json::json!({
        "actor_id": content.actor_id,
        "actor_role": content.actor_role,
        "case_id": content.case_id,
        "event_type": content.event_type,
        "event_version": content.event_version,
        "occurred_at": timestamp_text(content.occurred_at),
        "payload": content.payload,
        "recorded_at": timestamp_text(content.recorded_at),
        "sequence": content.sequence,
    });
    let mut out = Vec::with_capacity(512);
    write_canonical(&envelope, &mut out);
    out
}

/// The canonical bytes of an event whose payload is given as its stored
/// text, spliced in unparsed: the same bytes as [`canonical`] when that
/// text is canonical JSON, as the store writes it. Verification hashes
/// these first and parses the payload (with [`canonical`]) only when the
/// hash does not match, to report what was found either way. This is the
/// form of [`EVENT_VERSION_INLINE`] events.
pub fn canonical_stored(content: &EventContent<'_>, payload_text: &str) -> Vec<u8> {
    envelope(content, b"payload", payload_text.as_bytes(), false)
}

/// The canonical bytes of an [`EVENT_VERSION`] 2 event: the envelope with
/// `"payload_digest":"sha256:…"` where version 1 had the payload (the key
/// sorts to the same place). `content.payload` is not read.
pub fn canonical_sealed(content: &EventContent<'_>, payload_digest: &str) -> Vec<u8> {
    envelope(content, b"payload_digest", payload_digest.as_bytes(), true)
}

/// `sha256:` and `hex(SHA-256(bytes(salt) ‖ payload text))`: what a
/// version 2 event's hash commits to instead of the payload. The salt is
/// random per event (hex) and kept beside the payload until a disposal
/// removes both, so the digest left behind cannot be used to confirm a
/// guessed removed value.
pub fn payload_digest(salt: &str, payload_text: &str) -> String {
    sha256_text(&salted(salt, payload_text))
}

/// Whether `digest` (`sha256:` and 64 hex digits) is [`payload_digest`]
/// of `salt` and `payload_text`, compared as bytes (no text made).
pub fn payload_digest_is(digest: &str, salt: &str, payload_text: &str) -> bool {
    digest
        .strip_prefix("sha256:")
        .is_some_and(|hex| spells(hex, &salted(salt, payload_text)))
}

/// `SHA-256(bytes(salt) ‖ text)`, the salt given in hex: what a payload
/// digest and a personnummer commitment are made of.
fn salted(salt: &str, text: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    update_hex(&mut h, salt);
    h.update(text.as_bytes());
    h.finalize().into()
}

/// The canonical envelope with `body` under `key` (quoted as a JSON string
/// when `quoted`; the digest is a plain ASCII string, the payload JSON).
fn envelope(content: &EventContent<'_>, key: &[u8], body: &[u8], quoted: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + body.len());
    write_envelope(&mut out, content, key, body, quoted);
    out
}

/// [`envelope`], appended to `out`.
fn write_envelope(
    out: &mut Vec<u8>,
    content: &EventContent<'_>,
    key: &[u8],
    body: &[u8],
    quoted: bool,
) {
    write_text(out, "{\"actor_id\":", content.actor_id);
    write_text(out, ",\"actor_role\":", content.actor_role);
    write_text(out, ",\"case_id\":", content.case_id);
    write_text(out, ",\"event_type\":", content.event_type);
    out.extend_from_slice(b",\"event_version\":");
    out.extend_from_slice(itoa::Buffer::new().format(content.event_version).as_bytes());
    out.extend_from_slice(b",\"occurred_at\":\"");
    write_timestamp(out, content.occurred_at);
    out.extend_from_slice(b"\",\"");
    out.extend_from_slice(key);
    out.extend_from_slice(b"\":");
    if quoted {
        out.push(b'"');
    }
    out.extend_from_slice(body);
    if quoted {
        out.push(b'"');
    }
    out.extend_from_slice(b",\"recorded_at\":\"");
    write_timestamp(out, content.recorded_at);
    out.extend_from_slice(b"\",\"sequence\":");
    out.extend_from_slice(itoa::Buffer::new().format(content.sequence).as_bytes());
    out.push(b'}');
}

/// `key` (the JSON text before a value) and `value` as a JSON string,
/// escaped as serde_json escapes it.
fn write_text(out: &mut Vec<u8>, key: &str, value: &str) {
    out.extend_from_slice(key.as_bytes());
    serde_json::to_writer(&mut *out, value).expect("writing to a Vec cannot fail");
}

/// [`timestamp_text`]'s characters, written without a format string.
fn write_timestamp(out: &mut Vec<u8>, utc: DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    // The fields read from the naive time (a `DateTime`'s own accessors
    // add its offset again for every field).
    let t = utc.naive_utc();
    let (year, nanos) = (t.year(), t.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        out.extend_from_slice(timestamp_text(utc).as_bytes());
        return;
    }
    // YYYY-MM-DDTHH:MM:SS.ffffffZ, each field zero-padded to its width.
    let digits = |out: &mut Vec<u8>, mut value: u32, width: usize| {
        let mut text = [b'0'; 6];
        for place in text[..width].iter_mut().rev() {
            *place = b'0' + u8::try_from(value % 10).unwrap_or(0);
            value /= 10;
        }
        out.extend_from_slice(&text[..width]);
    };
    digits(out, year.unsigned_abs(), 4);
    for (separator, value) in [
        (b'-', t.month()),
        (b'-', t.day()),
        (b'T', t.hour()),
        (b':', t.minute()),
        (b':', t.second()),
    ] {
        out.push(separator);
        digits(out, value, 2);
    }
    out.push(b'.');
    digits(out, nanos / 1_000, 6);
    out.push(b'Z');
}

/// Canonical JSON text of a value (used for stored payloads).
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(256);
    write_canonical(value, &mut out);
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

fn write_canonical(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).expect("writing to a Vec cannot fail");
                out.push(b':');
                write_canonical(&map[key], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).expect("writing to a Vec cannot fail"),
    }
}

/// The per-case chain link.
pub fn event_hash(prev_hash: &str, canonical: &[u8]) -> String {
    hex(&event_digest(prev_hash, canonical))
}

/// [`event_hash`]'s bytes, before they are written in hex.
pub fn event_digest(prev_hash: &str, canonical: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    update_hex(&mut h, prev_hash);
    h.update(canonical);
    h.finalize().into()
}

/// [`event_digest`] of a version 2 event ([`canonical_sealed`]), from
/// the bytes of the hash before it: the same digest, its envelope written
/// into `scratch` (emptied first) rather than a new buffer, so that a walk
/// over millions of events hashes them with one buffer a thread.
pub fn sealed_event_digest(
    prev_hash: &[u8; 32],
    content: &EventContent<'_>,
    payload_digest: &str,
    scratch: &mut Vec<u8>,
) -> [u8; 32] {
    scratch.clear();
    write_envelope(
        scratch,
        content,
        b"payload_digest",
        payload_digest.as_bytes(),
        true,
    );
    let mut h = Sha256::new();
    h.update(prev_hash);
    h.update(&scratch[..]);
    h.finalize().into()
}

/// [`global_digest`] from the bytes of both hashes.
pub fn link_digest(prev_global_hash: &[u8; 32], event_hash: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev_global_hash);
    h.update(event_hash);
    h.finalize().into()
}

/// `digest` in lower-case hex, as the chains store it.
pub fn hash_text(digest: &[u8; 32]) -> String {
    hex(digest)
}

/// Whether `text` is `digest` in lower-case hex, as the chains store it.
pub fn spells(text: &str, digest: &[u8; 32]) -> bool {
    hash_bytes(text).is_some_and(|bytes| bytes == *digest)
}

/// One read in the access log, as its chain hashes it.
#[derive(Debug, Clone, Copy)]
pub struct AccessContent<'a> {
    /// Its place in the access chain (1, 2, 3, …).
    pub chain_seq: i64,
    /// Who read.
    pub actor_id: &'a str,
    /// In which role.
    pub actor_role: &'a str,
    /// Which case.
    pub case_id: &'a str,
    /// Why.
    pub purpose: &'a str,
    /// When (microsecond precision).
    pub at: DateTime<Utc>,
}

/// The access chain's link: `hex(SHA-256(bytes(prev_hash) ‖ canonical))`,
/// the canonical form a JSON object of the six keys in byte order, as for
/// events: `{"actor_id","actor_role","at","case_id","chain_seq","purpose"}`.
pub fn access_hash(prev_hash: &str, read: &AccessContent<'_>) -> String {
    // The canonical object written out directly, its keys in byte order.
    let mut out = Vec::with_capacity(256);
    write_text(&mut out, "{\"actor_id\":", read.actor_id);
    write_text(&mut out, ",\"actor_role\":", read.actor_role);
    out.extend_from_slice(b",\"at\":\"");
    write_timestamp(&mut out, read.at);
    out.push(b'"');
    write_text(&mut out, ",\"case_id\":", read.case_id);
    out.extend_from_slice(b",\"chain_seq\":");
    out.extend_from_slice(itoa::Buffer::new().format(read.chain_seq).as_bytes());
    write_text(&mut out, ",\"purpose\":", read.purpose);
    out.push(b'}');
    event_hash(prev_hash, &out)
}

/// One change to the organisation (a unit or verksamhetsområde added,
/// renamed, moved, closed or reopened), as its chain hashes it.
#[derive(Debug, Clone, Copy)]
pub struct OrgContent<'a> {
    /// Its place in the organisation chain (1, 2, 3, …).
    pub seq: i64,
    /// What changed (`unit_added`, `unit_moved`, …).
    pub change: &'a str,
    /// The unit or verksamhetsområde changed (its code).
    pub subject: &'a str,
    /// The name given (added, renamed), else empty.
    pub name: &'a str,
    /// The verksamhetsområde the unit is in after the change, else empty.
    pub area_id: &'a str,
    /// The verksamhetsområde a moved unit left, else empty.
    pub from_area_id: &'a str,
    /// Who made it.
    pub actor_id: &'a str,
    /// In which role.
    pub actor_role: &'a str,
    /// When (microsecond precision).
    pub at: DateTime<Utc>,
}

/// The organisation chain's link: `hex(SHA-256(bytes(prev_hash) ‖
/// canonical))`, the canonical form a JSON object of the nine keys in byte
/// order: `{"actor_id","actor_role","area_id","at","change","from_area_id",
/// "name","seq","subject"}`.
pub fn org_hash(prev_hash: &str, change: &OrgContent<'_>) -> String {
    let value = serde_json::json!({
        "actor_id": change.actor_id,
        "actor_role": change.actor_role,
        "area_id": change.area_id,
        "at": timestamp_text(change.at),
        "change": change.change,
        "from_area_id": change.from_area_id,
        "name": change.name,
        "seq": change.seq,
        "subject": change.subject,
    });
    event_hash(prev_hash, canonical_json(&value).as_bytes())
}

/// The global chain link.
pub fn global_hash(prev_global_hash: &str, event_hash: &str) -> String {
    hex(&global_digest(prev_global_hash, event_hash))
}

/// [`global_hash`]'s bytes, before they are written in hex.
pub fn global_digest(prev_global_hash: &str, event_hash: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    update_hex(&mut h, prev_global_hash);
    update_hex(&mut h, event_hash);
    h.finalize().into()
}

/// The commitment to a personnummer that a filing event carries:
/// `sha256:` and `hex(SHA-256(bytes(salt) ‖ digits))`, the salt random per
/// case (hex) and kept beside the personnummer, outside the log. Without
/// the salt the commitment says nothing about whose number it was; with
/// it, a personnummer changed beside the log no longer matches.
pub fn person_commitment(salt: &str, digits: &str) -> String {
    sha256_text(&salted(salt, digits))
}

/// `sha256:` and the hex SHA-256 of `bytes`: how a stored document is named
/// in the event that froze it.
pub fn content_digest(bytes: &[u8]) -> String {
    sha256_text(&Sha256::digest(bytes))
}

/// `sha256:` and the digest in hex.
fn sha256_text(digest: &[u8]) -> String {
    let mut text = String::with_capacity(7 + digest.len() * 2);
    text.push_str("sha256:");
    push_hex(&mut text, digest);
    text
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    push_hex(&mut s, bytes);
    s
}

/// Appends `bytes` in lower-case hex.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 64];
    for chunk in bytes.chunks(32) {
        let text = &mut buf[..chunk.len() * 2];
        for (pair, b) in text.chunks_exact_mut(2).zip(chunk) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0xf)];
        }
        out.push_str(std::str::from_utf8(text).expect("hex digits are ASCII"));
    }
}

/// Each byte's value as a lower-case hex digit, `0xff` for any other.
static NIBBLE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut digit = 0u8;
    while digit < 16 {
        let c = if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        };
        table[c as usize] = digit;
        digit += 1;
    }
    table
};

/// Feeds `h` the bytes `text` spells in hex, up to 32 at a time (no
/// allocation); a character that is not a lower-case hex digit, or a last
/// lone digit, gives bits that cannot match: a malformed (tampered) hash
/// yields bytes that cannot match.
fn update_hex(h: &mut Sha256, text: &str) {
    let nibble = |c: u8| NIBBLE[usize::from(c)];
    let mut buf = [0u8; 32];
    for chunk in text.as_bytes().chunks(64) {
        let n = chunk.len().div_ceil(2);
        let mut pairs = chunk.chunks_exact(2);
        for (byte, pair) in buf.iter_mut().zip(&mut pairs) {
            *byte = nibble(pair[0]).wrapping_shl(4) | nibble(pair[1]);
        }
        if let [lone] = pairs.remainder() {
            buf[n - 1] = nibble(*lone).wrapping_shl(4) | 0xff;
        }
        h.update(&buf[..n]);
    }
}

/// The 32 bytes a hash's 64 lower-case hex digits spell (as [`event_hash`]
/// and [`global_hash`] write them); `None` for any other text.
pub fn hash_bytes(text: &str) -> Option<[u8; 32]> {
    let text = text.as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    let mut bad = 0u8;
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (high, low) = (NIBBLE[usize::from(pair[0])], NIBBLE[usize::from(pair[1])]);
        bad |= high | low;
        *byte = (high << 4) | low;
    }
    // Every digit is below 16; 0xff marks one that is not a digit.
    (bad < 16).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Event 2 of case `c1`: a transition by `u1` as `sas`, on 2 March
    /// 2026 at 09:00 UTC.
    fn transition(event_version: i32, payload: &Value) -> EventContent<'_> {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("valid");
        EventContent {
            case_id: "c1",
            sequence: 2,
            event_type: "transitioned",
            event_version,
            payload,
            actor_id: "u1",
            actor_role: "sas",
            occurred_at: at,
            recorded_at: at,
        }
    }

    #[test]
    fn a_hash_s_hex_reads_back_as_its_bytes_and_nothing_else_does() {
        let digest = Sha256::digest(b"varna");
        let text = hex(&digest);
        assert_eq!(hash_bytes(&text).map(Vec::from), Some(digest.to_vec()));
        assert_eq!(hash_bytes(GENESIS), Some([0; 32]));
        for bad in [
            text.to_uppercase(),
            text[..63].to_owned(),
            format!("{text}0"),
            format!("g{}", &text[1..]),
        ] {
            assert_eq!(hash_bytes(&bad), None, "{bad}");
        }
        // Fed to a hasher, a hash's hex is its bytes; a lone last digit
        // and a non-digit still hash (to something no hash matches).
        let mut fed = Sha256::new();
        update_hex(&mut fed, &text);
        assert_eq!(fed.finalize(), Sha256::digest(digest));
        let mut odd = Sha256::new();
        update_hex(&mut odd, "a");
        assert_eq!(odd.finalize(), Sha256::digest([0xff]));
        let mut odd = Sha256::new();
        update_hex(&mut odd, "0g");
        assert_eq!(odd.finalize(), Sha256::digest([0xff]));
    }

    #[test]
    fn canonical_form_sorts_keys_and_has_no_whitespace() {
        let payload = serde_json::json!({"zeta": 1, "alpha": {"b": [true, null], "a": "å\"x"}});
        assert_eq!(
            canonical_json(&payload),
            r#"{"alpha":{"a":"å\"x","b":[true,null]},"zeta":1}"#
        );
    }

    #[test]
    fn a_stored_canonical_payload_spliced_in_gives_the_canonical_bytes() {
        let payload = serde_json::json!({"type": "filed", "fields": {"what": "Föll, \"aj\"\n", "n": 3}, "units": ["a", "b"]});
        let text = canonical_json(&payload);
        for (year, micros) in [(2026, 0), (2025, 123_456), (999, 1), (12_000, 7)] {
            let at = Utc
                .with_ymd_and_hms(year, 12, 31, 23, 59, 59)
                .single()
                .expect("valid")
                + chrono::Duration::microseconds(micros);
            let content = EventContent {
                case_id: "0195d2c1-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
                sequence: 12,
                event_type: "filed",
                event_version: 1,
                payload: &payload,
                actor_id: "um-\"linden\"",
                actor_role: "unit_manager",
                occurred_at: at,
                recorded_at: at + chrono::Duration::seconds(1),
            };
            assert_eq!(
                String::from_utf8(canonical_stored(&content, &text)).expect("UTF-8"),
                String::from_utf8(canonical(&content)).expect("UTF-8"),
                "{at}"
            );
        }
        // A payload stored in another form (spaces) gives other bytes.
        let content = EventContent {
            case_id: "c",
            sequence: 1,
            event_type: "filed",
            event_version: 1,
            payload: &payload,
            actor_id: "a",
            actor_role: "r",
            occurred_at: chrono::DateTime::UNIX_EPOCH,
            recorded_at: chrono::DateTime::UNIX_EPOCH,
        };
        assert_ne!(
            canonical_stored(
                &content,
                &serde_json::to_string_pretty(&payload).expect("json")
            ),
            canonical(&content)
        );
    }

    #[test]
    fn a_known_event_hashes_to_a_known_value() {
        let payload = serde_json::json!({"type": "transitioned", "transition": "acknowledge"});
        let content = transition(1, &payload);
        let bytes = canonical(&content);
        assert_eq!(
            String::from_utf8(bytes.clone()).expect("utf-8"),
            r#"{"actor_id":"u1","actor_role":"sas","case_id":"c1","event_type":"transitioned","event_version":1,"occurred_at":"2026-03-02T09:00:00.000000Z","payload":{"transition":"acknowledge","type":"transitioned"},"recorded_at":"2026-03-02T09:00:00.000000Z","sequence":2}"#
        );
        // Independently: printf '%s' "$prev_bytes$canonical" | sha256sum gives the same.
        let h = event_hash(GENESIS, &bytes);
        assert_eq!(h.len(), 64);
        assert_ne!(
            h,
            event_hash(&"1".repeat(64), &bytes),
            "the previous hash is part of the input"
        );
        assert_ne!(
            global_hash(GENESIS, &h),
            global_hash(GENESIS, &GENESIS.replace('0', "1"))
        );
        // The bytes behind the texts, compared without making them.
        assert!(spells(&h, &event_digest(GENESIS, &bytes)));
        assert!(!spells(&h.to_uppercase(), &event_digest(GENESIS, &bytes)));
        assert!(spells(
            &global_hash(GENESIS, &h),
            &global_digest(GENESIS, &h)
        ));
        assert_eq!(hash_text(&event_digest(GENESIS, &bytes)), h);
        let digest = payload_digest("00ff", "{}");
        assert!(payload_digest_is(&digest, "00ff", "{}"));
        assert!(!payload_digest_is(&digest, "00fe", "{}"));
        assert!(!payload_digest_is(&digest, "00ff", "{ }"));
        assert!(!payload_digest_is(&digest["sha256:".len()..], "00ff", "{}"));
    }

    #[test]
    fn a_version_2_event_commits_to_its_payload_by_digest() {
        let payload = serde_json::json!({"type": "transitioned", "transition": "acknowledge"});
        let text = canonical_json(&payload);
        let salt = "00112233445566778899aabbccddeeff";
        let digest = payload_digest(salt, &text);
        let content = transition(EVENT_VERSION, &serde_json::Value::Null);
        let bytes = canonical_sealed(&content, &digest);
        let expected = format!(
            r#"{{"actor_id":"u1","actor_role":"sas","case_id":"c1","event_type":"transitioned","event_version":2,"occurred_at":"2026-03-02T09:00:00.000000Z","payload_digest":"{digest}","recorded_at":"2026-03-02T09:00:00.000000Z","sequence":2}}"#
        );
        assert_eq!(String::from_utf8(bytes.clone()).expect("utf-8"), expected);
        // The same envelope built as a JSON value and written canonically:
        // the key sorts where the payload did, so the form stays canonical.
        let value = serde_json::json!({
            "actor_id": "u1", "actor_role": "sas", "case_id": "c1",
            "event_type": "transitioned", "event_version": 2,
            "occurred_at": "2026-03-02T09:00:00.000000Z", "payload_digest": digest,
            "recorded_at": "2026-03-02T09:00:00.000000Z", "sequence": 2,
        });
        assert_eq!(canonical_json(&value), expected);
        // Independently: SHA-256 of the salt's 16 bytes, then the payload's text.
        assert_eq!(
            digest,
            "sha256:e8443042c5794fde0b8b494a8ee6766661cb8e63ba6a20d96e4ee0084b7f78d9"
        );
        assert_ne!(
            event_hash(GENESIS, &bytes),
            event_hash(
                GENESIS,
                &canonical_sealed(&content, &payload_digest(salt, "{}"))
            ),
            "another payload gives another hash"
        );
    }

    #[test]
    fn the_digests_from_bytes_are_the_digests_from_hex() {
        let prev = event_hash(GENESIS, b"the event before");
        let prev_bytes = hash_bytes(&prev).expect("a hash");
        let digest = payload_digest("00ff", "{}");
        let content = transition(EVENT_VERSION, &serde_json::Value::Null);
        // A scratch buffer holding an earlier envelope is emptied first.
        let mut scratch = b"an earlier envelope".to_vec();
        let sealed = sealed_event_digest(&prev_bytes, &content, &digest, &mut scratch);
        assert_eq!(
            sealed,
            event_digest(&prev, &canonical_sealed(&content, &digest))
        );
        assert_eq!(scratch, canonical_sealed(&content, &digest));
        let global = global_hash(GENESIS, &prev);
        assert_eq!(
            link_digest(&[0; 32], &prev_bytes),
            hash_bytes(&global).expect("a hash")
        );
        assert_eq!(
            link_digest(&[0; 32], &prev_bytes),
            global_digest(GENESIS, &prev)
        );
    }

    #[test]
    fn an_access_hash_covers_the_canonical_object_of_the_read() {
        // The canonical form as the generic canonical writer makes it.
        let oracle = |prev: &str, read: &AccessContent<'_>| {
            let value = serde_json::json!({
                "actor_id": read.actor_id,
                "actor_role": read.actor_role,
                "at": timestamp_text(read.at),
                "case_id": read.case_id,
                "chain_seq": read.chain_seq,
                "purpose": read.purpose,
            });
            event_hash(prev, canonical_json(&value).as_bytes())
        };
        let at = Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 7)
            .single()
            .expect("valid")
            + chrono::Duration::microseconds(123_456);
        for (actor, purpose, seq) in [
            ("anna.berg", "granskning", 1),
            ("\"quoted\" \\ back", "line\nbreak\ttab\u{1}", i64::MAX),
            ("åäö 漢字 😀", "", -7),
        ] {
            let read = AccessContent {
                chain_seq: seq,
                actor_id: actor,
                actor_role: "sas",
                case_id: "0190a0b1-0000-7000-8000-000000000001",
                purpose,
                at,
            };
            assert_eq!(
                access_hash(GENESIS, &read),
                oracle(GENESIS, &read),
                "{actor}"
            );
        }
    }

    #[test]
    fn timestamps_are_cut_to_microseconds() {
        let t = Utc
            .timestamp_opt(1_700_000_000, 123_456_789)
            .single()
            .expect("valid");
        assert_eq!(timestamp_text(normalise(t)), "2023-11-14T22:13:20.123456Z");
    }

    #[test]
    fn timestamps_written_digit_by_digit_read_as_the_formatted_text() {
        for (secs, nanos) in [
            (1_700_000_000, 123_456_000),
            (0, 0),
            (-62_135_596_800, 1_000),
            (253_402_300_799, 999_999_000),
            (1_483_228_799, 1_500_000_000),
            (-62_198_755_200, 0),
        ] {
            let t = Utc.timestamp_opt(secs, nanos).single().expect("valid");
            let mut out = Vec::new();
            write_timestamp(&mut out, t);
            assert_eq!(String::from_utf8(out).expect("ascii"), timestamp_text(t));
        }
    }
}
