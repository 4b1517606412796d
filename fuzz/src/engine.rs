//! The deadline-bounded mutation loop: start from a target's seed corpus, mutate, run, keep
//! inputs that reach an outcome not seen before, and record every panic as a crash (its input
//! written to the crash directory, to become a corpus file and a named test).
use crate::mutate::{Rng, mutate};
use crate::targets::Target;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most inputs kept in the pool (seeds plus inputs with new outcomes).
const MAX_POOL: usize = 4096;

#[derive(Debug, Default)]
pub struct Stats {
    pub iterations: u64,
    /// Different inputs run (by content hash).
    pub distinct: u64,
    /// Different outcome labels reached.
    pub outcomes: usize,
    pub seeds: usize,
    pub elapsed: Duration,
    /// The slowest single input.
    pub slowest: Duration,
    pub crashes: Vec<Crash>,
}

#[derive(Debug)]
pub struct Crash {
    pub message: String,
    pub input: Vec<u8>,
    pub saved: Option<PathBuf>,
}

/// Every file of `dir` (sorted by name), as seed inputs.
pub fn load_corpus(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    files.into_iter().filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b))).collect()
}

pub fn hash(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h = (h ^ x as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Runs one input, catching a panic as the crash message.
pub fn run_one(target: Target, input: &[u8]) -> Result<String, String> {
    catch_unwind(AssertUnwindSafe(|| (target.run)(input))).map_err(|_| {
        LAST_PANIC
            .lock()
            .map(|mut m| m.take())
            .ok()
            .flatten()
            .unwrap_or_else(|| "panic".into())
    })
}

/// Installs a panic hook that stores the message instead of printing it (the loop reports it);
/// returns a guard that puts the previous hook back.
pub fn quiet_panics() -> impl Drop {
    type Hook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send>;
    struct Restore(Option<Hook>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(h) = self.0.take() {
                std::panic::set_hook(h);
            }
        }
    }
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut m) = LAST_PANIC.lock() {
            *m = Some(info.to_string());
        }
    }));
    Restore(Some(prev))
}

/// Mutates the seeds of `target` until `budget` has passed. Crashes are saved under
/// `crash_dir/<target>/` when a directory is given.
pub fn fuzz(target: Target, seeds: Vec<Vec<u8>>, budget: Duration, seed: u64, crash_dir: Option<&Path>) -> Stats {
    let _quiet = quiet_panics();
    let start = Instant::now();
    let mut rng = Rng::new(seed ^ hash(target.name.as_bytes()));
    let mut pool: Vec<Vec<u8>> = if seeds.is_empty() { vec![Vec::new()] } else { seeds };
    let mut stats = Stats {
        seeds: pool.len(),
        ..Stats::default()
    };
    let mut seen_inputs: HashSet<u64> = HashSet::new();
    let mut seen_outcomes: HashSet<String> = HashSet::new();
    let mut crash_hashes: HashSet<u64> = HashSet::new();

    // The seeds themselves first, then mutants until the deadline.
    let mut queue: Vec<Vec<u8>> = pool.clone();
    while start.elapsed() < budget {
        let input = queue.pop().unwrap_or_else(|| {
            let a = &pool[rng.below(pool.len())];
            let b = &pool[rng.below(pool.len())];
            mutate(&mut rng, a, b)
        });
        stats.iterations += 1;
        let h = hash(&input);
        if seen_inputs.insert(h) {
            stats.distinct += 1;
        }
        let t = Instant::now();
        let result = run_one(target, &input);
        stats.slowest = stats.slowest.max(t.elapsed());
        match result {
            Ok(outcome) => {
                if seen_outcomes.insert(outcome) && pool.len() < MAX_POOL {
                    pool.push(input);
                }
            }
            Err(message) => {
                if crash_hashes.insert(h) {
                    let saved = crash_dir.and_then(|d| save(&d.join(target.name), h, &input));
                    stats.crashes.push(Crash { message, input, saved });
                }
            }
        }
    }
    stats.outcomes = seen_outcomes.len();
    stats.elapsed = start.elapsed();
    stats
}

fn save(dir: &Path, h: u64, input: &[u8]) -> Option<PathBuf> {
    std::fs::create_dir_all(dir).ok()?;
    let p = dir.join(format!("crash-{h:016x}"));
    std::fs::write(&p, input).ok()?;
    Some(p)
}
