//! Loading the lifecycle definitions from a folder, and the
//! `varna workflows check|graph` commands.

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

/// `varna workflows check DIR`.
pub(crate) fn check(dir: &Path) -> ExitCode {
    match load_catalog(dir) {
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
            println!(
                "{} workflow definitions in {} are valid",
                catalog.len(),
                dir.display()
            );
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
pub(crate) fn graph(dir: &Path, name: &str, format: Format) -> anyhow::Result<ExitCode> {
    let catalog = match load_catalog(dir) {
        Ok(c) => c,
        Err(LoadError::Invalid(errors)) => bail!("the definitions are invalid:\n{errors}"),
        Err(LoadError::Io(e)) => return Err(e),
    };
    let Some(def) = catalog.get(name) else {
        let names: Vec<_> = catalog.iter().map(|d| d.name()).collect();
        bail!(
            "no workflow named \"{name}\"; the folder has: {}",
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
