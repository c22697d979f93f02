//! `drillsim import`: an incident tool's log turned into a drill record.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::load;
use drillsim::drill::pagerduty::{self, Map};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    source: Source,
}

#[derive(clap::Subcommand, Debug)]
enum Source {
    /// PagerDuty's incident log entries (the REST API's log_entries JSON).
    Pagerduty(PagerDutyArgs),
}

#[derive(clap::Args, Debug)]
struct PagerDutyArgs {
    /// The log entries: {"log_entries": [...]} or a bare array, as the REST API returns them.
    log: PathBuf,
    /// Which PagerDuty service or escalation policy is which team (TOML; see docs/records.md).
    #[arg(long, value_name = "MAP.toml")]
    map: PathBuf,
    /// The scenario the incident or drill rehearsed: the map and the record are checked
    /// against it.
    #[arg(long, value_name = "FILE")]
    scenario: Option<PathBuf>,
    /// Write the record (long CSV form) here ("-", the default, for standard output).
    #[arg(long, short = 'o', value_name = "OUT.csv", default_value = "-")]
    out: PathBuf,
}

pub fn exec(a: Args) -> Result<ExitCode> {
    match a.source {
        Source::Pagerduty(p) => pagerduty_exec(p),
    }
}

fn pagerduty_exec(a: PagerDutyArgs) -> Result<ExitCode> {
    let sc = a.scenario.as_deref().map(load).transpose()?;
    let map_text = drillsim::drill::read_text(&a.map)?;
    let map = Map::parse(&a.map, &map_text, sc.as_ref())?;
    let log_text = drillsim::drill::read_text(&a.log)?;
    let imported = pagerduty::import(&a.log, &log_text, &map)?;
    if let Some(sc) = &sc {
        // Read back as `score` will read it, under the name it is written to.
        let name = if drillsim::output::is_stdout(&a.out) {
            PathBuf::from("imported.csv")
        } else {
            a.out.clone()
        };
        drillsim::drill::load_str(&name, &imported.text, sc)
            .with_context(|| format!("the record imported from {} does not fit the scenario", a.log.display()))?;
    }
    let mut set = drillsim::output::FileSet::new();
    set.add(&a.out, imported.text.as_bytes());
    set.write()?;
    let mut note = format!("imported {} log entries from {}", imported.entries, a.log.display());
    if !imported.comments.is_empty() {
        let kinds: Vec<String> = imported.comments.iter().map(|(k, n)| format!("{n} {k}")).collect();
        note.push_str(&format!("; kept as comments, not events: {}", kinds.join(", ")));
    }
    if !drillsim::output::is_stdout(&a.out) {
        note.push_str(&format!("; wrote {}", a.out.display()));
    }
    super::note(&format!("{note}\n"))?;
    Ok(ExitCode::SUCCESS)
}
