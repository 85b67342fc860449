//! Frozen documents. A step named in a `[[document]]`'s `frozen_by` (the
//! anmälan registered as sent to IVO, the utredning sent) renders the
//! document from the case as that step leaves it, stores the bytes in
//! `document`, and names them by SHA-256 in the step's own event: the
//! chain commits to the exact file IVO received. It downloads unchanged
//! ever after; rendering the case as it stands with the same date and
//! comparing tells whether the case has changed since. Attachments (files
//! added to a case) are kept and checked the same way.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement, StreamTrait,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use varna_document::Context;
use varna_workflow::{Case, Event, EventKind, WorkflowDefinition, evolve};

use crate::backend::one_case;
use crate::chain::content_digest;
use crate::entities::{document, org};
use crate::error::{Error, Result};
use crate::{CaseId, Store};

/// A frozen document as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// The document's id in the lifecycle file.
    pub document: String,
    /// The case event that froze it.
    pub sequence: u64,
    /// `sha256:` and hex, as that event names it.
    pub digest: String,
    /// When.
    pub frozen_at: DateTime<Utc>,
    /// The PDF, byte for byte as frozen.
    pub content: Vec<u8>,
}

/// The document's context: the case number, unit and organisation names.
pub(crate) async fn context<C: ConnectionTrait>(
    db: &C,
    id: &CaseId,
    case: &Case,
    at: DateTime<Utc>,
    frozen: bool,
) -> Result<Context> {
    let unit = org::unit::Entity::find_by_id(case.unit.as_str().to_owned())
        .one(db)
        .await?;
    let area = match &unit {
        Some(u) => {
            org::verksamhetsomrade::Entity::find_by_id(u.verksamhetsomrade_id.clone())
                .one(db)
                .await?
        }
        None => None,
    };
    let organisation = match &area {
        Some(a) => {
            org::organisation::Entity::find_by_id(a.organisation_id.clone())
                .one(db)
                .await?
        }
        None => None,
    };
    Ok(Context {
        case_number: id.number(),
        unit_name: unit.map_or_else(|| case.unit.as_str().to_owned(), |u| u.name),
        organisation: organisation.map(|o| o.name).unwrap_or_default(),
        at,
        frozen,
    })
}

/// Renders the documents the steps among `events` freeze, from the case as
/// each step leaves it, and names each in its step's event. `case` is the
/// case before `events`. Returns the rows to store with the events.
pub(crate) async fn freeze<C: ConnectionTrait>(
    db: &C,
    id: &CaseId,
    def: &WorkflowDefinition,
    case: &Case,
    events: &mut [Event],
) -> Result<Vec<document::ActiveModel>> {
    if def.documents.iter().all(|d| d.frozen_by.is_empty()) {
        return Ok(Vec::new());
    }
    let mut rows = Vec::new();
    let mut after = case.clone();
    for event in events.iter_mut() {
        after = evolve(after, event);
        let EventKind::Transitioned {
            transition,
            documents,
            ..
        } = &mut event.kind
        else {
            continue;
        };
        let specs: Vec<_> = def.documents_frozen_by(transition).cloned().collect();
        if specs.is_empty() {
            continue;
        }
        let context = context(db, id, &after, event.occurred_at, true).await?;
        for spec in specs {
            let content = varna_document::render(def, &spec, &after, &context);
            let digest = content_digest(&content);
            documents.insert(spec.id.clone(), digest.clone());
            rows.push(document::ActiveModel {
                case_id: Set(id.to_string()),
                sequence: Set(i64::try_from(after.version).unwrap_or(i64::MAX)),
                document_id: Set(spec.id.clone()),
                digest: Set(digest),
                content: Set(content),
                frozen_at: Set(event.occurred_at),
            });
        }
        // The case as the rest of the command sees it names them too.
        let named = documents.clone();
        for (doc, digest) in named {
            after.documents.insert(
                doc,
                varna_workflow::FrozenDocument {
                    digest,
                    sequence: after.version,
                    at: event.occurred_at,
                },
            );
        }
    }
    Ok(rows)
}

/// Whether each file kept beside the log (frozen documents, attachments)
/// still has the digest its event names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocumentCheck {
    /// Files whose bytes match the digest their event names.
    pub intact: u64,
    /// Files changed, swapped or left without their event; or events
    /// naming a file that is gone.
    pub changed: u64,
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    documents: BTreeMap<String, String>,
    #[serde(default)]
    attachment: Option<NamedAttachment>,
}

#[derive(Deserialize)]
struct NamedAttachment {
    id: String,
    digest: String,
}

/// An attachment as stored: what its event says, and the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAttachment {
    /// Its media type.
    pub media_type: String,
    /// `sha256:` and hex.
    pub digest: String,
    /// The bytes.
    pub content: Vec<u8>,
}

/// Checks the frozen documents of one case (`Some(id)`) or of all.
pub(crate) async fn check<C: ConnectionTrait + StreamTrait>(
    db: &C,
    case: Option<&str>,
) -> Result<DocumentCheck> {
    let backend = ConnectionTrait::get_database_backend(db);
    let only = |column: &str| one_case(backend, column, case);
    let mut out = DocumentCheck::default();
    // Every document an event names, against the stored bytes (a
    // disposal removed those of its case).
    let mut named: BTreeMap<FileKey, String> = BTreeMap::new();
    {
        let (filter, values) = only("case_id");
        let sql = format!(
            "SELECT case_id, sequence, payload FROM event \
             WHERE ((event_type = 'transitioned' AND payload LIKE '%\"documents\"%') \
             OR event_type = 'attachment_added') \
             AND NOT EXISTS (SELECT 1 FROM event d WHERE d.case_id = event.case_id \
                             AND d.event_type = 'content_disposed'){filter}"
        );
        let rows = db
            .stream_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = rows.next().await {
            let row = row?;
            let case_id: String = row.try_get("", "case_id")?;
            let sequence: i64 = row.try_get("", "sequence")?;
            let payload: String = row.try_get("", "payload")?;
            let parsed: Named = serde_json::from_str(&payload)
                .map_err(|e| Error::Corrupt(format!("an event does not parse: {e}")))?;
            for (doc, digest) in parsed.documents {
                named.insert((case_id.clone(), sequence, doc), digest);
            }
            if let Some(a) = parsed.attachment {
                // Attachments are keyed by their id, not the event.
                named.insert(
                    (case_id.clone(), 0, format!("attachment:{}", a.id)),
                    a.digest,
                );
            }
        }
    }
    let (filter, values) = only("case_id");
    let sql = format!(
        "SELECT case_id, sequence, document_id, digest, content FROM document WHERE 1 = 1{filter}"
    );
    compare(db, sql, values, &mut named, &mut out, |row| {
        Ok((
            row.try_get::<String>("", "case_id")?,
            row.try_get::<i64>("", "sequence")?,
            row.try_get::<String>("", "document_id")?,
        ))
    })
    .await?;
    let (filter, values) = only("case_id");
    let sql = format!("SELECT case_id, id, digest, content FROM attachment WHERE 1 = 1{filter}");
    compare(db, sql, values, &mut named, &mut out, |row| {
        Ok((
            row.try_get::<String>("", "case_id")?,
            0,
            format!("attachment:{}", row.try_get::<String>("", "id")?),
        ))
    })
    .await?;
    out.changed += named.len() as u64;
    Ok(out)
}

/// A kept file's key: (case, event sequence or 0, document id or
/// `attachment:<id>`).
type FileKey = (String, i64, String);

/// Streams the kept files `sql` selects (with `digest` and `content`) and
/// counts each as intact or changed against the digest its event named
/// (taken out of `named`).
async fn compare<C: ConnectionTrait + StreamTrait>(
    db: &C,
    sql: String,
    values: Vec<sea_orm::Value>,
    named: &mut BTreeMap<FileKey, String>,
    out: &mut DocumentCheck,
    key: impl Fn(&sea_orm::QueryResult) -> std::result::Result<FileKey, sea_orm::DbErr>,
) -> Result<()> {
    let backend = ConnectionTrait::get_database_backend(db);
    let rows = db
        .stream_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.next().await {
        let row = row?;
        let digest: String = row.try_get("", "digest")?;
        let content: Vec<u8> = row.try_get("", "content")?;
        match named.remove(&key(&row)?) {
            Some(committed) if committed == digest && content_digest(&content) == digest => {
                out.intact += 1;
            }
            _ => out.changed += 1,
        }
    }
    Ok(())
}

impl Store {
    /// A file added to a case, by its id.
    pub async fn attachment(
        &self,
        id: &CaseId,
        attachment: &str,
    ) -> Result<Option<StoredAttachment>> {
        Ok(
            crate::entities::attachment::Entity::find_by_id((
                id.to_string(),
                attachment.to_owned(),
            ))
            .one(&self.db)
            .await?
            .map(|r| StoredAttachment {
                media_type: r.media_type,
                digest: r.digest,
                content: r.content,
            }),
        )
    }

    /// The latest frozen copy of `document` of a case, if a step froze it.
    pub async fn frozen_document(
        &self,
        id: &CaseId,
        document: &str,
    ) -> Result<Option<StoredDocument>> {
        let row = document::Entity::find()
            .filter(document::Column::CaseId.eq(id.to_string()))
            .filter(document::Column::DocumentId.eq(document.to_owned()))
            .order_by_desc(document::Column::Sequence)
            .one(&self.db)
            .await?;
        Ok(row.map(|r| StoredDocument {
            document: r.document_id,
            sequence: u64::try_from(r.sequence).unwrap_or(0),
            digest: r.digest,
            frozen_at: r.frozen_at,
            content: r.content,
        }))
    }

    /// `document` of `case` (as the caller read it) rendered: a print
    /// dated `at` (now), or, with `frozen`, as a frozen copy dated `at`
    /// would read — the same bytes as the frozen copy if nothing it shows
    /// has changed since. `None` when the lifecycle has no such document.
    pub async fn render_document(
        &self,
        id: &CaseId,
        case: &Case,
        document: &str,
        at: DateTime<Utc>,
        frozen: bool,
    ) -> Result<Option<Vec<u8>>> {
        let def = self
            .definitions
            .by_hash(&self.db, &case.workflow.hash)
            .await?;
        let Some(spec) = def.documents.iter().find(|d| d.id == document) else {
            return Ok(None);
        };
        let context = context(&self.db, id, case, at, frozen).await?;
        Ok(Some(varna_document::render(&def, spec, case, &context)))
    }

    /// Whether what a frozen document shows has changed in `case` (as the
    /// caller read it) since: `None` if the document was never frozen.
    pub async fn changed_since_frozen(
        &self,
        id: &CaseId,
        case: &Case,
        document: &str,
    ) -> Result<Option<bool>> {
        let Some(frozen) = self.frozen_document(id, document).await? else {
            return Ok(None);
        };
        let now = self
            .render_document(id, case, document, frozen.frozen_at, true)
            .await?;
        Ok(Some(now.as_deref() != Some(frozen.content.as_slice())))
    }
}
