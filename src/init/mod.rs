//! Exercise folders to start from: `drillsim init DIR` writes a working folder (topology,
//! teams, plan, one exercise per fault kind) and `drillsim init --from FILE DIR` writes one
//! from what a team already keeps, a Backstage catalog or a Docker Compose file.
//!
//! Both go through one [`Inventory`]: the components, their kinds and dependencies, the teams
//! that own them and the business services they make up, which is all a catalog or a Compose
//! file says. [`render`] turns an inventory into the folder's files, commented field by field.
//! What the source cannot say (durations, backup policies, RTOs, capacities, power) is written
//! as a sensible default marked `# placeholder`, and listed in [`Folder::placeholders`] so the
//! command shows it: never silently invented.
//!
//! Reading is here; writing the files is the caller's (through [`crate::output`]), and so is
//! checking that the folder loads (the scenario reader stands beside this module).

mod backstage;
mod compose;
mod kinds;
mod render;
mod starter;
mod yaml;

use std::path::{Path, PathBuf};

use crate::error::{SourceError, SourceErrorKind as K};
use crate::model::ComponentKind;
use crate::model::limits::MAX_FILE_BYTES;

pub use kinds::table as kind_words;
pub use render::render;
pub use starter::starter;

/// What a source says about a system: enough to write a topology, teams and a plan.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// Where it came from, in words ("Backstage catalog catalog-info.yaml"), for comments.
    pub source: String,
    /// Prefix of the exercises' names.
    pub name: String,
    /// Components, each name once.
    pub components: Vec<Item>,
    /// Teams, in the order they were found (owners of components first).
    pub teams: Vec<String>,
    /// Business services: what users use, made of components.
    pub services: Vec<Business>,
    /// What was read but is not part of the topology, with why ("API orders-api: an API is
    /// not a running component").
    pub passed_over: Vec<String>,
}

/// One component as the source describes it.
#[derive(Clone, Debug)]
pub struct Item {
    /// Its name in the scenario.
    pub name: String,
    /// What it is.
    pub kind: ComponentKind,
    /// Free text (the source's description or title).
    pub description: String,
    /// Components it needs, by name (each in [`Inventory::components`]).
    pub needs: Vec<String>,
    /// Team that owns it (in [`Inventory::teams`]).
    pub owner: Option<String>,
    /// Where it came from and why it has its kind ("Resource orders-db, type database").
    pub origin: String,
    /// Comes back by itself after a power loss, if the source says (Compose `restart:`).
    pub auto_restart: Option<bool>,
    /// Holds data worth a backup policy (a store is written on it).
    pub holds_data: bool,
}

/// A business service as the source describes it.
#[derive(Clone, Debug)]
pub struct Business {
    /// Its name in the scenario.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Components it needs.
    pub needs: Vec<String>,
    /// Where it came from ("System shop", "nothing depends on web").
    pub origin: String,
}

/// A folder's files and what in them is a placeholder.
#[derive(Clone, Debug, Default)]
pub struct Folder {
    /// File name (relative to the folder) and text, includes before the exercises.
    pub files: Vec<(PathBuf, String)>,
    /// The exercise files among them (relative).
    pub exercises: Vec<PathBuf>,
    /// What the source could not say, each as `file: what (default)`.
    pub placeholders: Vec<String>,
    /// Business services written.
    pub services: usize,
}

/// The formats `--from` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A Backstage software catalog (`catalog-info.yaml`).
    Backstage,
    /// A Docker Compose file.
    Compose,
}

impl Format {
    /// In words, for messages.
    pub fn words(self) -> &'static str {
        match self {
            Format::Backstage => "Backstage catalog",
            Format::Compose => "Docker Compose file",
        }
    }
}

/// Read a Backstage catalog or a Compose file (told apart by content: `apiVersion` and
/// `kind` against `services`) into an inventory named `name`.
pub fn from_file(path: &Path, name: &str) -> Result<(Format, Inventory), SourceError> {
    let text = read_text(path)?;
    from_text(path, &text, name)
}

/// [`from_file`] on text already read; `path` is used in messages.
pub fn from_text(path: &Path, text: &str, name: &str) -> Result<(Format, Inventory), SourceError> {
    let docs = yaml::load(path, text)?;
    let format = yaml::format_of(path, &docs)?;
    let mut inv = match format {
        Format::Backstage => backstage::read(path, &docs)?,
        Format::Compose => compose::read(path, &docs)?,
    };
    if let Some(cycle) = cycle(&inv) {
        return Err(SourceError {
            kind: K::Rule,
            path: path.to_path_buf(),
            position: None,
            message: format!("components depend on each other in a cycle: {}", cycle.join(" -> ")),
            help: Some("remove one of these dependencies: a topology is a hierarchy".into()),
        });
    }
    inv.name = name.to_string();
    let shown = path
        .file_name()
        .map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
    inv.source = format!("{} {shown}", format.words());
    Ok((format, inv))
}

/// A dependency cycle among the inventory's components, if there is one (its names, the
/// first repeated at the end).
fn cycle(inv: &Inventory) -> Option<Vec<String>> {
    let index: std::collections::HashMap<&str, usize> = inv.components.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
    let deps: Vec<Vec<usize>> = inv
        .components
        .iter()
        .map(|c| c.needs.iter().filter_map(|n| index.get(n.as_str()).copied()).collect())
        .collect();
    let mut state = vec![0u8; deps.len()];
    for root in 0..deps.len() {
        if state[root] != 0 {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(top) = path.last_mut() {
            let (c, k) = *top;
            if k < deps[c].len() {
                top.1 += 1;
                let d = deps[c][k];
                match state[d] {
                    0 => {
                        state[d] = 1;
                        path.push((d, 0));
                    }
                    1 => {
                        let from = path.iter().position(|p| p.0 == d).unwrap_or(0);
                        let mut names: Vec<String> = path[from..].iter().map(|p| inv.components[p.0].name.clone()).collect();
                        names.push(inv.components[d].name.clone());
                        return Some(names);
                    }
                    _ => {}
                }
            } else {
                state[c] = 2;
                path.pop();
            }
        }
    }
    None
}

/// The file's text: a regular file, at most [`MAX_FILE_BYTES`], UTF-8.
fn read_text(path: &Path) -> Result<String, SourceError> {
    use std::io::Read;
    let err = |message: String, help: &str| SourceError {
        kind: K::Unreadable,
        path: path.to_path_buf(),
        position: None,
        message,
        help: Some(help.to_string()),
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read it: {e}"), "check the path"))?;
    if !meta.is_file() {
        return Err(err("not a regular file".into(), "name a catalog-info.yaml or compose.yaml file"));
    }
    let file = std::fs::File::open(path).map_err(|e| err(format!("cannot read it: {e}"), "check the path and its permissions"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("cannot read it: {e}"), "check the path and its permissions"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(err(
            format!("larger than {} MiB", MAX_FILE_BYTES >> 20),
            "a service catalog is a few kilobytes; split it",
        ));
    }
    String::from_utf8(bytes).map_err(|_| err("not UTF-8 text".into(), "save the file as UTF-8"))
}
