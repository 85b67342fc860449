//! The store every API, application and page test starts from (as
//! zero2prod's `spawn_app`): a fresh SQLite file with the shipped
//! lifecycles and the test units registered.

use std::path::Path;
use std::sync::Arc;

use varna_store::{NewUnit, Store, StoreConfig};

/// A store on a new SQLite file `name` in `dir`, with the shipped
/// lifecycles and `units` — (unit id, verksamhetsområde id) — registered
/// in one organisation.
pub async fn sqlite_store(dir: &Path, name: &str, units: &[(&str, &str)]) -> Arc<Store> {
    sqlite_store_with(dir, name, units, &crate::shipped_catalog()).await
}

/// The same, loaded with `catalog` (the shipped lifecycles and others).
pub async fn sqlite_store_with(
    dir: &Path,
    name: &str,
    units: &[(&str, &str)],
    catalog: &varna_workflow::Catalog,
) -> Arc<Store> {
    let url = format!("sqlite://{}/{name}?mode=rwc", dir.display());
    let store = Store::open(&StoreConfig::new(url), catalog)
        .await
        .expect("the test store opens");
    for (id, area) in units {
        store
            .upsert_unit(NewUnit {
                id: (*id).into(),
                name: (*id).into(),
                verksamhetsomrade_id: (*area).into(),
                verksamhetsomrade_name: (*area).into(),
                organisation_id: "k".into(),
                organisation_name: "K".into(),
            })
            .await
            .expect("a test unit");
    }
    Arc::new(store)
}
