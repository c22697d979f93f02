//! The kinds for what users name in a cloud: `object_store`, `queue`, `dns`, `cdn`, `region`
//! and `zone`. Each small topology has a closed form for the service's downtime, with fixed
//! durations: detection 10m, acknowledgement 5m, then the plan's steps.

use drillsim::batch::summarize_range;

use crate::common::{head, scenario};

/// Downtime of the only business service: (min, max) over 100 trials.
fn downtime(text: &str) -> (f64, f64) {
    let sc = scenario(text);
    let s = summarize_range(&sc, 7, 0..100, None);
    assert_eq!(s.not_recovered, 0, "every trial recovers");
    (s.downtime[0].min(), s.downtime[0].max())
}

/// A feed and an app on it that needs `dep` (of `kind`); the service needs the app.
fn on_feed(kind: &str, extra: &str, faults_and_steps: &str) -> String {
    format!(
        r#"{}
[components.feed]
kind = "power_feed"
[components.dep]
kind = "{kind}"
power = "feed"
{extra}
[components.app]
kind = "service"
needs = ["dep"]
power = "feed"
[services.shop]
needs = ["app"]
{faults_and_steps}
"#,
        head("10m", "5m", 1)
    )
}

#[test]
fn a_queue_dns_or_cdn_that_fails_takes_down_what_needs_it_until_repaired() {
    // Down from the fault until the repair ends: detect 10 + ack 5 + repair 40 = 55 minutes.
    for kind in ["queue", "dns", "cdn"] {
        let text = on_feed(
            kind,
            "",
            r#"
[[fault]]
id = "f"
kind = "failure"
target = "dep"
[[step]]
id = "repair"
team = "ops"
duration = "40m"
effect = { repair = "dep" }
"#,
        );
        assert_eq!(downtime(&text), (55.0, 55.0), "{kind}");
    }
}

#[test]
fn an_object_store_holds_a_store_whose_loss_stops_it_serving_until_restored() {
    // Lost at 0; detect 10 + ack 5 + the restore step 20 + the store's restore time 30 = 65.
    let text = on_feed(
        "object_store",
        "",
        r#"
[stores.files]
component = "dep"
backup_interval = "1h"
restore = "30m"
[[fault]]
id = "f"
kind = "data_loss"
target = "files"
[[step]]
id = "restore"
team = "ops"
duration = "20m"
effect = { restore = "files" }
"#,
    );
    assert_eq!(downtime(&text), (65.0, 65.0));
}

/// Two zones; the app's replicas one in each, the database in `db_zone`.
fn zones(db_zone: &str, faults_and_steps: &str) -> String {
    format!(
        r#"{}
[components.az-a]
kind = "zone"
[components.az-b]
kind = "zone"
[components.app-1]
kind = "service"
power = "az-a"
restart = "auto"
[components.app-2]
kind = "service"
power = "az-b"
restart = "auto"
[components.app]
kind = "service"
replicas = ["app-1", "app-2"]
min_up = 1
[components.db]
kind = "database"
power = "{db_zone}"
restart = "auto"
[services.shop]
needs = ["app", "db"]
{faults_and_steps}
"#,
        head("10m", "5m", 1)
    )
}

const ZONE_OUTAGE: &str = r#"
[[fault]]
id = "az-a-down"
kind = "power_loss"
target = "az-a"
outage = "90m"
[[step]]
id = "note"
team = "ops"
duration = "5m"
"#;

#[test]
fn a_zone_outage_takes_down_what_it_hosts_for_the_outage_and_replicas_elsewhere_carry_on() {
    // The database in az-a: the shop is down exactly the 90-minute outage (no UPS, no
    // generator: a zone keeps its own power), and back by itself (restart = "auto").
    assert_eq!(downtime(&zones("az-a", ZONE_OUTAGE)), (90.0, 90.0));
    // The database in az-b: app-2 carries the app, so the shop never goes down.
    assert_eq!(downtime(&zones("az-b", ZONE_OUTAGE)), (0.0, 0.0));
}

#[test]
fn a_zone_failure_lasts_until_a_step_repairs_the_zone() {
    // A failure of the zone (not a timed outage): down until the repair, 10 + 5 + 30 = 45.
    let text = zones(
        "az-a",
        r#"
[[fault]]
id = "az-a-fails"
kind = "failure"
target = "az-a"
[[step]]
id = "provider-restores"
team = "ops"
duration = "30m"
effect = { repair = "az-a" }
"#,
    );
    assert_eq!(downtime(&text), (45.0, 45.0));
}

#[test]
fn a_region_hosts_like_a_zone_and_a_step_can_wait_for_it() {
    // A step that waits for the region to be powered restarts the database, whose restart
    // is manual: the shop is down for the 60-minute outage plus the 15-minute restart.
    let text = format!(
        r#"{}
[components.eu-west]
kind = "region"
[components.db]
kind = "database"
power = "eu-west"
[services.shop]
needs = ["db"]
[[fault]]
id = "region-down"
kind = "power_loss"
target = "eu-west"
outage = "60m"
[[step]]
id = "restart-db"
team = "ops"
duration = "15m"
wait = {{ powered = "eu-west" }}
effect = {{ restart = {{ on_feed = "eu-west" }} }}
"#,
        head("10m", "5m", 1)
    );
    // The step is ready at 15m (detect + ack) and waits until power returns at 60m.
    assert_eq!(downtime(&text), (75.0, 75.0));
}

#[test]
fn a_zone_takes_no_ups_no_dependencies_and_no_intruder() {
    let base = zones("az-a", ZONE_OUTAGE);
    let cases = [
        (base.replace("[components.az-b]\nkind = \"zone\"", "[components.az-b]\nkind = \"zone\"\nups = \"x\""), "only a power feed has a ups"),
        (base.replace("[components.az-b]\nkind = \"zone\"", "[components.az-b]\nkind = \"zone\"\nneeds = [\"db\"]"), "takes no `needs`"),
        (
            base.replace(
                ZONE_OUTAGE,
                "[[fault]]\nid = \"x\"\nkind = \"attack\"\ntarget = \"az-a\"\nspread = \"1h\"\n[[step]]\nid = \"n\"\nteam = \"ops\"\nduration = \"5m\"\n",
            ),
            "not on power equipment, a region or a zone",
        ),
    ];
    for (text, want) in cases {
        let e = drillsim::scenario::load_str(std::path::Path::new("z.toml"), &text).unwrap_err();
        assert!(e.to_string().contains(want), "{want}: {e}");
    }
}
