//! Monte Carlo batches: trials split in fixed chunks, run on a rayon pool, merged exactly.
//!
//! Chunks are fixed ranges of trial indices whatever the thread count, and a trial's
//! randomness depends on (seed, trial index) alone, and summaries merge exactly; so a run's
//! summary is the same bit for bit at any thread count.

use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::model::Scenario;
use crate::sim::{TrialOutcome, Workspace, rng::TrialStreams, run_trial};
use crate::stats::Summary;

/// Trials per chunk: large enough that merging is cheap, small enough to balance two cores.
pub const CHUNK: u64 = 2048;

pub use crate::model::limits::MAX_TRIALS;

/// How to run a batch.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of trials (1..=MAX_TRIALS).
    pub trials: u64,
    /// Worker threads (None: all cores).
    pub threads: Option<usize>,
    /// Show a progress bar on stderr when it is a terminal.
    pub progress: bool,
}

/// Run trials `range` of `sc` and summarise them (on the current rayon pool).
pub fn summarize_range(sc: &Scenario, seed: u64, range: std::ops::Range<u64>, bar: Option<&ProgressBar>) -> Summary {
    fold_range(sc, seed, range, bar, || (), |_, _, _| (), |_, _| ()).0
}

/// Run trials `range` of `sc` into a summary and, beside it, whatever else a caller keeps of
/// each trial (`add` sees the trial's index and outcome; `merge` joins two workers' parts).
/// Chunks and merges are as for the summary, so a caller whose `merge` is exact (counts,
/// sketches, a top-k broken by trial index) gets the same result at any thread count.
pub fn fold_range<A: Send>(
    sc: &Scenario,
    seed: u64,
    range: std::ops::Range<u64>,
    bar: Option<&ProgressBar>,
    init: impl Fn() -> A + Sync + Send,
    add: impl Fn(&mut A, u64, &TrialOutcome) + Sync + Send,
    merge: impl Fn(&mut A, A) + Sync + Send,
) -> (Summary, A) {
    let chunks = (range.end - range.start).div_ceil(CHUNK);
    // A worker keeps its buffers and its summary from chunk to chunk: a fresh summary's
    // sketches grow their histograms bucket by bucket in their first trials, and merging is
    // exact, so how many chunks one summary holds does not change a bit of the result.
    (0..chunks)
        .into_par_iter()
        .fold(
            || (Workspace::new(sc), Summary::new(sc), init()),
            |(mut ws, mut sum, mut extra), c| {
                let lo = range.start + c * CHUNK;
                let hi = (lo + CHUNK).min(range.end);
                for k in lo..hi {
                    run_trial(sc, TrialStreams::new(seed, k), &mut ws, &mut ());
                    sum.add(sc, &ws.out);
                    add(&mut extra, k, &ws.out);
                }
                if let Some(b) = bar {
                    b.inc(hi - lo);
                }
                (ws, sum, extra)
            },
        )
        .map(|(_, sum, extra)| (sum, extra))
        .reduce(
            || (Summary::new(sc), init()),
            |(mut a, mut ea), (b, eb)| {
                a.merge(&b);
                merge(&mut ea, eb);
                (a, ea)
            },
        )
}

/// A pool of `threads` workers (None: all cores), the one place a command's pool is built.
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n.max(1));
    }
    builder.build()
}

/// Run a whole batch with the options' pool size and progress bar.
pub fn run(sc: &Scenario, opt: &RunOptions) -> Result<Summary, rayon::ThreadPoolBuildError> {
    let pool = pool(opt.threads)?;
    let bar = progress_bar(opt);
    let s = pool.install(|| summarize_range(sc, opt.seed, 0..opt.trials, bar.as_ref()));
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(s)
}

static FORCE_HIDDEN: AtomicBool = AtomicBool::new(false);

/// Turn the progress bar off for this process (tests, `--quiet`).
pub fn hide_progress() {
    FORCE_HIDDEN.store(true, Ordering::Relaxed);
}

fn progress_bar(opt: &RunOptions) -> Option<ProgressBar> {
    // Only runs long enough to notice get a bar; indicatif draws nothing if stderr is not a
    // terminal.
    if !opt.progress || FORCE_HIDDEN.load(Ordering::Relaxed) || opt.trials < 200_000 {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(opt.trials), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:40} {pos}/{len} trials  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}
