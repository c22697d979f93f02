//! Reading scenario files: TOML into raw types, includes resolved, then checked into the model.
//!
//! An exercise file may `include` other files (the teams, the plan, later the topology), so a
//! plan is revised in one place and run against many exercises. Each section lives in one
//! file; teams and steps may be spread over several, and a name defined twice is an error
//! that names both places.

mod build;
mod components;
mod conditions;
mod detection;
mod dist;
pub mod duration;
mod exercise;
mod faults;
mod files;
mod monitors;
mod names;
pub mod objective;
mod raw;
mod steps;
mod stores;
mod teams;
pub mod vary;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{ScenarioError, ScenarioErrorKind, ScenarioErrorKind as K, line_col};
use crate::model::Scenario;
use raw::RawFile;

/// One file's text, kept to turn byte offsets into line and column.
#[derive(Debug)]
pub struct Source {
    /// As given (relative paths stay relative, so messages read like the command line).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// An error of `kind` at byte range `span` of this file.
    pub fn error(&self, kind: ScenarioErrorKind, span: Range<usize>, message: String, help: Option<String>) -> ScenarioError {
        ScenarioError {
            kind,
            path: self.path.clone(),
            position: Some(line_col(&self.text, span.start)),
            message,
            help,
        }
    }

    /// An error of `kind` about the file as a whole.
    pub fn whole(&self, kind: ScenarioErrorKind, message: String, help: Option<String>) -> ScenarioError {
        ScenarioError {
            kind,
            path: self.path.clone(),
            position: None,
            message,
            help,
        }
    }
}

/// A parsed file with its source.
struct Part {
    src: Source,
    raw: RawFile,
}

/// Read, parse and check the scenario at `path` and everything it includes. Includes must
/// stay inside the folder of the exercise file (symbolic links followed).
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_with_root(path, &default_root(path))
}

/// The folder that [`load`] keeps a scenario's files inside: the real folder of the exercise
/// file (symbolic links followed).
pub fn default_root(path: &Path) -> PathBuf {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    real.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The files [`load_with_root`] reads for the scenario at `path`, each as it was opened (the
/// path as joined from the includes, and the text), includes before the files that include
/// them and the exercise file last. For tools that revise a plan in place and must write
/// every file of it (`drillsim calibrate`): the model keeps no trace of which file said what.
/// The files pass the same checks as when loading (inside `root`, sizes, cycles, TOML syntax).
pub fn sources_with_root(path: &Path, root: &Path) -> Result<Vec<Source>, ScenarioError> {
    let mut reader = files::Reader::new(root);
    reader.read_exercise(path)?;
    Ok(reader.parts.into_iter().map(|p| p.src).collect())
}

/// [`load`], with every file (the exercise file too) required to lie below `root`: for a copy
/// of a revision in a temporary folder (`compare --base-rev`) or a `--root` flag.
pub fn load_with_root(path: &Path, root: &Path) -> Result<Scenario, ScenarioError> {
    let mut reader = files::Reader::new(root);
    reader.read_exercise(path)?;
    build::scenario(path, &reader.parts)
}

/// Check a scenario from the texts of its files, as [`sources_with_root`] returned them
/// (includes first, the exercise file at `path` last), without reading any file: for a
/// scenario carried inside a shard's partial file, so the merge rebuilds exactly the model
/// the shard ran, on a machine that may not have the files.
pub fn load_sources(path: &Path, sources: Vec<Source>) -> Result<Scenario, ScenarioError> {
    let parts = sources
        .into_iter()
        .map(|src| {
            Ok(Part {
                raw: parse_toml(&src)?,
                src,
            })
        })
        .collect::<Result<Vec<Part>, ScenarioError>>()?;
    if parts.is_empty() {
        return Err(ScenarioError {
            kind: K::Missing,
            path: path.to_path_buf(),
            position: None,
            message: "no files given".into(),
            help: None,
        });
    }
    build::scenario(path, &parts)
}

/// Check scenario text given directly (tests, tools); `path` is only used in messages and to
/// resolve includes, which must stay inside its folder.
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let mut reader = files::Reader::new(path.parent().unwrap_or(Path::new("")));
    reader.given_exercise(path, text)?;
    build::scenario(path, &reader.parts)
}

/// Parse one file's TOML into its raw sections; serde's words are turned into the format's.
fn parse_toml(src: &Source) -> Result<RawFile, ScenarioError> {
    toml::from_str::<RawFile>(&src.text).map_err(|e| {
        let mut message = e.message().trim().to_string();
        // serde names Rust types; say what to write instead.
        for (rust, plain) in [
            ("expected i64", "expected a whole number"),
            ("expected f64", "expected a number"),
            ("expected a sequence", "expected a list such as [\"a\", \"b\"]"),
        ] {
            message = message.replace(rust, plain);
        }
        let (kind, help) = if message.starts_with("unknown field") {
            (
                K::UnknownField,
                Some("check the spelling; the README lists every field".to_string()),
            )
        } else if message.starts_with("missing field") {
            (
                K::Missing,
                Some("add the field; the README shows an example of every section".to_string()),
            )
        } else if message == "duplicate key" {
            let key = e.span().and_then(|s| src.text.get(s)).unwrap_or("").trim();
            if !key.is_empty() {
                message = format!("duplicate key `{key}`");
            }
            (
                K::Duplicate,
                Some("a key or table is given once; remove or rename one of them".to_string()),
            )
        } else if message.contains("given twice") {
            (K::Duplicate, None)
        } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
            (K::WrongType, None)
        } else {
            (
                K::Syntax,
                Some("this is not valid TOML: check quotes, brackets and `key = value` on this line".to_string()),
            )
        };
        // The message may quote the file (a key, a value); terminal escapes stay escaped.
        let message = crate::error::escape_controls(&message);
        match e.span() {
            Some(span) => src.error(kind, span, message, help),
            None => src.whole(kind, message, help),
        }
    })
}
