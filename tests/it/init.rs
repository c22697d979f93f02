//! `drillsim init`: the starter folder and the folders written from a Backstage catalog and
//! from a Compose file validate, `check` runs on them, and mistakes in the source are errors
//! with a line and column.

use std::path::Path;

use crate::common::{drillsim, repo};

/// Run `drillsim init ARGS` and return its standard output (it must succeed).
fn init(args: &[&str]) -> String {
    let out = drillsim().arg("init").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "init {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `validate DIR` exits 0 and names every exercise; `check DIR` ends 0 or 1, never 2.
fn folder_works(dir: &Path) {
    let d = dir.to_str().unwrap();
    let v = drillsim().args(["validate", d]).output().unwrap();
    let vout = String::from_utf8_lossy(&v.stdout);
    assert!(v.status.success(), "validate: {}{}", vout, String::from_utf8_lossy(&v.stderr));
    for ex in ["failure", "attack", "power-loss", "data-loss"] {
        assert!(vout.contains(&format!("{ex}.toml: ok")), "{ex} not validated: {vout}");
    }
    let c = drillsim().args(["check", d, "-j", "1"]).output().unwrap();
    let code = c.status.code();
    assert!(
        code == Some(0) || code == Some(1),
        "check exited {code:?}: {}",
        String::from_utf8_lossy(&c.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&c.stdout).matches("(seed 1,").count(),
        4,
        "four exercises checked"
    );
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

/// The checked scenario of one written exercise.
fn load(dir: &Path, file: &str) -> drillsim::model::Scenario {
    drillsim::scenario::load(&dir.join(file)).unwrap_or_else(|e| panic!("{e}"))
}

fn kind_of(sc: &drillsim::model::Scenario, name: &str) -> &'static str {
    let c = sc
        .topology
        .components
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no component {name}"));
    c.kind.name()
}

fn needs(sc: &drillsim::model::Scenario, name: &str) -> Vec<String> {
    let comps = &sc.topology.components;
    let c = comps.iter().find(|c| c.name == name).unwrap();
    let mut v: Vec<String> = c.needs.iter().map(|&j| comps[j].name.clone()).collect();
    v.sort();
    v
}

#[test]
fn the_starter_folder_validates_and_checks_and_explains_every_field() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("drills");
    let out = init(&[dir.to_str().unwrap()]);
    assert!(out.contains("placeholders to review"), "{out}");
    folder_works(&dir);
    // Every file starts with an explanation, and every `key = value` line has a comment.
    for file in [
        "topology.toml",
        "teams.toml",
        "plan.toml",
        "failure.toml",
        "attack.toml",
        "power-loss.toml",
        "data-loss.toml",
    ] {
        let text = read(&dir, file);
        assert!(text.starts_with("# "), "{file} starts with an explanation");
        assert!(text.contains("placeholder"), "{file} marks its placeholders");
        for line in text.lines() {
            let field = line.split(" = ").next().unwrap_or("");
            if !line.starts_with('#')
                && !field.is_empty()
                && field.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && line.contains(" = ")
            {
                assert!(line.contains(" # "), "{file}: a field without a comment: {line}");
            }
        }
    }
    let sc = load(&dir, "failure.toml");
    assert_eq!(sc.topology.faults.len(), 1);
    assert_eq!(sc.services.len(), 1);
    assert_eq!(sc.stores.len(), 1);
    // Each exercise has one fault, of its own kind.
    for (file, kind) in [
        ("failure.toml", "failure"),
        ("attack.toml", "attack"),
        ("power-loss.toml", "power_loss"),
        ("data-loss.toml", "data_loss"),
    ] {
        let sc = load(&dir, file);
        let kinds: Vec<&str> = sc.topology.faults.iter().map(|f| f.kind.tag().name()).collect();
        assert_eq!(kinds, [kind], "{file}");
        assert!(!sc.objectives.is_empty(), "{file} has objectives");
    }
}

#[test]
fn a_folder_that_is_not_empty_is_refused_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let out = drillsim().args(["init", d]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not empty") && err.contains("--force"), "{err}");
    assert!(!tmp.path().join("topology.toml").exists(), "nothing written");
    init(&[d, "--force"]);
    assert_eq!(read(tmp.path(), "notes.txt"), "mine", "other files are kept");
    folder_works(tmp.path());
    // A file in the way of the folder is an error too.
    let file = tmp.path().join("notes.txt");
    let out = drillsim().args(["init", file.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_backstage_catalog_becomes_components_teams_and_business_services() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    let src = repo("examples/init/catalog-info.yaml");
    let out = init(&["--from", src.to_str().unwrap(), dir.to_str().unwrap()]);
    assert!(out.contains("from Backstage catalog"), "{out}");
    assert!(out.contains("Component ui-kit (type library)"), "the library is passed over: {out}");
    assert!(out.contains("API orders-api-spec"), "{out}");
    assert!(out.contains("placeholders to review"), "{out}");
    assert!(out.contains("rto = \"4h\" for every business service (shop, payments)"), "{out}");
    folder_works(&dir);
    let sc = load(&dir, "failure.toml");
    assert_eq!(kind_of(&sc, "storefront"), "service");
    assert_eq!(kind_of(&sc, "orders-db"), "database");
    assert_eq!(kind_of(&sc, "order-events"), "queue");
    assert_eq!(kind_of(&sc, "receipts"), "object_store");
    assert_eq!(kind_of(&sc, "cdn"), "cdn");
    assert_eq!(needs(&sc, "orders-api"), ["order-events", "orders-db", "pay-api"]);
    assert_eq!(needs(&sc, "storefront"), ["cdn", "orders-api"]);
    let teams: Vec<&str> = sc.teams.iter().map(|t| t.name.as_str()).collect();
    for t in ["web-team", "payments-team", "platform"] {
        assert!(teams.contains(&t), "team {t} in {teams:?}");
    }
    let services: Vec<&str> = sc.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(services, ["payments", "shop"]);
    let stores: Vec<&str> = sc.stores.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        stores,
        ["orders-db", "payments-db", "receipts"],
        "databases and object stores hold data"
    );
    insta::assert_snapshot!("init_backstage_topology", read(&dir, "topology.toml"));
}

#[test]
fn a_compose_file_reads_both_forms_of_depends_on_and_image_kinds() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("shop");
    let src = repo("examples/init/compose.yaml");
    let out = init(&["--from", src.to_str().unwrap(), dir.to_str().unwrap()]);
    assert!(out.contains("from Docker Compose file"), "{out}");
    folder_works(&dir);
    let sc = load(&dir, "failure.toml");
    assert_eq!(needs(&sc, "proxy"), ["web"], "short form");
    assert_eq!(needs(&sc, "api"), ["cache", "db", "queue"], "long form, with conditions");
    assert_eq!(needs(&sc, "worker"), ["db", "files", "queue"], "flow list");
    for (name, kind) in [
        ("proxy", "load_balancer"),
        ("web", "service"),
        ("api", "service"),
        ("db", "database"),
        ("cache", "cache"),
        ("queue", "queue"),
        ("files", "object_store"),
    ] {
        assert_eq!(kind_of(&sc, name), kind, "{name}");
    }
    let comp = |n: &str| sc.topology.components.iter().find(|c| c.name == n).unwrap();
    assert!(comp("proxy").auto_restart, "restart: always");
    assert!(comp("web").auto_restart, "restart: unless-stopped");
    assert!(
        !comp("api").auto_restart,
        "restart: on-failure does not come back after a power loss"
    );
    insta::assert_snapshot!("init_compose_topology", read(&dir, "topology.toml"));
}

/// `init --from` on `text` fails with exit 2; its standard error.
fn init_fails(text: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("in.yaml");
    std::fs::write(&src, text).unwrap();
    let dir = tmp.path().join("out");
    let out = drillsim()
        .args(["init", "--from", src.to_str().unwrap(), dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(!dir.exists(), "nothing is written on an error");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn mistakes_in_the_source_name_their_line_and_column() {
    let e = init_fails(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: web\nspec:\n  type: service\n  dependsOn:\n    - resource:ordrs-db\n---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: orders-db\nspec:\n  type: database\n",
    );
    assert!(e.contains("in.yaml:8:7:"), "{e}");
    assert!(e.contains("resource:ordrs-db") && e.contains("did you mean orders-db"), "{e}");
    assert!(e.contains("help:"), "{e}");

    let e = init_fails("services:\n  web:\n    image: nginx\n    depends_on:\n      api:\n        condition: service_started\n");
    assert!(e.contains("in.yaml:5:7:") && e.contains("depends on api"), "{e}");

    let e = init_fails("services:\n  web:\n    image: [nginx\n  db: 1\n");
    assert!(e.contains("in.yaml:") && e.contains("not valid YAML"), "{e}");
    let e = init_fails("services:\n  web:\n    image: nginx\n  web:\n    image: redis\n");
    assert!(e.contains("in.yaml:4:"), "duplicate key: {e}");

    let e = init_fails("hello: world\n");
    assert!(e.contains("neither a Backstage catalog nor a Docker Compose file"), "{e}");

    let e = init_fails("services:\n  a:\n    depends_on: [b]\n  b:\n    depends_on: [a]\n");
    assert!(e.contains("cycle") && e.contains("a -> b -> a"), "{e}");
}

#[test]
fn components_that_depend_on_a_zone_are_hosted_by_it_and_the_power_drill_is_its_outage() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("catalog-info.yaml");
    std::fs::write(
        &src,
        r#"apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: { name: eu-west-1a }
spec: { type: availability-zone, owner: platform }
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: { name: eu-west-1b }
spec: { type: availability-zone, owner: platform }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: web }
spec: { type: website, owner: web-team, system: shop, dependsOn: [resource:eu-west-1a, resource:orders, resource:www-dns] }
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: { name: orders }
spec: { type: rds-postgres, owner: platform, system: shop, dependsOn: [resource:eu-west-1a] }
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: { name: www-dns }
spec: { type: route53, owner: platform, dependsOn: [resource:eu-west-1b] }
"#,
    )
    .unwrap();
    let dir = tmp.path().join("out");
    init(&["--from", src.to_str().unwrap(), dir.to_str().unwrap()]);
    folder_works(&dir);
    let sc = load(&dir, "power-loss.toml");
    assert_eq!(kind_of(&sc, "eu-west-1a"), "zone");
    assert_eq!(kind_of(&sc, "orders"), "database");
    assert_eq!(kind_of(&sc, "www-dns"), "dns");
    let comps = &sc.topology.components;
    let power = |n: &str| comps[comps.iter().find(|c| c.name == n).unwrap().power.unwrap()].name.clone();
    assert_eq!(power("web"), "eu-west-1a");
    assert_eq!(power("www-dns"), "eu-west-1b");
    assert!(
        !comps.iter().any(|c| c.name == "main-feed"),
        "no power feed is invented when zones host everything"
    );
    assert_eq!(needs(&sc, "web"), ["orders", "www-dns"], "the zone is the host, not a dependency");
    let drillsim::model::FaultKind::PowerLoss { feed, .. } = &sc.topology.faults[0].kind else {
        panic!("the power exercise is a power loss")
    };
    assert_eq!(comps[*feed].name, "eu-west-1a", "the zone hosting the most components");
}

/// Whatever `init --from` makes of `text` either is an error or a folder whose every
/// exercise loads.
fn reads_or_fails_cleanly(text: &str) {
    let Ok((_, inv)) = drillsim::init::from_text(Path::new("in.yaml"), text, "x") else {
        return;
    };
    let Ok(folder) = drillsim::init::render(&inv) else { return };
    let tmp = tempfile::tempdir().unwrap();
    for (rel, body) in &folder.files {
        std::fs::write(tmp.path().join(rel), body).unwrap();
    }
    for ex in &folder.exercises {
        if let Err(e) = drillsim::scenario::load_with_root(&tmp.path().join(ex), tmp.path()) {
            panic!("{e}\n--- from ---\n{text}");
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 96, ..proptest::prelude::ProptestConfig::default() })]

    /// Random edits of the fixtures (a byte replaced, or the file cut short) never panic, and
    /// never make a folder that does not load.
    #[test]
    fn edited_sources_give_an_error_or_a_folder_that_loads(
        which in 0usize..2,
        at in 0usize..4096,
        byte in proptest::prelude::any::<u8>(),
        cut in proptest::prelude::any::<bool>(),
    ) {
        let file = ["examples/init/catalog-info.yaml", "examples/init/compose.yaml"][which];
        let mut bytes = std::fs::read(repo(file)).unwrap();
        let at = at % bytes.len();
        if cut {
            bytes.truncate(at);
        } else {
            bytes[at] = byte;
        }
        if let Ok(text) = String::from_utf8(bytes) {
            reads_or_fails_cleanly(&text);
        }
    }
}
