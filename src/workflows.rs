//! The lifecycle definitions: the ones built into the binary (the
//! repository's `workflows/` at build time, see `build.rs`) or a folder given
//! with `--workflows`, and the `varna workflows check|graph|export` commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use varna_workflow::Catalog;
use varna_workflow::definition::DefinitionErrors;
use varna_workflow::graph::{GraphFormat, render};

/// Diagram language for `workflows graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Mermaid stateDiagram-v2 (renders in Markdown on GitHub/GitLab).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

/// Why the definitions could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder could not be read, or holds no definitions.
    #[error(transparent)]
    Io(#[from] anyhow::Error),
    /// One or more definitions are invalid.
    #[error("{0}")]
    Invalid(DefinitionErrors),
}

include!(concat!(env!("OUT_DIR"), "/shipped_workflows.rs"));

/// The definitions a command uses: those in `dir` when one is given
/// (`--workflows` or VARNA_WORKFLOWS_DIR), otherwise the built-in ones.
pub fn load(dir: Option<&Path>) -> Result<Catalog, LoadError> {
    match dir {
        Some(dir) => load_catalog(dir),
        None => shipped(),
    }
}

/// The lifecycles built into this binary, validated as a folder's would be.
pub fn shipped() -> Result<Catalog, LoadError> {
    let sources: Vec<(String, &str)> = SHIPPED
        .iter()
        .filter(|(name, _)| name.ends_with(".toml"))
        .map(|(name, text)| (format!("{name} (built in)"), *text))
        .collect();
    tracing::debug!(
        files = sources.len(),
        "loading the built-in workflow definitions"
    );
    Catalog::from_sources(sources.iter().map(|(n, t)| (n.as_str(), *t))).map_err(LoadError::Invalid)
}

/// Where the definitions came from, for messages.
fn origin(dir: Option<&Path>) -> String {
    match dir {
        Some(dir) => dir.display().to_string(),
        None => "the built-in definitions".into(),
    }
}

/// Reads every `*.toml` file in `dir` (sorted by name) and validates them together.
pub fn load_catalog(dir: &Path) -> Result<Catalog, LoadError> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the workflow folder {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(LoadError::Io(anyhow::anyhow!(
            "no workflow definitions (*.toml) in {}",
            dir.display()
        )));
    }
    let mut sources = Vec::with_capacity(paths.len());
    for path in &paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        sources.push((path.display().to_string(), text));
    }
    tracing::debug!(files = sources.len(), dir = %dir.display(), "loading workflow definitions");
    Catalog::from_sources(sources.iter().map(|(n, t)| (n.as_str(), t.as_str())))
        .map_err(LoadError::Invalid)
}

/// `varna workflows check [DIR]`.
pub(crate) fn check(dir: Option<&Path>) -> ExitCode {
    match load(dir) {
        Ok(catalog) => {
            for def in catalog.iter() {
                let lagrum: Vec<_> = def.lagrum.iter().map(|l| l.as_str()).collect();
                println!(
                    "{:<12} v{}  {:>2} states  {:>2} transitions  {:>2} deadlines  {:>2} fields  lagrum {}  sha256 {}",
                    def.name(),
                    def.reference.version,
                    def.states.len(),
                    def.transitions.len(),
                    def.deadlines.len(),
                    def.fields.len(),
                    lagrum.join("/"),
                    &def.reference.hash[..12],
                );
            }
            match dir {
                Some(dir) => println!(
                    "{} workflow definitions in {} are valid",
                    catalog.len(),
                    dir.display()
                ),
                None => println!(
                    "{} built-in workflow definitions are valid (varna workflows export DIR writes them out)",
                    catalog.len()
                ),
            }
            ExitCode::SUCCESS
        }
        Err(LoadError::Invalid(errors)) => {
            eprintln!("{errors}");
            let files: std::collections::BTreeSet<_> = errors.iter().map(|e| &e.file).collect();
            eprintln!(
                "\n{} problem{} in {} file{}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                files.len(),
                if files.len() == 1 { "" } else { "s" }
            );
            ExitCode::FAILURE
        }
        Err(LoadError::Io(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `varna workflows graph NAME`.
pub(crate) fn graph(dir: Option<&Path>, name: &str, format: Format) -> anyhow::Result<ExitCode> {
    let catalog = match load(dir) {
        Ok(c) => c,
        Err(LoadError::Invalid(errors)) => bail!("the definitions are invalid:\n{errors}"),
        Err(LoadError::Io(e)) => return Err(e),
    };
    let Some(def) = catalog.get(name) else {
        let names: Vec<_> = catalog.iter().map(|d| d.name()).collect();
        bail!(
            "no workflow named \"{name}\" in {}; there are: {}",
            origin(dir),
            names.join(", ")
        );
    };
    let format = match format {
        Format::Mermaid => GraphFormat::Mermaid,
        Format::Dot => GraphFormat::Dot,
    };
    print!("{}", render(def, format));
    Ok(ExitCode::SUCCESS)
}

/// `varna workflows export DIR`: writes the built-in definitions and their
/// README into `dir` (made if missing) to be customised and then used with
/// `--workflows DIR`. An existing file is left alone unless `force`.
pub(crate) fn export(dir: &Path, force: bool) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot make the folder {}", dir.display()))?;
    if !force {
        let existing: Vec<&str> = SHIPPED
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| dir.join(name).exists())
            .collect();
        if !existing.is_empty() {
            bail!(
                "{} already has {}; nothing was written (--force overwrites them)",
                dir.display(),
                existing.join(", ")
            );
        }
    }
    for (name, text) in SHIPPED {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let lifecycles = SHIPPED.iter().filter(|(n, _)| n.ends_with(".toml")).count();
    println!(
        "wrote {lifecycles} lifecycle definitions and README.md to {dir}\n\
         check your changes with: varna workflows check {dir}\n\
         use them with:           varna serve --workflows {dir}",
        dir = dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
