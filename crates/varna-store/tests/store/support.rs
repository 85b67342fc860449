//! The store test harness: every test body runs once on a fresh SQLite file
#![allow(unreachable_pub)]
//! and once on a throwaway PostgreSQL cluster (skipped loudly when
//! PostgreSQL is not installed, and failing instead under CI=true).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use varna_store::audit::Break;
use varna_store::{Applied, CaseId, CommandOptions, NewAccess, NewUnit, Store, StoreConfig};
use varna_testkit::PgCluster;
use varna_workflow::{
    Actor, ActorId, Author, Command, EntryKind, Fields, FileCase, JournalEntry, Lagrum, Role,
    UnitId, Value,
};

pub use varna_testkit::shipped_catalog as catalog;

pub const LINDEN: &str = "linden";
pub const NORR: &str = "hemtjanst-norr";

#[allow(dead_code)]
enum Guard {
    Sqlite(tempfile::TempDir),
    Postgres(PgCluster),
}

/// A store on one backend, with the means to tamper with it.
pub struct Harness {
    pub store: Store,
    pub url: String,
    pub backend: &'static str,
    _guard: Guard,
}

impl Harness {
    pub async fn sqlite() -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/varna.db?mode=rwc", dir.path().display());
        Self::open(url, "sqlite", Guard::Sqlite(dir)).await
    }

    pub async fn postgres(test: &str) -> Option<Harness> {
        let cluster = PgCluster::start_or_skip(test)?;
        let url = cluster.url();
        Some(Self::open(url, "postgres", Guard::Postgres(cluster)).await)
    }

    async fn open(url: String, backend: &'static str, guard: Guard) -> Harness {
        let store = Store::open(&StoreConfig::new(url.clone()), &catalog())
            .await
            .expect("store opens");
        for (id, name, vo, vo_name) in [
            (
                LINDEN,
                "Lindens vård- och omsorgsboende",
                "aldreomsorg",
                "Äldreomsorg",
            ),
            (NORR, "Hemtjänst Norr", "hemtjanst", "Ordinärt boende"),
        ] {
            store
                .upsert_unit(NewUnit {
                    id: id.into(),
                    name: name.into(),
                    verksamhetsomrade_id: vo.into(),
                    verksamhetsomrade_name: vo_name.into(),
                    organisation_id: "kommunen".into(),
                    organisation_name: "Exempelkommunen".into(),
                })
                .await
                .expect("unit registers");
        }
        Harness {
            store,
            url,
            backend,
            _guard: guard,
        }
    }

    /// A second connection, for raw SQL that bypasses the store (tampering, checks).
    pub async fn raw(&self) -> DatabaseConnection {
        // Without the idle reaper, as the store's own pool (see backend.rs).
        let mut options = sea_orm::ConnectOptions::new(self.url.clone());
        options
            .idle_timeout(None::<std::time::Duration>)
            .max_lifetime(None::<std::time::Duration>);
        Database::connect(options).await.expect("raw connection")
    }

    pub async fn exec(&self, sql: &str) {
        let db = self.raw().await;
        db.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        db.close().await.expect("closes");
    }

    pub async fn count(&self, table: &str) -> i64 {
        let db = self.raw().await;
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .expect("count")
            .expect("one row");
        let n: i64 = row.try_get("", "n").expect("a count");
        db.close().await.expect("closes");
        n
    }

    /// Every row of a table as text, in a stable order (for equality checks).
    pub async fn dump(&self, table: &str, order_by: &str) -> Vec<String> {
        let db = self.raw().await;
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!("SELECT * FROM {table} ORDER BY {order_by}"),
            ))
            .await
            .expect("dump");
        // A row's Debug output says nothing of its values ("cannot be
        // inspected"), so each column is decoded as the first type that fits.
        let out = rows
            .iter()
            .map(|r| {
                r.column_names()
                    .iter()
                    .map(|c| {
                        let c = c.as_str();
                        let v = r.try_get::<Option<String>>("", c).map(|v| format!("{v:?}"));
                        let v = v
                            .or_else(|_| r.try_get::<Option<i64>>("", c).map(|v| format!("{v:?}")));
                        let v = v
                            .or_else(|_| r.try_get::<Option<i32>>("", c).map(|v| format!("{v:?}")));
                        let v = v.or_else(|_| {
                            r.try_get::<Option<bool>>("", c).map(|v| format!("{v:?}"))
                        });
                        let v = v.or_else(|_| {
                            r.try_get::<Option<DateTime<Utc>>>("", c)
                                .map(|v| format!("{v:?}"))
                        });
                        let v = v.or_else(|_| {
                            r.try_get::<Option<chrono::NaiveDate>>("", c)
                                .map(|v| format!("{v:?}"))
                        });
                        format!("{c}={}", v.unwrap_or_else(|e| panic!("{table}.{c}: {e}")))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        db.close().await.expect("closes");
        out
    }
}

/// Runs a test body on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(crate::support::Harness::sqlite().await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(h) = crate::support::Harness::postgres(concat!(module_path!(), "::postgres")).await {
                        super::$name(h).await;
                    }
                }
            }
        )*
    };
}
pub(crate) use on_both_backends;

/// Asserts that both chains verify and the projections cover the events:
/// no break of any kind, proven by the one pass over the log (both
/// harness stores, a SQLite file and PostgreSQL, are read so) — an intact
/// log it cannot prove would be walked twice as slowly for nothing.
pub async fn assert_intact(store: &Store) {
    let report = store.verify_audit(|_| {}).await.expect("verifies");
    if let Some(problem) = report.problem {
        panic!(
            "{:?}: the audit trail should verify, found {problem}",
            store.backend()
        );
    }
    assert!(
        report.one_pass,
        "{:?}: an intact audit trail should be proven in one pass",
        store.backend()
    );
}

/// The break verification reports; panics, naming the backend, when the
/// audit trail verifies although the test broke it.
pub async fn first_break(store: &Store) -> Break {
    let report = store.verify_audit(|_| {}).await.expect("verifies");
    report.problem.unwrap_or_else(|| {
        panic!(
            "{:?}: the audit trail verified, a break was expected",
            store.backend()
        )
    })
}

/// An auditor's view of `case` by `who`, `seconds` after the test's start.
pub fn case_view(who: &str, case: &CaseId, seconds: i64) -> NewAccess {
    NewAccess {
        actor_id: who.into(),
        role: Role::Auditor,
        case_id: case.clone(),
        purpose: "case_view".into(),
        at: t0() + Duration::seconds(seconds),
    }
}

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid")
}

pub fn actor(role: Role, unit: &str) -> Actor {
    Actor {
        id: ActorId::new(format!("{role}-{unit}")),
        role,
        units: BTreeSet::from([UnitId::new(unit)]),
    }
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

pub fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

pub fn at(offset_hours: i64) -> CommandOptions {
    CommandOptions {
        now: Some(t0() + Duration::hours(offset_hours)),
        ..CommandOptions::default()
    }
}

pub async fn file_lex_sarah(store: &Store, unit: &str) -> Applied {
    file_lex_sarah_under(store, unit, Lagrum::Sol).await
}

/// A lex Sarah case filed at Linden and acknowledged by the SAS `hours`
/// after the test's start (in utredning, version 2).
pub async fn acknowledged_lex_sarah(store: &Store, hours: i64) -> CaseId {
    let id = file_lex_sarah(store, LINDEN).await.case_id;
    take(
        store,
        &id,
        Role::Sas,
        transition("acknowledge", fields(&[])),
        hours,
    )
    .await;
    id
}

/// A lex Sarah report under `lagrum`: under LSS the protective-measures
/// clock runs three days (utan dröjsmål), so after a day only the SAS clock
/// has passed.
pub async fn file_lex_sarah_under(store: &Store, unit: &str, lagrum: Lagrum) -> Applied {
    store
        .file_case(
            "lex-sarah",
            FileCase {
                lagrum,
                unit: UnitId::new(unit),
                fields: fields(&[
                    ("what_happened", text("Brukaren lämnades utan tillsyn")),
                    ("occurred_on", text("2026-03-01")),
                    ("noticed_on", text("2026-03-01")),
                    ("affected_gender", text("kvinna")),
                ]),
            },
            None,
            &actor(Role::Reporter, unit),
            at(0),
        )
        .await
        .expect("filed")
}

pub async fn file_avvikelse(store: &Store, unit: &str, lagrum: Lagrum, hours: i64) -> Applied {
    store
        .file_case(
            "avvikelse",
            FileCase {
                lagrum,
                unit: UnitId::new(unit),
                fields: fields(&[
                    ("what_happened", text("Fall i badrummet")),
                    ("occurred_on", text("2026-03-01")),
                    ("category", text("fall")),
                    ("affected_gender", text("man")),
                ]),
            },
            None,
            &actor(Role::UnitManager, unit),
            at(hours),
        )
        .await
        .expect("filed")
}

pub fn transition(name: &str, set: Fields) -> Command {
    Command::Transition {
        name: name.to_owned(),
        fields: set,
    }
}

pub fn entry(topic: &str) -> Command {
    Command::AddJournalEntry(JournalEntry::new(
        topic,
        format!("Dokumenterat: {topic}"),
        "Intervju med personal",
        EntryKind::Fact,
        t0().date_naive(),
        Author {
            name: "Sara Samordnare".to_owned(),
            title: "SAS".to_owned(),
        },
    ))
}

pub async fn take(
    store: &Store,
    case: &CaseId,
    role: Role,
    command: Command,
    hours: i64,
) -> Applied {
    store
        .execute(case, command, &actor(role, LINDEN), at(hours))
        .await
        .unwrap_or_else(|e| panic!("{role}: {e}"))
}
