//! `drillsim sweep`: variants of a plan on the base's random numbers, ranked.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{DEFAULT_SEED, ROOT, Threads, load_in};
use drillsim::output::{FileSet, is_stdout};
use drillsim::plot::{Targets, TradeOff, TradeOffPoint, TradeOffSeries, trade_off};
use drillsim::scenario::vary::{Base, Edit, Op, ValueKind};
use drillsim::sweep::param::{self, MAX_VARIANTS, Vary};
use drillsim::sweep::{self, Options, Sweep, Variant, render};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The base scenario file (.toml).
    file: PathBuf,
    /// A field and the values to try: KIND.NAME.FIELD=VALUES (set), *= (scale a duration),
    /// += (add a duration or a whole number), e.g. teams.ops.capacity=1..3,
    /// steps.restore-db.duration*=0.5,0.75,1, stores.orders.backup_interval=15m,1h,4h.
    /// Repeat for every combination.
    #[arg(long = "vary", value_name = "KIND.NAME.FIELD=VALUES")]
    vary: Vec<String>,
    /// A named variant: another scenario file run on the same random numbers.
    #[arg(long = "variant", value_name = "NAME=FILE")]
    variants: Vec<String>,
    /// Rank by this measure instead of the objectives, e.g. 'recovery p95',
    /// 'services.payment rto_met', 'stores.orders data_lost mean'.
    #[arg(long, value_name = "MEASURE")]
    by: Option<String>,
    /// Trials of the base and of each variant (every trial's measure is kept; at most 1000000).
    #[arg(long, short = 'n', default_value_t = sweep::DEFAULT_TRIALS,
          value_parser = clap::value_parser!(u64).range(1..=sweep::MAX_TRIALS))]
    trials: u64,
    /// Seed of every run and of the bootstrap (default: the file's, else 1).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    #[command(flatten)]
    threads: Threads,
    /// Bootstrap resamples of each variant's change against the base.
    #[arg(long, default_value_t = sweep::DEFAULT_RESAMPLES as u64,
          value_parser = clap::value_parser!(u64).range(100..=100_000))]
    resamples: u64,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95, value_parser = super::confidence)]
    confidence: f64,
    /// Write the JSON to this file ("-" for standard output).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Write the CSV (one row per variant) to this file ("-" for standard output).
    #[arg(long, value_name = "PATH")]
    csv: Option<PathBuf>,
    /// Write the Markdown table to this file ("-" for standard output).
    #[arg(long, value_name = "PATH")]
    md: Option<PathBuf>,
    /// Write the trade-off chart to this file (.png or .svg).
    #[arg(long, value_name = "PATH")]
    chart: Option<PathBuf>,
    /// Write sweep.json, sweep.csv, sweep.md, sweep.png and sweep.svg into this folder.
    #[arg(long, short = 'o', value_name = "DIR")]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// `--variant NAME=FILE`.
fn named(text: &str) -> Result<(String, PathBuf)> {
    match text.split_once('=') {
        Some((n, f)) if !n.trim().is_empty() && !f.trim().is_empty() => Ok((n.trim().to_string(), PathBuf::from(f.trim()))),
        _ => bail!("--variant '{text}': write NAME=FILE\n  help: e.g. --variant two-dbas=plans/two-dbas.toml"),
    }
}

pub fn exec(a: Args) -> Result<ExitCode> {
    if a.vary.is_empty() && a.variants.is_empty() {
        bail!(
            "nothing to sweep: give --vary KIND.NAME.FIELD=VALUES or --variant NAME=FILE\n  help: e.g. drillsim sweep {} --vary 'teams.ops.capacity=1..3'",
            a.file.display()
        );
    }
    let stdout_outputs = [&a.json, &a.csv, &a.md]
        .iter()
        .filter(|p| p.as_deref().is_some_and(is_stdout))
        .count();
    if stdout_outputs > 1 {
        bail!("--json -, --csv - and --md - would mix on standard output: send all but one to files");
    }
    if let Some(c) = &a.chart {
        chart_targets(c)?;
    }
    if let Some(dir) = &a.out {
        super::run::out_is_a_folder(dir)?;
    }
    let varies: Vec<Vary> = a.vary.iter().map(|v| param::parse(v)).collect::<Result<_, _>>()?;
    let files: Vec<(String, PathBuf)> = a.variants.iter().map(|v| named(v)).collect::<Result<_>>()?;
    let combos = param::combinations(&varies, files.len())?;
    if combos.is_empty() && files.len() > MAX_VARIANTS {
        bail!("{} --variant files; a sweep runs at most {MAX_VARIANTS}", files.len());
    }
    let root = ROOT.get().cloned().unwrap_or_else(|| drillsim::scenario::default_root(&a.file));
    let base = Base::load(&a.file, &root)?;
    // Names and fields are checked before any variant is made, once per flag.
    for v in &varies {
        base.check(&v.target, &v.ops[0])?;
    }
    let mut variants = Vec::with_capacity(combos.len() + files.len());
    for (edits, values) in combos {
        let scenario = base.varied(&edits)?;
        variants.push(Variant {
            label: edits.iter().map(Edit::text).collect::<Vec<_>>().join(", "),
            edits,
            values,
            scenario,
        });
    }
    for (name, file) in &files {
        if variants.iter().any(|v| &v.label == name) || name == "base" {
            bail!(
                "--variant '{name}={}': the name is taken; give each variant its own",
                file.display()
            );
        }
        variants.push(Variant {
            label: name.clone(),
            edits: Vec::new(),
            values: Vec::new(),
            scenario: load_in(file, None)?,
        });
    }
    let sc = base.scenario();
    let mut opt = Options::new(a.seed.or(sc.seed).unwrap_or(DEFAULT_SEED));
    opt.trials = a.trials;
    opt.resamples = a.resamples as usize;
    opt.confidence = a.confidence;
    opt.by = a.by.clone();
    let total = a.trials.saturating_mul(variants.len() as u64 + 1);
    let bar = (!a.quiet && total >= 200_000).then(|| progress_bar(total));
    let pool = a.threads.pool()?;
    let result = pool.install(|| sweep::run_with(sc, variants, &opt, bar.as_ref()));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let s = result?;

    let mut set = FileSet::new();
    let json_text = drillsim::report::json::to_text(&render::json(&s, &varies));
    let csv_text = render::csv(&s, &varies);
    let md_text = render::markdown(&s, &varies);
    for (path, text) in [(&a.json, &json_text), (&a.csv, &csv_text), (&a.md, &md_text)] {
        if let Some(p) = path {
            set.add(p, text.as_bytes());
        }
    }
    let wants_svg = a.out.is_some() || a.chart.as_ref().is_some_and(|c| chart_targets(c).is_ok_and(|t| t.svg));
    let wants_png = a.out.is_some() || a.chart.as_ref().is_some_and(|c| chart_targets(c).is_ok_and(|t| t.png));
    if wants_svg || wants_png {
        let chart = trade_off(
            &chart_spec(&s, &varies),
            Targets {
                svg: wants_svg,
                png: wants_png,
            },
        )?;
        if let Some(c) = &a.chart {
            match (chart_targets(c)?.svg, &chart.svg, &chart.png) {
                (true, Some(svg), _) => set.add(c, svg.as_bytes().to_vec()),
                (false, _, Some(png)) => set.add(c, png.clone()),
                _ => {}
            }
        }
        if let Some(dir) = &a.out {
            set.add(dir.join("sweep.json"), json_text.as_bytes());
            set.add(dir.join("sweep.csv"), csv_text.as_bytes());
            set.add(dir.join("sweep.md"), md_text.as_bytes());
            if let Some(svg) = chart.svg {
                set.add(dir.join("sweep.svg"), svg.into_bytes());
            }
            if let Some(png) = chart.png {
                set.add(dir.join("sweep.png"), png);
            }
        }
    }
    set.write()?;
    if stdout_outputs == 0 {
        let mut text = render::table(&s, &varies);
        if let Some(dir) = &a.out {
            text.push_str(&format!("  wrote {}\n", dir.join("sweep.md").display()));
        }
        super::say(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Which rendering `--chart PATH` asks for, by its extension.
fn chart_targets(p: &Path) -> Result<Targets> {
    match p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("png") => Ok(Targets { svg: false, png: true }),
        Some("svg") => Ok(Targets { svg: true, png: false }),
        _ => bail!(
            "--chart {}: name a .png or .svg file\n  help: e.g. --chart sweep.png; --out DIR writes both",
            p.display()
        ),
    }
}

/// A progress bar over every trial of every variant, in 80 columns, rates as whole numbers.
fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:30} {pos}/{len} trials  {rate}  eta {eta}")
            .map(|s| {
                s.with_key("rate", |st: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", st.per_sec());
                })
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Most lines on the chart (one per combination of the other flags' values).
const MAX_LINES: usize = 6;

/// The trade-off chart: the measure against the first `--vary`'s value, a line per
/// combination of the others; with named variants only, one point per variant.
fn chart_spec(s: &Sweep, varies: &[Vary]) -> TradeOff {
    let share = s.resolved.is_share();
    let base = s.outcomes.iter().find(|o| o.is_base);
    let point = |o: &sweep::Outcome, x: f64| TradeOffPoint {
        x,
        y: o.measure.candidate,
        lo: o.measure.candidate + (o.measure.interval.lo - o.measure.change),
        hi: o.measure.candidate + (o.measure.interval.hi - o.measure.change),
    };
    let mut notes = vec![format!(
        "{} trials per variant, seed {}; bars: {}% paired interval of the change against the base",
        s.trials,
        s.seed,
        100.0 * s.confidence
    )];
    let (series, categories, x_label) = match varies.first() {
        Some(first) => {
            let mut groups: Vec<(Vec<usize>, TradeOffSeries)> = Vec::new();
            for o in s.outcomes.iter().filter(|o| !o.values.is_empty()) {
                let rest = o.values[1..].to_vec();
                let x = first.axis_value(o.values[0]);
                match groups.iter_mut().find(|g| g.0 == rest) {
                    Some(g) => g.1.points.push(point(o, x)),
                    None => {
                        let name = o.edits[1..].iter().map(Edit::text).collect::<Vec<_>>().join(", ");
                        groups.push((
                            rest,
                            TradeOffSeries {
                                name,
                                points: vec![point(o, x)],
                            },
                        ));
                    }
                }
            }
            groups.sort_by(|a, b| a.0.cmp(&b.0));
            if groups.len() > MAX_LINES {
                notes.push(format!("{} more lines not drawn (see the table)", groups.len() - MAX_LINES));
                groups.truncate(MAX_LINES);
            }
            if s.outcomes.iter().any(|o| !o.is_base && o.values.is_empty()) {
                notes.push("named variants (--variant) are in the table, not on this axis".into());
            }
            let series = groups
                .into_iter()
                .map(|(_, mut g)| {
                    g.points.sort_by(|a, b| a.x.total_cmp(&b.x));
                    g
                })
                .collect();
            let what = first.target.text();
            let label = match (first.ops.first(), first.target.field.value) {
                (Some(Op::Scale(_)), _) => format!("{what} (factor)"),
                (Some(Op::Add(_)), ValueKind::Whole) => format!("{what} (added)"),
                (Some(Op::Add(_)), _) => format!("{what} (minutes added)"),
                (_, ValueKind::Duration | ValueKind::FixedDuration) => format!("{what} (minutes)"),
                _ => what,
            };
            (series, None, label)
        }
        None => {
            let named: Vec<&sweep::Outcome> = s.outcomes.iter().filter(|o| !o.is_base).collect();
            let mut named = named;
            named.sort_by_key(|o| o.label.clone());
            let points = named.iter().enumerate().map(|(i, o)| point(o, i as f64)).collect();
            let cats = named.iter().map(|o| o.label.clone()).collect();
            (
                vec![TradeOffSeries {
                    name: String::new(),
                    points,
                }],
                Some(cats),
                "variant".to_string(),
            )
        }
    };
    let threshold = base.and_then(|b| {
        b.objectives.iter().find_map(|o| {
            let subject = o
                .text
                .split([' '])
                .take_while(|w| !matches!(*w, "<=" | ">=" | "at"))
                .collect::<Vec<_>>()
                .join(" ");
            (subject == s.measure).then(|| (o.threshold, format!("objective: {}", o.text)))
        })
    });
    TradeOff {
        name: "sweep".into(),
        title: format!("{}: {} by variant", s.scenario, s.measure),
        notes,
        x_label,
        y_label: format!("{} ({})", s.measure, if share { "%" } else { "minutes" }),
        share,
        series,
        categories,
        base: base.map(|b| b.measure.candidate),
        threshold,
    }
}
