//! Output files, written as a set: the one writer of every command that writes files.
//!
//! A command's outputs (a report folder, a JSON summary, JUnit XML, a comparison's CDFs) are
//! one [`FileSet`]. [`FileSet::write`] produces every file whole before any is replaced:
//!
//! 1. Each destination is resolved: a symlink is kept and its target written (the same rules
//!    then apply to the target); a folder in the way is an error before anything is written.
//! 2. A regular file (or a new one) gets a temporary beside it, created exclusively with a
//!    random name ([`tempfile`]), so nobody who can write to the folder can make drillsim
//!    write through a file they planted. The temporary is written and synced.
//! 3. Devices, FIFOs and `-` (standard output) are written through: opened for writing and
//!    never replaced (as root, replacing `/dev/null` with a file would break the system).
//! 4. Only then are the temporaries renamed into place, while holding the lock that the
//!    signal handler ([`interrupt`]) takes: a SIGINT or SIGTERM either comes before the
//!    renames (the temporaries are removed and the previous set stays whole) or after them.
//!
//! A failure at any step (a full disk, a folder in the way, a device that refuses the bytes)
//! removes the temporaries and leaves the previous set as it was, with an error naming the
//! file.

pub mod interrupt;

use std::borrow::Cow;
use std::fs::Permissions;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::WriteError;

/// Symlinks followed before a destination counts as a loop.
const MAX_LINKS: usize = 40;

/// Files to write together, and files of an earlier set to remove once the new one is in
/// place (e.g. a chart that no longer applies).
#[derive(Default)]
pub struct FileSet<'a> {
    files: Vec<(PathBuf, Cow<'a, [u8]>)>,
    staged: Vec<Staged>,
    stale: Vec<PathBuf>,
}

/// A file too big to hold in memory (`run --trials-out`), written as it is produced and
/// then committed with a [`FileSet`]: a regular file goes to a temporary beside it (registered
/// for the signal handler) that the set renames into place with its other files; a device,
/// FIFO or `-` is written through as the bytes come. Dropped without being committed, the
/// temporary is removed.
pub struct Staged {
    shown: PathBuf,
    sink: Sink,
}

enum Sink {
    Temp {
        file: Option<std::io::BufWriter<NamedTempFile>>,
        target: PathBuf,
        made: Vec<PathBuf>,
    },
    Through(std::io::BufWriter<std::fs::File>),
    Stdout(std::io::BufWriter<std::io::Stdout>),
}

impl Staged {
    /// Open `path` for streaming (`-`: standard output).
    pub fn create(path: &Path) -> Result<Staged, WriteError> {
        let err = |source| WriteError {
            path: path.to_path_buf(),
            source,
        };
        let sink = match resolve(path)? {
            Destination::Stdout => Sink::Stdout(std::io::BufWriter::new(std::io::stdout())),
            Destination::Through(p) => Sink::Through(std::io::BufWriter::new(
                std::fs::OpenOptions::new().write(true).open(p).map_err(err)?,
            )),
            Destination::Replace(target) => {
                let dir = folder_of(&target).to_path_buf();
                let mut made: Vec<PathBuf> = dir
                    .ancestors()
                    .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
                    .map(Path::to_path_buf)
                    .collect();
                std::fs::create_dir_all(&dir).map_err(err)?;
                made.reverse();
                let mode = match target.metadata() {
                    Ok(m) => m.permissions(),
                    Err(_) => Permissions::from_mode(0o666),
                };
                let mut pending = interrupt::lock();
                let t = tempfile::Builder::new()
                    .prefix(".drillsim-")
                    .suffix(".tmp")
                    .permissions(mode)
                    .tempfile_in(&dir)
                    .map_err(err)?;
                pending.push(t.path().to_path_buf());
                Sink::Temp {
                    file: Some(std::io::BufWriter::with_capacity(1 << 20, t)),
                    target,
                    made,
                }
            }
        };
        Ok(Staged {
            shown: path.to_path_buf(),
            sink,
        })
    }

    /// Append `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        let r = match &mut self.sink {
            Sink::Temp { file: Some(f), .. } => f.write_all(bytes),
            Sink::Temp { file: None, .. } => Ok(()),
            Sink::Through(f) => f.write_all(bytes),
            Sink::Stdout(f) => f.write_all(bytes),
        };
        r.map_err(|source| WriteError {
            path: self.shown.clone(),
            source,
        })
    }

    /// Flush what is written through; a temporary is flushed, synced and handed over to be
    /// renamed (`None` when written through).
    fn finish(mut self) -> Result<Option<(NamedTempFile, PathBuf, PathBuf)>, WriteError> {
        let shown = self.shown.clone();
        let err = |source| WriteError {
            path: shown.clone(),
            source,
        };
        match &mut self.sink {
            Sink::Through(f) => f.flush().map_err(err).map(|()| None),
            Sink::Stdout(f) => f.flush().map_err(err).map(|()| None),
            Sink::Temp { file, target, .. } => {
                let f = file.take().expect("finished once");
                let t = f.into_inner().map_err(|e| err(e.into_error()))?;
                t.as_file().sync_all().map_err(err)?;
                Ok(Some((t, target.clone(), shown.clone())))
            }
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Sink::Temp { file, made, .. } = &mut self.sink
            && let Some(f) = file.take()
        {
            // Not committed: the temporary goes (NamedTempFile's drop), and so do the folders
            // made for it, if empty.
            let mut pending = interrupt::lock();
            let path = f.get_ref().path().to_path_buf();
            drop(f);
            pending.retain(|p| *p != path);
            for d in made.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
}

/// Where bytes for a path go.
#[derive(Debug, PartialEq, Eq)]
pub enum Destination {
    /// Standard output (`-`).
    Stdout,
    /// A regular file, new or to be replaced by a rename: this path (a symlink's target).
    Replace(PathBuf),
    /// A device, FIFO or socket: opened for writing, never replaced.
    Through(PathBuf),
}

impl<'a> FileSet<'a> {
    /// An empty set.
    pub fn new() -> FileSet<'a> {
        FileSet::default()
    }

    /// Add a file; `-` means standard output.
    pub fn add(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Cow<'a, [u8]>>) {
        self.files.push((path.into(), bytes.into()));
    }

    /// Add a file already written by streaming ([`Staged`]), renamed into place with the set.
    pub fn add_staged(&mut self, staged: Staged) {
        self.staged.push(staged);
    }

    /// Remove `path` after the set is written, if it is a regular file that the set did not
    /// write.
    pub fn remove_stale(&mut self, path: impl Into<PathBuf>) {
        self.stale.push(path.into());
    }

    /// The paths of the set, in order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|(p, _)| p.as_path())
    }

    /// Write every file of the set, all or none as far as the file system allows (see the
    /// module's documentation).
    pub fn write(self) -> Result<(), WriteError> {
        let mut dests = Vec::with_capacity(self.files.len());
        for (path, bytes) in &self.files {
            dests.push((path, resolve(path)?, bytes));
        }
        // Streamed files are whole already: flushed and synced first, renamed with the rest.
        let mut staged_files = Vec::new();
        let mut staged_shown = Vec::new();
        let mut staged_result = Ok(());
        for st in self.staged {
            match st.finish() {
                Ok(Some((t, target, shown))) => {
                    staged_files.push((t, target));
                    staged_shown.push(shown);
                }
                Ok(None) => {}
                Err(e) => {
                    staged_result = Err(e);
                    break;
                }
            }
        }
        let mut temps: Vec<(NamedTempFile, PathBuf, &Path)> = staged_files
            .into_iter()
            .zip(&staged_shown)
            .map(|((t, target), shown)| (t, target, shown.as_path()))
            .collect();
        let mut made = Vec::new();
        let result = staged_result
            .and_then(|()| prepare(&dests, &mut temps, &mut made))
            .and_then(|()| write_through(&dests));
        let mut pending = interrupt::lock();
        if let Err(e) = result {
            for (t, _, _) in temps {
                pending.retain(|p| p != t.path());
                drop(t);
            }
            // Folders made for this set go too (deepest first; only if empty).
            for d in made.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
            return Err(e);
        }
        let mut failed = None;
        let mut temps = temps.into_iter();
        for (t, dest, shown) in temps.by_ref() {
            let tpath = t.path().to_path_buf();
            pending.retain(|p| *p != tpath);
            if let Err(e) = t.persist(&dest) {
                failed = Some(WriteError {
                    path: shown.to_path_buf(),
                    source: e.error,
                });
                break;
            }
        }
        if let Some(e) = failed {
            for (t, _, _) in temps {
                pending.retain(|p| p != t.path());
            }
            return Err(e);
        }
        for p in &self.stale {
            if self.files.iter().any(|(f, _)| f == p) {
                continue;
            }
            if p.symlink_metadata().is_ok_and(|m| m.is_file()) {
                std::fs::remove_file(p).map_err(|source| WriteError { path: p.clone(), source })?;
            }
        }
        Ok(())
    }
}

/// Write one file (a set of one).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut set = FileSet::new();
    set.add(path, bytes);
    set.write()
}

/// Whether `path` names standard output.
pub fn is_stdout(path: &Path) -> bool {
    path == Path::new("-")
}

/// Where the bytes for `path` go: following symlinks (relative to the link's folder), a
/// regular or missing file is replaced, a device, FIFO or socket is written through, and a
/// folder is an error.
pub fn resolve(path: &Path) -> Result<Destination, WriteError> {
    if is_stdout(path) {
        return Ok(Destination::Stdout);
    }
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let mut at = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let meta = match at.symlink_metadata() {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Destination::Replace(at)),
            Err(e) => return Err(err(e)),
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(&at).map_err(err)?;
            at = folder_of(&at).join(target);
        } else if ft.is_dir() {
            return Err(err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "a folder is in the way of this file; move it",
            )));
        } else if ft.is_file() {
            return Ok(Destination::Replace(at));
        } else {
            return Ok(Destination::Through(at));
        }
    }
    Err(err(std::io::Error::other("too many levels of symbolic links")))
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

type Planned<'s, 'a> = (&'s PathBuf, Destination, &'s Cow<'a, [u8]>);

/// Step 2: a written, synced temporary beside every file to be replaced, each registered
/// with the signal handler from the moment it exists.
fn prepare<'s>(
    dests: &[Planned<'s, '_>],
    temps: &mut Vec<(NamedTempFile, PathBuf, &'s Path)>,
    made: &mut Vec<PathBuf>,
) -> Result<(), WriteError> {
    for (shown, dest, bytes) in dests {
        let Destination::Replace(target) = dest else { continue };
        let err = |source| WriteError {
            path: shown.to_path_buf(),
            source,
        };
        let dir = folder_of(target);
        let mut missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect();
        std::fs::create_dir_all(dir).map_err(err)?;
        missing.reverse();
        made.extend(missing);
        // A new file gets the usual mode (0666 less the umask); a replaced one keeps its own.
        let mode = match target.metadata() {
            Ok(m) => m.permissions(),
            Err(_) => Permissions::from_mode(0o666),
        };
        let t = {
            let mut pending = interrupt::lock();
            let t = tempfile::Builder::new()
                .prefix(".drillsim-")
                .suffix(".tmp")
                .permissions(mode.clone())
                .tempfile_in(dir)
                .map_err(err)?;
            pending.push(t.path().to_path_buf());
            t
        };
        temps.push((t, target.clone(), shown.as_path()));
        let (t, _, _) = temps.last_mut().expect("just pushed");
        let file = t.as_file_mut();
        file.write_all(bytes).map_err(err)?;
        file.set_permissions(mode).map_err(err)?;
        file.sync_all().map_err(err)?;
    }
    Ok(())
}

/// Step 3: standard output and devices get their bytes directly.
fn write_through(dests: &[Planned<'_, '_>]) -> Result<(), WriteError> {
    for (shown, dest, bytes) in dests {
        let err = |source| WriteError {
            path: shown.to_path_buf(),
            source,
        };
        match dest {
            Destination::Replace(_) => {}
            Destination::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush()).map_err(err)?;
            }
            Destination::Through(p) => {
                let mut f = std::fs::OpenOptions::new().write(true).open(p).map_err(err)?;
                f.write_all(bytes).and_then(|()| f.flush()).map_err(err)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_set_replaces_files_and_leaves_no_temporaries() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), "old a").unwrap();
        let mut set = FileSet::new();
        set.add(d.path().join("a"), b"new a".as_slice());
        set.add(d.path().join("sub/b"), b"new b".to_vec());
        set.write().unwrap();
        assert_eq!(std::fs::read_to_string(d.path().join("a")).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(d.path().join("sub/b")).unwrap(), "new b");
        assert_eq!(listing(d.path()), ["a", "sub"]);
        assert!(
            !interrupt::lock().iter().any(|p| p.starts_with(d.path())),
            "nothing left to clean up"
        );
    }

    #[test]
    fn a_failed_set_removes_the_folders_it_made() {
        let d = tempfile::tempdir().unwrap();
        let full = d.path().join("full");
        assert!(
            std::process::Command::new("mknod")
                .arg(&full)
                .args(["c", "1", "7"])
                .status()
                .unwrap()
                .success()
        );
        let mut set = FileSet::new();
        set.add(d.path().join("new/deeper/a.json"), b"a".as_slice());
        set.add(&full, b"x".as_slice());
        assert!(set.write().is_err());
        assert_eq!(listing(d.path()), ["full"]);
    }

    #[test]
    fn a_folder_in_the_way_changes_nothing() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), "old a").unwrap();
        std::fs::create_dir(d.path().join("chart.png")).unwrap();
        let mut set = FileSet::new();
        set.add(d.path().join("a"), b"new a".as_slice());
        set.add(d.path().join("chart.png"), b"png".as_slice());
        let e = set.write().unwrap_err();
        assert!(e.path.ends_with("chart.png"), "{e}");
        assert!(e.to_string().contains("a folder is in the way"), "{e}");
        assert_eq!(std::fs::read_to_string(d.path().join("a")).unwrap(), "old a");
        assert_eq!(listing(d.path()), ["a", "chart.png"]);
    }

    #[test]
    fn a_failed_device_write_removes_the_temporaries() {
        // /dev/full refuses every byte; the regular file before it must stay as it was.
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), "old a").unwrap();
        let full = d.path().join("full");
        let made = std::process::Command::new("mknod").arg(&full).args(["c", "1", "7"]).status();
        if !made.is_ok_and(|s| s.success()) {
            panic!("mknod needs root (the tests run as root)");
        }
        let mut set = FileSet::new();
        set.add(d.path().join("a"), b"new a".as_slice());
        set.add(&full, b"x".as_slice());
        let e = set.write().unwrap_err();
        assert_eq!(e.path, full);
        assert_eq!(std::fs::read_to_string(d.path().join("a")).unwrap(), "old a");
        assert_eq!(listing(d.path()), ["a", "full"]);
    }

    #[test]
    fn symlinks_are_kept_and_their_targets_written() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("real")).unwrap();
        std::fs::write(d.path().join("real/t.json"), "old").unwrap();
        std::os::unix::fs::symlink("real/t.json", d.path().join("link.json")).unwrap();
        std::os::unix::fs::symlink("nowhere/new.json", d.path().join("dangling.json")).unwrap();
        assert_eq!(
            resolve(&d.path().join("link.json")).unwrap(),
            Destination::Replace(d.path().join("real/t.json"))
        );
        let mut set = FileSet::new();
        set.add(d.path().join("link.json"), b"new".as_slice());
        set.add(d.path().join("dangling.json"), b"made".as_slice());
        set.write().unwrap();
        assert!(d.path().join("link.json").symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(d.path().join("real/t.json")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(d.path().join("nowhere/new.json")).unwrap(), "made");
        std::os::unix::fs::symlink("loop", d.path().join("loop")).unwrap();
        assert!(resolve(&d.path().join("loop")).is_err());
    }

    #[test]
    fn a_replaced_file_keeps_its_mode_and_a_new_one_is_not_private() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, Permissions::from_mode(0o640)).unwrap();
        write_file(&p, b"new").unwrap();
        assert_eq!(p.metadata().unwrap().permissions().mode() & 0o777, 0o640);
        let q = d.path().join("b");
        write_file(&q, b"new").unwrap();
        assert_ne!(
            q.metadata().unwrap().permissions().mode() & 0o044,
            0,
            "readable by others as before"
        );
    }

    #[test]
    fn stale_files_go_only_after_the_set_is_in_place() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("old.png"), "stale").unwrap();
        std::fs::create_dir(d.path().join("keep.png")).unwrap();
        let mut set = FileSet::new();
        set.add(d.path().join("a"), b"a".as_slice());
        set.remove_stale(d.path().join("old.png"));
        set.remove_stale(d.path().join("keep.png"));
        set.remove_stale(d.path().join("missing.png"));
        set.write().unwrap();
        assert_eq!(listing(d.path()), ["a", "keep.png"]);
    }
}
