//! The command line: every subcommand, its flags and its `--help`.

use anyhow::Context as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::telemetry::LogFormat;
use crate::{maintenance, workflows};

/// Varna: avvikelser, lex Sarah, lex Maria and klagomål in municipal care.
#[derive(Debug, Parser)]
#[command(name = "varna", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    /// Log format on standard error (the level is set with VARNA_LOG, e.g. VARNA_LOG=debug).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        env = "VARNA_LOG_FORMAT"
    )]
    pub(crate) log_format: LogFormat,

    #[command(subcommand)]
    command: Command,
}

/// Where the data lives.
#[derive(Debug, clap::Args)]
struct DatabaseArgs {
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
    fn existing_store_config(&self) -> anyhow::Result<varna_store::StoreConfig> {
        if let Some(rest) = self.database_url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            if !path.is_empty() && !path.starts_with(':') && !std::path::Path::new(path).exists() {
                anyhow::bail!(
                    "no database file at {path} (set --database-url or VARNA_DATABASE_URL)"
                );
            }
        }
        Ok(self.store_config())
    }

    fn store_config(&self) -> varna_store::StoreConfig {
        let mut config = varna_store::StoreConfig::new(self.database_url.clone());
        config.sqlite_synchronous_full = self.sqlite_sync == SqliteSync::Full;
        config
    }
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to listen on (loopback by default; put a TLS proxy in front for other hosts).
    #[arg(long, env = "VARNA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Folder with the lifecycle definitions (validated at start).
    #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
    workflows: PathBuf,
    #[command(flatten)]
    tokens: TokenVerifyArgs,
    /// Load a demo organisation (units, a user for every role, a year of cases) into an
    /// empty database and print a ready-to-paste token for each demo user.
    #[arg(long)]
    demo: bool,
    /// With --demo: sign the demo's tokens with this key (at least 32 bytes) rather than a
    /// new random one, for scripts that mint their own demo tokens. Never a production
    /// secret: --demo refuses VARNA_JWT_SECRET for that reason.
    #[arg(
        long,
        env = "VARNA_DEMO_JWT_SECRET",
        hide_env_values = true,
        requires = "demo"
    )]
    demo_jwt_secret: Option<String>,
    #[command(flatten)]
    web: WebArgs,
    #[command(flatten)]
    notify: NotifyArgs,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Limits that keep the server up under abuse (see RELIABILITY.md, "Security").
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Security and limits")]
struct LimitArgs {
    /// Do not serve GraphiQL at GET /graphql (the API itself is unaffected).
    #[arg(long, env = "VARNA_NO_GRAPHIQL")]
    no_graphiql: bool,
    /// The longest lifetime (exp − iat) of a token or sign-in the server accepts, e.g. 12h.
    #[arg(long, env = "VARNA_TOKEN_MAX_LIFETIME", default_value = "12h", value_parser = parse_interval)]
    token_max_lifetime: std::time::Duration,
    /// Cases one person may file per minute (a burst of that many, then that rate); 0: no limit.
    #[arg(long, env = "VARNA_FILINGS_PER_MINUTE", default_value_t = 60)]
    filings_per_minute: u32,
    /// Open HTTP connections at most; at the cap the oldest idle one is closed for a new one.
    #[arg(long, env = "VARNA_MAX_CONNECTIONS", default_value_t = 4096)]
    max_connections: usize,
    /// Time a client has to send a request's headers (and to start its next request on
    /// a kept-alive connection), e.g. 10s.
    #[arg(long, env = "VARNA_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_interval)]
    header_timeout: std::time::Duration,
    /// Time a WebSocket has to send connection_init with its token, e.g. 10s.
    #[arg(long, env = "VARNA_WS_INIT_TIMEOUT", default_value = "10s", value_parser = parse_interval)]
    ws_init_timeout: std::time::Duration,
    /// How long an idempotency key is remembered (a retry after that files anew), e.g. 168h.
    #[arg(long, env = "VARNA_IDEMPOTENCY_KEEP", default_value = "168h", value_parser = parse_interval)]
    idempotency_keep: std::time::Duration,
}

/// The web interface at `/` (see the README, "The web interface").
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Web interface")]
struct WebArgs {
    /// The key that signs session cookies (at least 32 bytes; prefer the environment
    /// variable). Without it a random key is made at every start, which signs everyone
    /// out on restart; give every server behind one address the same key.
    #[arg(long, env = "VARNA_SESSION_KEY", hide_env_values = true)]
    session_key: Option<String>,
    /// Mark cookies Secure: set this when users reach Varna over HTTPS (e.g. through a
    /// TLS-terminating proxy), so the browser never sends the session over plain HTTP.
    #[arg(long, env = "VARNA_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Sign people in through this OpenID Connect provider (its issuer URL; its
    /// discovery document and keys are read at start). Its ID tokens must carry the
    /// claims `role` and `units`, as API bearer tokens do, and it must send people
    /// back to <public URL>/auth/callback (see --public-url).
    #[arg(long, env = "VARNA_OIDC_ISSUER", requires = "oidc_client_id")]
    oidc_issuer: Option<String>,
    /// Varna's client id at the OpenID Connect provider.
    #[arg(long, env = "VARNA_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    oidc_client_id: Option<String>,
    /// Varna's client secret at the provider, if it has one (prefer the environment
    /// variable); without one the flow relies on PKCE alone.
    #[arg(long, env = "VARNA_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
}

/// Deadlines and notifications (see the README, "Notifications and several servers").
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Deadlines and notifications")]
struct NotifyArgs {
    /// Do not run the deadline scheduler in this process (another server on the
    /// same PostgreSQL database may run it; running it in several is also safe).
    #[arg(long, env = "VARNA_NO_SCHEDULER")]
    no_scheduler: bool,
    /// How often the scheduler looks for deadlines that have passed (e.g. 30s, 1min).
    #[arg(long, env = "VARNA_SWEEP_INTERVAL", default_value = "30s", value_parser = parse_interval)]
    sweep_interval: std::time::Duration,
    /// POST every notification as signed JSON to this URL.
    #[arg(long, env = "VARNA_WEBHOOK_URL")]
    webhook_url: Option<String>,
    /// The shared secret for the webhook's HMAC-SHA256 signature (at least 16 bytes;
    /// prefer the environment variable to the flag).
    #[arg(long, env = "VARNA_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// Send notifications by e-mail through this SMTP server: smtp://host:25 (plain,
    /// a local relay), smtp://user:pass@host:587?tls=required (STARTTLS) or smtps://host:465.
    #[arg(long, env = "VARNA_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The sender of notification e-mails, e.g. "Varna <varna@kommun.se>".
    #[arg(long, env = "VARNA_SMTP_FROM")]
    smtp_from: Option<String>,
    /// Who gets e-mail for a role: ROLE=ADDRESS[,ADDRESS…]; repeat per role
    /// (in the environment, separate roles with ';').
    /// Example: --notify-email sas=sas@kommun.se --notify-email committee=nämnd@kommun.se
    #[arg(long = "notify-email", env = "VARNA_NOTIFY_EMAIL", value_delimiter = ';', value_parser = parse_recipients)]
    notify_email: Vec<(varna_workflow::Role, Vec<String>)>,
    /// The address users open Varna at, for the links in notifications
    /// (default: http://<listen address>).
    #[arg(long, env = "VARNA_PUBLIC_URL")]
    public_url: Option<String>,
    /// Delivery attempts before a notification is set aside as dead
    /// (see `varna outbox list --status dead`).
    #[arg(long, env = "VARNA_DELIVERY_ATTEMPTS", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    delivery_attempts: u32,
    /// Wait after the first failed attempt; doubled after each further one (at most 1 hour).
    #[arg(long, env = "VARNA_RETRY_AFTER", default_value = "30s", value_parser = parse_interval)]
    retry_after: std::time::Duration,
    /// How long one delivery attempt may take before another worker (or this one,
    /// after a restart) takes the notification over; webhook calls time out at half
    /// of it (at most 10 s).
    #[arg(long, env = "VARNA_DELIVERY_LEASE", default_value = "2min", value_parser = parse_interval)]
    delivery_lease: std::time::Duration,
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

/// `sas=a@kommun.se,b@kommun.se`.
fn parse_recipients(text: &str) -> Result<(varna_workflow::Role, Vec<String>), String> {
    let (role, addresses) = text
        .split_once('=')
        .ok_or_else(|| "write ROLE=ADDRESS[,ADDRESS…], e.g. sas=sas@kommun.se".to_owned())?;
    let role: varna_workflow::Role = role.trim().parse().map_err(|e| format!("{e}"))?;
    let addresses: Vec<String> = addresses
        .split(',')
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    if addresses.is_empty() {
        return Err(format!("no address given for {role}"));
    }
    Ok((role, addresses))
}

impl NotifyArgs {
    fn config(self, listen: std::net::SocketAddr) -> anyhow::Result<varna_notify::NotifyConfig> {
        let webhook = match (self.webhook_url, self.webhook_secret) {
            (Some(url), Some(secret)) => {
                if secret.len() < 16 {
                    anyhow::bail!("VARNA_WEBHOOK_SECRET must be at least 16 bytes long");
                }
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    anyhow::bail!("--webhook-url must be an http:// or https:// URL");
                }
                Some(varna_notify::WebhookConfig {
                    url,
                    secret,
                    timeout: (self.delivery_lease / 2).min(std::time::Duration::from_secs(10)),
                })
            }
            (Some(_), None) => anyhow::bail!(
                "--webhook-url needs VARNA_WEBHOOK_SECRET (the receiver checks the signature with it)"
            ),
            (None, Some(_)) => {
                anyhow::bail!("VARNA_WEBHOOK_SECRET is set but --webhook-url is not")
            }
            (None, None) => None,
        };
        let email = match (self.smtp_url, self.smtp_from) {
            (Some(url), Some(from)) => {
                if self.notify_email.is_empty() {
                    anyhow::bail!(
                        "--smtp-url needs at least one --notify-email ROLE=ADDRESS to send to"
                    );
                }
                let mut recipients = std::collections::BTreeMap::<String, Vec<String>>::new();
                for (role, addresses) in self.notify_email {
                    recipients
                        .entry(role.as_str().to_owned())
                        .or_default()
                        .extend(addresses);
                }
                Some(varna_notify::EmailConfig {
                    url,
                    from,
                    recipients,
                })
            }
            (Some(_), None) => anyhow::bail!("--smtp-url needs --smtp-from (the sender address)"),
            (None, _) if !self.notify_email.is_empty() => {
                anyhow::bail!("--notify-email needs --smtp-url (the mail server)")
            }
            (None, _) => None,
        };
        Ok(varna_notify::NotifyConfig {
            scheduler: !self.no_scheduler,
            sweep_every: self.sweep_interval,
            deliver_every: std::time::Duration::from_secs(5),
            webhook,
            email,
            public_url: self
                .public_url
                .unwrap_or_else(|| format!("http://{listen}")),
            policy: varna_store::RetryPolicy {
                max_attempts: self.delivery_attempts,
                first_backoff: self.retry_after,
                max_backoff: std::time::Duration::from_secs(3600),
                lease: self.delivery_lease,
            },
        })
    }
}

#[derive(Debug, clap::Args)]
struct TokenVerifyArgs {
    /// HS256 secret for a single installation (at least 32 bytes). Prefer the environment
    /// variable to the flag, so the secret stays out of the process list.
    #[arg(long, env = "VARNA_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    /// RS256: the OIDC issuer's public keys as a JWKS file (download it from the issuer's jwks_uri).
    #[arg(long, env = "VARNA_JWKS_FILE")]
    jwks_file: Option<PathBuf>,
    /// Expected token issuer (`iss`).
    #[arg(long, env = "VARNA_JWT_ISSUER", default_value = "varna")]
    issuer: String,
    /// Expected token audience (`aud`).
    #[arg(long, env = "VARNA_JWT_AUDIENCE", default_value = "varna")]
    audience: String,
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
    /// Check and draw the lifecycle definitions in workflows/.
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
    /// The yearly quality report (kvalitetsberättelse): cases per lagrum with the
    /// previous year, lex Sarah and lex Maria per verksamhetsområde and gender,
    /// outcomes, IVO-anmälningar, categories, complaints, lead times, deadlines,
    /// monthly series, rising units and repeat events. No personal data.
    ///
    /// Example: varna report --year 2025 --scope area:aldreomsorg --output kvalitet-2025.html
    Report(ReportArgs),
    /// The benchmark harness: generate a large dataset, time the quality report.
    #[command(subcommand)]
    Bench(BenchCommand),
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
    /// Folder with the lifecycle definitions (for labels).
    #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
    workflows: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Fill an empty database with a generated organisation: units in seven
    /// verksamhetsområden and the four case kinds in realistic proportions, with
    /// full event histories decided by the engine, imported in bulk.
    ///
    /// Example: varna bench seed --cases 1000000 --database-url sqlite://bench.db?mode=rwc
    Seed {
        /// How many cases.
        #[arg(long)]
        cases: u64,
        /// The first year cases are reported in.
        #[arg(long, default_value_t = 2023)]
        from_year: i32,
        /// How many years the cases spread over (never past yesterday).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
        years: u32,
        /// Units (default: one per 1,000 cases, at least 20).
        #[arg(long)]
        units: Option<usize>,
        /// Cases per transaction.
        #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=20_000))]
        batch: u64,
        /// Seed of the generator: the same seed gives the same organisation and mix.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Time the quality report: one warm-up run, then --runs timed runs (median,
    /// fastest, slowest; reading the data and building plus rendering HTML).
    ///
    /// Example: varna bench report --year 2025 --database-url sqlite://bench.db
    Report {
        /// The calendar year.
        #[arg(long)]
        year: i32,
        /// `organisation`, `area:ID` or `unit:ID`.
        #[arg(long, default_value = "organisation", value_parser = crate::report::parse_scope)]
        scope: varna_report::Scope,
        /// Timed runs.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
        runs: u64,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Write throughput against the database's own limit: raw single-row insert
    /// transactions on a scratch table (same pool, same pragmas), then Varna
    /// commands (file an avvikelse, take it through its lifecycle) through the
    /// store API and as GraphQL mutations over HTTP, at each client count.
    ///
    /// Adds cases to unit `bench-write`: use a benchmark database, not production.
    ///
    /// Example: varna bench write --clients 1,8 --seconds 10 --database-url sqlite://bench.db
    Write {
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,8")]
        clients: Vec<usize>,
        /// Skip the GraphQL-over-HTTP measurement.
        #[arg(long)]
        no_http: bool,
        /// The database's own single-row commit rate per client count, measured
        /// outside Varna (tools/bench.sh does), e.g. 1=3300,8=3600: the ratios are
        /// then against it rather than against single-row transactions through
        /// Varna's own driver.
        #[arg(long, value_delimiter = ',', value_parser = parse_raw_rate)]
        raw_rates: Vec<(usize, f64)>,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Read latency under load over HTTP: starts `varna serve` on the database and
    /// runs `case(id) { history }` and a filtered `cases` page (p50, p99, req/s) at
    /// each client count; also cold start and server memory idle and under load.
    ///
    /// Example: varna bench read --clients 1,10,50 --seconds 10 --database-url sqlite://bench.db
    Read {
        /// Seconds per measurement.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Concurrent clients, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,10,50")]
        clients: Vec<usize>,
        /// Also measure a PostGraphile server over the same PostgreSQL tables, at
        /// this URL (e.g. http://127.0.0.1:5000/graphql), with the equivalent
        /// queries, and print the throughput ratios (tools/bench.sh starts one).
        #[arg(long)]
        compare_url: Option<String>,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Crash test: under a write load over GraphQL, kill `varna serve` with SIGKILL
    /// at random moments, restart it, and check that every acknowledged command is
    /// in the log and the projections, that the projections equal a rebuild and
    /// that the audit chain verifies. Exits with status 1 on any loss.
    ///
    /// Example: varna bench crash --kills 20 --database-url sqlite://crash.db?mode=rwc
    Crash {
        /// How many times to kill the server.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
        kills: u64,
        /// Concurrent writing clients.
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
        clients: u64,
        /// Seed for the moments of the kills.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Folder with the lifecycle definitions.
        #[arg(long, env = "VARNA_WORKFLOWS_DIR", default_value = "workflows")]
        workflows: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum SessionsCommand {
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

#[derive(Debug, Subcommand)]
enum OutboxCommand {
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
enum UnitsCommand {
    /// Register a unit (or rename it) with its verksamhetsområde.
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
    /// List the registered units.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Walk every case's hash chain and the global chain; print the first broken link.
    ///
    /// Recomputes each event's SHA-256 from its stored content, checks that
    /// every event links to the previous one, that no event or case is
    /// missing from the global sequence, and that the chain ends at the
    /// recorded head. Exits with status 1 when anything is broken.
    Verify {
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ProjectionsCommand {
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
enum WorkflowsCommand {
    /// Validate every *.toml definition in DIR and summarise each lifecycle.
    ///
    /// Reports every problem in every file at once, each with file and line,
    /// and exits with status 1 if there is any.
    Check {
        /// Folder with the definition files.
        #[arg(default_value = "workflows", env = "VARNA_WORKFLOWS_DIR")]
        dir: PathBuf,
    },
    /// Print a lifecycle as a diagram (Mermaid by default, or Graphviz DOT).
    ///
    /// Example: varna workflows graph lex-sarah > lex-sarah.mmd
    Graph {
        /// The lifecycle's name, e.g. lex-sarah.
        name: String,
        /// Folder with the definition files.
        #[arg(long, default_value = "workflows", env = "VARNA_WORKFLOWS_DIR")]
        dir: PathBuf,
        /// Diagram language.
        #[arg(long, value_enum, default_value_t = workflows::Format::Mermaid)]
        format: workflows::Format,
    },
}

impl Cli {
    /// The log level when VARNA_LOG is unset: the server reports what it does; one-shot commands only warnings.
    pub(crate) fn default_log_level(&self) -> &'static str {
        if matches!(self.command, Command::Serve(_)) {
            "info"
        } else {
            "warn"
        }
    }

    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Serve(args) => {
                let config = crate::serve::ServeConfig {
                    listen: args.listen,
                    store: args.database.store_config(),
                    workflows: args.workflows,
                    jwt_secret: args.tokens.jwt_secret,
                    jwks_file: args.tokens.jwks_file,
                    issuer: args.tokens.issuer,
                    audience: args.tokens.audience,
                    demo: args.demo,
                    demo_jwt_secret: args.demo_jwt_secret,
                    session_key: args.web.session_key,
                    secure_cookies: args.web.secure_cookies,
                    oidc: match (args.web.oidc_issuer, args.web.oidc_client_id) {
                        (Some(issuer), Some(client_id)) => Some(crate::serve::OidcSettings {
                            issuer,
                            client_id,
                            client_secret: args.web.oidc_client_secret,
                        }),
                        _ => None,
                    },
                    notify: args.notify.config(args.listen)?,
                    limits: crate::serve::ServeLimits {
                        graphiql: !args.limits.no_graphiql,
                        token_max_lifetime: chrono::Duration::from_std(
                            args.limits.token_max_lifetime,
                        )
                        .context("--token-max-lifetime is too long")?,
                        filings_per_minute: args.limits.filings_per_minute,
                        connections: crate::listen::ConnectionLimits {
                            max_connections: args.limits.max_connections.max(1),
                            header_timeout: args.limits.header_timeout,
                        },
                        ws_init_timeout: args.limits.ws_init_timeout,
                        idempotency_keep: chrono::Duration::from_std(args.limits.idempotency_keep)
                            .context("--idempotency-keep is too long")?,
                    },
                };
                runtime()?.block_on(crate::serve::serve(config))?;
                Ok(ExitCode::SUCCESS)
            }
            Command::Token(args) => {
                if args.jwt_secret.len() < varna_api::auth::MIN_SECRET_BYTES {
                    anyhow::bail!(
                        "the secret must be at least {} bytes long",
                        varna_api::auth::MIN_SECRET_BYTES
                    );
                }
                let now = chrono::Utc::now();
                let principal = varna_api::Principal {
                    user_id: args.user,
                    role: args.role,
                    units: args
                        .units
                        .into_iter()
                        .map(varna_workflow::UnitId::new)
                        .collect(),
                };
                let ttl = args.ttl.after(now) - now;
                println!(
                    "{}",
                    varna_api::mint_hs256(
                        args.jwt_secret.as_bytes(),
                        &args.issuer,
                        &args.audience,
                        &principal,
                        ttl,
                        now
                    )
                );
                Ok(ExitCode::SUCCESS)
            }
            Command::Schema => {
                print!("{}", varna_api::schema::sdl());
                Ok(ExitCode::SUCCESS)
            }
            Command::Units(UnitsCommand::Add {
                id,
                name,
                area,
                area_name,
                organisation,
                organisation_name,
                database,
            }) => {
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
            Command::Units(UnitsCommand::List { database }) => {
                runtime()?.block_on(maintenance::list_units(&database.existing_store_config()?))
            }
            Command::Audit(AuditCommand::Verify { database }) => runtime()?.block_on(
                maintenance::audit_verify(&database.existing_store_config()?),
            ),
            Command::Projections(ProjectionsCommand::Rebuild { database }) => runtime()?.block_on(
                maintenance::projections_rebuild(&database.existing_store_config()?),
            ),
            Command::Projections(ProjectionsCommand::Check { database }) => runtime()?.block_on(
                maintenance::projections_check(&database.existing_store_config()?),
            ),
            Command::Sessions(SessionsCommand::End {
                user,
                token_max_lifetime,
                database,
            }) => {
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
            Command::Outbox(OutboxCommand::Status { database }) => runtime()?.block_on(
                maintenance::outbox_status(&database.existing_store_config()?),
            ),
            Command::Outbox(OutboxCommand::List {
                status,
                limit,
                database,
            }) => runtime()?.block_on(maintenance::outbox_list(
                &database.existing_store_config()?,
                status.as_deref(),
                limit,
            )),
            Command::Outbox(OutboxCommand::Retry {
                notification,
                all,
                database,
            }) => {
                if notification.is_none() && !all {
                    anyhow::bail!("say which: --notification ID, or --all for every dead delivery");
                }
                runtime()?.block_on(maintenance::outbox_retry(
                    &database.existing_store_config()?,
                    notification.as_deref(),
                ))
            }
            Command::Report(args) => runtime()?.block_on(crate::report::report(
                &args.database.existing_store_config()?,
                crate::report::ReportRequest {
                    year: args.year,
                    scope: args.scope,
                    format: args.format,
                    output: args.output,
                    workflows: args.workflows,
                },
            )),
            Command::Bench(BenchCommand::Seed {
                cases,
                from_year,
                years,
                units,
                batch,
                seed,
                workflows,
                database,
            }) => runtime()?.block_on(crate::bench::seed(
                &database.store_config(),
                &workflows,
                crate::bench::SeedPlan {
                    cases,
                    from_year,
                    years,
                    units,
                    batch: usize::try_from(batch)?,
                    seed,
                },
            )),
            Command::Bench(BenchCommand::Report {
                year,
                scope,
                runs,
                workflows,
                database,
            }) => runtime()?.block_on(crate::bench::report(
                &database.existing_store_config()?,
                &workflows,
                year,
                scope,
                usize::try_from(runs)?,
            )),
            Command::Bench(BenchCommand::Write {
                seconds,
                clients,
                no_http,
                raw_rates,
                workflows,
                database,
            }) => runtime()?.block_on(crate::bench::write(crate::bench::WritePlan {
                store: database.store_config(),
                workflows,
                seconds: positive_seconds(seconds)?,
                clients: client_counts(clients)?,
                http: !no_http,
                raw_rates,
            })),
            Command::Bench(BenchCommand::Read {
                seconds,
                clients,
                compare_url,
                workflows,
                database,
            }) => runtime()?.block_on(crate::bench::read(crate::bench::ReadPlan {
                store: database.existing_store_config()?,
                workflows,
                seconds: positive_seconds(seconds)?,
                clients: client_counts(clients)?,
                compare: compare_url,
            })),
            Command::Bench(BenchCommand::Crash {
                kills,
                clients,
                seed,
                workflows,
                database,
            }) => runtime()?.block_on(crate::bench::crash(crate::bench::CrashPlan {
                store: database.store_config(),
                workflows,
                kills: usize::try_from(kills)?,
                clients: usize::try_from(clients)?,
                seed,
            })),
            Command::Workflows(WorkflowsCommand::Check { dir }) => Ok(workflows::check(&dir)),
            Command::Workflows(WorkflowsCommand::Graph { name, dir, format }) => {
                workflows::graph(&dir, &name, format)
            }
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// `--seconds` of a benchmark: a positive, finite number.
fn positive_seconds(seconds: f64) -> anyhow::Result<f64> {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3_600.0) {
        anyhow::bail!("--seconds must be more than 0 and at most 3600");
    }
    Ok(seconds)
}

/// `--clients` of a benchmark: each count between 1 and 1,000.
fn client_counts(clients: Vec<usize>) -> anyhow::Result<Vec<usize>> {
    if clients.is_empty() || clients.iter().any(|&c| c == 0 || c > 1_000) {
        anyhow::bail!("--clients takes counts from 1 to 1000, e.g. --clients 1,8");
    }
    Ok(clients)
}

/// One `CLIENTS=RATE` pair of `--raw-rates`.
fn parse_raw_rate(text: &str) -> Result<(usize, f64), String> {
    let (clients, rate) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: expected CLIENTS=RATE, e.g. 8=3600"))?;
    let clients = clients
        .trim()
        .parse::<usize>()
        .map_err(|_| format!("{clients:?} is not a client count"))?;
    let rate = rate
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r > 0.0)
        .ok_or_else(|| format!("{rate:?} is not a positive rate"))?;
    Ok((clients, rate))
}
