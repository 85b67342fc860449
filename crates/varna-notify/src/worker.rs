//! The loops `varna serve` runs beside the API:
//!
//! - the **scheduler** sweeps due deadlines every `sweep_every`;
//! - **delivery** queues new outbox rows for the configured channels,
//!   claims due deliveries, sends them (several at once) and records each
//!   outcome. It runs every `deliver_every`, and at once when a change
//!   notice says something happened, so the SAS hears of a new lex Sarah
//!   report within moments.
//!
//! Both stop between passes when told to shut down; a delivery cut off
//! midway (the process killed) is claimed again when its lease runs out.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinSet;
use varna_store::{ClaimedDelivery, RetryPolicy, Store};

use crate::email::{Email, EmailConfig, EmailError};
use crate::message::Message;
use crate::webhook::{Webhook, WebhookConfig};

/// The most deliveries one pass sends at once.
const CLAIM_BATCH: u64 = 32;
/// The most deadlines or outbox rows one store call handles.
const SWEEP_BATCH: u64 = 500;

/// What the background work does.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Run the deadline scheduler.
    pub scheduler: bool,
    /// How often the scheduler looks for due deadlines.
    pub sweep_every: Duration,
    /// How often delivery looks for due retries (it also wakes on every change).
    pub deliver_every: Duration,
    /// Webhook delivery, if configured.
    pub webhook: Option<WebhookConfig>,
    /// E-mail delivery, if configured.
    pub email: Option<EmailConfig>,
    /// The address users reach Varna at, for links in notifications.
    pub public_url: String,
    /// Retries, backoff and leases.
    pub policy: RetryPolicy,
}

#[derive(Debug)]
enum Channel {
    Webhook(Webhook),
    Email(Box<Email>),
}

impl Channel {
    fn name(&self) -> &'static str {
        match self {
            Channel::Webhook(_) => "webhook",
            Channel::Email(_) => "email",
        }
    }

    /// Whether the channel carries a notification to `role` (to one person
    /// of it when `recipient` is set). E-mail goes to the role's configured
    /// mailboxes, so a notification to one person does not go by e-mail;
    /// the webhook names the recipient and the receiver routes it.
    fn serves(&self, role: &str, recipient: Option<&str>) -> bool {
        match self {
            Channel::Webhook(_) => true,
            Channel::Email(e) => recipient.is_none() && e.serves(role),
        }
    }

    async fn send(&self, message: &Message) -> Result<(), String> {
        match self {
            Channel::Webhook(w) => w.send(message).await,
            Channel::Email(e) => e.send(message).await,
        }
    }
}

/// Why the background work could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The e-mail settings are wrong.
    #[error(transparent)]
    Email(#[from] EmailError),
    /// The HTTP client could not be built.
    #[error("cannot set up webhook delivery: {0}")]
    Webhook(String),
}

/// The scheduler and the delivery loop over one store.
#[derive(Debug)]
pub struct Worker {
    store: Arc<Store>,
    config: NotifyConfig,
    channels: Vec<Arc<Channel>>,
}

impl Worker {
    /// Checks the configuration and sets up the channels.
    pub fn new(store: Arc<Store>, config: NotifyConfig) -> Result<Worker, StartError> {
        let mut channels = Vec::new();
        if let Some(w) = &config.webhook {
            let webhook =
                Webhook::new(w.clone()).map_err(|e| StartError::Webhook(e.to_string()))?;
            channels.push(Arc::new(Channel::Webhook(webhook)));
        }
        if let Some(e) = &config.email {
            channels.push(Arc::new(Channel::Email(Box::new(Email::new(e)?))));
        }
        if channels.is_empty() {
            tracing::warn!(
                "no delivery channel configured: notifications are kept in the outbox \
                 and delivered once a webhook or SMTP server is configured"
            );
        }
        Ok(Worker {
            store,
            config,
            channels,
        })
    }

    /// The names of the configured channels.
    pub fn channel_names(&self) -> Vec<&'static str> {
        self.channels.iter().map(|c| c.name()).collect()
    }

    /// Runs the scheduler (if enabled) and delivery (if a channel is
    /// configured) until `shutdown` turns true.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let mut tasks = JoinSet::new();
        if this.config.scheduler {
            let (w, s) = (Arc::clone(&this), shutdown.clone());
            tasks.spawn(async move { w.schedule(s).await });
        } else {
            tracing::info!("deadline scheduler disabled");
        }
        if !this.channels.is_empty() {
            tracing::info!(channels = ?this.channel_names(), "notification delivery running");
            let (w, s) = (Arc::clone(&this), shutdown.clone());
            tasks.spawn(async move { w.deliver_loop(s).await });
        }
        while tasks.join_next().await.is_some() {}
    }

    async fn schedule(&self, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(self.config.sweep_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.changed() => return,
            }
            self.sweep_once().await;
        }
    }

    /// One scheduler pass: sweeps until no due deadline is left.
    pub async fn sweep_once(&self) {
        loop {
            match self.store.sweep_deadlines(Utc::now(), SWEEP_BATCH).await {
                Ok(r) => {
                    if r.passed > 0 || r.failed > 0 {
                        tracing::info!(
                            passed = r.passed,
                            failed = r.failed,
                            already_handled = r.already_handled,
                            "deadline sweep"
                        );
                    }
                    if r.skipped || (r.passed + r.already_handled + r.failed) < SWEEP_BATCH as usize
                    {
                        return;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "deadline sweep failed; retrying next tick");
                    return;
                }
            }
        }
    }

    async fn deliver_loop(&self, mut shutdown: watch::Receiver<bool>) {
        let mut changes = self.store.subscribe_changes();
        let mut tick = tokio::time::interval(self.config.deliver_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = changes.recv() => {
                    // Let the rest of a burst arrive, then take it in one pass.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    while changes.try_recv().is_ok() {}
                }
                _ = shutdown.changed() => return,
            }
            self.deliver_once().await;
        }
    }

    /// One delivery pass: queues new notifications, then sends everything
    /// due until nothing is left.
    pub async fn deliver_once(&self) {
        let route = |role: &str, recipient: Option<&str>| -> Vec<String> {
            self.channels
                .iter()
                .filter(|c| c.serves(role, recipient))
                .map(|c| c.name().to_owned())
                .collect()
        };
        loop {
            match self
                .store
                .queue_notifications(route, Utc::now(), SWEEP_BATCH)
                .await
            {
                Ok(n) if n as u64 == SWEEP_BATCH => continue,
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = %e, "could not queue notifications");
                    return;
                }
            }
        }
        let names: Vec<String> = self.channels.iter().map(|c| c.name().to_owned()).collect();
        loop {
            let claimed = match self
                .store
                .claim_deliveries(&names, Utc::now(), self.config.policy.lease, CLAIM_BATCH)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "could not claim deliveries");
                    return;
                }
            };
            let count = claimed.len() as u64;
            let mut sends = JoinSet::new();
            for d in claimed {
                let Some(channel) = self.channels.iter().find(|c| c.name() == d.channel) else {
                    continue;
                };
                let channel = Arc::clone(channel);
                let message =
                    Message::new(&self.store, d.notification.clone(), &self.config.public_url);
                sends.spawn(async move {
                    let outcome = channel.send(&message).await;
                    (d, outcome)
                });
            }
            while let Some(joined) = sends.join_next().await {
                let Ok((d, outcome)) = joined else { continue };
                self.settle(&d, outcome).await;
            }
            if count < CLAIM_BATCH {
                return;
            }
        }
    }

    async fn settle(&self, d: &ClaimedDelivery, outcome: Result<(), String>) {
        let error = outcome.as_ref().err().cloned();
        match self
            .store
            .settle_delivery(d, outcome, Utc::now(), &self.config.policy)
            .await
        {
            Ok(Some("delivered")) => tracing::info!(
                notification = %d.notification.id, channel = %d.channel, attempt = d.attempt,
                "notification delivered"
            ),
            Ok(Some("dead")) => tracing::error!(
                notification = %d.notification.id, channel = %d.channel, attempt = d.attempt,
                error = error.as_deref().unwrap_or_default(),
                "notification undeliverable after the last attempt: see `varna outbox list --status dead`"
            ),
            Ok(Some(_)) => tracing::warn!(
                notification = %d.notification.id, channel = %d.channel, attempt = d.attempt,
                error = error.as_deref().unwrap_or_default(),
                retry_in = ?self.config.policy.backoff(d.attempt),
                "notification delivery failed; will retry"
            ),
            Ok(None) => tracing::warn!(
                notification = %d.notification.id, channel = %d.channel,
                "delivery lease ran out before the attempt finished; another worker owns it now"
            ),
            Err(e) => tracing::error!(
                notification = %d.notification.id, error = %e,
                "could not record a delivery; it will be attempted again after its lease"
            ),
        }
    }
}
