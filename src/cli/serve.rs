//! `varna serve`: the server's flags (database, tokens, web, deadlines and
//! notifications, limits) and turning them into a [`ServeConfig`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{DatabaseArgs, parse_interval, runtime};
use crate::serve::{OidcSettings, ServeConfig, ServeLimits};

#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    /// Address to listen on (loopback by default; put a TLS proxy in front for other hosts).
    #[arg(long, env = "VARNA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    #[command(flatten)]
    database: DatabaseArgs,
    /// A folder with customised lifecycle definitions (validated at start); without it the
    /// built-in ones are used (`varna workflows export DIR` writes them out).
    #[arg(long, env = "VARNA_WORKFLOWS_DIR")]
    workflows: Option<PathBuf>,
    #[command(flatten)]
    tokens: TokenVerifyArgs,
    /// Load a demo organisation (units, a user for every role, a year of cases) into an
    /// empty database and print a ready-to-paste token for each demo user. Logs only
    /// warnings unless VARNA_LOG is set (VARNA_LOG=info shows every command).
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
    #[command(flatten)]
    checkpoints: CheckpointArgs,
    #[command(flatten)]
    retention: RetentionArgs,
    #[command(flatten)]
    metrics: MetricsArgs,
}

/// Gallring on a schedule (see workflows/README.md, "Retention (gallring)").
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Gallring")]
pub(super) struct RetentionArgs {
    /// Dispose of the personal content of the cases the gallringsbeslut makes due,
    /// at start and then this often (e.g. 24h), as `varna retention run` does;
    /// recorded on each case's chain as done by varna-scheduler. Off unless given.
    #[arg(long, env = "VARNA_RETENTION_INTERVAL", value_parser = parse_interval)]
    retention_interval: Option<std::time::Duration>,
}

/// Prometheus metrics at /metrics (see docs/operations.md, "Metrics").
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Metrics")]
pub(super) struct MetricsArgs {
    /// Require this bearer token of every scrape of /metrics. Without it (and without
    /// --metrics-listen) /metrics is served only when --listen is a loopback address.
    #[arg(long, env = "VARNA_METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Serve /metrics on this address of its own (e.g. an interface only the scraper
    /// reaches) instead of the main one.
    #[arg(long, env = "VARNA_METRICS_LISTEN")]
    metrics_listen: Option<std::net::SocketAddr>,
}

/// Signed checkpoints of the audit chain (see the README, "Audit").
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Audit checkpoints")]
pub(super) struct CheckpointArgs {
    /// Write a signed checkpoint of the audit chain into this folder at start and then
    /// every --checkpoint-interval while the log grows: a folder outside the database
    /// (another disk, a share the auditor or the diarium reads).
    #[arg(long, env = "VARNA_CHECKPOINT_DIR")]
    checkpoint_dir: Option<PathBuf>,
    /// The checkpoint signing key (made at first start, readable by its owner only).
    /// Keep it apart from the database and from the checkpoints.
    #[arg(long, env = "VARNA_CHECKPOINT_KEY", requires = "checkpoint_dir")]
    checkpoint_key: Option<PathBuf>,
    /// The log's name in a new key and its checkpoints, e.g. varna.exempelkommun.se/audit.
    #[arg(long, env = "VARNA_CHECKPOINT_ORIGIN", default_value = crate::checkpoint::DEFAULT_ORIGIN)]
    checkpoint_origin: String,
    /// How often to write a checkpoint (when there are new events), e.g. 15min, 1h.
    #[arg(long, env = "VARNA_CHECKPOINT_INTERVAL", default_value = "1h", value_parser = parse_interval)]
    checkpoint_interval: std::time::Duration,
}

impl CheckpointArgs {
    fn config(self) -> anyhow::Result<Option<crate::checkpoint::CheckpointSettings>> {
        let Some(dir) = self.checkpoint_dir else {
            return Ok(None);
        };
        let key = self
            .checkpoint_key
            .context("--checkpoint-dir needs --checkpoint-key (the signing key's file, kept apart from the database)")?;
        if key.parent().is_some_and(|p| same_folder(p, &dir)) {
            anyhow::bail!(
                "--checkpoint-key must not lie in --checkpoint-dir: the checkpoints are given out, the key never is"
            );
        }
        Ok(Some(crate::checkpoint::CheckpointSettings {
            key,
            dir,
            origin: self.checkpoint_origin,
            every: self.checkpoint_interval,
        }))
    }
}

/// Whether two paths name the same folder (as given, or both existing).
fn same_folder(a: &std::path::Path, b: &std::path::Path) -> bool {
    let a = if a.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        a
    };
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
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
    /// Offer the public form at /anonym: anyone may file a complaint or feedback there
    /// without signing in and follow it with a receipt code (the lifecycles with a
    /// [public] table). On with --demo. Put it where the public can reach it only
    /// through your TLS proxy.
    #[arg(long, env = "VARNA_PUBLIC_FORM")]
    public_form: bool,
    /// Count the public form's rate limits by the last address in X-Forwarded-For:
    /// set this only when a proxy you run writes that header (else every sender
    /// behind it shares one limit, or a sender could name any address).
    #[arg(long, env = "VARNA_TRUST_FORWARDED_FOR")]
    trust_forwarded_for: bool,
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

impl ServeArgs {
    /// Whether this is `serve --demo`.
    pub(super) fn demo(&self) -> bool {
        self.demo
    }

    pub(super) fn run(self) -> anyhow::Result<ExitCode> {
        let oidc = match (self.web.oidc_issuer, self.web.oidc_client_id) {
            (Some(issuer), Some(client_id)) => Some(OidcSettings {
                issuer,
                client_id,
                client_secret: self.web.oidc_client_secret,
            }),
            _ => None,
        };
        let config = ServeConfig {
            listen: self.listen,
            store: self.database.store_config(),
            workflows: self.workflows,
            jwt_secret: self.tokens.jwt_secret,
            jwks_file: self.tokens.jwks_file,
            issuer: self.tokens.issuer,
            audience: self.tokens.audience,
            demo: self.demo,
            demo_jwt_secret: self.demo_jwt_secret,
            session_key: self.web.session_key,
            secure_cookies: self.web.secure_cookies,
            public_form: self.web.public_form || self.demo,
            trust_forwarded_for: self.web.trust_forwarded_for,
            oidc,
            notify: self.notify.config(self.listen)?,
            limits: self.limits.config()?,
            checkpoints: self.checkpoints.config()?,
            retention_interval: self.retention.retention_interval,
            metrics: crate::metrics::MetricsSettings {
                token: self.metrics.metrics_token,
                listen: self.metrics.metrics_listen,
            },
        };
        runtime()?.block_on(crate::serve::serve(config))?;
        Ok(ExitCode::SUCCESS)
    }
}

impl LimitArgs {
    fn config(self) -> anyhow::Result<ServeLimits> {
        Ok(ServeLimits {
            graphiql: !self.no_graphiql,
            token_max_lifetime: chrono::Duration::from_std(self.token_max_lifetime)
                .context("--token-max-lifetime is too long")?,
            filings_per_minute: self.filings_per_minute,
            connections: crate::listen::ConnectionLimits {
                max_connections: self.max_connections.max(1),
                header_timeout: self.header_timeout,
            },
            ws_init_timeout: self.ws_init_timeout,
            idempotency_keep: chrono::Duration::from_std(self.idempotency_keep)
                .context("--idempotency-keep is too long")?,
        })
    }
}
