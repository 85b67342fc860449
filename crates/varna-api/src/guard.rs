//! What every GraphQL operation passes before it runs, on every transport
//! (HTTP, WebSocket, the web pages): a fresh per-operation access-log
//! record ([`RequestReads`]), and on a WebSocket a fresh check of the
//! socket's token, so an expired or revoked sign-in runs nothing more.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Pos, Request, ServerResult};

use crate::auth::{AuthConfig, AuthError, SignIn};
use crate::error::{Code, error};
use varna_app::Reads as RequestReads;

/// The sign-in a WebSocket connection was opened with (connection data).
#[derive(Debug, Clone)]
pub(crate) struct SocketToken {
    pub(crate) sign_in: SignIn,
    pub(crate) auth: Arc<AuthConfig>,
}

impl SocketToken {
    /// The principal, while the sign-in still holds (not expired to the
    /// second — the socket closes then too — and not revoked).
    pub(crate) fn check(&self) -> Result<crate::Principal, AuthError> {
        self.auth.still_holds(&self.sign_in)?;
        Ok(self.sign_in.principal.clone())
    }
}

/// The extension that runs [`SocketToken::check`] and gives each operation
/// its own [`RequestReads`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct OperationGuard;

impl ExtensionFactory for OperationGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OperationGuard)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for OperationGuard {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let mut request = request.data(RequestReads::default());
        if let Some(socket) = ctx.data_opt::<SocketToken>() {
            match socket.check() {
                Ok(principal) => request = request.data(principal),
                Err(e) => {
                    tracing::info!(reason = %e, "an operation on a WebSocket was refused: its sign-in no longer holds");
                    return Err(error(Code::Unauthenticated, e.to_string())
                        .into_server_error(Pos::default()));
                }
            }
        }
        next.run(ctx, request).await
    }
}
