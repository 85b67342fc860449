//! The `[disclosure]` table: the roles that may disclose a case (never the
//! public form's sender) and the grounds of secrecy cited where a value is
//! masked.

use toml::Spanned;

use super::{Declared, Validator};
use crate::Role;
use crate::definition::DisclosureRule;
use crate::definition::raw::RawDisclosure;

impl Validator<'_> {
    pub(super) fn disclosure(
        &mut self,
        raw: Spanned<RawDisclosure>,
        known: &Declared,
    ) -> Option<DisclosureRule> {
        let span = raw.span();
        let raw = raw.into_inner();
        let mut roles = Vec::new();
        let mut ok = true;
        if raw.roles.is_empty() {
            self.error(
                &span,
                "[disclosure] names no role that may disclose a case".to_owned(),
                Some(
                    "name the roles that make the sekretessprövning, e.g. roles = [\"sas\"]".into(),
                ),
            );
            ok = false;
        }
        for name in &raw.roles {
            let Some(role) = self.role(name) else {
                ok = false;
                continue;
            };
            roles.push(role);
            if matches!(role, Role::Sender | Role::Reporter) {
                self.error(
                    &name.span(),
                    format!("[disclosure] lets \"{}\" disclose cases", name.get_ref()),
                    Some("only roles that read the whole case may disclose it".into()),
                );
                ok = false;
            }
        }
        if raw.legal_refs.is_empty() {
            self.error(
                &span,
                "[disclosure] gives no ground of secrecy".to_owned(),
                Some("name the secrecy provision in legal_refs: the id of a [[legal_reference]] of this file".into()),
            );
            ok = false;
        }
        let legal_refs = self.legal_refs(known, &raw.legal_refs);
        ok.then_some(DisclosureRule { roles, legal_refs })
    }
}
