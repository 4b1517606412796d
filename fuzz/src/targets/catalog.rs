//! The catalog: loading and checking a models file (`Catalog::from_json`, `catalog/check.rs`,
//! the frames rules), and validating requests against the built-in catalog (`validate`,
//! `validate_video`, `catalog/request.rs` + `frames.rs`).
//!
//! Input: `mode \n ...`. Mode `catalog`: the rest is a models file. Otherwise the fields are
//! `kind \n model \n prompt \n sources \n frames (start,end,refs) \n options JSON`.
//! Property: validation accepts exactly the options the catalog declares, with values its
//! declaration allows (an independent reading of each option type), and nothing else.
use super::{fields, text};
use serde_json::{Map, Value};
use shared::catalog::{Catalog, FrameRequest, ModelKind, OptionSpec};
use std::sync::OnceLock;

fn builtin() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::builtin().expect("the built-in catalog loads"))
}

const KINDS: [(&str, ModelKind); 5] = [
    ("image", ModelKind::Image),
    ("edit", ModelKind::Edit),
    ("restore", ModelKind::Restore),
    ("video", ModelKind::Video),
    ("text", ModelKind::Text),
];

pub fn run(data: &[u8]) -> String {
    let [mode, rest] = fields::<2>(data);
    if mode == b"catalog" {
        return load(rest);
    }
    let [kind, model, prompt, sources, frames, options] = fields::<6>(rest);
    let kind_s = text(kind);
    let kind = KINDS
        .iter()
        .find(|(n, _)| *n == kind_s.trim())
        .map_or(ModelKind::Image, |(_, k)| *k);
    let (model, prompt) = (text(model), text(prompt));
    let sources: usize = text(sources).trim().parse().unwrap_or(0);
    let options: Map<String, Value> = serde_json::from_slice(options).unwrap_or_default();
    let frames = frame_request(&text(frames));
    let cat = builtin();

    let got = if kind == ModelKind::Video {
        cat.validate_video(&model, &prompt, &options, &frames)
    } else {
        cat.validate(kind, &model, &prompt, &options, sources)
    };
    let Some(spec) = cat.get(&model) else {
        let e = got.expect_err("an unknown model is refused");
        assert_eq!(e.field, "model");
        return "unknown model".into();
    };
    // The same request without options: whether model, kind, prompt, sources (and frames,
    // with default options) pass on their own.
    let base = if kind == ModelKind::Video {
        cat.validate_video(&model, &prompt, &Map::new(), &frames).is_ok()
    } else {
        cat.validate(kind, &model, &prompt, &Map::new(), sources).is_ok()
    };
    let declared_ok = options
        .iter()
        .all(|(k, v)| spec.options.get(k).is_some_and(|o| v.is_null() || allows(o, v)));
    match &got {
        Ok(valid) => {
            assert!(declared_ok, "accepted options the catalog does not allow: {options:?}");
            assert!(valid.estimated.0 >= 0);
            for (k, v) in &valid.options {
                let o = spec.options.get(k).expect("only declared options come out");
                assert!(allows(o, v), "{k} = {v} is not what {k} allows");
                if let Some(given) = options.get(k).filter(|v| !v.is_null()) {
                    assert!(same_value(given, v), "{k}: gave {given}, got {v}");
                }
            }
        }
        Err(e) => {
            assert!(!e.field.is_empty() && !e.message.is_empty());
            // Frames pin option values (reference mode: 16:9, 8 s), so with frames a declared
            // value can still be refused; without, a refusal means something else was wrong.
            let frameless = frames == FrameRequest::default();
            if base && declared_ok && frameless {
                panic!("refused a request the catalog allows ({}: {}): {options:?}", e.field, e.message);
            }
            if let Some(k) = e.field.strip_prefix("options.") {
                assert!(options.contains_key(k) || !frameless, "error names option {k} that was not given");
            }
        }
    }
    let verdict = got
        .as_ref()
        .map_or_else(|e| e.field.split('.').next().unwrap_or_default().to_string(), |_| "ok".into());
    format!("{} {kind:?} base:{base} declared:{declared_ok} -> {verdict}", spec.id)
}

/// What an option's declaration allows, read from the catalog's types.
fn allows(o: &OptionSpec, v: &Value) -> bool {
    match o {
        OptionSpec::Enum { values, .. } => v.as_str().is_some_and(|s| values.iter().any(|x| x == s)),
        // A whole number: an integer, or a float without a fraction within 2^53 (`8.0`).
        OptionSpec::Integer { values, min, max, .. } => v
            .as_i64()
            .or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0)
                    .map(|f| f as i64)
            })
            .is_some_and(|n| values.as_ref().is_none_or(|vs| vs.contains(&n)) && min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)),
        OptionSpec::Number { min, max, .. } => v
            .as_f64()
            .is_some_and(|n| n.is_finite() && min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)),
        OptionSpec::Boolean { .. } => v.is_boolean(),
        OptionSpec::String { max_len, .. } => v.as_str().is_some_and(|s| max_len.is_none_or(|n| s.chars().count() <= n)),
    }
}

/// The value given and the value kept are the same (numbers compare by value: `1` and `1.0`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn frame_request(s: &str) -> FrameRequest {
    let mut parts = s.split(',').map(|p| p.trim().parse::<usize>().ok());
    FrameRequest {
        start_frame: parts.next().flatten(),
        end_frame: parts.next().flatten(),
        references: parts.next().flatten(),
    }
}

/// A models file: loads or is refused with a message, never panics; one that loads validates
/// a default request for each of its models' kinds without panicking, and says so in its API.
fn load(json: &[u8]) -> String {
    let cat = match Catalog::from_json(&text(json)) {
        Ok(c) => c,
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty());
            return format!("refused: {}", msg.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
        }
    };
    for m in cat.models() {
        assert!(cat.get(&m.id).is_some());
        assert_eq!(m.to_api()["id"], m.id.as_str());
        for kind in &m.kinds {
            let _ = cat.validate(*kind, &m.id, "a cat", &Map::new(), m.min_source_images as usize);
        }
    }
    format!("loaded {} models", cat.models().len())
}
