//! Reports and charts: snapshots of each exporter on a small fixed run, PNGs that are real
//! pictures, a self-contained HTML page, sections for business services and stores, the
//! sensitivity analysis against known answers, and `drillsim run --out` end to end.

use std::path::Path;
use std::process::Command;

use drillsim::batch::summarize_range;
use drillsim::model::{BusinessService, DataStore, Scenario};
use drillsim::plot::{self, CdfChart, Marker, MarkerKind, Targets};
use drillsim::report::{self, Formats, OutFile, full};
use drillsim::sensitivity::{self, LeverKind};
use drillsim::stats::{Sketch, Summary};

use crate::common::{head, repo, scenario};

/// A small plan on two teams: triage, then restore (db) and notify, then verify.
const SMALL: &str = r#"
[exercise]
name = "small"
description = "Two teams, four steps"

[detection]
delay = { dist = "lognormal", median = "10m", sigma = 0.5 }
page = "ops"

[teams.ops]
capacity = 1
[teams.ops.escalation]
last_resort = "30m"
[[teams.ops.escalation.level]]
name = "primary"
ack = 0.9
ack_delay = { dist = "lognormal", median = "3m", sigma = 0.5 }
timeout = "10m"

[teams.db]
capacity = 1

[[step]]
id = "triage"
team = "ops"
duration = { dist = "lognormal", median = "15m", sigma = 0.4 }

[[step]]
id = "restore"
title = "Restore the database"
team = "db"
after = ["triage"]
duration = { dist = "triangular", min = "20m", mode = "30m", max = "90m" }
fail = 0.1

[[step]]
id = "notify"
team = "ops"
after = ["triage"]
duration = "5m"

[[step]]
id = "verify"
team = "ops"
after = ["restore", "notify"]
duration = "10m"
"#;

const SEED: u64 = 7;

fn small() -> (Scenario, Summary) {
    let sc = scenario(SMALL);
    let sum = summarize_range(&sc, SEED, 0..500, None);
    (sc, sum)
}

fn options(formats: &str) -> full::Options {
    full::Options {
        formats: formats.parse().unwrap(),
        sensitivity_trials: 200,
        search: 100,
        source: Some("small.toml".into()),
    }
}

fn file<'a>(files: &'a [OutFile], name: &str) -> &'a OutFile {
    files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no {name} among {:?}", names(files)))
}

fn names(files: &[OutFile]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

fn text(f: &OutFile) -> &str {
    std::str::from_utf8(&f.bytes).unwrap()
}

/// The small scenario with two business services (one with an RTO) and a store, and a summary
/// whose downtime and data-loss sketches are filled by hand, as the engine will fill them.
fn with_services() -> (Scenario, Summary) {
    let mut sc = scenario(SMALL);
    sc.services = vec![
        BusinessService {
            name: "online payment".into(),
            description: String::new(),
            needs: vec![],
            rto: Some(90.0),
            reopen: false,
        },
        BusinessService {
            name: "customer service".into(),
            description: String::new(),
            needs: vec![],
            rto: None,
            reopen: false,
        },
    ];
    sc.stores = vec![DataStore {
        name: "orders db".into(),
        description: String::new(),
        component: None,
        backup_interval: None,
        restore: drillsim::model::Dist::Fixed(0.0),
        bad_backup: 0.0,
        keep: None,
        replication_lag: None,
        key: drillsim::sim::rng::StreamKey::named("store:orders db"),
    }];
    let mut sum = summarize_range(&sc, SEED, 0..500, None);
    let (mut pay, mut cs, mut lost) = (Sketch::new(), Sketch::new(), Sketch::new());
    let mut met = 0;
    for k in 0..500u64 {
        let x = 30.0 + (k % 50) as f64 * 1.5; // 30 .. 103.5 minutes
        pay.add(x);
        met += (x <= 90.0) as u64;
        cs.add(if k % 4 == 0 { 0.0 } else { 20.0 + (k % 7) as f64 * 5.0 });
        lost.add(if k % 3 == 0 { 0.0 } else { (k % 60) as f64 });
    }
    sum.downtime = vec![pay, cs];
    sum.rto_met = vec![met, 500];
    sum.data_lost = vec![lost];
    (sc, sum)
}

// ---- snapshots: each exporter on a small fixed run ----

#[test]
fn json_summary_snapshot() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("json")).unwrap();
    assert_eq!(names(&files), ["summary.json"]);
    insta::assert_snapshot!("summary_json", text(&files[0]));
}

#[test]
fn markdown_report_snapshot() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("md,png")).unwrap();
    insta::assert_snapshot!("report_md", text(file(&files, "report.md")));
}

/// The HTML page with each inline SVG replaced by its first tag, so the snapshot stays small.
fn html_without_svg_bodies(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find("<svg") {
        let open_end = i + rest[i..].find('>').unwrap() + 1;
        out.push_str(&rest[..open_end]);
        out.push_str("...");
        let close = open_end + rest[open_end..].find("</svg>").unwrap();
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

#[test]
fn html_report_snapshot() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("html")).unwrap();
    assert_eq!(names(&files), ["report.html"]);
    insta::assert_snapshot!("report_html", html_without_svg_bodies(text(&files[0])));
}

#[test]
fn svg_chart_snapshot() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("svg")).unwrap();
    insta::assert_snapshot!("utilization_svg", text(file(&files, "utilization.svg")));
}

#[test]
fn every_file_is_the_same_from_build_to_build_and_at_any_thread_count() {
    let (sc, sum) = small();
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let a = pool(1).install(|| report::build(&sc, SEED, &sum, None, &options("all")).unwrap());
    let b = pool(2).install(|| report::build(&sc, SEED, &sum, None, &options("all")).unwrap());
    assert_eq!(names(&a), names(&b));
    for (x, y) in a.iter().zip(&b) {
        assert!(x.bytes == y.bytes, "{} differs", x.name);
    }
}

// ---- what the files contain ----

const CHARTS: [&str; 7] = [
    "recovery_histogram",
    "recovery_cdf",
    "detect_ack",
    "criticality",
    "utilization",
    "sensitivity",
    "timeline",
];

#[test]
fn all_formats_give_every_file_and_each_png_is_a_real_picture() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("all")).unwrap();
    for base in ["summary.json", "report.md", "report.html"] {
        file(&files, base);
    }
    for c in CHARTS {
        let svg = text(file(&files, &format!("{c}.svg")));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{c}.svg");
        let png = &file(&files, &format!("{c}.png")).bytes;
        assert_png_is_a_chart(c, png);
    }
    // Nothing about services or stores: ref20-like scenarios have none.
    assert!(
        !names(&files)
            .iter()
            .any(|n| n.starts_with("downtime") || n.starts_with("data_lost"))
    );
}

fn assert_png_is_a_chart(name: &str, bytes: &[u8]) {
    assert!(bytes.len() > 10_000, "{name}.png is only {} bytes", bytes.len());
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = dec.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.width, 1000, "{name}");
    assert!(info.height >= 250, "{name}");
    let px = &buf[..info.buffer_size()];
    let pixels = px.len() / 3;
    let ink = px.chunks(3).filter(|p| p.iter().any(|&c| c < 200)).count();
    let colours: std::collections::BTreeSet<&[u8]> = px.chunks(3).collect();
    // Text, axes, lines and bars: over 1% of the picture, in many shades.
    assert!(ink * 100 > pixels, "{name}.png is nearly blank ({ink} of {pixels} pixels inked)");
    assert!(colours.len() > 20, "{name}.png has only {} colours", colours.len());
}

#[test]
fn the_html_page_is_self_contained_and_has_every_chart() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("html")).unwrap();
    let html = text(&files[0]);
    let mut rest = html;
    while let Some(i) = rest.find("http") {
        let tail = &rest[i..];
        assert!(
            tail.starts_with("http://www.w3.org/2000/svg\""),
            "external reference: {}",
            &tail[..tail.len().min(60)]
        );
        rest = &tail[4..];
    }
    for bad in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(bad), "the page contains {bad}");
    }
    for c in CHARTS {
        let at = html.find(&format!("<figure id=\"{c}\"")).unwrap_or_else(|| panic!("no chart {c}"));
        assert!(
            html[at..].trim_start_matches(|ch| ch != '\n').trim_start().starts_with("<svg"),
            "{c} is not inline SVG"
        );
    }
    // The verdict comes before the first chart, the run's parameters after the last.
    let verdict = html.find("class=\"verdict").unwrap();
    let first_chart = html.find("<figure").unwrap();
    let params = html.find("Run parameters").unwrap();
    assert!(verdict < first_chart && html.rfind("</figure>").unwrap() < params);
    for p in [
        "small.toml",
        "<td>seed</td><td>7</td>",
        "<td>trials</td><td>500</td>",
        env!("CARGO_PKG_VERSION"),
    ] {
        assert!(html.contains(p), "parameters lack {p}");
    }
}

#[test]
fn a_scenario_without_services_or_stores_says_so() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("md")).unwrap();
    let md = text(&files[0]);
    assert!(md.contains("NO RTO SET"));
    assert!(md.contains("models no business services"));
    assert!(md.contains("models no data stores"));
}

#[test]
fn services_and_stores_get_their_sections_charts_and_verdict() {
    let (sc, sum) = with_services();
    let files = report::build(&sc, SEED, &sum, None, &options("all")).unwrap();
    // To look at these charts: DRILLSIM_DUMP=/some/dir cargo test --release services_and
    if let Some(dir) = std::env::var_os("DRILLSIM_DUMP") {
        report::write(Path::new(&dir), &files, Formats::ALL).unwrap();
    }
    let md = text(file(&files, "report.md"));
    // Payment is back within its 90-minute RTO in 410 of 500 trials: at risk, not failing.
    assert!(
        md.contains("> **AT RISK.** The plan is at risk: online payment is back within its RTO of 1h 30m in only 82.0% of trials"),
        "{md}"
    );
    assert!(md.contains("| online payment | 1h 30m | 82.0% |"), "{md}");
    assert!(md.contains("| customer service | none | - | 25.0% |"), "{md}");
    assert!(md.contains("| orders db | 33.4% |"), "{md}");
    assert!(md.contains("![Downtime per business service](downtime.png)"));
    assert!(md.contains("![Data lost per store (writes since the last good backup)](data_lost.png)"));
    let downtime = text(file(&files, "downtime.svg"));
    for s in ["online payment", "customer service", "RTO online payment"] {
        assert!(downtime.contains(s), "downtime.svg lacks {s}");
    }
    assert!(text(file(&files, "data_lost.svg")).contains("data lost (minutes of writes)"));
    assert_png_is_a_chart("downtime", &file(&files, "downtime.png").bytes);
    assert_png_is_a_chart("data_lost", &file(&files, "data_lost.png").bytes);
    // The RTO is marked on the recovery-time charts and on the timeline.
    for c in ["recovery_histogram", "recovery_cdf", "timeline"] {
        assert!(text(file(&files, &format!("{c}.svg"))).contains("RTO 90 min"), "{c} lacks the RTO");
    }
}

#[test]
fn verdict_tones_follow_the_share_within_the_rto() {
    let (sc, mut sum) = with_services();
    let ctx = |sum: &Summary| {
        let c = full::Context {
            sc: &sc,
            seed: SEED,
            sum,
            timing: None,
            source: None,
            sensitivity: None,
            representative: None,
            md_images: None,
        };
        report::content::verdict(&c).0
    };
    use drillsim::report::doc::Tone;
    assert_eq!(ctx(&sum), Tone::Warn);
    sum.rto_met[0] = 480; // 96%
    assert_eq!(ctx(&sum), Tone::Good);
    sum.rto_met[0] = 100; // 20%
    assert_eq!(ctx(&sum), Tone::Bad);
}

// ---- the reusable CDF overlay ----

#[test]
fn cdf_overlay_draws_several_named_sketches() {
    let (mut a, mut b) = (Sketch::new(), Sketch::new());
    for i in 0..2000 {
        a.add(100.0 + (i % 100) as f64);
        b.add(90.0 + (i % 120) as f64);
    }
    let spec = CdfChart {
        name: "compare".into(),
        title: "Recovery time: base against candidate".into(),
        x_label: "recovery time (minutes after the fault)".into(),
        markers: vec![Marker {
            at: 150.0,
            label: "RTO 150 min".into(),
            kind: MarkerKind::Objective,
        }],
    };
    let c = plot::cdf_overlay(&spec, &[("base", &a), ("candidate", &b)], Targets::BOTH).unwrap();
    let svg = c.svg.unwrap();
    for s in ["base", "candidate", "RTO 150 min", "Recovery time: base against candidate"] {
        assert!(svg.contains(s), "{s}");
    }
    assert_png_is_a_chart("compare", &c.png.unwrap());
    let only_svg = plot::cdf_overlay(&spec, &[("base", &a)], Targets { svg: true, png: false }).unwrap();
    assert!(only_svg.png.is_none() && only_svg.svg.is_some());
}

#[test]
fn a_long_tail_is_cut_at_p999_and_the_chart_says_so() {
    let mut s = Sketch::new();
    for i in 0..10_000 {
        s.add(100.0 + (i % 100) as f64);
    }
    s.add(5000.0);
    s.add(9000.0);
    s.add(20000.0);
    let spec = CdfChart {
        name: "tail".into(),
        title: "tail".into(),
        x_label: "minutes".into(),
        markers: Vec::new(),
    };
    let svg = plot::cdf_overlay(&spec, &[("x", &s)], Targets { svg: true, png: false })
        .unwrap()
        .svg
        .unwrap();
    assert!(svg.contains("x axis cut at p99.9"), "{svg}");
    assert!(svg.contains("the longest trial took 20000 min"));
}

// ---- sensitivity and the representative trial ----

#[test]
fn sensitivity_gives_known_effects_with_common_random_numbers() {
    // Fixed durations: ack at 15, then a (30m) and b (20m) on one person, then c (10m).
    let sc = scenario(&format!(
        "{}\n[[step]]\nid = \"a\"\nteam = \"ops\"\nduration = \"30m\"\n[[step]]\nid = \"b\"\nteam = \"ops\"\nduration = \"20m\"\n[[step]]\nid = \"c\"\nteam = \"ops\"\nafter = [\"a\", \"b\"]\nduration = \"10m\"\n",
        head("10m", "5m", 1)
    ));
    let s = sensitivity::analyse(&sc, 3, 100);
    assert_eq!(s.base.p95, 75.0);
    let effect = |k: LeverKind| s.levers.iter().find(|l| l.kind == k).unwrap().delta_p95;
    assert_eq!(effect(LeverKind::StepFaster(0)), -6.0);
    assert_eq!(effect(LeverKind::StepFaster(1)), -4.0);
    assert_eq!(effect(LeverKind::StepFaster(2)), -2.0);
    // A second person runs a and b side by side: 15 + 30 + 10.
    assert_eq!(effect(LeverKind::TeamPlusOne(0)), -20.0);
    assert_eq!(s.levers[0].kind, LeverKind::TeamPlusOne(0), "most helpful first");
    assert_eq!(s.noise_p95, 0.0, "no randomness, no noise");
}

#[test]
fn sensitivity_is_the_same_at_one_and_two_threads() {
    let sc = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
    let a = pool(1).install(|| sensitivity::analyse(&sc, 42, 1000));
    let b = pool(2).install(|| sensitivity::analyse(&sc, 42, 1000));
    assert_eq!(a, b);
    assert_eq!(a.levers.len(), 24);
    assert!(a.levers[0].delta_p95 < 0.0);
}

#[test]
fn the_representative_trial_is_the_first_nearest_the_median() {
    let (sc, sum) = small();
    let r = full::representative(&sc, SEED, &sum, 100).unwrap();
    let p50 = sum.recovery.quantile(0.5);
    assert_eq!(r.target, p50);
    let d = (r.trace.outcome.recovery - p50).abs();
    for k in 0..100 {
        let o = drillsim::sim::trace::replay(&sc, SEED, k).outcome;
        let dk = (o.recovery - p50).abs();
        assert!(dk > d || (dk == d && k >= r.trial), "trial {k} is nearer ({dk} < {d})");
    }
}

// ---- the command line ----

fn drillsim(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_drillsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn write_small(dir: &Path) -> String {
    let p = dir.join("small.toml");
    std::fs::write(&p, SMALL).unwrap();
    p.display().to_string()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn run_writes_no_report_unless_asked_and_out_defaults_to_reports_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_small(tmp.path());
    let out = drillsim(tmp.path(), &["run", &f, "-n", "300", "-q"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("recovery time"));
    assert!(!tmp.path().join("reports").exists(), "a plain run writes nothing");

    let out = drillsim(tmp.path(), &["run", &f, "-n", "300", "-q", "--sensitivity-trials", "100", "--out"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = tmp.path().join("reports/small");
    let files = listing(&dir);
    assert_eq!(files.len(), 3 + 2 * CHARTS.len(), "{files:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("report (json,md,html,png,svg): 17 files in reports/small"));
}

#[test]
fn format_picks_the_files_and_a_failed_write_keeps_the_previous_report() {
    let tmp = tempfile::tempdir().unwrap();
    let f = write_small(tmp.path());
    let dir = tmp.path().join("r");
    let d = dir.to_str().unwrap();
    let out = drillsim(tmp.path(), &["run", &f, "-n", "300", "-q", "--out", d, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(listing(&dir), ["summary.json"]);
    let first = std::fs::read(dir.join("summary.json")).unwrap();

    let out = drillsim(
        tmp.path(),
        &["run", &f, "-n", "300", "-q", "-o", d, "-f", "png", "--sensitivity-trials", "0"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = listing(&dir);
    assert!(files.iter().all(|n| n == "summary.json" || n.ends_with(".png")), "{files:?}");
    assert_eq!(files.len(), 1 + CHARTS.len() - 1, "no sensitivity chart: {files:?}");

    // A folder in the way of report.html: the run fails and nothing is replaced.
    std::fs::create_dir(dir.join("report.html")).unwrap();
    let out = drillsim(tmp.path(), &["run", &f, "-n", "500", "-q", "-o", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("report.html"));
    assert_eq!(
        std::fs::read(dir.join("summary.json")).unwrap(),
        first,
        "previous summary.json intact"
    );
    assert!(!listing(&dir).iter().any(|n| n.starts_with('.')), "no temporary file left");

    let out = drillsim(tmp.path(), &["run", &f, "-n", "300", "-q", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format `pdf`"));
}

#[test]
fn write_removes_charts_a_report_no_longer_has() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("downtime.png"), b"stale").unwrap();
    std::fs::write(tmp.path().join("notes.txt"), b"mine").unwrap();
    let files = vec![OutFile {
        name: "recovery_cdf.png".into(),
        bytes: b"new".to_vec(),
    }];
    report::write(tmp.path(), &files, "png".parse::<Formats>().unwrap()).unwrap();
    assert_eq!(listing(tmp.path()), ["notes.txt", "recovery_cdf.png"]);
}
