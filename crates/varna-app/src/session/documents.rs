//! A case's documents (the lifecycle file's `[[document]]`s): the frozen
//! copy a step stored (the anmälan as IVO received it), byte for byte, or
//! a print of the case as it stands. Both are case content: for those who
//! read the investigation, and every opening is logged.

use chrono::{DateTime, Utc};
use varna_store::CaseId;
use varna_workflow::DisclosureRequest;
use varna_workflow::definition::Label;

use super::{Purpose, Session};
use crate::error::{AppError, Result};
use crate::policy;
use crate::view::CaseView;

/// A document as a file to hand out.
#[derive(Debug, Clone)]
pub struct DocumentFile {
    /// The PDF.
    pub bytes: Vec<u8>,
    /// A file name without personal data: `<document>-<case number>.pdf`.
    pub file_name: String,
    /// The frozen copy's digest (`sha256:` and hex), as its event names it;
    /// `None` for a print.
    pub digest: Option<String>,
}

/// One document of a case, as the case page lists it.
#[derive(Debug, Clone)]
pub struct DocumentStatus {
    /// The document's id.
    pub id: String,
    /// Its title.
    pub title: Label,
    /// When a step froze it, its digest and the event's number.
    pub frozen: Option<(DateTime<Utc>, String, u64)>,
    /// For a frozen document: whether what it shows has changed in the case
    /// since.
    pub changed_since: bool,
}

impl Session<'_> {
    /// The case, if the person reads its investigation; logged as a
    /// document read.
    async fn document_case(&self, id: &CaseId) -> Result<CaseView> {
        if !policy::sees_investigation(self.principal) {
            return Err(AppError::not_found());
        }
        self.case(id, Purpose::Document).await
    }

    /// `document` of the case: the frozen copy (`frozen`), exactly as its
    /// step stored it, or a print of the case as it stands now.
    pub async fn document(
        &self,
        id: &CaseId,
        document: &str,
        frozen: bool,
    ) -> Result<DocumentFile> {
        let view = self.document_case(id).await?;
        let file_name = format!("{document}-{}.pdf", id.number());
        if frozen {
            let stored = self
                .store()
                .frozen_document(id, document)
                .await?
                .ok_or_else(AppError::not_found)?;
            return Ok(DocumentFile {
                bytes: stored.content,
                file_name,
                digest: Some(stored.digest),
            });
        }
        if !view.def.documents.iter().any(|d| d.id == document) {
            return Err(AppError::not_found());
        }
        let bytes = self
            .store()
            .render_document(id, &view.record.case, document, Utc::now(), false)
            .await?
            .ok_or_else(AppError::not_found)?;
        Ok(DocumentFile {
            bytes,
            file_name,
            digest: None,
        })
    }

    /// Whether the person may disclose the case they read (`view`) as it
    /// stands: its lifecycle's `[disclosure]` names their role.
    pub fn may_disclose(&self, view: &CaseView) -> bool {
        !view.past
            && view
                .def
                .disclosure
                .as_ref()
                .is_some_and(|d| d.roles.contains(&self.principal.role))
    }

    /// Discloses a case (utlämnande) after a sekretessprövning: the PDF
    /// handed out, with the fields `request` masks left out, and a
    /// `disclosed` event on the case naming its digest. Logged as a read
    /// once made (a refused request read nothing out).
    pub async fn disclose(&self, id: &CaseId, request: &DisclosureRequest) -> Result<DocumentFile> {
        self.may_reach(id).await?;
        let done = self
            .store()
            .disclose(id, request, &self.principal.actor(), None)
            .await?;
        self.store()
            .record_access(self.access(id.clone(), Purpose::Disclosure, Utc::now()))
            .await?;
        Ok(DocumentFile {
            bytes: done.document,
            file_name: format!("utlamnande-{}.pdf", id.number()),
            digest: Some(done.digest),
        })
    }

    /// The documents of a case the person has read (`view`): each with
    /// whether and when it was frozen and whether the case has changed
    /// since in what it shows. Empty for those who do not read the
    /// investigation.
    pub async fn documents(&self, view: &CaseView) -> Result<Vec<DocumentStatus>> {
        if !policy::sees_investigation(self.principal) {
            return Ok(Vec::new());
        }
        let id = &view.record.id;
        let mut out = Vec::new();
        for spec in &view.def.documents {
            let frozen = view.record.case.documents.get(&spec.id);
            let changed_since = match frozen {
                Some(_) if !view.past => self
                    .store()
                    .changed_since_frozen(id, &view.record.case, &spec.id)
                    .await?
                    .unwrap_or(false),
                _ => false,
            };
            out.push(DocumentStatus {
                id: spec.id.clone(),
                title: spec.title.clone(),
                frozen: frozen.map(|f| (f.at, f.digest.clone(), f.sequence)),
                changed_since,
            });
        }
        Ok(out)
    }
}
