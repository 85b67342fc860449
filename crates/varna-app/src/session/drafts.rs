//! Drafts across a sign-in that ended: a form posted after the person's
//! session ran out (or was ended) is kept for them rather than lost, and
//! signing in again brings them back to the form with their text. The
//! caller proves who they are with the ended session (its signature and
//! the form's CSRF token); nothing is done in their name but keeping it.

use chrono::Utc;
use varna_store::Draft;

use super::{App, Session};
use crate::error::Result;

impl App {
    /// Keeps what `user_id` typed into the form on `draft.page`.
    pub async fn save_draft(&self, user_id: &str, draft: &Draft) -> Result<()> {
        self.store.save_draft(user_id, draft).await?;
        tracing::info!(
            user = user_id,
            page = %draft.page,
            "a form posted after the sign-in ended was kept as a draft"
        );
        Ok(())
    }

    /// Where `user_id` goes after signing in: the page of their newest
    /// draft, if one is kept.
    pub async fn draft_page(&self, user_id: &str) -> Result<Option<String>> {
        Ok(self.store.draft_page(user_id, Utc::now()).await?)
    }
}

impl Session<'_> {
    /// The person's draft for `page`, taken (it is not kept after this).
    pub async fn take_draft(&self, page: &str) -> Result<Option<Draft>> {
        Ok(self
            .store()
            .take_draft(&self.principal.user_id, page, Utc::now())
            .await?)
    }
}
