//! The shipped batch-engine examples stay valid: each file parses (YAML with yaml-rust2, the
//! Slurm script as shell), and every `drillsim` command in it parses with the real command
//! line definitions, so a renamed flag breaks this test, not a user's cluster job.

use std::path::Path;

use clap::Parser;
use yaml_rust2::{Yaml, YamlLoader};

use super::Cli;

/// Shell variables and GitHub expressions replaced by a sample value (a shard number fits
/// every place they are used in the examples).
fn substitute(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let skip = if let Some(inner) = after.strip_prefix("{{") {
            inner.find("}}").map(|j| j + 4)
        } else if let Some(inner) = after.strip_prefix('{') {
            inner.find('}').map(|j| j + 2)
        } else if let Some(inner) = after.strip_prefix('(') {
            inner.find(')').map(|j| j + 2)
        } else {
            let n = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').count();
            (n > 0).then_some(n)
        };
        match skip {
            Some(n) => {
                out.push('3');
                rest = &after[n..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Words of one shell line as a shell splits them (quotes, backslashes), up to the first
/// `|`, `>`, `;`, `&&` or comment.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut any = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                any = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                any = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => cur.extend(chars.next()),
                        _ => cur.push(d),
                    }
                }
            }
            '\\' => {
                any = true;
                cur.extend(chars.next());
            }
            ' ' | '\t' => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            '|' | '>' | ';' | '&' => break,
            '#' if !any => break,
            _ => {
                any = true;
                cur.push(c);
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Every drillsim command in a piece of shell text (continued lines joined, and commands
/// quoted inside another, such as `sbatch --wrap "drillsim merge ..."`).
fn commands_in(text: &str, out: &mut Vec<Vec<String>>) {
    let joined = substitute(&text.replace("\\\n", " "));
    for line in joined.lines() {
        let w = words(line);
        if let Some(i) = w.iter().position(|t| t == "drillsim" || t.ends_with("/drillsim"))
            && w.get(i + 1)
                .is_some_and(|s| ["run", "merge", "check", "compare"].contains(&s.as_str()))
        {
            let mut cmd = vec!["drillsim".to_string()];
            cmd.extend(w[i + 1..].iter().cloned());
            out.push(cmd);
        }
        for t in &w {
            if t.contains("drillsim ") {
                commands_in(t, out);
            }
        }
    }
}

fn walk(y: &Yaml, out: &mut Vec<Vec<String>>) {
    match y {
        Yaml::String(s) => commands_in(s, out),
        Yaml::Array(items) => {
            let strings: Vec<&str> = items.iter().filter_map(Yaml::as_str).collect();
            if strings.len() == items.len() && strings.first().is_some_and(|s| *s == "drillsim") {
                out.push(strings.iter().map(|s| substitute(s)).collect());
            }
            items.iter().for_each(|i| walk(i, out));
        }
        Yaml::Hash(h) => h.iter().for_each(|(k, v)| {
            walk(k, out);
            walk(v, out);
        }),
        _ => {}
    }
}

fn commands(rel: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut out = Vec::new();
    if rel.ends_with(".yml") || rel.ends_with(".yaml") {
        let docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{rel}: not valid YAML: {e}"));
        assert!(!docs.is_empty(), "{rel}: empty");
        docs.iter().for_each(|d| walk(d, &mut out));
    } else {
        commands_in(&text, &mut out);
    }
    out
}

#[test]
fn every_drillsim_command_in_the_shard_examples_parses() {
    for (file, want) in [
        ("examples/shards/slurm.sbatch", &["merge", "run"][..]),
        ("examples/shards/kubernetes-indexed-job.yaml", &["run", "merge"]),
        (
            "examples/shards/gitlab-ci.yml",
            &["check", "merge", "run", "merge", "compare", "merge"],
        ),
        ("examples/github-actions/shards.yml", &["run", "merge"]),
    ] {
        let cmds = commands(file);
        let subs: Vec<&str> = cmds.iter().map(|c| c[1].as_str()).collect();
        assert_eq!(subs, want, "{file}: {cmds:?}");
        for c in &cmds {
            if let Err(e) = Cli::try_parse_from(c) {
                panic!("{file}: {c:?}: {e}");
            }
        }
        assert!(
            cmds.iter().any(|c| c[1] != "merge" && c.iter().any(|w| w == "--shard")),
            "{file}: no sharded command"
        );
    }
    // The Slurm example's merge waits for the array.
    let slurm = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shards/slurm.sbatch")).unwrap();
    assert!(slurm.contains("--dependency=afterok"));
}

#[test]
fn a_wrong_flag_would_be_caught() {
    let mut out = Vec::new();
    commands_in("drillsim run x.toml --shard 1/2 --partail p.json | tee log", &mut out);
    assert_eq!(out.len(), 1);
    assert!(Cli::try_parse_from(&out[0]).is_err());
    assert_eq!(words("a 'b c' \"d\\\"e\" f\\ g # h"), ["a", "b c", "d\"e", "f g"]);
    assert_eq!(substitute("p-${{ matrix.shard }}-$CI_NODE_INDEX-${X:-1}.json"), "p-3-3-3.json");
}
