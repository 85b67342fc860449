//! Parsed GraphQL documents kept by their text: clients send the same few
//! queries again and again (with other variables), so each is parsed once
//! and its parsed form handed to the schema after that. Validation, limits
//! and execution still run for every request; a document that does not
//! parse is not kept (the schema reports its error as before).

use std::collections::HashMap;
use std::sync::RwLock;

use async_graphql::parser::types::ExecutableDocument;

/// The most documents kept; when full, it starts over.
const KEPT_DOCUMENTS: usize = 256;

/// The longest query text kept (longer ones are parsed every time).
const MAX_KEPT_QUERY_BYTES: usize = 16 * 1024;

/// Parsed documents by query text.
#[derive(Default)]
pub(crate) struct Documents {
    parsed: RwLock<HashMap<String, ExecutableDocument>>,
}

impl Documents {
    /// Gives `request` its parsed document: the kept one, or parsed now
    /// and kept.
    pub(crate) fn prepare(&self, request: &mut async_graphql::Request) {
        if request.query.len() > MAX_KEPT_QUERY_BYTES {
            return;
        }
        let kept = self
            .parsed
            .read()
            .expect("never poisoned")
            .get(&request.query)
            .cloned();
        if let Some(document) = kept {
            request.set_parsed_query(document);
            return;
        }
        let Ok(document) = request.parsed_query().cloned() else {
            return;
        };
        let mut parsed = self.parsed.write().expect("never poisoned");
        if parsed.len() >= KEPT_DOCUMENTS {
            parsed.clear();
        }
        parsed.insert(request.query.clone(), document);
    }

    /// How many documents are kept.
    pub(crate) fn len(&self) -> usize {
        self.parsed.read().expect("never poisoned").len()
    }
}
