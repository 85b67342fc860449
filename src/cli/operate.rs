//! The operator's commands on a store — `units`, `audit`, `projections`,
//! `outbox` and `sessions` — each with its flags and running itself (the
//! work is in `crate::maintenance`).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;

use super::{DatabaseArgs, parse_interval, runtime};
use crate::maintenance;

#[derive(Debug, Subcommand)]
pub(super) enum UnitsCommand {
    /// Register a unit with its verksamhetsområde, or rename or move it to match.
    ///
    /// Each change (area added or renamed, unit added, renamed or moved) is
    /// recorded on the organisation's chain as made by varna-cli, as the
    /// web's Enheter page records the administrator's. Closing a unit is
    /// done there or with the API's changeOrganisation.
    ///
    /// Example: varna units add linden --name "Lindens vård- och omsorgsboende"
    ///          --area aldreomsorg --area-name "Äldreomsorg"
    Add {
        /// The unit's code, as tokens and the API name it (e.g. linden).
        id: String,
        /// The unit's name.
        #[arg(long)]
        name: String,
        /// The verksamhetsområde's code (e.g. aldreomsorg, hemtjanst, lss, hsl).
        #[arg(long)]
        area: String,
        /// The verksamhetsområde's name.
        #[arg(long)]
        area_name: String,
        /// The organisation's code.
        #[arg(long, default_value = "organisation")]
        organisation: String,
        /// The organisation's name.
        #[arg(long, default_value = "Kommunen")]
        organisation_name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List the registered units: code, verksamhetsområde, open or closed, name.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum AuditCommand {
    /// Walk every case's hash chain and the global chain; print the first broken link.
    ///
    /// Recomputes each event's SHA-256 from its stored content, checks that
    /// every event links to the previous one, that no event or case is
    /// missing from the global sequence, and that the chain ends at the
    /// recorded head. Exits with status 1 when anything is broken.
    ///
    /// The hashes use no key: with --checkpoints it also proves that the log
    /// still extends every signed checkpoint (a deleted tail, a moved head or
    /// a recomputed chain shows, with where the first change lies).
    ///
    /// Example: varna audit verify --checkpoints /mnt/revision/varna --public-key revision.pub
    Verify {
        /// Signed checkpoints to check the log against: files, or folders of
        /// checkpoint-*.txt (as `varna serve --checkpoint-dir` writes them).
        #[arg(long, num_args = 1.., requires = "public_key")]
        checkpoints: Vec<std::path::PathBuf>,
        /// The public key the checkpoints are signed with (name+keyid+key, or a file
        /// holding it), as `varna audit key` prints it; from the auditor's own copy.
        /// Repeat it for the keys rotated out: each checkpoint must verify under one.
        #[arg(long, env = "VARNA_CHECKPOINT_PUBLIC_KEY", value_delimiter = ';')]
        public_key: Vec<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Sign a checkpoint of the audit chain's size and head into a folder, after
    /// proving that the log extends the newest checkpoint already there.
    ///
    /// The key is made in --key at first use (readable by its owner only); keep it
    /// apart from the database and from the checkpoints, and give auditors the public
    /// key (`varna audit key`). A running `varna serve --checkpoint-dir` does this
    /// periodically.
    ///
    /// Example: varna audit checkpoint --key /etc/varna/checkpoint.key --dir /mnt/revision/varna
    Checkpoint {
        /// The signing key's file.
        #[arg(long, env = "VARNA_CHECKPOINT_KEY")]
        key: std::path::PathBuf,
        /// The folder to write the checkpoint into.
        #[arg(long, env = "VARNA_CHECKPOINT_DIR")]
        dir: std::path::PathBuf,
        /// The log's name in a new key, e.g. varna.exempelkommun.se/audit.
        #[arg(long, env = "VARNA_CHECKPOINT_ORIGIN", default_value = crate::checkpoint::DEFAULT_ORIGIN)]
        origin: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Print the public key of a checkpoint signing key, for auditors.
    ///
    /// Key rotation: make a new key file, point --checkpoint-key at it and give
    /// auditors its public key; keep the old public key to check the older
    /// checkpoints (each checkpoint names the key that signed it).
    Key {
        /// The signing key's file.
        #[arg(long, env = "VARNA_CHECKPOINT_KEY")]
        key: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum ProjectionsCommand {
    /// Recompute the case tables (state, deadlines, journal, links) from the event log.
    ///
    /// Runs in one transaction; commands wait until it is done.
    Rebuild {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Check that the case tables are exactly what the event log says: rebuild
    /// them inside a transaction, compare row by row, and roll back.
    ///
    /// Changes nothing; exits with status 1 and names the differing tables if
    /// any differ (then run `varna projections rebuild`). Commands wait while it runs.
    Check {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum OutboxCommand {
    /// Count deliveries per channel and status (pending, delivering, delivered, dead),
    /// and notifications not yet queued for any channel.
    Status {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List deliveries, newest first (ids, case, role, channel, attempts, last error).
    ///
    /// Example: varna outbox list --status dead
    List {
        /// Only deliveries in this status.
        #[arg(long, value_parser = ["pending", "delivering", "delivered", "dead"])]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Put dead deliveries back in the queue with a fresh set of attempts
    /// (a running `varna serve` sends them within seconds).
    Retry {
        /// Only this notification's deliveries (its id from `varna outbox list`).
        #[arg(long, conflicts_with = "all")]
        notification: Option<String>,
        /// Every dead delivery.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum SessionsCommand {
    /// End every sign-in of a person issued until now — web sessions and API
    /// tokens alike; every server of the database refuses them within a second.
    /// Sign-ins made afterwards are not affected. (Administrators can do the
    /// same through the API: `mutation { endSessions(userId: "…") }`.)
    ///
    /// Example: varna sessions end --user um-linden --database-url sqlite://varna.db
    End {
        /// The person's user id (the token subject).
        #[arg(long)]
        user: String,
        /// The longest token lifetime the servers accept (their --token-max-lifetime):
        /// how long the revocation must be kept.
        #[arg(long, env = "VARNA_TOKEN_MAX_LIFETIME", default_value = "12h", value_parser = parse_interval)]
        token_max_lifetime: std::time::Duration,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

impl UnitsCommand {
    pub(super) fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            UnitsCommand::Add {
                id,
                name,
                area,
                area_name,
                organisation,
                organisation_name,
                database,
            } => {
                let unit = varna_store::NewUnit {
                    id,
                    name,
                    verksamhetsomrade_id: area,
                    verksamhetsomrade_name: area_name,
                    organisation_id: organisation,
                    organisation_name,
                };
                runtime()?.block_on(maintenance::add_unit(&database.store_config(), unit))
            }
            UnitsCommand::List { database } => {
                runtime()?.block_on(maintenance::list_units(&database.existing_store_config()?))
            }
        }
    }
}

impl AuditCommand {
    pub(super) fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            AuditCommand::Verify {
                checkpoints,
                public_key,
                database,
            } => {
                let verifiers = public_key
                    .iter()
                    .map(|k| crate::checkpoint::read_verifier(k))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let checked = crate::checkpoint::read_checkpoints(&checkpoints, &verifiers)?;
                runtime()?.block_on(maintenance::audit_verify(
                    &database.existing_store_config()?,
                    &checked,
                ))
            }
            AuditCommand::Checkpoint {
                key,
                dir,
                origin,
                database,
            } => runtime()?.block_on(maintenance::audit_checkpoint(
                &database.existing_store_config()?,
                &key,
                &dir,
                &origin,
            )),
            AuditCommand::Key { key } => {
                let text = std::fs::read_to_string(&key)
                    .with_context(|| format!("reading the key file {}", key.display()))?;
                let signer = varna_chain::checkpoint::CheckpointSigner::from_text(&text)
                    .with_context(|| format!("{}: not a checkpoint signing key", key.display()))?;
                println!("{}", signer.verifier());
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

impl ProjectionsCommand {
    pub(super) fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            ProjectionsCommand::Rebuild { database } => runtime()?.block_on(
                maintenance::projections_rebuild(&database.existing_store_config()?),
            ),
            ProjectionsCommand::Check { database } => runtime()?.block_on(
                maintenance::projections_check(&database.existing_store_config()?),
            ),
        }
    }
}

impl SessionsCommand {
    pub(super) fn run(self) -> anyhow::Result<ExitCode> {
        let SessionsCommand::End {
            user,
            token_max_lifetime,
            database,
        } = self;
        if user.trim().is_empty() {
            anyhow::bail!("--user must name a user id");
        }
        let keep = chrono::Duration::from_std(token_max_lifetime)
            .context("--token-max-lifetime is too long")?;
        runtime()?.block_on(maintenance::end_sessions(
            &database.existing_store_config()?,
            &user,
            keep,
        ))
    }
}

impl OutboxCommand {
    pub(super) fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            OutboxCommand::Status { database } => runtime()?.block_on(maintenance::outbox_status(
                &database.existing_store_config()?,
            )),
            OutboxCommand::List {
                status,
                limit,
                database,
            } => runtime()?.block_on(maintenance::outbox_list(
                &database.existing_store_config()?,
                status.as_deref(),
                limit,
            )),
            OutboxCommand::Retry {
                notification,
                all,
                database,
            } => {
                if notification.is_none() && !all {
                    anyhow::bail!("say which: --notification ID, or --all for every dead delivery");
                }
                runtime()?.block_on(maintenance::outbox_retry(
                    &database.existing_store_config()?,
                    notification.as_deref(),
                ))
            }
        }
    }
}
