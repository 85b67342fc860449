//! Compiles the shipped lifecycle definitions into the `varna` binary: every
//! `workflows/*.toml` and the folder's README become `SHIPPED` in
//! `src/workflows.rs`, so `varna serve` runs from any directory and
//! `varna workflows export DIR` can write them out for customising. A new
//! file in `workflows/` is picked up by the next build with no Rust change.

use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("workflows");
    println!("cargo::rerun-if-changed=workflows");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".toml") || name == "README.md")
        .collect();
    names.sort();
    let mut out = String::from(
        "/// The files of `workflows/` this binary was built with: (file name, text).\n\
         pub(crate) const SHIPPED: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        out.push_str(&format!(
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/workflows/{name}\"))),\n"
        ));
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("shipped_workflows.rs");
    std::fs::write(&target, out)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", target.display()));
}
