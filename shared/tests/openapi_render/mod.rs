//! Renders the catalog-derived request schemas of docs/openapi.yaml (OpenAPI 3.1, JSON Schema
//! 2020-12) and writes them as YAML. Each schema says exactly what `Catalog::validate` (and the
//! services around it) accept: per-model options with their enums, ranges and defaults, no
//! unknown keys, the prompt rules, source counts and video frame modes.
mod yaml;

pub use yaml::scalar;

use serde_json::{Map, Value, json};
use shared::catalog::{Catalog, FrameRole, ModelKind, ModelSpec, OptionSpec, PromptUse};

/// Unicode White_Space, which `str::trim` removes before a prompt is checked.
const WS: &str = r"\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
/// Control characters (Cc) other than tab, line feed and carriage return: refused in a prompt.
const CTRL: &str = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F";
/// An asset id: a ULID, or `{job ULID}-{n}` for output n of a job.
pub const ASSET_ID: &str = "^[0-7][0-9A-HJKMNP-TV-Z]{25}(-[0-9]{1,3})?$";

fn prompt_core(max: usize) -> String {
    format!("[^{WS}{CTRL}](?:[^{CTRL}]{{0,{}}}[^{WS}{CTRL}])?", max - 2)
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn prompt_ref(p: PromptUse) -> Value {
    reference(match p {
        PromptUse::Required => "PromptText",
        PromptUse::Optional => "OptionalPromptText",
        PromptUse::None => "NoPrompt",
    })
}

fn nullable(mut schema: Value, ty: &str) -> Value {
    schema["type"] = json!([ty, "null"]);
    schema
}

fn option_schema(o: &OptionSpec, default: Option<&Value>) -> Value {
    let mut s = match o {
        OptionSpec::Enum { values, default } => {
            let mut vals: Vec<Value> = values.iter().map(|v| json!(v)).collect();
            vals.push(Value::Null);
            let mut s = json!({ "enum": vals });
            if let Some(d) = default {
                s["default"] = json!(d);
            }
            s
        }
        OptionSpec::Integer { values, min, max, default } => {
            let mut s = nullable(json!({}), "integer");
            if let Some(vs) = values {
                let mut vals: Vec<Value> = vs.iter().map(|v| json!(v)).collect();
                vals.push(Value::Null);
                s["enum"] = json!(vals);
            }
            if let Some(m) = min {
                s["minimum"] = json!(m);
            }
            if let Some(m) = max {
                s["maximum"] = json!(m);
            }
            if let Some(d) = default {
                s["default"] = json!(d);
            }
            s
        }
        OptionSpec::Number { min, max, default } => {
            let mut s = nullable(json!({}), "number");
            if let Some(m) = min {
                s["minimum"] = json!(m);
            }
            if let Some(m) = max {
                s["maximum"] = json!(m);
            }
            if let Some(d) = default {
                s["default"] = json!(d);
            }
            s
        }
        OptionSpec::Boolean { default } => {
            let mut s = nullable(json!({}), "boolean");
            if let Some(d) = default {
                s["default"] = json!(d);
            }
            s
        }
        OptionSpec::String { max_len, default } => {
            let mut s = nullable(json!({}), "string");
            if let Some(n) = max_len {
                s["maxLength"] = json!(n);
            }
            if let Some(d) = default {
                s["default"] = json!(d);
            }
            s
        }
    };
    if let Some(d) = default {
        s["default"] = d.clone();
    }
    s
}

fn options_schema(m: &ModelSpec, editing: bool) -> Value {
    let props: Map<String, Value> = m
        .options
        .iter()
        .map(|(k, o)| {
            let d = editing.then(|| m.edit_defaults.get(k)).flatten();
            (k.clone(), option_schema(o, d))
        })
        .collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": format!(
            "{}'s options{}. Each key at most once (a repeated key is a 400); a missing or null option takes its default.",
            m.name,
            if editing { " when editing" } else { "" }
        ),
        "properties": props,
    })
}

fn options_name(m: &ModelSpec, editing: bool) -> String {
    let prefix = if editing && !m.edit_defaults.is_empty() {
        "EditOptions"
    } else {
        "Options"
    };
    format!("{prefix}.{}", m.id)
}

fn asset_id() -> Value {
    json!({ "type": "string", "pattern": ASSET_ID })
}

fn base_branch(m: &ModelSpec, editing: bool) -> Map<String, Value> {
    let mut required = vec![json!("model")];
    if m.prompt == PromptUse::Required {
        required.push(json!("prompt"));
    }
    let mut b = Map::new();
    b.insert("type".into(), json!("object"));
    b.insert("additionalProperties".into(), json!(false));
    b.insert("required".into(), json!(required));
    b.insert(
        "properties".into(),
        json!({
            "model": { "const": m.id },
            "prompt": prompt_ref(m.prompt),
            "options": reference(&options_name(m, editing)),
            "collection_id": {
                "type": "string",
                "pattern": "^[0-9A-HJKMNP-TV-Z]{26}$",
                "description": "One of the caller's collections: the results go into it as they arrive (the studio's \"add new results to…\"). Not an id: 400 with `field` \"collection_id\"; another user's or a deleted one: 404.",
            },
        }),
    );
    b
}

fn props(b: &mut Map<String, Value>) -> &mut Map<String, Value> {
    b.get_mut("properties").and_then(Value::as_object_mut).expect("properties")
}

fn require(b: &mut Map<String, Value>, field: &str) {
    b.get_mut("required")
        .and_then(Value::as_array_mut)
        .expect("required")
        .push(json!(field));
}

fn generate_request(c: &Catalog) -> Value {
    let branches: Vec<Value> = c
        .models()
        .iter()
        .filter(|m| m.offers(ModelKind::Image))
        .map(|m| {
            let mut b = base_branch(m, false);
            props(&mut b).insert("source_asset_ids".into(), json!({ "type": "array", "maxItems": 0 }));
            Value::Object(b)
        })
        .collect();
    json!({
        "description": "A text-to-image job: one branch per catalog model of kind `image`, chosen by `model`.",
        "oneOf": branches,
    })
}

fn edit_request(c: &Catalog) -> Value {
    let branches: Vec<Value> = c
        .models()
        .iter()
        .filter(|m| m.source_kind().is_some())
        .map(|m| {
            let mut b = base_branch(m, true);
            let mut sources = json!({
                "type": "array",
                "uniqueItems": true,
                "minItems": m.min_source_images,
                "maxItems": m.max_source_images,
                "items": asset_id(),
                "description": "The caller's own image assets; another user's or a missing one is a 404.",
            });
            if m.min_source_images == 0 {
                sources.as_object_mut().expect("object").remove("minItems");
            } else {
                require(&mut b, "source_asset_ids");
            }
            props(&mut b).insert("source_asset_ids".into(), sources);
            Value::Object(b)
        })
        .collect();
    json!({
        "description": "An edit or restoration: one branch per catalog model whose kinds include `edit` or `restore`, chosen by `model`.",
        "oneOf": branches,
    })
}

/// The frame inputs a video request may give together: every subset of the model's inputs that
/// satisfies their `requires` and `excludes`.
fn frame_modes(m: &ModelSpec) -> Vec<Vec<FrameRole>> {
    let roles: Vec<FrameRole> = FrameRole::ALL.into_iter().filter(|r| m.frames.contains_key(r)).collect();
    (0u32..1 << roles.len())
        .map(|mask| {
            roles
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, r)| *r)
                .collect::<Vec<_>>()
        })
        .filter(|set| {
            set.iter().all(|r| {
                let input = &m.frames[r];
                input.requires.iter().all(|q| set.contains(q)) && !input.excludes.iter().any(|x| set.contains(x))
            })
        })
        .collect()
}

fn video_request(c: &Catalog) -> Value {
    let mut branches = Vec::new();
    for m in c.models().iter().filter(|m| m.offers(ModelKind::Video)) {
        for mode in frame_modes(m) {
            let mut b = base_branch(m, false);
            let mut pinned = Map::new();
            let mut refused: Vec<&String> = Vec::new();
            for role in FrameRole::ALL {
                let field = role.request_field();
                let schema = match (mode.contains(&role), m.frames.get(&role)) {
                    (true, Some(input)) => {
                        require(&mut b, field);
                        for (k, v) in &input.options {
                            pinned.insert(k.clone(), v.clone());
                        }
                        refused.extend(&input.excludes_options);
                        if input.list {
                            json!({ "type": "array", "uniqueItems": true, "minItems": input.min, "maxItems": input.max, "items": asset_id() })
                        } else {
                            asset_id()
                        }
                    }
                    _ => json!({ "type": "null" }),
                };
                props(&mut b).insert(field.into(), schema);
            }
            if !pinned.is_empty() || !refused.is_empty() {
                let mut required = Vec::new();
                let mut pins = Map::new();
                for k in refused {
                    pins.insert(k.clone(), json!({ "type": "null" }));
                }
                for (k, want) in pinned {
                    let default = m.options.get(&k).and_then(|o| option_schema(o, None).get("default").cloned());
                    let mut allowed = vec![want.clone()];
                    if default.as_ref() == Some(&want) {
                        allowed.push(Value::Null);
                    } else {
                        required.push(json!(k));
                    }
                    pins.insert(k, json!({ "enum": allowed }));
                }
                let options = props(&mut b).get_mut("options").expect("options");
                *options = json!({ "allOf": [options.clone(), { "type": "object", "required": required, "properties": pins }] });
                if !required.is_empty() {
                    require(&mut b, "options");
                }
            }
            let names: Vec<&str> = mode.iter().map(|r| r.request_field()).collect();
            b.insert(
                "title".into(),
                json!(format!(
                    "{}: {}",
                    m.id,
                    if names.is_empty() {
                        "from the prompt only".to_string()
                    } else {
                        names.join(" + ")
                    }
                )),
            );
            branches.push(Value::Object(b));
        }
    }
    json!({
        "description": "A video job: one branch per catalog model of kind `video` and per combination of frame inputs it takes (an end frame needs a start frame and pins 8 s; reference images exclude a start frame, an end frame and a negative prompt, and pin their options). Frames are the caller's own image assets; another user's or a missing one is a 404. An id named twice anywhere in the request is a 400.",
        "oneOf": branches,
    })
}

fn prompt_request(c: &Catalog) -> Value {
    let text: Vec<&ModelSpec> = c.models().iter().filter(|m| m.offers(ModelKind::Text)).collect();
    let rule = text.first().map_or(PromptUse::Required, |m| m.prompt);
    assert!(text.iter().all(|m| m.prompt == rule), "text models with different prompt rules");
    let mut ids: Vec<Value> = text.iter().map(|m| json!(m.id)).collect();
    ids.push(Value::Null);
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": if rule == PromptUse::Required { json!(["prompt"]) } else { json!([]) },
        "properties": {
            "prompt": prompt_ref(rule),
            "model": { "enum": ids, "description": "A catalog model of kind `text`; missing or null: the catalog's default text model." },
        },
    })
}

/// The schema of option `k` for a set of models: a value every model of `models` that takes `k`
/// accepts (their defaults differ, so none is given).
fn set_option(models: &[&ModelSpec], k: &str) -> Value {
    let mut specs: Vec<Value> = Vec::new();
    for m in models {
        if let Some(o) = m.options.get(k) {
            let mut s = option_schema(o, None);
            s.as_object_mut().expect("object").remove("default");
            if !specs.contains(&s) {
                specs.push(s);
            }
        }
    }
    if specs.len() == 1 {
        return specs.remove(0);
    }
    let enums: Option<Vec<&Vec<Value>>> = specs
        .iter()
        .map(|s| (s.as_object().map(|o| o.len()) == Some(1)).then(|| s["enum"].as_array()).flatten())
        .collect();
    match enums {
        Some(lists) => {
            let common: Vec<Value> = lists[0].iter().filter(|v| lists.iter().all(|l| l.contains(v))).cloned().collect();
            json!({ "enum": common })
        }
        None => json!({ "allOf": specs }),
    }
}

/// A model's options as a set sees them: name and schema, in order.
type OptionProfile = Vec<(String, Value)>;

/// Image models with the same options (as a set sees them: without defaults) form one group.
fn option_groups<'a>(image: &[&'a ModelSpec]) -> Vec<Vec<&'a ModelSpec>> {
    let profile = |m: &ModelSpec| -> OptionProfile { m.options.keys().map(|k| (k.clone(), set_option(&[m], k))).collect() };
    let mut groups: Vec<(OptionProfile, Vec<&ModelSpec>)> = Vec::new();
    for m in image {
        let p = profile(m);
        match groups.iter_mut().find(|(q, _)| *q == p) {
            Some((_, g)) => g.push(m),
            None => groups.push((p, vec![m])),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

/// One branch per combination of option groups the chosen models come from (each group at
/// least once, no model of another group), so each option's values are exactly those every
/// chosen model that takes it accepts, and an option none of them takes is refused.
fn set_request(c: &Catalog) -> Value {
    let image: Vec<&ModelSpec> = c.models().iter().filter(|m| m.offers(ModelKind::Image)).collect();
    let rule = image.first().map_or(PromptUse::Required, |m| m.prompt);
    assert!(image.iter().all(|m| m.prompt == rule), "image models with different prompt rules");
    let (min, max) = (shared::domain::MIN_SET_MODELS, shared::domain::MAX_SET_MODELS);
    let groups = option_groups(&image);
    let mut branches = Vec::new();
    for mask in 1u32..1 << groups.len() {
        let picked: Vec<&Vec<&ModelSpec>> = groups
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, g)| g)
            .collect();
        let chosen: Vec<&ModelSpec> = picked.iter().flat_map(|g| g.iter().copied()).collect();
        let most = chosen.len().min(max);
        if picked.len() > max || most < min {
            continue;
        }
        let mut names: Vec<&String> = chosen.iter().flat_map(|m| m.options.keys()).collect();
        names.sort();
        names.dedup();
        let options: Map<String, Value> = names.iter().map(|k| ((*k).clone(), set_option(&chosen, k))).collect();
        let ids: Vec<Value> = chosen.iter().map(|m| json!(m.id)).collect();
        let mut models = json!({
            "type": "array",
            "minItems": min.max(picked.len()),
            "maxItems": most,
            "uniqueItems": true,
            "items": { "enum": ids },
        });
        if picked.len() > 1 {
            let each: Vec<Value> = picked
                .iter()
                .map(|g| json!({ "contains": { "enum": g.iter().map(|m| json!(m.id)).collect::<Vec<_>>() } }))
                .collect();
            models["allOf"] = json!(each);
        }
        let title: Vec<String> = picked
            .iter()
            .map(|g| g.iter().map(|m| m.id.as_str()).collect::<Vec<_>>().join("|"))
            .collect();
        branches.push(json!({
            "title": format!("models from: {}", title.join(" + ")),
            "type": "object",
            "additionalProperties": false,
            "required": ["prompt", "models"],
            "properties": {
                "prompt": prompt_ref(rule),
                "models": models,
                "options": {
                    "type": "object",
                    "additionalProperties": false,
                    "description": "Applied to every chosen model that takes the option; a missing or null option takes each model's default.",
                    "properties": options,
                },
            },
        }));
    }
    json!({
        "description": format!(
            "One prompt on {min} to {max} distinct text-to-image models, in any order. Models with the same options form a group; there is one branch per combination of groups the models come from. Every option must be taken by at least one chosen model, and its value must suit every chosen model that takes it."
        ),
        "oneOf": branches,
    })
}

/// Every schema of the block, in order.
pub fn schemas(c: &Catalog) -> Vec<(String, Value)> {
    let max = shared::domain::MAX_PROMPT_CHARS;
    let mut out = vec![
        (
            "ModelId".to_string(),
            json!({ "description": "A model of the catalog (`GET /api/models`).", "enum": c.models().iter().map(|m| json!(m.id)).collect::<Vec<_>>() }),
        ),
        (
            "PromptText".into(),
            json!({
                "type": "string",
                "description": format!("After trimming Unicode white space: 1 to {max} characters, no control characters other than tab, line feed and carriage return."),
                "pattern": format!("^[{WS}]*{}[{WS}]*$", prompt_core(max)),
            }),
        ),
        (
            "OptionalPromptText".into(),
            json!({
                "type": "string",
                "default": "",
                "description": format!("As PromptText, but may be empty: after trimming at most {max} characters, no control characters other than tab, line feed and carriage return."),
                "pattern": format!("^[{WS}]*(?:{}[{WS}]*)?$", prompt_core(max)),
            }),
        ),
        (
            "NoPrompt".into(),
            json!({
                "type": "string",
                "default": "",
                "description": "The model takes no prompt: empty (white space only).",
                "pattern": format!("^[{WS}]*$"),
            }),
        ),
    ];
    for m in c.models() {
        out.push((options_name(m, false), options_schema(m, false)));
        if m.source_kind().is_some() && !m.edit_defaults.is_empty() {
            out.push((options_name(m, true), options_schema(m, true)));
        }
    }
    out.push(("GenerateRequest".into(), generate_request(c)));
    out.push(("EditRequest".into(), edit_request(c)));
    out.push(("VideoRequest".into(), video_request(c)));
    out.push(("PromptRequest".into(), prompt_request(c)));
    out.push(("SetRequest".into(), set_request(c)));
    out
}

/// The YAML between the marker lines (indented as entries of `components.schemas`).
pub fn render_block(c: &Catalog) -> String {
    let mut out = String::new();
    for (name, schema) in schemas(c) {
        out.push_str(&format!("    {}:\n", yaml::key(&name)));
        yaml::emit(&schema, 6, &mut out);
    }
    out
}
