//! `report_data`: what the quality report is built from, in three reads
//! that run concurrently: the pre-aggregated `case_tally` rows of two
//! years; the `filed` and `transitioned` events of the year's investigated
//! cases (lex Sarah, lex Maria: a few per thousand cases), reduced in SQL to
//! clock ids and whether the outcome was set, for lead times; and the
//! repeat pairs found by two self-joins on covering indexes. Case text and
//! personnummer stay in the database: personnummer are compared there and
//! never read out.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
};
use varna_report::input::{
    ClockTiming, DIM_CASES, DIM_CATEGORY, DIM_FEEDBACK, DIM_GENDER, InvestigatedCase, RepeatPair,
    RepeatReason, ReportData, Scope, Tally, UnitInfo,
};

use crate::Store;
use crate::backend::Params;
use crate::entities::cases;
use crate::entities::org::{organisation, unit, verksamhetsomrade};
use crate::error::{Error, Result};
use crate::tally::ALL_UNITS;

/// How far back an earlier case counts as a repeat.
pub const REPEAT_WINDOW_DAYS: i64 = 90;
/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

/// The cases a reader of the report may see, by lifecycle and lagrum (the
/// read policy's narrowing, decided by the caller): counts, lead times and
/// repeat pairs are made of those cases alone. `None` does not narrow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportReader {
    /// Lifecycle names the reader may read.
    pub kinds: Option<Vec<String>>,
    /// Lagrum (`SoL`, `LSS`, `HSL`) the reader may read.
    pub lagrum: Option<Vec<String>>,
}

impl ReportReader {
    /// Whether a case of `kind` under `lagrum` is the reader's.
    pub fn admits(&self, kind: &str, lagrum: &str) -> bool {
        self.kinds
            .as_ref()
            .is_none_or(|k| k.iter().any(|k| k == kind))
            && self
                .lagrum
                .as_ref()
                .is_none_or(|l| l.iter().any(|l| l == lagrum))
    }
}

impl Store {
    /// Everything the report for `year` and `scope` is built from, read
    /// at `as_of`, over every case. An unknown area or unit is
    /// `Error::UnknownScope`.
    pub async fn report_data(
        &self,
        year: i32,
        scope: &Scope,
        as_of: DateTime<Utc>,
    ) -> Result<ReportData> {
        self.report_data_for(year, scope, as_of, &ReportReader::default())
            .await
    }

    /// [`Store::report_data`] over the cases `reader` may read only.
    pub async fn report_data_for(
        &self,
        year: i32,
        scope: &Scope,
        as_of: DateTime<Utc>,
        reader: &ReportReader,
    ) -> Result<ReportData> {
        let (units, scope_name) = self.units_in_scope(year, scope).await?;
        let unit_filter: Option<Vec<String>> = match scope {
            Scope::Organisation => None,
            _ => Some(units.iter().map(|u| u.id.clone()).collect()),
        };
        let investigated_kinds: Vec<String> = self
            .definitions
            .names()
            .into_iter()
            .filter(|name| {
                self.definitions
                    .current(name)
                    .is_ok_and(|d| d.outcome_field().is_some())
                    && reader.kinds.as_ref().is_none_or(|k| k.contains(name))
            })
            .collect();
        let in_scope = unit_filter.as_deref();
        // Three independent reads, each on its own pooled connection.
        let ((tallies, tallies_ms), (investigated, investigated_ms), (repeats, repeats_ms)) = tokio::try_join!(
            timed(self.tallies(year, in_scope)),
            timed(self.investigated(year, &investigated_kinds, in_scope, reader)),
            timed(self.repeats(year, &investigated_kinds, in_scope, reader)),
        )?;
        let mut tallies = tallies;
        tallies.retain(|t| reader.admits(&t.kind, &t.lagrum));
        tracing::debug!(
            year,
            tally_rows = tallies.len(),
            investigated = investigated.len(),
            repeat_pairs = repeats.len(),
            tallies_ms,
            investigated_ms,
            repeats_ms,
            "report data read"
        );
        Ok(ReportData {
            year,
            scope: scope.clone(),
            scope_name,
            as_of,
            units,
            tallies,
            investigated,
            repeats,
        })
    }

    /// The units of `scope`, each in the verksamhetsområde it belonged to
    /// at the end of `year` (a unit moved since counts where it was).
    async fn units_in_scope(&self, year: i32, scope: &Scope) -> Result<(Vec<UnitInfo>, String)> {
        let then = self
            .areas_at(varna_workflow::local::year_start(year + 1))
            .await?;
        let areas: HashMap<String, String> = verksamhetsomrade::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let mut all: Vec<UnitInfo> = unit::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| {
                let area_id = then.get(&u.id).cloned().unwrap_or(u.verksamhetsomrade_id);
                UnitInfo {
                    area_name: areas
                        .get(&area_id)
                        .cloned()
                        .unwrap_or_else(|| area_id.clone()),
                    id: u.id,
                    name: u.name,
                    area_id,
                }
            })
            .collect();
        all.sort_by(|a, b| (&a.area_id, &a.id).cmp(&(&b.area_id, &b.id)));
        match scope {
            Scope::Organisation => {
                let orgs = organisation::Entity::find().all(&self.db).await?;
                let name = match orgs.as_slice() {
                    [only] => only.name.clone(),
                    _ => "Hela organisationen".to_owned(),
                };
                Ok((all, name))
            }
            Scope::Area(id) => {
                let name = areas
                    .get(id)
                    .cloned()
                    .ok_or_else(|| Error::UnknownScope(format!("verksamhetsområde {id}")))?;
                Ok((all.into_iter().filter(|u| &u.area_id == id).collect(), name))
            }
            Scope::Unit(id) => {
                let unit: Vec<UnitInfo> = all.into_iter().filter(|u| &u.id == id).collect();
                let name = unit
                    .first()
                    .map(|u| u.name.clone())
                    .ok_or_else(|| Error::UnknownScope(format!("unit {id}")))?;
                Ok((unit, name))
            }
        }
    }

    /// The tallies at the grain the report uses: per unit and month for
    /// the case counts of the report year; per unit for gender, feedback
    /// kind and the previous year's case counts (month 1); over the units
    /// in scope (`unit_id` empty) for the rest, per month only for
    /// categories. The whole organisation reads the organisation-wide rows
    /// kept for that; a scope sums its units' rows.
    async fn tallies(&self, year: i32, units: Option<&[String]>) -> Result<Vec<Tally>> {
        let backend = self.db.get_database_backend();
        let per_unit = || [DIM_CASES, DIM_GENDER, DIM_FEEDBACK].map(str::to_owned);
        let statements: Vec<(String, Params)> = match units {
            None => {
                let mut params = Params::new(backend);
                let (current, all) = (params.push(year), params.push(ALL_UNITS.to_owned()));
                let (current_again, dims) = (params.push(year), params.list(per_unit()));
                let (previous, cases) = (params.push(year - 1), params.push(DIM_CASES.to_owned()));
                let columns = "year, unit_id, kind, lagrum, dimension, value";
                let sql = format!(
                    "SELECT {columns}, month, n FROM case_tally \
                     WHERE year = {current} AND unit_id = {all} AND n <> 0 \
                     UNION ALL \
                     SELECT {columns}, month, n FROM case_tally \
                     WHERE year = {current_again} AND dimension IN ({dims}) \
                       AND unit_id <> '' AND n <> 0 \
                     UNION ALL \
                     SELECT {columns}, 1 AS month, CAST(SUM(n) AS BIGINT) AS n FROM case_tally \
                     WHERE year = {previous} AND dimension = {cases} AND unit_id <> '' \
                     GROUP BY {columns}"
                );
                vec![(sql, params)]
            }
            Some(units) => units
                .chunks(CHUNK)
                .map(|chunk| {
                    let mut params = Params::new(backend);
                    let current = params.push(year);
                    let unit_grain = params.list(per_unit());
                    let current_again = params.push(year);
                    let month_grain = params.list([DIM_CASES, DIM_CATEGORY].map(str::to_owned));
                    let previous = params.push(year - 1);
                    let current_in = params.push(year);
                    let current_only = params.push(year);
                    let cases = params.push(DIM_CASES.to_owned());
                    let unit_list = params.list(chunk.iter().cloned());
                    let sql = format!(
                        "SELECT year, \
                                CASE WHEN year <> {current} OR dimension IN ({unit_grain}) \
                                     THEN unit_id ELSE '' END AS unit_id, \
                                kind, lagrum, dimension, value, \
                                CASE WHEN year = {current_again} AND dimension IN ({month_grain}) \
                                     THEN month ELSE 1 END AS month, \
                                CAST(SUM(n) AS BIGINT) AS n \
                         FROM case_tally \
                         WHERE year IN ({previous}, {current_in}) \
                           AND (year = {current_only} OR dimension = {cases}) \
                           AND unit_id IN ({unit_list}) AND n <> 0 \
                         GROUP BY 1, 2, 3, 4, 5, 6, 7"
                    );
                    (sql, params)
                })
                .collect(),
        };
        let mut rows = Vec::new();
        for (sql, params) in statements {
            let found = self
                .db
                .query_all_raw(Statement::from_sql_and_values(backend, sql, params.values))
                .await?;
            for row in found {
                let n: i64 = row.try_get("", "n")?;
                if n == 0 {
                    continue;
                }
                let month: i32 = row.try_get("", "month")?;
                rows.push(Tally {
                    year: row.try_get("", "year")?,
                    month: u32::try_from(month).unwrap_or(1).clamp(1, 12),
                    unit_id: row.try_get("", "unit_id")?,
                    kind: row.try_get("", "kind")?,
                    lagrum: row.try_get("", "lagrum")?,
                    dimension: row.try_get("", "dimension")?,
                    value: row.try_get("", "value")?,
                    n,
                });
            }
        }
        Ok(rows)
    }

    async fn investigated(
        &self,
        year: i32,
        kinds: &[String],
        units: Option<&[String]>,
        reader: &ReportReader,
    ) -> Result<Vec<InvestigatedCase>> {
        let (start, end) = year_bounds(year);
        let mut select = cases::Entity::find()
            .select_only()
            .columns([
                cases::Column::Id,
                cases::Column::Kind,
                cases::Column::UnitId,
                cases::Column::OpenedAt,
            ])
            .filter(cases::Column::Kind.is_in(kinds.iter().cloned()))
            .filter(cases::Column::OpenedAt.gte(start))
            .filter(cases::Column::OpenedAt.lt(end))
            .filter(Expr::cust(not_a_duplicate("cases")));
        if let Some(units) = units {
            select = select.filter(cases::Column::UnitId.is_in(units.iter().cloned()));
        }
        if let Some(lagrum) = &reader.lagrum {
            select = select.filter(cases::Column::Lagrum.is_in(lagrum.iter().cloned()));
        }
        let found: Vec<(String, String, String, DateTime<Utc>)> =
            select.into_tuple().all(&self.db).await?;
        let mut out = Vec::with_capacity(found.len());
        for kind in kinds {
            let outcome_field = self
                .definitions
                .current(kind)
                .ok()
                .and_then(|d| d.outcome_field().map(|f| f.name.clone()))
                .unwrap_or_default();
            let of_kind: Vec<_> = found.iter().filter(|c| &c.1 == kind).collect();
            for chunk in of_kind.chunks(CHUNK) {
                let ids: Vec<String> = chunk.iter().map(|c| c.0.clone()).collect();
                let mut by_case = self.timing_events(&outcome_field, ids).await?;
                for (id, kind, unit_id, opened_at) in chunk.iter().copied() {
                    out.push(timings(
                        InvestigatedCase {
                            case_id: id.clone(),
                            kind: kind.clone(),
                            unit_id: unit_id.clone(),
                            opened_at: *opened_at,
                            assessed_at: None,
                            clocks: Vec::new(),
                        },
                        by_case.remove(id).unwrap_or_default(),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// The `filed` and `transitioned` events of some cases, reduced in the
    /// database to what the timings read: the clocks started and met, and
    /// whether the outcome field was set. Case text never leaves it.
    async fn timing_events(
        &self,
        outcome_field: &str,
        ids: Vec<String>,
    ) -> Result<HashMap<String, Vec<TimingEvent>>> {
        let backend = self.db.get_database_backend();
        let mut params = Params::new(backend);
        let sql = if backend == DatabaseBackend::Postgres {
            let field = params.push(outcome_field.to_owned());
            let list = params.list(ids);
            format!(
                "SELECT case_id, occurred_at, \
                        (j -> 'deadlines_started')::text AS started, \
                        (j -> 'deadlines_met')::text AS met, \
                        (j -> 'fields' -> {field}) IS NOT NULL AS ruled \
                 FROM (SELECT case_id, sequence, occurred_at, payload::jsonb AS j FROM event \
                       WHERE case_id IN ({list}) \
                         AND event_type IN ('filed', 'transitioned')) e \
                 ORDER BY case_id, sequence"
            )
        } else {
            let path = params.push(format!("$.fields.\"{outcome_field}\""));
            let list = params.list(ids);
            format!(
                "SELECT case_id, occurred_at, \
                        json_extract(payload, '$.deadlines_started') AS started, \
                        json_extract(payload, '$.deadlines_met') AS met, \
                        json_type(payload, {path}) IS NOT NULL AS ruled \
                 FROM event \
                 WHERE case_id IN ({list}) AND event_type IN ('filed', 'transitioned') \
                 ORDER BY case_id, sequence"
            )
        };
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, params.values))
            .await?;
        let mut by_case: HashMap<String, Vec<TimingEvent>> = HashMap::new();
        for row in rows {
            let case_id: String = row.try_get("", "case_id")?;
            let list = |column: &str| -> Result<Option<String>> { Ok(row.try_get("", column)?) };
            let parse = |text: Option<String>| -> Result<Vec<serde_json::Value>> {
                match text {
                    None => Ok(Vec::new()),
                    Some(text) => serde_json::from_str(&text).map_err(|e| {
                        Error::Corrupt(format!("an event of case {case_id} does not parse: {e}"))
                    }),
                }
            };
            let started = parse(list("started")?)?
                .iter()
                .filter_map(|s| s.get("id").and_then(|id| id.as_str()).map(str::to_owned))
                .collect();
            let met = parse(list("met")?)?
                .iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect();
            let event = TimingEvent {
                at: row.try_get("", "occurred_at")?,
                ruled: row.try_get("", "ruled")?,
                started,
                met,
            };
            by_case.entry(case_id).or_default().push(event);
        }
        Ok(by_case)
    }

    async fn repeats(
        &self,
        year: i32,
        kinds: &[String],
        units: Option<&[String]>,
        reader: &ReportReader,
    ) -> Result<Vec<RepeatPair>> {
        if kinds.is_empty() || units.is_some_and(<[String]>::is_empty) {
            return Ok(Vec::new());
        }
        // Both joins read covering indexes only: (unit_id, category,
        // opened_epoch, id, kind) and, for a person, (personnummer,
        // opened_epoch, case_id) then (id, opened_epoch, kind).
        let window = REPEAT_WINDOW_DAYS * 86_400;
        let same_category =
            "JOIN cases p ON p.unit_id = c.unit_id AND p.category = c.category".to_owned();
        let same_person = format!(
            "JOIN case_person cp ON cp.case_id = c.id \
             JOIN case_person pp ON pp.personnummer = cp.personnummer \
                  AND pp.opened_epoch >= c.opened_epoch - {window} \
                  AND pp.opened_epoch <= c.opened_epoch \
             JOIN cases p ON p.id = pp.case_id"
        );
        let (mut pairs, by_person) = tokio::try_join!(
            self.repeat_pairs(
                RepeatReason::SameCategory,
                &same_category,
                year,
                kinds,
                units,
                reader,
            ),
            self.repeat_pairs(
                RepeatReason::SamePerson,
                &same_person,
                year,
                kinds,
                units,
                reader
            ),
        )?;
        pairs.extend(by_person);
        Ok(pairs)
    }

    /// The pairs one join finds: an investigated case opened in `year` and
    /// an earlier, unlinked case at most [`REPEAT_WINDOW_DAYS`] before it.
    async fn repeat_pairs(
        &self,
        reason: RepeatReason,
        join: &str,
        year: i32,
        kinds: &[String],
        units: Option<&[String]>,
        reader: &ReportReader,
    ) -> Result<Vec<RepeatPair>> {
        let backend = self.db.get_database_backend();
        // Pushed in the order they appear in the text (SQLite binds by position).
        let mut params = Params::new(backend);
        let window = REPEAT_WINDOW_DAYS * 86_400;
        let kind_list = params.list(kinds.iter().cloned());
        let (start, end) = year_bounds(year);
        let start = params.push(start);
        let end = params.push(end);
        let unit_clause = match units {
            Some(units) => format!("AND c.unit_id IN ({})", params.list(units.iter().cloned())),
            None => String::new(),
        };
        // Both cases of a pair are the reader's, or the pair is not shown.
        let mut reader_clause = String::new();
        if let Some(lagrum) = &reader.lagrum {
            let (mine, earlier) = (
                params.list(lagrum.iter().cloned()),
                params.list(lagrum.iter().cloned()),
            );
            reader_clause.push_str(&format!(
                " AND c.lagrum IN ({mine}) AND p.lagrum IN ({earlier})"
            ));
        }
        if let Some(kinds) = &reader.kinds {
            let earlier = params.list(kinds.iter().cloned());
            reader_clause.push_str(&format!(" AND p.kind IN ({earlier})"));
        }
        let sql = format!(
            "SELECT c.id AS case_id, c.kind AS kind, c.unit_id AS unit_id, \
                    c.category AS category, c.opened_at AS opened_at, \
                    p.id AS earlier_id, p.kind AS earlier_kind, p.opened_epoch AS earlier_epoch \
             FROM cases c {join} \
             AND p.id <> c.id \
             AND p.opened_epoch >= c.opened_epoch - {window} \
             AND (p.opened_epoch < c.opened_epoch \
                  OR (p.opened_epoch = c.opened_epoch AND p.id < c.id)) \
             WHERE c.kind IN ({kind_list}) \
               AND c.opened_at >= {start} AND c.opened_at < {end} {unit_clause}{reader_clause} \
               AND NOT EXISTS (SELECT 1 FROM case_link l \
                               WHERE l.case_id = c.id AND l.other_case_id = p.id) \
               AND {c_original} AND {p_original}",
            c_original = not_a_duplicate("c"),
            p_original = not_a_duplicate("p"),
        );
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, params.values))
            .await?;
        rows.into_iter()
            .map(|row| {
                let epoch: i64 = row.try_get("", "earlier_epoch")?;
                Ok(RepeatPair {
                    case_id: row.try_get("", "case_id")?,
                    kind: row.try_get("", "kind")?,
                    unit_id: row.try_get("", "unit_id")?,
                    category: row.try_get("", "category")?,
                    opened_at: row.try_get("", "opened_at")?,
                    earlier_case_id: row.try_get("", "earlier_id")?,
                    earlier_kind: row.try_get("", "earlier_kind")?,
                    earlier_opened_at: Utc.timestamp_opt(epoch, 0).single().ok_or_else(|| {
                        Error::Corrupt("a case's opening time is out of range".into())
                    })?,
                    reason,
                })
            })
            .collect()
    }
}

/// The condition that the `cases` row `alias` is not marked as a duplicate
/// (a duplicate's matter is counted under its original).
fn not_a_duplicate(alias: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM case_link dl WHERE dl.case_id = {alias}.id \
         AND dl.link_kind = 'duplicate_of' AND dl.link_end = 'opened')"
    )
}

/// The result of `read` and how many milliseconds it took.
async fn timed<T>(read: impl std::future::Future<Output = Result<T>>) -> Result<(T, u128)> {
    let started = std::time::Instant::now();
    let value = read.await?;
    Ok((value, started.elapsed().as_millis()))
}

/// Start of `year` and of the next, Swedish time (as UTC instants).
fn year_bounds(year: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = varna_workflow::local::year_start;
    (start(year), start(year + 1))
}

/// What the timings read of a `filed` or `transitioned` event.
struct TimingEvent {
    at: DateTime<Utc>,
    /// Whether it set the outcome field.
    ruled: bool,
    /// Clocks it started.
    started: Vec<String>,
    /// Clocks it met.
    met: Vec<String>,
}

/// Walks a case's events: when each clock started and was met, and when
/// the outcome was first recorded.
fn timings(mut case: InvestigatedCase, events: Vec<TimingEvent>) -> InvestigatedCase {
    let mut clocks: BTreeMap<String, ClockTiming> = BTreeMap::new();
    for event in events {
        if case.assessed_at.is_none() && event.ruled {
            case.assessed_at = Some(event.at);
        }
        for id in event.started {
            clocks.insert(
                id.clone(),
                ClockTiming {
                    deadline_id: id,
                    started_at: event.at,
                    met_at: None,
                },
            );
        }
        for id in event.met {
            if let Some(clock) = clocks.get_mut(&id) {
                clock.met_at = Some(event.at);
            }
        }
    }
    case.clocks = clocks.into_values().collect();
    case
}
