//! The base of `compare --base-rev REV`: a file or folder, and every file it includes, as they
//! were at a git revision, copied into a temporary folder.
//!
//! The gate must never pass by accident, so the only answer that makes a file "new in the
//! candidate" is git saying, in a healthy repository, that the path has no entry at REV. Every
//! other failure (a revision git does not know, a missing object in a corrupt or shallow clone,
//! a repository git refuses for its ownership, an include that climbs out of the repository)
//! is a [`BaseError`] naming `REV:path`. Includes are resolved inside the revision, never read
//! from the working tree or from outside the copy.
//!
//! The copy is a [`tempfile::TempDir`], removed on drop and, when the binary has installed
//! the handler, on SIGINT and SIGTERM ([`crate::output::interrupt`]).

use std::collections::{BTreeSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::error::ScenarioError;
use crate::model::limits::MAX_FILE_BYTES;
use crate::output::interrupt;

/// Why the base could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum BaseError {
    /// git could not be started.
    #[error("cannot run git (is it installed and on the PATH?): {0}")]
    NoGit(std::io::Error),
    /// The path is not inside a git work tree.
    #[error("--base-rev: {0} is not in a git repository")]
    NotARepository(PathBuf),
    /// git refuses the repository (e.g. "dubious ownership").
    #[error("--base-rev: git refuses the repository of {path}: {message}")]
    Refused {
        /// The path given.
        path: PathBuf,
        /// git's words.
        message: String,
    },
    /// The path is outside the repository.
    #[error("{path} is outside the git repository {root}")]
    Outside {
        /// The path given.
        path: PathBuf,
        /// The repository's root.
        root: PathBuf,
    },
    /// REV is not a commit git has.
    #[error("--base-rev {0}: no such revision (in CI, fetch it first, e.g. `git fetch origin main`)")]
    NoRevision(String),
    /// git failed to produce `REV:path` (missing object, corrupt or shallow clone).
    #[error("cannot read {at} from git: {message}")]
    Git {
        /// `REV:path`.
        at: String,
        /// git's words.
        message: String,
    },
    /// An include of the base leaves the repository.
    #[error("{at}: include \"{include}\" climbs out of the repository; the base is read only from the revision")]
    Climbs {
        /// `REV:path` of the including file.
        at: String,
        /// The include as written.
        include: String,
    },
    /// A file at REV that is not a plain file or is too large.
    #[error("{at}: {message}")]
    NotAScenario {
        /// `REV:path`.
        at: String,
        /// What it is.
        message: String,
    },
    /// The temporary copy could not be written.
    #[error("cannot write the base's copy in {path}: {source}")]
    Copy {
        /// Where.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A revision's copy of a file or folder and what it includes, removed on drop.
#[derive(Debug)]
pub struct BaseCopy {
    rev: String,
    /// The commit `rev` named when the copy was made (full hex id).
    commit: String,
    dir: TempDir,
    /// The path relative to the repository root.
    rel: PathBuf,
}

impl Drop for BaseCopy {
    fn drop(&mut self) {
        // Removed under the signal handler's lock, so a signal now cannot leave it behind.
        let mut pending = interrupt::lock();
        let _ = std::fs::remove_dir_all(self.dir.path());
        pending.retain(|p| p != self.dir.path());
    }
}

/// One entry of `git ls-tree`.
struct Entry {
    mode: String,
    kind: String,
    oid: String,
    size: Option<u64>,
    path: PathBuf,
}

impl BaseCopy {
    /// Copy `path` (a file or a folder of the working tree) and its includes as they were at
    /// `rev`. A path with no entry at `rev` gives a copy in which it is absent.
    pub fn new(rev: &str, path: &Path) -> Result<BaseCopy, BaseError> {
        let is_dir = path.is_dir();
        let start = if is_dir { path } else { folder_of(path) };
        let top = git(start, &["rev-parse", "--show-toplevel"])?;
        if !top.status.success() {
            let message = stderr_of(&top);
            if message.contains("dubious ownership") || message.contains("safe.directory") {
                return Err(BaseError::Refused {
                    path: path.to_path_buf(),
                    message,
                });
            }
            return Err(BaseError::NotARepository(path.to_path_buf()));
        }
        let root = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
        let copy_err = |p: &Path| {
            let p = p.to_path_buf();
            move |source| BaseError::Copy { path: p, source }
        };
        let canon_root = std::fs::canonicalize(&root).map_err(copy_err(&root))?;
        let canon = std::fs::canonicalize(path).map_err(copy_err(path))?;
        let rel = canon
            .strip_prefix(&canon_root)
            .map(Path::to_path_buf)
            .map_err(|_| BaseError::Outside {
                path: path.to_path_buf(),
                root: root.clone(),
            })?;
        let verify = git(
            &root,
            &["rev-parse", "--verify", "--quiet", "--end-of-options", &format!("{rev}^{{commit}}")],
        )?;
        if !verify.status.success() {
            return Err(BaseError::NoRevision(rev.to_string()));
        }
        // Created and registered under the signal handler's lock: no signal can come between.
        let dir = {
            let mut pending = interrupt::lock();
            let dir = tempfile::Builder::new()
                .prefix("drillsim-base-")
                .tempdir()
                .map_err(copy_err(&std::env::temp_dir()))?;
            pending.push(dir.path().to_path_buf());
            dir
        };
        let copy = BaseCopy {
            rev: rev.to_string(),
            commit: String::from_utf8_lossy(&verify.stdout).trim().to_string(),
            dir,
            rel,
        };
        copy.fill(&root, is_dir)?;
        Ok(copy)
    }

    /// Write the files: the `.toml` files of the folder (or the file), then what they include,
    /// transitively.
    fn fill(&self, root: &Path, is_dir: bool) -> Result<(), BaseError> {
        let mut queue: VecDeque<Entry> = if is_dir {
            self.ls(root, &self.rel, true)?
                .into_iter()
                .filter(|e| e.path.extension().is_some_and(|x| x == "toml"))
                .collect()
        } else {
            self.ls(root, &self.rel, false)?.into_iter().collect()
        };
        let mut seen = BTreeSet::new();
        while let Some(e) = queue.pop_front() {
            if !seen.insert(e.path.clone()) {
                continue;
            }
            let text = self.read(root, &e)?;
            let target = self.dir.path().join(&e.path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|source| BaseError::Copy {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            std::fs::write(&target, &text).map_err(|source| BaseError::Copy { path: target, source })?;
            for inc in includes(&text) {
                let here = e.path.parent().unwrap_or(Path::new(""));
                let Some(p) = normalise(&here.join(&inc)) else {
                    return Err(BaseError::Climbs {
                        at: self.at(&e.path),
                        include: inc,
                    });
                };
                // An include with no entry at REV is left out: loading the base reports it.
                queue.extend(self.ls(root, &p, false)?);
            }
        }
        Ok(())
    }

    /// `git ls-tree` of `rel` at the revision; an empty list only when git says there is no
    /// such entry.
    fn ls(&self, root: &Path, rel: &Path, recursive: bool) -> Result<Vec<Entry>, BaseError> {
        let spec = if rel.as_os_str().is_empty() { ".".to_string() } else { slash(rel) };
        let mut args = vec!["ls-tree", "-z", "-l", "--full-tree"];
        if recursive {
            args.push("-r");
        }
        args.extend(["--end-of-options", &self.rev, "--", &spec]);
        let out = git(root, &args)?;
        if !out.status.success() {
            return Err(BaseError::Git {
                at: self.at(rel),
                message: stderr_of(&out),
            });
        }
        let mut list = Vec::new();
        for line in out.stdout.split(|&b| b == 0).filter(|l| !l.is_empty()) {
            let line = String::from_utf8_lossy(line);
            let bad = || BaseError::Git {
                at: self.at(rel),
                message: format!("unexpected `git ls-tree` output: {line}"),
            };
            let (meta, path) = line.split_once('\t').ok_or_else(bad)?;
            let f: Vec<&str> = meta.split_whitespace().collect();
            let [mode, kind, oid, size] = f[..] else { return Err(bad()) };
            list.push(Entry {
                mode: mode.into(),
                kind: kind.into(),
                oid: oid.into(),
                size: size.parse().ok(),
                path: PathBuf::from(path),
            });
        }
        Ok(list)
    }

    /// The text of a blob, within the size limit; git failing to give it is an error.
    fn read(&self, root: &Path, e: &Entry) -> Result<String, BaseError> {
        let not = |message: String| BaseError::NotAScenario {
            at: self.at(&e.path),
            message,
        };
        if e.kind != "blob" {
            return Err(not(format!("a {} at the revision, not a file", e.kind)));
        }
        if e.mode == "120000" {
            return Err(not("a symbolic link at the revision; links are not followed in git".into()));
        }
        if e.size.is_some_and(|s| s > MAX_FILE_BYTES) {
            return Err(not(format!("a scenario file is at most {MAX_FILE_BYTES} bytes (16 MiB)")));
        }
        let out = git(root, &["cat-file", "blob", &e.oid])?;
        if !out.status.success() {
            return Err(BaseError::Git {
                at: self.at(&e.path),
                message: stderr_of(&out),
            });
        }
        if out.stdout.len() as u64 > MAX_FILE_BYTES {
            return Err(not(format!("a scenario file is at most {MAX_FILE_BYTES} bytes (16 MiB)")));
        }
        String::from_utf8(out.stdout).map_err(|_| not("not a text file (invalid UTF-8)".into()))
    }

    /// `REV:path` of a path relative to the repository root.
    fn at(&self, rel: &Path) -> String {
        let p = if rel.as_os_str().is_empty() { ".".into() } else { slash(rel) };
        format!("{}:{p}", self.rev)
    }

    /// The copy of the path given to [`BaseCopy::new`].
    pub fn path(&self) -> PathBuf {
        self.dir.path().join(&self.rel)
    }

    /// The commit the revision named when the copy was made: shards that read `origin/main`
    /// at different times may see different commits, and their parts must not be merged.
    pub fn commit(&self) -> &str {
        &self.commit
    }

    /// `REV:path` of the path given, e.g. `origin/main:scenarios/ref20.toml`.
    pub fn label(&self) -> String {
        self.at(&self.rel)
    }

    /// A path inside the copy as `REV:path`; any other path as it is.
    pub fn label_of(&self, p: &Path) -> String {
        match p.strip_prefix(self.dir.path()) {
            Ok(rel) => self.at(rel),
            Err(_) => p.display().to_string(),
        }
    }

    /// A message that names paths inside the copy, with each shown as `REV:path`.
    pub fn relabel(&self, text: &str) -> String {
        let dir = format!("{}/", self.dir.path().display());
        text.replace(&dir, &format!("{}:", self.rev))
    }

    /// Show an error in a copied file as `REV:path`, not as the temporary path.
    pub fn rewrite(&self, mut e: ScenarioError) -> ScenarioError {
        e.path = PathBuf::from(self.label_of(&e.path));
        e
    }
}

/// The `include` list of a TOML text (empty when it has none or does not parse; loading the
/// copy reports the mistake).
fn includes(text: &str) -> Vec<String> {
    let Ok(table) = toml::from_str::<toml::Table>(text) else {
        return Vec::new();
    };
    match table.get("include") {
        Some(toml::Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, BaseError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("LC_ALL", "C")
        .env("GIT_NO_LAZY_FETCH", "1")
        .output()
        .map_err(BaseError::NoGit)
}

fn stderr_of(out: &std::process::Output) -> String {
    let s = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if s.is_empty() {
        format!("git exited with {}", out.status)
    } else {
        s
    }
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `a/b/../c` to `a/c`; None when it climbs above the root or is absolute.
fn normalise(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, args: &[&str]) {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn repo(files: &[(&str, &str)]) -> TempDir {
        let d = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let p = d.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        run(d.path(), &["init", "-q"]);
        run(d.path(), &["add", "."]);
        run(d.path(), &["commit", "-q", "-m", "base"]);
        d
    }

    #[test]
    fn a_file_and_its_includes_are_copied_from_the_revision() {
        let d = repo(&[
            ("a.toml", "include = [\"parts/p.toml\"]\n[exercise]\n"),
            ("parts/p.toml", "x = 1\n"),
        ]);
        std::fs::write(d.path().join("parts/p.toml"), "x = 2\n").unwrap();
        let c = BaseCopy::new("HEAD", &d.path().join("a.toml")).unwrap();
        assert_eq!(c.label(), "HEAD:a.toml");
        let copied = c.path().parent().unwrap().join("parts/p.toml");
        assert_eq!(std::fs::read_to_string(copied).unwrap(), "x = 1\n", "the revision's text");
        let dir = c.dir.path().to_path_buf();
        drop(c);
        assert!(!dir.exists(), "the copy is removed on drop");
    }

    #[test]
    fn a_path_new_in_the_working_tree_is_absent_from_the_copy() {
        let d = repo(&[("a.toml", "[exercise]\n")]);
        std::fs::write(d.path().join("new.toml"), "[exercise]\n").unwrap();
        let c = BaseCopy::new("HEAD", &d.path().join("new.toml")).unwrap();
        assert!(!c.path().exists());
    }

    #[test]
    fn an_include_that_climbs_out_is_refused() {
        let d = repo(&[("a.toml", "include = [\"../../etc/passwd\"]\n[exercise]\n")]);
        let e = BaseCopy::new("HEAD", &d.path().join("a.toml")).unwrap_err();
        assert!(matches!(e, BaseError::Climbs { .. }), "{e}");
        assert!(
            e.to_string().starts_with("HEAD:a.toml: include \"../../etc/passwd\" climbs out"),
            "{e}"
        );
    }

    /// Delete the object `spec` names from the repository's store: the clone is corrupt.
    fn remove_object(repo: &Path, spec: &str) {
        let out = Command::new("git").args(["rev-parse", spec]).current_dir(repo).output().unwrap();
        let oid = String::from_utf8(out.stdout).unwrap().trim().to_string();
        std::fs::remove_file(repo.join(".git/objects").join(&oid[..2]).join(&oid[2..])).unwrap();
    }

    #[test]
    fn a_missing_object_is_an_error_naming_rev_and_path() {
        let d = repo(&[("a.toml", "[exercise]\nname = \"a\"\n")]);
        remove_object(d.path(), "HEAD:a.toml");
        let e = BaseCopy::new("HEAD", &d.path().join("a.toml")).unwrap_err();
        assert!(matches!(e, BaseError::Git { .. }), "{e}");
        assert!(e.to_string().contains("HEAD:a.toml"), "{e}");
    }

    #[test]
    fn a_missing_tree_is_an_error_not_a_new_file() {
        let d = repo(&[("sub/a.toml", "[exercise]\n")]);
        remove_object(d.path(), "HEAD:sub");
        let e = BaseCopy::new("HEAD", &d.path().join("sub/a.toml")).unwrap_err();
        assert!(e.to_string().contains("HEAD:sub/a.toml"), "{e}");
    }

    #[test]
    fn an_unknown_revision_is_named() {
        let d = repo(&[("a.toml", "[exercise]\n")]);
        let e = BaseCopy::new("no-such-rev", &d.path().join("a.toml")).unwrap_err();
        assert!(e.to_string().contains("no such revision"), "{e}");
    }
}
