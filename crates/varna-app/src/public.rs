//! The public form: anyone files a case of a lifecycle that offers one
//! (`[public]` in its file) without signing in, as the anonymous sender
//! ([`Role::Sender`]), and gets a receipt code. With the code they come
//! back to see the state, read what the lifecycle shows them (the
//! återkoppling, questions to them) and add to the case.
//!
//! Only the code's SHA-256 is stored. Nothing identifies the sender: their
//! actor id is derived from the form's random seed, and the caller key the
//! limits count by (the web passes a digest of the address) is kept in
//! memory only. Every read through a code is access-logged under the
//! sender's id with the purpose `receipt_code`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use varna_store::{CaseId, CommandOptions};
use varna_workflow::EventKind;
use varna_workflow::definition::{Label, PublicIntake};
use varna_workflow::{Fields, FileCase, Lagrum, Role, UnitId, Value, WorkflowDefinition};

use crate::Principal;
use crate::error::{AppError, Code, Result};
use crate::limits::FilingRate;
use crate::session::{App, Expect, Purpose, Reads};

/// The longest text the public form takes in one field, in characters.
pub const MAX_PUBLIC_TEXT_CHARS: usize = 10_000;

/// Characters of a receipt code (Crockford's base32: no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// A code is 20 characters: 100 random bits.
const CODE_LEN: usize = 20;

/// The bounds on the public form, per caller (an address digest, kept in
/// memory only) and in all.
#[derive(Debug)]
pub(crate) struct PublicLimits {
    /// Filings per caller and minute.
    filings: FilingRate,
    /// Filings in all per minute (a flood from many addresses).
    all: FilingRate,
    /// Wrong codes per caller and minute; when they are used up, even a
    /// right code waits.
    wrong_codes: FilingRate,
    /// Additions to a case through a code, per caller and minute.
    additions: FilingRate,
}

impl Default for PublicLimits {
    fn default() -> Self {
        PublicLimits {
            filings: FilingRate::new(3),
            all: FilingRate::new(60),
            wrong_codes: FilingRate::new(5),
            additions: FilingRate::new(5),
        }
    }
}

/// A receipt code: 20 characters from 100 random bits, shown to the sender
/// once, in groups of four.
#[derive(Clone, PartialEq, Eq)]
pub struct ReceiptCode(String);

impl std::fmt::Debug for ReceiptCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReceiptCode(…)")
    }
}

impl ReceiptCode {
    /// The code made from `seed` (32 random bytes): the same seed gives the
    /// same code, so a form sent twice files once and shows one code.
    pub fn from_seed(seed: &[u8; 32]) -> ReceiptCode {
        let bits = derive(b"receipt code", seed);
        let mut code = String::with_capacity(CODE_LEN);
        for i in 0..CODE_LEN {
            // Five bits at a time from the front of the digest.
            let at = i * 5;
            let pair = u16::from(bits[at / 8]) << 8 | u16::from(bits[at / 8 + 1]);
            let five = (pair >> (11 - at % 8)) & 0x1f;
            code.push(char::from(ALPHABET[usize::from(five)]));
        }
        ReceiptCode(code)
    }

    /// A code as typed: case, spaces and dashes do not matter, and O, I
    /// and L are read as 0, 1 and 1. `None` when it cannot be a code.
    pub fn parse(typed: &str) -> Option<ReceiptCode> {
        let code: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            })
            .collect();
        (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b)))
            .then_some(ReceiptCode(code))
    }

    /// The code in groups of four, as the sender is shown it.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// What the store keeps: the code's SHA-256, hex.
    fn digest(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }
}

/// A filing from the public form, as the sender filled it in.
#[derive(Debug, Clone)]
pub struct PublicFiling {
    /// The lifecycle's name.
    pub workflow: String,
    /// The lagrum the sender chose (`None` when the lifecycle has one).
    pub lagrum: Option<Lagrum>,
    /// The unit's code.
    pub unit: String,
    /// The answers to the fields the form asks.
    pub answers: Fields,
    /// 32 random bytes from the form: the receipt code and the sender's id
    /// are made from them.
    pub seed: [u8; 32],
}

/// What the sender takes away: the code, shown once.
#[derive(Debug, Clone)]
pub struct PublicReceipt {
    /// The receipt code.
    pub code: ReceiptCode,
    /// The case (for the page's own use; never shown with the code).
    pub case_id: CaseId,
}

/// One thing the sender reads back: a shown field as a step set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Written by the sender (else by the organisation).
    pub by_sender: bool,
    /// The field's words for the sender.
    pub label: Label,
    /// The text.
    pub text: String,
}

/// A case as its sender sees it through the receipt code.
#[derive(Debug, Clone)]
pub struct PublicCase {
    /// The lifecycle's name for it.
    pub kind: Label,
    /// The state it is in.
    pub state: Label,
    /// When it was filed.
    pub filed_at: DateTime<Utc>,
    /// What the sender reads back, oldest first.
    pub entries: Vec<PublicEntry>,
    /// Whether the sender may still add to it.
    pub may_add: bool,
}

impl App {
    /// The lifecycles that offer a public form, in the catalog's order.
    pub fn public_forms(&self) -> Vec<Arc<WorkflowDefinition>> {
        let store = self.store();
        store
            .workflows()
            .iter()
            .filter_map(|name| store.definition(name).ok())
            .filter(|d| d.public.is_some())
            .collect()
    }

    /// The lifecycle `workflow` and its public form; `NotFound` when it
    /// offers none.
    pub fn public_form(&self, workflow: &str) -> Result<(Arc<WorkflowDefinition>, PublicIntake)> {
        let def = self
            .store()
            .definition(workflow)
            .map_err(|_| AppError::not_found())?;
        let intake = def.public.clone().ok_or_else(AppError::not_found)?;
        Ok((def, intake))
    }

    /// The units a public filing may name: the open ones, (code, name), by name.
    pub async fn public_units(&self) -> Result<Vec<(String, String)>> {
        let mut units: Vec<(String, String)> = self
            .store()
            .organisation()
            .await?
            .into_iter()
            .flat_map(|a| a.units)
            .filter(|u| u.closed_at.is_none())
            .map(|u| (u.id, u.name))
            .collect();
        units.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(units)
    }

    /// Everything wrong with a public filing at once (empty: it would be
    /// taken); for a form that shows every error together.
    pub async fn public_problems(&self, filing: &PublicFiling) -> Result<Vec<AppError>> {
        let (def, intake) = self.public_form(&filing.workflow)?;
        let mut problems = Vec::new();
        if !self
            .public_units()
            .await?
            .iter()
            .any(|(id, _)| *id == filing.unit)
        {
            problems.push(AppError::invalid("unit", "EMPTY", "choose a unit"));
        }
        let lagrum = match lagrum_of(&def, filing) {
            Ok(l) => l,
            Err(e) => {
                problems.push(e);
                def.lagrum[0]
            }
        };
        for (name, value) in &filing.answers {
            if let Value::Text(text) = value
                && text.chars().count() > MAX_PUBLIC_TEXT_CHARS
            {
                problems.push(too_long(name));
            }
        }
        let command = command(&intake, filing, lagrum, Utc::now())?;
        problems.extend(
            varna_workflow::filing_problems(&def, &command, Utc::now())
                .into_iter()
                .map(AppError::from),
        );
        Ok(problems)
    }

    /// Files from the public form as the anonymous sender: within the
    /// bounds for `caller` and in all, with the receipt code's hash kept in
    /// the case's own transaction.
    pub async fn file_publicly(&self, filing: PublicFiling, caller: &str) -> Result<PublicReceipt> {
        if let Some(first) = self.public_problems(&filing).await?.into_iter().next() {
            return Err(first);
        }
        if !self.public.filings.allow(caller) || !self.public.all.allow("") {
            tracing::info!("a public filing was refused: over the rate limit");
            return Err(AppError::new(
                Code::RateLimited,
                "too many filings in a short time: wait a few minutes and try again",
            ));
        }
        let (def, intake) = self.public_form(&filing.workflow)?;
        let lagrum = lagrum_of(&def, &filing)?;
        let now = Utc::now();
        let command = command(&intake, &filing, lagrum, now)?;
        let sender = Principal {
            user_id: sender_id(&filing.seed),
            role: Role::Sender,
            units: [UnitId::new(filing.unit.clone())].into(),
        };
        let code = ReceiptCode::from_seed(&filing.seed);
        let options = CommandOptions {
            idempotency_key: Some(hex(&derive(b"idempotency key", &filing.seed)[..16])),
            ..CommandOptions::default()
        };
        let applied = self
            .store()
            .file_with_receipt(
                &filing.workflow,
                command,
                &sender.actor(),
                options,
                code.digest(),
            )
            .await?;
        tracing::info!(case = %applied.case_id, workflow = %filing.workflow, "filed on the public form");
        Ok(PublicReceipt {
            code,
            case_id: applied.case_id,
        })
    }

    /// The case `code` opens, as its sender sees it; the read is logged.
    /// A code that opens nothing is `NotFound`, and counts against
    /// `caller`: after a few, every code waits (`RateLimited`).
    pub async fn follow(&self, code: &str, caller: &str) -> Result<PublicCase> {
        let (sender, case_id, _) = self.sender_of(code, caller).await?;
        let reads = Reads::default();
        self.public_case(&sender, &case_id, &reads).await
    }

    /// Adds the sender's `text` to the case `code` opens (the lifecycle's
    /// reply step), and returns the case as they now see it.
    pub async fn sender_adds(&self, code: &str, text: &str, caller: &str) -> Result<PublicCase> {
        let (sender, case_id, def) = self.sender_of(code, caller).await?;
        if !self.public.additions.allow(caller) {
            tracing::info!("an addition through a receipt code was refused: over the rate limit");
            return Err(AppError::new(
                Code::RateLimited,
                "too many additions in a short time: wait a few minutes and try again",
            ));
        }
        let reads = Reads::default();
        let intake = def.public.clone().ok_or_else(AppError::not_found)?;
        let text = text.trim();
        if text.chars().count() > MAX_PUBLIC_TEXT_CHARS {
            return Err(too_long(&intake.reply_field));
        }
        let fields = [(intake.reply_field.clone(), Value::Text(text.to_owned()))].into();
        self.session(&sender, &reads)
            .transition(&case_id, &intake.reply, fields, Expect::default())
            .await?;
        self.public_case(&sender, &case_id, &reads).await
    }

    /// The sender a code stands for, their case and the lifecycle it is
    /// pinned to; wrong codes counted.
    async fn sender_of(
        &self,
        code: &str,
        caller: &str,
    ) -> Result<(Principal, CaseId, Arc<WorkflowDefinition>)> {
        let limited = || {
            tracing::info!("a receipt code was refused: too many wrong codes from one caller");
            AppError::new(
                Code::RateLimited,
                "too many codes that open nothing: wait a few minutes and try again",
            )
        };
        if !self.public.wrong_codes.has_turn(caller) {
            return Err(limited());
        }
        let found = match ReceiptCode::parse(code) {
            Some(code) => self.store().receipt(&code.digest()).await?,
            None => None,
        };
        let Some(receipt) = found else {
            self.public.wrong_codes.allow(caller);
            return Err(AppError::not_found());
        };
        let record = self
            .store()
            .case(&receipt.case_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        let def = self
            .store()
            .definition_by_hash(&record.summary.workflow_hash)
            .await?;
        let sender = Principal {
            user_id: receipt.sender_id,
            role: Role::Sender,
            units: [UnitId::new(record.summary.unit_id)].into(),
        };
        Ok((sender, receipt.case_id, def))
    }

    /// The case as the sender sees it: only the fields its lifecycle shows
    /// them, as each step set them. Logged as a read by the sender.
    async fn public_case(
        &self,
        sender: &Principal,
        id: &CaseId,
        reads: &Reads,
    ) -> Result<PublicCase> {
        let view = self
            .session(sender, reads)
            .case(id, Purpose::ReceiptCode)
            .await?;
        let intake = view.def.public.clone().ok_or_else(AppError::not_found)?;
        let events = self.store().history(id).await?;
        let mut entries = Vec::new();
        for e in &events {
            let fields = match &e.event.kind {
                EventKind::Filed { fields, .. } | EventKind::Transitioned { fields, .. } => fields,
                _ => continue,
            };
            for name in &intake.shows {
                if let Some(Value::Text(text)) = fields.get(name) {
                    entries.push(PublicEntry {
                        at: e.event.occurred_at,
                        by_sender: e.event.actor.id.as_str() == sender.user_id,
                        label: words_for(&view.def, &intake, name),
                        text: text.clone(),
                    });
                }
            }
        }
        let state = view.state();
        let may_add = view
            .def
            .transitions
            .iter()
            .any(|t| t.name == intake.reply && t.from.contains(view.record.case.state()));
        Ok(PublicCase {
            kind: view.def.label.clone(),
            state: state.label.clone(),
            filed_at: view.record.case.opened_at,
            entries,
            may_add,
        })
    }
}

/// The lagrum of a public filing: the one the sender chose, else the
/// lifecycle's only one.
fn lagrum_of(def: &WorkflowDefinition, filing: &PublicFiling) -> Result<Lagrum> {
    match (filing.lagrum, def.lagrum.as_slice()) {
        (Some(l), _) if def.lagrum.contains(&l) => Ok(l),
        (None, [only]) => Ok(*only),
        _ => Err(AppError::invalid(
            "lagrum",
            "EMPTY",
            "choose what it concerns",
        )),
    }
}

/// The filing command: the asked answers (no other field), what every
/// public filing carries, and today's date in the dated fields.
fn command(
    intake: &PublicIntake,
    filing: &PublicFiling,
    lagrum: Lagrum,
    now: DateTime<Utc>,
) -> Result<FileCase> {
    if let Some(name) = filing.answers.keys().find(|k| !intake.asks.contains(k)) {
        return Err(AppError::invalid(
            name,
            "NOT_ACCEPTED",
            "the form does not ask this",
        ));
    }
    let mut fields = filing.answers.clone();
    fields.extend(intake.sets.clone());
    let today = varna_workflow::local::date(now)
        .format("%Y-%m-%d")
        .to_string();
    for name in &intake.dated {
        fields.insert(name.clone(), Value::Text(today.clone()));
    }
    Ok(FileCase {
        lagrum,
        unit: UnitId::new(filing.unit.clone()),
        fields,
    })
}

/// The sender's words for a field: the form's own, else the field's label.
fn words_for(def: &WorkflowDefinition, intake: &PublicIntake, field: &str) -> Label {
    intake.labels.get(field).cloned().unwrap_or_else(|| {
        def.field(field).map_or_else(
            || Label {
                sv: field.to_owned(),
                en: field.to_owned(),
            },
            |f| f.label.clone(),
        )
    })
}

fn too_long(field: &str) -> AppError {
    AppError::invalid(
        field,
        "TOO_LONG",
        format!("at most {MAX_PUBLIC_TEXT_CHARS} characters"),
    )
}

/// The sender's actor id: from the seed, so it names no one.
fn sender_id(seed: &[u8; 32]) -> String {
    format!("avsandare-{}", hex(&derive(b"sender", seed)[..8]))
}

/// SHA-256 of `purpose` and `seed`: separate values from one seed.
fn derive(purpose: &[u8], seed: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(purpose);
    h.update([0]);
    h.update(seed);
    h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn a_code_is_twenty_characters_read_back_however_it_is_typed() {
        let code = ReceiptCode::from_seed(&[7; 32]);
        assert_eq!(code.0.len(), 20);
        assert_eq!(code, ReceiptCode::from_seed(&[7; 32]), "the same seed");
        assert_ne!(code, ReceiptCode::from_seed(&[8; 32]), "another seed");
        let grouped = code.grouped();
        assert_eq!(grouped.len(), 24);
        assert_eq!(ReceiptCode::parse(&grouped), Some(code.clone()));
        let sloppy = format!(" {} ", grouped.to_lowercase().replace('-', " "));
        assert_eq!(ReceiptCode::parse(&sloppy), Some(code.clone()));
        assert_eq!(ReceiptCode::parse("0O1IL"), None, "too short");
        assert_eq!(
            ReceiptCode::parse("OOOO-IIII-LLLL-0000-1111"),
            ReceiptCode::parse("0000-1111-1111-0000-1111"),
            "O, I and L read as digits"
        );
        assert_eq!(ReceiptCode::parse("UUUU-UUUU-UUUU-UUUU-UUUU"), None);
        assert_eq!(format!("{code:?}"), "ReceiptCode(…)", "never in a log");
    }

    #[test]
    fn the_code_uses_every_character_of_the_alphabet() {
        let mut seen = BTreeSet::new();
        for i in 0..200u8 {
            seen.extend(ReceiptCode::from_seed(&[i; 32]).0.chars());
        }
        assert_eq!(seen.len(), 32, "five bits a character, all of them used");
    }
}
