//! A signed-in person's session over the store: every read and change the
//! API and the pages make. The read policy, masking and access logging
//! happen here, so both transports apply them because they call the same
//! code.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use varna_report::{Format, QualityReport, Scope};
use varna_store::queries::CaseRecord;
use varna_store::{Applied, CaseId, CommandOptions, Store};
use varna_workflow::definition::LinkKind;
use varna_workflow::{
    Command, Fields, FileCase, JournalEntry, Lagrum, Personnummer, UnitId, Value,
    WorkflowDefinition,
};

use crate::error::{AppError, Code, Result};
use crate::limits::{Expensive, FilingRate};
use crate::metrics::Measured;
use crate::view::CaseView;
use crate::{Principal, policy};

mod assign;
mod attachments;
mod audit;
mod documents;
mod drafts;
mod organisation;
mod read;
mod work;

pub use attachments::{AttachmentFile, MAX_ATTACHMENT_BYTES};
pub use audit::EventPage;
pub use documents::{DocumentFile, DocumentStatus};
pub use organisation::MAX_ORG_CHANGES;
pub use work::{WorkItem, WorkPage, WorkQuery};

/// What every session shares: the store and the per-server bounds.
#[derive(Debug)]
pub struct App {
    store: Arc<Store>,
    filings: FilingRate,
    expensive: Expensive,
    policy: policy::Policy,
    metrics: crate::metrics::Metrics,
    /// The public form's bounds.
    pub(crate) public: crate::public::PublicLimits,
}

impl App {
    /// The application over `store`, allowing `filings_per_minute` filings
    /// per person and minute (`0`: no limit).
    pub fn new(store: Arc<Store>, filings_per_minute: u32) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let policy = store.catalog().map_or_else(
            |_| policy::Policy::default(),
            |catalog| policy::Policy::new(catalog.iter()),
        );
        App {
            store,
            filings: FilingRate::new(filings_per_minute),
            expensive: Expensive::new(cores.div_ceil(2)),
            policy,
            metrics: crate::metrics::Metrics::new(),
            public: crate::public::PublicLimits::default(),
        }
    }

    /// The server's measurements in Prometheus text format, with the
    /// store's gauges read now.
    pub async fn metrics_text(&self) -> Result<String> {
        let gauges = self.store.gauges(Utc::now()).await?;
        Ok(self.metrics.render(&gauges))
    }

    /// The read rules, with the lifecycles' part in them.
    pub fn policy(&self) -> &policy::Policy {
        &self.policy
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// A session for `principal`, logging reads once per `reads`.
    pub fn session<'a>(&'a self, principal: &'a Principal, reads: &'a Reads) -> Session<'a> {
        Session {
            app: self,
            principal,
            reads,
        }
    }
}

/// The cases one request (or page) has read. Each is logged once: the first
/// read writes the row, and every other concurrent read of the same case
/// waits for that write, so an access log shown in the same request
/// already has it.
#[derive(Debug, Default)]
pub struct Reads(Mutex<BTreeMap<String, Arc<tokio::sync::OnceCell<()>>>>);

/// Why a case was served to a person (the access log's `purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A single case read.
    CaseView,
    /// A row of a list.
    List,
    /// The case returned by a change.
    CommandResult,
    /// Named in the quality report (a repeat event).
    Report,
    /// The case as it stood at an earlier moment.
    CaseAsOf,
    /// Named in an auditor's search of the access log.
    AccessLog,
    /// A document of the case opened (a frozen anmälan, a print).
    Document,
    /// A file of the case opened.
    Attachment,
    /// Read by the public form's anonymous sender with their receipt code.
    ReceiptCode,
    /// Disclosed (utlämnande): the document handed out was made from it.
    Disclosure,
}

impl Purpose {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::CaseView => "case_view",
            Purpose::List => "list",
            Purpose::CommandResult => "command_result",
            Purpose::Report => "report",
            Purpose::CaseAsOf => "case_as_of",
            Purpose::AccessLog => "access_log",
            Purpose::Document => "document",
            Purpose::Attachment => "attachment",
            Purpose::ReceiptCode => "receipt_code",
            Purpose::Disclosure => "disclosure",
        }
    }
}

/// A signed-in person's view of Varna.
#[derive(Debug, Clone, Copy)]
pub struct Session<'a> {
    app: &'a App,
    principal: &'a Principal,
    reads: &'a Reads,
}

/// A page of cases, newest first.
#[derive(Debug)]
pub struct CasePage {
    /// The cases, each with the cursor to continue after it.
    pub items: Vec<(String, CaseView)>,
    /// Whether more cases follow.
    pub has_next_page: bool,
    /// Pass as `after` for the next page.
    pub end_cursor: Option<String>,
    /// How many cases match in all (within what the reader may see).
    pub total: u64,
}

/// What an auditor searches the access log for; every condition narrows.
#[derive(Debug, Clone, Default)]
pub struct AccessQuery {
    /// Reads by this user.
    pub user_id: Option<String>,
    /// Reads of this case.
    pub case_id: Option<CaseId>,
    /// Reads of cases at these units.
    pub units: Option<Vec<String>>,
    /// Reads of cases about this person, as typed (any accepted form).
    pub personnummer: Option<String>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// A page of the access log, newest first.
#[derive(Debug)]
pub struct AccessPage {
    /// The reads.
    pub items: Vec<varna_store::AccessRecord>,
    /// Pass as `after` for the next page, when there is one.
    pub end_cursor: Option<String>,
    /// How many reads match in all.
    pub total: u64,
}

/// What a change did. The case as it is now is read only when asked for
/// ([`Session::command_case`]), so a change whose caller does not show the
/// case neither reads it nor logs a read.
#[derive(Debug)]
pub struct Done {
    /// The store's account: case, version, opened cases, replayed.
    pub applied: Applied,
}

/// Guards on a change of an existing case.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// The version the person saw; a newer case refuses with `Conflict`.
    pub version: Option<u64>,
    /// Sending the same change twice with one key applies it once.
    pub idempotency_key: Option<String>,
}

impl From<Expect> for CommandOptions {
    fn from(expect: Expect) -> Self {
        CommandOptions {
            expected_version: expect.version,
            idempotency_key: expect.idempotency_key,
            now: None,
        }
    }
}

/// A new case, as the person filled it in.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The lifecycle's name.
    pub workflow: String,
    /// The law it falls under.
    pub lagrum: Lagrum,
    /// The unit's code.
    pub unit: String,
    /// The filing's fields.
    pub fields: Fields,
    /// The affected person's personnummer, as typed.
    pub personnummer: Option<String>,
    /// Sending the same filing twice with one key files once.
    pub idempotency_key: Option<String>,
}

/// A quality report rendered as a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// A name to save it under, e.g. `kvalitetsberattelse-2025.html`.
    pub filename: String,
    /// Its media type.
    pub media_type: String,
    /// Its content.
    pub content: String,
}

impl<'a> Session<'a> {
    /// Who the session is for.
    pub fn principal(&self) -> &'a Principal {
        self.principal
    }

    /// The store underneath (for what has no rule of its own).
    pub fn store(&self) -> &'a Store {
        &self.app.store
    }

    /// The registered units' names by id (not personal data: every signed-in
    /// person reads them).
    pub async fn unit_names(&self) -> Result<BTreeMap<String, String>> {
        Ok(self
            .store()
            .units()
            .await?
            .into_iter()
            .map(|(id, name, _)| (id, name))
            .collect())
    }

    /// The current lifecycles by name (for naming kinds, states, steps
    /// and clocks in lists); empty should the catalog be unreadable.
    pub fn workflows_by_name(&self) -> BTreeMap<String, Arc<WorkflowDefinition>> {
        self.workflows()
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.name().to_owned(), d))
            .collect()
    }

    /// The lifecycles cases can be filed under, as defined.
    pub fn workflows(&self) -> Result<Vec<Arc<WorkflowDefinition>>> {
        let store = self.store();
        store
            .workflows()
            .iter()
            .map(|name| store.definition(name).map_err(AppError::from))
            .collect()
    }

    fn done(applied: Applied) -> Done {
        Done { applied }
    }

    /// The case a change left, read (and logged) as its result; `None`
    /// when the person may not read it (a MAS filing a SoL avvikelse:
    /// filed, but not theirs to follow).
    pub async fn command_case(&self, done: &Done) -> Result<Option<CaseView>> {
        match self
            .case(&done.applied.case_id, Purpose::CommandResult)
            .await
        {
            Ok(view) => Ok(Some(view)),
            Err(e) if e.code == Code::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Everything wrong with a filing's lagrum, fields and personnummer at
    /// once, without filing it (an empty list: the engine would take
    /// them); for forms that show every error together. Who may file for
    /// which unit is decided by [`Session::file`].
    pub fn filing_problems(&self, new: &NewCase) -> Result<Vec<AppError>> {
        let def = self.store().definition(&new.workflow)?;
        let now = Utc::now();
        let command = FileCase {
            lagrum: new.lagrum,
            unit: UnitId::new(new.unit.clone()),
            fields: new.fields.clone(),
        };
        let mut problems: Vec<AppError> = varna_workflow::filing_problems(&def, &command, now)
            .into_iter()
            .map(AppError::from)
            .collect();
        if let Some(Err(e)) = new
            .personnummer
            .as_deref()
            .map(|s| Personnummer::parse(s, varna_workflow::local::date(now)))
        {
            problems.push(AppError::invalid(
                "personnummer",
                "INVALID_PERSONNUMMER",
                e.to_string(),
            ));
        }
        Ok(problems)
    }

    /// Files a new case.
    pub async fn file(&self, new: NewCase) -> Result<Done> {
        let work = self.file_unmeasured(new);
        self.app
            .metrics
            .measure(Measured::Command("file"), work)
            .await
    }

    async fn file_unmeasured(&self, new: NewCase) -> Result<Done> {
        if !self.app.filings.allow(&self.principal.user_id) {
            tracing::info!(
                role = self.principal.role.as_str(),
                "a filing was refused: over the rate limit"
            );
            return Err(AppError::new(
                Code::RateLimited,
                "too many filings in a short time: wait a minute and try again",
            ));
        }
        let today = varna_workflow::local::date(Utc::now());
        let personnummer = new
            .personnummer
            .as_deref()
            .map(|s| {
                Personnummer::parse(s, today).map_err(|e| {
                    AppError::invalid("personnummer", "INVALID_PERSONNUMMER", e.to_string())
                })
            })
            .transpose()?;
        let command = FileCase {
            lagrum: new.lagrum,
            unit: UnitId::new(new.unit),
            fields: new.fields,
        };
        let options = CommandOptions {
            idempotency_key: new.idempotency_key,
            ..CommandOptions::default()
        };
        let applied = self
            .store()
            .file_case(
                &new.workflow,
                command,
                personnummer.as_ref(),
                &self.principal.actor(),
                options,
            )
            .await?;
        Ok(Self::done(applied))
    }

    /// The case, unless the person may not read it (`NotFound`: existence
    /// is not revealed). Not access-logged: the change's result is.
    async fn readable(&self, id: &CaseId) -> Result<CaseRecord> {
        let record = self
            .store()
            .case(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        if self.app.policy.may_read(self.principal, &record.summary) {
            Ok(record)
        } else {
            Err(AppError::not_found())
        }
    }

    /// That the case exists and the principal may read it, as
    /// [`Self::readable`] says, read without the case's content.
    async fn may_reach(&self, id: &CaseId) -> Result<()> {
        let reach = self
            .store()
            .case_reach(id)
            .await?
            .ok_or_else(AppError::not_found)?;
        if self.app.policy.may_read_parts(
            self.principal,
            &reach.kind,
            &reach.lagrum,
            &reach.unit_id,
            &reach.filed_by,
        ) {
            Ok(())
        } else {
            Err(AppError::not_found())
        }
    }

    async fn execute(&self, id: &CaseId, command: Command, expect: Expect) -> Result<Done> {
        let work = async {
            self.may_reach(id).await?;
            self.apply_unmeasured(id, command, expect).await
        };
        self.app
            .metrics
            .measure(Measured::Command("change"), work)
            .await
    }

    /// Runs `command` on a case already checked readable.
    async fn apply(&self, id: &CaseId, command: Command, expect: Expect) -> Result<Done> {
        let work = self.apply_unmeasured(id, command, expect);
        self.app
            .metrics
            .measure(Measured::Command("change"), work)
            .await
    }

    async fn apply_unmeasured(
        &self,
        id: &CaseId,
        command: Command,
        expect: Expect,
    ) -> Result<Done> {
        let applied = self
            .store()
            .execute(id, command, &self.principal.actor(), expect.into())
            .await?;
        Ok(Self::done(applied))
    }

    /// Takes the transition `name` with the fields it needs.
    pub async fn transition(
        &self,
        id: &CaseId,
        name: &str,
        fields: Fields,
        expect: Expect,
    ) -> Result<Done> {
        let command = Command::Transition {
            name: name.to_owned(),
            fields,
        };
        self.execute(id, command, expect).await
    }

    /// Adds an attributed entry to the utredning journal.
    pub async fn add_journal_entry(
        &self,
        id: &CaseId,
        entry: JournalEntry,
        expect: Expect,
    ) -> Result<Done> {
        self.execute(id, Command::AddJournalEntry(entry), expect)
            .await
    }

    /// Links two cases that concern the same matter; both must be cases the
    /// person may read and act on.
    pub async fn link(&self, a: &CaseId, b: &CaseId, expect: Expect) -> Result<Done> {
        self.may_reach(a).await?;
        self.may_reach(b).await?;
        let applied = self
            .store()
            .link_cases(a, b, &self.principal.actor(), expect.into())
            .await?;
        Ok(Self::done(applied))
    }

    /// Marks `duplicate` as a duplicate of `original`, the earlier report
    /// of the same matter: the duplicate is closed where it stands and
    /// counted only as a duplicate; both keep their numbers and histories.
    pub async fn mark_duplicate(
        &self,
        duplicate: &CaseId,
        original: &CaseId,
        expect: Expect,
    ) -> Result<Done> {
        self.may_reach(duplicate).await?;
        self.may_reach(original).await?;
        let applied = self
            .store()
            .mark_duplicate(duplicate, original, &self.principal.actor(), expect.into())
            .await?;
        Ok(Self::done(applied))
    }

    /// Escalates a case into a new case of the lifecycle `to` (an
    /// avvikelse to lex Sarah or lex Maria): takes the case's transition
    /// that opens a case of `to` as an escalation, with `fields`.
    pub async fn escalate(
        &self,
        id: &CaseId,
        to: &str,
        fields: Fields,
        expect: Expect,
    ) -> Result<Done> {
        let record = self.readable(id).await?;
        let def = self
            .store()
            .definition_by_hash(&record.summary.workflow_hash)
            .await?;
        let transition = def
            .transitions
            .iter()
            .find(|t| {
                t.spawns
                    .as_ref()
                    .is_some_and(|s| s.workflow == to && s.link == LinkKind::EscalatedFrom)
            })
            .ok_or_else(|| {
                AppError::new(
                    Code::InvalidTransition,
                    format!("a {} case cannot be escalated to {to}", def.name()),
                )
            })?;
        let command = Command::Transition {
            name: transition.name.clone(),
            fields,
        };
        self.apply(id, command, expect).await
    }

    /// The yearly quality report of `scope`, made of the cases the person
    /// may read; `Forbidden` for roles the report is not for. One report at
    /// a time per person, a few at a time in all. Every case it names is
    /// access-logged.
    pub async fn report(&self, year: i32, scope: Scope) -> Result<QualityReport> {
        let Some(reader) = self.app.policy.report_reader(self.principal) else {
            return Err(AppError::new(
                Code::Forbidden,
                "the quality report is for the auditor, SAS, MAS and committee roles",
            ));
        };
        if !(1900..=2200).contains(&year) {
            return Err(AppError::new(
                Code::InvalidInput,
                "year must be between 1900 and 2200",
            ));
        }
        let _turn = self.app.expensive.turn(&self.principal.user_id).await;
        let store = self.store();
        let data = store
            .report_data_for(year, &scope, Utc::now(), &reader)
            .await?;
        let catalog = store.catalog()?;
        let report = varna_report::build(&data, &catalog);
        let now = Utc::now();
        let named: BTreeSet<&String> = report
            .repeats
            .cases
            .iter()
            .flat_map(|c| std::iter::once(&c.case_id).chain(&c.earlier_case_ids))
            .collect();
        let mut reads = Vec::with_capacity(named.len());
        for id in named {
            let case_id = CaseId::parse(id).ok_or_else(|| {
                AppError::internal(&varna_store::Error::Corrupt(
                    "the report names a case by an id that is not a UUID".into(),
                ))
            })?;
            reads.push(self.access(case_id, Purpose::Report, now));
        }
        store.record_accesses(reads).await?;
        Ok(report)
    }
}

/// `report` as a file of `format`.
pub fn report_file(report: &QualityReport, format: Format) -> ReportFile {
    let scope = if report.scope_id.is_empty() {
        String::new()
    } else {
        format!("-{}", report.scope_id)
    };
    ReportFile {
        filename: format!(
            "kvalitetsberattelse-{}{scope}.{}",
            report.year,
            format.extension()
        ),
        media_type: format.media_type().to_owned(),
        content: varna_report::render(report, format),
    }
}

/// Field values as the engine takes them, from JSON-like input: text,
/// whole numbers and true/false; anything else is an `InvalidInput` naming
/// the field.
pub fn fields_from_json<'v>(
    input: impl IntoIterator<Item = (&'v String, &'v serde_json::Value)>,
) -> Result<Fields> {
    input
        .into_iter()
        .map(|(name, v)| {
            let value = match v {
                serde_json::Value::Bool(b) => Value::Bool(*b),
                serde_json::Value::String(s) => Value::Text(s.clone()),
                serde_json::Value::Number(n) => Value::Integer(n.as_i64().ok_or_else(|| {
                    AppError::invalid(
                        name,
                        "WRONG_TYPE",
                        format!("field \"{name}\" must be a whole number"),
                    )
                })?),
                _ => {
                    return Err(AppError::invalid(
                        name,
                        "WRONG_TYPE",
                        format!("field \"{name}\" must be text, a number or true/false"),
                    ));
                }
            };
            Ok((name.clone(), value))
        })
        .collect()
}
