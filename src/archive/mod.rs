//! `varna archive export`: closed cases as E-ARK submission information
//! packages (CSIP/SIP, FGS Paketstruktur), one per case, for the archive
//! (e-arkiv). A package holds the case's events exactly as stored, its
//! frozen documents byte for byte, prints of its documents, its files, the
//! global chain's links from the case to a signed checkpoint and the
//! checkpoint itself, an ERMS description of the ärendeakt, and a METS
//! manifest naming every file with its size and SHA-256.
//! `tools/sip_verify.py` checks a package on its own (docs/archive.md).

mod xml;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use clap::Subcommand;
use sha2::{Digest as _, Sha256};
use varna_store::{CaseId, Store, StoreConfig};

use crate::cli::DatabaseArgs;
use crate::progress::Ticker;
use xml::{CaseFile, Listed, Manifest};

#[derive(Debug, Subcommand)]
pub(crate) enum ArchiveCommand {
    /// Write closed cases as E-ARK submission information packages (SIP), one
    /// folder per case, for delivery to the archive.
    ///
    /// Each package: METS.xml (every file with its size and SHA-256),
    /// metadata/descriptive/erms.xml (the ärendeakt), metadata/preservation/
    /// (the global chain's links from the case to a signed checkpoint, and the
    /// checkpoint), representations/rep1/data/ (the events as stored, the
    /// frozen documents, prints of the documents, the files). Check one with
    /// tools/sip_verify.py. Open cases and cases disposed of (gallring) are
    /// refused. Changes nothing in the database.
    ///
    /// Example: varna archive export --year 2025 --kind lex-maria --by arkivarie-anna --checkpoints /var/lib/varna/checkpoints --output leverans-2025
    Export {
        /// A closed case to export (its id); repeat for more.
        #[arg(long = "case", value_name = "ID", required_unless_present = "year")]
        cases: Vec<String>,
        /// Every case closed in this year (Swedish time) instead.
        #[arg(long, conflicts_with = "cases")]
        year: Option<i32>,
        /// With --year: only cases of this lifecycle.
        #[arg(long, requires = "year")]
        kind: Option<String>,
        /// The folder to write the packages into (made if missing; a package
        /// already there is never overwritten).
        #[arg(long, short)]
        output: PathBuf,
        /// The folder of signed checkpoints (`audit checkpoint`): each package
        /// gets the first one that covers the case's last event.
        #[arg(long)]
        checkpoints: Option<PathBuf>,
        /// Who exports (a user id, e.g. the archivist): each case read is
        /// access-logged as theirs, with the purpose `archive_export`.
        #[arg(long)]
        by: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

impl ArchiveCommand {
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        let runtime = crate::cli::runtime()?;
        match self {
            ArchiveCommand::Export {
                cases,
                year,
                kind,
                output,
                checkpoints,
                by,
                database,
            } => {
                if by.trim().is_empty() || by.chars().any(char::is_whitespace) {
                    bail!("--by must name a user id (no spaces), e.g. --by arkivarie-anna");
                }
                runtime.block_on(export(
                    &database.existing_store_config()?,
                    &cases,
                    year.map(|y| (y, kind)),
                    &output,
                    checkpoints.as_deref(),
                    &by,
                ))
            }
        }
    }
}

async fn export(
    config: &StoreConfig,
    given: &[String],
    year: Option<(i32, Option<String>)>,
    output: &Path,
    checkpoints: Option<&Path>,
    by: &str,
) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let cases = match &year {
        Some((year, kind)) => {
            let (from, until) = year_bounds(*year)?;
            store.closed_between(from, until, kind.as_deref()).await?
        }
        None => given
            .iter()
            .map(|id| {
                CaseId::parse(id).with_context(|| format!("`{id}` is not a case id (a UUID)"))
            })
            .collect::<anyhow::Result<_>>()?,
    };
    let signed = match checkpoints {
        Some(dir) => checkpoint_sizes(dir)?,
        None => Vec::new(),
    };
    std::fs::create_dir_all(output)
        .with_context(|| format!("making the folder {}", output.display()))?;
    let mut ticker = Ticker::new();
    let mut written = Vec::new();
    for (done, id) in cases.iter().enumerate() {
        let package = write_package(&store, id, output, &signed, by)
            .await
            .with_context(|| format!("case {id}"))?;
        written.push(package);
        ticker.tick(|| format!("{} of {} cases packaged", done + 1, cases.len()));
    }
    store.close().await?;
    let secs = ticker.done();
    let uncovered = written.iter().filter(|p| !p.checkpointed).count();
    println!(
        "{} packages written to {} in {secs:.2} s",
        written.len(),
        output.display()
    );
    for p in &written {
        println!("  {}  case {}", p.objid, p.number);
    }
    if uncovered > 0 {
        println!(
            "note: {uncovered} packages have no signed checkpoint covering their case (give --checkpoints, or run `varna audit checkpoint` first); their chain proof ends at the case's last event"
        );
    }
    if written.is_empty() {
        println!("no closed case matched: nothing written");
    }
    Ok(ExitCode::SUCCESS)
}

/// The year's bounds in Swedish time, as UTC.
fn year_bounds(year: i32) -> anyhow::Result<(DateTime<Utc>, DateTime<Utc>)> {
    if !(1900..=9998).contains(&year) {
        bail!("--year {year}: give a year such as 2025");
    }
    Ok((
        varna_workflow::local::year_start(year),
        varna_workflow::local::year_start(year + 1),
    ))
}

/// The checkpoint files of `dir` by the size (events) their names state.
fn checkpoint_sizes(dir: &Path) -> anyhow::Result<Vec<(i64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(rest) = name
            .strip_prefix("checkpoint-")
            .filter(|_| name.ends_with(".txt"))
        else {
            continue;
        };
        if let Some(size) = rest.split('-').next().and_then(|s| s.parse::<i64>().ok()) {
            out.push((size, path));
        }
    }
    out.sort();
    Ok(out)
}

/// What one package is.
struct Written {
    objid: String,
    number: String,
    checkpointed: bool,
}

fn now_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Files gathered for a package before they are written.
struct Files {
    root: PathBuf,
    now: String,
    listed: Vec<Listed>,
}

impl Files {
    fn put(&mut self, path: String, mime: &'static str, bytes: &[u8]) -> anyhow::Result<()> {
        let full = self.root.join(&path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&full, bytes).with_context(|| format!("writing {}", full.display()))?;
        self.listed.push(Listed {
            path,
            mime,
            size: bytes.len(),
            sha256: sha256_hex(bytes),
            created: self.now.clone(),
        });
        Ok(())
    }
}

fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "application/pdf" => "pdf",
        _ => "bin",
    }
}

fn mime_of(media_type: &str) -> &'static str {
    match media_type {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "application/pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

async fn write_package(
    store: &Store,
    id: &CaseId,
    output: &Path,
    signed: &[(i64, PathBuf)],
    by: &str,
) -> anyhow::Result<Written> {
    let record = store.case(id).await?.context("no such case")?;
    if !record.summary.is_closed {
        bail!("it is open: only a closed case goes to the archive");
    }
    let events = store.archived_events(id).await?;
    if events
        .iter()
        .any(|e| e.event_type == varna_workflow::CONTENT_DISPOSED)
    {
        bail!(
            "its personal content was disposed of (gallring): it can no longer go to the archive whole"
        );
    }
    // Logged before anything of the case is written out.
    store
        .record_access(varna_store::NewAccess {
            actor_id: by.to_owned(),
            role: varna_workflow::Role::Admin,
            case_id: id.clone(),
            purpose: "archive_export".into(),
            at: Utc::now(),
        })
        .await?;
    let def = store
        .definition_by_hash(&record.summary.workflow_hash)
        .await?;
    let (number, unit, organisation) = store.case_names(id, &record.case).await?;
    let now = Utc::now();
    let objid = format!("varna-{}", uuid::Uuid::now_v7());
    let root = output.join(&objid);
    std::fs::create_dir(&root).with_context(|| format!("making {}", root.display()))?;
    let mut files = Files {
        root: root.clone(),
        now: now_text(now),
        listed: Vec::new(),
    };
    let data = "representations/rep1/data";

    // The events exactly as stored.
    let mut lines = String::new();
    for e in &events {
        lines.push_str(&serde_json::to_string(e)?);
        lines.push('\n');
    }
    files.put(
        format!("{data}/events.jsonl"),
        "application/x-ndjson",
        lines.as_bytes(),
    )?;

    // The documents: frozen copies byte for byte, and prints as it stands.
    let mut records = Vec::new();
    for spec in &def.documents {
        if let Some(frozen) = store.frozen_document(id, &spec.id).await? {
            let path = format!("{data}/documents/{}.pdf", spec.id);
            files.put(path, "application/pdf", &frozen.content)?;
            records.push((
                frozen.digest.clone(),
                spec.title.sv.clone(),
                now_text(frozen.frozen_at),
            ));
        }
        if let Some(print) = store
            .render_document(id, &record.case, &spec.id, now, false)
            .await?
        {
            let path = format!("{data}/documents/{}-utskrift.pdf", spec.id);
            files.put(path, "application/pdf", &print)?;
        }
    }
    for added in &record.case.attachments {
        let a = &added.attachment;
        if let Some(stored) = store.attachment(id, &a.id).await? {
            let hex = stored.digest.trim_start_matches("sha256:").to_owned();
            let path = format!("{data}/attachments/{hex}.{}", extension(&stored.media_type));
            files.put(path, mime_of(&stored.media_type), &stored.content)?;
            records.push((
                stored.digest.clone(),
                a.name.clone(),
                now_text(added.added_at),
            ));
        }
    }
    let data_files = std::mem::take(&mut files.listed);

    // The proof: the global chain from the case's first event to the first
    // checkpoint that covers its last, and that checkpoint.
    let first = events.first().map_or(1, |e| e.global_seq);
    let last = events.last().map_or(0, |e| e.global_seq);
    let covering = signed.iter().find(|(size, _)| *size >= last);
    let upto = covering.map_or(last, |(size, _)| *size);
    let mut chain = String::new();
    for link in store.global_links(first - 1, upto).await? {
        chain.push_str(&serde_json::to_string(&link)?);
        chain.push('\n');
    }
    files.put(
        "metadata/preservation/global-chain.jsonl".into(),
        "application/x-ndjson",
        chain.as_bytes(),
    )?;
    if let Some((_, path)) = covering {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .context("a checkpoint file name")?;
        let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        files.put(format!("metadata/preservation/{name}"), "text/plain", &text)?;
    }
    let proof = std::mem::take(&mut files.listed);

    let state = def
        .state(record.case.state())
        .map_or_else(|| record.summary.state.clone(), |s| s.label.sv.clone());
    let erms = xml::erms(&CaseFile {
        case_id: &id.to_string(),
        number: &number,
        title: &def.label.sv,
        kind: &record.summary.kind,
        lagrum: &record.summary.lagrum,
        state: &state,
        unit: &unit,
        organisation: &organisation,
        opened: now_text(record.summary.opened_at),
        closed: record.summary.closed_at.map(now_text).unwrap_or_default(),
        records,
        now: files.now.clone(),
        software: format!("Varna {}", env!("CARGO_PKG_VERSION")),
    });
    files.put(
        "metadata/descriptive/erms.xml".into(),
        "text/xml",
        erms.as_bytes(),
    )?;
    let erms_file = files.listed.pop().context("the ERMS file")?;
    let label = format!("{} {number}", def.label.sv);
    let mets = xml::mets(&Manifest {
        objid: &objid,
        label: &label,
        organisation: &organisation,
        now: &files.now,
        software_version: env!("CARGO_PKG_VERSION"),
        erms: &erms_file,
        proof: &proof,
        data: &data_files,
    });
    std::fs::write(root.join("METS.xml"), mets)?;
    tracing::info!(case = %id, package = %objid, files = data_files.len(), "case packaged for the archive");
    Ok(Written {
        objid,
        number,
        checkpointed: covering.is_some(),
    })
}
