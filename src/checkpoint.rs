//! Signed checkpoints of the audit chain, written outside the database:
//! the signing key (made at first use, kept in its own file, never in the
//! database or beside the checkpoints), writing a checkpoint into a folder
//! after proving that the log extends the newest one there, reading and
//! checking a folder of them, and the server's periodic writer.
//!
//! A checkpoint is a C2SP signed note (see `varna_chain::checkpoint`); its
//! file is `checkpoint-<events, 12 digits>-<reads, 12 digits>-<key id>.txt`,
//! so a folder sorts in log order and a rotated key's checkpoints stay
//! beside the new key's. Each also signs the access log's chain (an
//! `access` extension line), so a deleted read shows.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use varna_chain::checkpoint::{Checkpoint, CheckpointSigner, CheckpointVerifier};
use varna_store::Store;

/// The log's name when none is given: also the key's name.
pub(crate) const DEFAULT_ORIGIN: &str = "varna.local/audit";

/// Where checkpoints go and with which key.
#[derive(Debug, Clone)]
pub(crate) struct CheckpointSettings {
    /// The signer key file (made at first use).
    pub(crate) key: PathBuf,
    /// The folder the checkpoints are written to.
    pub(crate) dir: PathBuf,
    /// The log's name for a new key.
    pub(crate) origin: String,
    /// How often the server writes one (when the log grew).
    pub(crate) every: Duration,
}

/// The signer key in `path`, or a new one made there (readable by its
/// owner only) with `origin` as its name; and whether it was made now.
pub(crate) fn load_or_create_key(
    path: &Path,
    origin: &str,
) -> anyhow::Result<(CheckpointSigner, bool)> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let signer = CheckpointSigner::from_text(&text)
                .with_context(|| format!("{}: not a checkpoint signing key", path.display()))?;
            Ok((signer, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed)
                .map_err(|e| anyhow::anyhow!("no randomness for a new key: {e}"))?;
            let signer = CheckpointSigner::new(origin, seed).with_context(|| {
                format!("--checkpoint-origin {origin:?}: a name without spaces or '+'")
            })?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("creating {}", parent.display()))?;
            }
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(path)
                .with_context(|| format!("creating the key file {}", path.display()))?;
            file.write_all(signer.to_text().as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing the key file {}", path.display()))?;
            tracing::info!(key = %path.display(), public = %signer.verifier(), "made a new checkpoint signing key");
            Ok((signer, true))
        }
        Err(e) => Err(e).with_context(|| format!("reading the key file {}", path.display())),
    }
}

/// A verifier key given as its text or as a file holding it.
pub(crate) fn read_verifier(given: &str) -> anyhow::Result<CheckpointVerifier> {
    let text = if Path::new(given).is_file() {
        std::fs::read_to_string(given).with_context(|| format!("reading {given}"))?
    } else {
        given.to_owned()
    };
    CheckpointVerifier::from_text(text.trim()).with_context(|| {
        "the public key is name+keyid+key, as `varna audit key` prints it".to_owned()
    })
}

/// The checkpoint files among `paths` (files, or folders of
/// `checkpoint-*.txt`), each opened with one of `verifiers` (the present
/// key and those rotated out): every one must carry a valid signature of
/// one of them and name its log.
pub(crate) fn read_checkpoints(
    paths: &[PathBuf],
    verifiers: &[CheckpointVerifier],
) -> anyhow::Result<Vec<(PathBuf, Checkpoint)>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("reading {}", path.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_checkpoint_file(p))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let mut first_error = None;
        let mut opened = None;
        for verifier in verifiers {
            match verifier.open(&text) {
                Ok(c) if c.origin == verifier.name() => {
                    opened = Some(c);
                    break;
                }
                Ok(c) => {
                    first_error.get_or_insert_with(|| {
                        anyhow::anyhow!(
                            "a checkpoint of the log {:?}, not of {:?}",
                            c.origin,
                            verifier.name()
                        )
                    });
                }
                Err(e) => {
                    first_error.get_or_insert_with(|| anyhow::Error::new(e));
                }
            }
        }
        match opened {
            Some(checkpoint) => out.push((file, checkpoint)),
            None => {
                let e = first_error.unwrap_or_else(|| anyhow::anyhow!("no public key was given"));
                return Err(e.context(format!("{}: the checkpoint is not genuine", file.display())));
            }
        }
    }
    Ok(out)
}

/// The checkpoint files of `dir` with their text.
fn checkpoint_texts(dir: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if is_checkpoint_file(&path) {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            out.push((path, text));
        }
    }
    Ok(out)
}

fn is_checkpoint_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("checkpoint-") && n.ends_with(".txt"))
}

/// What writing a checkpoint did.
#[derive(Debug)]
pub(crate) enum Written {
    /// A new checkpoint, in this file.
    New(Checkpoint, PathBuf),
    /// The log has not grown since the newest checkpoint.
    Unchanged(Checkpoint),
    /// The log is empty: nothing to sign yet.
    Empty,
}

/// Signs the log's present size and head into `dir`, after proving that
/// the log extends the newest checkpoint already there. Refuses (and
/// writes nothing) when it does not: that is tampering to report, not to
/// paper over with a new signature.
pub(crate) async fn write_checkpoint(
    store: &Store,
    signer: &CheckpointSigner,
    dir: &Path,
) -> anyhow::Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // The newest checkpoint this key signed (after a rotation, the old
    // key's checkpoints stay for the auditors; this key starts anew).
    let verifier = signer.verifier();
    let mut newest: Option<Checkpoint> = None;
    for (path, text) in checkpoint_texts(dir)? {
        match verifier.open(&text) {
            Ok(c) if newest.as_ref().is_none_or(|n| c.size > n.size) => newest = Some(c),
            Ok(_) => {}
            Err(e) => {
                tracing::debug!(file = %path.display(), error = %e, "not a checkpoint of this key")
            }
        }
    }
    let heads = match store.chain_head_since(newest.as_ref()).await? {
        Ok(heads) => heads,
        Err(problem) => anyhow::bail!(
            "the audit log no longer extends the newest checkpoint in {}: {problem}",
            dir.display()
        ),
    };
    let size = heads.size;
    if size == 0 {
        return Ok(Written::Empty);
    }
    if let Some(newest) =
        newest.filter(|c| c.size == size && c.access.as_ref().map(|a| a.0) == Some(heads.access.0))
    {
        return Ok(Written::Unchanged(newest));
    }
    let note = signer.sign(size, &heads.head, Some((heads.access.0, &heads.access.1)))?;
    let (id, reads) = (verifier.key_id(), heads.access.0);
    let path = dir.join(format!("checkpoint-{size:012}-{reads:012}-{id}.txt"));
    let temporary = dir.join(format!(".checkpoint-{size:012}-{reads:012}-{id}.tmp"));
    {
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("writing {}", temporary.display()))?;
        file.write_all(note.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing {}", temporary.display()))?;
    }
    std::fs::rename(&temporary, &path).with_context(|| format!("writing {}", path.display()))?;
    let checkpoint = Checkpoint {
        origin: signer.name().to_owned(),
        size,
        head: heads.head,
        access: Some(heads.access),
    };
    tracing::info!(size, file = %path.display(), "audit checkpoint written");
    Ok(Written::New(checkpoint, path))
}

/// The server's writer: a checkpoint at start and every `settings.every`
/// while the log grows, until `shutdown`. A failure is logged loudly and
/// retried at the next tick; a log that no longer extends the newest
/// checkpoint is an error in the log at every tick.
pub(crate) async fn run(
    store: std::sync::Arc<Store>,
    signer: CheckpointSigner,
    settings: CheckpointSettings,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(settings.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = shutdown.changed() => break,
        }
        if let Err(e) = write_checkpoint(&store, &signer, &settings.dir).await {
            tracing::error!(error = %format!("{e:#}"), "could not write the audit checkpoint");
        }
    }
}
