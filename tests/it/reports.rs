//! Reports and charts: snapshots of our own text exporters on a small fixed run, charts checked
//! by their structure (parsed SVG, decoded PNG) rather than by a library's bytes, a
//! self-contained HTML page, sections for business services and stores from a shipped plan,
//! the sensitivity analysis against known answers, the bounded cost of a large plan, and
//! `drillsim run --out` end to end. Every summary comes from a real run.

use std::path::Path;

use drillsim::batch::summarize_range;
use drillsim::model::Scenario;
use drillsim::plot::{self, CdfChart, Marker, MarkerKind, Targets};
use drillsim::report::{self, Formats, OutFile, full};
use drillsim::sensitivity::{self, LeverKind};
use drillsim::stats::{Sketch, Summary};
use drillsim::text::human;

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

/// Plan 1's compound exercise (three business services with RTOs, two stores, levels and a
/// leak), run for 500 trials.
fn services_run() -> (Scenario, Summary) {
    let sc = drillsim::scenario::load(&repo("scenarios/plan1/compound.toml")).unwrap();
    let sum = summarize_range(&sc, 1, 0..500, None);
    (sc, sum)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// Every `<text>` of an SVG, as (y, content), in document order.
fn svg_texts(svg: &str) -> Vec<(f64, String)> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not an SVG document: {e}"));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let y = n.attribute("y").and_then(|y| y.parse().ok()).unwrap_or(f64::NAN);
            let t: String = n.descendants().filter(|c| c.is_text()).filter_map(|c| c.text()).collect();
            (y, t.trim().to_string())
        })
        .collect()
}

/// Width and height of a PNG.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    let r = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    (r.info().width, r.info().height)
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

/// The bar charts, read as drawings: a labelled row per step (most critical at the top) or per
/// team, each with its value at the bar's end, the title, and a PNG of the same size.
#[test]
fn bar_charts_have_a_labelled_row_per_step_and_team() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("svg,png")).unwrap();
    let crit = svg_texts(text(file(&files, "criticality.svg")));
    assert!(crit.iter().any(|t| t.1 == "Criticality index of the plan's steps"));
    let rows: Vec<&(f64, String)> = crit.iter().filter(|t| sc.steps.iter().any(|s| s.id == t.1)).collect();
    assert_eq!(rows.len(), sc.steps.len(), "{crit:?}");
    let mut by_y = rows.clone();
    by_y.sort_by(|a, b| a.0.total_cmp(&b.0));
    let order: Vec<&str> = by_y.iter().map(|t| t.1.as_str()).collect();
    let want: Vec<&str> = sum.steps_by_criticality().iter().map(|&i| sc.steps[i].id.as_str()).collect();
    assert_eq!(order, want, "most critical on top");
    for i in 0..sc.steps.len() {
        let v = pct(sum.criticality(i));
        assert!(crit.iter().any(|t| t.1 == v), "no bar text {v}");
    }
    let util = svg_texts(text(file(&files, "utilization.svg")));
    for (i, t) in sc.teams.iter().enumerate() {
        let label = format!("{} (capacity {})", t.name, t.capacity);
        assert!(util.iter().any(|x| x.1 == label), "no row {label}");
        let v = pct(sum.utilization(i));
        assert!(util.iter().any(|x| x.1 == v), "no bar text {v}");
    }
    // A bar chart is as tall as its rows need; its PNG has the SVG's size.
    let svg = text(file(&files, "utilization.svg"));
    let doc = roxmltree::Document::parse(svg).unwrap();
    let root = doc.root_element();
    let (w, h): (u32, u32) = (
        root.attribute("width").unwrap().parse().unwrap(),
        root.attribute("height").unwrap().parse().unwrap(),
    );
    assert_eq!(png_size(&file(&files, "utilization.png").bytes), (w, h));
    assert_eq!(png_size(&file(&files, "recovery_cdf.png").bytes), (1000, 560));
}

/// The CDF is one polyline rising from left to right across the plot.
#[test]
fn the_cdf_chart_is_one_rising_curve() {
    let (sc, sum) = small();
    let files = report::build(&sc, SEED, &sum, None, &options("svg")).unwrap();
    let svg = text(file(&files, "recovery_cdf.svg"));
    let doc = roxmltree::Document::parse(svg).unwrap();
    let curves: Vec<Vec<(f64, f64)>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("3"))
        .map(|n| {
            n.attribute("points")
                .unwrap()
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect();
    assert_eq!(curves.len(), 1, "one curve");
    let pts = &curves[0];
    assert!(pts.len() > 20, "only {} points", pts.len());
    // SVG y grows downwards: a CDF never goes down, so y never grows.
    assert!(pts.windows(2).all(|w| w[1].0 >= w[0].0 && w[1].1 <= w[0].1), "{pts:?}");
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
    let (mut sc, sum) = services_run();
    // Without its objectives, the verdict is by the RTO rule (see the tests of one verdict).
    sc.objectives.clear();
    let files = report::build(&sc, 1, &sum, None, &options("all")).unwrap();
    // To look at these charts: DRILLSIM_DUMP=/some/dir cargo test --release services_and
    if let Some(dir) = std::env::var_os("DRILLSIM_DUMP") {
        report::write(Path::new(&dir), &files, Formats::ALL).unwrap();
    }
    let md = text(file(&files, "report.md"));
    for (i, s) in sc.services.iter().enumerate() {
        let row = format!(
            "| {} | {} | {} | {} |",
            s.name,
            human(s.rto.unwrap()),
            pct(sum.rto_met_share(i)),
            pct(sum.downtime[i].zero_share())
        );
        assert!(md.contains(&row), "no row {row} in {md}");
    }
    // The verdict names the service least often back within its RTO.
    let worst = (0..sc.services.len())
        .min_by(|&a, &b| sum.rto_met_share(a).total_cmp(&sum.rto_met_share(b)))
        .unwrap();
    let says = format!(
        "{} is back within its RTO of {} in only {} of trials",
        sc.services[worst].name,
        human(sc.services[worst].rto.unwrap()),
        pct(sum.rto_met_share(worst))
    );
    assert!(md.contains(&says), "{md}");
    for (i, s) in sc.stores.iter().enumerate() {
        let (rpo, met) = match s.rpo {
            Some(r) => (human(r), pct(sum.rpo_met_share(i))),
            None => ("none".into(), "-".into()),
        };
        let row = format!("| {} | {rpo} | {met} | {} |", s.name, pct(sum.data_lost[i].zero_share()));
        assert!(md.contains(&row), "no row {row}");
    }
    assert!(md.contains("![Downtime per business service](downtime.png)"));
    assert!(md.contains("![Data lost per store (writes since the last good backup)](data_lost.png)"));
    assert!(md.contains("Data leaked by attacks"));
    let downtime: Vec<String> = svg_texts(text(file(&files, "downtime.svg"))).into_iter().map(|t| t.1).collect();
    for s in &sc.services {
        assert!(downtime.contains(&s.name), "downtime.svg lacks {}", s.name);
        assert!(
            downtime.contains(&format!("RTO {}", s.name)),
            "downtime.svg lacks the RTO of {}",
            s.name
        );
    }
    let lost: Vec<String> = svg_texts(text(file(&files, "data_lost.svg"))).into_iter().map(|t| t.1).collect();
    assert!(lost.iter().any(|t| t == "data lost (minutes of writes)"));
    assert_png_is_a_chart("downtime", &file(&files, "downtime.png").bytes);
    assert_png_is_a_chart("data_lost", &file(&files, "data_lost.png").bytes);
    // The RTOs are marked on the recovery-time charts and on the timeline.
    for c in ["recovery_histogram", "recovery_cdf", "timeline"] {
        assert!(
            text(file(&files, &format!("{c}.svg"))).contains("RTO 120 min (payment)"),
            "{c} lacks the RTO"
        );
    }
}

#[test]
fn verdict_tones_follow_the_share_within_the_rto() {
    use drillsim::report::doc::Tone;
    // Plan 1's compound exercise with its RTOs moved: every one far off, only ecommerce's
    // moved to 2h (its longest outage within it in about 75% of trials), and all as shipped
    // (payment's 2h met in about 48%).
    let tone = |rtos: [Option<f64>; 3]| {
        let mut sc = drillsim::scenario::load(&repo("scenarios/plan1/compound.toml")).unwrap();
        for (s, r) in sc.services.iter_mut().zip(rtos) {
            if let Some(r) = r {
                s.rto = Some(r);
            }
        }
        let sum = summarize_range(&sc, 1, 0..500, None);
        let c = full::Context {
            sc: &sc,
            seed: 1,
            sum: &sum,
            timing: None,
            source: None,
            sensitivity: None,
            representative: None,
            check: None,
            md_images: None,
            scores: None,
        };
        let (tone, _) = report::verdict::verdict(&c);
        let worst = (0..sc.services.len()).map(|i| sum.rto_met_share(i)).fold(1.0, f64::min);
        (tone, worst)
    };
    let names: Vec<String> = drillsim::scenario::load(&repo("scenarios/plan1/compound.toml"))
        .unwrap()
        .services
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(names, ["customer-service", "ecommerce", "payment"]);
    let day = Some(1440.0);
    let (good, share) = tone([day, day, day]);
    assert_eq!(good, Tone::Good, "worst share {share}");
    let (warn, share) = tone([day, Some(120.0), day]);
    assert!((0.5..0.95).contains(&share), "ecommerce within 2h in {share}");
    assert_eq!(warn, Tone::Warn);
    let (bad, share) = tone([None, None, None]);
    assert!(share < 0.5, "payment within 2h in {share}");
    assert_eq!(bad, Tone::Bad);
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
        y_label: None,
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
        y_label: None,
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
    // 20 steps, 4 teams, detection, and the first responder's acknowledgement and escalation.
    assert_eq!(a.levers.len(), 27);
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

// ---- bounded cost on a large plan ----

/// A generated plan: `steps` steps over `teams` teams, in chains (each step after the one
/// `teams` places before it), with random durations so that criticality varies.
fn large_plan(steps: usize, teams: usize) -> Scenario {
    let mut t = format!("[exercise]\nname = \"large\"\n{}", head("10m", "5m", 2));
    for k in 1..teams {
        t.push_str(&format!("[teams.t{k}]\ncapacity = 1\n"));
    }
    for i in 0..steps {
        let team = if i % teams == 0 {
            "ops".to_string()
        } else {
            format!("t{}", i % teams)
        };
        t.push_str(&format!(
            "[[step]]\nid = \"s{i}\"\nteam = \"{team}\"\nduration = {{ dist = \"lognormal\", median = \"{}m\", sigma = 0.4 }}\n",
            5 + i % 11
        ));
        if i >= teams {
            t.push_str(&format!("after = [\"s{}\"]\n", i - teams));
        }
    }
    scenario(&t)
}

#[test]
fn a_large_plan_gets_a_lever_budget_and_charts_with_capped_rows() {
    use drillsim::report::{charts, timeline};
    let (steps, teams) = (2000, 40);
    let sc = large_plan(steps, teams);
    let sum = summarize_range(&sc, 1, 0..40, None);

    // The sensitivity analysis tries the budget's levers, chosen by criticality.
    let s = sensitivity::analyse(&sc, 1, 20);
    assert_eq!(s.levers.len(), sensitivity::LEVER_BUDGET);
    // Steps, teams, detection and the first responder's acknowledgement (its one level always
    // acknowledges, so it never times out).
    assert_eq!(s.candidates, steps + teams + 2);
    assert!(s.levers.iter().any(|l| l.kind == LeverKind::DetectionFaster), "always tried");
    assert!(s.levers.iter().any(|l| l.kind == LeverKind::AckFaster(0)), "always tried");
    let base = summarize_range(&sc, 1, 0..20, None);
    let tried: Vec<usize> = s
        .levers
        .iter()
        .filter_map(|l| match l.kind {
            LeverKind::StepFaster(i) => Some(i),
            _ => None,
        })
        .collect();
    let least_tried = tried.iter().map(|&i| base.critical[i]).min().unwrap();
    let most_left = (0..steps).filter(|i| !tried.contains(i)).map(|i| base.critical[i]).max().unwrap();
    assert!(
        least_tried >= most_left,
        "a step left out ({most_left}) is more critical than one tried ({least_tried})"
    );

    let opt = full::Options {
        formats: "md,svg,png".parse().unwrap(),
        sensitivity_trials: 20,
        search: 5,
        source: Some("large.toml".into()),
    };
    let files = report::build(&sc, 1, &sum, None, &opt).unwrap();
    let md = text(file(&files, "report.md"));
    let budget = format!(
        "{} of the plan's {} levers were tried, chosen by criticality",
        sensitivity::LEVER_BUDGET,
        steps + teams + 2
    );
    assert!(md.contains(&budget), "the report states the budget");

    // Criticality: the top rows, then one row for the rest.
    let crit = svg_texts(text(file(&files, "criticality.svg")));
    let step_rows = crit
        .iter()
        .filter(|t| t.1.starts_with('s') && t.1[1..].parse::<usize>().is_ok())
        .count();
    assert_eq!(step_rows, charts::MAX_BARS);
    let others = format!("{} other steps", steps - charts::MAX_BARS);
    assert!(crit.iter().any(|t| t.1 == others), "no row {others}");
    // Utilization: the first teams, then the others as one.
    let util = svg_texts(text(file(&files, "utilization.svg")));
    assert_eq!(util.iter().filter(|t| t.1.contains("(capacity ")).count(), charts::MAX_BARS + 1);
    assert!(
        util.iter()
            .any(|t| t.1 == format!("{} other teams (capacity {})", teams - charts::MAX_BARS, teams - charts::MAX_BARS))
    );
    // Timeline: detection, paging, the capped steps and one merged row; the table likewise.
    let tl = svg_texts(text(file(&files, "timeline.svg")));
    let rows = tl.iter().filter(|t| t.1.ends_with(')') && t.1.starts_with('s')).count();
    assert_eq!(rows, timeline::MAX_ROWS);
    assert!(tl.iter().any(|t| t.1 == format!("{} other steps", steps - timeline::MAX_ROWS)));
    let table_rows = md
        .lines()
        .skip_while(|l| !l.starts_with("| activity |"))
        .take_while(|l| l.starts_with('|'))
        .count();
    assert_eq!(
        table_rows,
        2 + 2 + timeline::MAX_ROWS + 1,
        "head, rule, detection, paging, steps, others"
    );
    // And the pictures stay of ordinary size.
    for c in ["criticality", "utilization", "timeline", "sensitivity"] {
        let (w, h) = png_size(&file(&files, &format!("{c}.png")).bytes);
        assert!(w == 1000 && h < 1600, "{c}.png is {w} x {h}");
    }
}

#[test]
fn a_cdf_chart_of_many_services_draws_the_longest_few() {
    let mut t = format!("{}\n[components.feed]\nkind = \"power_feed\"\n", head("5m", "2m", 1));
    for i in 0..12 {
        t.push_str(&format!(
            "[components.web{i}]\nkind = \"service\"\npower = \"feed\"\nrestart = \"auto\"\n[services.shop{i}]\nneeds = [\"web{i}\"]\n"
        ));
    }
    t.push_str("[[fault]]\nid = \"dark\"\nkind = \"power_loss\"\ntarget = \"feed\"\noutage = { dist = \"uniform\", min = \"30m\", max = \"2h\" }\n");
    t.push_str("[[step]]\nid = \"note\"\nteam = \"ops\"\nduration = \"5m\"\n");
    let sc = scenario(&t);
    let sum = summarize_range(&sc, 1, 0..200, None);
    let files = report::build(&sc, 1, &sum, None, &options("svg")).unwrap();
    let texts: Vec<String> = svg_texts(text(file(&files, "downtime.svg"))).into_iter().map(|t| t.1).collect();
    let cap = drillsim::report::charts::MAX_CURVES;
    assert!(
        texts.contains(&format!("Downtime per business service: the {cap} longest at p95 of 12")),
        "{texts:?}"
    );
    let curves = (0..12).filter(|i| texts.contains(&format!("shop{i}"))).count();
    assert_eq!(curves, cap, "{texts:?}");
}

#[test]
fn the_sensitivity_analysis_costs_a_few_runs_at_most() {
    let large = large_plan(1000, 20);
    let variants = 1 + sensitivity::LEVER_BUDGET as u64;
    let per = sensitivity::trials_per_lever(&large, 4000, 20_000);
    assert_eq!(per, sensitivity::COST_SHARE * 20_000 / variants);
    assert!(per * variants <= sensitivity::COST_SHARE * 20_000);
    // A long run keeps what was asked for; a tiny one keeps the floor.
    assert_eq!(sensitivity::trials_per_lever(&large, 4000, 1_000_000), 4000);
    assert_eq!(sensitivity::trials_per_lever(&large, 4000, 200), sensitivity::MIN_TRIALS);
    let ref20 = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    assert_eq!(
        sensitivity::trials_per_lever(&ref20, 4000, 100_000),
        4000,
        "the default run is not held back"
    );

    // The report says when the cost share set the count.
    let (sc, sum) = small();
    let mut opt = options("md");
    opt.sensitivity_trials = 4000;
    let files = report::build(&sc, SEED, &sum, None, &opt).unwrap();
    let md = text(&files[0]);
    let per = sensitivity::trials_per_lever(&sc, 4000, sum.trials);
    assert!(per < sum.trials);
    assert!(md.contains(&format!("{per} trials per lever keep the report cheap")), "{md}");
    assert!(md.contains("held to at most 4 times the run's trials in all"), "{md}");
}

// ---- the command line ----

fn drillsim(dir: &Path, args: &[&str]) -> std::process::Output {
    crate::common::drillsim().current_dir(dir).args(args).output().unwrap()
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

/// A scenario without an exercise name: its name comes from its file, and the file's name
/// below holds terminal escapes (clear the screen, a C1 control). Control characters inside the
/// file are refused by the scenario reader; a file name is the one way they can arrive.
fn hostile() -> String {
    format!(
        "{}\n[[step]]\nid = \"fix\"\ntitle = \"Fix it\"\nteam = \"ops\"\nduration = \"15m\"\n",
        crate::common::head("10m", "3m", 1)
    )
}

#[test]
fn names_reach_no_terminal_as_control_characters_and_the_replay_command_is_quoted() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("my plan's $(x)\u{1b}[2J\u{9b}.toml");
    std::fs::write(&f, hostile()).unwrap();
    let f = f.display().to_string();
    let controls = |b: &[u8]| {
        let s = String::from_utf8_lossy(b);
        s.chars().filter(|c| c.is_control() && *c != '\n').count()
    };
    let trace = drillsim(tmp.path(), &["trace", &f]);
    assert!(trace.status.success(), "{}", String::from_utf8_lossy(&trace.stderr));
    assert_eq!(controls(&trace.stdout), 0, "{}", String::from_utf8_lossy(&trace.stdout));

    let run = drillsim(
        tmp.path(),
        &["run", &f, "-n", "50", "-q", "--sensitivity-trials", "10", "--out", "r"],
    );
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(controls(&run.stdout), 0, "{}", String::from_utf8_lossy(&run.stdout));
    assert!(
        String::from_utf8_lossy(&run.stdout).contains("\\u{1b}[2J"),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );

    let md = std::fs::read(tmp.path().join("r/report.md")).unwrap();
    assert_eq!(controls(&md), 0, "{}", String::from_utf8_lossy(&md));
    let md = String::from_utf8(md).unwrap();
    let quoted = drillsim::text::shell_word(&f);
    assert!(quoted.starts_with('\'') && quoted.contains(r"'\''"), "{quoted}");
    assert!(md.contains(&format!("drillsim trace {quoted} --seed ")), "{md}");
}

// ---- one verdict: the report judges `[expect]` objectives as `drillsim check` does ----

/// The report's context of a run of `sc`, with its objectives judged as the report judges them.
fn judged_doc(sc: &Scenario, seed: u64, sum: &Summary) -> (Option<drillsim::check::ScenarioCheck>, report::doc::Doc) {
    let judged = report::verdict::judge(sc, seed);
    let ctx = full::Context {
        sc,
        seed,
        sum,
        timing: None,
        source: None,
        sensitivity: None,
        representative: None,
        check: judged.as_ref(),
        md_images: None,
        scores: None,
    };
    let doc = report::content::doc(&ctx, &[]);
    (judged, doc)
}

#[test]
fn the_report_verdict_is_checks_verdict_objective_by_objective() {
    use drillsim::report::doc::{Block, Tone};
    let path = repo("scenarios/plan1/compound.toml");
    let sc = drillsim::scenario::load(&path).unwrap();
    // The plan's five promises (topology.toml) and the exercise's three objectives.
    assert_eq!(sc.objectives.len(), 8);
    let seed = sc.seed.unwrap_or(1);
    let sum = summarize_range(&sc, seed, 0..2000, None);
    let (judged, doc) = judged_doc(&sc, seed, &sum);
    let judged = judged.expect("plan 1 compound states objectives");

    // `drillsim check` itself, run as a user runs it, as JSON.
    let out = drillsim(&repo(""), &["check", "--json", "-", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objs = v["scenarios"][0]["objectives"].as_array().unwrap();
    assert_eq!(objs.len(), judged.results.len());
    // JSON's decimal text of a float reads back to within a unit in the last place.
    let same = |j: &serde_json::Value, x: f64| (j.as_f64().unwrap() - x).abs() <= 1e-12 * x.abs().max(1.0);
    for (o, r) in objs.iter().zip(&judged.results) {
        assert_eq!(o["objective"].as_str(), Some(r.objective.text.as_str()));
        assert!(same(&o["estimate"], r.estimate), "{} {}", r.objective.text, o["estimate"]);
        assert!(same(&o["low"], r.interval.lo), "{} {}", r.objective.text, o["low"]);
        assert!(same(&o["high"], r.interval.hi), "{} {}", r.objective.text, o["high"]);
        assert_eq!(o["trials"].as_u64(), Some(r.trials));
        assert_eq!(o["verdict"].as_str(), Some(r.verdict.as_str()));
    }
    assert_eq!(v["scenarios"][0]["trials"].as_u64(), Some(judged.trials));
    // Plan 1 misses its payment RTO and its orders RPO under ransomware (see its README).
    assert_eq!(v["result"].as_str(), Some("missed"));

    // The report's verdict block and its table of objectives say the same.
    let i = doc.blocks.iter().position(|b| matches!(b, Block::Verdict { .. })).unwrap();
    let Block::Verdict { tone, word, .. } = &doc.blocks[i] else {
        unreachable!()
    };
    assert_eq!((*tone, word.as_str()), (Tone::Bad, "MISSES AN OBJECTIVE"));
    assert_eq!(
        doc.blocks[i + 1],
        Block::Para(format!(
            "Verdict by the scenario's 8 objectives (as `drillsim check`): seed {seed}, 95% intervals over all of the check's looks, {} trials in all.",
            judged.trials
        ))
    );
    let Block::Table { head, rows, .. } = &doc.blocks[i + 2] else {
        panic!("{:?}", doc.blocks[i + 2])
    };
    assert_eq!(head, &["objective", "estimate", "95% interval", "trials", "verdict"]);
    let from_check: Vec<Vec<String>> = objs
        .iter()
        .map(|o| {
            let share = o["unit"] == "share";
            let f = |k: &str| drillsim::check::results::value(o[k].as_f64().unwrap(), share);
            vec![
                o["objective"].as_str().unwrap().to_string(),
                f("estimate"),
                format!("[{}, {}]", f("low"), f("high")),
                o["trials"].to_string(),
                o["verdict"].as_str().unwrap().to_string(),
            ]
        })
        .collect();
    assert_eq!(rows, &from_check);

    // The files a report writes carry it: Markdown and HTML.
    let files = report::build(
        &sc,
        seed,
        &sum,
        None,
        &full::Options {
            sensitivity_trials: 0,
            ..options("md,html")
        },
    )
    .unwrap();
    let md = text(file(&files, "report.md"));
    assert!(md.contains("> **MISSES AN OBJECTIVE.**"), "{md}");
    assert!(!md.contains("MISSES RTO"), "{md}");
    let html = text(file(&files, "report.html"));
    assert!(html.contains("<div class=\"verdict bad\"><b>MISSES AN OBJECTIVE</b>"), "{html}");
    assert!(html.contains("<th>95% interval</th>"), "{html}");
}

#[test]
fn a_missed_objective_makes_the_report_say_so() {
    use drillsim::report::doc::{Block, Tone};
    // Plan 1's compound exercise with only its own objectives (not the plan's promises) and
    // its recovery objective tightened to 1 minute.
    let mut sc = drillsim::scenario::load(&repo("scenarios/plan1/compound.toml")).unwrap();
    sc.objectives.retain(|o| o.at.contains("compound.toml"));
    assert_eq!(sc.objectives.len(), 3);
    let o = sc.objectives.iter_mut().find(|o| o.text.starts_with("recovery p95")).unwrap();
    o.threshold = 1.0;
    o.text = "recovery p95 <= 1m".into();
    let sum = summarize_range(&sc, 1, 0..500, None);
    let (judged, doc) = judged_doc(&sc, 1, &sum);
    let judged = judged.unwrap();
    let verdicts: Vec<&str> = judged.results.iter().map(|r| r.verdict.as_str()).collect();
    assert_eq!(verdicts, ["met", "missed", "met"]);
    let Some(Block::Verdict { tone, word, text }) = doc.blocks.iter().find(|b| matches!(b, Block::Verdict { .. })) else {
        panic!()
    };
    assert_eq!((*tone, word.as_str()), (Tone::Bad, "MISSES AN OBJECTIVE"));
    assert!(
        text.starts_with("The plan misses 1 of its 3 objectives: `recovery p95 <= 1m`"),
        "{text}"
    );
}

#[test]
fn without_objectives_the_verdict_is_by_the_rto_rule_and_says_so() {
    use drillsim::report::doc::{Block, Tone};
    let mut sc = drillsim::scenario::load(&repo("scenarios/plan1/compound.toml")).unwrap();
    sc.objectives.clear();
    let sum = summarize_range(&sc, 1, 0..500, None);
    let (judged, doc) = judged_doc(&sc, 1, &sum);
    assert!(judged.is_none());
    let i = doc.blocks.iter().position(|b| matches!(b, Block::Verdict { .. })).unwrap();
    // Payment is back within its 2h RTO in about a third of trials.
    let Block::Verdict { tone, word, .. } = &doc.blocks[i] else {
        unreachable!()
    };
    assert_eq!((*tone, word.as_str()), (Tone::Bad, "MISSES RTO"));
    assert_eq!(
        doc.blocks[i + 1],
        Block::Para(
            "No objectives in `[expect]`: verdict by RTO met in \u{2265}95% of trials (every business service with an RTO).".into()
        )
    );
    assert!(
        !doc.blocks
            .iter()
            .any(|b| matches!(b, Block::Table { head, .. } if head[0] == "objective"))
    );
}

#[test]
fn fix_first_ranks_levers_by_the_objective_closest_to_failing() {
    // The exercise's own objectives, none of them missed (the plan's promises are not kept).
    let mut sc = drillsim::scenario::load(&repo("scenarios/plan1/compound.toml")).unwrap();
    sc.objectives.retain(|o| o.at.contains("compound.toml"));
    let sum = summarize_range(&sc, 1, 0..2000, None);
    let opt = full::Options {
        sensitivity_trials: 400,
        ..options("md")
    };
    let files = report::build(&sc, 1, &sum, None, &opt).unwrap();
    let md = text(file(&files, "report.md"));
    // p95 recovery (about 5h 27m against 390m, 16% margin) is the objective with the smallest
    // relative margin (acknowledgement and data lost have more room).
    let o = sc.objectives.iter().position(|o| o.text == "recovery p95 <= 390m").unwrap();
    let s = sensitivity::analyse(&sc, 1, sensitivity::trials_per_lever(&sc, 400, sum.trials));
    // Lower is better for an at-most objective: the best lever lowers the estimate most.
    let best = s
        .levers
        .iter()
        .min_by(|a, b| (a.figures.objectives[o] - s.base.objectives[o]).total_cmp(&(b.figures.objectives[o] - s.base.objectives[o])))
        .unwrap();
    let change = best.figures.objectives[o] - s.base.objectives[o];
    assert!(change < -1.0, "{change}");
    let line = format!(
        "Fix first, by effect on the objective closest to failing, `recovery p95 <= 390m`: {} ({change:+.1} min)",
        best.label
    );
    assert!(md.contains(&line), "no {line} in {md}");
}

// ---- levers of the response: detection, acknowledgement, escalation ----

/// Detection fixed at 30m; the primary never acknowledges and times out after 30m; the
/// secondary acknowledges after 10m; one step of random length (so that common random numbers
/// are seen to hold trial by trial).
const RESPONSE: &str = r#"
[exercise]
name = "response"

[detection]
delay = "30m"
page = "ops"

[teams.ops]
capacity = 1
[teams.ops.escalation]
last_resort = "1h"
[[teams.ops.escalation.level]]
name = "primary"
ack = 0.0
ack_delay = "5m"
timeout = "30m"
[[teams.ops.escalation.level]]
name = "secondary"
ack = 1.0
ack_delay = "10m"
timeout = "15m"

[[step]]
id = "fix"
team = "ops"
duration = { dist = "lognormal", median = "20m", sigma = 0.5 }
"#;

#[test]
fn detection_acknowledgement_and_escalation_are_levers_with_exact_effects() {
    let sc = scenario(RESPONSE);
    let kinds = sensitivity::levers(&sc);
    assert_eq!(
        kinds,
        [
            LeverKind::StepFaster(0),
            LeverKind::TeamPlusOne(0),
            LeverKind::DetectionFaster,
            LeverKind::AckFaster(0),
            LeverKind::EscalationShorter(0),
        ]
    );
    let labels: Vec<String> = kinds.iter().map(|&k| sensitivity::label(&sc, k)).collect();
    assert_eq!(
        labels,
        [
            "step fix 20% faster",
            "team ops +1 person (1 to 2)",
            "detection 20% faster",
            "team ops acknowledges 20% faster",
            "team ops escalation timeouts 20% shorter",
        ]
    );
    // Recovery is 30 (detect) + 30 (timeout) + 10 (ack) + the step; each lever cuts its own
    // part by 20% in every trial, the step's draw unchanged (the same random numbers).
    let cuts = [
        (LeverKind::DetectionFaster, 6.0),
        (LeverKind::AckFaster(0), 2.0),
        (LeverKind::EscalationShorter(0), 6.0),
        (LeverKind::TeamPlusOne(0), 0.0),
    ];
    for (k, cut) in cuts {
        let v = sensitivity::apply(&sc, k);
        for trial in 0..200 {
            let base = drillsim::sim::trace::replay(&sc, 5, trial).outcome;
            let lever = drillsim::sim::trace::replay(&v, 5, trial).outcome;
            assert!(base.recovery > 70.0, "{}", base.recovery);
            let d = base.recovery - lever.recovery;
            assert!((d - cut).abs() < 1e-9, "{k:?} trial {trial}: cut {d}, not {cut}");
            assert_eq!(
                base.finish[0] - base.start[0],
                lever.finish[0] - lever.start[0],
                "{k:?} trial {trial}"
            );
        }
    }
    // The analysis measures the same: p95 moves by exactly the cut.
    let s = sensitivity::analyse(&sc, 5, 200);
    let effect = |k: LeverKind| s.levers.iter().find(|l| l.kind == k).unwrap().delta_p95;
    assert!((effect(LeverKind::DetectionFaster) + 6.0).abs() < 1e-6);
    assert!((effect(LeverKind::AckFaster(0)) + 2.0).abs() < 1e-6);
    assert!((effect(LeverKind::EscalationShorter(0)) + 6.0).abs() < 1e-6);
    assert_eq!(effect(LeverKind::TeamPlusOne(0)), 0.0);
    assert_eq!(s.candidates, 5);
}

#[test]
fn a_lever_that_cannot_change_a_trial_is_not_tried() {
    // Detection is instant, and the one level always acknowledges (its timeout is never
    // reached): only the acknowledgement delay is left to speed up.
    let sc = scenario(&format!(
        "{}[[step]]\nid = \"a\"\nteam = \"ops\"\nduration = \"10m\"\n",
        head("0m", "5m", 1)
    ));
    assert_eq!(
        sensitivity::levers(&sc),
        [LeverKind::StepFaster(0), LeverKind::TeamPlusOne(0), LeverKind::AckFaster(0)]
    );
}

#[test]
fn fix_first_ranks_the_detection_lever_first_when_detection_dominates() {
    // Detection takes 2h of a 2h 25m recovery; no services, no objectives: the measure is p95.
    let sc = scenario(&format!(
        "[exercise]\nname = \"slow detection\"\n{}[[step]]\nid = \"a\"\nteam = \"ops\"\nduration = \"10m\"\n[[step]]\nid = \"b\"\nteam = \"ops\"\nafter = [\"a\"]\nduration = \"10m\"\n",
        head("2h", "5m", 1)
    ));
    let sum = summarize_range(&sc, 1, 0..200, None);
    assert_eq!(sum.recovery.max(), 145.0);
    let files = report::build(&sc, 1, &sum, None, &options("md,svg")).unwrap();
    let md = text(file(&files, "report.md"));
    let line = "Fix first, by effect on p95 recovery: detection 20% faster (-24.0 min); step a 20% faster (-2.0 min); step b 20% faster (-2.0 min).";
    assert!(md.contains(line), "no {line} in {md}");
    assert!(md.contains("| detection 20% faster | 2h 01m | -24.0 min | -24.0 min |"), "{md}");
    assert!(
        md.contains("| team ops acknowledges 20% faster | 2h 24m | -1.0 min | -1.0 min |"),
        "{md}"
    );
    // The tornado's legend names the kinds of lever drawn, and only those (the one level
    // always acknowledges, so there is no escalation lever).
    let tornado: Vec<String> = svg_texts(text(file(&files, "sensitivity.svg"))).into_iter().map(|t| t.1).collect();
    for kind in [
        "a step 20% faster",
        "one more person in a team",
        "detection 20% faster",
        "a team acknowledges 20% faster",
    ] {
        assert!(tornado.iter().any(|t| t == kind), "no {kind} in {tornado:?}");
    }
    assert!(!tornado.iter().any(|t| t.contains("escalation")), "{tornado:?}");
    assert!(md.contains("Each lever changes one thing: a step's duration cut by 20%, one more person in a team, every monitor's detection delay cut by 20%, a team's acknowledgement delays cut by 20%, or a team's escalation timeouts cut by 20%."), "{md}");
}

#[test]
fn fix_first_ranks_by_the_verdicts_measure_not_by_p95() {
    // The escalation scenario with an objective on the time to acknowledge (40m, missed):
    // detection moves p95 as much as the timeouts, but not the acknowledgement.
    let sc = scenario(&format!(
        "{}\n{}",
        RESPONSE.replace("name = \"response\"", "name = \"response\"\nseed = 2\ntrials = 200"),
        "[expect]\nobjectives = [\"ack p90 <= 30m\"]\n"
    ));
    let sum = summarize_range(&sc, 2, 0..200, None);
    let files = report::build(&sc, 2, &sum, None, &options("md")).unwrap();
    let md = text(file(&files, "report.md"));
    let line = "Fix first, by effect on the objective closest to failing, `ack p90 <= 30m`: team ops escalation timeouts 20% shorter (-6.0 min); team ops acknowledges 20% faster (-2.0 min).";
    assert!(md.contains(line), "no {line} in {md}");
}

// ---- the measures of services and stores, as the terminal names them ----

/// Two services and a store, on three feeds. shop: its feed is out 90m, the UPS carries 15m,
/// the app restarts by itself: down 75m, back up for good at 90m, RTO 1h missed. legacy: its
/// feed is out 30m; a generator starts in 9 trials in 10 (no downtime), else the UPS runs dry
/// at 15m and the app, restarted only by a step, never comes back within the 10h horizon.
/// orders: wiped, restored by a step, backups every hour (data lost uniform on 0 to 60m).
fn measures() -> String {
    format!(
        r#"[exercise]
name = "measures"
horizon = "10h"
{}
[components.feed]
kind = "power_feed"
ups = "ups"
[components.ups]
kind = "ups"
battery = "15m"
[components.app]
kind = "service"
power = "feed"
restart = "auto"
[components.feed2]
kind = "power_feed"
ups = "ups2"
generator = "gen"
[components.ups2]
kind = "ups"
battery = "15m"
[components.gen]
kind = "generator"
start = 0.9
start_delay = "2m"
[components.old]
kind = "service"
power = "feed2"
restart = "manual"
[components.feed3]
kind = "power_feed"
[components.db]
kind = "database"
power = "feed3"
[services.shop]
needs = ["app"]
rto = "1h"
[services.legacy]
needs = ["old"]
rto = "2h"
[stores.orders]
component = "db"
backup_interval = "1h"
restore = "10m"
rpo = "15m"
[[fault]]
id = "blackout"
kind = "power_loss"
target = "feed"
outage = "90m"
[[fault]]
id = "brownout"
kind = "power_loss"
target = "feed2"
outage = "30m"
[[fault]]
id = "wipe"
kind = "data_loss"
target = "orders"
[[step]]
id = "restore"
team = "ops"
duration = "5m"
effect = {{ restore = "orders" }}
"#,
        head("1m", "1m", 1)
    )
}

#[test]
fn the_report_tables_carry_the_terminals_measures_with_its_names() {
    let sc = scenario(&measures());
    let n = 400;
    let sum = summarize_range(&sc, 3, 0..n, None);
    // legacy not back in about 10% of trials: at least 5% (so p95 falls among them), at most 50%.
    // Services are in name order: legacy, then shop.
    let names: Vec<&str> = sc.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["legacy", "shop"]);
    let lost = sum.not_restored[0];
    assert!((n / 20..n / 2).contains(&lost), "{lost}");
    assert_eq!((sum.not_restored[1], sum.not_recovered), (0, lost));
    let files = report::build(
        &sc,
        3,
        &sum,
        None,
        &full::Options {
            sensitivity_trials: 0,
            ..options("md,html,svg")
        },
    )
    .unwrap();
    let md = text(file(&files, "report.md"));
    assert!(
        md.contains("| service | RTO | RTO met | never down | downtime mean | downtime p95 | longest outage p95 | restored p50 | restored p95 | not recovered |"),
        "{md}"
    );
    assert!(
        md.contains("| shop | 1h 00m | 0.0% | 0.0% | 1h 15m | 1h 15m | 1h 15m | 1h 30m | 1h 30m | 0.0% |"),
        "{md}"
    );
    // Down from 15m to the horizon's end (9h 45m) when not back; never down otherwise.
    let share = lost as f64 / n as f64;
    let legacy = format!(
        "| legacy | 2h 00m | {} | {} | {} | 9h 45m | 9h 45m | 0s | not recovered | {} |",
        pct(1.0 - share),
        pct(1.0 - share),
        human(585.0 * share),
        pct(share)
    );
    assert!(md.contains(&legacy), "no {legacy} in {md}");
    // Recovery: 1h 30m (shop) at the median, the horizon (not recovered) at p95 and beyond.
    let recovery = format!(
        "| recovery time | {} | 1h 30m | not recovered | not recovered | not recovered |",
        human(sum.recovery.mean())
    );
    assert!(md.contains(&recovery), "no {recovery} in {md}");
    assert!(md.contains(&format!(
        "In {} of trials the exercise had not recovered within the horizon (10h 00m)",
        pct(share)
    )));
    // The store: its RPO and the share of trials that kept it.
    assert!(
        md.contains("| store | RPO | RPO met | no loss | mean | p50 | p95 | p99 | max |"),
        "{md}"
    );
    let d = &sum.data_lost[0];
    let orders = format!(
        "| orders | 15m 00s | {} | {} | {} |",
        pct(sum.rpo_met_share(0)),
        pct(d.zero_share()),
        human(d.mean())
    );
    assert!(md.contains(&orders), "no {orders} in {md}");
    assert!((0.15..0.35).contains(&sum.rpo_met_share(0)), "{}", sum.rpo_met_share(0));
    // HTML: the same table, figures right-aligned.
    let html = text(file(&files, "report.html"));
    assert!(html.contains("<th>longest outage p95</th>"), "{html}");
    assert!(html.contains("<td class=\"n\">not recovered</td>"), "{html}");
    assert!(html.contains("<th>RPO met</th>"), "{html}");
    // The charts mark each RTO and each RPO.
    let lost_svg: Vec<String> = svg_texts(text(file(&files, "data_lost.svg"))).into_iter().map(|t| t.1).collect();
    assert!(lost_svg.contains(&"RPO orders".to_string()), "{lost_svg:?}");
    let down_svg: Vec<String> = svg_texts(text(file(&files, "downtime.svg"))).into_iter().map(|t| t.1).collect();
    assert!(down_svg.contains(&"RTO shop".to_string()) && down_svg.contains(&"RTO legacy".to_string()));
}
