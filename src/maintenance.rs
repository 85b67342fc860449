//! The operator's commands on a store: `units add|list`, `audit verify`,
//! `projections rebuild|check` and `outbox status|list|retry` (the long
//! ones with progress on standard error).

use std::process::ExitCode;

use varna_chain::checkpoint::Checkpoint;
use varna_store::audit::Progress;
use varna_store::{Store, StoreConfig};

use crate::progress::Ticker;

/// `varna audit verify`, against `checkpoints` (their signatures checked).
pub(crate) async fn audit_verify(
    config: &StoreConfig,
    checkpoints: &[(std::path::PathBuf, Checkpoint)],
) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let mut ticker = Ticker::new();
    let signed: Vec<Checkpoint> = checkpoints.iter().map(|(_, c)| c.clone()).collect();
    let report = store
        .verify_audit_against(&signed, |p: Progress| {
            ticker.tick(|| {
                format!(
                    "pass {}/3: {} of {} events checked",
                    p.pass, p.done, p.total
                )
            });
        })
        .await?;
    let secs = ticker.done();
    // What auditors read is checked too: the read tables against a rebuild
    // from the events (a changed snapshot or journal row shows here).
    let projections = if report.problem.is_none() {
        let mut ticker = Ticker::new();
        let check = store
            .check_projections(|r| {
                ticker.tick(|| format!("read tables: {} cases replayed", r.cases))
            })
            .await?;
        ticker.done();
        Some(check)
    } else {
        None
    };
    store.close().await?;
    if let Some(check) = projections.as_ref().filter(|c| !c.agrees()) {
        println!(
            "audit chain intact: {} events in {} cases verified",
            report.events, report.cases
        );
        if !check.differing.is_empty() {
            let tables: Vec<&str> = check.differing.iter().map(|d| d.table.as_str()).collect();
            println!(
                "READ TABLES DIFFER FROM THE EVENTS: {} (changed outside Varna, or left behind by a failed upgrade; the events are the record — `varna projections rebuild` rewrites the tables from them)",
                tables.join(", ")
            );
        }
        print_beside_the_log(check);
        return Ok(ExitCode::FAILURE);
    }
    let unproven = projections.map_or(0, |c| c.persons.unproven);
    match report.problem {
        None => {
            println!(
                "audit chain intact: {} events in {} cases verified{} in {secs:.2} s ({:.0} events/s)",
                report.events,
                report.cases,
                if report.one_pass { " in one pass" } else { "" },
                report.events as f64 / secs.max(1e-9)
            );
            println!("the read tables agree with the events");
            if unproven > 0 {
                println!(
                    "note: {unproven} personnummer were filed before filings committed to them (Varna before 2026-12-05) and cannot be proven"
                );
            }
            if let Some(newest) = signed.iter().max_by_key(|c| c.size) {
                println!(
                    "the log extends all {} signed checkpoints (the newest at {} events)",
                    signed.len(),
                    newest.size
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(problem) => {
            println!("AUDIT CHAIN BROKEN: {problem}");
            println!(
                "({} events in {} cases were checked before the break)",
                report.events, report.cases
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Says which personnummer rows and frozen documents no longer match the
/// log, if any.
fn print_beside_the_log(check: &varna_store::ProjectionCheck) {
    let persons = &check.persons;
    if check.documents.changed > 0 {
        println!(
            "KEPT FILES CHANGED: {} frozen document(s) or attachment(s) no longer match the SHA-256 their event recorded (changed or removed outside Varna)",
            check.documents.changed
        );
    }
    if persons.changed > 0 {
        println!(
            "PERSONNUMMER CHANGED: {} case(s) have a personnummer that does not match what their filing recorded (changed outside Varna; the filing event is the record)",
            persons.changed
        );
    }
    if persons.removed > 0 {
        println!(
            "PERSONNUMMER REMOVED: {} case(s) whose filing recorded a person have no personnummer any more",
            persons.removed
        );
    }
}

/// `varna audit checkpoint`.
pub(crate) async fn audit_checkpoint(
    config: &StoreConfig,
    key: &std::path::Path,
    dir: &std::path::Path,
    origin: &str,
) -> anyhow::Result<ExitCode> {
    let (signer, made) = crate::checkpoint::load_or_create_key(key, origin)?;
    if made {
        println!(
            "made a new signing key in {} (keep it apart from the database); its public key, for auditors:\n  {}",
            key.display(),
            signer.verifier()
        );
    }
    let store = Store::connect(config).await?;
    let written = crate::checkpoint::write_checkpoint(&store, &signer, dir).await;
    store.close().await?;
    match written? {
        crate::checkpoint::Written::New(c, path) => {
            println!(
                "checkpoint at {} events written to {}",
                c.size,
                path.display()
            );
        }
        crate::checkpoint::Written::Empty => {
            println!("the audit log is empty; nothing to sign yet");
        }
        crate::checkpoint::Written::Unchanged(c) => {
            println!(
                "no new events since the checkpoint at {} events; nothing written",
                c.size
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// SQLite's page cache for a rebuild, which rewrites every projection
/// table in one transaction: with the default two MiB the changed pages
/// spill into the WAL before the commit and are searched there again. (A
/// check writes nothing to a SQLite file: it reads it in place.)
const REBUILD_CACHE_MIB: u32 = 256;

/// `config` with the rebuild's page cache.
fn rebuilding(config: &StoreConfig) -> StoreConfig {
    StoreConfig {
        sqlite_cache_mib: Some(REBUILD_CACHE_MIB),
        ..config.clone()
    }
}

/// `varna projections rebuild`.
pub(crate) async fn projections_rebuild(config: &StoreConfig) -> anyhow::Result<ExitCode> {
    let store = Store::connect(&rebuilding(config)).await?;
    let mut ticker = Ticker::new();
    let report = store
        .rebuild_projections(|r| {
            ticker.tick(|| format!("{} events replayed into {} cases", r.events, r.cases))
        })
        .await?;
    let secs = ticker.done();
    store.close().await?;
    println!(
        "projections rebuilt: {} cases from {} events in {secs:.2} s",
        report.cases, report.events
    );
    Ok(ExitCode::SUCCESS)
}

/// `varna projections check`.
pub(crate) async fn projections_check(config: &StoreConfig) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let mut ticker = Ticker::new();
    let check = store
        .check_projections(|r| {
            ticker.tick(|| format!("{} events replayed into {} cases", r.events, r.cases))
        })
        .await?;
    let secs = ticker.done();
    store.close().await?;
    if check.agrees() {
        println!(
            "projections match the event log: {} cases from {} events checked in {secs:.2} s",
            check.rebuilt.cases, check.rebuilt.events
        );
        return Ok(ExitCode::SUCCESS);
    }
    if !check.differing.is_empty() {
        println!("PROJECTIONS DIFFER FROM THE EVENT LOG:");
        for d in &check.differing {
            println!(
                "  {}: {} rows stored, {} after a rebuild",
                d.table, d.stored_rows, d.rebuilt_rows
            );
        }
        println!("run `varna projections rebuild` to recompute them from the log");
    }
    print_beside_the_log(&check);
    Ok(ExitCode::FAILURE)
}

/// The actor the command line records its changes to the organisation as.
const CLI_ACTOR: (&str, &str) = ("varna-cli", "admin");

/// `varna units add`: registers the unit, or renames or moves it to match,
/// adding or renaming its verksamhetsområde first; each change recorded
/// on the organisation's chain, as the web's and the API's are.
pub(crate) async fn add_unit(
    config: &StoreConfig,
    unit: varna_store::NewUnit,
) -> anyhow::Result<ExitCode> {
    use varna_store::OrgEdit;
    // Checked before anything is written, so a bad code changes nothing.
    if !varna_store::valid_code(&unit.id) || !varna_store::valid_code(&unit.verksamhetsomrade_id) {
        anyhow::bail!(
            "unit and area codes use lower-case letters, digits, '-' and '_', at most 40 (e.g. hemtjanst-norr)"
        );
    }
    if unit.name.trim().is_empty() || unit.verksamhetsomrade_name.trim().is_empty() {
        anyhow::bail!("--name and --area-name must not be empty");
    }
    let store = Store::connect(config).await?;
    store
        .ensure_organisation(&unit.organisation_id, &unit.organisation_name)
        .await?;
    let org = store.organisation().await?;
    let area = org.iter().find(|a| a.id == unit.verksamhetsomrade_id);
    let existing = org.iter().flat_map(|a| &a.units).find(|u| u.id == unit.id);
    let mut edits = Vec::new();
    match area {
        None => edits.push(OrgEdit::AddArea {
            id: unit.verksamhetsomrade_id.clone(),
            name: unit.verksamhetsomrade_name.clone(),
        }),
        Some(a) if a.name != unit.verksamhetsomrade_name.trim() => {
            edits.push(OrgEdit::RenameArea {
                id: a.id.clone(),
                name: unit.verksamhetsomrade_name.clone(),
            });
        }
        Some(_) => {}
    }
    match existing {
        None => edits.push(OrgEdit::AddUnit {
            id: unit.id.clone(),
            name: unit.name.clone(),
            area: unit.verksamhetsomrade_id.clone(),
        }),
        Some(u) => {
            if u.name != unit.name.trim() {
                edits.push(OrgEdit::RenameUnit {
                    id: u.id.clone(),
                    name: unit.name.clone(),
                });
            }
            if u.area_id != unit.verksamhetsomrade_id {
                edits.push(OrgEdit::MoveUnit {
                    id: u.id.clone(),
                    area: unit.verksamhetsomrade_id.clone(),
                });
            }
        }
    }
    for edit in &edits {
        match store
            .change_organisation(edit, CLI_ACTOR.0, CLI_ACTOR.1)
            .await
        {
            Ok(change) => println!(
                "{} {} (change {})",
                change.change, change.subject, change.seq
            ),
            Err(varna_store::Error::Org(refusal)) => {
                store.close().await?;
                anyhow::bail!("{} {}: {refusal}", edit.change(), edit.subject());
            }
            Err(e) => return Err(e.into()),
        }
    }
    store.close().await?;
    if edits.is_empty() {
        println!("unit {} is registered as given: nothing to change", unit.id);
    } else {
        println!("unit {} registered", unit.id);
    }
    Ok(ExitCode::SUCCESS)
}

/// `varna units list`.
pub(crate) async fn list_units(config: &StoreConfig) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let org = store.organisation().await?;
    store.close().await?;
    if org.iter().all(|a| a.units.is_empty()) {
        println!("no units registered: add them with `varna units add` (see --help)");
    }
    for area in org {
        for u in area.units {
            let closed = if u.closed_at.is_some() {
                "closed"
            } else {
                "open"
            };
            println!("{:<24} {:<16} {closed:<6} {}", u.id, area.id, u.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `varna sessions end`: every sign-in of `user` issued until now is
/// refused by every server (each re-reads the list every second).
pub(crate) async fn end_sessions(
    config: &StoreConfig,
    user: &str,
    keep: chrono::Duration,
) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let now = chrono::Utc::now();
    store
        .revoke(varna_store::Revocation {
            kind: varna_store::RevocationKind::User,
            subject: user.to_owned(),
            revoked_at: now,
            until: now + keep,
        })
        .await?;
    store.close().await?;
    tracing::info!("a person's sign-ins were ended from the command line");
    println!(
        "Every sign-in of {user} made before {} (UTC) is ended: web sessions and API tokens, on every server within a second.",
        now.format("%Y-%m-%d %H:%M:%S")
    );
    Ok(ExitCode::SUCCESS)
}

/// `varna outbox status`.
pub(crate) async fn outbox_status(config: &StoreConfig) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let counts = store.delivery_counts().await?;
    store.close().await?;
    println!("{:<10} {:<12} {:>8}", "channel", "status", "count");
    for c in counts {
        println!("{:<10} {:<12} {:>8}", c.channel, c.status, c.count);
    }
    Ok(ExitCode::SUCCESS)
}

/// `varna outbox list`.
pub(crate) async fn outbox_list(
    config: &StoreConfig,
    status: Option<&str>,
    limit: u64,
) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let rows = store.deliveries(status, limit).await?;
    store.close().await?;
    if rows.is_empty() {
        println!(
            "no deliveries{}",
            status
                .map(|s| format!(" with status {s}"))
                .unwrap_or_default()
        );
    }
    for r in rows {
        println!(
            "{}  case {}  {:<18} {:<8} {:<10} attempts {:<2} {}",
            r.notification_id,
            r.case_id,
            r.role,
            r.channel,
            r.status,
            r.attempts,
            match (&r.delivered_at, &r.last_error) {
                (Some(at), _) => format!("delivered {}", at.to_rfc3339()),
                (None, Some(e)) => format!(
                    "last error: {e}; next attempt {}",
                    r.next_attempt_at.to_rfc3339()
                ),
                (None, None) => format!("next attempt {}", r.next_attempt_at.to_rfc3339()),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `varna outbox retry`.
pub(crate) async fn outbox_retry(
    config: &StoreConfig,
    notification: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let store = Store::connect(config).await?;
    let n = store
        .retry_dead_deliveries(notification, chrono::Utc::now())
        .await?;
    store.close().await?;
    println!("{n} dead deliveries queued again");
    Ok(if n == 0 && notification.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
