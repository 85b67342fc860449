//! Delivery by webhook: an HTTP POST of the message as JSON, signed with
//! HMAC-SHA256 over the exact body bytes.
//!
//! Headers: `Idempotency-Key` and `X-Varna-Notification-Id` carry the
//! notification id (the same on every retry: receivers drop repeats by it);
//! `X-Varna-Signature: sha256=<hex>` is `HMAC-SHA256(secret, body)`. Any 2xx
//! answer counts as delivered; anything else, or no answer within the
//! timeout, is a failed attempt.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::message::Message;

/// The signature header's name.
pub const SIGNATURE_HEADER: &str = "x-varna-signature";

/// Where and how to post.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// The receiver's URL.
    pub url: String,
    /// The shared secret the body is signed with.
    pub secret: String,
    /// How long to wait for an answer.
    pub timeout: Duration,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"***")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[derive(Debug)]
pub(crate) struct Webhook {
    config: WebhookConfig,
    client: reqwest::Client,
}

impl Webhook {
    pub(crate) fn new(config: WebhookConfig) -> Result<Webhook, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("varna/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Webhook { config, client })
    }

    /// Posts one message. The error describes the failure without content.
    pub(crate) async fn send(&self, message: &Message) -> Result<(), String> {
        let body = serde_json::to_vec(&message.json()).expect("messages serialise");
        let signature = sign(&self.config.secret, &body);
        let id = &message.notification.id;
        let response = self
            .client
            .post(&self.config.url)
            .header("content-type", "application/json")
            .header("idempotency-key", id)
            .header("x-varna-notification-id", id)
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }
}

/// A transport error in a few words (never the URL's query or the body).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else if e.is_request() {
        "request failed".into()
    } else {
        "transport error".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
