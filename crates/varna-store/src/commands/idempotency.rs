//! Idempotency keys: a command's request hash, the stored first result of
//! every keyed command, and the replay of a repeat (per actor; a key reused
//! for a different command is refused).

use chrono::{DateTime, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait};
use sha2::{Digest, Sha256};
use varna_workflow::{Actor, Command, Rejection};

use super::{Applied, CommandOptions};
use crate::CaseId;
use crate::entities::idempotency_key;
use crate::error::{Error, Result};

/// The longest idempotency key accepted.
pub(super) const MAX_IDEMPOTENCY_KEY: usize = 200;

pub(super) fn request_hash(request: &impl serde::Serialize) -> String {
    let bytes = serde_json::to_vec(request).expect("commands serialise");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A stable description of a command for idempotency (values included:
/// the same key with other values is a different command).
pub(super) fn command_fingerprint(command: &Command) -> serde_json::Value {
    match command {
        Command::Transition { name, fields } => {
            serde_json::json!({ "transition": name, "fields": fields })
        }
        Command::AddJournalEntry(e) => serde_json::json!({
            "journal": e.topic, "text": e.text, "source": e.source, "kind": e.kind,
            "documented_on": e.documented_on, "author": e.author,
        }),
        Command::Link {
            other_case,
            link,
            end,
        } => serde_json::json!({ "link": other_case, "kind": link, "end": end }),
        Command::PassDeadline { deadline } => serde_json::json!({ "pass_deadline": deadline }),
        Command::Assign { person, role } => serde_json::json!({ "assign": person, "role": role }),
        // Not the new file's id, made anew for each request: a retry of the
        // same upload is the same command.
        Command::AddAttachment(a) => serde_json::json!({
            "attach": a.name, "media_type": a.media_type, "size": a.size, "digest": a.digest,
        }),
    }
}

pub(super) async fn replayed(
    txn: &DatabaseTransaction,
    actor: &Actor,
    options: &CommandOptions,
    request: &str,
) -> Result<Option<Applied>> {
    let Some(key) = &options.idempotency_key else {
        return Ok(None);
    };
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY {
        return Err(Rejection::InvalidInput {
            field: "idempotency_key".into(),
            problem: varna_workflow::InputProblem::TooLong {
                max: MAX_IDEMPOTENCY_KEY,
            },
        }
        .into());
    }
    let found = idempotency_key::Entity::find_by_id((actor.id.as_str().to_owned(), key.clone()))
        .one(txn)
        .await?;
    match found {
        None => Ok(None),
        Some(row) if row.request_hash == request => Ok(Some(Applied {
            case_id: CaseId::parse(&row.case_id)
                .ok_or_else(|| Error::Corrupt("idempotency row names no case".into()))?,
            version: u64::try_from(row.version).unwrap_or_default(),
            opened: Vec::new(),
            replayed: true,
        })),
        Some(_) => Err(Error::IdempotencyKeyReused),
    }
}

pub(super) async fn remember(
    txn: &DatabaseTransaction,
    actor: &Actor,
    options: &CommandOptions,
    request: &str,
    case_id: &CaseId,
    version: u64,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(key) = &options.idempotency_key {
        idempotency_key::ActiveModel {
            actor_id: Set(actor.id.as_str().to_owned()),
            key: Set(key.clone()),
            request_hash: Set(request.to_owned()),
            case_id: Set(case_id.to_string()),
            version: Set(i64::try_from(version).unwrap_or(i64::MAX)),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
