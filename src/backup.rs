//! `varna backup` and `varna restore`: a consistent copy of a SQLite store
//! while the server runs, checked before it is called a backup; and putting
//! one back, checked again first, never over a database without `--force`
//! and never deleting the file it replaces.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use varna_store::{Store, StoreConfig};

use crate::progress::Ticker;

/// What a check of a copy found: its size in events and cases.
struct Checked {
    events: u64,
    cases: u64,
}

/// Walks a copy's chains and compares its read tables with its events;
/// an error names what is wrong.
async fn check_copy(path: &Path) -> anyhow::Result<Checked> {
    let config = StoreConfig::new(format!("sqlite://{}?mode=rw", path.display()));
    let store = Store::connect(&config)
        .await
        .with_context(|| format!("cannot open {} as a Varna database", path.display()))?;
    let mut ticker = Ticker::new();
    let report = store
        .verify_audit(|p| {
            ticker.tick(|| {
                format!(
                    "checking the copy: pass {}/3, {} of {} events",
                    p.pass, p.done, p.total
                )
            })
        })
        .await?;
    ticker.done();
    if let Some(problem) = report.problem {
        store.close().await?;
        bail!("its audit chain is broken: {problem}");
    }
    let projections = store.check_projections(|_| {}).await?;
    store.close().await?;
    if !projections.agrees() {
        bail!("its read tables differ from its events (varna projections check tells which)");
    }
    Ok(Checked {
        events: report.events,
        cases: report.cases,
    })
}

/// `varna backup FILE`.
pub(crate) async fn backup(config: &StoreConfig, target: &Path) -> anyhow::Result<ExitCode> {
    if target.exists() {
        bail!(
            "{} already exists; a backup never overwrites a file, choose a new name",
            target.display()
        );
    }
    let store = Store::connect(config).await?;
    if store.backend() == varna_store::Backend::Postgres {
        store.close().await?;
        bail!(
            "this is a PostgreSQL database: back it up with pg_dump --format=custom (docs/operations.md, \"Backup and restore\")"
        );
    }
    let started = std::time::Instant::now();
    let copied = store.backup_sqlite(target).await;
    store.close().await?;
    copied.with_context(|| format!("cannot write the backup {}", target.display()))?;
    let copy_secs = started.elapsed().as_secs_f64();
    let checked = match check_copy(target).await {
        Ok(checked) => checked,
        Err(e) => {
            let _ = std::fs::remove_file(target);
            return Err(e.context("the copy did not check out and was removed"));
        }
    };
    let bytes = std::fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    println!(
        "backup written to {}: {} events in {} cases, {:.1} MB, copied in {copy_secs:.2} s; its audit chain is intact and its read tables agree",
        target.display(),
        checked.events,
        checked.cases,
        bytes as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

/// `varna restore BACKUP` into the SQLite file at `target`.
pub(crate) async fn restore(backup: &Path, target: &Path, force: bool) -> anyhow::Result<ExitCode> {
    if !backup.is_file() {
        bail!("no backup file at {}", backup.display());
    }
    if target.exists() && !force {
        bail!(
            "{} already exists; stop every server using it and add --force to replace it (it is kept as {}.replaced-…, never deleted)",
            target.display(),
            target.display()
        );
    }
    // Checked as a copy beside the target, so the backup itself stays untouched.
    let staging = sibling(target, "restoring");
    let _ = std::fs::remove_file(&staging);
    std::fs::copy(backup, &staging)
        .with_context(|| format!("cannot copy {} to {}", backup.display(), staging.display()))?;
    let checked = match check_copy(&staging).await {
        Ok(checked) => checked,
        Err(e) => {
            remove_with_journal(&staging);
            return Err(e.context(format!(
                "{} is not a sound Varna backup; nothing was changed",
                backup.display()
            )));
        }
    };
    let mut kept = None;
    if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = sibling(target, &format!("replaced-{stamp}"));
        for suffix in ["", "-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", target.display()));
            if from.exists() {
                std::fs::rename(&from, format!("{}{suffix}", aside.display()))
                    .with_context(|| format!("cannot move {} aside", from.display()))?;
            }
        }
        kept = Some(aside);
    }
    std::fs::rename(&staging, target)
        .with_context(|| format!("cannot move the restored copy to {}", target.display()))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself survives a power cut once the folder is synced.
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    println!(
        "restored {} to {}: {} events in {} cases; its audit chain is intact and its read tables agree",
        backup.display(),
        target.display(),
        checked.events,
        checked.cases
    );
    if let Some(kept) = kept {
        println!("the database it replaced is kept as {}", kept.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `varna.db` → `varna.db.NAME`.
fn sibling(path: &Path, name: &str) -> PathBuf {
    PathBuf::from(format!("{}.{name}", path.display()))
}

fn remove_with_journal(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
