//! Files on a case: photos of a room, scanned letters. A file is taken
//! only as what its bytes show it is (JPEG, PNG or PDF, whatever the
//! sender called it) and only up to [`MAX_ATTACHMENT_BYTES`]; the event
//! names it by SHA-256 and the bytes are kept beside the log. Opening one
//! is a logged read of the case, for those who read the investigation.

use varna_store::CaseId;
use varna_workflow::attachment::{Attachment, MAX_NAME_CHARS, may_attach};

use super::{Done, Expect, Purpose, Session};
use crate::error::{AppError, Result};
use crate::policy;
use crate::view::CaseView;

/// The largest file taken.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// A file to hand out.
#[derive(Debug, Clone)]
pub struct AttachmentFile {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Its media type (one of those taken).
    pub media_type: String,
    /// Its name as it was added.
    pub name: String,
    /// `sha256:` and hex, as its event names it.
    pub digest: String,
}

/// What the bytes are, by their first bytes: the types taken.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// A file name as kept: its last part (no folders), without control
/// characters, at most [`MAX_NAME_CHARS`] characters; `bilaga` if nothing
/// is left.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let clean = clean.trim().to_owned();
    if clean.is_empty() {
        "bilaga".to_owned()
    } else {
        clean
    }
}

impl Session<'_> {
    /// Whether the person may add files to the case they read (`view`).
    pub fn may_attach(&self, view: &CaseView) -> bool {
        !view.past && !view.record.summary.is_closed && may_attach(&view.def, self.principal.role)
    }

    /// Adds the file `bytes`, named `name`, to a case.
    pub async fn attach(
        &self,
        id: &CaseId,
        name: &str,
        bytes: Vec<u8>,
        expect: Expect,
    ) -> Result<Done> {
        if bytes.is_empty() {
            return Err(AppError::invalid("file", "EMPTY", "choose a file"));
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(AppError::invalid(
                "file",
                "TOO_LARGE",
                format!(
                    "the file is larger than {} MB",
                    MAX_ATTACHMENT_BYTES / (1024 * 1024)
                ),
            ));
        }
        let Some(media_type) = sniff(&bytes) else {
            return Err(AppError::invalid(
                "file",
                "WRONG_TYPE",
                "only photos (JPEG, PNG) and PDF files are taken",
            ));
        };
        self.may_reach(id).await?;
        let attachment = Attachment {
            id: uuid::Uuid::now_v7().to_string(),
            name: clean_name(name),
            media_type: media_type.to_owned(),
            size: bytes.len() as u64,
            digest: varna_store::chain::content_digest(&bytes),
        };
        let applied = self
            .store()
            .attach(
                id,
                attachment,
                bytes,
                &self.principal.actor(),
                expect.into(),
            )
            .await?;
        Ok(Self::done(applied))
    }

    /// A file of a case, for those who read its investigation; the opening
    /// is logged.
    pub async fn attachment(&self, id: &CaseId, attachment: &str) -> Result<AttachmentFile> {
        if !policy::sees_investigation(self.principal) {
            return Err(AppError::not_found());
        }
        let view = self.case(id, Purpose::Attachment).await?;
        let meta = view
            .record
            .case
            .attachments
            .iter()
            .find(|a| a.attachment.id == attachment)
            .ok_or_else(AppError::not_found)?;
        let stored = self
            .store()
            .attachment(id, attachment)
            .await?
            .ok_or_else(AppError::not_found)?;
        Ok(AttachmentFile {
            bytes: stored.content,
            media_type: stored.media_type,
            name: meta.attachment.name.clone(),
            digest: stored.digest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_what_its_bytes_show_and_its_name_loses_its_folders() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(clean_name("C:\\Users\\eva\\rum 12.jpg"), "rum 12.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("\u{7}"), "bilaga");
    }
}
