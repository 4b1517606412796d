//! `vn-fuzz [--seconds N] [--seed S] [--corpus DIR] [--crashes DIR] [target ...]`: runs the
//! mutation loop on each target (all five by default) for N seconds (FUZZ_SECONDS, default 600)
//! and prints, per target: iterations, distinct inputs, outcomes reached, time, crashes.
//! Exits 1 when any target crashed. `vn-fuzz replay` runs every corpus file once.
use std::path::PathBuf;
use std::time::Duration;
use vn_fuzz::engine::{fuzz, load_corpus, quiet_panics, run_one};
use vn_fuzz::targets::{TARGETS, Target, find};

fn main() {
    let mut seconds: f64 = std::env::var("FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(600.0);
    let mut seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = root.join("corpus");
    let mut crashes = root.join("crashes");
    let mut names = Vec::new();
    let mut replay = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).expect("--seconds N"),
            "--seed" => seed = args.next().and_then(|s| s.parse().ok()).expect("--seed N"),
            "--corpus" => corpus = args.next().map(PathBuf::from).expect("--corpus DIR"),
            "--crashes" => crashes = args.next().map(PathBuf::from).expect("--crashes DIR"),
            "replay" => replay = true,
            name => names.push(name.to_string()),
        }
    }
    let targets: Vec<Target> = if names.is_empty() {
        TARGETS.to_vec()
    } else {
        names.iter().map(|n| find(n).unwrap_or_else(|| panic!("no target {n}"))).collect()
    };

    let mut failed = false;
    if replay {
        let _quiet = quiet_panics();
        for t in &targets {
            for (path, input) in load_corpus(&corpus.join(t.name)) {
                if let Err(m) = run_one(*t, &input) {
                    println!("{}: {} CRASH {m}", t.name, path.display());
                    failed = true;
                }
            }
        }
        std::process::exit(i32::from(failed));
    }

    println!("vn-fuzz: {seconds} s per target, seed {seed}");
    println!(
        "{:<8} {:>11} {:>9} {:>8} {:>6} {:>7} {:>9} {:>7}",
        "target", "iterations", "distinct", "outcomes", "seeds", "secs", "slowest", "crashes"
    );
    for t in &targets {
        let seeds: Vec<Vec<u8>> = load_corpus(&corpus.join(t.name)).into_iter().map(|(_, b)| b).collect();
        let s = fuzz(*t, seeds, Duration::from_secs_f64(seconds), seed, Some(&crashes));
        println!(
            "{:<8} {:>11} {:>9} {:>8} {:>6} {:>7.1} {:>7}ms {:>7}",
            t.name,
            s.iterations,
            s.distinct,
            s.outcomes,
            s.seeds,
            s.elapsed.as_secs_f64(),
            s.slowest.as_millis(),
            s.crashes.len()
        );
        for c in &s.crashes {
            failed = true;
            let shown: String = String::from_utf8_lossy(&c.input).chars().take(300).collect();
            println!("  CRASH {}\n    saved: {:?}\n    input: {shown:?}", c.message, c.saved);
        }
    }
    std::process::exit(i32::from(failed));
}
