//! `report_data`: what the quality report is built from, read in a handful
//! of indexed queries: the pre-aggregated `case_tally` rows of two years,
//! the event histories of the year's investigated cases (lex Sarah, lex
//! Maria: a few per thousand cases) for lead times, and the repeat pairs
//! found by two self-joins on indexed columns. Personnummer are compared
//! inside the database and never read out.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use varna_report::input::{
    ClockTiming, DIM_CASES, DIM_CATEGORY, DIM_FEEDBACK, DIM_GENDER, InvestigatedCase, RepeatPair,
    RepeatReason, ReportData, Scope, Tally, UnitInfo,
};
use varna_workflow::{EventKind, Value as FieldValue};

use crate::Store;
use crate::entities::org::{organisation, unit, verksamhetsomrade};
use crate::entities::{cases, event};
use crate::error::{Error, Result};
use crate::queries::StoredEvent;

/// How far back an earlier case counts as a repeat.
pub const REPEAT_WINDOW_DAYS: i64 = 90;
/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

impl Store {
    /// Everything the report for `year` and `scope` is built from, read
    /// at `as_of`. An unknown area or unit is `Error::UnknownScope`.
    pub async fn report_data(
        &self,
        year: i32,
        scope: &Scope,
        as_of: DateTime<Utc>,
    ) -> Result<ReportData> {
        let (units, scope_name) = self.units_in_scope(scope).await?;
        let unit_filter: Option<Vec<String>> = match scope {
            Scope::Organisation => None,
            _ => Some(units.iter().map(|u| u.id.clone()).collect()),
        };
        let tallies = self.tallies(year, unit_filter.as_deref()).await?;
        let investigated_kinds: Vec<String> = self
            .definitions
            .names()
            .into_iter()
            .filter(|name| {
                self.definitions
                    .current(name)
                    .is_ok_and(|d| d.outcome_field().is_some())
            })
            .collect();
        let investigated = self
            .investigated(year, &investigated_kinds, unit_filter.as_deref())
            .await?;
        let repeats = self
            .repeats(year, &investigated_kinds, unit_filter.as_deref())
            .await?;
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

    async fn units_in_scope(&self, scope: &Scope) -> Result<(Vec<UnitInfo>, String)> {
        let areas: HashMap<String, String> = verksamhetsomrade::Entity::find()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect();
        let all: Vec<UnitInfo> = unit::Entity::find()
            .order_by_asc(unit::Column::VerksamhetsomradeId)
            .order_by_asc(unit::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| UnitInfo {
                area_name: areas
                    .get(&u.verksamhetsomrade_id)
                    .cloned()
                    .unwrap_or_else(|| u.verksamhetsomrade_id.clone()),
                id: u.id,
                name: u.name,
                area_id: u.verksamhetsomrade_id,
            })
            .collect();
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

    /// The tallies, summed in the database to the grain the report uses:
    /// per unit and month for the case counts of the report year; per
    /// unit for gender, feedback kind and the previous year's case counts;
    /// over the units in scope (`unit_id` empty) for the rest, per month
    /// only for categories. Collapsed months read as month 1.
    async fn tallies(&self, year: i32, units: Option<&[String]>) -> Result<Vec<Tally>> {
        let backend = self.db.get_database_backend();
        let mut rows = Vec::new();
        let chunks: Vec<Option<&[String]>> = match units {
            None => vec![None],
            Some(units) => units.chunks(CHUNK).map(Some).collect(),
        };
        for chunk in chunks {
            let mut params = Params::new(backend);
            let current = params.push(year);
            let unit_grain = params.list(
                [DIM_CASES, DIM_GENDER, DIM_FEEDBACK]
                    .iter()
                    .map(|d| (*d).to_owned()),
            );
            let current_again = params.push(year);
            let month_grain =
                params.list([DIM_CASES, DIM_CATEGORY].iter().map(|d| (*d).to_owned()));
            let first = params.push(year - 1);
            let last = params.push(year);
            let current_only = params.push(year);
            let cases = params.push(DIM_CASES.to_owned());
            let unit_clause = match chunk {
                Some(units) => format!("AND unit_id IN ({})", params.list(units.iter().cloned())),
                None => String::new(),
            };
            let sql = format!(
                "SELECT year, \
                        CASE WHEN year <> {current} OR dimension IN ({unit_grain}) \
                             THEN unit_id ELSE '' END AS unit_id, \
                        kind, lagrum, dimension, value, \
                        CASE WHEN year = {current_again} AND dimension IN ({month_grain}) \
                             THEN month ELSE 1 END AS month, \
                        CAST(SUM(n) AS BIGINT) AS n \
                 FROM case_tally \
                 WHERE year BETWEEN {first} AND {last} \
                   AND (year = {current_only} OR dimension = {cases}) \
                   AND n <> 0 {unit_clause} \
                 GROUP BY 1, 2, 3, 4, 5, 6, 7"
            );
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
                    month: u32::try_from(month).unwrap_or(1),
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
            .filter(cases::Column::OpenedAt.lt(end));
        if let Some(units) = units {
            select = select.filter(cases::Column::UnitId.is_in(units.iter().cloned()));
        }
        let found: Vec<(String, String, String, DateTime<Utc>)> =
            select.into_tuple().all(&self.db).await?;
        let mut out = Vec::with_capacity(found.len());
        for chunk in found.chunks(CHUNK) {
            let rows = event::Entity::find()
                .filter(event::Column::CaseId.is_in(chunk.iter().map(|c| c.0.clone())))
                .order_by_asc(event::Column::CaseId)
                .order_by_asc(event::Column::Sequence)
                .all(&self.db)
                .await?;
            let mut by_case: HashMap<String, Vec<event::Model>> = HashMap::new();
            for row in rows {
                by_case.entry(row.case_id.clone()).or_default().push(row);
            }
            for (id, kind, unit_id, opened_at) in chunk {
                let events = by_case.remove(id).unwrap_or_default();
                let outcome_field = self
                    .definitions
                    .current(kind)
                    .ok()
                    .and_then(|d| d.outcome_field().map(|f| f.name.clone()));
                out.push(timings(
                    InvestigatedCase {
                        case_id: id.clone(),
                        kind: kind.clone(),
                        unit_id: unit_id.clone(),
                        opened_at: *opened_at,
                        assessed_at: None,
                        clocks: Vec::new(),
                    },
                    outcome_field.as_deref(),
                    events,
                )?);
            }
        }
        Ok(out)
    }

    async fn repeats(
        &self,
        year: i32,
        kinds: &[String],
        units: Option<&[String]>,
    ) -> Result<Vec<RepeatPair>> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let mut pairs = Vec::new();
        for (reason, join) in [
            (
                RepeatReason::SameCategory,
                "JOIN cases p ON p.unit_id = c.unit_id AND p.category = c.category",
            ),
            (
                RepeatReason::SamePerson,
                "JOIN case_person cp ON cp.case_id = c.id \
                 JOIN case_person pp ON pp.personnummer = cp.personnummer \
                 JOIN cases p ON p.id = pp.case_id",
            ),
        ] {
            // Pushed in the order they appear in the text (SQLite binds by position).
            let mut params = Params::new(self.db.get_database_backend());
            let window = params.push(REPEAT_WINDOW_DAYS * 86_400);
            let kind_list = params.list(kinds.iter().cloned());
            let (start, end) = year_bounds(year);
            let start = params.push(start);
            let end = params.push(end);
            let unit_clause = match units {
                Some([]) => return Ok(Vec::new()),
                Some(units) => format!("AND c.unit_id IN ({})", params.list(units.iter().cloned())),
                None => String::new(),
            };
            let sql = format!(
                "SELECT c.id AS case_id, c.kind AS kind, c.unit_id AS unit_id, \
                        c.category AS category, c.opened_at AS opened_at, \
                        p.id AS earlier_id, p.kind AS earlier_kind, p.opened_at AS earlier_at \
                 FROM cases c {join} \
                 AND p.id <> c.id \
                 AND p.opened_epoch >= c.opened_epoch - {window} \
                 AND (p.opened_epoch < c.opened_epoch \
                      OR (p.opened_epoch = c.opened_epoch AND p.id < c.id)) \
                 WHERE c.kind IN ({kind_list}) \
                   AND c.opened_at >= {start} AND c.opened_at < {end} {unit_clause} \
                   AND NOT EXISTS (SELECT 1 FROM case_link l \
                                   WHERE l.case_id = c.id AND l.other_case_id = p.id)"
            );
            let rows = self
                .db
                .query_all_raw(Statement::from_sql_and_values(
                    self.db.get_database_backend(),
                    sql,
                    params.values,
                ))
                .await?;
            for row in rows {
                pairs.push(RepeatPair {
                    case_id: row.try_get("", "case_id")?,
                    kind: row.try_get("", "kind")?,
                    unit_id: row.try_get("", "unit_id")?,
                    category: row.try_get("", "category")?,
                    opened_at: row.try_get("", "opened_at")?,
                    earlier_case_id: row.try_get("", "earlier_id")?,
                    earlier_kind: row.try_get("", "earlier_kind")?,
                    earlier_opened_at: row.try_get("", "earlier_at")?,
                    reason,
                });
            }
        }
        Ok(pairs)
    }
}

/// Start of `year` and of the next, UTC.
fn year_bounds(year: i32) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |y: i32| {
        Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    };
    (start(year), start(year + 1))
}

/// Walks a case's events: when each clock started and was met, and when
/// the outcome field was first set.
fn timings(
    mut case: InvestigatedCase,
    outcome_field: Option<&str>,
    rows: Vec<event::Model>,
) -> Result<InvestigatedCase> {
    let mut clocks: BTreeMap<String, ClockTiming> = BTreeMap::new();
    for row in rows {
        let stored = StoredEvent::from_row(row)?;
        let at = stored.event.occurred_at;
        let (fields, started, met) = match &stored.event.kind {
            EventKind::Filed {
                fields,
                deadlines_started,
                ..
            } => (fields, deadlines_started, &[][..]),
            EventKind::Transitioned {
                fields,
                deadlines_started,
                deadlines_met,
                ..
            } => (fields, deadlines_started, deadlines_met.as_slice()),
            _ => continue,
        };
        if case.assessed_at.is_none()
            && outcome_field.is_some_and(|f| fields.get(f).and_then(FieldValue::as_text).is_some())
        {
            case.assessed_at = Some(at);
        }
        for s in started {
            clocks.insert(
                s.id.clone(),
                ClockTiming {
                    deadline_id: s.id.clone(),
                    started_at: at,
                    met_at: None,
                },
            );
        }
        for id in met {
            if let Some(clock) = clocks.get_mut(id) {
                clock.met_at = Some(at);
            }
        }
    }
    case.clocks = clocks.into_values().collect();
    Ok(case)
}

/// Bind parameters with the backend's placeholder syntax.
struct Params {
    backend: DatabaseBackend,
    values: Vec<Value>,
}

impl Params {
    fn new(backend: DatabaseBackend) -> Self {
        Params {
            backend,
            values: Vec::new(),
        }
    }

    fn push(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    fn list(&mut self, values: impl IntoIterator<Item = String>) -> String {
        values
            .into_iter()
            .map(|v| self.push(v))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
