//! Signed checkpoints of the global chain, in the C2SP formats
//! (<https://c2sp.org/tlog-checkpoint> inside a <https://c2sp.org/signed-note>):
//!
//! ```text
//! varna.exempelkommunen.se/audit      origin: names the log and the key
//! 18234                               size: events in the global chain
//! 3q2+7w…=                            head: the global_hash after the last, base64
//! access 90211 Zm9v…=                 extension: the access log's chain, reads and head
//!
//! — varna.exempelkommunen.se/audit AbCdEf…   key id (4 bytes) ‖ Ed25519 signature, base64
//! ```
//!
//! Varna's log is a hash chain, not a Merkle tree, so the head hash stands
//! where a tree's root would: a checkpoint commits to every event up to
//! `size`, and a log that still extends it recomputes the same head at that
//! size. The key is a C2SP note key: the verifier key is
//! `name+keyid+base64(0x01 ‖ public key)`, the signer key file
//! `PRIVATE+KEY+name+keyid+base64(0x01 ‖ seed)`, with
//! `keyid = SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[..4]`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature algorithm byte of Ed25519 in C2SP note keys.
const ED25519: u8 = 0x01;
/// The dash that starts a signature line.
const DASH: &str = "\u{2014} ";

/// What a checkpoint states: the log, its size and its head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's name (also the key's name).
    pub origin: String,
    /// Events in the global chain.
    pub size: u64,
    /// The global chain's hash after event `size` (hex, as stored).
    pub head: String,
    /// The access log's chain: reads in it and its hash after the last
    /// (hex), where the checkpoint states them (an `access` extension line).
    pub access: Option<(u64, String)>,
}

/// Why a key or a checkpoint is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A key text is not in the C2SP note key form.
    #[error("not a note key: {0}")]
    BadKey(&'static str),
    /// The note is not a checkpoint in the expected form.
    #[error("not a checkpoint: {0}")]
    Malformed(&'static str),
    /// No signature line of this verifier's key is on the note.
    #[error("the checkpoint carries no signature by the key {0}")]
    NotSignedBy(String),
    /// The signature line of this key does not verify.
    #[error("the signature by {0} does not verify: the text was changed or signed by another key")]
    BadSignature(String),
}

/// A signing key for checkpoints.
pub struct CheckpointSigner {
    name: String,
    key: SigningKey,
}

impl fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckpointSigner")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The public half: verifies checkpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointVerifier {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public.as_bytes());
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['+', ' ', '\n', '\t'])
        && name.chars().all(|c| !c.is_control())
}

/// `name+hexid+base64(0x01 ‖ key bytes)`, split and checked.
fn split_key(text: &str) -> Result<(&str, [u8; 4], [u8; 32]), CheckpointError> {
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(CheckpointError::BadKey("expected name+keyid+key"));
    };
    if !valid_name(name) {
        return Err(CheckpointError::BadKey(
            "the name is empty or has a space or '+'",
        ));
    }
    let id = u32::from_str_radix(id, 16)
        .ok()
        .filter(|_| id.len() == 8)
        .ok_or(CheckpointError::BadKey("the key id is not 8 hex digits"))?
        .to_be_bytes();
    let bytes = BASE64
        .decode(key)
        .map_err(|_| CheckpointError::BadKey("the key is not base64"))?;
    match bytes.split_first() {
        Some((&ED25519, rest)) if rest.len() == 32 => {
            let mut k = [0u8; 32];
            k.copy_from_slice(rest);
            Ok((name, id, k))
        }
        _ => Err(CheckpointError::BadKey("not an Ed25519 key")),
    }
}

impl CheckpointSigner {
    /// A key named `name` (the log's origin) from 32 random bytes.
    pub fn new(name: &str, seed: [u8; 32]) -> Result<CheckpointSigner, CheckpointError> {
        if !valid_name(name) {
            return Err(CheckpointError::BadKey(
                "the name is empty or has a space or '+'",
            ));
        }
        Ok(CheckpointSigner {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// Reads a signer key file's text (`PRIVATE+KEY+name+keyid+key`).
    pub fn from_text(text: &str) -> Result<CheckpointSigner, CheckpointError> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(CheckpointError::BadKey(
                "a signer key starts with PRIVATE+KEY+",
            ))?;
        let (name, id, seed) = split_key(rest)?;
        let signer = CheckpointSigner {
            name: name.to_owned(),
            key: SigningKey::from_bytes(&seed),
        };
        if signer.verifier().id != id {
            return Err(CheckpointError::BadKey("the key id does not match the key"));
        }
        Ok(signer)
    }

    /// The signer key file's text. Secret: keep it apart from the database.
    pub fn to_text(&self) -> String {
        let id = self.verifier().id;
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}\n",
            self.name,
            hex4(id),
            BASE64.encode(bytes)
        )
    }

    /// The key's name (the log's origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public half.
    pub fn verifier(&self) -> CheckpointVerifier {
        let key = self.key.verifying_key();
        CheckpointVerifier {
            id: key_id(&self.name, &key),
            name: self.name.clone(),
            key,
        }
    }

    /// The signed note of a checkpoint of this log at `size` with `head`,
    /// and the access log's chain at `access` (reads, head) when given.
    pub fn sign(
        &self,
        size: u64,
        head: &str,
        access: Option<(u64, &str)>,
    ) -> Result<String, CheckpointError> {
        let head = hex32(head).ok_or(CheckpointError::Malformed(
            "the head is not a SHA-256 in hex",
        ))?;
        let mut body = format!("{}\n{size}\n{}\n", self.name, BASE64.encode(head));
        if let Some((reads, access_head)) = access {
            let access_head = hex32(access_head).ok_or(CheckpointError::Malformed(
                "the access head is not a SHA-256 in hex",
            ))?;
            body.push_str(&format!("access {reads} {}\n", BASE64.encode(access_head)));
        }
        let signature = self.key.sign(body.as_bytes());
        let mut sig = self.verifier().id.to_vec();
        sig.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{body}\n{DASH}{} {}\n",
            self.name,
            BASE64.encode(sig)
        ))
    }
}

impl CheckpointVerifier {
    /// Reads a verifier key (`name+keyid+key`).
    pub fn from_text(text: &str) -> Result<CheckpointVerifier, CheckpointError> {
        let (name, id, bytes) = split_key(text)?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| CheckpointError::BadKey("not a valid Ed25519 public key"))?;
        if key_id(name, &key) != id {
            return Err(CheckpointError::BadKey("the key id does not match the key"));
        }
        Ok(CheckpointVerifier {
            name: name.to_owned(),
            id,
            key,
        })
    }

    /// The key's name (the log's origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id, 8 hex digits.
    pub fn key_id(&self) -> String {
        hex4(self.id)
    }

    /// Checks the signature of this key on `note` and reads the checkpoint.
    pub fn open(&self, note: &str) -> Result<Checkpoint, CheckpointError> {
        let split = note.find("\n\n").ok_or(CheckpointError::Malformed(
            "no blank line before the signatures",
        ))?;
        let (body, signatures) = (&note[..=split], &note[split + 2..]);
        let mut signed = false;
        for line in signatures.lines() {
            let rest = line.strip_prefix(DASH).ok_or(CheckpointError::Malformed(
                "a signature line starts with an em dash",
            ))?;
            let (name, sig) = rest.rsplit_once(' ').ok_or(CheckpointError::Malformed(
                "a signature line is name and signature",
            ))?;
            let Ok(bytes) = BASE64.decode(sig) else {
                continue;
            };
            if name != self.name || bytes.len() != 68 || bytes[..4] != self.id {
                continue;
            }
            let signature = Signature::from_slice(&bytes[4..])
                .map_err(|_| CheckpointError::BadSignature(self.name.clone()))?;
            self.key
                .verify(body.as_bytes(), &signature)
                .map_err(|_| CheckpointError::BadSignature(self.name.clone()))?;
            signed = true;
        }
        if !signed {
            return Err(CheckpointError::NotSignedBy(self.name.clone()));
        }
        let mut lines = body.lines();
        let (Some(origin), Some(size), Some(head)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::Malformed(
                "origin, size and head on three lines",
            ));
        };
        let mut access = None;
        for extension in lines {
            if let Some(rest) = extension.strip_prefix("access ") {
                let (reads, head) = rest
                    .split_once(' ')
                    .ok_or(CheckpointError::Malformed("access: reads and head"))?;
                let reads = reads
                    .parse::<u64>()
                    .map_err(|_| CheckpointError::Malformed("access: reads is not a number"))?;
                let head = BASE64.decode(head).ok().filter(|h| h.len() == 32).ok_or(
                    CheckpointError::Malformed("access: the head is not a base64 SHA-256"),
                )?;
                access = Some((reads, head.iter().map(|b| format!("{b:02x}")).collect()));
            }
        }
        let size = size
            .parse::<u64>()
            .ok()
            .filter(|_| !size.starts_with('+') && (size == "0" || !size.starts_with('0')))
            .ok_or(CheckpointError::Malformed(
                "the size is not a decimal number",
            ))?;
        let head = BASE64.decode(head).ok().filter(|h| h.len() == 32).ok_or(
            CheckpointError::Malformed("the head is not a base64 SHA-256"),
        )?;
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            head: head.iter().map(|b| format!("{b:02x}")).collect(),
            access,
        })
    }
}

impl fmt::Display for CheckpointVerifier {
    /// `name+keyid+base64(0x01 ‖ key)`: what an auditor is given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = vec![ED25519];
        bytes.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{}+{}",
            self.name,
            hex4(self.id),
            BASE64.encode(bytes)
        )
    }
}

fn hex4(id: [u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex32(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn signer() -> CheckpointSigner {
        CheckpointSigner::new("varna.example/audit", [7; 32]).expect("a name")
    }

    #[test]
    fn a_signed_checkpoint_opens_with_its_verifier_and_keys_round_trip() {
        let s = signer();
        let note = s.sign(42, HEAD, Some((7, HEAD))).expect("signs");
        let lines: Vec<&str> = note.lines().collect();
        assert_eq!(lines[..2], ["varna.example/audit", "42"]);
        assert!(lines[3].starts_with("access 7 "));
        assert_eq!(lines[4], "");
        assert!(lines[5].starts_with("\u{2014} varna.example/audit "));
        let v = CheckpointVerifier::from_text(&s.verifier().to_string()).expect("reads");
        assert_eq!(
            v.open(&note),
            Ok(Checkpoint {
                origin: "varna.example/audit".into(),
                size: 42,
                head: HEAD.into(),
                access: Some((7, HEAD.into())),
            })
        );
        let again = CheckpointSigner::from_text(&s.to_text()).expect("reads");
        assert_eq!(again.verifier(), s.verifier());
    }

    #[test]
    fn a_changed_size_head_or_key_is_refused() {
        let s = signer();
        let note = s.sign(42, HEAD, None).expect("signs");
        let v = s.verifier();
        assert_eq!(
            v.open(&note.replacen("\n42\n", "\n41\n", 1)),
            Err(CheckpointError::BadSignature("varna.example/audit".into()))
        );
        let other = CheckpointSigner::new("varna.example/audit", [8; 32]).expect("a name");
        assert!(matches!(
            other.verifier().open(&note),
            Err(CheckpointError::NotSignedBy(_))
        ));
        assert!(CheckpointVerifier::from_text("nope").is_err());
        let text = v.to_string();
        let tampered = text.replacen('+', "x+", 1);
        assert!(
            CheckpointVerifier::from_text(&tampered).is_err(),
            "id no longer matches"
        );
    }
}
