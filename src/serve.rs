//! `varna serve`: load and validate the definitions, open (and migrate) the
//! store, optionally load the demo organisation, and serve the GraphQL API
//! until SIGTERM or Ctrl-C, finishing requests in flight.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use varna_api::auth::Revocations;
use varna_api::{
    ApiState, AuthConfig, Keys, Limits, Principal, build_schema_for, mint_hs256, router,
};
use varna_store::{Store, StoreConfig};

use crate::workflows::LoadError;

/// How `serve` is configured (flags and `VARNA_*` environment variables).
#[derive(Debug)]
pub(crate) struct ServeConfig {
    pub(crate) metrics: crate::metrics::MetricsSettings,
    pub(crate) listen: SocketAddr,
    pub(crate) store: StoreConfig,
    pub(crate) workflows: Option<PathBuf>,
    pub(crate) jwt_secret: Option<String>,
    pub(crate) jwks_file: Option<PathBuf>,
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) demo: bool,
    pub(crate) demo_jwt_secret: Option<String>,
    pub(crate) session_key: Option<String>,
    pub(crate) secure_cookies: bool,
    /// The public form at /anonym is offered.
    pub(crate) public_form: bool,
    /// The public form's limits count by X-Forwarded-For's last address.
    pub(crate) trust_forwarded_for: bool,
    pub(crate) oidc: Option<OidcSettings>,
    pub(crate) notify: varna_notify::NotifyConfig,
    pub(crate) limits: ServeLimits,
    /// Signed checkpoints of the audit chain, written outside the database.
    pub(crate) checkpoints: Option<crate::checkpoint::CheckpointSettings>,
    /// How often the server disposes of what the gallringsbeslut makes due (off: `None`).
    pub(crate) retention_interval: Option<std::time::Duration>,
}

/// What bounds the server's work (the "Security and limits" flags).
#[derive(Debug)]
pub(crate) struct ServeLimits {
    pub(crate) graphiql: bool,
    pub(crate) token_max_lifetime: chrono::Duration,
    pub(crate) filings_per_minute: u32,
    pub(crate) connections: crate::listen::ConnectionLimits,
    pub(crate) ws_init_timeout: std::time::Duration,
    pub(crate) idempotency_keep: chrono::Duration,
}

/// How often each server re-reads the revocation list (a sign-out on
/// another server holds here within this time; on the same server at once).
const REVOCATION_REFRESH: std::time::Duration = std::time::Duration::from_secs(1);
/// How often expired revocations and idempotency keys are removed.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Sign-in through an OpenID Connect provider.
#[derive(Debug)]
pub(crate) struct OidcSettings {
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<String>,
}

/// A random 256-bit secret for demo tokens (a new one at every start).
fn random_secret() -> Vec<u8> {
    let mut bytes = uuid::Uuid::new_v4().as_bytes().to_vec();
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes
}

fn keys(config: &ServeConfig) -> anyhow::Result<(Keys, Option<Vec<u8>>)> {
    match (&config.jwks_file, &config.jwt_secret) {
        (Some(_), Some(_)) => {
            bail!("set either --jwks-file (RS256) or VARNA_JWT_SECRET (HS256), not both")
        }
        (Some(path), None) => {
            if config.demo {
                bail!("--demo mints its own HS256 tokens and cannot be combined with --jwks-file");
            }
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the JWKS file {}", path.display()))?;
            let set = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JWKS document", path.display()))?;
            Ok((Keys::Jwks(set), None))
        }
        (None, Some(_)) if config.demo => bail!(
            "--demo mints its own tokens with a key of its own; unset VARNA_JWT_SECRET (a demo must never sign tokens with a production secret)"
        ),
        (None, Some(secret)) => {
            if secret.len() < varna_api::auth::MIN_SECRET_BYTES {
                bail!(
                    "VARNA_JWT_SECRET must be at least {} bytes long",
                    varna_api::auth::MIN_SECRET_BYTES
                );
            }
            Ok((
                Keys::Hs256(secret.as_bytes().to_vec()),
                Some(secret.as_bytes().to_vec()),
            ))
        }
        (None, None) if config.demo => {
            let secret = match &config.demo_jwt_secret {
                Some(s) if s.len() < varna_api::auth::MIN_SECRET_BYTES => bail!(
                    "VARNA_DEMO_JWT_SECRET must be at least {} bytes long",
                    varna_api::auth::MIN_SECRET_BYTES
                ),
                Some(s) => s.as_bytes().to_vec(),
                None => random_secret(),
            };
            Ok((Keys::Hs256(secret.clone()), Some(secret)))
        }
        (None, None) => bail!(
            "no token verification configured: set VARNA_JWT_SECRET (HS256, at least 32 bytes) or --jwks-file (RS256), or run with --demo"
        ),
    }
}

pub(crate) async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let catalog = match crate::workflows::load(config.workflows.as_deref()) {
        Ok(c) => c,
        Err(LoadError::Invalid(errors)) => bail!("the workflow definitions are invalid:\n{errors}"),
        Err(LoadError::Io(e)) => return Err(e),
    };
    let (keys, secret) = keys(&config)?;
    let session_key = match &config.session_key {
        Some(key) if key.len() < varna_web::session::MIN_KEY_BYTES => bail!(
            "VARNA_SESSION_KEY must be at least {} bytes long",
            varna_web::session::MIN_KEY_BYTES
        ),
        Some(key) => key.as_bytes().to_vec(),
        None => random_secret(),
    };
    // The checkpoint key before anything else: a server told to sign
    // checkpoints does not run without its key.
    let checkpoint_signer = match &config.checkpoints {
        Some(settings) => {
            let (signer, made) =
                crate::checkpoint::load_or_create_key(&settings.key, &settings.origin)?;
            if made {
                println!(
                    "A new checkpoint signing key was made in {} (keep it apart from the database; give auditors the public key):\n  {}",
                    settings.key.display(),
                    signer.verifier()
                );
            }
            Some(signer)
        }
        None => None,
    };
    let store = Arc::new(
        Store::open(&config.store, &catalog)
            .await
            .with_context(|| format!("cannot open the database {}", config.store.redacted_url()))?,
    );
    let mut demo_people = Vec::new();
    let mut demo_banner = String::new();
    if config.demo {
        crate::demo::ensure_demo_database(&store).await?;
        let demo = crate::demo::load(&store, chrono::Utc::now()).await?;
        demo_people = demo.users.clone();
        let secret = secret.as_deref().expect("demo always has an HS256 secret");
        demo_banner = demo_tokens(&demo, secret, &config);
    }
    if !store
        .changes_ready(std::time::Duration::from_secs(10))
        .await
    {
        tracing::warn!(
            "live updates are not flowing yet (LISTEN did not start within 10 s); retrying in the background"
        );
    }
    let worker = varna_notify::Worker::new(Arc::clone(&store), config.notify.clone())
        .context("the notification settings are invalid")?;
    let (stop_worker, worker_shutdown) = tokio::sync::watch::channel(false);
    let checkpoints = match (checkpoint_signer, &config.checkpoints) {
        (Some(signer), Some(settings)) => Some(tokio::spawn(crate::checkpoint::run(
            Arc::clone(&store),
            signer,
            settings.clone(),
            worker_shutdown.clone(),
        ))),
        _ => None,
    };
    let gallring = config.retention_interval.map(|every| {
        tokio::spawn(crate::retention::on_schedule(
            Arc::clone(&store),
            every,
            worker_shutdown.clone(),
        ))
    });
    let worker = tokio::spawn(worker.run(worker_shutdown));
    let revocations = Arc::new(Revocations::backed_by(Arc::clone(&store)));
    revocations
        .refresh()
        .await
        .context("cannot read the revocation list")?;
    let mut auth = AuthConfig::new(config.issuer.clone(), config.audience.clone(), keys);
    auth.max_lifetime = config.limits.token_max_lifetime;
    auth.revocations = Arc::clone(&revocations);
    let auth = Arc::new(auth);
    let housekeeping = tokio::spawn(housekeeping(
        Arc::clone(&store),
        Arc::clone(&revocations),
        config.limits.idempotency_keep,
    ));
    let limits = Limits {
        filings_per_minute: config.limits.filings_per_minute,
        ..Limits::default()
    };
    // One application layer for the API and the pages: the same bounds on
    // filings and reports, whichever way a person comes in.
    let application = Arc::new(varna_api::App::new(
        Arc::clone(&store),
        limits.filings_per_minute,
    ));
    let schema = build_schema_for(Arc::clone(&application), limits, Arc::clone(&auth));
    let oidc = match &config.oidc {
        Some(o) => {
            let oidc = varna_web::oidc::Oidc::discover(
                &o.issuer,
                &o.client_id,
                o.client_secret.clone(),
                &config.notify.public_url,
            )
            .await
            .context("cannot set up sign-in through OpenID Connect")?;
            tracing::info!(issuer = %oidc.issuer, redirect = %oidc.redirect_url, "sign-in through OpenID Connect");
            Some(oidc)
        }
        None => None,
    };
    let web = varna_web::router(varna_web::WebConfig {
        app: Arc::clone(&application),
        session_key,
        demo_people,
        secure_cookies: config.secure_cookies,
        public_form: config.public_form,
        trust_forwarded_for: config.trust_forwarded_for,
        oidc,
        revocations,
    });
    let mut api = ApiState::new(schema, auth, Arc::clone(&store));
    api.graphiql = config.limits.graphiql;
    api.ws_init_timeout = config.limits.ws_init_timeout;
    let mut app = router(api).merge(web);
    let metrics_here = crate::metrics::on_main_address(&config.metrics, config.listen);
    if metrics_here {
        app = app.merge(crate::metrics::router(
            Arc::clone(&application),
            config.metrics.token.as_deref(),
        ));
    } else if config.metrics.listen.is_none() {
        tracing::warn!(
            "/metrics is off: the server listens beyond loopback; set --metrics-token or --metrics-listen"
        );
    }
    let metrics_server = match config.metrics.listen {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .with_context(|| format!("cannot listen for /metrics on {address}"))?;
            let routes =
                crate::metrics::router(Arc::clone(&application), config.metrics.token.as_deref());
            tracing::info!(%address, "metrics at /metrics");
            Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, routes).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            }))
        }
        None => None,
    };
    let files = crate::listen::raise_file_limit();
    let mut connections = config.limits.connections;
    // Room for the database, the log and delivery besides the connections.
    let room = usize::try_from(files.saturating_sub(64) / 2)
        .unwrap_or(usize::MAX)
        .max(1);
    if connections.max_connections > room {
        tracing::warn!(
            asked = connections.max_connections,
            open_file_limit = files,
            allowed = room,
            "--max-connections is over what the open-file limit allows; lowered"
        );
        connections.max_connections = room;
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} (is another Varna running? choose another with --listen)",
                config.listen
            )
        })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %config.store.redacted_url(), "Varna is ready");
    // The demo's people and tokens, then the address: last, where a new
    // user looks.
    print!("{demo_banner}");
    println!(
        "Varna is ready: open http://{addr}/ in the browser  (GraphiQL: /graphql, health: /health, readiness: /ready)"
    );
    crate::listen::serve(listener, app, connections, shutdown_signal()).await;
    tracing::info!("shutting down");
    housekeeping.abort();
    if let Some(metrics_server) = metrics_server {
        metrics_server.abort();
    }
    let _ = stop_worker.send(true);
    if let Some(checkpoints) = checkpoints {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), checkpoints).await;
    }
    if let Some(gallring) = gallring {
        // A case being disposed of finishes (its own transaction) or is untouched.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), gallring).await;
    }
    if tokio::time::timeout(std::time::Duration::from_secs(10), worker)
        .await
        .is_err()
    {
        tracing::warn!(
            "background work did not stop within 10 s; unfinished deliveries are retried after their lease"
        );
    }
    if let Ok(store) = Arc::try_unwrap(store) {
        store.close().await?;
    }
    Ok(())
}

/// Keeps the revocation list current (another server's sign-outs) and
/// removes what has expired: revocations past their time, idempotency keys
/// older than `keys_keep`.
async fn housekeeping(
    store: Arc<Store>,
    revocations: Arc<Revocations>,
    keys_keep: chrono::Duration,
) {
    let mut refresh = tokio::time::interval(REVOCATION_REFRESH);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut purge = tokio::time::interval(PURGE_EVERY);
    purge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = refresh.tick() => {
                if let Err(e) = revocations.refresh().await {
                    tracing::warn!(error = %e, "could not re-read the revocation list; retrying");
                }
            }
            _ = purge.tick() => {
                let now = chrono::Utc::now();
                match store.purge_expired(now, now - keys_keep).await {
                    Ok((0, 0)) => {}
                    Ok((revocations, keys)) => tracing::info!(revocations, idempotency_keys = keys, "expired entries removed"),
                    Err(e) => tracing::warn!(error = %e, "removing expired entries failed; retrying later"),
                }
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stop signal received; finishing requests in flight");
}

/// The block `--demo` prints before the address: what was loaded and a
/// ready-to-paste token for each demo person.
fn demo_tokens(
    demo: &crate::demo::DemoOrganisation,
    secret: &[u8],
    config: &ServeConfig,
) -> String {
    use std::fmt::Write as _;
    let ttl = config.limits.token_max_lifetime;
    let mut out = format!(
        "\nDemo organisation loaded: {} users, {} units, {} cases.\n\
         Sign in on the start page as any of them, or use a token \
         (valid {} hours; paste as `Authorization: Bearer <token>` in GraphiQL's headers):\n\n",
        demo.users.len(),
        demo.units.len(),
        demo.cases,
        ttl.num_hours()
    );
    for user in &demo.users {
        let principal = Principal {
            user_id: user.user_id.clone(),
            role: user.role,
            units: user.units.iter().map(varna_workflow::UnitId::new).collect(),
        };
        let token = mint_hs256(
            secret,
            &config.issuer,
            &config.audience,
            &principal,
            ttl,
            chrono::Utc::now(),
        );
        let _ = writeln!(
            out,
            "  {:<18} {:<24} {token}",
            user.role.as_str(),
            user.name
        );
    }
    out.push('\n');
    out
}
