//! No input makes the library panic: random bytes, every truncation of the ref20 files, and
//! random single-byte edits of them give `Ok` or `Err`, never a panic. Scenarios that load
//! are also played for a few trials and traced, so the engine is held to the same rule.

use std::path::Path;

use drillsim::model::Scenario;
use drillsim::scenario::load_str;
use drillsim::sim::{Workspace, rng::TrialStreams, run_trial, trace};
use proptest::prelude::*;

use crate::common::repo;

/// ref20 as one file: the exercise file with its includes pasted in place of `include`.
fn ref20_in_one_file() -> String {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(read_ref20_in_one_file).clone()
}

fn read_ref20_in_one_file() -> String {
    let main = std::fs::read_to_string(repo("scenarios/ref20.toml")).unwrap();
    let teams = std::fs::read_to_string(repo("scenarios/ref20/teams.toml")).unwrap();
    let plan = std::fs::read_to_string(repo("scenarios/ref20/plan.toml")).unwrap();
    let main: String = main
        .lines()
        .filter(|l| !l.starts_with("include"))
        .map(|l| format!("{l}\n"))
        .collect();
    format!("{main}\n{teams}\n{plan}")
}

/// Load `text`; if it loads, play and trace a few trials. Any panic fails the test.
fn exercise(text: &str) {
    if let Ok(sc) = load_str(Path::new("fuzz.toml"), text) {
        play(&sc);
    }
}

fn play(sc: &Scenario) {
    let mut ws = Workspace::new(sc);
    for k in 0..3 {
        run_trial(sc, TrialStreams::new(7, k), &mut ws, &mut ());
        assert!(ws.out.recovery.is_finite() && ws.out.recovery >= 0.0);
    }
    let tr = trace::replay(sc, 7, 0);
    let _ = trace::render(sc, 7, 0, &tr);
}

#[test]
fn the_single_file_ref20_is_valid() {
    let sc = load_str(Path::new("ref20.toml"), &ref20_in_one_file()).unwrap();
    assert_eq!((sc.teams.len(), sc.steps.len()), (4, 20));
}

#[test]
fn every_truncation_of_the_ref20_files_loads_or_fails_cleanly() {
    let whole = ref20_in_one_file();
    let parts = ["scenarios/ref20.toml", "scenarios/ref20/teams.toml", "scenarios/ref20/plan.toml"];
    let mut loaded = 0;
    for text in std::iter::once(whole).chain(parts.iter().map(|p| std::fs::read_to_string(repo(p)).unwrap())) {
        for (cut, _) in text.char_indices() {
            let prefix = &text[..cut];
            if let Ok(sc) = load_str(Path::new("fuzz.toml"), prefix) {
                loaded += 1;
                play(&sc);
            }
        }
    }
    // Cuts after the 1st..20th step of the single file are valid plans: the test reached the
    // engine, not only the parser.
    assert!(loaded > 20, "{loaded}");
}

/// Bytes a mutation writes: TOML's punctuation, digits, letters of units and keywords,
/// whitespace, a control character and a non-ASCII one.
const PALETTE: &[&str] = &[
    "\"", "'", "[", "]", "{", "}", "=", ",", ".", "#", "\n", " ", "\t", "0", "1", "9", "-", "+", "e", "m", "h", "s", "d", "x", "\0",
    "\u{7f}", "é", "nan", "inf",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_load_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_toml_like_text_loads_or_fails_cleanly(text in "[\\[\\]{}=\",.#a-z0-9 \n_-]{0,400}") {
        exercise(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn single_edits_of_ref20_load_or_fail_cleanly(at in any::<prop::sample::Index>(), with in prop::sample::select(PALETTE), replace in any::<bool>()) {
        let text = ref20_in_one_file();
        // A char boundary at or before the chosen place, so the result stays a &str.
        let mut i = at.index(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        let rest = if replace { text[i..].chars().skip(1).collect::<String>() } else { text[i..].to_string() };
        exercise(&format!("{}{with}{rest}", &text[..i]));
    }

    #[test]
    fn random_single_bytes_of_ref20_load_or_fail_cleanly(at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = ref20_in_one_file().into_bytes();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        exercise(&String::from_utf8_lossy(&bytes));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever a name or title holds, no control character reaches a terminal: a loaded
    /// scenario's names have none, and an error shows any it quotes escaped.
    #[test]
    fn names_and_titles_never_carry_control_characters_through(text in "(?s).{0,12}", as_title in any::<bool>()) {
        let quoted = toml::Value::String(text.clone()).to_string();
        let base = ref20_in_one_file();
        let first_step = base.find("[[step]]").unwrap();
        let (head, tail) = base.split_at(first_step);
        let tail = if as_title {
            tail.replacen("[[step]]\n", &format!("[[step]]\ntitle = {quoted}\n"), 1)
        } else {
            tail.replacen("id = \"s0\"", &format!("id = {quoted}"), 1)
        };
        match load_str(Path::new("fuzz.toml"), &format!("{head}{tail}")) {
            Ok(sc) => {
                for s in &sc.steps {
                    prop_assert!(!s.id.chars().any(char::is_control), "{:?}", s.id);
                    prop_assert!(!s.title.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{:?}", s.title);
                }
            }
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(!shown.chars().any(|c| c.is_control() && c != '\n'), "{shown:?}");
            }
        }
    }
}
