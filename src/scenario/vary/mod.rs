//! Changes to a scenario's fields, for `drillsim sweep`: the plan as written, with one team's
//! capacity, one step's duration, one store's backup interval (and so on) set, scaled or
//! moved.
//!
//! **Where a change is made.** A value that is *set* (`teams.ops.capacity = 3`,
//! `stores.orders.backup_interval = 15m`) or a whole number that is *added to*
//! (`capacity += 1`) is written into the parsed file, before the scenario is checked: the
//! variant passes every check a file does, and a value the format refuses gets the file's own
//! message at the place the value stands (with the change named in front of it). A duration
//! that is *scaled* (`*= 0.5`) or *moved* (`+= 30m`) is changed in the checked model, since a
//! distribution's parameters are not all durations (a lognormal's sigma) and a lognormal has
//! no parameter that moves it: [`Dist::scaled`](crate::model::Dist::scaled) and
//! [`Dist::shifted`](crate::model::Dist::shifted) turn the same random numbers into values `k`
//! times as long, or `d` longer, so a variant's trials stay paired with the base's (common
//! random numbers). Scaling by `k > 0` and moving by `d >= 0` keep a valid distribution valid;
//! a fixed duration that grows past the longest one a file may state is refused.

mod change;
mod in_file;
mod in_model;

use std::path::{Path, PathBuf};

use super::{Part, Source, build, parse_toml, sources_with_root};
use crate::error::{ScenarioError, similar};
use crate::model::Scenario;
pub use change::{Edit, FIELDS, Field, KINDS, Kind, Op, Target, ValueKind, VaryError, field, minutes_text, probability_value};
use in_file::{edit_raw, raw_change};
use in_model::edit_model;

/// A scenario as read from its files, ready to be varied: the files' text is kept, and each
/// variant is parsed from it afresh, changed, and checked.
#[derive(Debug)]
pub struct Base {
    path: PathBuf,
    sources: Vec<Source>,
    scenario: Scenario,
}

impl Base {
    /// Read and check the scenario at `path` (its files inside `root`).
    pub fn load(path: &Path, root: &Path) -> Result<Base, ScenarioError> {
        let sources = sources_with_root(path, root)?;
        let parts = parse(&sources)?;
        let scenario = build::scenario(path, &parts)?;
        Ok(Base {
            path: path.to_path_buf(),
            sources,
            scenario,
        })
    }

    /// The scenario as written.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Whether `target` names something this scenario has (with "did you mean" when not),
    /// and whether `op` can change it here.
    pub fn check(&self, target: &Target, op: &Op) -> Result<(), VaryError> {
        let sc = &self.scenario;
        let names: Vec<&str> = match target.field.kind {
            Kind::Teams => sc.teams.iter().map(|t| t.name.as_str()).collect(),
            Kind::Steps => sc.steps.iter().map(|s| s.id.as_str()).collect(),
            Kind::Stores => sc.stores.iter().map(|s| s.name.as_str()).collect(),
            Kind::Monitors => sc.topology.monitors.iter().map(|m| m.name.as_str()).collect(),
            Kind::Detection => Vec::new(),
        };
        let what = target.field.kind.what();
        if target.field.kind != Kind::Detection && !names.contains(&target.name.as_str()) {
            let help = if names.is_empty() {
                format!("this scenario has no {what}s")
            } else if let Some(n) = names.iter().find(|n| similar(n, &target.name)) {
                format!("did you mean \"{n}\"? ({} {what}s)", names.len())
            } else if names.len() <= 12 {
                format!("{what}s: {}", names.join(", "))
            } else {
                format!("{} {what}s are defined; check the spelling", names.len())
            };
            return Err(VaryError::UnknownName {
                target: target.text(),
                what,
                name: target.name.clone(),
                help,
            });
        }
        let unfit = |message: String, help: &str| VaryError::Unfit {
            target: target.text(),
            message,
            help: help.to_string(),
        };
        if target.field.kind == Kind::Monitors && self.monitors_written() == 0 {
            return Err(unfit(
                "this scenario has no [[monitor]]s; its one monitor is [detection]'s".into(),
                "vary detection.delay or detection.miss",
            ));
        }
        if target.field.kind == Kind::Detection && target.field.name == "miss" && self.monitors_written() > 0 {
            return Err(unfit(
                "[detection] miss is for scenarios without [[monitor]]s; this one has monitors".into(),
                "vary each monitor's miss: monitors.NAME.miss",
            ));
        }
        if target.field.kind == Kind::Teams && matches!(target.field.name, "ack" | "ack_delay" | "timeout" | "last_resort" | "repeat") {
            let t = sc.teams.iter().find(|t| t.name == target.name);
            if t.is_some_and(|t| t.escalation.levels.is_empty()) {
                return Err(unfit(
                    format!(
                        "team \"{}\" has no escalation policy, so `{}` changes nothing",
                        target.name, target.field.name
                    ),
                    "vary the team that is paged, or capacity",
                ));
            }
        }
        if !matches!(op, Op::Set(_)) {
            let absent = match (target.field.kind, target.field.name) {
                (Kind::Stores, "backup_interval") => store(sc, &target.name).is_some_and(|s| s.backup_interval.is_none()),
                (Kind::Stores, "replication_lag") => store(sc, &target.name).is_some_and(|s| s.replication_lag.is_none()),
                (Kind::Stores, "keep") => store(sc, &target.name).is_some_and(|s| s.keep.is_none()),
                (Kind::Detection, "fallback") => sc.detection.fallback.is_none(),
                _ => false,
            };
            if absent {
                return Err(unfit(
                    format!("the scenario has no `{}` here to change", target.field.name),
                    "set a value with `=` instead, e.g. stores.orders.backup_interval=1h,4h",
                ));
            }
        }
        Ok(())
    }

    /// The scenario with `edits` made (in order), checked as a file is.
    pub fn varied(&self, edits: &[Edit]) -> Result<Scenario, VaryError> {
        for e in edits {
            self.check(&e.target, &e.op)?;
        }
        let changes = edits.iter().map(Edit::text).collect::<Vec<_>>().join(", ");
        let invalid = |error: ScenarioError| VaryError::Invalid {
            changes: changes.clone(),
            error: Box::new(error),
        };
        let mut parts = parse(&self.sources).map_err(invalid)?;
        for e in edits {
            if let Some(r) = raw_change(&e.op, e.target.field.value) {
                let written = edit_raw(&mut parts, &e.target, &r);
                if written == 0 {
                    return Err(VaryError::Unfit {
                        target: e.text(),
                        message: "nothing in the files holds this value".into(),
                        help: "check the name and the field".into(),
                    });
                }
            }
        }
        let mut sc = build::scenario(&self.path, &parts).map_err(invalid)?;
        for e in edits {
            edit_model(&mut sc, e)?;
        }
        Ok(sc)
    }

    fn monitors_written(&self) -> usize {
        self.scenario.topology.monitors.len()
    }
}

fn store<'a>(sc: &'a Scenario, name: &str) -> Option<&'a crate::model::DataStore> {
    sc.stores.iter().find(|s| s.name == name)
}

fn parse(sources: &[Source]) -> Result<Vec<Part>, ScenarioError> {
    sources
        .iter()
        .map(|s| {
            let src = Source {
                path: s.path.clone(),
                text: s.text.clone(),
            };
            let raw = parse_toml(&src)?;
            Ok(Part { src, raw })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Dist;

    const PLAN: &str = "[detection]\ndelay = \"10m\"\npage = \"ops\"\n[teams.ops]\ncapacity = 1\n[teams.ops.escalation]\nlast_resort = \"1h\"\n[[teams.ops.escalation.level]]\nname = \"p\"\nack = 1.0\nack_delay = \"5m\"\ntimeout = \"15m\"\n[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = { dist = \"lognormal\", median = \"30m\", sigma = 0.5 }\n";

    fn base() -> (tempfile::TempDir, Base) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("plan.toml");
        std::fs::write(&p, PLAN).unwrap();
        let b = Base::load(&p, dir.path()).unwrap();
        (dir, b)
    }

    fn edit(kind: Kind, name: &str, field_name: &str, op: Op) -> Edit {
        Edit {
            target: Target {
                field: field(kind, field_name).unwrap(),
                name: name.into(),
            },
            op,
        }
    }

    #[test]
    fn set_scale_and_add_reach_the_model() {
        let (_d, b) = base();
        let sc = b.varied(&[edit(Kind::Teams, "ops", "capacity", Op::Set("3".into()))]).unwrap();
        assert_eq!(sc.teams[0].capacity, 3);
        let sc = b.varied(&[edit(Kind::Teams, "ops", "capacity", Op::Add(2.0))]).unwrap();
        assert_eq!(sc.teams[0].capacity, 3);
        let sc = b.varied(&[edit(Kind::Steps, "fix", "duration", Op::Scale(0.5))]).unwrap();
        assert!((sc.steps[0].duration.mean() - 0.5 * b.scenario().steps[0].duration.mean()).abs() < 1e-9);
        let sc = b.varied(&[edit(Kind::Steps, "fix", "duration", Op::Add(30.0))]).unwrap();
        assert!((sc.steps[0].duration.mean() - b.scenario().steps[0].duration.mean() - 30.0).abs() < 1e-9);
        let sc = b.varied(&[edit(Kind::Detection, "", "delay", Op::Set("2m".into()))]).unwrap();
        assert_eq!(sc.detection.monitors[0].delay, Dist::Fixed(2.0));
        let sc = b.varied(&[edit(Kind::Teams, "ops", "timeout", Op::Scale(2.0))]).unwrap();
        assert_eq!(sc.teams[0].escalation.levels[0].timeout, 30.0);
        let sc = b.varied(&[edit(Kind::Teams, "ops", "repeat", Op::Add(2.0))]).unwrap();
        assert_eq!(sc.teams[0].escalation.repeat, 2, "added to the default of 0");
        let sc = b.varied(&[edit(Kind::Steps, "fix", "fail", Op::Set("10%".into()))]).unwrap();
        assert_eq!(sc.steps[0].fail, 0.1);
        // The base is untouched.
        assert_eq!(b.scenario().teams[0].capacity, 1);
    }

    #[test]
    fn a_value_the_format_refuses_gets_the_files_message_at_the_value() {
        let (_d, b) = base();
        let e = b.varied(&[edit(Kind::Teams, "ops", "capacity", Op::Set("0".into()))]).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("with teams.ops.capacity=0: "), "{text}");
        assert!(text.contains("plan.toml:5:12: team \"ops\" has capacity 0"), "{text}");
        let e = b.varied(&[edit(Kind::Steps, "fix", "duration", Op::Set("1x".into()))]).unwrap_err();
        assert!(e.to_string().contains("unknown unit \"x\""), "{e}");
        let e = b.varied(&[edit(Kind::Steps, "fix", "fail", Op::Set("2".into()))]).unwrap_err();
        assert!(matches!(e, VaryError::Invalid { .. }), "{e}");
    }

    #[test]
    fn unknown_names_and_fields_say_what_is_close() {
        let (_d, b) = base();
        let e = b.varied(&[edit(Kind::Teams, "opz", "capacity", Op::Set("2".into()))]).unwrap_err();
        assert!(
            e.to_string().contains("unknown team \"opz\"") && e.to_string().contains("did you mean \"ops\""),
            "{e}"
        );
        let e = b.varied(&[edit(Kind::Steps, "fixx", "duration", Op::Scale(2.0))]).unwrap_err();
        assert!(e.to_string().contains("did you mean \"fix\""), "{e}");
        let f = field(Kind::Teams, "capacty").unwrap_err();
        assert!(f.contains("did you mean `capacity`"), "{f}");
        let e = b.varied(&[edit(Kind::Monitors, "x", "delay", Op::Scale(2.0))]).unwrap_err();
        assert!(e.to_string().contains("monitor"), "{e}");
    }
}
