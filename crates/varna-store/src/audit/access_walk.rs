//! The walk over the access log's own chain, one read at a time, whoever
//! reads the rows: `chain_seq` runs 1, 2, 3, … without gaps, each row
//! links to the one before and recomputes, the chain ends at
//! `access_head`, and the log holds at least the reads every checkpoint
//! counted, with the head it signed.

use chrono::{DateTime, Utc};

use super::{Break, BreakKind, brk};
use crate::chain::{self, GENESIS};

/// One read of the access log as the walk checks it, borrowed from its row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AccessRow<'a> {
    pub(crate) chain_seq: i64,
    pub(crate) actor_id: &'a str,
    pub(crate) actor_role: &'a str,
    pub(crate) case_id: &'a str,
    pub(crate) purpose: &'a str,
    pub(crate) at: DateTime<Utc>,
    pub(crate) prev_hash: Option<&'a str>,
    pub(crate) hash: Option<&'a str>,
}

/// Where the walk stands.
#[derive(Debug)]
pub(crate) struct AccessWalk {
    /// The signed checkpoints' (reads, head), in order; those before
    /// `next_signed` are checked.
    signed: Vec<(u64, String)>,
    next_signed: usize,
    seq: i64,
    prev: String,
}

impl AccessWalk {
    /// A walk from the start, against the checkpoints' signed access
    /// heads (reads, hash).
    pub(crate) fn new(mut signed: Vec<(u64, String)>) -> AccessWalk {
        signed.retain(|(n, _)| *n > 0);
        signed.sort_unstable();
        AccessWalk {
            signed,
            next_signed: 0,
            seq: 0,
            prev: GENESIS.to_owned(),
        }
    }

    /// The last read checked (0 before the first).
    pub(crate) fn seq(&self) -> i64 {
        self.seq
    }

    /// Checks the next read; the first break found.
    pub(crate) fn check(&mut self, r: &AccessRow<'_>) -> Option<Break> {
        let (seq, at) = (self.seq, r.chain_seq);
        if at != seq + 1 {
            return broken(
                seq + 1,
                format!("read {} of the access chain", seq + 1),
                format!("read {at}: reads {} to {} are missing", seq + 1, at - 1),
            );
        }
        let hash = chain::access_hash(
            &self.prev,
            &chain::AccessContent {
                chain_seq: at,
                actor_id: r.actor_id,
                actor_role: r.actor_role,
                case_id: r.case_id,
                purpose: r.purpose,
                at: r.at,
            },
        );
        if r.prev_hash != Some(self.prev.as_str()) || r.hash != Some(hash.as_str()) {
            return broken(at, hash, r.hash.unwrap_or_default());
        }
        while let Some((n, signed)) = self.signed.get(self.next_signed) {
            if *n != at.unsigned_abs() {
                break;
            }
            if *signed != hash {
                return broken(
                    at,
                    format!("{signed} (signed checkpoint)"),
                    format!("{hash}: the access log was rewritten up to read {at}"),
                );
            }
            self.next_signed += 1;
        }
        self.seq = at;
        self.prev = hash;
        None
    }

    /// The break the walk ends on, once every read is checked, against
    /// the recorded head (reads, hash): a moved head, or reads a
    /// checkpoint counted that are gone.
    pub(crate) fn finish(&self, (head_seq, head_hash): (i64, &str)) -> Option<Break> {
        let (seq, prev) = (self.seq, &self.prev);
        if head_seq != seq || head_hash != prev {
            return broken(
                head_seq,
                format!("{head_seq} reads ending in {head_hash}"),
                format!("{seq} reads ending in {prev}"),
            );
        }
        if let Some((n, _)) = self.signed.get(self.next_signed) {
            return broken(
                i64::try_from(*n).unwrap_or(i64::MAX),
                format!("at least {n} reads (signed checkpoint)"),
                format!("{seq} reads: reads {} to {n} were deleted", seq + 1),
            );
        }
        None
    }
}

fn broken(seq: i64, expected: String, found: impl Into<String>) -> Option<Break> {
    Some(brk(
        BreakKind::AccessLogBroken,
        None,
        None,
        Some(seq),
        expected,
        found,
    ))
}
