//! The canonical event encoding and both hash links on arbitrary content.
//!
//! What the store relies on: the bytes it hashes when it writes an event are
//! the bytes `audit verify` hashes again from the stored row, so encoding the
//! payload, storing it as text and reading it back must change nothing; the
//! encoding is valid JSON with sorted keys and no whitespace whatever order
//! the keys were built in (this build turns on serde_json's preserve_order);
//! and the hash links are SHA-256 over exactly the documented bytes.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use varna_chain::{
    EventContent, canonical, canonical_json, event_hash, global_hash, normalise, timestamp_text,
};

/// Payloads are what the store writes: objects, arrays, strings, integers,
/// booleans and null (events hold no floating-point numbers), nested far
/// less deeply than serde_json's recursion limit of 128.
const MAX_DEPTH: u32 = 24;

fn json(u: &mut Unstructured<'_>, depth: u32) -> arbitrary::Result<Value> {
    let pick = if depth >= MAX_DEPTH {
        u.int_in_range(0..=4)?
    } else {
        u.int_in_range(0..=6)?
    };
    Ok(match pick {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Value::from(u.arbitrary::<u64>()?),
        4 => Value::String(u.arbitrary()?),
        5 => {
            let mut items = Vec::new();
            while u.arbitrary()? {
                items.push(json(u, depth + 1)?);
            }
            Value::Array(items)
        }
        _ => {
            let mut map = Map::new();
            while u.arbitrary()? {
                let key: String = u.arbitrary()?;
                map.insert(key, json(u, depth + 1)?);
            }
            Value::Object(map)
        }
    })
}

/// The same value with every object's keys inserted in reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter().rev() {
                out.insert(k.clone(), reversed(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

fn time(u: &mut Unstructured<'_>) -> arbitrary::Result<DateTime<Utc>> {
    // Years 1..=9999, the range the written form %Y-%m-%d covers.
    let micros = u.int_in_range(-62_135_596_800_000_000i64..=253_402_300_799_999_999)?;
    Ok(DateTime::from_timestamp_micros(micros).expect("in range"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64
        || !text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    (0..32)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}

fn check(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let case_id: String = u.arbitrary()?;
    let event_type: String = u.arbitrary()?;
    let actor_id: String = u.arbitrary()?;
    let actor_role: String = u.arbitrary()?;
    let sequence: i64 = u.arbitrary()?;
    let event_version: i32 = u.arbitrary()?;
    let occurred_at = normalise(time(u)?);
    let recorded_at = normalise(time(u)?);
    // A valid previous hash most of the time, anything at all otherwise.
    let prev_hash = if u.ratio(7, 8)? {
        hex(&<[u8; 32]>::arbitrary(u)?)
    } else {
        u.arbitrary::<String>()?
    };
    let payload = json(u, 0)?;

    let content = EventContent {
        case_id: &case_id,
        sequence,
        event_type: &event_type,
        event_version,
        payload: &payload,
        actor_id: &actor_id,
        actor_role: &actor_role,
        occurred_at,
        recorded_at,
    };
    let bytes = canonical(&content);
    let text = std::str::from_utf8(&bytes).expect("canonical bytes are UTF-8");

    // Valid JSON holding exactly the envelope, and its own canonical form.
    let parsed: Value = serde_json::from_str(text).expect("canonical bytes are JSON");
    let Value::Object(envelope) = &parsed else {
        panic!("not an object")
    };
    let keys: Vec<&str> = envelope.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "actor_id",
            "actor_role",
            "case_id",
            "event_type",
            "event_version",
            "occurred_at",
            "payload",
            "recorded_at",
            "sequence"
        ],
        "keys in byte order"
    );
    assert_eq!(envelope["case_id"], Value::from(case_id.clone()));
    assert_eq!(envelope["actor_id"], Value::from(actor_id.clone()));
    assert_eq!(envelope["actor_role"], Value::from(actor_role.clone()));
    assert_eq!(envelope["event_type"], Value::from(event_type.clone()));
    assert_eq!(envelope["event_version"], Value::from(event_version));
    assert_eq!(envelope["sequence"], Value::from(sequence));
    assert_eq!(envelope["payload"], payload);
    assert_eq!(
        canonical_json(&parsed).as_bytes(),
        &bytes[..],
        "canonical form is a fixed point"
    );

    // Timestamps: microseconds, read back to the same instant.
    for (t, key) in [(occurred_at, "occurred_at"), (recorded_at, "recorded_at")] {
        let written = timestamp_text(t);
        assert_eq!(envelope[key], Value::from(written.clone()));
        let back = DateTime::parse_from_rfc3339(&written)
            .expect("RFC 3339")
            .with_timezone(&Utc);
        assert_eq!(back, t);
        assert_eq!(normalise(t), t);
    }

    // The store's round trip: payload stored as canonical text, read back.
    let stored = canonical_json(&payload);
    let read_back: Value = serde_json::from_str(&stored).expect("stored payload parses");
    assert_eq!(read_back, payload);
    let again = canonical(&EventContent {
        payload: &read_back,
        ..content
    });
    assert_eq!(again, bytes, "verify hashes what the writer hashed");

    // Key insertion order does not matter.
    let shuffled = reversed(&payload);
    assert_eq!(
        canonical(&EventContent {
            payload: &shuffled,
            ..content
        }),
        bytes
    );

    // The links: hex SHA-256 over the documented bytes.
    let hash = event_hash(&prev_hash, &bytes);
    assert!(
        hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    if let Some(prev) = unhex(&prev_hash) {
        let mut h = Sha256::new();
        h.update(&prev);
        h.update(&bytes);
        assert_eq!(hash, hex(&h.finalize()));
        let global = global_hash(&prev_hash, &hash);
        let mut g = Sha256::new();
        g.update(&prev);
        g.update(unhex(&hash).expect("a hash is hex"));
        assert_eq!(global, hex(&g.finalize()));
    } else {
        // A tampered previous hash never panics and never links like a valid one.
        let global = global_hash(&prev_hash, &hash);
        assert_eq!(global.len(), 64);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = check(&mut Unstructured::new(data));
});
