//! The command line of `varna`: the subcommands, their flags and their
//! `--help`; each subcommand runs itself. The server's flags are in
//! [`serve`], the operator's commands on a store in [`operate`].

mod operate;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::telemetry::LogFormat;
use crate::workflows;
use operate::{AuditCommand, OutboxCommand, ProjectionsCommand, SessionsCommand, UnitsCommand};
use serve::ServeArgs;

/// Varna: avvikelser, lex Sarah, lex Maria and klagomål in municipal care.
#[derive(Debug, Parser)]
#[command(name = "varna", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Log format on standard error (the level is set with VARNA_LOG, e.g. VARNA_LOG=debug).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        env = "VARNA_LOG_FORMAT"
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

/// Where the data lives (`--database-url`, `--sqlite-sync`); shared with
/// `varna-bench`, whose commands take the same flags.
#[derive(Debug, clap::Args)]
pub struct DatabaseArgs {
    /// The database: a SQLite file (created if missing) or a PostgreSQL URL,
    /// e.g. postgres://varna@db.example:5432/varna.
    #[arg(
        long,
        env = "VARNA_DATABASE_URL",
        default_value = "sqlite://varna.db?mode=rwc"
    )]
    database_url: String,

    /// SQLite only: fsync at every commit (FULL, the default) so an acknowledged
    /// command survives power loss; `--sqlite-sync normal` survives a process crash only.
    #[arg(long, value_enum, default_value_t = SqliteSync::Full, env = "VARNA_SQLITE_SYNC")]
    sqlite_sync: SqliteSync,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SqliteSync {
    Full,
    Normal,
}

impl DatabaseArgs {
    /// For commands that inspect existing data: a missing SQLite file is an
    /// error (a typo must not create an empty database that "verifies").
    pub fn existing_store_config(&self) -> anyhow::Result<varna_store::StoreConfig> {
        if let Some(path) = self.sqlite_path().filter(|p| !p.exists()) {
            anyhow::bail!(
                "no database file at {} (set --database-url or VARNA_DATABASE_URL)",
                path.display()
            );
        }
        Ok(self.store_config())
    }

    /// The SQLite file the URL names; `None` for PostgreSQL or an in-memory database.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database_url.strip_prefix("sqlite:")?;
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or(path);
        (!path.is_empty() && !path.starts_with(':')).then(|| PathBuf::from(path))
    }

    /// The store's configuration; a missing SQLite file is created.
    pub fn store_config(&self) -> varna_store::StoreConfig {
        let mut config = varna_store::StoreConfig::new(self.database_url.clone());
        config.sqlite_synchronous_full = self.sqlite_sync == SqliteSync::Full;
        config
    }
}

#[derive(Debug, clap::Args)]
struct TokenArgs {
    /// User id (the token subject).
    #[arg(long)]
    user: String,
    /// Role: reporter, unit_manager, operations_manager, sas, mas, mar, committee, auditor or admin.
    #[arg(long)]
    role: varna_workflow::Role,
    /// A unit the user belongs to (repeat for several).
    #[arg(long = "unit")]
    units: Vec<String>,
    /// How long the token is valid, e.g. 30min, 8h, 7d.
    #[arg(long, default_value = "8h")]
    ttl: varna_workflow::DeadlineDuration,
    /// HS256 secret (at least 32 bytes); the server must use the same.
    #[arg(long, env = "VARNA_JWT_SECRET", hide_env_values = true)]
    jwt_secret: String,
    /// Token issuer (`iss`).
    #[arg(long, env = "VARNA_JWT_ISSUER", default_value = "varna")]
    issuer: String,
    /// Token audience (`aud`).
    #[arg(long, env = "VARNA_JWT_AUDIENCE", default_value = "varna")]
    audience: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the GraphQL API, with GraphiQL in the browser at /graphql.
    ///
    /// Example (demo data and tokens): varna serve --demo
    Serve(Box<ServeArgs>),
    /// Mint a development token (HS256) for a user, role and units.
    ///
    /// Example: VARNA_JWT_SECRET=… varna token --user um-1 --role unit_manager --unit linden
    Token(TokenArgs),
    /// Print the GraphQL schema (SDL); schema/schema.graphql is this output.
    Schema,
    /// Check, draw and export the lifecycle definitions (built in, or a folder's).
    #[command(subcommand)]
    Workflows(WorkflowsCommand),
    /// Register and list the organisation's units (enheter); cases are filed for units.
    #[command(subcommand)]
    Units(UnitsCommand),
    /// Check the tamper-evident audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Maintain the read projections.
    #[command(subcommand)]
    Projections(ProjectionsCommand),
    /// See and retry notification deliveries (webhook, e-mail).
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// End people's sign-ins (web sessions and API tokens) on every server of the database.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Write a consistent copy of the SQLite database while Varna runs, then check it.
    ///
    /// The copy is one snapshot (SQLite's VACUUM INTO): every command acknowledged
    /// before it began is in it, whatever is written meanwhile. It is checked as
    /// `audit verify` checks a database before this says it is written. PostgreSQL
    /// is backed up with pg_dump (docs/operations.md).
    ///
    /// Example: varna backup /mnt/backup/varna-2026-12-05.db
    Backup(BackupArgs),
    /// Put a backup back as the SQLite database, after checking it.
    ///
    /// Stop every server using the database first. An existing database is
    /// replaced only with --force and is kept beside it as FILE.replaced-TIME.
    ///
    /// Example: varna restore /mnt/backup/varna-2026-12-05.db --database-url sqlite://varna.db --force
    Restore(RestoreArgs),
    /// The yearly quality report (kvalitetsberättelse): cases per lagrum with the
    /// previous year, lex Sarah and lex Maria per verksamhetsområde and gender,
    /// outcomes, IVO-anmälningar, categories, complaints, lead times, deadlines,
    /// monthly series, rising units and repeat events. No personal data.
    ///
    /// Example: varna report --year 2025 --scope area:aldreomsorg --output kvalitet-2025.html
    Report(ReportArgs),
    /// Gallring: what the gallringsbeslut disposes of and when, the disposal
    /// itself, and its protocol.
    #[command(subcommand)]
    Retention(crate::retention::RetentionCommand),
    /// The archive: closed cases as E-ARK submission information packages
    /// (FGS Paketstruktur, ERMS), with the proof of their history.
    #[command(subcommand)]
    Archive(crate::archive::ArchiveCommand),
    /// Bring in earlier cases from another system: one row per case, CSV or JSON Lines.
    ///
    /// Columns: kind (the lifecycle: avvikelse, lex-sarah, lex-maria, klagomal,
    /// kommunal-anmalan), lagrum (SoL, LSS, HSL), unit (code or name),
    /// reported_on, ruled_on and closed_on (YYYY-MM-DD); every other column is a
    /// field of the row's lifecycle by name (category, affected_gender, outcome,
    /// anmalan_sent_on, what_happened, …). Each case comes in as one imported
    /// event on the hash chain with the file's SHA-256 and the row number; the
    /// quality report counts it in the year it was reported. Every row is checked
    /// first: a file with bad rows imports nothing unless --skip-bad-rows is given.
    /// A file already imported is not imported again. Template and sample:
    /// docs/import/.
    ///
    /// Example: varna import arende-2023-2025.csv
    Import(ImportArgs),
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// The file: .csv (a header row; comma or semicolon) or .jsonl (one JSON object a line).
    file: PathBuf,
    /// Import the good rows of a file that has bad ones (the bad are listed and left out).
    #[arg(long)]
    skip_bad_rows: bool,
    /// A folder with customised lifecycle definitions; the built-in ones by default.
    #[arg(long, env = "VARNA_WORKFLOWS_DIR")]
    workflows: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// The calendar year (cases are counted by the year they were reported, UTC).
    #[arg(long)]
    year: i32,
    /// `organisation`, `area:ID` (a verksamhetsområde) or `unit:ID`.
    #[arg(long, default_value = "organisation", value_parser = crate::report::parse_scope)]
    scope: varna_report::Scope,
    /// csv (one tidy table), json, or html (one self-contained, printable file with charts).
    #[arg(long, default_value = "html", value_parser = crate::report::parse_format)]
    format: varna_report::Format,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// A folder with customised lifecycle definitions (for labels); the built-in ones by default.
    #[arg(long, env = "VARNA_WORKFLOWS_DIR")]
    workflows: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
struct BackupArgs {
    /// The backup file to write (it must not exist).
    file: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, clap::Args)]
struct RestoreArgs {
    /// The backup file, as `varna backup` wrote it.
    backup: PathBuf,
    /// Replace an existing database (kept as FILE.replaced-TIME).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum WorkflowsCommand {
    /// Validate every *.toml definition in DIR (the built-in ones without DIR)
    /// and summarise each lifecycle.
    ///
    /// Reports every problem in every file at once, each with file and line,
    /// and exits with status 1 if there is any.
    Check {
        /// Folder with the definition files.
        #[arg(env = "VARNA_WORKFLOWS_DIR")]
        dir: Option<PathBuf>,
    },
    /// Print a lifecycle as a diagram (Mermaid by default, or Graphviz DOT).
    ///
    /// Example: varna workflows graph lex-sarah > lex-sarah.mmd
    Graph {
        /// The lifecycle's name, e.g. lex-sarah.
        name: String,
        /// Folder with the definition files (the built-in ones by default).
        #[arg(long, env = "VARNA_WORKFLOWS_DIR")]
        dir: Option<PathBuf>,
        /// Diagram language.
        #[arg(long, value_enum, default_value_t = workflows::Format::Mermaid)]
        format: workflows::Format,
    },
    /// Write the built-in lifecycle definitions and their README into DIR, to
    /// customise them and then run with --workflows DIR.
    ///
    /// Example: varna workflows export /etc/varna/workflows
    Export {
        /// The folder to write to (made if missing).
        dir: PathBuf,
        /// Overwrite files already there.
        #[arg(long)]
        force: bool,
    },
}

impl Cli {
    /// The log level when VARNA_LOG is unset: the server reports what it
    /// does; a demo (hundreds of cases filed at start) and one-shot commands
    /// only warnings.
    pub fn default_log_level(&self) -> &'static str {
        match &self.command {
            Command::Serve(args) if !args.demo() => "info",
            _ => "warn",
        }
    }

    /// Runs the chosen subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Serve(args) => args.run(),
            Command::Token(args) => args.run(),
            Command::Schema => {
                print!("{}", varna_api::schema::sdl());
                Ok(ExitCode::SUCCESS)
            }
            Command::Workflows(command) => command.run(),
            Command::Units(command) => command.run(),
            Command::Audit(command) => command.run(),
            Command::Projections(command) => command.run(),
            Command::Outbox(command) => command.run(),
            Command::Sessions(command) => command.run(),
            Command::Report(args) => args.run(),
            Command::Retention(command) => command.run(),
            Command::Archive(command) => command.run(),
            Command::Import(args) => {
                let catalog = crate::workflows::load(args.workflows.as_deref())?;
                runtime()?.block_on(crate::import::import(
                    &args.database.existing_store_config()?,
                    &catalog,
                    &args.file,
                    args.skip_bad_rows,
                ))
            }
            Command::Backup(args) => runtime()?.block_on(crate::backup::backup(
                &args.database.existing_store_config()?,
                &args.file,
            )),
            Command::Restore(args) => {
                let Some(target) = args.database.sqlite_path() else {
                    anyhow::bail!(
                        "restore puts a SQLite file back; a PostgreSQL database is restored with pg_restore (docs/operations.md)"
                    );
                };
                runtime()?.block_on(crate::backup::restore(&args.backup, &target, args.force))
            }
        }
    }
}

impl TokenArgs {
    fn run(self) -> anyhow::Result<ExitCode> {
        if self.jwt_secret.len() < varna_api::auth::MIN_SECRET_BYTES {
            anyhow::bail!(
                "the secret must be at least {} bytes long",
                varna_api::auth::MIN_SECRET_BYTES
            );
        }
        let now = chrono::Utc::now();
        let principal = varna_api::Principal {
            user_id: self.user,
            role: self.role,
            units: self
                .units
                .into_iter()
                .map(varna_workflow::UnitId::new)
                .collect(),
        };
        let ttl = self.ttl.after(now) - now;
        println!(
            "{}",
            varna_api::mint_hs256(
                self.jwt_secret.as_bytes(),
                &self.issuer,
                &self.audience,
                &principal,
                ttl,
                now
            )
        );
        Ok(ExitCode::SUCCESS)
    }
}

impl ReportArgs {
    fn run(self) -> anyhow::Result<ExitCode> {
        runtime()?.block_on(crate::report::report(
            &self.database.existing_store_config()?,
            crate::report::ReportRequest {
                year: self.year,
                scope: self.scope,
                format: self.format,
                output: self.output,
                workflows: self.workflows,
            },
        ))
    }
}

impl WorkflowsCommand {
    fn run(self) -> anyhow::Result<ExitCode> {
        match self {
            WorkflowsCommand::Check { dir } => Ok(workflows::check(dir.as_deref())),
            WorkflowsCommand::Graph { name, dir, format } => {
                workflows::graph(dir.as_deref(), &name, format)
            }
            WorkflowsCommand::Export { dir, force } => workflows::export(&dir, force),
        }
    }
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// `500ms`, `30s`, `5min`, `1h`.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("\"{text}\" needs a unit: ms, s, min or h (e.g. 30s)"))?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" must start with a whole number"))?;
    let d = match unit {
        "ms" => std::time::Duration::from_millis(n),
        "s" => std::time::Duration::from_secs(n),
        "min" => std::time::Duration::from_secs(n * 60),
        "h" => std::time::Duration::from_secs(n * 3600),
        _ => return Err(format!("unknown unit \"{unit}\": use ms, s, min or h")),
    };
    if d.is_zero() {
        return Err("the interval must be above zero".into());
    }
    Ok(d)
}
