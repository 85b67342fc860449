//! `schema/schema.graphql` is the generated SDL, checked in so that every
//! API change is a reviewed diff. This test fails when it differs from the
//! code; `UPDATE_EXPECT=1 cargo test -p varna-api --test schema_sdl` (or
//! `just schema`) rewrites it.

#[test]
fn the_checked_in_schema_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema/schema.graphql");
    let generated = varna_api::schema::sdl();
    let stored = std::fs::read_to_string(path).unwrap_or_default();
    if stored != generated {
        if std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1") {
            std::fs::write(path, &generated).expect("schema/ is writable");
        } else {
            panic!(
                "schema/schema.graphql differs from the code: run `just schema` (UPDATE_EXPECT=1 cargo test -p varna-api --test schema_sdl) and review the diff"
            );
        }
    }
}

/// A client that nobody here wrote must manage from introspection alone:
/// every type, field, argument, input field and enum value has a description.
#[tokio::test]
async fn every_type_and_field_is_described() {
    let query = "{ __schema { types { name kind description fields { name description args { name description } } inputFields { name description } enumValues { name description } } } }";
    let response = varna_api::schema::without_data().execute(query).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    let data = response.data.into_json().expect("json");
    let mut missing = Vec::new();
    let blank = |v: &serde_json::Value| {
        v["description"]
            .as_str()
            .is_none_or(|d| d.trim().is_empty())
    };
    for t in data["__schema"]["types"].as_array().expect("types") {
        let name = t["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || t["kind"] == "SCALAR" {
            continue;
        }
        if blank(t) {
            missing.push(name.to_owned());
        }
        for (list, what) in [
            ("fields", "field"),
            ("inputFields", "input field"),
            ("enumValues", "value"),
        ] {
            for item in t[list].as_array().into_iter().flatten() {
                if blank(item) {
                    missing.push(format!(
                        "{what} {name}.{}",
                        item["name"].as_str().unwrap_or_default()
                    ));
                }
                for arg in item["args"].as_array().into_iter().flatten() {
                    if blank(arg) {
                        missing.push(format!(
                            "argument {name}.{}({})",
                            item["name"].as_str().unwrap_or_default(),
                            arg["name"].as_str().unwrap_or_default()
                        ));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}
