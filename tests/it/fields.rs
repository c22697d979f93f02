//! Every field the user writes has an effect or is an error. The walk finds each section's
//! fields from the format itself (the "expected one of" list of an unknown-field error), so
//! a field added to the format without an entry here fails the test; each entry either says
//! why the field always has an effect, or shows a scenario that sets it where it would have
//! none, which must be refused.

use std::collections::BTreeSet;
use std::path::Path;

use drillsim::error::ScenarioErrorKind as K;

/// A scenario with every section, valid; `#P:<section>` marks a place inside each section.
const BASE: &str = r#"#P:top
[exercise]
#P:exercise
name = "walk"
start = "02:00"

[detection]
#P:detection
page = "ops"
fallback = "2h"

[teams.ops]
#P:team
capacity = 1
[teams.ops.off_hours]
#P:off_hours
from = "20:00"
to = "08:00"
slower = 1.5
[teams.ops.escalation]
#P:escalation
last_resort = "1h"
[[teams.ops.escalation.level]]
#P:escalation_level
name = "primary"
ack = 1.0
ack_delay = "1m"
timeout = "5m"

[components.feed]
#P:component
kind = "power_feed"
[components.feed2]
kind = "power_feed"
[components.db]
kind = "database"
power = "feed"
standby = "db2"
[components.db.failover]
#P:failover
delay = "1m"
[components.db2]
kind = "database"
power = "feed"

[services.shop]
#P:service
needs = ["db"]

[stores.orders]
#P:store
component = "db"
backup_interval = "1h"

[[fault]]
#P:fault
id = "crash"
kind = "failure"
target = "db"

[[monitor]]
#P:monitor
name = "load"
sees = ["failure"]
delay = "5m"

[[level]]
#P:level
name = "general"

[[step]]
#P:step
id = "fix"
team = "ops"
duration = "10m"
[step.when]
#P:when
fault = "failure"
[step.effect]
#P:effect
failover = "db"

[[step]]
id = "move"
team = "ops"
duration = "1m"
[step.effect.move_load]
#P:move_load
from = "feed"
to = "feed2"

[expect]
#P:expect
objectives = ["recovery p95 <= 1d"]
"#;

/// How a field earns its place: it always has an effect, or here is where it would have
/// none (`at` marker, lines to add there, lines of BASE to drop).
enum Use {
    Always(&'static str),
    Idle {
        at: &'static str,
        add: &'static str,
        drop: &'static [&'static str],
    },
}
use Use::{Always, Idle};

const NO_DROP: &[&str] = &[];

/// Every section's fields and how each is used.
fn table() -> Vec<(&'static str, &'static str, Use)> {
    vec![
        ("top", "include", Always("reads the listed files")),
        ("top", "exercise", Always("the exercise")),
        ("top", "detection", Always("how faults are noticed")),
        ("top", "teams", Always("the teams")),
        ("top", "step", Always("the plan")),
        ("top", "components", Always("the topology")),
        ("top", "services", Always("what is measured as downtime")),
        ("top", "stores", Always("what is measured as data lost")),
        ("top", "fault", Always("what is injected")),
        ("top", "monitor", Always("what notices faults")),
        ("top", "level", Always("severity levels")),
        ("top", "expect", Always("objectives for `check`")),
        ("exercise", "name", Always("shown in reports")),
        ("exercise", "description", Always("shown in reports")),
        ("exercise", "seed", Always("default seed")),
        ("exercise", "trials", Always("default trials")),
        ("exercise", "horizon", Always("unrecovered cut-off")),
        ("exercise", "start", Always("clock for off hours; required by them")),
        (
            "detection",
            "delay",
            Idle {
                at: "detection",
                add: "delay = \"1m\"",
                drop: NO_DROP,
            },
        ),
        (
            "detection",
            "miss",
            Idle {
                at: "detection",
                add: "miss = 0.1",
                drop: NO_DROP,
            },
        ),
        ("detection", "fallback", Always("alert when every monitor missed")),
        ("detection", "page", Always("the first responder")),
        ("team", "capacity", Always("parallel steps")),
        (
            "team",
            "escalation",
            Idle {
                at: "team",
                add: "",
                drop: NO_DROP,
            },
        ),
        ("team", "off_hours", Always("slower at night (needs `start`)")),
        ("off_hours", "from", Always("start of off hours")),
        ("off_hours", "to", Always("end of off hours")),
        ("off_hours", "slower", Always("factor")),
        ("escalation", "level", Always("levels paged")),
        ("escalation", "repeat", Always("passes")),
        ("escalation", "last_resort", Always("pick-up delay")),
        ("escalation_level", "name", Always("shown in traces")),
        ("escalation_level", "ack", Always("chance")),
        ("escalation_level", "ack_delay", Always("delay")),
        ("escalation_level", "timeout", Always("escalation time")),
        ("component", "kind", Always("decides the fields")),
        ("component", "description", Always("shown in reports")),
        ("component", "needs", Always("dependencies")),
        ("component", "power", Always("feed")),
        (
            "component",
            "restart",
            Idle {
                at: "component",
                add: "restart = \"auto\"",
                drop: NO_DROP,
            },
        ),
        ("component", "standby", Always("failover target")),
        (
            "component",
            "failover",
            Idle {
                at: "component",
                add: "failover = { delay = \"1m\" }",
                drop: NO_DROP,
            },
        ),
        ("component", "replicas", Always("quorum")),
        (
            "component",
            "min_up",
            Idle {
                at: "component",
                add: "min_up = 1",
                drop: NO_DROP,
            },
        ),
        (
            "component",
            "ups",
            Idle {
                at: "service",
                add: "",
                drop: NO_DROP,
            },
        ),
        ("component", "generator", Always("a feed's generator (refused elsewhere)")),
        (
            "component",
            "battery",
            Idle {
                at: "component",
                add: "battery = \"10m\"",
                drop: NO_DROP,
            },
        ),
        (
            "component",
            "start",
            Idle {
                at: "component",
                add: "start = 0.9",
                drop: NO_DROP,
            },
        ),
        (
            "component",
            "start_delay",
            Idle {
                at: "component",
                add: "start_delay = \"1m\"",
                drop: NO_DROP,
            },
        ),
        ("failover", "delay", Always("automatic failover delay")),
        ("failover", "fail", Always("chance it fails")),
        ("service", "description", Always("shown in reports")),
        ("service", "needs", Always("what it runs on")),
        ("service", "rto", Always("reports and objectives")),
        ("service", "reopen", Always("stays down until reopened")),
        ("store", "description", Always("shown in reports")),
        ("store", "component", Always("where it lives")),
        ("store", "backup_interval", Always("backups")),
        (
            "store",
            "restore",
            Idle {
                at: "store",
                add: "restore = \"1h\"",
                drop: &["backup_interval = \"1h\""],
            },
        ),
        (
            "store",
            "bad_backup",
            Idle {
                at: "store",
                add: "bad_backup = 0.1",
                drop: &["backup_interval = \"1h\""],
            },
        ),
        (
            "store",
            "keep",
            Idle {
                at: "store",
                add: "keep = 3",
                drop: &["backup_interval = \"1h\""],
            },
        ),
        (
            "store",
            "replication_lag",
            Idle {
                at: "store",
                add: "replication_lag = \"10s\"",
                drop: &["standby = \"db2\"", "[components.db.failover]", "#P:failover", "delay = \"1m\""],
            },
        ),
        ("store", "rpo", Always("judges the data lost: rpo_met")),
        ("fault", "id", Always("names the fault")),
        ("fault", "kind", Always("what it does")),
        ("fault", "target", Always("where")),
        ("fault", "at", Always("when")),
        (
            "fault",
            "mode",
            Idle {
                at: "top",
                add: "",
                drop: NO_DROP,
            },
        ),
        (
            "fault",
            "spread",
            Idle {
                at: "fault",
                add: "spread = \"1m\"",
                drop: NO_DROP,
            },
        ),
        (
            "fault",
            "leak_rate",
            Idle {
                at: "fault",
                add: "leak_rate = 1.0",
                drop: NO_DROP,
            },
        ),
        (
            "fault",
            "leak_unit",
            Idle {
                at: "fault",
                add: "leak_unit = \"GB\"",
                drop: NO_DROP,
            },
        ),
        (
            "fault",
            "encrypt",
            Idle {
                at: "fault",
                add: "encrypt = [\"orders\"]",
                drop: NO_DROP,
            },
        ),
        (
            "fault",
            "disrupt",
            Idle {
                at: "fault",
                add: "disrupt = true",
                drop: NO_DROP,
            },
        ),
        (
            "fault",
            "outage",
            Idle {
                at: "fault",
                add: "outage = \"1h\"",
                drop: NO_DROP,
            },
        ),
        ("monitor", "name", Always("names it")),
        ("monitor", "sees", Always("fault kinds")),
        ("monitor", "watches", Always("the symptom it alerts on")),
        ("monitor", "delay", Always("delay")),
        ("monitor", "miss", Always("chance")),
        ("level", "name", Always("names it")),
        ("level", "services_down", Always("rule")),
        ("level", "service_down", Always("rule")),
        ("level", "leaked", Always("rule")),
        ("level", "data_loss", Always("rule")),
        ("level", "compromised", Always("rule")),
        ("level", "page", Always("teams paged at the level")),
        ("step", "id", Always("names it")),
        ("step", "title", Always("shown in reports")),
        ("step", "team", Always("owner")),
        ("step", "after", Always("dependencies")),
        ("step", "duration", Always("duration")),
        ("step", "fail", Always("retries")),
        (
            "step",
            "when",
            Idle {
                at: "top",
                add: "",
                drop: &["fault = \"failure\"", "#P:when"],
            },
        ),
        ("step", "effect", Always("what it does (exactly one action)")),
        (
            "step",
            "wait",
            Always("what it waits for in the world; an empty wait is refused (tests/it/waits.rs)"),
        ),
        ("when", "fault", Always("condition")),
        ("when", "level", Always("condition")),
        ("when", "down", Always("condition")),
        ("when", "up", Always("condition")),
        ("when", "lost", Always("condition")),
        ("effect", "failover", Always("action")),
        ("effect", "fail_back", Always("action (tests/it/redundancy.rs)")),
        ("effect", "contain", Always("action")),
        ("effect", "isolate", Always("action")),
        ("effect", "restore", Always("action")),
        ("effect", "restore_power", Always("action")),
        ("effect", "move_load", Always("action")),
        ("effect", "restart", Always("action")),
        ("effect", "repair", Always("action")),
        ("effect", "reopen", Always("action")),
        ("effect", "publish", Always("action")),
        ("effect", "declare_end", Always("action")),
        ("move_load", "from", Always("feed")),
        ("move_load", "to", Always("feed")),
        ("expect", "objectives", Always("checked by `check`")),
    ]
}

/// Special cases that need more than a line at a marker.
fn idle_text(section: &str, field: &str, u: &Use) -> String {
    let Idle { at, add, drop } = u else { unreachable!() };
    match (section, field) {
        // A UPS on a component that is not a feed.
        ("component", "ups") => BASE.replace("#P:service", "").replace(
            "[components.db2]\nkind = \"database\"\npower = \"feed\"",
            "[components.db2]\nkind = \"database\"\npower = \"feed\"\nups = \"u\"\n[components.u]\nkind = \"ups\"\nbattery = \"5m\"",
        ),
        // A second team with a policy that nothing pages.
        ("team", "escalation") => BASE.replace(
            "[components.feed]\n",
            "[teams.idle]\ncapacity = 1\n[teams.idle.escalation]\nlast_resort = \"1h\"\n[[teams.idle.escalation.level]]\nname = \"p\"\nack = 1.0\nack_delay = \"1m\"\ntimeout = \"5m\"\n[components.feed]\n",
        ),
        // A mode on an attack.
        ("fault", "mode") => BASE.replace(
            "#P:fault\nid = \"crash\"\nkind = \"failure\"",
            "id = \"crash\"\nkind = \"attack\"\nspread = \"1h\"\nmode = \"phishing\"",
        ),
        _ => {
            let mut text: String = BASE.lines().filter(|l| !drop.contains(l)).map(|l| format!("{l}\n")).collect();
            // `when` emptied: keep the table header with nothing in it.
            text = text.replace(&format!("#P:{at}\n"), &format!("{add}\n"));
            text
        }
    }
}

/// The fields serde lists for the section at `marker`.
fn fields_of(marker: &str) -> BTreeSet<String> {
    let text = BASE.replace(&format!("#P:{marker}\n"), "zzz_probe = 1\n");
    let e = drillsim::scenario::load_str(Path::new("walk.toml"), &text).unwrap_err();
    assert_eq!(e.kind, K::UnknownField, "{marker}: {e}");
    let list = e.message.split_once("expected").map(|x| x.1).unwrap_or("");
    list.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

#[test]
fn the_base_scenario_is_valid() {
    let text: String = BASE.lines().filter(|l| !l.starts_with("#P:")).map(|l| format!("{l}\n")).collect();
    drillsim::scenario::load_str(Path::new("walk.toml"), &text).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn every_field_of_the_format_has_an_effect_or_is_an_error() {
    let table = table();
    let sections: BTreeSet<&str> = table.iter().map(|t| t.0).collect();
    for section in &sections {
        let listed: BTreeSet<String> = table.iter().filter(|t| t.0 == *section).map(|t| t.1.to_string()).collect();
        assert_eq!(fields_of(section), listed, "fields of [{section}]: add the new ones to this table");
    }
    for (section, field, u) in &table {
        if let Always(why) = u {
            assert!(!why.is_empty());
            continue;
        }
        let text: String = idle_text(section, field, u)
            .lines()
            .filter(|l| !l.starts_with("#P:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let e = drillsim::scenario::load_str(Path::new("walk.toml"), &text)
            .err()
            .unwrap_or_else(|| panic!("{section}.{field} set where it has no effect is accepted:\n{text}"));
        assert!(matches!(e.kind, K::NoEffect | K::Rule), "{section}.{field}: {e:?}");
        assert!(
            e.position.is_some() && e.help.is_some() || e.kind == K::Rule,
            "{section}.{field}: {e}"
        );
        assert!(
            e.message.contains(field) || e.kind == K::Rule || *field == "when",
            "{section}.{field}: {e}"
        );
    }
}
