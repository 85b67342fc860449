//! The affected person's personnummer, kept in `case_person` apart from the
//! log (so it can be searched, and one day gallrad, without touching an
//! event), and bound to the log by a salted commitment in the filing event
//! (`varna_chain::person_commitment`): a personnummer swapped or removed
//! beside the log shows in `audit verify`.

use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, Statement, StreamTrait};
use serde::Deserialize;
use varna_workflow::{Event, EventKind, Personnummer};

use crate::backend::one_case;
use crate::chain::person_commitment;
use crate::error::{Error, Result};

/// A new random salt (128 bits, hex).
pub(crate) fn new_salt() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Commits the filing event `first` to `person`: returns the salt to store
/// beside the personnummer.
pub(crate) fn commit(first: &mut Event, person: &Personnummer) -> Result<String> {
    let EventKind::Filed { person: slot, .. } = &mut first.kind else {
        return Err(Error::Corrupt(
            "a filing does not start with its filing event".into(),
        ));
    };
    let salt = new_salt();
    *slot = Some(person_commitment(&salt, person.digits()));
    Ok(salt)
}

/// What the personnummer rows say against the filings' commitments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersonCheck {
    /// Rows checked against a commitment, and matching it.
    pub proven: u64,
    /// Rows from before commitments (no salt, no commitment): not provable.
    pub unproven: u64,
    /// Rows that do not match their filing's commitment, or that have none
    /// while carrying a salt, or that belong to no case.
    pub changed: u64,
    /// Filings that committed to a person whose row is gone.
    pub removed: u64,
}

impl PersonCheck {
    /// No row changed or removed.
    pub fn agrees(&self) -> bool {
        self.changed == 0 && self.removed == 0
    }
}

#[derive(Deserialize)]
struct Filing {
    #[serde(default)]
    person: Option<String>,
}

/// Checks the personnummer rows of one case (`Some(id)`) or of all.
pub(crate) async fn check<C: ConnectionTrait + StreamTrait>(
    db: &C,
    case: Option<&str>,
) -> Result<PersonCheck> {
    let backend = ConnectionTrait::get_database_backend(db);
    let (filter, values) = one_case(backend, "e.case_id", case);
    let sql = format!(
        "SELECT e.payload AS payload, cp.personnummer AS personnummer, cp.salt AS salt \
         FROM event e LEFT JOIN case_person cp ON cp.case_id = e.case_id \
         WHERE e.sequence = 1{filter}"
    );
    let mut out = PersonCheck::default();
    {
        let rows = db
            .stream_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        let mut rows = std::pin::pin!(rows);
        while let Some(row) = rows.next().await {
            let row = row?;
            let payload: String = row.try_get("", "payload")?;
            let digits: Option<String> = row.try_get("", "personnummer")?;
            let salt: Option<String> = row.try_get("", "salt")?;
            let filing: Filing = serde_json::from_str(&payload)
                .map_err(|e| Error::Corrupt(format!("a filing event does not parse: {e}")))?;
            match (filing.person, digits, salt) {
                (None, None, _) => {}
                (Some(_), None, _) => out.removed += 1,
                (None, Some(_), None) => out.unproven += 1,
                (None, Some(_), Some(_)) => out.changed += 1,
                (Some(_), Some(_), None) => out.changed += 1,
                (Some(committed), Some(digits), Some(salt)) => {
                    if person_commitment(&salt, &digits) == committed {
                        out.proven += 1;
                    } else {
                        out.changed += 1;
                    }
                }
            }
        }
    }
    let (filter, values) = one_case(backend, "cp.case_id", case);
    let orphans = format!(
        "SELECT COUNT(*) AS n FROM case_person cp WHERE NOT EXISTS \
         (SELECT 1 FROM event e WHERE e.case_id = cp.case_id AND e.sequence = 1){filter}"
    );
    if let Some(row) = db
        .query_one_raw(Statement::from_sql_and_values(backend, orphans, values))
        .await?
    {
        let n: i64 = row.try_get("", "n")?;
        out.changed += u64::try_from(n).unwrap_or(0);
    }
    Ok(out)
}
