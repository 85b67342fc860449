//! Running a GraphQL document as the signed-in person: the same schema,
//! principal and per-request access log as `POST /graphql`.

use async_graphql::{Request, Variables};
use serde_json::Value;
use varna_api::Principal;
use varna_api::VarnaSchema;

/// One GraphQL error, as the pages need it: codes, never the API's
/// English message (the pages word every error in the reader's language).
#[derive(Debug, Clone, Default)]
pub(crate) struct GqlError {
    pub(crate) code: String,
    /// `INVALID_INPUT`: the field at fault.
    pub(crate) field: Option<String>,
    /// `INVALID_INPUT`: what is wrong with it (`EMPTY`, `TOO_LONG`, …).
    pub(crate) problem: Option<String>,
    /// `GUARD_FAILED`: the required fields that were missing.
    pub(crate) missing: Vec<String>,
    /// `GUARD_FAILED`: the conditions not met (`outcome must be …`).
    pub(crate) failed: Vec<String>,
}

/// Executes `query` with `variables` as `principal`; the data, or the errors.
pub(crate) async fn run(
    schema: &VarnaSchema,
    principal: &varna_api::Principal,
    query: &str,
    variables: Value,
) -> Result<Value, Vec<GqlError>> {
    let request = Request::new(query)
        .variables(Variables::from_json(variables))
        .data::<Principal>(principal.clone());
    let response = schema.execute(request).await;
    if !response.errors.is_empty() {
        return Err(response
            .errors
            .into_iter()
            .map(|e| {
                let ext = |name: &str| {
                    e.extensions
                        .as_ref()
                        .and_then(|x| x.get(name))
                        .and_then(|v| v.clone().into_json().ok())
                };
                GqlError {
                    code: ext("code")
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_else(|| "INVALID_INPUT".into()),
                    field: ext("field").and_then(|v| v.as_str().map(str::to_owned)),
                    problem: ext("problem").and_then(|v| v.as_str().map(str::to_owned)),
                    missing: ext("missing")
                        .and_then(|v| serde_json::from_value(v).ok())
                        .unwrap_or_default(),
                    failed: ext("failed")
                        .and_then(|v| serde_json::from_value(v).ok())
                        .unwrap_or_default(),
                }
            })
            .collect());
    }
    Ok(response.data.into_json().unwrap_or(Value::Null))
}
