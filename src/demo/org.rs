//! The demo organisation as data: Exempelkommunen's units, a person for
//! every role, and how many cases of each kind a demo year holds. Shared by
//! `varna serve --demo` (through [`super::load`]) and the tests.

use varna_web::DemoPerson;
use varna_workflow::{Lagrum, Role};

/// A unit of the demo organisation and the law its work falls under.
#[derive(Debug, Clone, Copy)]
pub struct DemoUnit {
    /// The unit's code (`linden`).
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Its verksamhetsområde's code.
    pub area: &'static str,
    /// Its verksamhetsområde's name.
    pub area_name: &'static str,
    /// The law its cases are filed under.
    pub lagrum: Lagrum,
}

/// The demo's units, in äldreomsorg, hemtjänst, LSS and hälso- och sjukvård.
pub const UNITS: [DemoUnit; 7] = [
    DemoUnit {
        id: "linden",
        name: "Lindens vård- och omsorgsboende",
        area: "aldreomsorg",
        area_name: "Äldreomsorg, vård- och omsorgsboende",
        lagrum: Lagrum::Sol,
    },
    DemoUnit {
        id: "ekbacken",
        name: "Ekbackens vård- och omsorgsboende",
        area: "aldreomsorg",
        area_name: "Äldreomsorg, vård- och omsorgsboende",
        lagrum: Lagrum::Sol,
    },
    DemoUnit {
        id: "hemtjanst-norr",
        name: "Hemtjänst Norr",
        area: "hemtjanst",
        area_name: "Ordinärt boende, hemtjänst",
        lagrum: Lagrum::Sol,
    },
    DemoUnit {
        id: "hemtjanst-soder",
        name: "Hemtjänst Söder",
        area: "hemtjanst",
        area_name: "Ordinärt boende, hemtjänst",
        lagrum: Lagrum::Sol,
    },
    DemoUnit {
        id: "lss-solrosen",
        name: "Gruppbostaden Solrosen",
        area: "lss",
        area_name: "LSS-boende och daglig verksamhet",
        lagrum: Lagrum::Lss,
    },
    DemoUnit {
        id: "lss-daglig-verksamhet",
        name: "Daglig verksamhet Verkstan",
        area: "lss",
        area_name: "LSS-boende och daglig verksamhet",
        lagrum: Lagrum::Lss,
    },
    DemoUnit {
        id: "hsl-hemsjukvard",
        name: "Kommunal hemsjukvård",
        area: "hsl",
        area_name: "Hälso- och sjukvård",
        lagrum: Lagrum::Hsl,
    },
];

/// The demo's people: a user for every role, with their units.
pub fn people() -> Vec<DemoPerson> {
    let u = |id: &str, name: &str, title: &str, role, units: &[&str]| DemoPerson {
        user_id: id.into(),
        name: name.into(),
        title: title.into(),
        role,
        units: units.iter().map(|s| (*s).to_owned()).collect(),
    };
    vec![
        u(
            "rep-linden",
            "Maja Lind",
            "Undersköterska",
            Role::Reporter,
            &["linden"],
        ),
        u(
            "rep-norr",
            "Ali Hassan",
            "Vårdbiträde",
            Role::Reporter,
            &["hemtjanst-norr"],
        ),
        u(
            "um-linden",
            "Eva Berg",
            "Enhetschef",
            Role::UnitManager,
            &["linden", "ekbacken"],
        ),
        u(
            "um-hemtjanst",
            "Johan Ek",
            "Enhetschef",
            Role::UnitManager,
            &["hemtjanst-norr", "hemtjanst-soder"],
        ),
        u(
            "um-lss",
            "Sofia Nyberg",
            "Enhetschef",
            Role::UnitManager,
            &["lss-solrosen", "lss-daglig-verksamhet"],
        ),
        u(
            "um-hsl",
            "Karin Holm",
            "Enhetschef hemsjukvård",
            Role::UnitManager,
            &["hsl-hemsjukvard"],
        ),
        u(
            "vc-1",
            "Lars Sundin",
            "Verksamhetschef",
            Role::OperationsManager,
            &["linden", "ekbacken", "hemtjanst-norr", "hemtjanst-soder"],
        ),
        u(
            "sas-1",
            "Sara Samordnare",
            "Socialt ansvarig samordnare",
            Role::Sas,
            &[],
        ),
        u(
            "sas-2",
            "Nils Utredare",
            "Utredare, socialt ansvarig samordnare",
            Role::Sas,
            &[],
        ),
        u(
            "mas-1",
            "Mats Andersson",
            "Medicinskt ansvarig sjuksköterska",
            Role::Mas,
            &[],
        ),
        u(
            "mar-1",
            "Rut Persson",
            "Medicinskt ansvarig för rehabilitering",
            Role::Mar,
            &[],
        ),
        u(
            "committee-1",
            "Anders Wik",
            "Ordförande, socialnämndens arbetsutskott",
            Role::Committee,
            &[],
        ),
        u(
            "auditor-1",
            "Ingrid Revisor",
            "Kvalitetsutvecklare",
            Role::Auditor,
            &[],
        ),
        u(
            "admin-1",
            "Olof System",
            "Systemförvaltare",
            Role::Admin,
            &[],
        ),
    ]
}

/// The demo's people who act at `unit`: those of the unit, and those of
/// the whole organisation (who have no units).
pub fn people_at(unit: &str) -> Vec<DemoPerson> {
    people()
        .into_iter()
        .filter(|p| p.units.is_empty() || p.units.iter().any(|u| u == unit))
        .collect()
}

/// How many demo cases of each kind with a hand-written story (about a
/// year's worth, in the proportions of a mid-sized municipality's demo).
/// Every other lifecycle in the catalog gets
/// [`generic_count`](super::generic::generic_count) generated cases.
pub const PLAN: [(&str, usize); 4] = [
    ("avvikelse", 220),
    ("klagomal", 40),
    ("lex-sarah", 24),
    ("lex-maria", 16),
];
