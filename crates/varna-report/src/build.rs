//! From the store's counts to the report's tables. Every table is a pure
//! function of [`ReportData`] and the definitions (for order and labels).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use varna_workflow::definition::{ClockStart, FieldKind};
use varna_workflow::{Catalog, Lagrum, WorkflowDefinition};

use crate::input::{
    CLOCK_CANCELLED, CLOCK_LATE, CLOCK_ON_TIME, CLOCK_OPEN, CLOCK_OVERDUE, DIM_CASES, DIM_CATEGORY,
    DIM_DEADLINE_PREFIX, DIM_DUPLICATE, DIM_FEEDBACK, DIM_GENDER, DIM_IVO, DIM_OUTCOME,
    IVO_REPORTED, OUTCOME_CLOSED_WITHOUT_RULING, OUTCOME_ONGOING, RepeatReason, ReportData, Scope,
    Tally,
};
use crate::labels::humanised;
use crate::model::{
    AreaGenderRow, CategoryRow, ComplaintRow, DeadlineRow, IvoRow, LagrumRow, LeadTimeRow,
    MonthlySeries, OutcomeRow, QualityReport, RepeatCase, RepeatSummary, RisingUnit,
};

/// At most this many categories per lifecycle, and rising units.
const TOP: usize = 10;
/// A unit with no cases the year before rises only from this many cases.
const RISING_MIN_CURRENT: i64 = 3;
/// The measure id of "report → bedömning".
pub const MEASURE_ASSESSED: &str = "assessed";
/// Where a unit outside the registered units is counted.
const UNKNOWN_AREA: (&str, &str) = ("", "Okänt verksamhetsområde");

/// Builds the report's tables.
pub fn build(data: &ReportData, catalog: &Catalog) -> QualityReport {
    let ctx = Context::new(data, catalog);
    let (scope_kind, scope_id) = match &data.scope {
        Scope::Organisation => ("organisation", String::new()),
        Scope::Area(id) => ("area", id.clone()),
        Scope::Unit(id) => ("unit", id.clone()),
    };
    QualityReport {
        year: data.year,
        scope_kind: scope_kind.to_owned(),
        scope_id,
        scope_name: data.scope_name.clone(),
        generated_at: data.as_of,
        months_covered: ctx.months_covered,
        per_lagrum: ctx.per_lagrum(),
        by_area_and_gender: ctx.by_area_and_gender(),
        outcomes: ctx.outcomes(),
        ivo: ctx.ivo(),
        categories: ctx.categories(),
        complaints: ctx.complaints(),
        lead_times: ctx.lead_times(),
        deadlines: ctx.deadlines(),
        monthly_by_unit: ctx.monthly_by_unit(),
        monthly_by_category: ctx.monthly_by_category(),
        rising_units: ctx.rising_units(),
        repeats: ctx.repeats(),
    }
}

/// Months of `year` that have begun by `as_of` (Swedish time).
pub fn months_covered(year: i32, as_of: DateTime<Utc>) -> i32 {
    let (as_of_year, as_of_month) = varna_workflow::local::year_month(as_of);
    match year.cmp(&as_of_year) {
        std::cmp::Ordering::Less => 12,
        std::cmp::Ordering::Equal => as_of_month as i32,
        std::cmp::Ordering::Greater => 0,
    }
}

/// Nearest-rank percentile (`percent` of 100) of sorted values.
pub fn nearest_rank(sorted: &[f64], percent: usize) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn share(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds() as f64 / 3600.0
}

/// The data with its lookups: tallies of the report year summed by key.
struct Context<'a> {
    data: &'a ReportData,
    /// Choice value id → its Swedish words, from the lifecycle files.
    values: HashMap<&'a str, &'a str>,
    /// Lifecycles in catalog order, then any only the tallies know.
    kinds: Vec<(String, Option<&'a WorkflowDefinition>)>,
    /// Tallies of the report year.
    current: Vec<&'a Tally>,
    /// Unit id → (area id, area name, unit name).
    units: HashMap<&'a str, (&'a str, &'a str, &'a str)>,
    /// Area ids in the order of the units.
    areas: Vec<(&'a str, &'a str)>,
    months_covered: i32,
}

impl<'a> Context<'a> {
    /// A choice value as people read it: the lifecycle file's words, else
    /// the id with spaces and a capital.
    fn value_label(&self, id: &str) -> String {
        self.values
            .get(id)
            .map_or_else(|| humanised(id), |l| (*l).to_owned())
    }

    fn new(data: &'a ReportData, catalog: &'a Catalog) -> Context<'a> {
        let mut kinds: Vec<(String, Option<&WorkflowDefinition>)> = catalog
            .iter()
            .map(|d| (d.name().to_owned(), Some(d)))
            .collect();
        let extra: BTreeSet<&str> = data
            .tallies
            .iter()
            .map(|t| t.kind.as_str())
            .filter(|k| catalog.get(k).is_none())
            .collect();
        kinds.extend(extra.into_iter().map(|k| (k.to_owned(), None)));
        let mut units = HashMap::new();
        let mut areas: Vec<(&str, &str)> = Vec::new();
        for u in &data.units {
            units.insert(
                u.id.as_str(),
                (u.area_id.as_str(), u.area_name.as_str(), u.name.as_str()),
            );
            if !areas.iter().any(|(id, _)| *id == u.area_id) {
                areas.push((u.area_id.as_str(), u.area_name.as_str()));
            }
        }
        let values = catalog
            .iter()
            .flat_map(|d| &d.fields)
            .flat_map(|f| &f.value_labels)
            .map(|(id, label)| (id.as_str(), label.sv.as_str()))
            .collect();
        Context {
            data,
            values,
            kinds,
            current: data
                .tallies
                .iter()
                .filter(|t| t.year == data.year)
                .collect(),
            units,
            areas,
            months_covered: months_covered(data.year, data.as_of),
        }
    }

    fn kind_label(&self, kind: &str) -> String {
        self.def(kind)
            .map_or_else(|| kind.to_owned(), |d| d.label.sv.clone())
    }

    fn def(&self, kind: &str) -> Option<&'a WorkflowDefinition> {
        self.kinds
            .iter()
            .find(|(k, _)| k == kind)
            .and_then(|(_, d)| *d)
    }

    /// Lifecycles with a severity ruling (lex Sarah, lex Maria).
    fn investigated(&self) -> impl Iterator<Item = &'a WorkflowDefinition> + '_ {
        self.kinds
            .iter()
            .filter_map(|(_, d)| *d)
            .filter(|d| d.outcome_field().is_some())
    }

    fn area_of(&self, unit: &str) -> (&'a str, &'a str) {
        self.units
            .get(unit)
            .map_or(UNKNOWN_AREA, |(id, name, _)| (*id, *name))
    }

    fn unit_name(&self, unit: &str) -> String {
        self.units
            .get(unit)
            .map_or_else(|| unit.to_owned(), |(_, _, name)| (*name).to_owned())
    }

    /// Areas in unit order, then the unknown area if it is used.
    fn area_order(&self, used: &BTreeSet<&str>) -> Vec<(&'a str, &'a str)> {
        let mut order: Vec<(&str, &str)> = self
            .areas
            .iter()
            .copied()
            .filter(|(id, _)| used.contains(id))
            .collect();
        if used.contains(UNKNOWN_AREA.0) && !order.iter().any(|(id, _)| id.is_empty()) {
            order.push(UNKNOWN_AREA);
        }
        order
    }

    /// Sum of the report year's tallies of `kind` in `dimension`, by value.
    fn by_value(&self, kind: &str, dimension: &str) -> BTreeMap<&'a str, i64> {
        let mut out = BTreeMap::new();
        for t in self
            .current
            .iter()
            .filter(|t| t.kind == kind && t.dimension == dimension)
        {
            *out.entry(t.value.as_str()).or_insert(0) += t.n;
        }
        out
    }

    fn cases(&self, kind: &str) -> i64 {
        self.by_value(kind, DIM_CASES).values().sum()
    }

    fn per_lagrum(&self) -> Vec<LagrumRow> {
        let mut counts: BTreeMap<(&str, &str), (i64, i64, i64)> = BTreeMap::new();
        for t in self
            .data
            .tallies
            .iter()
            .filter(|t| t.dimension == DIM_CASES || t.dimension == DIM_DUPLICATE)
        {
            let entry = counts
                .entry((t.kind.as_str(), t.lagrum.as_str()))
                .or_default();
            if t.dimension == DIM_DUPLICATE {
                if t.year == self.data.year {
                    entry.2 += t.n;
                }
            } else if t.year == self.data.year {
                entry.0 += t.n;
            } else if t.year == self.data.year - 1 {
                entry.1 += t.n;
            }
        }
        let known: Vec<&str> = Lagrum::ALL.iter().map(|l| l.as_str()).collect();
        let mut rows = Vec::new();
        for (kind, _) in &self.kinds {
            let mut lagrum: Vec<&str> = known.clone();
            lagrum.extend(
                counts
                    .keys()
                    .filter(|(k, l)| k == kind && !known.contains(l))
                    .map(|(_, l)| *l),
            );
            for l in lagrum {
                let (count, previous_year, duplicates) =
                    counts.get(&(kind.as_str(), l)).copied().unwrap_or_default();
                if count != 0 || previous_year != 0 || duplicates != 0 {
                    rows.push(LagrumRow {
                        kind: kind.clone(),
                        kind_label: self.kind_label(kind),
                        lagrum: l.to_owned(),
                        count,
                        previous_year,
                        duplicates,
                    });
                }
            }
        }
        rows
    }

    fn by_area_and_gender(&self) -> Vec<AreaGenderRow> {
        let mut rows = Vec::new();
        for def in self.investigated() {
            let mut counts: HashMap<&str, [i64; 3]> = HashMap::new();
            for t in self
                .current
                .iter()
                .filter(|t| t.kind == def.name() && t.dimension == DIM_GENDER)
            {
                let slot = match t.value.as_str() {
                    "kvinna" => 0,
                    "man" => 1,
                    _ => 2,
                };
                counts.entry(self.area_of(&t.unit_id).0).or_default()[slot] += t.n;
            }
            let used = counts
                .iter()
                .filter(|(_, c)| c.iter().sum::<i64>() != 0)
                .map(|(id, _)| *id)
                .collect();
            for (area_id, area_name) in self.area_order(&used) {
                let [kvinna, man, ej_angivet] = counts[area_id];
                rows.push(AreaGenderRow {
                    kind: def.name().to_owned(),
                    kind_label: def.label.sv.clone(),
                    area_id: area_id.to_owned(),
                    area_name: area_name.to_owned(),
                    kvinna,
                    man,
                    ej_angivet,
                    total: kvinna + man + ej_angivet,
                });
            }
        }
        rows
    }

    fn outcomes(&self) -> Vec<OutcomeRow> {
        let mut rows = Vec::new();
        for def in self.investigated() {
            let mut counts = self.by_value(def.name(), DIM_OUTCOME);
            let row = |outcome: &str, label: String, reportable: bool, count: i64| OutcomeRow {
                kind: def.name().to_owned(),
                kind_label: def.label.sv.clone(),
                outcome: outcome.to_owned(),
                label,
                reportable,
                count,
            };
            for o in &def.outcomes {
                let count = counts.remove(o.id.as_str()).unwrap_or(0);
                rows.push(row(&o.id, o.label.sv.clone(), o.reportable, count));
            }
            let ongoing = counts.remove(OUTCOME_ONGOING).unwrap_or(0);
            let unruled = counts.remove(OUTCOME_CLOSED_WITHOUT_RULING).unwrap_or(0);
            // Outcomes an earlier version of the definition had.
            for (outcome, count) in counts.into_iter().filter(|(_, n)| *n != 0) {
                rows.push(row(outcome, self.value_label(outcome), false, count));
            }
            rows.push(row(
                OUTCOME_ONGOING,
                "Pågående utredning".into(),
                false,
                ongoing,
            ));
            if unruled != 0 {
                rows.push(row(
                    OUTCOME_CLOSED_WITHOUT_RULING,
                    "Avslutad utan bedömning".into(),
                    false,
                    unruled,
                ));
            }
        }
        rows
    }

    fn ivo(&self) -> Vec<IvoRow> {
        self.investigated()
            .map(|def| {
                let cases = self.cases(def.name());
                let reported = self
                    .by_value(def.name(), DIM_IVO)
                    .get(IVO_REPORTED)
                    .copied()
                    .unwrap_or(0);
                IvoRow {
                    kind: def.name().to_owned(),
                    kind_label: def.label.sv.clone(),
                    cases,
                    reported,
                    share: share(reported, cases),
                }
            })
            .collect()
    }

    fn categories(&self) -> Vec<CategoryRow> {
        let mut rows = Vec::new();
        for (kind, _) in &self.kinds {
            let counts = self.by_value(kind, DIM_CATEGORY);
            let total: i64 = counts.values().sum();
            let mut ranked: Vec<(&str, i64)> =
                counts.into_iter().filter(|(_, n)| *n != 0).collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            for (category, count) in ranked.into_iter().take(TOP) {
                rows.push(CategoryRow {
                    kind: kind.clone(),
                    kind_label: self.kind_label(kind),
                    category: category.to_owned(),
                    label: self.value_label(category),
                    count,
                    share: share(count, total),
                });
            }
        }
        rows
    }

    fn complaints(&self) -> Vec<ComplaintRow> {
        let mut counts: HashMap<(&str, &str), i64> = HashMap::new();
        for t in self.current.iter().filter(|t| t.dimension == DIM_FEEDBACK) {
            *counts
                .entry((self.area_of(&t.unit_id).0, t.value.as_str()))
                .or_default() += t.n;
        }
        counts.retain(|_, n| *n != 0);
        // Feedback kinds in the order of the definition that has them.
        let mut kinds: Vec<&str> = self
            .kinds
            .iter()
            .filter_map(|(_, d)| *d)
            .filter_map(|d| match d.field(DIM_FEEDBACK).map(|f| &f.kind) {
                Some(FieldKind::Choice { values }) => Some(values),
                _ => None,
            })
            .flatten()
            .map(String::as_str)
            .collect();
        let mut seen = BTreeSet::new();
        kinds.retain(|k| seen.insert(*k));
        let unknown: BTreeSet<&str> = counts
            .keys()
            .map(|(_, v)| *v)
            .filter(|v| !seen.contains(v))
            .collect();
        kinds.extend(unknown);
        let used = counts.keys().map(|(a, _)| *a).collect();
        let mut rows = Vec::new();
        for (area_id, area_name) in self.area_order(&used) {
            for kind in &kinds {
                if let Some(count) = counts.get(&(area_id, *kind)) {
                    rows.push(ComplaintRow {
                        area_id: area_id.to_owned(),
                        area_name: area_name.to_owned(),
                        feedback_kind: (*kind).to_owned(),
                        label: self.value_label(kind),
                        count: *count,
                    });
                }
            }
        }
        rows
    }

    fn lead_times(&self) -> Vec<LeadTimeRow> {
        let mut rows = Vec::new();
        for def in self.investigated() {
            let cases: Vec<_> = self
                .data
                .investigated
                .iter()
                .filter(|c| c.kind == def.name())
                .collect();
            let row = |measure: &str, label: String, mut values: Vec<f64>| {
                values.sort_by(f64::total_cmp);
                LeadTimeRow {
                    kind: def.name().to_owned(),
                    kind_label: def.label.sv.clone(),
                    measure: measure.to_owned(),
                    label,
                    count: values.len() as i64,
                    median_hours: nearest_rank(&values, 50).map(round2),
                    p90_hours: nearest_rank(&values, 90).map(round2),
                }
            };
            let assessed = cases
                .iter()
                .filter_map(|c| c.assessed_at.map(|a| hours(c.opened_at, a)))
                .collect();
            rows.push(row(
                MEASURE_ASSESSED,
                "Rapport → bedömning".into(),
                assessed,
            ));
            for deadline in &def.deadlines {
                let start = deadline
                    .starts_on
                    .iter()
                    .map(|s| match s {
                        ClockStart::Filing => "Rapport".to_owned(),
                        ClockStart::Transition(name) => def
                            .transition(name)
                            .map_or_else(|| name.clone(), |t| t.label.sv.clone()),
                    })
                    .collect::<Vec<_>>()
                    .join(" / ");
                let values = cases
                    .iter()
                    .flat_map(|c| &c.clocks)
                    .filter(|clock| clock.deadline_id == deadline.id)
                    .filter_map(|clock| clock.met_at.map(|m| hours(clock.started_at, m)))
                    .collect();
                rows.push(row(
                    &deadline.id,
                    format!("{start} → {}", deadline.label.sv),
                    values,
                ));
            }
        }
        rows
    }

    fn deadlines(&self) -> Vec<DeadlineRow> {
        let mut rows = Vec::new();
        for (kind, def) in &self.kinds {
            let mut counts: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
            for t in self.current.iter().filter(|t| &t.kind == kind) {
                if let Some(id) = t.dimension.strip_prefix(DIM_DEADLINE_PREFIX) {
                    *counts
                        .entry(id)
                        .or_default()
                        .entry(t.value.as_str())
                        .or_default() += t.n;
                }
            }
            let mut order: Vec<(&str, String)> = def
                .map(|d| {
                    d.deadlines
                        .iter()
                        .map(|dl| (dl.id.as_str(), dl.label.sv.clone()))
                        .collect()
                })
                .unwrap_or_default();
            let unknown: Vec<&str> = counts
                .keys()
                .copied()
                .filter(|id| !order.iter().any(|(o, _)| o == id))
                .collect();
            order.extend(unknown.into_iter().map(|id| (id, self.value_label(id))));
            for (id, label) in order {
                let Some(c) = counts.get(id) else { continue };
                let get = |v: &str| c.get(v).copied().unwrap_or(0);
                let (on_time, late, overdue) =
                    (get(CLOCK_ON_TIME), get(CLOCK_LATE), get(CLOCK_OVERDUE));
                rows.push(DeadlineRow {
                    kind: kind.clone(),
                    kind_label: self.kind_label(kind),
                    deadline: id.to_owned(),
                    label,
                    on_time,
                    late,
                    overdue,
                    open: get(CLOCK_OPEN),
                    cancelled: get(CLOCK_CANCELLED),
                    met_on_time_share: share(on_time, on_time + late + overdue),
                });
            }
        }
        rows
    }

    /// Monthly counts of the report year, keyed by what `key` picks.
    fn monthly(
        &self,
        dimension: &str,
        key: impl Fn(&'a Tally) -> &'a str,
        label: impl Fn(&str) -> String,
    ) -> Vec<MonthlySeries> {
        let mut counts: BTreeMap<&str, [i64; 12]> = BTreeMap::new();
        for t in self.current.iter().filter(|t| t.dimension == dimension) {
            let month = (t.month.clamp(1, 12) - 1) as usize;
            counts.entry(key(t)).or_insert([0; 12])[month] += t.n;
        }
        let mut series: Vec<MonthlySeries> = counts
            .into_iter()
            .map(|(k, counts)| MonthlySeries {
                key: k.to_owned(),
                label: label(k),
                counts: counts.to_vec(),
                total: counts.iter().sum(),
            })
            .filter(|s| s.total != 0)
            .collect();
        series.sort_by(|a, b| b.total.cmp(&a.total).then(a.key.cmp(&b.key)));
        series
    }

    fn monthly_by_unit(&self) -> Vec<MonthlySeries> {
        self.monthly(DIM_CASES, |t| t.unit_id.as_str(), |u| self.unit_name(u))
    }

    fn monthly_by_category(&self) -> Vec<MonthlySeries> {
        self.monthly(DIM_CATEGORY, |t| t.value.as_str(), |v| self.value_label(v))
    }

    fn rising_units(&self) -> Vec<RisingUnit> {
        let mut counts: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
        for t in self
            .data
            .tallies
            .iter()
            .filter(|t| t.dimension == DIM_CASES)
        {
            let entry = counts.entry(t.unit_id.as_str()).or_default();
            if t.year == self.data.year {
                entry.1 += t.n;
            } else if t.year == self.data.year - 1 {
                entry.0 += t.n;
            }
        }
        let months = f64::from(self.months_covered);
        let mut rising: Vec<(f64, RisingUnit)> = counts
            .into_iter()
            .filter(|(_, (previous, current))| *previous > 0 || *current >= RISING_MIN_CURRENT)
            .filter(|_| self.months_covered > 0)
            .map(|(unit, (previous, current))| {
                let previous_per_month = previous as f64 / 12.0;
                let current_per_month = current as f64 / months;
                let change = current_per_month - previous_per_month;
                (
                    change,
                    RisingUnit {
                        unit_id: unit.to_owned(),
                        unit_name: self.unit_name(unit),
                        previous,
                        current,
                        previous_per_month: round2(previous_per_month),
                        current_per_month: round2(current_per_month),
                        change_per_month: round2(change),
                    },
                )
            })
            .filter(|(change, _)| *change > 0.0)
            .collect();
        rising.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.unit_id.cmp(&b.1.unit_id)));
        rising.into_iter().take(TOP).map(|(_, u)| u).collect()
    }

    fn repeats(&self) -> RepeatSummary {
        let investigated: BTreeSet<&str> = self
            .data
            .investigated
            .iter()
            .map(|c| c.case_id.as_str())
            .collect();
        struct Group<'p> {
            first: &'p crate::input::RepeatPair,
            reasons: BTreeSet<RepeatReason>,
            earlier: BTreeSet<(DateTime<Utc>, &'p str)>,
        }
        let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
        for pair in &self.data.repeats {
            let group = groups
                .entry(pair.case_id.as_str())
                .or_insert_with(|| Group {
                    first: pair,
                    reasons: BTreeSet::new(),
                    earlier: BTreeSet::new(),
                });
            group.reasons.insert(pair.reason);
            group
                .earlier
                .insert((pair.earlier_opened_at, pair.earlier_case_id.as_str()));
        }
        let count = |reason: RepeatReason| {
            groups
                .values()
                .filter(|g| g.reasons.contains(&reason))
                .count() as i64
        };
        let (same_person, same_category) = (
            count(RepeatReason::SamePerson),
            count(RepeatReason::SameCategory),
        );
        let mut cases: Vec<(DateTime<Utc>, RepeatCase)> = groups
            .values()
            .map(|g| {
                let p = g.first;
                let latest = g
                    .earlier
                    .iter()
                    .next_back()
                    .map_or(p.opened_at, |(t, _)| *t);
                (
                    p.opened_at,
                    RepeatCase {
                        case_id: p.case_id.clone(),
                        kind: p.kind.clone(),
                        kind_label: self.kind_label(&p.kind),
                        unit_id: p.unit_id.clone(),
                        unit_name: self.unit_name(&p.unit_id),
                        category_label: p.category.as_deref().map(|c| self.value_label(c)),
                        category: p.category.clone(),
                        reasons: g
                            .reasons
                            .iter()
                            .map(|r| match r {
                                RepeatReason::SamePerson => "same_person".to_owned(),
                                RepeatReason::SameCategory => "same_category".to_owned(),
                            })
                            .collect(),
                        earlier_case_ids: g
                            .earlier
                            .iter()
                            .rev()
                            .map(|(_, id)| (*id).to_owned())
                            .collect(),
                        days_since_last: (p.opened_at - latest).num_days(),
                    },
                )
            })
            .collect();
        cases.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.case_id.cmp(&b.1.case_id)));
        RepeatSummary {
            investigated: investigated.len() as i64,
            same_person,
            same_category,
            any: groups.len() as i64,
            cases: cases.into_iter().map(|(_, c)| c).collect(),
        }
    }
}
