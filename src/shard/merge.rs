//! Merging the parts shards wrote into what one process would have made.
//!
//! Parts are merged only when they belong together: the same drillsim, the same scenario
//! files (by hash), seed and total trial count for a run; the same discovered list and options
//! for a check. Their ranges must cover the run exactly once: a gap (a shard that failed or was
//! not collected) and an overlap (a shard collected twice, or parts of two different splits)
//! are refused, naming the parts and the trials, and saying which shard to run again. Within
//! those rules the order of the parts does not matter: summaries merge exactly. A comparison's
//! parts are merged as a check's: the same list of pairs and options, every shard once.

use std::collections::BTreeMap;

use super::partial::{CheckPart, CheckSettings, ComparePart, CompareSettings, DRILLSIM_VERSION, PartTiming, Partial, ScenarioFiles};
use super::{Shard, ShardError};
use crate::check::results::FileOutcome;
use crate::compare::summary::Entry;
use crate::model::Scenario;
use crate::stats::Summary;

/// A run merged from its parts.
#[derive(Debug)]
pub struct MergedRun {
    /// The scenario the parts ran, rebuilt from the files they carry.
    pub scenario: Scenario,
    /// Its files, as the first part (by range) carries them.
    pub files: ScenarioFiles,
    /// The run's seed.
    pub seed: u64,
    /// The summary of every trial.
    pub summary: Summary,
    /// The parts' batch times and threads, summed (the compute the run took, not its wall
    /// clock: the shards may have run at once or one after another).
    pub timing: PartTiming,
    /// How many parts were merged.
    pub parts: usize,
}

/// A check merged from its parts.
#[derive(Debug)]
pub struct MergedCheck {
    /// The options the check ran with.
    pub settings: CheckSettings,
    /// Every entry's outcome, in the order of the discovered list.
    pub outcomes: Vec<FileOutcome>,
    /// What the search passed over.
    pub skipped: Vec<String>,
    /// The parts' seconds, summed.
    pub elapsed_seconds: f64,
}

/// A comparison merged from its parts.
#[derive(Debug)]
pub struct MergedCompare {
    /// The options the comparison ran with (and the base's and candidate's labels).
    pub settings: CompareSettings,
    /// Every pair's entry, in the order of the sorted list of pairs.
    pub entries: Vec<Entry>,
    /// What the search passed over.
    pub skipped: Vec<String>,
}

fn mismatch(lines: Vec<String>) -> ShardError {
    ShardError::Mismatch(lines.join("\n  "))
}

/// Parts whose `key` differs from the first part's, as `name (value)` lists grouped by value.
fn groups<T>(parts: &[(String, T)], key: impl Fn(&T) -> String) -> Vec<(String, Vec<&str>)> {
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, p) in parts {
        let k = key(p);
        match out.iter_mut().find(|(v, _)| *v == k) {
            Some((_, names)) => names.push(name),
            None => out.push((k, vec![name])),
        }
    }
    out
}

/// Refuse parts that differ in `what` (`key` of each), naming which parts have which value.
fn same<T>(parts: &[(String, T)], what: &str, advice: &str, key: impl Fn(&T) -> String) -> Result<(), ShardError> {
    let g = groups(parts, key);
    if g.len() <= 1 {
        return Ok(());
    }
    let mut lines = vec![format!("the parts are of different {what}, so they are not one run:")];
    for (v, names) in &g {
        lines.push(format!("  {v}: {}", names.join(", ")));
    }
    lines.push(format!("help: {advice}"));
    Err(mismatch(lines))
}

/// Merge the partial summaries of one run (`(name, part)`, in any order). `expected`, when
/// given (`merge --scenario FILE`), is the scenario the parts must be of.
pub fn merge_run(parts: Vec<(String, Partial)>, expected: Option<&ScenarioFiles>) -> Result<MergedRun, ShardError> {
    if parts.is_empty() {
        return Err(mismatch(vec!["no parts to merge".into()]));
    }
    one_drillsim(
        parts.iter().map(|(n, p)| (n.as_str(), p.drillsim_version.as_str())),
        "merge with the drillsim that wrote them, or run every shard with this one (versions may differ in their numbers)",
    )?;
    same(
        &parts,
        "scenarios",
        "merge only the parts of one scenario; run the others' shards with the same files",
        |p| {
            format!(
                "{} (sha256 {})",
                p.scenario.name,
                &p.scenario.sha256[..p.scenario.sha256.len().min(16)]
            )
        },
    )?;
    if let Some(want) = expected
        && want.sha256 != parts[0].1.scenario.sha256
    {
        return Err(mismatch(vec![
            format!(
                "--scenario {} (sha256 {}) is not the scenario the parts ran ({}, sha256 {})",
                want.file,
                &want.sha256[..16],
                parts[0].1.scenario.file,
                &parts[0].1.scenario.sha256[..16.min(parts[0].1.scenario.sha256.len())]
            ),
            "help: give the files the shards ran (the parts carry them: without --scenario the merge uses those)".into(),
        ]));
    }
    same(&parts, "seeds", "run every shard with the same --seed", |p| {
        format!("seed {}", p.seed)
    })?;
    same(&parts, "trial counts", "run every shard with the same --trials", |p| {
        format!("{} trials in all", p.trials)
    })?;
    coverage(&parts)?;
    let first = &parts.iter().min_by_key(|(_, p)| (p.range.start, p.range.end)).expect("not empty").1;
    let files = expected.cloned().unwrap_or_else(|| first.scenario.clone());
    let seed = first.seed;
    let scenario = files.scenario().map_err(|e| ShardError::Part {
        path: parts[0].0.clone(),
        problem: format!("its scenario does not load: {e}"),
    })?;
    let mut summary = Summary::new(&scenario);
    let mut timing = PartTiming {
        elapsed_seconds: 0.0,
        threads: 0,
    };
    let n = parts.len();
    for (name, p) in parts {
        let s = p.summary.into_summary(&scenario).map_err(|e| ShardError::Part {
            path: name.clone(),
            problem: format!("its summary is damaged ({e}); run its shard ({}) again", p.shard),
        })?;
        summary.merge(&s);
        timing.elapsed_seconds += p.timing.elapsed_seconds;
        timing.threads += p.timing.threads;
    }
    Ok(MergedRun {
        scenario,
        files,
        seed,
        summary,
        timing,
        parts: n,
    })
}

/// The command that plays a missing shard again.
fn rerun(p: &Partial, shard: Shard) -> String {
    crate::text::shell_command(&[
        "drillsim".to_string(),
        "run".into(),
        p.scenario.file.clone(),
        "--trials".into(),
        p.trials.to_string(),
        "--seed".into(),
        p.seed.to_string(),
        "--shard".into(),
        shard.to_string(),
        "--partial".into(),
        format!("part-{}-of-{}.json", shard.index, shard.count),
    ])
}

/// Every trial of the run covered by exactly one part.
fn coverage(parts: &[(String, Partial)]) -> Result<(), ShardError> {
    let total = parts[0].1.trials;
    let mut sorted: Vec<&(String, Partial)> = parts.iter().collect();
    sorted.sort_by_key(|(_, p)| (p.range.start, p.range.end));
    // The split every part was made with, when they agree: then a gap's shards can be named.
    let count = parts[0].1.shard.count;
    let one_split = parts.iter().all(|(_, p)| p.shard.count == count);
    let mut problems = Vec::new();
    let mut covered = 0u64;
    let mut last: Option<&(String, Partial)> = None;
    let gap = |from: u64, to: u64, problems: &mut Vec<String>| {
        let mut line = format!("trials {from}..{to} are in no part (a shard failed or its file was not collected)");
        if one_split {
            let missing: Vec<Shard> = (1..=count)
                .filter_map(|k| Shard::new(k, count).ok())
                .filter(|s| {
                    let r = s.range(total);
                    r.start < to && from < r.end
                })
                .collect();
            let names: Vec<String> = missing.iter().map(Shard::to_string).collect();
            line.push_str(&format!(": run shard {} again, e.g.", names.join(", ")));
            for s in missing.iter().take(3) {
                line.push_str(&format!("\n    {}", rerun(&parts[0].1, *s)));
            }
        }
        problems.push(line);
    };
    for part in sorted {
        let (name, p) = part;
        if p.range.start > covered {
            gap(covered, p.range.start, &mut problems);
        } else if p.range.start < covered
            && let Some((prev_name, prev)) = last
        {
            let why = if prev.shard == p.shard {
                format!("both are shard {}: collect each shard once", p.shard)
            } else {
                "they come from different splits: merge the parts of one --shard split".to_string()
            };
            problems.push(format!(
                "{prev_name} ({}, shard {}) and {name} ({}, shard {}) overlap: {why}",
                prev.range, prev.shard, p.range, p.shard
            ));
        }
        if p.range.end >= covered {
            covered = p.range.end;
            last = Some(part);
        }
    }
    if covered < total {
        gap(covered, total, &mut problems);
    }
    if problems.is_empty() {
        return Ok(());
    }
    let mut lines = vec![format!("the parts do not cover the run's {total} trials exactly once:")];
    lines.extend(problems.into_iter().map(|p| format!("  {p}")));
    Err(mismatch(lines))
}

/// Refuse parts written by another drillsim than this one, naming them.
fn one_drillsim<'a>(versions: impl Iterator<Item = (&'a str, &'a str)>, advice: &str) -> Result<(), ShardError> {
    let other: Vec<String> = versions
        .filter(|(_, v)| *v != DRILLSIM_VERSION)
        .map(|(n, v)| format!("{n} (drillsim {v})"))
        .collect();
    if other.is_empty() {
        return Ok(());
    }
    Err(mismatch(vec![
        format!(
            "written by another drillsim than this one ({DRILLSIM_VERSION}): {}",
            other.join(", ")
        ),
        format!("help: {advice}"),
    ]))
}

/// One shard's items of a list dealt round-robin, each with its index in the list.
struct Dealt<'a, T> {
    name: &'a str,
    shard: Shard,
    items: Vec<(usize, &'a T)>,
}

/// The whole list of `len` items from the parts of one split (their shard counts already
/// agree): refused, naming the parts, when a shard is collected twice or missing (then
/// `rerun(count)` says how to write it again) or an item is not its shard's. `whole` names the
/// list, e.g. "the check's 12 exercise(s)".
fn deal<T: Clone>(parts: &[Dealt<'_, T>], len: usize, whole: &str, rerun: impl Fn(u64) -> String) -> Result<Vec<T>, ShardError> {
    let count = parts.first().map_or(1, |p| p.shard.count);
    let mut by_shard: BTreeMap<u64, &str> = BTreeMap::new();
    let mut problems = Vec::new();
    for p in parts {
        if let Some(prev) = by_shard.insert(p.shard.index, p.name) {
            problems.push(format!("{prev} and {} are both shard {}: collect each shard once", p.name, p.shard));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !by_shard.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        problems.push(format!(
            "shard {} missing (a shard failed or its file was not collected): run {} again for it",
            missing.join(", "),
            rerun(count)
        ));
    }
    let mut out: Vec<Option<T>> = vec![None; len];
    for p in parts {
        for &(index, item) in &p.items {
            let ok = index < len && p.shard.takes(index) && out[index].is_none();
            if !ok {
                problems.push(format!(
                    "{}: entry {index} does not belong to shard {}: the file is damaged",
                    p.name, p.shard
                ));
                continue;
            }
            out[index] = Some(item.clone());
        }
    }
    if problems.is_empty()
        && let Some(i) = out.iter().position(Option::is_none)
    {
        problems.push(format!(
            "entry {i} of the list is in no part: the part of shard {} is damaged",
            i as u64 % count + 1
        ));
    }
    if !problems.is_empty() {
        let mut lines = vec![format!("the parts do not cover {whole} exactly once:")];
        lines.extend(problems.into_iter().map(|p| format!("  {p}")));
        return Err(mismatch(lines));
    }
    Ok(out.into_iter().flatten().collect())
}

/// Merge the parts of one check (`(name, part)`, in any order) into the outcomes of every
/// exercise in the order of the discovered list.
pub fn merge_check(parts: Vec<(String, CheckPart)>) -> Result<MergedCheck, ShardError> {
    if parts.is_empty() {
        return Err(mismatch(vec!["no parts to merge".into()]));
    }
    one_drillsim(
        parts.iter().map(|(n, p)| (n.as_str(), p.drillsim_version.as_str())),
        "merge with the drillsim that wrote them, or check every shard with this one",
    )?;
    same(
        &parts,
        "exercise lists",
        "run every shard with the same paths, from the same folder, on the same checkout",
        |p| {
            format!(
                "{} exercise(s), list sha256 {}",
                p.entries,
                &p.list_sha256[..16.min(p.list_sha256.len())]
            )
        },
    )?;
    same(
        &parts,
        "options",
        "run every shard with the same --confidence, --strict, --seed, --trials and --max-trials",
        |p| format!("{:?}", p.settings),
    )?;
    same(&parts, "shard counts", "merge the parts of one --shard split", |p| {
        format!("{} shards", p.shard.count)
    })?;
    let entries = parts[0].1.entries;
    let dealt: Vec<Dealt<'_, FileOutcome>> = parts
        .iter()
        .map(|(name, p)| Dealt {
            name,
            shard: p.shard,
            items: p.outcomes.iter().map(|o| (o.index, &o.outcome)).collect(),
        })
        .collect();
    let outcomes = deal(&dealt, entries, &format!("the check's {entries} exercise(s)"), |count| {
        format!("`drillsim check PATH... --shard K/{count} --part FILE`")
    })?;
    let first = &parts[0].1;
    Ok(MergedCheck {
        settings: first.settings.clone(),
        outcomes,
        skipped: first.skipped.clone(),
        elapsed_seconds: parts.iter().map(|(_, p)| p.elapsed_seconds).sum(),
    })
}

/// Merge the parts of one comparison (`(name, part)`, in any order) into the entries of every
/// pair, in the order of the sorted list of pairs: the entries one `drillsim compare` makes.
pub fn merge_compare(parts: Vec<(String, ComparePart)>) -> Result<MergedCompare, ShardError> {
    if parts.is_empty() {
        return Err(mismatch(vec!["no parts to merge".into()]));
    }
    one_drillsim(
        parts.iter().map(|(n, p)| (n.as_str(), p.drillsim_version.as_str())),
        "merge with the drillsim that wrote them, or compare every shard with this one",
    )?;
    same(
        &parts,
        "lists of exercise pairs",
        "run every shard with the same BASE and CANDIDATE (or --base-rev and path), from the same folder, on the same checkout",
        |p| {
            format!(
                "{} pair(s), list sha256 {}",
                p.pairs,
                &p.pairs_sha256[..16.min(p.pairs_sha256.len())]
            )
        },
    )?;
    same(
        &parts,
        "options",
        "run every shard with the same --trials, --seed, --tolerance, --tolerance-pct, --confidence, --resamples and paths, and with --base-rev give a commit id (or a tag) so every shard reads the same base",
        |p| format!("{:?}", p.settings),
    )?;
    same(&parts, "shard counts", "merge the parts of one --shard split", |p| {
        format!("{} shards", p.shard.count)
    })?;
    let pairs = parts[0].1.pairs;
    let dealt: Vec<Dealt<'_, Entry>> = parts
        .iter()
        .map(|(name, p)| Dealt {
            name,
            shard: p.shard,
            items: p.entries.iter().map(|e| (e.index, &e.entry)).collect(),
        })
        .collect();
    let entries = deal(&dealt, pairs, &format!("the comparison's {pairs} exercise pair(s)"), |count| {
        format!("`drillsim compare BASE CANDIDATE --shard K/{count} --part FILE` (with the same options)")
    })?;
    let first = &parts[0].1;
    Ok(MergedCompare {
        settings: first.settings.clone(),
        entries,
        skipped: first.skipped.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::summarize_range;
    use crate::shard::partial::PartTiming;
    use proptest::prelude::*;
    use std::path::Path;

    fn files(rel: &str) -> ScenarioFiles {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
        let root = crate::scenario::default_root(&path);
        let sources = crate::scenario::sources_with_root(&path, &root).unwrap();
        let mut f = ScenarioFiles::new("", &path, sources);
        f.name = f.scenario().unwrap().name;
        f
    }

    /// The parts of a run of `total` trials in `n` shards, each written out and read back.
    fn parts(f: &ScenarioFiles, seed: u64, total: u64, n: u64) -> Vec<(String, Partial)> {
        let sc = f.scenario().unwrap();
        (1..=n)
            .map(|k| {
                let shard = Shard::new(k, n).unwrap();
                let sum = summarize_range(&sc, seed, shard.range(total), None);
                let timing = PartTiming {
                    elapsed_seconds: 0.5,
                    threads: 1,
                };
                let text = Partial::new(f.clone(), seed, total, shard, &sum, timing).to_text();
                (format!("part{k}"), serde_json::from_str(&text).unwrap())
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

        /// Any number of shards of any run, merged in any order, is the whole run, `==`.
        #[test]
        fn parts_in_any_order_merge_into_the_whole(total in 1u64..2500, n in 1u64..12, seed in 0u64..1000, order in any::<u64>()) {
            let n = n.min(total);
            let f = files("scenarios/plan1/compound.toml");
            let sc = f.scenario().unwrap();
            let whole = summarize_range(&sc, seed, 0..total, None);
            let mut ps = parts(&f, seed, total, n);
            // A permutation from `order` (Fisher-Yates with a small LCG).
            let mut x = order | 1;
            for i in (1..ps.len()).rev() {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ps.swap(i, (x >> 33) as usize % (i + 1));
            }
            let m = merge_run(ps, None).unwrap();
            prop_assert_eq!(&m.summary, &whole);
            prop_assert_eq!(m.parts as u64, n);
            prop_assert_eq!(m.timing.threads, n);
        }

        /// Leaving out any one shard is refused, and the message names its trials and shard.
        #[test]
        fn a_missing_shard_is_named(total in 10u64..400, n in 2u64..9, drop in 0usize..8) {
            let f = files("scenarios/ref20.toml");
            let mut ps = parts(&f, 7, total, n);
            let gone = ps.remove(drop % n as usize).1;
            let e = merge_run(ps, None).unwrap_err().to_string();
            prop_assert!(e.contains(&format!("trials {}..{} are in no part", gone.range.start, gone.range.end)), "{}", e);
            prop_assert!(e.contains(&format!("--shard {}", gone.shard)), "{}", e);
        }
    }

    #[test]
    fn parts_of_two_scenarios_are_refused() {
        let mut ps = parts(&files("scenarios/plan1/compound.toml"), 1, 100, 2);
        let other = parts(&files("scenarios/plan1/power-loss.toml"), 1, 100, 2);
        ps[1] = other[1].clone();
        let e = merge_run(ps, None).unwrap_err().to_string();
        assert!(e.contains("different scenarios"), "{e}");
        assert!(e.contains("plan1-compound") && e.contains("plan1-power-loss"), "{e}");
    }

    #[test]
    fn a_changed_file_is_another_scenario() {
        let f = files("scenarios/ref20.toml");
        let mut g = f.clone();
        let last = g.files.len() - 1;
        g.files[last].text.push_str("\n# edited\n");
        let g = ScenarioFiles::new(&g.name, Path::new(&g.file), {
            g.files
                .iter()
                .map(|t| crate::scenario::Source {
                    path: t.path.clone().into(),
                    text: t.text.clone(),
                })
                .collect()
        });
        assert_ne!(f.sha256, g.sha256);
        let mut ps = parts(&f, 1, 50, 2);
        ps[1] = parts(&g, 1, 50, 2)[1].clone();
        assert!(merge_run(ps, None).unwrap_err().to_string().contains("different scenarios"));
    }

    #[test]
    fn seeds_totals_and_versions_must_agree() {
        let f = files("scenarios/ref20.toml");
        let mut ps = parts(&f, 1, 60, 3);
        ps[2] = parts(&f, 2, 60, 3)[2].clone();
        assert!(merge_run(ps, None).unwrap_err().to_string().contains("different seeds"));
        let mut ps = parts(&f, 1, 60, 3);
        ps[2] = parts(&f, 1, 90, 3)[2].clone();
        assert!(merge_run(ps, None).unwrap_err().to_string().contains("different trial counts"));
        let mut ps = parts(&f, 1, 60, 3);
        ps[0].1.drillsim_version = "0.0.9".into();
        let e = merge_run(ps, None).unwrap_err().to_string();
        assert!(e.contains("part1 (drillsim 0.0.9)"), "{e}");
    }

    /// The entries of a comparison with every kind of entry, and figures JSON has no
    /// number for (an infinite tolerance, bound and CDF point, a NaN change).
    fn compare_entries() -> (CompareSettings, Vec<Entry>) {
        let sc = files("scenarios/ref20.toml").scenario().unwrap();
        let mut opt = crate::compare::CompareOptions::new(3);
        opt.trials = 200;
        opt.resamples = 100;
        opt.tolerance_minutes = f64::INFINITY;
        let c = crate::compare::compare(&sc, &sc, &opt);
        let mut odd = c.clone();
        odd.rows[0].base = f64::INFINITY;
        odd.rows[0].interval.hi = f64::INFINITY;
        odd.rows[1].change = f64::NAN;
        odd.rows[2].interval.lo = f64::NEG_INFINITY;
        odd.base_cdf[1000] = f64::INFINITY;
        odd.candidate_cdf[0] = -0.0;
        let settings = CompareSettings {
            trials: 200,
            seed: None,
            tolerance_minutes: f64::INFINITY,
            tolerance_percent: opt.tolerance_percent,
            confidence: opt.confidence,
            resamples: 100,
            base: "a".into(),
            base_commit: Some("1".repeat(40)),
            candidate: "b".into(),
        };
        let name = |n: &str| n.to_string();
        let entries = vec![
            Entry::Compared {
                name: name("a.toml"),
                comparison: Box::new(c),
            },
            Entry::OnlyBase { name: name("b.toml") },
            Entry::OnlyCandidate { name: name("c.toml") },
            Entry::Bad {
                name: name("d.toml"),
                error: "d.toml:1:1: bad".into(),
            },
            Entry::BaseInvalid {
                name: name("e.toml"),
                error: "main:e.toml:2:2: bad".into(),
            },
            Entry::Compared {
                name: name("f.toml"),
                comparison: Box::new(odd),
            },
        ];
        (settings, entries)
    }

    /// The `n` parts of `entries`, each written to a file in `dir` and read back.
    fn compare_parts(dir: &Path, settings: &CompareSettings, entries: &[Entry], n: u64) -> Vec<(String, ComparePart)> {
        use crate::shard::partial::{COMPARE_FORMAT, FORMAT_VERSION, IndexedEntry, pair_hash};
        let list: Vec<(String, bool, bool)> = (0..entries.len()).map(|i| (format!("{i}"), true, true)).collect();
        (1..=n)
            .map(|k| {
                let shard = Shard::new(k, n).unwrap();
                let part = ComparePart {
                    format: COMPARE_FORMAT.into(),
                    format_version: FORMAT_VERSION,
                    drillsim_version: DRILLSIM_VERSION.into(),
                    shard,
                    settings: settings.clone(),
                    pairs: entries.len(),
                    pairs_sha256: pair_hash(&list),
                    skipped: vec!["skipped x.toml: no [exercise] table".into()],
                    entries: (0..entries.len())
                        .filter(|&i| shard.takes(i))
                        .map(|index| IndexedEntry {
                            index,
                            entry: entries[index].clone(),
                        })
                        .collect(),
                };
                let path = dir.join(format!("c{k}.json"));
                std::fs::write(&path, part.to_text()).unwrap();
                (format!("c{k}"), ComparePart::read(&path).unwrap())
            })
            .collect()
    }

    #[test]
    fn compare_parts_round_trip_bit_for_bit_and_merge_in_any_order() {
        let (settings, entries) = compare_entries();
        let t = tempfile::tempdir().unwrap();
        let whole = compare_parts(t.path(), &settings, &entries, 1);
        // Debug prints every f64 as the shortest text that reads back to it: equal text, equal bits.
        assert_eq!(format!("{:?}", whole[0].1.entries[5].entry), format!("{:?}", entries[5]));
        let Entry::Compared { comparison: c, .. } = &whole[0].1.entries[5].entry else {
            panic!("not compared");
        };
        assert_eq!(c.rows[0].base, f64::INFINITY);
        assert!(c.rows[1].change.is_nan());
        assert_eq!(c.candidate_cdf[0].to_bits(), (-0.0f64).to_bits());
        assert_eq!(whole[0].1.settings.tolerance_minutes, f64::INFINITY);
        for n in 1..=4u64 {
            let mut ps = compare_parts(t.path(), &settings, &entries, n);
            ps.reverse();
            let m = merge_compare(ps).unwrap();
            assert_eq!(format!("{:?}", m.entries), format!("{entries:?}"), "{n} shards");
            assert_eq!(m.settings, settings);
            assert_eq!(m.skipped.len(), 1);
        }
    }

    #[test]
    fn compare_parts_that_do_not_belong_together_are_refused() {
        let (settings, entries) = compare_entries();
        let t = tempfile::tempdir().unwrap();
        let mut ps = compare_parts(t.path(), &settings, &entries, 3);
        ps.remove(1);
        let e = merge_compare(ps).unwrap_err().to_string();
        assert!(e.contains("shard 2/3 missing"), "{e}");
        let mut ps = compare_parts(t.path(), &settings, &entries, 3);
        ps[2].1.settings.trials = 300;
        let e = merge_compare(ps).unwrap_err().to_string();
        assert!(e.contains("different options") && e.contains("c3"), "{e}");
        // Shards that read `--base-rev origin/main` after the branch moved compared other bases.
        let mut ps = compare_parts(t.path(), &settings, &entries, 3);
        ps[1].1.settings.base_commit = Some("2".repeat(40));
        let e = merge_compare(ps).unwrap_err().to_string();
        assert!(e.contains("different options") && e.contains("2222"), "{e}");
        let mut ps = compare_parts(t.path(), &settings, &entries, 3);
        ps[0].1.pairs_sha256 = "0".repeat(64);
        let e = merge_compare(ps).unwrap_err().to_string();
        assert!(e.contains("different lists of exercise pairs"), "{e}");
        let mut ps = compare_parts(t.path(), &settings, &entries, 2);
        ps[1].1.entries[0].index = 0;
        let e = merge_compare(ps).unwrap_err().to_string();
        assert!(e.contains("does not belong to shard 2/2"), "{e}");
        // A comparison that its part's settings could not have made is named as damaged.
        let mut ps = compare_parts(t.path(), &settings, &entries, 1);
        if let Entry::Compared { comparison, .. } = &mut ps[0].1.entries[0].entry {
            comparison.base_cdf.pop();
        }
        let path = t.path().join("damaged.json");
        std::fs::write(&path, ps[0].1.to_text()).unwrap();
        let e = ComparePart::read(&path).unwrap_err().to_string();
        assert!(
            e.contains("damaged.json") && e.contains("the comparison of a.toml does not fit"),
            "{e}"
        );
    }

    #[test]
    fn parts_of_two_splits_overlap() {
        let f = files("scenarios/ref20.toml");
        let mut ps = parts(&f, 1, 90, 3);
        ps.push(parts(&f, 1, 90, 2).remove(0));
        let e = merge_run(ps, None).unwrap_err().to_string();
        assert!(e.contains("overlap") && e.contains("different splits"), "{e}");
    }
}
