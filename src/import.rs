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
/// SQLite's page cache while importing, for the ends of the indexes
/// every batch inserts into.
const CACHE_MIB: u32 = 128;
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

/// Where a row lies in the file, to read it again.
#[derive(Debug, Clone, Copy)]
struct Span {
    offset: u64,
    len: u32,
}

/// The file's rows: CSV (a header row; comma or semicolon) or JSON Lines.
struct Source {
    path: std::path::PathBuf,
    jsonl: bool,
    delimiter: u8,
    headers: Vec<String>,
}

impl Source {
    /// The file, its format told by its name and its first line.
    fn open(path: &Path) -> anyhow::Result<Source> {
        let jsonl = path
            .extension()
            .is_some_and(|e| e == "jsonl" || e == "ndjson");
        let mut source = Source {
            path: path.to_owned(),
            jsonl,
            delimiter: b',',
            headers: Vec::new(),
        };
        if jsonl {
            source.file()?;
            return Ok(source);
        }
        let mut first_line = String::new();
        {
            use std::io::BufRead as _;
            std::io::BufReader::new(source.file()?)
                .read_line(&mut first_line)
                .context("the file is not UTF-8 text")?;
        }
        if first_line.contains(';') && !first_line.contains(',') {
            source.delimiter = b';';
        }
        source.headers = source
            .csv()
            .from_reader(source.file()?)
            .headers()
            .context("the file has no header row")?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_owned())
            .collect();
        Ok(source)
    }

    fn file(&self) -> anyhow::Result<std::fs::File> {
        std::fs::File::open(&self.path)
            .with_context(|| format!("cannot read {}", self.path.display()))
    }

    /// A CSV reader of the file's delimiter, cells trimmed.
    fn csv(&self) -> csv::ReaderBuilder {
        let mut builder = csv::ReaderBuilder::new();
        builder.delimiter(self.delimiter).trim(csv::Trim::All);
        builder
    }

    /// A JSON object's members as cells.
    fn json_cells(row: u64, line: &str) -> anyhow::Result<BTreeMap<String, String>> {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).with_context(|| format!("row {row}: not a JSON object"))?;
        Ok(object
            .into_iter()
            .filter_map(|(k, v)| {
                let text = match v {
                    serde_json::Value::Null => return None,
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (!text.trim().is_empty()).then(|| (k, text.trim().to_owned()))
            })
            .collect())
    }

    /// A CSV record's non-empty cells by column.
    fn csv_cells(&self, record: &csv::StringRecord) -> BTreeMap<String, String> {
        self.headers
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| (h.clone(), v.to_owned()))
            .collect()
    }

    /// Calls `each` with every row of the file — its number (1: the first
    /// case), where it lies, and its cells by column, empty cells left
    /// out — reading it from disk as it goes, so a file of a million rows
    /// is never held whole.
    fn scan(
        &self,
        mut each: impl FnMut(u64, Span, &BTreeMap<String, String>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let span = |offset: u64, end: u64, row: u64| -> anyhow::Result<Span> {
            let len = u32::try_from(end - offset)
                .map_err(|_| anyhow::anyhow!("row {row}: longer than 4 GB"))?;
            Ok(Span { offset, len })
        };
        if self.jsonl {
            use std::io::BufRead as _;
            let mut reader = std::io::BufReader::new(self.file()?);
            let (mut line, mut offset, mut row) = (String::new(), 0u64, 0u64);
            loop {
                line.clear();
                let n = reader
                    .read_line(&mut line)
                    .with_context(|| format!("row {}: not UTF-8 text", row + 1))?;
                if n == 0 {
                    return Ok(());
                }
                row += 1;
                let at = span(offset, offset + n as u64, row)?;
                offset += n as u64;
                if line.trim().is_empty() {
                    continue;
                }
                each(row, at, &Self::json_cells(row, &line)?)?;
            }
        }
        let mut reader = self
            .csv()
            .from_reader(std::io::BufReader::new(self.file()?));
        reader.headers().context("the file has no header row")?;
        let mut record = csv::StringRecord::new();
        let mut row = 0u64;
        while reader
            .read_record(&mut record)
            .with_context(|| format!("row {}: not readable as CSV", row + 1))?
        {
            row += 1;
            let offset = record.position().map_or(0, csv::Position::byte);
            let at = span(offset, reader.position().byte(), row)?;
            each(row, at, &self.csv_cells(&record))?;
        }
        Ok(())
    }

    /// A reader for rows found by `scan`, one at a time in any order.
    fn rereader(&self) -> anyhow::Result<Rereader<'_>> {
        let file = self.file()?;
        let rows = if self.jsonl {
            Reread::Lines(file, Vec::new())
        } else {
            let reader = self
                .csv()
                .has_headers(false)
                // A row is about a hundred bytes: no point reading more.
                .buffer_capacity(1024)
                .from_reader(file);
            Reread::Csv(reader, csv::StringRecord::new())
        };
        Ok(Rereader { source: self, rows })
    }
}

/// The file opened again, with what a row is read into.
enum Reread {
    Csv(csv::Reader<std::fs::File>, csv::StringRecord),
    Lines(std::fs::File, Vec<u8>),
}

/// Reads rows again by where they lie in the file.
struct Rereader<'a> {
    source: &'a Source,
    rows: Reread,
}

impl Rereader<'_> {
    /// The cells of `row`, read again from where `scan` found it.
    fn read(&mut self, row: u64, at: Span) -> anyhow::Result<BTreeMap<String, String>> {
        let changed = || format!("row {row}: the file changed while it was read");
        match &mut self.rows {
            Reread::Csv(csv, record) => {
                let mut position = csv::Position::new();
                position.set_byte(at.offset);
                csv.seek(position).with_context(changed)?;
                let found = csv
                    .read_record(record)
                    .with_context(|| format!("row {row}: not readable as CSV"))?;
                anyhow::ensure!(found, changed());
                Ok(self.source.csv_cells(record))
            }
            Reread::Lines(file, line) => {
                use std::os::unix::fs::FileExt as _;
                line.resize(at.len as usize, 0);
                file.read_exact_at(line, at.offset).with_context(changed)?;
                let line = std::str::from_utf8(line)
                    .with_context(|| format!("row {row}: not UTF-8 text"))?;
                Source::json_cells(row, line)
            }
        }
    }
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

    /// The row decided by the engine: when it was reported, and its
    /// case's id and events.
    fn decide(
        &self,
        row: u64,
        cells: &BTreeMap<String, String>,
    ) -> Result<(DateTime<Utc>, ImportedCase), BadRow> {
        let (def, case) = self.case(row, cells)?;
        let reported_at = case.reported_at;
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
        Ok((
            reported_at,
            ImportedCase {
                id,
                events: vec![event],
                personnummer: None,
            },
        ))
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
    let config = StoreConfig {
        sqlite_cache_mib: Some(CACHE_MIB),
        ..config.clone()
    };
    let store = Store::open(&config, catalog).await?;
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
    // The good ones are remembered by when they were reported and where
    // they lie in the file.
    let source = Source::open(path)?;
    let mut bad = Vec::new();
    let mut good: Vec<(i64, u64, Span)> = Vec::new();
    let mut rows = 0u64;
    let mut ticker = Ticker::new();
    source.scan(|row, at, cells| {
        rows = row;
        match context.decide(row, cells) {
            Ok((reported_at, _)) => good.push((reported_at.timestamp(), row, at)),
            Err(b) => bad.push(b),
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
    // Then the good rows in the order they were reported (so that every
    // index grows at its end rather than all over: a file in any order
    // imports as fast as one sorted by date), a batch per transaction.
    good.sort_unstable_by_key(|&(reported, row, _)| (reported, row));
    let total = good.len();
    let mut rows_again = source.rereader()?;
    let mut ticker = Ticker::new();
    let (mut imported, mut already) = (0usize, 0usize);
    for rows in good.chunks(BATCH) {
        let mut batch = Vec::with_capacity(rows.len());
        for &(_, row, at) in rows {
            let cells = rows_again.read(row, at)?;
            let (_, case) = context.decide(row, &cells).map_err(|b| {
                anyhow::anyhow!(
                    "row {}: {} (the file changed while it was read)",
                    b.row,
                    b.problem
                )
            })?;
            batch.push(case);
        }
        let ids: Vec<CaseId> = batch.iter().map(|c| c.id.clone()).collect();
        let present = store.cases_present(&ids).await?;
        let fresh: Vec<ImportedCase> = batch
            .into_iter()
            .filter(|c| !present.contains(&c.id.to_string()))
            .collect();
        already += present.len();
        imported += fresh.len();
        if !fresh.is_empty() {
            store.import_cases(fresh).await?;
        }
        ticker.tick(|| format!("Importing: {} of {total} cases", imported + already));
    }
    // The planner's statistics for the tables just filled, before any
    // server reads them (PostgreSQL; counted in the import's time).
    store.refresh_statistics().await;
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
