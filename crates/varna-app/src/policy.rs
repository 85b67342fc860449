//! Who may read which case, and who sees personal data: the rules of
//! DOMAIN.md ("Who uses it", "Confidentiality") in one place. The engine
//! separately decides who may *change* a case.
//!
//! | role | reads |
//! |---|---|
//! | reporter | the cases they filed |
//! | sender (the public form's anonymous sender) | the case their receipt code opened (filed under their id), what the lifecycle's `[public] shows` only |
//! | unit_manager, operations_manager | the cases of their units |
//! | sas | SoL and LSS cases |
//! | mas, mar | HSL cases |
//! | committee | the cases of the lifecycles it takes decisions in (a step or a journal its role acts in: lex Sarah's IVO decision, the kommunal anmälan) — read from the lifecycle files |
//! | auditor | every case (read-only), with audit chain and access log |
//! | admin | no case content |

use varna_store::ReportReader;
use varna_store::queries::{CaseFilter, CaseSummary};
use varna_workflow::{Lagrum, Role, WorkflowDefinition};

use crate::Principal;

/// The read rules, with the one thing they take from the lifecycle files:
/// which lifecycles the committee takes decisions in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    committee_kinds: Vec<String>,
}

impl Policy {
    /// The rules for `definitions`: the committee reads the lifecycles in
    /// which its role takes a step or writes the journal.
    pub fn new<'a>(definitions: impl IntoIterator<Item = &'a WorkflowDefinition>) -> Policy {
        Policy {
            committee_kinds: definitions
                .into_iter()
                .filter(|d| !d.states_acted_in_by(Role::Committee).is_empty())
                .map(|d| d.name().to_owned())
                .collect(),
        }
    }

    /// Whether the principal may read the case.
    pub fn may_read(&self, p: &Principal, case: &CaseSummary) -> bool {
        self.may_read_parts(p, &case.kind, &case.lagrum, &case.unit_id, &case.filed_by)
    }

    /// [`Policy::may_read`] from the four things it depends on: the
    /// lifecycle, the lagrum (`SoL`…), the unit and who filed the case.
    pub fn may_read_parts(
        &self,
        p: &Principal,
        kind: &str,
        lagrum: &str,
        unit: &str,
        filed_by: &str,
    ) -> bool {
        match p.role {
            Role::Admin | Role::System => false,
            Role::Auditor => true,
            Role::Reporter | Role::Sender => filed_by == p.user_id,
            Role::UnitManager | Role::OperationsManager => {
                p.units.iter().any(|u| u.as_str() == unit)
            }
            Role::Sas => lagrum == Lagrum::Sol.as_str() || lagrum == Lagrum::Lss.as_str(),
            Role::Mas | Role::Mar => lagrum == Lagrum::Hsl.as_str(),
            Role::Committee => self.committee_kinds.iter().any(|k| k == kind),
        }
    }

    /// Narrows a list filter to what the principal may read (same rules as
    /// `may_read`). A filter that asks only for what the principal may not
    /// read narrows to nothing: an empty page, never a different answer.
    pub fn scope(&self, p: &Principal, filter: CaseFilter) -> CaseFilter {
        scope(p, filter, &self.committee_kinds)
    }

    /// The part of the quality report the principal may read: the cases of
    /// the lifecycles and lagrum `may_read` gives them, or `None` when the
    /// report is not for their role (it is for those who analyse across
    /// units: auditor, SAS, MAS, committee).
    pub fn report_reader(&self, p: &Principal) -> Option<ReportReader> {
        let lagrum = |l: &[Lagrum]| Some(l.iter().map(|l| l.as_str().to_owned()).collect());
        match p.role {
            Role::Auditor => Some(ReportReader::default()),
            Role::Sas => Some(ReportReader {
                kinds: None,
                lagrum: lagrum(&[Lagrum::Sol, Lagrum::Lss]),
            }),
            Role::Mas => Some(ReportReader {
                kinds: None,
                lagrum: lagrum(&[Lagrum::Hsl]),
            }),
            Role::Committee => Some(ReportReader {
                kinds: Some(self.committee_kinds.clone()),
                lagrum: None,
            }),
            Role::Reporter
            | Role::UnitManager
            | Role::OperationsManager
            | Role::Mar
            | Role::Admin
            | Role::System
            | Role::Sender => None,
        }
    }
}

/// Whether the quality report is for the principal's role (see
/// [`Policy::report_reader`] for what of it they read).
pub fn reads_report(p: &Principal) -> bool {
    matches!(
        p.role,
        Role::Auditor | Role::Sas | Role::Mas | Role::Committee
    )
}

fn scope(p: &Principal, mut filter: CaseFilter, committee_kinds: &[String]) -> CaseFilter {
    match p.role {
        Role::Admin | Role::System => nothing(&mut filter),
        Role::Auditor => {}
        Role::Reporter | Role::Sender => filter.filed_by = Some(p.user_id.clone()),
        Role::UnitManager | Role::OperationsManager => {
            let mine: Vec<String> = p.units.iter().map(|u| u.as_str().to_owned()).collect();
            filter.units = Some(match filter.units.take() {
                Some(asked) => asked.into_iter().filter(|u| mine.contains(u)).collect(),
                None => mine,
            });
        }
        Role::Sas => restrict(&mut filter, &[Lagrum::Sol, Lagrum::Lss]),
        Role::Mas | Role::Mar => restrict(&mut filter, &[Lagrum::Hsl]),
        Role::Committee => {
            let asked = std::mem::take(&mut filter.kinds);
            let kept: Vec<String> = if asked.is_empty() {
                committee_kinds.to_vec()
            } else {
                asked
                    .into_iter()
                    .filter(|k| committee_kinds.contains(k))
                    .collect()
            };
            if kept.is_empty() {
                nothing(&mut filter);
            }
            filter.kinds = kept;
        }
    }
    filter
}

/// Makes `filter` match no case (an empty unit list matches nothing).
fn nothing(filter: &mut CaseFilter) {
    filter.units = Some(Vec::new());
}

/// Keeps the asked lagrum that are allowed; none asked means all allowed;
/// only forbidden ones asked means nothing.
fn restrict(filter: &mut CaseFilter, allowed: &[Lagrum]) {
    let asked = std::mem::take(&mut filter.lagrum);
    let kept: Vec<Lagrum> = asked
        .iter()
        .copied()
        .filter(|l| allowed.contains(l))
        .collect();
    if !asked.is_empty() && kept.is_empty() {
        nothing(filter);
    }
    filter.lagrum = if kept.is_empty() {
        allowed.to_vec()
    } else {
        kept
    };
}

/// Whether the principal sees personnummer and fields marked `personal`:
/// the roles that investigate. Others see them masked.
pub fn sees_personal_data(p: &Principal) -> bool {
    matches!(
        p.role,
        Role::UnitManager | Role::OperationsManager | Role::Sas | Role::Mas | Role::Mar
    )
}

/// Whether the principal reads how a case is investigated (the utredning
/// journal, the history, fields set after filing). A reporter reads their
/// own report and its status, and gets feedback when it closes; the
/// investigators' working notes are not theirs (DOMAIN.md, information
/// duties).
pub fn sees_investigation(p: &Principal) -> bool {
    !matches!(p.role, Role::Reporter | Role::Sender)
}

/// Whether the principal may end other people's sign-ins (`endSessions`).
pub fn may_end_sessions(p: &Principal) -> bool {
    p.role == Role::Admin
}

/// Whether the principal may see the audit chain status and access log of a case.
pub fn sees_audit(p: &Principal) -> bool {
    p.role == Role::Auditor
}
