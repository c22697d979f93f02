//! SIGINT and SIGTERM: remove what is only half made, then exit 130 or 143.
//!
//! Temporaries of a [`super::FileSet`] and temporary folders (such as `compare`'s copy of the
//! base revision) are registered here while they exist. The binary calls [`install`] once; on
//! a signal, a watcher thread takes the registry's lock (so a set being renamed into place
//! finishes first), removes everything registered and exits with `128 + signal`. Without
//! [`install`] (a library user), the usual drop guards still clean up on every other path.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Paths to remove on a signal: files, or folders removed with their contents.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The registry, locked. Hold it across a step that a signal must not split: create a
/// temporary and push its path in one critical section, and remove it (or rename it into
/// place) and take its path out in another.
pub fn lock() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Watch for SIGINT and SIGTERM for the rest of the process.
pub fn install() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new().name("signals".into()).spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let pending = lock();
            for p in pending.iter() {
                let gone = match p.symlink_metadata() {
                    Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
                    _ => std::fs::remove_file(p),
                };
                drop(gone);
            }
            // Exit while holding the lock: no rename can start after the clean-up.
            std::process::exit(128 + sig);
        }
    })?;
    Ok(())
}
