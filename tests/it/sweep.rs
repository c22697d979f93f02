//! `drillsim sweep`: variants on common random numbers, ranked; the exact case, determinism
//! across thread counts, the shapes of JSON and CSV, and mistakes said with what to do.

use std::path::Path;

use serde_json::Value;

use crate::common::{drillsim, drillsim_in, head};

/// Three independent one-hour steps on one team after 10m detection and 5m acknowledgement:
/// recovery is 15 + 60 ceil(3 / capacity) minutes in every trial.
fn waves(dir: &Path) -> std::path::PathBuf {
    let mut text = head("10m", "5m", 1);
    for id in ["a", "b", "c"] {
        text.push_str(&format!("[[step]]\nid = \"{id}\"\nteam = \"ops\"\nduration = \"1h\"\n"));
    }
    text.push_str("[expect]\nobjectives = [\"recovery p95 <= 2h30m\"]\n");
    let p = dir.join("waves.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn run_json(args: &[&str], dir: &Path) -> Value {
    let out = drillsim_in(args, dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn capacity_one_to_three_gives_the_closed_form_recovery_times() {
    let dir = tempfile::tempdir().unwrap();
    waves(dir.path());
    let j = run_json(
        &[
            "sweep",
            "waves.toml",
            "--vary",
            "teams.ops.capacity=1..3",
            "-n",
            "500",
            "--json",
            "-",
        ],
        dir.path(),
    );
    assert_eq!(j["measure"]["name"], "recovery p95");
    assert_eq!(j["ranked_by"], "objectives");
    let vs = j["variants"].as_array().unwrap();
    let labels: Vec<&str> = vs.iter().map(|v| v["variant"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        ["teams.ops.capacity=3", "teams.ops.capacity=2", "base", "teams.ops.capacity=1"]
    );
    for v in vs.iter().filter(|v| v["base"] == false) {
        let c: f64 = v["changes"][0]["value"].as_str().unwrap().parse().unwrap();
        let want = 15.0 + 60.0 * (3.0 / c).ceil();
        assert_eq!(v["value"].as_f64().unwrap(), want, "{v}");
        assert_eq!(v["change"].as_f64().unwrap(), want - 195.0);
        assert_eq!((v["low"].as_f64(), v["high"].as_f64()), (Some(want - 195.0), Some(want - 195.0)));
        assert_eq!(v["all_met"], want <= 150.0);
        assert_eq!(v["objectives"][0]["verdict"], if want <= 150.0 { "met" } else { "missed" });
    }
    assert_eq!(vs.iter().map(|v| v["rank"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3, 4]);
}

#[test]
fn json_keys_are_stable() {
    let dir = tempfile::tempdir().unwrap();
    waves(dir.path());
    let j = run_json(
        &[
            "sweep",
            "waves.toml",
            "--vary",
            "steps.a.duration*=0.5,1",
            "-n",
            "200",
            "--json",
            "-",
        ],
        dir.path(),
    );
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&j),
        [
            "confidence",
            "drillsim_version",
            "measure",
            "ranked_by",
            "resamples",
            "scenario",
            "seed",
            "trials",
            "variants",
            "vary"
        ]
    );
    assert_eq!(
        keys(&j["variants"][0]),
        [
            "all_met",
            "base",
            "change",
            "changes",
            "high",
            "low",
            "objectives",
            "objectives_met",
            "rank",
            "value",
            "variant",
            "worst_margin"
        ]
    );
    assert_eq!(
        keys(&j["variants"][0]["objectives"][0]),
        ["estimate", "high", "low", "margin", "objective", "threshold", "unit", "verdict"]
    );
    let scaled = j["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["variant"] == "steps.a.duration*=0.5")
        .unwrap();
    assert_eq!(
        scaled["changes"][0],
        serde_json::json!({ "field": "steps.a.duration", "op": "*=", "value": "0.5" })
    );
}

#[test]
fn the_same_output_at_one_and_two_threads() {
    let args = |j: &'static str| {
        vec![
            "sweep",
            "scenarios/plan1/data-loss.toml",
            "--vary",
            "teams.rescue.capacity=1..2",
            "--vary",
            "stores.orders.backup_interval=15m,1h",
            "-n",
            "3000",
            "-j",
            j,
            "--csv",
            "-",
        ]
    };
    let one = drillsim().args(args("1")).output().unwrap();
    let two = drillsim().args(args("2")).output().unwrap();
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    assert_eq!(one.stdout, two.stdout);
    let one = drillsim()
        .args(args("1"))
        .args(["--csv", "/dev/null", "--json", "-"])
        .output()
        .unwrap();
    let two = drillsim()
        .args(args("2"))
        .args(["--csv", "/dev/null", "--json", "-"])
        .output()
        .unwrap();
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn csv_has_a_row_per_variant_and_a_column_per_vary() {
    let out = drillsim()
        .args([
            "sweep",
            "scenarios/plan1/data-loss.toml",
            "--vary",
            "teams.rescue.capacity=1..3",
            "--vary",
            "steps.restore-orders.duration*=0.5,1",
            "-n",
            "1000",
            "--by",
            "recovery p95",
            "--csv",
            "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let head: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(
        &head[..5],
        [
            "rank",
            "variant",
            "base",
            "teams.rescue.capacity=",
            "steps.restore-orders.duration*="
        ]
    );
    assert!(head.contains(&"recovery p95 change (minutes)".to_string()), "{head:?}");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|row| row.len() == head.len()));
    // Ranked by recovery p95, lowest first.
    let p95: Vec<f64> = rows
        .iter()
        .map(|row| {
            row[head.iter().position(|h| h == "recovery p95 value (minutes)").unwrap()]
                .parse()
                .unwrap()
        })
        .collect();
    assert!(p95.windows(2).all(|w| w[0] <= w[1]), "{p95:?}");
    assert_eq!(rows.iter().filter(|row| &row[2] == "true").count(), 1);
}

#[test]
fn out_writes_every_file_and_a_named_variant_runs_beside() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("sw");
    let out = drillsim()
        .args([
            "sweep",
            "scenarios/plan1/data-loss.toml",
            "--vary",
            "stores.orders.backup_interval=15m,4h",
            "--variant",
            "system=scenarios/plan1/system-failure.toml",
            "-n",
            "500",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("system") && table.contains("stores.orders.backup_interval="),
        "{table}"
    );
    for f in ["sweep.json", "sweep.csv", "sweep.md", "sweep.png", "sweep.svg"] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
    let png = std::fs::read(out_dir.join("sweep.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let md = std::fs::read_to_string(out_dir.join("sweep.md")).unwrap();
    assert!(md.contains("| rank | variant |") && md.contains("`system`"), "{md}");
}

fn fails(args: &[&str], dir: &Path) -> String {
    let out = drillsim_in(args, dir);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn mistakes_are_said_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    waves(dir.path());
    let d = dir.path();
    let e = fails(&["sweep", "waves.toml", "--vary", "teams.opz.capacity=1..2"], d);
    assert!(e.contains("unknown team \"opz\"") && e.contains("did you mean \"ops\""), "{e}");
    let e = fails(&["sweep", "waves.toml", "--vary", "steps.a.durration*=2"], d);
    assert!(e.contains("did you mean `duration`"), "{e}");
    let e = fails(&["sweep", "waves.toml", "--vary", "teams.ops.capacity=0..1"], d);
    assert!(
        e.contains("with teams.ops.capacity=0: waves.toml:") && e.contains("capacity 0"),
        "{e}"
    );
    assert!(e.contains("help: capacity is how many steps"), "{e}");
    let e = fails(&["sweep", "waves.toml"], d);
    assert!(e.contains("nothing to sweep"), "{e}");
    let e = fails(
        &[
            "sweep",
            "waves.toml",
            "--vary",
            "teams.ops.capacity=1..30",
            "--vary",
            "steps.a.duration*=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18",
        ],
        d,
    );
    assert!(e.contains("540 variants (30 x 18); a sweep runs at most 500"), "{e}");
    let e = fails(&["sweep", "waves.toml", "--vary", "teams.ops.capacity=1", "--chart", "x.txt"], d);
    assert!(e.contains(".png or .svg"), "{e}");
    let e = fails(
        &["sweep", "waves.toml", "--vary", "teams.ops.capacity=1", "--json", "-", "--csv", "-"],
        d,
    );
    assert!(e.contains("would mix on standard output"), "{e}");
    let e = fails(
        &[
            "sweep",
            "waves.toml",
            "--vary",
            "teams.ops.capacity=1",
            "--by",
            "services.pay rto_met",
        ],
        d,
    );
    assert!(e.contains("--by 'services.pay rto_met'") && e.contains("unknown service"), "{e}");
    let e = fails(&["sweep", "waves.toml", "--vary", "stores.x.keep=1"], d);
    assert!(e.contains("unknown store \"x\"") && e.contains("no stores"), "{e}");
    let e = fails(&["sweep", "waves.toml", "--variant", "nofile"], d);
    assert!(e.contains("write NAME=FILE"), "{e}");
    let e = fails(&["sweep", "waves.toml", "--variant", "x=missing.toml"], d);
    assert!(e.contains("missing.toml"), "{e}");
    // Nothing was written by any of them.
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 1);
}
