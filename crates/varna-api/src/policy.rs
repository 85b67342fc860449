//! Who may read which case, and who sees personal data: the rules of
//! DOMAIN.md ("Who uses it", "Confidentiality") in one place. The engine
//! separately decides who may *change* a case.
//!
//! | role | reads |
//! |---|---|
//! | reporter | the cases they filed |
//! | unit_manager, operations_manager | the cases of their units |
//! | sas | SoL and LSS cases |
//! | mas, mar | HSL cases |
//! | committee | lex Sarah cases (the IVO decisions it takes) |
//! | auditor | every case (read-only), with audit chain and access log |
//! | admin | no case content |

use varna_store::queries::{CaseFilter, CaseSummary};
use varna_workflow::{Lagrum, Role};

use crate::auth::Principal;

/// Whether the principal may read the case.
pub fn may_read(p: &Principal, case: &CaseSummary) -> bool {
    may_read_parts(p, &case.kind, &case.lagrum, &case.unit_id, &case.filed_by)
}

/// [`may_read`] from the four things it depends on: the lifecycle, the
/// lagrum (`SoL`…), the unit and who filed the case.
pub fn may_read_parts(p: &Principal, kind: &str, lagrum: &str, unit: &str, filed_by: &str) -> bool {
    match p.role {
        Role::Admin | Role::System => false,
        Role::Auditor => true,
        Role::Reporter => filed_by == p.user_id,
        Role::UnitManager | Role::OperationsManager => p.units.iter().any(|u| u.as_str() == unit),
        Role::Sas => lagrum == Lagrum::Sol.as_str() || lagrum == Lagrum::Lss.as_str(),
        Role::Mas | Role::Mar => lagrum == Lagrum::Hsl.as_str(),
        Role::Committee => kind == "lex-sarah",
    }
}

/// Narrows a list filter to what the principal may read (same rules as `may_read`).
pub fn scope(p: &Principal, mut filter: CaseFilter) -> CaseFilter {
    match p.role {
        Role::Admin | Role::System => filter.units = Some(Vec::new()),
        Role::Auditor => {}
        Role::Reporter => filter.filed_by = Some(p.user_id.clone()),
        Role::UnitManager | Role::OperationsManager => {
            let mine: Vec<String> = p.units.iter().map(|u| u.as_str().to_owned()).collect();
            filter.units = Some(match filter.units.take() {
                Some(asked) => asked.into_iter().filter(|u| mine.contains(u)).collect(),
                None => mine,
            });
        }
        Role::Sas => filter.lagrum = restrict(filter.lagrum, &[Lagrum::Sol, Lagrum::Lss]),
        Role::Mas | Role::Mar => filter.lagrum = restrict(filter.lagrum, &[Lagrum::Hsl]),
        Role::Committee => {
            filter.kinds =
                if filter.kinds.is_empty() || filter.kinds.iter().any(|k| k == "lex-sarah") {
                    vec!["lex-sarah".into()]
                } else {
                    // Asked only for kinds it may not read: match nothing.
                    filter.units = Some(Vec::new());
                    filter.kinds
                };
        }
    }
    filter
}

fn restrict(asked: Vec<Lagrum>, allowed: &[Lagrum]) -> Vec<Lagrum> {
    if asked.is_empty() {
        return allowed.to_vec();
    }
    let kept: Vec<Lagrum> = asked.into_iter().filter(|l| allowed.contains(l)).collect();
    // Nothing allowed was asked for: an impossible lagrum list would match
    // everything when empty, so keep one that matches no allowed case.
    if kept.is_empty() {
        vec![
            Lagrum::ALL
                .into_iter()
                .find(|l| !allowed.contains(l))
                .unwrap_or(Lagrum::Hsl),
        ]
    } else {
        kept
    }
}

/// Whether the principal sees personnummer and fields marked `personal`:
/// the roles that investigate. Others see them masked.
pub fn sees_personal_data(p: &Principal) -> bool {
    matches!(
        p.role,
        Role::UnitManager | Role::OperationsManager | Role::Sas | Role::Mas | Role::Mar
    )
}

/// Whether the principal may see the audit chain status and access log of a case.
pub fn sees_audit(p: &Principal) -> bool {
    p.role == Role::Auditor
}
