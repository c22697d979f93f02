//! Which files in a folder are exercises: the ones `check DIR` and `compare DIR` run.
//!
//! An exercise is a `.toml` file whose top level has an `exercise` key, however it is written
//! (a `[exercise]` header, a quoted `["exercise"]`, dotted keys `exercise.name = ...`, an inline
//! `exercise = { ... }`): the file is parsed, not searched for a line. A file that cannot be
//! parsed (or read whole within the size limit) is counted as an exercise, so that loading it
//! reports its mistake: a gate must not pass because a broken plan went unseen. Every other
//! `.toml` file is skipped with a reason, and so are folders named `invalid` (files broken on
//! purpose) and hidden folders.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::model::limits::MAX_FILE_BYTES;

/// What a search found.
#[derive(Debug, Default)]
pub struct Found {
    /// Exercise files, sorted.
    pub exercises: Vec<PathBuf>,
    /// Files and folders passed over, with why, sorted.
    pub skipped: Vec<Skipped>,
}

/// A file or folder passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file or folder.
    pub path: PathBuf,
    /// Why, e.g. "no `[exercise]` table (a part included by plan1/compound.toml)".
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "skipped {}: {}", shown(&self.path), self.reason)
    }
}

/// A path for the terminal: control characters escaped, so a file name cannot send terminal
/// escapes.
pub fn shown(p: &Path) -> String {
    p.display()
        .to_string()
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What a `.toml` file turned out to be.
enum Kind {
    Exercise,
    /// A part: the files its `include` names.
    Part,
    NotRegular,
}

/// The exercise files a path names: the file itself, or every exercise in a folder
/// (recursively), with the files passed over.
pub fn find(path: &Path) -> std::io::Result<Found> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        return Ok(Found {
            exercises: vec![path.to_path_buf()],
            skipped: Vec::new(),
        });
    }
    let mut found = Found::default();
    let mut parts = Vec::new();
    let mut included: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    walk(path, &mut found, &mut parts, &mut included)?;
    for p in parts {
        let reason = match included.get(&tidy(&p)) {
            Some(by) => format!("no [exercise] table (a part included by {})", list(by)),
            None => "no [exercise] table and no exercise includes it".to_string(),
        };
        found.skipped.push(Skipped { path: p, reason });
    }
    found.exercises.sort();
    found.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// The files of a list to validate: each one named, but a file without an `[exercise]` table
/// that another file of the list includes is a part of it, passed over as `find` passes over
/// parts in a folder (`validate plan1/*.toml` checks the exercises and, through them, their
/// parts). A part that nothing in the list includes is kept: it was named, so it is checked.
pub fn among(files: &[PathBuf]) -> Found {
    let mut found = Found::default();
    let mut parts = Vec::new();
    let mut included: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for p in files {
        match classify(p) {
            (Kind::Exercise, incs) => {
                let here = p.parent().unwrap_or(Path::new(""));
                for inc in incs {
                    included.entry(tidy(&here.join(inc))).or_default().push(p.clone());
                }
            }
            (Kind::Part, _) => parts.push(tidy(p)),
            (Kind::NotRegular, _) => {}
        }
    }
    for p in files {
        match included.get(&tidy(p)) {
            Some(by) if parts.contains(&tidy(p)) => found.skipped.push(Skipped {
                path: p.clone(),
                reason: format!("no [exercise] table (a part included by {})", list(by)),
            }),
            _ => found.exercises.push(p.clone()),
        }
    }
    found
}

fn list(by: &[PathBuf]) -> String {
    match by {
        [one] => one.display().to_string(),
        [first, rest @ ..] => format!("{} and {} more", first.display(), rest.len()),
        [] => String::new(),
    }
}

fn walk(dir: &Path, found: &mut Found, parts: &mut Vec<PathBuf>, included: &mut BTreeMap<PathBuf, Vec<PathBuf>>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type()?.is_dir() {
            if name == "invalid" {
                found.skipped.push(Skipped {
                    path: p,
                    reason: "a folder named `invalid` holds files broken on purpose".into(),
                });
            } else if !name.starts_with('.') {
                walk(&p, found, parts, included)?;
            }
            continue;
        }
        if !name.ends_with(".toml") {
            continue;
        }
        match classify(&p) {
            (Kind::Exercise, incs) => {
                let here = p.parent().unwrap_or(Path::new(""));
                for inc in incs {
                    included.entry(tidy(&here.join(inc))).or_default().push(p.clone());
                }
                found.exercises.push(p);
            }
            (Kind::Part, _) => parts.push(p),
            (Kind::NotRegular, _) => found.skipped.push(Skipped {
                path: p,
                reason: "not a regular file".into(),
            }),
        }
    }
    Ok(())
}

/// Read at most the size limit of a regular file (a symlink is followed); parse it.
fn classify(path: &Path) -> (Kind, Vec<String>) {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return (Kind::NotRegular, Vec::new());
    }
    let mut text = String::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_string(&mut text));
    if read.is_err() || text.len() as u64 > MAX_FILE_BYTES {
        return (Kind::Exercise, Vec::new());
    }
    let Ok(table) = toml::from_str::<toml::Table>(&text) else {
        return (Kind::Exercise, Vec::new());
    };
    let incs = match table.get("include") {
        Some(toml::Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let kind = if table.contains_key("exercise") {
        Kind::Exercise
    } else {
        Kind::Part
    };
    (kind, incs)
}

/// `a/./b/../c` as `a/c`, to match an include with the file it names.
fn tidy(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exercises_are_found_however_the_table_is_written() {
        let d = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| {
            let p = d.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("header.toml", "include = [\"parts/teams.toml\"]\n[exercise]\nname = \"a\"\n");
        w("quoted.toml", "[\"exercise\"]\nname = \"b\"\n");
        w("dotted.toml", "exercise.name = \"c\"\n");
        w("inline.toml", "exercise = { name = \"d\" }\n");
        w("spaced.toml", "[ exercise ] # the exercise\nname = \"e\"\n");
        w("broken.toml", "[exercise\nname = \"f\"\n");
        w("parts/teams.toml", "[teams.ops]\ncapacity = 1\n# [exercise]\n");
        w("stray.toml", "[[step]]\nid = \"exercise\"\n");
        w("invalid/x.toml", "[exercise]\n");
        w(".hidden/y.toml", "[exercise]\n");
        w("notes.txt", "[exercise]\n");
        let f = find(d.path()).unwrap();
        let names: Vec<String> = f
            .exercises
            .iter()
            .map(|p| p.strip_prefix(d.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "broken.toml",
                "dotted.toml",
                "header.toml",
                "inline.toml",
                "quoted.toml",
                "spaced.toml"
            ]
        );
        let skipped: Vec<String> = f
            .skipped
            .iter()
            .map(|s| s.to_string().replace(&d.path().display().to_string(), "D"))
            .collect();
        assert_eq!(
            skipped,
            [
                "skipped D/invalid: a folder named `invalid` holds files broken on purpose",
                "skipped D/parts/teams.toml: no [exercise] table (a part included by D/header.toml)",
                "skipped D/stray.toml: no [exercise] table and no exercise includes it",
            ]
        );
    }

    #[test]
    fn skipped_names_reach_the_terminal_without_control_characters() {
        let s = Skipped {
            path: PathBuf::from("a\x1b[2Jb.toml"),
            reason: "r".into(),
        };
        assert_eq!(s.to_string(), "skipped a\\u{1b}[2Jb.toml: r");
    }

    #[test]
    fn a_fifo_is_skipped_without_being_opened() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("pipe.toml");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let f = find(d.path()).unwrap();
        assert!(f.exercises.is_empty());
        assert_eq!(f.skipped[0].reason, "not a regular file");
    }
}
