//! `varna-bench seed`: fills an empty database with a national-scale
//! organisation — units in seven verksamhetsområden, the four case kinds in
//! the proportions of municipal quality reports (and a few cases of every
//! other lifecycle in the catalog, from the demo's generic generator), full
//! event histories decided by the real engine with the demo's filings and
//! lifecycles, utredning journals — through the store's bulk import.

use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use varna_store::chain::normalise;
use varna_store::queries::CaseFilter;
use varna_store::{CaseId, ImportedCase, NewUnit, Store, StoreConfig};
use varna_workflow::{
    Catalog, Event, Facts, Lagrum, Personnummer, decide, decide_filing, evolve, replay,
};

use varna::demo::{self, Aim, DemoPerson, Dice, Generator};
use varna::progress::Ticker;

/// Verksamhetsområden of the generated organisation, with the lagrum their units work under.
const AREAS: [(&str, &str, Lagrum); 7] = [
    ("aldreomsorg", "Vård- och omsorgsboende", Lagrum::Sol),
    ("hemtjanst", "Ordinärt boende/hemtjänst", Lagrum::Sol),
    ("lss-boende", "LSS-boende", Lagrum::Lss),
    ("personlig-assistans", "Personlig assistans", Lagrum::Lss),
    ("socialpsykiatri", "Socialpsykiatri", Lagrum::Sol),
    (
        "myndighet",
        "Biståndskontoret/myndighetsutövning",
        Lagrum::Sol,
    ),
    ("hsl", "Hälso- och sjukvård", Lagrum::Hsl),
];

/// Cases per 10,000 by kind. A municipality's kvalitetsberättelse shows
/// thousands of avvikelser against tens of lex Sarah and lex Maria
/// reports (DOMAIN.md: 5,682 avvikelser and 18 lex Sarah in one year);
/// complaints are a few per hundred.
const MIX: [(&str, u64); 4] = [
    ("avvikelse", 9_440),
    ("klagomal", 500),
    ("lex-sarah", 35),
    ("lex-maria", 25),
];

/// Cases per 10,000 (besides [`MIX`]) of each other lifecycle in the
/// catalog, which the demo's generic generator makes from its file alone:
/// rare, like the reports to IVO the four kinds lead to.
const GENERIC_SHARE: u64 = 5;

/// Residents per unit whose personnummer recur across cases.
const PEOPLE_PER_UNIT: usize = 40;

/// What `varna-bench seed` generates.
#[derive(Debug, Clone)]
pub(crate) struct SeedPlan {
    pub(crate) cases: u64,
    pub(crate) from_year: i32,
    pub(crate) years: u32,
    pub(crate) units: Option<usize>,
    pub(crate) batch: usize,
    pub(crate) seed: u64,
}

struct Unit {
    id: String,
    lagrum: Lagrum,
    people: Vec<Personnummer>,
}

/// A valid personnummer from Skatteverket's test series (serial 980–999).
fn test_personnummer(unit: usize, k: usize) -> anyhow::Result<Personnummer> {
    let born = NaiveDate::from_ymd_opt(
        1925 + i32::try_from((unit * 7 + k) % 60).unwrap_or(0),
        1 + u32::try_from(k % 12).unwrap_or(0),
        1 + u32::try_from((unit + k) % 28).unwrap_or(0),
    )
    .context("a generated birth date")?;
    let serial = 980 + (unit + k) % 20;
    let body = format!("{}{serial:03}", born.format("%y%m%d"));
    let sum: u32 = body
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            let d = if i % 2 == 0 { d * 2 } else { d };
            d / 10 + d % 10
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    let text = format!("{}-{serial:03}{check}", born.format("%Y%m%d"));
    Personnummer::parse(&text, Utc::now().date_naive())
        .map_err(|e| anyhow::anyhow!("generated personnummer: {e}"))
}

fn units(count: usize) -> anyhow::Result<Vec<Unit>> {
    (0..count)
        .map(|i| {
            let (area, _, lagrum) = AREAS[i % AREAS.len()];
            Ok(Unit {
                id: format!("{area}-{i:05}"),
                lagrum,
                people: (0..PEOPLE_PER_UNIT)
                    .map(|k| test_personnummer(i, k))
                    .collect::<anyhow::Result<_>>()?,
            })
        })
        .collect()
}

/// The kinds to generate and their shares: [`MIX`], then every other
/// lifecycle of the catalog at [`GENERIC_SHARE`].
fn mix(catalog: &Catalog) -> Vec<(String, u64)> {
    let scripted = MIX.iter().map(|(k, share)| ((*k).to_owned(), *share));
    let generic = catalog
        .iter()
        .map(|def| def.name())
        .filter(|name| !MIX.iter().any(|(k, _)| k == name))
        .map(|name| (name.to_owned(), GENERIC_SHARE));
    scripted.chain(generic).collect()
}

/// One case's whole history, decided by the engine.
fn generate(
    catalog: &Catalog,
    (mix, people): (&[(String, u64)], &[DemoPerson]),
    units: &[Unit],
    dice: &mut Dice,
    variant: usize,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
) -> anyhow::Result<ImportedCase> {
    let total: u64 = mix.iter().map(|(_, share)| share).sum();
    let mut roll = u64::try_from(dice.below(usize::try_from(total)?)).unwrap_or(0);
    let kind = mix
        .iter()
        .find(|(_, share)| {
            let hit = roll < *share;
            roll = roll.saturating_sub(*share);
            hit
        })
        .map_or("avvikelse", |(k, _)| k.as_str());
    let scripted = MIX.iter().any(|(k, _)| *k == kind);
    let def = catalog
        .get(kind)
        .with_context(|| format!("no {kind} lifecycle in the catalog"))?;
    // The units whose lagrum the lifecycle takes, from its definition.
    let candidates: Vec<&Unit> = units
        .iter()
        .filter(|u| def.lagrum.contains(&u.lagrum))
        .collect();
    let unit = *dice.pick(&candidates);
    let span = (end - start).num_seconds().max(1);
    let offset = i64::try_from(dice.next_u64() % u64::try_from(span).unwrap_or(1)).unwrap_or(0);
    let filed_at = normalise(start + Duration::seconds(offset));
    // Escalations open a second case; the generator keeps to one case per history.
    let variant = if kind == "avvikelse" && variant % 9 == 4 {
        variant + 1
    } else {
        variant
    };
    let step_at = |n: usize| normalise(filed_at + Duration::hours(6 * n as i64));
    let (role, filing, steps) = if scripted {
        let (role, filing) = demo::filing(
            kind,
            unit.lagrum,
            &unit.id,
            variant,
            dice,
            filed_at - Duration::days(1),
        );
        (
            role,
            filing,
            demo::steps(kind, unit.lagrum, variant, &step_at),
        )
    } else {
        // Every demo person may act: the bench's units have no people.
        let generator = Generator {
            def,
            lagrum: unit.lagrum,
            unit: &unit.id,
            staff: people,
            spawns: false,
        };
        let case = generator
            .case(&Aim::Finish, dice, filed_at, &step_at)
            .with_context(|| format!("no demo role may file a {kind} case"))?;
        (case.role, case.filing, case.steps)
    };
    let facts = |role, now| Facts {
        actor: demo::actor(role, &unit.id),
        now,
    };
    let mut events: Vec<Event> = decide_filing(def, filing, &facts(role, filed_at))?.events;
    let mut case = replay(&events)?;
    // Cases from the last two months are still being worked on.
    let take = if filed_at < end - Duration::days(60) {
        steps.len()
    } else {
        dice.below(steps.len() + 1)
    };
    for (n, step) in steps.into_iter().take(take).enumerate() {
        let decision = decide(def, &case, step.command, &facts(step.role, step_at(n + 1)))?;
        for e in decision.events {
            case = evolve(case, &e);
            events.push(e);
        }
    }
    // A generated kind's file does not say whom its cases concern.
    let personnummer = (scripted && kind != "klagomal" && dice.below(2) == 0)
        .then(|| dice.pick(&unit.people).clone());
    Ok(ImportedCase {
        id: CaseId::generate(),
        events,
        personnummer,
    })
}

/// `varna-bench seed`.
pub(crate) async fn seed(
    config: &StoreConfig,
    workflows: &std::path::Path,
    plan: SeedPlan,
) -> anyhow::Result<ExitCode> {
    let catalog = varna::workflows::load_catalog(workflows)?;
    let store = Store::open(config, &catalog).await?;
    let existing = store.count_cases(&CaseFilter::default()).await?;
    if existing > 0 {
        anyhow::bail!(
            "varna-bench seed fills an empty database; this one already has {existing} cases"
        );
    }
    let unit_count = plan
        .units
        .unwrap_or_else(|| usize::try_from(plan.cases / 1_000).unwrap_or(0).max(20));
    let units = units(unit_count)?;
    for (i, unit) in units.iter().enumerate() {
        let (area, area_name, _) = AREAS[i % AREAS.len()];
        store
            .upsert_unit(NewUnit {
                id: unit.id.clone(),
                name: format!("Enhet {} ({area_name})", i + 1),
                verksamhetsomrade_id: area.to_owned(),
                verksamhetsomrade_name: area_name.to_owned(),
                organisation_id: "riket".to_owned(),
                organisation_name: "Benchmarkkommunen".to_owned(),
            })
            .await?;
    }
    let start = Utc
        .with_ymd_and_hms(plan.from_year, 1, 1, 0, 0, 0)
        .single()
        .context("--from-year")?;
    let end = Utc
        .with_ymd_and_hms(plan.from_year + i32::try_from(plan.years)?, 1, 1, 0, 0, 0)
        .single()
        .context("--years")?
        .min(Utc::now() - Duration::days(1));
    if end <= start {
        anyhow::bail!("the seeded years must lie in the past");
    }
    let mix = mix(&catalog);
    let people = demo::org::people();
    let mut dice = Dice(plan.seed | 1);
    let mut ticker = Ticker::new();
    let mut done = 0u64;
    let mut events = 0u64;
    while done < plan.cases {
        let n = usize::try_from((plan.cases - done).min(plan.batch as u64))?;
        let mut batch = Vec::with_capacity(n);
        for i in 0..n {
            let variant = usize::try_from(done).unwrap_or(0) + i;
            batch.push(generate(
                &catalog,
                (&mix, &people),
                &units,
                &mut dice,
                variant,
                (start, end),
            )?);
        }
        events += batch.iter().map(|c| c.events.len() as u64).sum::<u64>();
        store.import_cases(batch).await?;
        done += n as u64;
        let rate = done as f64 / ticker.elapsed().max(1e-9);
        ticker.tick(|| {
            format!(
                "seeded {done} of {} cases ({:.0} %), {rate:.0} cases/s",
                plan.cases,
                100.0 * done as f64 / plan.cases as f64
            )
        });
    }
    let secs = ticker.done();
    // As after an import: the reads measured next plan with statistics.
    store.refresh_statistics().await;
    store.close().await?;
    println!(
        "seeded {done} cases ({events} events, {unit_count} units, {}–{}) in {secs:.1} s ({:.0} cases/s)",
        start.year(),
        (end - Duration::seconds(1)).year(),
        done as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
