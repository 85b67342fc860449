//! `varna import FILE`: a municipality's earlier cases from another system,
//! one row per case, in CSV (a header row; comma or semicolon) or JSON
//! Lines. Columns `kind`, `lagrum`, `unit` (code or name), `reported_on`,
//! `ruled_on`, `closed_on`; every other column is a field of the row's
//! lifecycle by name (`category`, `affected_gender`, `outcome`,
//! `anmalan_sent_on`, `what_happened`, …), its value checked as the
//! lifecycle checks a filing's. An empty cell is no value.
//!
//! Every row is checked before anything is written; a file with bad rows
//! imports nothing unless `--skip-bad-rows` is given (then the bad rows are
//! listed and the rest imported). Each case comes in as one `imported`
//! event on the hash chain, naming the file's SHA-256 and the row; a file
//! already imported is not imported again, and an interrupted import
//! resumes where it stopped (each row's case id follows from the file and
//! the row).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use varna_store::{CaseId, ImportedCase, ImportedFile, Store, StoreConfig};
use varna_workflow::definition::FieldKind;
use varna_workflow::{
    Actor, ActorId, Facts, Fields, ImportCase, ImportSource, Lagrum, Rejection, Role, UnitId,
    Value, WorkflowDefinition, decide_import,
};

use crate::progress::Ticker;

/// The columns that are not lifecycle fields.
const ENVELOPE: [&str; 6] = [
    "kind",
    "lagrum",
    "unit",
    "reported_on",
    "ruled_on",
    "closed_on",
];
/// Cases per transaction.
const BATCH: usize = 5_000;
/// The actor imports are recorded as.
const IMPORTER: &str = "varna-import";
/// Bad rows listed at most.
const LISTED: usize = 50;

/// One bad row: its number (1: the first row after the header), the
/// column and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
struct BadRow {
    row: u64,
    column: String,
    problem: String,
}

/// Calls `each` with every row of the file — its number (1: the first
/// case) and its cells by column, empty cells left out — reading it from
/// disk as it goes, so a file of a million rows is never held whole.
fn for_each_row(
    path: &Path,
    mut each: impl FnMut(u64, &BTreeMap<String, String>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let open = || {
        std::fs::File::open(path)
            .map(std::io::BufReader::new)
            .with_context(|| format!("cannot read {}", path.display()))
    };
    let jsonl = path
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "ndjson");
    if jsonl {
        use std::io::BufRead as _;
        for (n, line) in open()?.lines().enumerate() {
            let row = n as u64 + 1;
            let line = line.with_context(|| format!("row {row}: not UTF-8 text"))?;
            if line.trim().is_empty() {
                continue;
            }
            let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line)
                .with_context(|| format!("row {row}: not a JSON object"))?;
            let cells = object
                .into_iter()
                .filter_map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::Null => return None,
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (!text.trim().is_empty()).then(|| (k, text.trim().to_owned()))
                })
                .collect();
            each(row, &cells)?;
        }
        return Ok(());
    }
    let mut first_line = String::new();
    {
        use std::io::BufRead as _;
        open()?
            .read_line(&mut first_line)
            .context("the file is not UTF-8 text")?;
    }
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(open()?);
    let headers = reader
        .headers()
        .context("the file has no header row")?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect::<Vec<_>>();
    let mut record = csv::StringRecord::new();
    let mut row = 0u64;
    while reader
        .read_record(&mut record)
        .with_context(|| format!("row {}: not readable as CSV", row + 1))?
    {
        row += 1;
        let cells = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| (h.clone(), v.to_owned()))
            .collect();
        each(row, &cells)?;
    }
    Ok(())
}

/// `sha256:` and the hex SHA-256 of the file, read as it goes.
fn file_digest(path: &Path) -> anyhow::Result<String> {
    use sha2::Digest as _;
    use std::io::Read as _;
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(format!("sha256:{hex}"))
}

/// A date column as the start of that day in Swedish time.
fn day(value: &str) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    // Midday, so the day is the same in Swedish time whatever the offset.
    Some(varna_workflow::local::day_start(date) + chrono::Duration::hours(12))
}

/// A cell as the value its field takes.
fn value(kind: &FieldKind, text: &str) -> Result<Value, String> {
    match kind {
        FieldKind::Boolean => match text.to_lowercase().as_str() {
            "true" | "ja" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "nej" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err("expected ja or nej (true or false)".to_owned()),
        },
        FieldKind::Integer { .. } => text
            .parse()
            .map(Value::Integer)
            .map_err(|_| "expected a whole number".to_owned()),
        _ => Ok(Value::Text(text.to_owned())),
    }
}

/// What the rows are checked against: the lifecycles and the units by
/// code and by name (closed units too: their history is theirs).
struct Context {
    definitions: HashMap<String, Arc<WorkflowDefinition>>,
    units: HashMap<String, String>,
    digest: String,
    now: DateTime<Utc>,
}

impl Context {
    /// The row as a case to import, or the first thing wrong with it.
    fn case(
        &self,
        row: u64,
        cells: &BTreeMap<String, String>,
    ) -> Result<(Arc<WorkflowDefinition>, ImportCase), BadRow> {
        let bad = |column: &str, problem: String| BadRow {
            row,
            column: column.to_owned(),
            problem,
        };
        let get = |column: &str| cells.get(column).map(String::as_str);
        let kind = get("kind").ok_or_else(|| bad("kind", "missing".into()))?;
        let def = self.definitions.get(kind).cloned().ok_or_else(|| {
            let mut known: Vec<&str> = self.definitions.keys().map(String::as_str).collect();
            known.sort_unstable();
            bad(
                "kind",
                format!("no lifecycle {kind:?}; one of {}", known.join(", ")),
            )
        })?;
        let lagrum: Lagrum = get("lagrum")
            .ok_or_else(|| bad("lagrum", "missing".into()))?
            .parse()
            .map_err(|_| bad("lagrum", "expected SoL, LSS or HSL".into()))?;
        let unit = get("unit").ok_or_else(|| bad("unit", "missing".into()))?;
        let unit = self
            .units
            .get(unit)
            .or_else(|| self.units.get(&unit.to_lowercase()))
            .ok_or_else(|| bad("unit", format!("no unit has the code or name {unit:?}")))?;
        let date = |column: &str| -> Result<Option<DateTime<Utc>>, BadRow> {
            get(column)
                .map(|v| day(v).ok_or_else(|| bad(column, "expected a date YYYY-MM-DD".into())))
                .transpose()
        };
        let reported_at =
            date("reported_on")?.ok_or_else(|| bad("reported_on", "missing".into()))?;
        let mut fields = Fields::new();
        for (column, text) in cells {
            if ENVELOPE.contains(&column.as_str()) {
                continue;
            }
            let spec = def.field(column).ok_or_else(|| {
                bad(
                    column,
                    format!("the {kind} lifecycle has no field of this name"),
                )
            })?;
            fields.insert(
                column.clone(),
                value(&spec.kind, text).map_err(|p| bad(column, p))?,
            );
        }
        Ok((
            def,
            ImportCase {
                lagrum,
                unit: UnitId::new(unit.clone()),
                fields,
                reported_at,
                ruled_at: date("ruled_on")?,
                closed_at: date("closed_on")?,
                source: ImportSource {
                    file: self.digest.clone(),
                    row,
                },
            },
        ))
    }

    /// The row decided by the engine: its case's id and events.
    fn decide(&self, row: u64, cells: &BTreeMap<String, String>) -> Result<ImportedCase, BadRow> {
        let (def, case) = self.case(row, cells)?;
        let id = CaseId::imported(&self.digest, row, case.reported_at);
        let facts = Facts {
            actor: Actor {
                id: ActorId::new(IMPORTER),
                role: Role::Admin,
                units: Default::default(),
            },
            now: self.now,
        };
        let event = decide_import(&def, case, &facts).map_err(|r| match r {
            Rejection::InvalidInput { field, problem } => BadRow {
                row,
                column: field,
                problem: problem.to_string(),
            },
            other => BadRow {
                row,
                column: String::new(),
                problem: other.to_string(),
            },
        })?;
        Ok(ImportedCase {
            id,
            events: vec![event],
            personnummer: None,
        })
    }
}

/// `varna import FILE`.
pub(crate) async fn import(
    config: &StoreConfig,
    catalog: &varna_workflow::Catalog,
    path: &Path,
    skip_bad_rows: bool,
) -> anyhow::Result<ExitCode> {
    let digest = file_digest(path)?;
    let store = Store::open(config, catalog).await?;
    if let Some(done) = store.imported_file(&digest).await? {
        println!(
            "{} was imported already ({}, {} cases, {} rows skipped): nothing was changed",
            path.display(),
            varna_workflow::local::local(done.imported_at).format("%Y-%m-%d %H:%M"),
            done.cases,
            done.skipped
        );
        store.close().await?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut units = HashMap::new();
    for area in store.organisation().await? {
        for u in area.units {
            units.insert(u.name.to_lowercase(), u.id.clone());
            units.insert(u.name, u.id.clone());
            units.insert(u.id.clone(), u.id);
        }
    }
    let context = Context {
        definitions: catalog
            .iter()
            .map(|d| (d.name().to_owned(), store.definition(d.name())))
            .filter_map(|(n, d)| d.ok().map(|d| (n, d)))
            .collect(),
        units,
        digest: digest.clone(),
        now: Utc::now(),
    };
    // First every row is checked; nothing is written while any is bad.
    let mut bad = Vec::new();
    let mut rows = 0u64;
    let mut ticker = Ticker::new();
    for_each_row(path, |row, cells| {
        rows = row;
        if let Err(b) = context.decide(row, cells) {
            bad.push(b);
        }
        ticker.tick(|| format!("Checking: {row} rows"));
        Ok(())
    })?;
    ticker.done();
    for b in bad.iter().take(LISTED) {
        eprintln!("row {}, column {}: {}", b.row, b.column, b.problem);
    }
    if bad.len() > LISTED {
        eprintln!("… and {} more bad rows", bad.len() - LISTED);
    }
    if !bad.is_empty() && !skip_bad_rows {
        store.close().await?;
        anyhow::bail!(
            "{} of {rows} rows are bad: nothing was imported. Correct them, or import the rest with --skip-bad-rows",
            bad.len(),
        );
    }
    // Then the good rows, a batch per transaction.
    let skipped: std::collections::BTreeSet<u64> = bad.iter().map(|b| b.row).collect();
    let total = rows - skipped.len() as u64;
    let mut ticker = Ticker::new();
    let (mut imported, mut already) = (0usize, 0usize);
    let mut batch: Vec<ImportedCase> = Vec::with_capacity(BATCH);
    let runtime = tokio::runtime::Handle::current();
    let mut flush = |batch: Vec<ImportedCase>| -> anyhow::Result<()> {
        let ids: Vec<CaseId> = batch.iter().map(|c| c.id.clone()).collect();
        let present = tokio::task::block_in_place(|| runtime.block_on(store.cases_present(&ids)))?;
        let fresh: Vec<ImportedCase> = batch
            .into_iter()
            .filter(|c| !present.contains(&c.id.to_string()))
            .collect();
        already += present.len();
        imported += fresh.len();
        if !fresh.is_empty() {
            tokio::task::block_in_place(|| runtime.block_on(store.import_cases(fresh)))?;
        }
        ticker.tick(|| format!("Importing: {} of {total} cases", imported + already));
        Ok(())
    };
    for_each_row(path, |row, cells| {
        if skipped.contains(&row) {
            return Ok(());
        }
        let case = context.decide(row, cells).map_err(|b| {
            anyhow::anyhow!(
                "row {}: {} (the file changed while it was read)",
                b.row,
                b.problem
            )
        })?;
        batch.push(case);
        if batch.len() == BATCH {
            flush(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))?;
        }
        Ok(())
    })?;
    if !batch.is_empty() {
        flush(batch)?;
    }
    let seconds = ticker.done();
    store
        .record_imported_file(ImportedFile {
            digest,
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            cases: (imported + already) as u64,
            skipped: bad.len() as u64,
            actor_id: IMPORTER.to_owned(),
            imported_at: Utc::now(),
        })
        .await?;
    store.close().await?;
    tracing::info!(cases = imported, skipped = bad.len(), "file imported");
    println!(
        "imported {imported} cases from {} in {seconds:.1} s{}{}",
        path.display(),
        if already > 0 {
            format!(" ({already} were already in from an earlier, interrupted run)")
        } else {
            String::new()
        },
        if bad.is_empty() {
            String::new()
        } else {
            format!("; {} bad rows skipped (listed above)", bad.len())
        }
    );
    Ok(ExitCode::SUCCESS)
}
