//! A set of definitions loaded together, with the checks that span files:
//! one definition per name, and every spawned workflow present.

use std::collections::BTreeMap;

use crate::definition::{
    DefinitionError, DefinitionErrors, WorkflowDefinition, parse, parse_pinned,
};

/// The loaded lifecycles, by name.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    definitions: BTreeMap<String, WorkflowDefinition>,
}

impl Catalog {
    /// Parses and validates every `(source name, text)` pair, reporting the
    /// problems of all files at once.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalog, DefinitionErrors> {
        Catalog::load(sources, parse)
    }

    /// The same for definitions cases are already pinned to, as an earlier
    /// version of Varna loaded them (see [`parse_pinned`]): what a database
    /// made by that version holds.
    pub fn from_pinned_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Catalog, DefinitionErrors> {
        Catalog::load(sources, parse_pinned)
    }

    fn load<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
        parse: fn(&str, &str) -> Result<WorkflowDefinition, DefinitionErrors>,
    ) -> Result<Catalog, DefinitionErrors> {
        let mut errors = Vec::new();
        let mut definitions: BTreeMap<String, (&str, &str, WorkflowDefinition)> = BTreeMap::new();
        for (source, text) in sources {
            match parse(source, text) {
                Ok(def) => {
                    if let Some((first, _, _)) = definitions.get(def.name()) {
                        errors.push(DefinitionError {
                            file: source.to_owned(),
                            line: 1,
                            column: 1,
                            message: format!(
                                "workflow \"{}\" is also defined in {first}",
                                def.name()
                            ),
                            help: Some("every lifecycle has exactly one file".into()),
                        });
                    } else {
                        definitions.insert(def.name().to_owned(), (source, text, def));
                    }
                }
                Err(e) => errors.extend(e.0),
            }
        }
        for (source, text, def) in definitions.values() {
            for spawn in def.spawn_targets() {
                if !definitions.contains_key(&spawn.workflow) {
                    errors.push(DefinitionError {
                        file: (*source).to_owned(),
                        line: line_of_spawn(text, &spawn.workflow),
                        column: 1,
                        message: format!(
                            "transition spawns unknown workflow \"{}\"",
                            spawn.workflow
                        ),
                        help: Some(format!(
                            "loaded workflows: {}",
                            definitions.keys().cloned().collect::<Vec<_>>().join(", ")
                        )),
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(Catalog {
                definitions: definitions
                    .into_iter()
                    .map(|(k, (_, _, d))| (k, d))
                    .collect(),
            })
        } else {
            Err(DefinitionErrors(errors))
        }
    }

    /// A definition by name.
    pub fn get(&self, name: &str) -> Option<&WorkflowDefinition> {
        self.definitions.get(name)
    }

    /// All definitions, by name.
    pub fn iter(&self) -> impl Iterator<Item = &WorkflowDefinition> {
        self.definitions.values()
    }

    /// How many definitions there are.
    pub fn len(&self) -> usize {
        self.definitions.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.definitions.is_empty()
    }
}

/// The line of the `workflow = "<name>"` key inside a `spawns` table.
fn line_of_spawn(text: &str, workflow: &str) -> usize {
    let quoted = format!("\"{workflow}\"");
    text.lines()
        .position(|l| l.contains("workflow") && l.contains(&quoted))
        .map_or(1, |i| i + 1)
}
