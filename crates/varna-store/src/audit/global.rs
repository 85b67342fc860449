//! The walk over the global chain in `global_seq` order: 1, 2, 3, …
//! without gaps, each link recomputed from the one before and the event's
//! own hash, every signed checkpoint's head found at its size, and the
//! chain ending at the recorded head.

use super::{Break, BreakKind, brk, not_extended};
use crate::chain::checkpoint::Checkpoint;
use crate::chain::{self, GENESIS};

/// One link of the global chain as the walk reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link<'a> {
    pub(crate) global_seq: i64,
    /// The event's own hash.
    pub(crate) hash: &'a str,
    /// The global chain's hash after it, as stored.
    pub(crate) global_hash: &'a str,
    pub(crate) case_id: &'a str,
    pub(crate) sequence: i64,
}

/// Where the walk over the global chain stands.
#[derive(Debug)]
pub(crate) struct GlobalWalk<'c> {
    /// The global sequence the next link must have.
    expected_seq: i64,
    /// The chain's hash so far.
    global: String,
    /// Checkpoints not yet reached, smallest first (all of size > 0).
    pending: std::iter::Peekable<std::vec::IntoIter<&'c Checkpoint>>,
    /// The largest checkpoint size known good so far.
    good: u64,
}

impl<'c> GlobalWalk<'c> {
    /// A walk from the start of the chain, against `checkpoints`.
    pub(crate) fn new(checkpoints: &'c [Checkpoint]) -> Self {
        // A checkpoint of the empty log commits to nothing.
        let mut pending: Vec<&Checkpoint> = checkpoints.iter().filter(|c| c.size > 0).collect();
        pending.sort_by_key(|c| c.size);
        GlobalWalk {
            expected_seq: 1,
            global: GENESIS.to_owned(),
            pending: pending.into_iter().peekable(),
            good: 0,
        }
    }

    /// A walk that goes on from a link already proven (a signed
    /// checkpoint's size and head), with no checkpoint ahead of it.
    pub(crate) fn resume(seq: i64, global: String) -> Self {
        GlobalWalk {
            expected_seq: seq + 1,
            global,
            pending: Vec::new().into_iter().peekable(),
            good: 0,
        }
    }

    /// The global sequence the next link must have (where a paged read
    /// goes on from).
    pub(crate) fn next_seq(&self) -> i64 {
        self.expected_seq
    }

    /// The chain's length so far: links checked, and those proven before
    /// a resumed walk.
    pub(crate) fn done(&self) -> u64 {
        u64::try_from(self.expected_seq - 1).unwrap_or_default()
    }

    /// Checks the next link; the first break found.
    pub(crate) fn check(&mut self, link: &Link<'_>) -> Option<Break> {
        let expected_seq = self.expected_seq;
        if link.global_seq != expected_seq {
            return Some(brk(
                BreakKind::GlobalGap,
                None,
                None,
                Some(expected_seq),
                format!("global sequence {expected_seq}"),
                format!(
                    "global sequence {} (the next event, of case {})",
                    link.global_seq, link.case_id
                ),
            ));
        }
        self.global = chain::global_hash(&self.global, link.hash);
        while let Some(cp) = self
            .pending
            .next_if(|c| c.size == expected_seq.unsigned_abs())
        {
            if cp.head != self.global {
                return Some(not_extended(cp, self.good, &self.global));
            }
            self.good = cp.size;
        }
        if self.global != link.global_hash {
            return Some(brk(
                BreakKind::GlobalHashChanged,
                Some(link.case_id),
                Some(link.sequence),
                Some(link.global_seq),
                self.global.clone(),
                link.global_hash.to_owned(),
            ));
        }
        self.expected_seq += 1;
        None
    }

    /// Once every link is checked: a checkpoint past the end (the tail it
    /// covered is gone), or a chain that does not end at the recorded
    /// head (`head`: its global sequence and hash).
    pub(crate) fn finish(mut self, head: (i64, &str)) -> Option<Break> {
        let last_seq = self.expected_seq - 1;
        if let Some(cp) = self.pending.next() {
            return Some(brk(
                BreakKind::CheckpointNotExtended,
                None,
                None,
                Some(i64::try_from(cp.size).unwrap_or(i64::MAX)),
                format!("at least {} events (signed checkpoint)", cp.size),
                format!(
                    "{last_seq} events: global sequences {} to {} were deleted",
                    last_seq + 1,
                    cp.size
                ),
            ));
        }
        let (head_seq, head_hash) = head;
        if head_seq != last_seq || head_hash != self.global {
            return Some(brk(
                BreakKind::HeadMismatch,
                None,
                None,
                Some(head_seq),
                format!("{head_seq} events ending in {head_hash}"),
                format!("{last_seq} events ending in {}", self.global),
            ));
        }
        None
    }
}
