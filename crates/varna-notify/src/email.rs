//! Delivery by e-mail over SMTP: a short Swedish text with the link to the
//! case, sent to the addresses configured for the notified role.
//!
//! The `Message-ID` is `<notification-id@sender-domain>` and the header
//! `X-Varna-Notification-Id` carries the id, so a resent message (a worker
//! died after sending, before recording it) can be recognised as the same.

use std::collections::BTreeMap;

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use crate::message::Message;

/// How to reach the mail server and whom to tell.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailConfig {
    /// `smtp://host:port` (plain, for a local relay), `smtp://host?tls=required`
    /// (STARTTLS) or `smtps://host` (TLS); user and password may be in the URL.
    pub url: String,
    /// The sender, e.g. `Varna <varna@kommun.se>`.
    pub from: String,
    /// Recipients by role id (`sas` → the SAS's mailbox, …). Roles without
    /// recipients are not e-mailed.
    pub recipients: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        let url = match self.url.split_once('@') {
            Some((_, host)) => format!("smtp://***@{host}"),
            None => self.url.clone(),
        };
        f.debug_struct("EmailConfig")
            .field("url", &url)
            .field("from", &self.from)
            .field("roles", &self.recipients.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What is wrong with an e-mail configuration.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The SMTP URL does not parse.
    #[error("invalid SMTP URL: {0}")]
    Url(String),
    /// An address does not parse.
    #[error("invalid e-mail address \"{0}\"")]
    Address(String),
}

pub(crate) struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
    recipients: BTreeMap<String, Vec<Mailbox>>,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email").field("from", &self.from).finish()
    }
}

fn mailbox(text: &str) -> Result<Mailbox, EmailError> {
    text.trim()
        .parse()
        .map_err(|_| EmailError::Address(text.to_owned()))
}

impl Email {
    pub(crate) fn new(config: &EmailConfig) -> Result<Email, EmailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
            .map_err(|e| EmailError::Url(e.to_string()))?;
        let transport = transport.build();
        let from = mailbox(&config.from)?;
        let domain = from.email.domain().to_owned();
        let recipients = config
            .recipients
            .iter()
            .map(|(role, list)| {
                let boxes = list
                    .iter()
                    .map(|a| mailbox(a))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((role.clone(), boxes))
            })
            .collect::<Result<_, EmailError>>()?;
        Ok(Email {
            transport,
            from,
            domain,
            recipients,
        })
    }

    /// Whether messages to `role` go by e-mail.
    pub(crate) fn serves(&self, role: &str) -> bool {
        self.recipients.get(role).is_some_and(|r| !r.is_empty())
    }

    pub(crate) async fn send(&self, message: &Message) -> Result<(), String> {
        let n = &message.notification;
        let Some(to) = self.recipients.get(&n.role).filter(|r| !r.is_empty()) else {
            return Err(format!("no recipients for role {}", n.role));
        };
        let mut builder = lettre::Message::builder()
            .from(self.from.clone())
            .subject(format!("[Varna] {}", message.summary))
            .message_id(Some(format!("<{}@{}>", n.id, self.domain)))
            .header(ContentType::TEXT_PLAIN);
        for mailbox in to {
            builder = builder.to(mailbox.clone());
        }
        let mut email = builder
            .body(format!(
                "{}\n\nÖppna ärendet i Varna: {}\n\nRoll: {}\n\n\
                 Meddelandet innehåller inga uppgifter ur ärendet; logga in i Varna för att läsa det.\n\
                 Notifierings-id: {}\n",
                message.summary, message.case_url, n.role, n.id
            ))
            .map_err(|_| "could not build the message".to_owned())?;
        email.headers_mut().insert_raw(HeaderValue::new(
            HeaderName::new_from_ascii_str("X-Varna-Notification-Id"),
            n.id.clone(),
        ));
        self.transport.send(email).await.map(|_| ()).map_err(|e| {
            if let Some(code) = e.status() {
                format!("SMTP {code}")
            } else if e.is_timeout() {
                "timed out".to_owned()
            } else {
                "could not reach the mail server".to_owned()
            }
        })
    }
}
