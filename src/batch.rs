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
    // Only runs long enough to notice get a bar.
    if !opt.progress || opt.trials < 200_000 {
        return None;
    }
    trials_bar(opt.trials, "")
}

/// A bar over `total` trials on standard error, with `prefix` (e.g. `"3/12 "`, the exercise
/// being run) before it; None when progress is hidden. indicatif draws nothing when standard
/// error is not a terminal. Every command that runs trials draws this one bar, so they look
/// alike and all fit in 80 columns.
pub fn trials_bar(total: u64, prefix: &str) -> Option<ProgressBar> {
    if FORCE_HIDDEN.load(Ordering::Relaxed) {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(trials_style());
    bar.set_prefix(prefix.to_string());
    Some(bar)
}

/// A counter of trials whose total is not known in advance (`check` stops each exercise when
/// its verdicts are certain); None when progress is hidden.
pub fn trials_spinner(prefix: &str) -> Option<ProgressBar> {
    if FORCE_HIDDEN.load(Ordering::Relaxed) {
        return None;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(spinner_style());
    bar.set_prefix(prefix.to_string());
    Some(bar)
}

/// `{spinner} {prefix}{bar} done/total trials  rate  eta`: at most 80 columns with a prefix of
/// up to 9 characters and 10⁸ trials (pinned by a test).
fn trials_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix}{bar:12} {human_pos}/{human_len} trials  {rate}  eta {eta_precise}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("rate", write_rate)
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {prefix}{human_pos} trials  {rate}  {elapsed_precise}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key("rate", write_rate)
}

fn write_rate(s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = w.write_str(&rate(s.per_sec()));
}

/// Trials per second as a whole number, at most 9 characters: `48,213/s`, `12M/s`, `3G/s`.
fn rate(per_sec: f64) -> String {
    let r = if per_sec.is_finite() { per_sec.max(0.0) } else { 0.0 };
    if r.round() < 1e6 {
        format!("{}/s", grouped(r.round() as u64))
    } else if r < 1e9 {
        format!("{}M/s", (r / 1e6).round() as u64)
    } else {
        format!("{}G/s", ((r / 1e9).round() as u64).min(999))
    }
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A terminal that keeps what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            200
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(&format!("{s}\n"))
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.write_str("\n")
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The lines drawn, without the blanks indicatif pads a line with to the terminal's width.
    fn drawn(bar: ProgressBar, screen: &Screen) -> Vec<String> {
        bar.set_draw_target(ProgressDrawTarget::term_like(Box::new(screen.clone())));
        bar.set_position(99_999_999);
        bar.tick();
        bar.abandon();
        let text = screen.0.lock().unwrap().clone();
        text.lines()
            .map(str::trim_end)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn the_bar_fits_in_80_columns_with_a_prefix_and_10_to_the_8_trials() {
        for (style, len) in [(trials_style(), Some(100_000_000)), (spinner_style(), None)] {
            let screen = Screen::default();
            let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::hidden());
            bar.set_style(style);
            bar.set_prefix("999/999 ");
            let lines = drawn(bar, &screen);
            assert!(!lines.is_empty());
            for l in &lines {
                assert!(l.chars().count() <= 80, "{} columns: {l:?}", l.chars().count());
                assert!(l.contains("99,999,999"), "{l:?}");
            }
        }
    }

    #[test]
    fn rates_are_whole_numbers_in_at_most_nine_characters() {
        assert_eq!(rate(0.0), "0/s");
        assert_eq!(rate(48_213.4), "48,213/s");
        assert_eq!(rate(999_999.4), "999,999/s");
        assert_eq!(rate(12_345_678.0), "12M/s");
        assert_eq!(rate(3.2e9), "3G/s");
        assert_eq!(rate(f64::INFINITY), "0/s");
        assert_eq!(rate(f64::NAN), "0/s");
        for r in [0.5, 7.0, 1e3, 1e5 + 0.5, 1e6 - 1.0, 999_999.6, 1e8, 1e12, 1e300] {
            let s = rate(r);
            assert!(s.len() <= 9 && !s.contains('.'), "{r}: {s}");
        }
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(100), "100");
        assert_eq!(grouped(1000), "1,000");
    }
}
