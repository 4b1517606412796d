//! Every seed in `fuzz/corpus/<target>/` runs through its target without a crash, and each
//! target has seeds; a short mutation pass from them finds no crash either.
use std::path::Path;
use std::time::Duration;
use vn_fuzz::TARGETS;
use vn_fuzz::engine::{fuzz, load_corpus, quiet_panics, run_one};

#[test]
fn every_seed_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let _quiet = quiet_panics();
    let mut crashes = Vec::new();
    for t in TARGETS {
        let seeds = load_corpus(&root.join(t.name));
        assert!(seeds.len() >= 5, "{}: only {} seeds", t.name, seeds.len());
        for (path, input) in seeds {
            if let Err(m) = run_one(*t, &input) {
                crashes.push(format!("{}: {m}", path.display()));
            }
        }
    }
    assert!(crashes.is_empty(), "{crashes:#?}");
}

#[test]
fn a_short_mutation_pass_finds_no_crash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for t in TARGETS {
        let seeds = load_corpus(&root.join(t.name)).into_iter().map(|(_, b)| b).collect();
        let s = fuzz(*t, seeds, Duration::from_millis(500), 42, None);
        assert!(s.iterations > s.seeds as u64, "{}: ran only the seeds", t.name);
        let found: Vec<_> = s.crashes.iter().map(|c| (&c.message, String::from_utf8_lossy(&c.input))).collect();
        assert!(found.is_empty(), "{}: {found:#?}", t.name);
    }
}

#[test]
fn a_failing_property_is_reported_as_a_crash() {
    fn broken(data: &[u8]) -> String {
        assert!(!data.contains(&b'!'), "no bangs");
        String::new()
    }
    let t = vn_fuzz::Target {
        name: "broken",
        run: broken,
    };
    let s = fuzz(t, vec![b"hello".to_vec(), b"hi!".to_vec()], Duration::from_millis(200), 1, None);
    assert!(!s.crashes.is_empty());
    assert!(s.crashes[0].message.contains("no bangs"), "{}", s.crashes[0].message);
}
