//! The engine against known answers: exact cases, ref20's reference figures, determinism and
//! common random numbers.

use drillsim::batch::summarize_range;
use drillsim::sim::trace::replay;

use crate::common::{head, repo, scenario};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

#[test]
fn fixed_durations_give_the_exact_recovery_time() {
    let sc = scenario(&format!(
        "{}\n[[step]]\nid = \"a\"\nteam = \"ops\"\nduration = \"30m\"\n[[step]]\nid = \"b\"\nteam = \"ops\"\nafter = [\"a\"]\nduration = \"1h\"\n",
        head("10m", "5m", 1)
    ));
    let s = summarize_range(&sc, 7, 0..500, None);
    for p in [0.0, 0.5, 0.99, 1.0] {
        assert_eq!(s.recovery.quantile(p), 105.0);
    }
    assert_eq!(s.recovery.mean(), 105.0);
    assert_eq!(s.detect.mean(), 10.0);
    assert_eq!(s.ack.mean(), 5.0);
    assert_eq!(s.criticality(0), 1.0);
    assert_eq!(s.criticality(1), 1.0);
}

#[test]
fn capacity_one_serialises_two_steps_and_two_run_them_side_by_side() {
    let plan = "[[step]]\nid = \"a\"\nteam = \"ops\"\nduration = \"30m\"\n[[step]]\nid = \"b\"\nteam = \"ops\"\nduration = \"20m\"\n";
    let one = scenario(&format!("{}{plan}", head("0s", "0s", 1)));
    let two = scenario(&format!("{}{plan}", head("0s", "0s", 2)));
    assert_eq!(summarize_range(&one, 1, 0..10, None).recovery.max(), 50.0);
    assert_eq!(summarize_range(&two, 1, 0..10, None).recovery.max(), 30.0);
    // With capacity 1, b waited for a: both are on the critical path.
    let s = summarize_range(&one, 1, 0..10, None);
    assert_eq!((s.criticality(0), s.criticality(1)), (1.0, 1.0));
    // Utilization: 50 busy minutes over 1 x 50 minutes.
    assert_eq!(s.utilization(0), 1.0);
}

#[test]
fn nobody_acknowledging_gives_exactly_the_last_resort_delay() {
    let text = r#"
[detection]
delay = "10m"
page = "ops"
[teams.ops]
capacity = 1
[teams.ops.escalation]
repeat = 1
last_resort = "45m"
[[teams.ops.escalation.level]]
name = "primary"
ack = 0.0
ack_delay = "1m"
timeout = "15m"
[[teams.ops.escalation.level]]
name = "secondary"
ack = 0.0
ack_delay = "1m"
timeout = "5m"
[[step]]
id = "fix"
team = "ops"
duration = "30m"
"#;
    let s = summarize_range(&scenario(text), 3, 0..1000, None);
    // Two passes over 15m + 5m timeouts, then the 45m last resort.
    assert_eq!(s.ack.min(), 85.0);
    assert_eq!(s.ack.max(), 85.0);
    assert_eq!(s.recovery.mean(), 10.0 + 85.0 + 30.0);
}

#[test]
fn a_failing_step_is_retried_one_over_one_minus_p_times_on_average() {
    let sc = scenario(&format!(
        "{}[[step]]\nid = \"flaky\"\nteam = \"ops\"\nduration = \"10m\"\nfail = 0.25\n",
        head("0s", "0s", 1)
    ));
    let n = 200_000;
    let s = summarize_range(&sc, 11, 0..n, None);
    // Attempts are geometric: mean 1/(1-p) = 4/3, sd sqrt(p)/(1-p) = 0.667; the standard
    // error over 200k trials is 0.0015, so 0.01 is more than six of them.
    assert!((s.mean_attempts(0) - 4.0 / 3.0).abs() < 0.01, "{}", s.mean_attempts(0));
    assert!((s.recovery.mean() - 10.0 * 4.0 / 3.0).abs() < 0.1);
}

#[test]
fn ref20_reproduces_the_reference_figures() {
    // The reference model's figures, 1,000,000 trials of the hand-coded reference: mean 298.93, p50 291.04,
    // p95 413.23, p99 483.79. Ours draws from other streams, so they agree within sampling
    // error: the mean within 0.5%, the quantiles within 1%.
    let sc = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    let s = summarize_range(&sc, 42, 0..1_000_000, None);
    let close = |got: f64, want: f64, tol: f64| assert!(((got - want) / want).abs() <= tol, "{got} vs {want}");
    close(s.recovery.mean(), 298.93, 0.005);
    close(s.recovery.quantile(0.5), 291.04, 0.01);
    close(s.recovery.quantile(0.95), 413.23, 0.01);
    close(s.recovery.quantile(0.99), 483.79, 0.01);
}

#[test]
fn same_seed_same_summary_at_one_and_two_threads() {
    let sc = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    let a = pool(1).install(|| summarize_range(&sc, 5, 0..30_000, None));
    let b = pool(2).install(|| summarize_range(&sc, 5, 0..30_000, None));
    let c = pool(3).install(|| summarize_range(&sc, 5, 0..30_000, None));
    assert_eq!(a, b);
    assert_eq!(a, c);
    let d = summarize_range(&sc, 6, 0..30_000, None);
    assert_ne!(a, d, "another seed gives other numbers");
}

#[test]
fn summaries_of_split_ranges_merge_to_the_whole() {
    let sc = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    let whole = summarize_range(&sc, 9, 0..10_000, None);
    let mut a = summarize_range(&sc, 9, 0..3_333, None);
    a.merge(&summarize_range(&sc, 9, 3_333..10_000, None));
    assert_eq!(a, whole);
}

#[test]
fn editing_one_step_leaves_every_other_draw_alone() {
    let base_text = std::fs::read_to_string(repo("scenarios/ref20/plan.toml")).unwrap();
    let edited = base_text.replacen("median = \"39.3m\"", "median = \"45m\"", 1);
    assert_ne!(base_text, edited);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("ref20")).unwrap();
    std::fs::copy(repo("scenarios/ref20.toml"), dir.path().join("ref20.toml")).unwrap();
    std::fs::copy(repo("scenarios/ref20/teams.toml"), dir.path().join("ref20/teams.toml")).unwrap();
    std::fs::write(dir.path().join("ref20/plan.toml"), edited).unwrap();
    let base = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    let cand = drillsim::scenario::load(&dir.path().join("ref20.toml")).unwrap();
    let s11 = base.step_index("s11").unwrap();
    for k in 0..200 {
        let (a, b) = (replay(&base, 42, k).outcome, replay(&cand, 42, k).outcome);
        assert_eq!(a.detect, b.detect);
        assert_eq!(a.ack, b.ack);
        for i in 0..base.steps.len() {
            let (da, db) = (a.finish[i] - a.start[i], b.finish[i] - b.start[i]);
            if i == s11 {
                // Same normal draw, another median: the duration scales by 45 / 39.3.
                assert!((db / da - 45.0 / 39.3).abs() < 1e-9);
            } else {
                assert!((da - db).abs() < 1e-9, "step {i} of trial {k} changed: {da} vs {db}");
            }
        }
    }
}

#[test]
fn a_trace_agrees_with_what_the_batch_counted() {
    let sc = drillsim::scenario::load(&repo("scenarios/ref20.toml")).unwrap();
    for k in [0u64, 17, 2047, 2048, 9999] {
        let tr = replay(&sc, 42, k);
        let single = summarize_range(&sc, 42, k..k + 1, None);
        assert_eq!(single.recovery.max(), tr.outcome.recovery);
        assert_eq!(single.detect.max(), tr.outcome.detect);
        assert_eq!(single.ack.max(), tr.outcome.ack);
        // The same trial replayed twice is the same timeline.
        assert_eq!(replay(&sc, 42, k).events, tr.events);
    }
}

#[test]
fn a_team_slower_off_hours_takes_longer_at_night() {
    let text = |start: &str| {
        format!(
            "[exercise]\nstart = \"{start}\"\n{}\n[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"30m\"\n",
            head("10m", "5m", 1).replace(
                "capacity = 1\n",
                "capacity = 1\noff_hours = { from = \"20:00\", to = \"08:00\", slower = 2.0 }\n"
            )
        )
    };
    // At 23:00 the acknowledgement (5m) and the step (30m) take twice as long: 10 + 10 + 60.
    let night = summarize_range(&scenario(&text("23:00")), 1, 0..50, None);
    assert_eq!((night.recovery.min(), night.recovery.max()), (80.0, 80.0));
    let day = summarize_range(&scenario(&text("12:00")), 1, 0..50, None);
    assert_eq!((day.recovery.min(), day.recovery.max()), (45.0, 45.0));
    // Drawn per trial: night (20:00-08:00, half the day, minus edges) about half the time.
    let any = scenario(&text("any"));
    let n = 4000;
    let slow = (0..n).filter(|&k| replay(&any, 1, k).outcome.recovery > 45.0).count() as f64 / n as f64;
    // Slower when the page (at 10m) or the step (at 15m) falls at night: t = 0 between 19:45
    // and 07:50, 12 h 05 m of 24 h. Binomial sd over 4000 trials is 0.008; allow 0.03.
    assert!((slow - (12.0 * 60.0 + 5.0) / 1440.0).abs() < 0.03, "{slow}");
    // Off hours without a clock time is refused, pointing at the team's off_hours.
    let no_clock = text("23:00").replace("[exercise]\nstart = \"23:00\"\n", "");
    let e = drillsim::scenario::load_str(std::path::Path::new("t.toml"), &no_clock).unwrap_err();
    assert!(e.message.contains("no clock time"), "{e}");
}

#[test]
fn the_longest_draw_is_the_file_formats_longest_duration() {
    assert_eq!(drillsim::sim::LONGEST_DRAW, drillsim::scenario::duration::MAX_MINUTES);
}

#[test]
fn a_draw_past_the_longest_duration_is_clamped_and_counted_never_zero() {
    // sigma 10: a draw above z = 1 is over 30 million minutes, past the ten-year limit.
    let sc = scenario(&format!(
        "{}[[step]]\nid = \"long\"\nteam = \"ops\"\nduration = {{ dist = \"lognormal\", median = \"1d\", sigma = 10 }}\n",
        head("0s", "0s", 1)
    ));
    let (mut clamped, mut tiny) = (0, 0);
    for k in 0..200 {
        let o = replay(&sc, 1, k).outcome;
        let took = o.finish[0] - o.start[0];
        assert!(took <= drillsim::sim::LONGEST_DRAW, "{took}");
        if o.clamped > 0 {
            assert_eq!(o.clamped, 1);
            assert_eq!(took, drillsim::sim::LONGEST_DRAW);
            clamped += 1;
        } else if took < 1e-3 {
            tiny += 1;
        }
    }
    // P(z > 1) is 16%: about 32 of 200.
    assert!((10..80).contains(&clamped), "{clamped}");
    assert!(tiny > 0, "the lower tail is small, not clamped");
}

#[test]
fn clamped_draws_are_counted_in_the_summary_and_said_in_json_and_on_the_terminal() {
    let text = format!(
        "{}[[step]]\nid = \"long\"\nteam = \"ops\"\nduration = {{ dist = \"lognormal\", median = \"1d\", sigma = 10 }}\n",
        head("0s", "0s", 1)
    );
    let sc = scenario(&text);
    let clamped = (0..200).filter(|&k| replay(&sc, 1, k).outcome.clamped > 0).count() as u64;
    let sum = drillsim::batch::summarize_range(&sc, 1, 0..200, None);
    assert_eq!(sum.clamped_trials, clamped);
    assert_eq!(sum.clamped_draws, clamped, "one step, one draw per trial");
    let v = drillsim::report::json::summary(&sc, 1, &sum, None);
    assert_eq!(v["clamped"]["trials"], clamped);
    let terminal = drillsim::report::terminal::summary(&sc, 1, &sum, None);
    assert!(
        terminal.contains(&format!("{clamped} draw(s) in {clamped} trial(s) were longer than ten years")),
        "{terminal}"
    );
    // A plan without such draws says nothing and counts 0.
    let plain = scenario(&format!(
        "{}[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"1h\"\n",
        head("0s", "0s", 1)
    ));
    let sum = drillsim::batch::summarize_range(&plain, 1, 0..50, None);
    assert_eq!((sum.clamped_trials, sum.clamped_draws), (0, 0));
    assert!(!drillsim::report::terminal::summary(&plain, 1, &sum, None).contains("ten years"));
}

/// A binary tree of `n` services (each needs its parent) on one feed, a failure of the last
/// leaf, and a step that repairs it.
fn tree_with_a_failing_leaf(n: usize) -> drillsim::model::Scenario {
    let mut s = format!("{}\n[components.feed]\nkind = \"power_feed\"\n", head("1m", "1m", 1));
    for k in 0..n {
        s += &format!("\n[components.c{k}]\nkind = \"service\"\npower = \"feed\"\n");
        if k > 0 {
            s += &format!("needs = [\"c{}\"]\n", (k - 1) / 2);
        }
    }
    s += &format!(
        "\n[services.shop]\nneeds = [\"c0\"]\n\n[[fault]]\nid = \"f\"\nkind = \"failure\"\ntarget = \"c{}\"\n\n[[step]]\nid = \"fix\"\nteam = \"ops\"\nduration = \"30m\"\neffect = {{ repair = \"c{}\" }}\n",
        n - 1,
        n - 1
    );
    scenario(&s)
}

#[test]
fn a_change_recomputes_what_it_reaches_not_the_whole_topology() {
    // The leaf's failure and its repair each recompute the leaf alone (nothing needs it),
    // whatever the size of the tree; recomputing from the leaf's position to the end of the
    // dependency order would cost the order's tail each time.
    let small = replay(&tree_with_a_failing_leaf(15), 3, 0).outcome;
    let large = replay(&tree_with_a_failing_leaf(3000), 3, 0).outcome;
    assert_eq!(small.recomputed, 2);
    assert_eq!(large.recomputed, 2);
    assert_eq!(large.recovery, small.recovery);
}

#[test]
fn a_reused_workspace_gives_each_trial_what_a_fresh_one_gives() {
    // A reset restores only what the previous trial changed: nothing may leak into the next.
    use drillsim::sim::{Workspace, rng::TrialStreams, run_trial};
    for file in [
        "scenarios/plan1/compound.toml",
        "scenarios/plan2/power-loss.toml",
        "scenarios/plan3/data-loss.toml",
    ] {
        let sc = drillsim::scenario::load(&repo(file)).unwrap();
        let mut reused = Workspace::new(&sc);
        for k in 0..300 {
            run_trial(&sc, TrialStreams::new(11, k), &mut reused, &mut ());
            let mut fresh = Workspace::new(&sc);
            run_trial(&sc, TrialStreams::new(11, k), &mut fresh, &mut ());
            // Debug text: steps that never ran have NaN times, which `==` never matches.
            assert_eq!(format!("{:?}", reused.out), format!("{:?}", fresh.out), "{file}, trial {k}");
        }
    }
}

#[test]
fn a_step_drawn_ahead_draws_what_it_would_draw_at_its_start() {
    // A step with no retries and no conditions has its duration drawn when the trial begins
    // (for speed); one with a retry chance draws at its start. With a retry chance too small to
    // ever fire, both read the first number of the same stream: every trial must agree.
    let step = |extra: &str| {
        format!(
            "{}[[step]]\nid = \"a\"\nteam = \"ops\"\nduration = {{ dist = \"lognormal\", median = \"40m\", sigma = 0.8 }}\n[[step]]\nid = \"b\"\nteam = \"ops\"\nafter = [\"a\"]\nduration = {{ dist = \"triangular\", min = \"5m\", mode = \"10m\", max = \"1h\" }}\n{extra}",
            head("10m", "5m", 1)
        )
    };
    let ahead = summarize_range(&scenario(&step("")), 11, 0..2000, None);
    let at_start = summarize_range(&scenario(&step("fail = 1e-12\n")), 11, 0..2000, None);
    assert_eq!(ahead.recovery, at_start.recovery);
    assert!(ahead.recovery.max() > ahead.recovery.min(), "the durations are random");
}
