//! `infra/environment.json`: the names of every function's environment variables, the one
//! list that Terraform (`infra/functions.tf`), the local stack and the bench
//! (`bench/lambda_bench.py`) read, each with its own values. [`check`] is what a place runs on
//! the environment it built: every name the list says it must set has a value, and every name
//! it set is in the list. The tests below hold the list to [`Config::from_lookup`] (it reads
//! exactly the listed `config` names, and refuses to start without exactly the `required` ones).
//!
//! [`Config::from_lookup`]: crate::config::Config::from_lookup
use serde::Deserialize;
use std::collections::BTreeMap;

pub const ENVIRONMENT_JSON: &str = include_str!("../../infra/environment.json");

/// The places that set a function's environment (`set_by`).
pub const PLACES: &[&str] = &["lambda", "terraform", "local", "bench"];

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    /// The function refuses to start without it.
    #[serde(default)]
    pub required: bool,
    /// The code that reads it: `config` (shared/src/config.rs), `telemetry`, `metrics`, `tls`,
    /// `lambda` (the binary's dispatch).
    pub read_by: String,
    /// The places that must give it a value.
    pub set_by: Vec<String>,
    pub about: String,
}

#[derive(Deserialize)]
struct File {
    variables: BTreeMap<String, Variable>,
}

/// Every listed variable by name.
pub fn variables() -> BTreeMap<String, Variable> {
    serde_json::from_str::<File>(ENVIRONMENT_JSON)
        .expect("infra/environment.json is valid (checked by tests)")
        .variables
}

/// A place's environment disagrees with the list.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the {place} function environment does not match infra/environment.json: no value for {missing:?}; not in the list: {unlisted:?}")]
pub struct EnvironmentError {
    pub place: String,
    pub missing: Vec<String>,
    pub unlisted: Vec<String>,
}

/// Checks the names `place` set (an empty value counts as unset): each name whose `set_by` has
/// `place` must have a value, and each name set must be listed.
pub fn check<'a>(place: &str, env: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<(), EnvironmentError> {
    let list = variables();
    let set: BTreeMap<&str, &str> = env.into_iter().filter(|(_, v)| !v.is_empty()).collect();
    let missing: Vec<String> = list
        .iter()
        .filter(|(name, v)| v.set_by.iter().any(|p| p == place) && !set.contains_key(name.as_str()))
        .map(|(name, _)| name.clone())
        .collect();
    let unlisted: Vec<String> = set.keys().filter(|k| !list.contains_key(**k)).map(|k| k.to_string()).collect();
    if missing.is_empty() && unlisted.is_empty() {
        Ok(())
    } else {
        Err(EnvironmentError {
            place: place.to_string(),
            missing,
            unlisted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigError};
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    fn names(f: impl Fn(&Variable) -> bool) -> BTreeSet<String> {
        variables().into_iter().filter(|(_, v)| f(v)).map(|(k, _)| k).collect()
    }

    fn value(name: &str) -> String {
        match name {
            "PUBLIC_BASE_URL" => "https://studio.example".into(),
            _ => format!("test-{}", name.to_lowercase()),
        }
    }

    /// Config reads exactly the listed `config` names, and starts with exactly the `required`
    /// ones set: a name Config reads that the list lacks fails, and so does a listed name it
    /// no longer reads (MEDIA_KEY_PAIR_ID, issue 20), and so does a wrong `required`.
    #[test]
    fn config_reads_exactly_the_listed_variables_and_needs_exactly_the_required_ones() {
        let required = names(|v| v.required);
        let asked = RefCell::new(BTreeSet::new());
        Config::from_lookup(|k| {
            asked.borrow_mut().insert(k.to_string());
            required.contains(k).then(|| value(k))
        })
        .expect("the required variables alone are enough");
        assert_eq!(
            asked.into_inner(),
            names(|v| v.read_by == "config"),
            "the names Config::from_lookup reads (left) and the config names of infra/environment.json (right) differ"
        );
        for r in &required {
            match Config::from_lookup(|k| (k != r && required.contains(k)).then(|| value(k))) {
                Err(ConfigError::Missing(m)) => assert_eq!(m, r),
                other => panic!("without {r}: {other:?}"),
            }
        }
    }

    /// The variables read outside Config are read where the list says, by that name, and no
    /// other code in shared reads an unlisted one.
    #[test]
    fn the_other_readers_read_listed_names() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let file = |f: &str| std::fs::read_to_string(src.join(f)).unwrap();
        for (name, v) in variables() {
            let reader = match v.read_by.as_str() {
                "config" => continue,
                "lambda" => include_str!("../../lambda/src/main.rs").to_string(),
                other => file(&format!("{other}.rs")),
            };
            assert!(reader.contains(&format!("\"{name}\"")), "{name}: not read by {}", v.read_by);
        }
        let mut read = BTreeSet::new();
        let mut dirs = vec![src];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for call in ["env::var(\"", "env::var_os(\""] {
                        for part in text.split(call).skip(1) {
                            read.insert(part.split('"').next().unwrap().to_string());
                        }
                    }
                }
            }
        }
        let listed = names(|_| true);
        let unlisted: Vec<_> = read.difference(&listed).collect();
        assert!(
            unlisted.is_empty(),
            "read in shared/src but not in infra/environment.json: {unlisted:?}"
        );
    }

    #[test]
    fn the_list_is_consistent_and_documented() {
        let readme = include_str!("../../README.md");
        for (name, v) in variables() {
            for p in &v.set_by {
                assert!(PLACES.contains(&p.as_str()), "{name}: unknown place {p}");
            }
            if v.required {
                // Every place that deploys functions must give them what they can't start without.
                for p in ["terraform", "local", "bench"] {
                    assert!(v.set_by.iter().any(|s| s == p), "{name} is required but {p} need not set it");
                }
            }
            // Lambda reserves these; Terraform can't set them.
            if name.starts_with("AWS_") {
                assert!(!v.set_by.iter().any(|s| s == "terraform"), "{name}: Lambda sets it, not Terraform");
            }
            assert!(!v.about.is_empty(), "{name}: say what it is");
            if name != "VN_BENCH_CA_FILE" && name != "VN_HANDLER" {
                assert!(readme.contains(&format!("`{name}`")), "README.md's list of variables lacks {name}");
            }
        }
    }

    #[test]
    fn a_place_must_set_its_names_and_only_listed_ones() {
        let all: Vec<(String, String)> = variables()
            .into_iter()
            .filter(|(_, v)| v.set_by.iter().any(|p| p == "local"))
            .map(|(k, _)| (k.clone(), value(&k)))
            .collect();
        let env = |skip: &str, extra: &[(&'static str, &'static str)]| -> Vec<(String, String)> {
            all.iter()
                .filter(|(k, _)| k != skip)
                .cloned()
                .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
                .collect()
        };
        let run = |e: &[(String, String)]| check("local", e.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        run(&env("", &[])).unwrap();
        // A listed name that isn't the place's own is fine.
        run(&env("", &[("MAX_VIDEO_BYTES", "1000")])).unwrap();
        let err = run(&env("MEDIA_SIGNING_KEY_SECRET_ID", &[("MEDIA_KEY_PAIR_ID", "K1")])).unwrap_err();
        assert_eq!(err.missing, ["MEDIA_SIGNING_KEY_SECRET_ID"]);
        assert_eq!(err.unlisted, ["MEDIA_KEY_PAIR_ID"]);
        assert!(err.to_string().contains("infra/environment.json"), "{err}");
        // An empty value is no value.
        let err = run(&env("JOBS_TABLE", &[("JOBS_TABLE", "")])).unwrap_err();
        assert_eq!(err.missing, ["JOBS_TABLE"]);
    }
}
