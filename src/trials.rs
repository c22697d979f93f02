//! One row per trial (`run --trials-out`): for users who analyse the runs in pandas, R or a
//! notebook. Rows are streamed in trial order whatever the thread count: trials run in
//! windows of chunks in parallel, and each window's rows are written in order before the next
//! window starts, so memory stays bounded by the window, not the run.

use rayon::prelude::*;

use crate::batch::CHUNK;
use crate::model::Scenario;
use crate::sim::{TrialOutcome, Workspace, rng::TrialStreams, run_trial};
use crate::stats::Summary;

/// Chunks per window, per worker thread.
const WINDOW_PER_THREAD: u64 = 4;

/// The CSV header: `trial,recovery,recovered,detect,ack,close,level`, then
/// `downtime.<service>` per business service and `data_lost.<store>` per store.
pub fn header(sc: &Scenario) -> String {
    let mut cols: Vec<String> = ["trial", "recovery", "recovered", "detect", "ack", "close", "level"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cols.extend(sc.services.iter().map(|s| format!("downtime.{}", s.name)));
    cols.extend(sc.stores.iter().map(|s| format!("data_lost.{}", s.name)));
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(&cols);
    String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).into_owned()
}

/// One trial's row, minutes in full precision (the shortest text that reads back as the
/// same number); a level by its name, empty when none was reached.
pub fn row(sc: &Scenario, trial: u64, o: &TrialOutcome, out: &mut Vec<u8>) {
    use std::io::Write;
    let _ = write!(
        out,
        "{trial},{},{},{},{},{},",
        o.recovery,
        o.recovered(sc),
        o.detect,
        o.ack,
        o.close
    );
    if let Some(l) = o.level {
        // Level names come from the file: quoted as CSV wants when they need it.
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b' '))
            .from_writer(Vec::new());
        let _ = w.write_field(&sc.levels[l]);
        let _ = w.flush();
        out.extend_from_slice(w.get_ref());
    }
    for d in &o.downtime {
        let _ = write!(out, ",{d}");
    }
    for d in &o.data_lost {
        let _ = write!(out, ",{d}");
    }
    out.push(b'\n');
}

/// Run trials `0..trials` of `sc` (on the current pool) into the summary, handing each
/// window's rows, in trial order, to `sink`; stops at the first error of `sink`.
pub fn stream<E>(sc: &Scenario, seed: u64, trials: u64, mut sink: impl FnMut(&[u8]) -> Result<(), E>) -> Result<Summary, E> {
    sink(header(sc).as_bytes())?;
    let chunks = trials.div_ceil(CHUNK);
    let window = WINDOW_PER_THREAD * rayon::current_num_threads() as u64;
    let mut total = Summary::new(sc);
    let mut first = 0;
    while first < chunks {
        let last = (first + window).min(chunks);
        let parts: Vec<(Summary, Vec<u8>)> = (first..last)
            .into_par_iter()
            .map(|c| {
                let (lo, hi) = (c * CHUNK, ((c + 1) * CHUNK).min(trials));
                let mut ws = Workspace::new(sc);
                let mut sum = Summary::new(sc);
                let mut rows = Vec::with_capacity((hi - lo) as usize * 64);
                for k in lo..hi {
                    run_trial(sc, TrialStreams::new(seed, k), &mut ws, &mut ());
                    sum.add(sc, &ws.out);
                    row(sc, k, &ws.out, &mut rows);
                }
                (sum, rows)
            })
            .collect();
        for (sum, rows) in parts {
            total.merge(&sum);
            sink(&rows)?;
        }
        first = last;
    }
    Ok(total)
}
