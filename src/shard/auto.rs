//! `--shard auto`: which shard this process is, from the batch engine's own variables.
//!
//! | engine | index | count |
//! |---|---|---|
//! | Slurm job array | `SLURM_ARRAY_TASK_ID` | `SLURM_ARRAY_TASK_COUNT`, or `SLURM_ARRAY_TASK_MIN`/`MAX` |
//! | Kubernetes Indexed Job | `JOB_COMPLETION_INDEX` (from 0) | `--shards N` or `DRILLSIM_SHARDS` |
//! | AWS Batch array job | `AWS_BATCH_JOB_ARRAY_INDEX` (from 0) | `--shards N` or `DRILLSIM_SHARDS` |
//! | GitLab CI `parallel:` | `CI_NODE_INDEX` (from 1) | `CI_NODE_TOTAL` |
//!
//! A Slurm array may start anywhere (`--array=1-8`, `--array=0-7`): the shard is the task's
//! place from `SLURM_ARRAY_TASK_MIN`. An array with a step or holes (`--array=0-15:4`,
//! `--array=0,3,7`) is refused, since its tasks are not shards 1 to N. A Kubernetes Job and an
//! AWS Batch job do not tell their size to the container, so the count is given. The variables
//! of two engines at once, a count that disagrees with `--shards`, or an index outside the
//! count is an error that names the variables: a guess would silently drop or repeat trials.

use super::{Shard, ShardError};

/// The variable that gives the shard count where the engine does not.
pub const SHARDS_VAR: &str = "DRILLSIM_SHARDS";

const ENGINES: &[(&str, &str)] = &[
    ("SLURM_ARRAY_TASK_ID", "Slurm"),
    ("JOB_COMPLETION_INDEX", "Kubernetes"),
    ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS Batch"),
    ("CI_NODE_INDEX", "GitLab CI"),
];

fn err(s: impl Into<String>) -> ShardError {
    ShardError::Auto(s.into())
}

/// Which shard this is, from the variables `var` returns (the process environment in
/// [`from_env`]; a map in tests), with `shards` the `--shards` flag if given.
pub fn detect(var: &dyn Fn(&str) -> Option<String>, shards: Option<u64>) -> Result<Shard, ShardError> {
    let num = |name: &str| -> Result<Option<u64>, ShardError> {
        match var(name) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| err(format!("{name}={v:?} is not a whole number"))),
        }
    };
    let given = match (shards, num(SHARDS_VAR)?) {
        (Some(a), Some(b)) if a != b => {
            return Err(err(format!("--shards {a} and {SHARDS_VAR}={b} disagree: give one of them")));
        }
        (a, b) => a.or(b),
    };
    let found: Vec<&(&str, &str)> = ENGINES
        .iter()
        .filter(|(v, _)| var(v).is_some_and(|s| !s.trim().is_empty()))
        .collect();
    let (index_var, engine) = match found.as_slice() {
        [] => {
            return Err(err(
                "no batch engine's shard variable is set (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or CI_NODE_INDEX)\n  help: run inside a job array, an Indexed Job or a parallel CI job, or give --shard K/N",
            ));
        }
        [one] => **one,
        many => {
            let names: Vec<String> = many.iter().map(|(v, e)| format!("{v} ({e})")).collect();
            return Err(err(format!(
                "the variables of several engines are set: {}; it is not clear which one runs this shard\n  help: give --shard K/N",
                names.join(", ")
            )));
        }
    };
    let index = num(index_var)?.ok_or_else(|| err(format!("{index_var} is empty")))?;
    let agree = |count: u64, from: &str| -> Result<u64, ShardError> {
        match given {
            Some(g) if g != count => Err(err(format!(
                "{from} says {count} shards but --shards/{SHARDS_VAR} says {g}: give the same count, or leave --shards out"
            ))),
            _ => Ok(count),
        }
    };
    let need_count = |what: &str| {
        given.ok_or_else(|| {
            err(format!(
                "{index_var}={index} says which shard this is, but {what} does not tell how many there are\n  help: give --shards N or set {SHARDS_VAR}=N (the Job's completions or the array's size)"
            ))
        })
    };
    let (k, n) = match engine {
        "Slurm" => slurm(index, &num, &agree)?,
        "GitLab CI" => {
            let total = num("CI_NODE_TOTAL")?.ok_or_else(|| err(format!("CI_NODE_INDEX={index} is set but CI_NODE_TOTAL is not")))?;
            if index == 0 {
                return Err(err("CI_NODE_INDEX=0, but GitLab counts its parallel jobs from 1"));
            }
            (index, agree(total, &format!("CI_NODE_TOTAL={total}"))?)
        }
        "Kubernetes" => (index + 1, need_count("a Kubernetes Job")?),
        _ => (index + 1, need_count("an AWS Batch job")?),
    };
    if k > n {
        return Err(err(format!(
            "{index_var}={index} is shard {k}, beyond the {n} shards: the count is wrong (set it to the Job's completions or the array's size)"
        )));
    }
    Shard::new(k, n).map_err(|e| err(e.to_string()))
}

type Num<'a> = dyn Fn(&str) -> Result<Option<u64>, ShardError> + 'a;
type Agree<'a> = dyn Fn(u64, &str) -> Result<u64, ShardError> + 'a;

/// A Slurm array task's place and the array's size.
fn slurm(id: u64, num: &Num<'_>, agree: &Agree<'_>) -> Result<(u64, u64), ShardError> {
    let (count, min, max) = (
        num("SLURM_ARRAY_TASK_COUNT")?,
        num("SLURM_ARRAY_TASK_MIN")?,
        num("SLURM_ARRAY_TASK_MAX")?,
    );
    if let Some(step) = num("SLURM_ARRAY_TASK_STEP")?
        && step != 1
        && count != Some(1)
    {
        return Err(err(format!(
            "SLURM_ARRAY_TASK_STEP={step}: the array's tasks are not consecutive, so they are not shards 1 to N\n  help: submit with --array=0-(N-1) (a % limit is fine)"
        )));
    }
    let min = min.unwrap_or(0);
    let size = match (count, max) {
        (Some(c), Some(m)) => {
            if m < min || m - min + 1 != c {
                return Err(err(format!(
                    "SLURM_ARRAY_TASK_COUNT={c} but SLURM_ARRAY_TASK_MIN={min} and MAX={m}: the array has holes (e.g. --array=0,3,7), so its tasks are not shards 1 to N\n  help: submit with --array=0-(N-1)"
                )));
            }
            c
        }
        (Some(c), None) => c,
        (None, Some(m)) if m >= min => m - min + 1,
        _ => {
            return Err(err(format!(
                "SLURM_ARRAY_TASK_ID={id} is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN/MAX (is this a job array?)"
            )));
        }
    };
    if id < min {
        return Err(err(format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")));
    }
    Ok((id - min + 1, agree(size, &format!("the Slurm array ({size} tasks)"))?))
}

/// [`detect`] with the process's environment.
pub fn from_env(shards: Option<u64>) -> Result<Shard, ShardError> {
    detect(&|name: &str| std::env::var(name).ok(), shards)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)], shards: Option<u64>) -> Result<Shard, ShardError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        detect(&|n: &str| map.get(n).cloned(), shards)
    }

    fn ok(vars: &[(&str, &str)], shards: Option<u64>) -> String {
        with(vars, shards).unwrap().to_string()
    }

    fn fails(vars: &[(&str, &str)], shards: Option<u64>, says: &str) {
        let e = with(vars, shards).unwrap_err().to_string();
        assert!(e.contains(says), "{vars:?}: {e}");
    }

    #[test]
    fn slurm_arrays_from_zero_or_one() {
        let base = [("SLURM_ARRAY_TASK_COUNT", "4"), ("SLURM_ARRAY_TASK_STEP", "1")];
        let at = |id: &str, min: &str, max: &str| {
            let mut v = base.to_vec();
            v.extend([
                ("SLURM_ARRAY_TASK_ID", id),
                ("SLURM_ARRAY_TASK_MIN", min),
                ("SLURM_ARRAY_TASK_MAX", max),
            ]);
            ok(&v, None)
        };
        assert_eq!(at("0", "0", "3"), "1/4");
        assert_eq!(at("3", "0", "3"), "4/4");
        assert_eq!(at("1", "1", "4"), "1/4");
        assert_eq!(ok(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")], None), "3/4");
        assert_eq!(
            ok(
                &[
                    ("SLURM_ARRAY_TASK_ID", "5"),
                    ("SLURM_ARRAY_TASK_MIN", "5"),
                    ("SLURM_ARRAY_TASK_MAX", "6")
                ],
                Some(2)
            ),
            "1/2"
        );
    }

    #[test]
    fn slurm_arrays_that_are_not_shards_are_refused() {
        fails(
            &[
                ("SLURM_ARRAY_TASK_ID", "4"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "12"),
                ("SLURM_ARRAY_TASK_STEP", "4"),
            ],
            None,
            "not consecutive",
        );
        fails(
            &[
                ("SLURM_ARRAY_TASK_ID", "3"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
                ("SLURM_ARRAY_TASK_MIN", "0"),
                ("SLURM_ARRAY_TASK_MAX", "7"),
            ],
            None,
            "holes",
        );
        fails(&[("SLURM_ARRAY_TASK_ID", "3")], None, "is this a job array");
        fails(
            &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")],
            Some(8),
            "says 4 shards",
        );
        fails(
            &[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")],
            None,
            "not a whole number",
        );
    }

    #[test]
    fn kubernetes_and_aws_need_the_count() {
        assert_eq!(ok(&[("JOB_COMPLETION_INDEX", "0")], Some(8)), "1/8");
        assert_eq!(ok(&[("JOB_COMPLETION_INDEX", "7"), (SHARDS_VAR, "8")], None), "8/8");
        assert_eq!(ok(&[("AWS_BATCH_JOB_ARRAY_INDEX", "2"), (SHARDS_VAR, "3")], None), "3/3");
        fails(&[("JOB_COMPLETION_INDEX", "0")], None, "--shards N");
        fails(&[("JOB_COMPLETION_INDEX", "8")], Some(8), "beyond the 8 shards");
        fails(&[("AWS_BATCH_JOB_ARRAY_INDEX", "0"), (SHARDS_VAR, "4")], Some(5), "disagree");
    }

    #[test]
    fn gitlab_counts_from_one() {
        assert_eq!(ok(&[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "8")], None), "1/8");
        assert_eq!(ok(&[("CI_NODE_INDEX", "8"), ("CI_NODE_TOTAL", "8")], None), "8/8");
        fails(&[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "8")], None, "from 1");
        fails(&[("CI_NODE_INDEX", "9"), ("CI_NODE_TOTAL", "8")], None, "beyond");
        fails(&[("CI_NODE_INDEX", "1")], None, "CI_NODE_TOTAL is not");
    }

    #[test]
    fn nothing_or_two_engines_is_an_error() {
        fails(&[], None, "no batch engine");
        fails(
            &[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "2"), ("JOB_COMPLETION_INDEX", "0")],
            Some(2),
            "several engines",
        );
    }
}
