//! Reading scenario files: TOML into raw types, includes resolved, then checked into the model.
//!
//! An exercise file may `include` other files (the teams, the plan, later the topology), so a
//! plan is revised in one place and run against many exercises. Each section lives in one
//! file; teams and steps may be spread over several, and a name defined twice is an error
//! that names both places.

mod dist;
pub mod duration;
mod raw;
mod topology;
mod validate;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{ScenarioError, line_col};
use crate::model::Scenario;
use raw::RawFile;

/// Largest scenario file read (a plan is a few kilobytes; beyond this is not a plan).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Deepest chain of includes.
const MAX_INCLUDE_DEPTH: usize = 16;

/// One file's text, kept to turn byte offsets into line and column.
#[derive(Debug)]
pub struct Source {
    /// As given (relative paths stay relative, so messages read like the command line).
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

impl Source {
    /// An error at byte range `span` of this file.
    pub fn error(&self, span: Range<usize>, message: String, help: Option<String>) -> ScenarioError {
        ScenarioError {
            path: self.path.clone(),
            position: Some(line_col(&self.text, span.start)),
            message,
            help,
        }
    }

    /// An error about the file as a whole.
    pub fn whole(&self, message: String, help: Option<String>) -> ScenarioError {
        ScenarioError {
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

/// Read, parse and check the scenario at `path` and everything it includes.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let mut parts = Vec::new();
    let mut stack = Vec::new();
    read_tree(path, &mut parts, &mut stack, None)?;
    validate::check(path, &parts)
}

/// Check scenario text given directly (tests, tools); `path` is only used in messages and to
/// resolve includes.
pub fn load_str(path: &Path, text: &str) -> Result<Scenario, ScenarioError> {
    let src = Source {
        path: path.to_path_buf(),
        text: text.to_string(),
    };
    let raw = parse(&src)?;
    let mut parts = Vec::new();
    let mut stack = vec![(canonical(path), tidy(path))];
    includes(&src, &raw, &mut parts, &mut stack)?;
    parts.push(Part { src, raw });
    validate::check(path, &parts)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Depth-first: a file's includes come before the file itself, in the order listed.
fn read_tree(
    path: &Path,
    parts: &mut Vec<Part>,
    stack: &mut Vec<(PathBuf, PathBuf)>,
    from: Option<(&Source, Range<usize>)>,
) -> Result<(), ScenarioError> {
    // A file that cannot be read is reported where it is included, or as itself.
    let at = |message: String, help: Option<String>| match &from {
        Some((src, span)) => src.error(span.clone(), format!("included file {}: {message}", tidy(path).display()), help),
        None => ScenarioError {
            path: path.to_path_buf(),
            position: None,
            message,
            help,
        },
    };
    let key = canonical(path);
    if let Some(from_here) = stack.iter().position(|(k, _)| *k == key) {
        // Name the files of the cycle, from the one included again back to it.
        let chain: Vec<String> = stack[from_here..]
            .iter()
            .map(|(_, shown)| shown.display().to_string())
            .chain(std::iter::once(tidy(path).display().to_string()))
            .collect();
        let message = format!("include cycle: {}", chain.join(", which includes "));
        let help = Some("remove one `include` of the cycle".to_string());
        return Err(match &from {
            Some((src, span)) => src.error(span.clone(), message, help),
            None => ScenarioError {
                path: path.to_path_buf(),
                position: None,
                message,
                help,
            },
        });
    }
    if stack.len() > MAX_INCLUDE_DEPTH {
        return Err(at(
            format!("includes nest deeper than {MAX_INCLUDE_DEPTH} files"),
            Some("include the parts from the exercise file directly".into()),
        ));
    }
    if parts.iter().any(|p| canonical(&p.src.path) == key) {
        return Ok(()); // included twice through different files: its sections count once
    }
    let text = read_text(path).map_err(|(m, h)| at(m, h.or_else(|| from.as_ref().map(|_| INCLUDE_HELP.to_string()))))?;
    let src = Source {
        path: path.to_path_buf(),
        text,
    };
    let raw = parse(&src)?;
    stack.push((key, tidy(path)));
    includes(&src, &raw, parts, stack)?;
    stack.pop();
    parts.push(Part { src, raw });
    Ok(())
}

fn includes(src: &Source, raw: &RawFile, parts: &mut Vec<Part>, stack: &mut Vec<(PathBuf, PathBuf)>) -> Result<(), ScenarioError> {
    for inc in raw.include.iter().flatten() {
        let dir = src.path.parent().unwrap_or(Path::new(""));
        let p = dir.join(inc.get_ref());
        read_tree(&p, parts, stack, Some((src, inc.span())))?;
    }
    Ok(())
}

const INCLUDE_HELP: &str = "paths in `include` are relative to the folder of the file that includes them";

/// The file's text, or what is wrong with it (without its path, which the caller shows) and
/// what to do.
fn read_text(path: &Path) -> Result<String, (String, Option<String>)> {
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => ("no such file".to_string(), None),
        _ => (format!("cannot read it: {e}"), None),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(("this is a folder, not a file".into(), Some("give a scenario file (.toml)".into())));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err((
            format!(
                "the file is {} bytes; a scenario file is at most {MAX_FILE_BYTES} bytes (16 MiB)",
                meta.len()
            ),
            Some("a scenario is a TOML text file of a few kilobytes; is this the right file?".into()),
        ));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    String::from_utf8(bytes).map_err(|e| {
        (
            format!("not a text file (invalid UTF-8 at byte {})", e.utf8_error().valid_up_to()),
            Some("a scenario is a TOML text file, saved as UTF-8".into()),
        )
    })
}

/// `path` with `.` and `folder/..` removed, for messages (`parts/../main.toml` reads as
/// `main.toml`). Files are still opened by the path as given.
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

fn parse(src: &Source) -> Result<RawFile, ScenarioError> {
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
        let help = if message.starts_with("unknown field") {
            Some("check the spelling; the README lists every field".to_string())
        } else if message.starts_with("missing field") {
            Some("add the field; the README shows an example of every section".to_string())
        } else if message == "duplicate key" {
            let key = e.span().and_then(|s| src.text.get(s)).unwrap_or("").trim();
            if !key.is_empty() {
                message = format!("duplicate key `{key}`");
            }
            Some("a key or table is given once; remove or rename one of them".to_string())
        } else if !message.starts_with("invalid type") && !message.starts_with("invalid value") && !message.contains("given twice") {
            Some("this is not valid TOML: check quotes, brackets and `key = value` on this line".to_string())
        } else {
            None
        };
        match e.span() {
            Some(span) => src.error(span, message, help),
            None => src.whole(message, help),
        }
    })
}
