//! The public form a lifecycle may offer (`[public]`): anyone files without
//! signing in, as the [`Role::Sender`](crate::Role::Sender), gets a receipt
//! code, and comes back with it to read the answer and add to it.

use std::collections::BTreeMap;

use super::Label;
use crate::case::Fields;
use crate::vocab::Lagrum;

/// What the public form asks, what every public filing carries, and what
/// the sender reads back with their receipt code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicIntake {
    /// The form's heading.
    pub title: Label,
    /// What the form says first (who it is for, that no name is needed).
    pub intro: Label,
    /// What the page with the receipt code says.
    pub receipt: Label,
    /// The fields the sender fills in, in form order.
    pub asks: Vec<String>,
    /// The sender's words for a field asked or shown, where the file's
    /// label is the staff's.
    pub labels: BTreeMap<String, Label>,
    /// Values every public filing carries (the sender kind, how it came in).
    pub sets: Fields,
    /// Date fields set to the day the form is sent.
    pub dated: Vec<String>,
    /// The question that decides the lagrum, one answer per lagrum in the
    /// sender's words (empty when the lifecycle has only one).
    pub lagrum: BTreeMap<Lagrum, Label>,
    /// The fields the sender reads back, as each step of the case set them.
    pub shows: Vec<String>,
    /// The transition the sender takes to add to the case (its role list
    /// names `sender`).
    pub reply: String,
    /// The field `reply` sets with the sender's text.
    pub reply_field: String,
}
