//! The demo organisation of `varna serve --demo`, as data shared by the
//! server, the tests and the benchmark harness: who and what it holds
//! ([`org`]), how its cases are filed and walked through their lifecycles
//! ([`cases`] for the kinds with a hand-written story, [`generic`] for
//! every other lifecycle in the catalog), and loading it into a store
//! ([`load()`]).

pub mod cases;
pub mod generic;
mod load;
pub mod org;

pub use cases::{Dice, Step, actor, filing, steps};
pub use generic::{Aim, GeneratedCase, Generator, generic_count};
pub use load::{ensure_demo_database, load};
pub use varna_web::DemoPerson;

/// What the demo contains.
#[derive(Debug)]
pub struct DemoOrganisation {
    /// Its people, for the web's sign-in page and the printed tokens.
    pub users: Vec<DemoPerson>,
    /// Its unit codes.
    pub units: Vec<String>,
    /// Cases filed now (0 when the store already had cases).
    pub cases: usize,
}
