//! A small graphql-transport-ws client: connect with a bearer token in the
//! connection_init payload, start subscriptions, read their next payloads.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A connected, acknowledged subscription client.
#[derive(Debug)]
pub struct GraphqlWs {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The server's close frame (code, reason), once one came.
    closed: Option<(u16, String)>,
}

impl GraphqlWs {
    /// Connects to `url` (`ws://127.0.0.1:…/graphql/ws`) and sends
    /// connection_init with `{"Authorization": "Bearer <token>"}`. Returns
    /// the server's refusal as text when it does not acknowledge.
    pub async fn connect(url: &str, token: &str) -> Result<GraphqlWs, String> {
        let mut client = GraphqlWs::open(url).await?;
        let init = json!({
            "type": "connection_init",
            "payload": { "Authorization": format!("Bearer {token}") }
        });
        client
            .socket
            .send(Message::text(init.to_string()))
            .await
            .map_err(|e| e.to_string())?;
        match client.next_message(Duration::from_secs(10)).await {
            Some(m) if m["type"] == "connection_ack" => Ok(client),
            Some(m) => Err(m.to_string()),
            None => Err("closed without acknowledging".into()),
        }
    }

    /// Opens the socket and sends nothing (not even connection_init).
    pub async fn open(url: &str) -> Result<GraphqlWs, String> {
        let mut request = url.into_client_request().map_err(|e| e.to_string())?;
        request.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("header value"),
        );
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(|e| e.to_string())?;
        Ok(GraphqlWs {
            socket,
            closed: None,
        })
    }

    /// Runs a query or mutation as operation `id` and returns its payload
    /// (`{"data": …}` or `{"errors": …}`), or `None` when nothing came.
    pub async fn query(&mut self, id: &str, query: &str, variables: Value) -> Option<Value> {
        self.subscribe(id, query, variables).await;
        loop {
            let (from, payload) = self.next(Duration::from_secs(10)).await?;
            if from == id && payload.get("complete").is_none() {
                return Some(payload);
            }
        }
    }

    /// Waits up to `wait` for the server to close the socket: its close
    /// code and reason (1006 when it went without a close frame), or
    /// `None` when it stayed open. Other messages are passed over.
    pub async fn closed(&mut self, wait: Duration) -> Option<(u16, String)> {
        let until = tokio::time::Instant::now() + wait;
        loop {
            if let Some(close) = &self.closed {
                return Some(close.clone());
            }
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.socket.next()).await {
                Err(_) => return None,
                Ok(None | Some(Err(_))) => return Some((1006, "no close frame".into())),
                Ok(Some(Ok(Message::Close(frame)))) => {
                    self.closed = Some(frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.to_string())
                    }));
                }
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Starts subscription `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let start = json!({
            "id": id, "type": "subscribe",
            "payload": { "query": query, "variables": variables }
        });
        self.socket
            .send(Message::text(start.to_string()))
            .await
            .expect("subscribe");
    }

    /// The next `next` payload (`{"data": …}` or `{"errors": …}`) for any
    /// subscription, with its id, or `{"complete": true}` when the server
    /// ended one; `None` when nothing arrives within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<(String, Value)> {
        loop {
            let m = self.next_message(wait).await?;
            match m["type"].as_str() {
                Some("next") | Some("error") => {
                    return Some((
                        m["id"].as_str().unwrap_or_default().to_owned(),
                        m["payload"].clone(),
                    ));
                }
                Some("complete") => {
                    return Some((
                        m["id"].as_str().unwrap_or_default().to_owned(),
                        json!({ "complete": true }),
                    ));
                }
                Some("ping") => {
                    let _ = self
                        .socket
                        .send(Message::text(json!({ "type": "pong" }).to_string()))
                        .await;
                }
                _ => {}
            }
        }
    }

    async fn next_message(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(wait, self.socket.next())
                .await
                .ok()??;
            match frame.ok()? {
                Message::Text(t) => return serde_json::from_str(t.as_str()).ok(),
                Message::Close(frame) => {
                    self.closed = Some(frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.to_string())
                    }));
                    return None;
                }
                _ => {}
            }
        }
    }
}
