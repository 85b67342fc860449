//! Loading the demo organisation into a store for `varna serve --demo`:
//! its units and people, then a year of cases driven through the real
//! lifecycles (so every rule applies) and left in every state.
//! Deterministic for a given day; cases go only into an empty store.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use varna_store::queries::CaseFilter;
use varna_store::{CaseId, CommandOptions, NewUnit, NewUser, Store};
use varna_workflow::{Command, Role};

use super::DemoOrganisation;
use super::cases::{Dice, actor, filing, steps};
use super::generic::{Aim, Generator, generic_count};
use super::org::{DemoUnit, PLAN, UNITS, people, people_at};

/// Refuses a database that holds a case the demo did not make: one filed
/// by someone who is not a demo person, or at a unit that is not a demo
/// unit. A demo signs people in without a password, so it must never run
/// on real cases.
pub async fn ensure_demo_database(store: &Store) -> anyhow::Result<()> {
    let (filers, units) = store
        .case_filers_and_units()
        .await
        .context("demo: reading who filed the cases")?;
    let people: Vec<String> = people()
        .into_iter()
        .map(|u| u.user_id)
        .chain(
            [
                Role::Reporter,
                Role::UnitManager,
                Role::Sas,
                Role::Mas,
                Role::Mar,
                Role::Committee,
                Role::OperationsManager,
            ]
            .into_iter()
            .map(|role| actor(role, UNITS[0].id).id.as_str().to_owned()),
        )
        .collect();
    let foreign_filer = filers.iter().any(|f| !people.contains(f));
    let foreign_unit = units.iter().any(|u| !UNITS.iter().any(|d| d.id == u));
    if foreign_filer || foreign_unit {
        anyhow::bail!(
            "--demo refuses this database: it holds cases the demo did not create. \
             A demo signs people in without a password and must never run on real cases; \
             start it on a new file (e.g. --database-url 'sqlite://demo.db?mode=rwc')"
        );
    }
    Ok(())
}

/// Loads the demo into an empty store; on a store with cases it adds nothing.
pub async fn load(store: &Store, today: DateTime<Utc>) -> anyhow::Result<DemoOrganisation> {
    let users = people();
    let result = |cases| DemoOrganisation {
        users: users.clone(),
        units: UNITS.iter().map(|u| u.id.to_owned()).collect(),
        cases,
    };
    for unit in UNITS {
        store
            .upsert_unit(NewUnit {
                id: unit.id.into(),
                name: unit.name.into(),
                verksamhetsomrade_id: unit.area.into(),
                verksamhetsomrade_name: unit.area_name.into(),
                organisation_id: "exempelkommunen".into(),
                organisation_name: "Exempelkommunen".into(),
            })
            .await
            .context("demo: registering units")?;
    }
    for user in &users {
        let roles = if user.units.is_empty() {
            vec![(user.role, None)]
        } else {
            user.units
                .iter()
                .map(|u| (user.role, Some(u.clone())))
                .collect()
        };
        store
            .upsert_user(NewUser {
                id: user.user_id.clone(),
                name: user.name.clone(),
                title: user.title.clone(),
                roles,
            })
            .await
            .context("demo: registering users")?;
    }
    if store.count_cases(&CaseFilter::default()).await? > 0 {
        return Ok(result(0));
    }
    let mut dice = Dice(0x5EED_CA5E_2026_0001);
    let mut filed = 0;
    let mut progress = crate::progress::Ticker::new();
    for (kind, count) in PLAN {
        // The units whose lagrum the lifecycle takes (lex Sarah: SoL and
        // LSS; lex Maria: HSL), from its definition.
        let def = store.definition(kind)?;
        let units: Vec<_> = UNITS
            .iter()
            .filter(|u| def.lagrum.contains(&u.lagrum))
            .collect();
        for i in 0..count {
            let DemoUnit {
                id: unit, lagrum, ..
            } = **dice.pick(&units);
            let (age_days, filed_at) = filing_time(today, i, count, &mut dice);
            let step_at = |n: usize| step_time(filed_at, today, n);
            // The first cases of each kind take the longest path (a serious
            // outcome) and stop after each transition in turn, so every state
            // shows; later ones vary their path and mostly finish. A case is
            // filed as the variant whose steps it takes.
            let longest = steps(kind, lagrum, 3, &step_at);
            let cuts: Vec<usize> = std::iter::once(0)
                .chain(
                    longest
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| matches!(s.command, Command::Transition { .. }))
                        .map(|(n, _)| n + 1),
                )
                .collect();
            let variant = if i < cuts.len() { 3 } else { i };
            let (role, command) = filing(
                kind,
                lagrum,
                unit,
                variant,
                &mut dice,
                filed_at - Duration::days(1),
            );
            let outcome = store
                .file_case(kind, command, None, &actor(role, unit), options(filed_at))
                .await
                .with_context(|| format!("demo: filing {kind} case {i}"))?;
            filed += 1 + outcome.opened.len();
            let (all, take) = if i < cuts.len() {
                (longest, cuts[i])
            } else {
                let all = steps(kind, lagrum, i, &step_at);
                let take = if age_days > 45 {
                    all.len()
                } else {
                    dice.below(all.len() + 1)
                };
                (all, take)
            };
            let case_id: CaseId = outcome.case_id;
            for (n, step) in all.into_iter().take(take).enumerate() {
                let done = store
                    .execute(
                        &case_id,
                        step.command,
                        &actor(step.role, unit),
                        options(step_at(n + 1)),
                    )
                    .await
                    .with_context(|| format!("demo: {kind} case {i}, step {}", n + 1))?;
                filed += done.opened.len();
            }
            progress.tick(|| format!("Loading the demo organisation: {filed} cases"));
        }
    }
    // Every other lifecycle in the catalog, generated from its definition.
    for kind in store.workflows() {
        if !PLAN.iter().any(|(scripted, _)| *scripted == kind) {
            filed += file_generated(store, &kind, &mut dice, today).await?;
            progress.tick(|| format!("Loading the demo organisation: {filed} cases"));
        }
    }
    progress.done();
    tracing::info!(
        cases = filed,
        users = users.len(),
        units = UNITS.len(),
        "demo organisation loaded"
    );
    Ok(result(filed))
}

/// When the `i`th of `count` cases of a kind is filed, and how many days
/// before `today`: spread over the past year, older cases first (they have
/// come further).
fn filing_time(
    today: DateTime<Utc>,
    i: usize,
    count: usize,
    dice: &mut Dice,
) -> (i64, DateTime<Utc>) {
    let age_days = i64::try_from(365 * (count - i) / count).unwrap_or(365);
    let filed_at = today
        - Duration::days(age_days)
        - Duration::hours(i64::try_from(dice.below(10)).unwrap_or(0));
    (age_days, filed_at)
}

/// When the `n`th step after a filing at `filed_at` is taken: six hours
/// apart, and never later than just before `today`.
fn step_time(filed_at: DateTime<Utc>, today: DateTime<Utc>, n: usize) -> DateTime<Utc> {
    (filed_at + Duration::hours(6 * i64::try_from(n).unwrap_or(0)))
        .min(today - Duration::minutes(5))
}

fn options(at: DateTime<Utc>) -> CommandOptions {
    CommandOptions {
        now: Some(at),
        ..CommandOptions::default()
    }
}

/// Files and walks the cases of a lifecycle the demo has no script for
/// ([`Generator`]), at the units whose lagrum it takes, acting as the
/// people there. A filing or step the store refuses ends that case where
/// it stands (logged without its content) instead of failing the demo.
/// Returns how many cases were opened.
async fn file_generated(
    store: &Store,
    kind: &str,
    dice: &mut Dice,
    today: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let def = store.definition(kind)?;
    let units: Vec<_> = UNITS
        .iter()
        .filter(|u| def.lagrum.contains(&u.lagrum))
        .collect();
    if units.is_empty() {
        tracing::warn!(workflow = kind, "demo: no demo unit works under its lagrum");
        return Ok(0);
    }
    let count = generic_count(&def);
    let mut filed = 0;
    for i in 0..count {
        let unit = **dice.pick(&units);
        let (age_days, filed_at) = filing_time(today, i, count, dice);
        let step_at = |n: usize| step_time(filed_at, today, n);
        let staff = people_at(unit.id);
        let generator = Generator {
            def: &def,
            lagrum: unit.lagrum,
            unit: unit.id,
            staff: &staff,
            spawns: true,
        };
        let aim = Aim::for_case(&def, i);
        let Some(case) = generator.case(&aim, dice, filed_at, &step_at) else {
            tracing::warn!(
                workflow = kind,
                case = i,
                "demo: nobody at the unit can file it"
            );
            continue;
        };
        let outcome = match store
            .file_case(
                kind,
                case.filing,
                None,
                &actor(case.role, unit.id),
                options(filed_at),
            )
            .await
        {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::warn!(
                    workflow = kind,
                    case = i,
                    %error,
                    "demo: a generated filing was refused"
                );
                continue;
            }
        };
        filed += 1 + outcome.opened.len();
        // Recent cases are still being worked on, as with the scripted kinds.
        let take = if aim == Aim::Finish && age_days <= 45 {
            dice.below(case.steps.len() + 1)
        } else {
            case.steps.len()
        };
        for (n, step) in case.steps.into_iter().take(take).enumerate() {
            match store
                .execute(
                    &outcome.case_id,
                    step.command,
                    &actor(step.role, unit.id),
                    options(step_at(n + 1)),
                )
                .await
            {
                Ok(done) => filed += done.opened.len(),
                Err(error) => {
                    tracing::warn!(
                        workflow = kind,
                        case = i,
                        step = n + 1,
                        %error,
                        "demo: a generated step was refused; the case stays where it is"
                    );
                    break;
                }
            }
        }
    }
    Ok(filed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use varna_store::StoreConfig;
    use varna_store::queries::GroupBy;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_demo_covers_every_state_of_every_lifecycle_and_verifies() {
        let dir = tempfile::tempdir().expect("temp dir");
        let catalog = crate::workflows::shipped()
            .map_err(|e| e.to_string())
            .expect("valid");
        let store = Store::open(
            &StoreConfig::new(format!(
                "sqlite://{}/demo.db?mode=rwc",
                dir.path().display()
            )),
            &catalog,
        )
        .await
        .expect("opens");
        let today = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let demo = load(&store, today).await.expect("loads");
        assert!(demo.cases >= 300, "{} cases", demo.cases);
        let roles: std::collections::BTreeSet<Role> = demo.users.iter().map(|u| u.role).collect();
        assert_eq!(roles.len(), Role::ALL.len(), "a user for every role");
        let kinds = store.workflows();
        assert!(
            kinds.len() > PLAN.len(),
            "a lifecycle without a script: {kinds:?}"
        );
        for name in &kinds {
            let def = store.definition(name).expect("loaded");
            let counts = store
                .count_by(
                    &CaseFilter {
                        kinds: vec![name.clone()],
                        ..CaseFilter::default()
                    },
                    GroupBy::State,
                )
                .await
                .expect("counts");
            for state in def.states_in_use() {
                assert!(
                    counts
                        .iter()
                        .any(|(s, n)| s.as_deref() == Some(state.id.as_str()) && *n > 0),
                    "{name}: no case in {}: {counts:?}",
                    state.id
                );
            }
        }
        let overdue = CaseFilter {
            overdue_at: Some(today),
            ..CaseFilter::default()
        };
        assert!(
            store.count_cases(&overdue).await.expect("counts") > 0,
            "the demo shows overdue cases"
        );
        assert_eq!(
            load(&store, today).await.expect("loads again").cases,
            0,
            "a second load adds nothing"
        );
        assert_eq!(
            store.verify_audit(|_| {}).await.expect("verifies").problem,
            None
        );
    }
}
