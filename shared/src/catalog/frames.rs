//! A video model's frame inputs as catalog data: which Replicate input takes the start frame,
//! the end frame and the reference images, how many, and the rules between them (an end frame
//! needs a start frame; reference mode takes no start or end frame, no negative prompt, and pins
//! 16:9 and 8 s). Each rule has its source in the model's `facts` (facts.rs).
use super::request::check_value;
use super::{FieldError, ModelKind, ModelSpec};
pub use crate::domain::FrameRole;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The most images one frame input may take.
const MAX_FRAMES: u32 = 8;

fn one() -> u32 {
    1
}

/// One frame input of a model.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameInput {
    /// The Replicate input name (`image`, `last_frame`, `reference_images`).
    pub field: String,
    /// An array of URLs (`true`) or one URL string (`false`).
    #[serde(default)]
    pub list: bool,
    #[serde(default = "one")]
    pub min: u32,
    #[serde(default = "one")]
    pub max: u32,
    /// Frame inputs that must be given with this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<FrameRole>,
    /// Frame inputs that must not be given with this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<FrameRole>,
    /// Options (without a default) that must not be given with this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes_options: Vec<String>,
    /// Values the options must have when this input is used.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub options: Map<String, Value>,
}

/// How many images a request gives for each frame input (`None`: the field is absent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrameRequest {
    pub start_frame: Option<usize>,
    pub end_frame: Option<usize>,
    pub references: Option<usize>,
}

impl FrameRequest {
    pub fn count(&self, role: FrameRole) -> Option<usize> {
        match role {
            FrameRole::StartFrame => self.start_frame,
            FrameRole::EndFrame => self.end_frame,
            FrameRole::References => self.references,
        }
    }
}

fn noun(role: FrameRole) -> &'static str {
    match role {
        FrameRole::StartFrame => "a start frame",
        FrameRole::EndFrame => "an end frame",
        FrameRole::References => "reference images",
    }
}

/// The loader's checks of a model's `frames`.
pub(super) fn check(m: &ModelSpec) -> Result<(), String> {
    if m.frames.is_empty() {
        return Ok(());
    }
    if !m.offers(ModelKind::Video) {
        return Err("`frames` on a model that makes no video".into());
    }
    let mut fields = std::collections::HashSet::new();
    for (role, f) in &m.frames {
        let at = format!("frames.{}", role.as_str());
        if f.field.is_empty() || f.field == "prompt" || !fields.insert(f.field.as_str()) {
            return Err(format!("{at}.field must name an input of its own"));
        }
        if f.min < 1 || f.min > f.max || f.max > MAX_FRAMES {
            return Err(format!("{at}: want 1 <= min <= max <= {MAX_FRAMES}"));
        }
        if !f.list && f.max != 1 {
            return Err(format!("{at}: a single-string input takes exactly one image"));
        }
        for other in f.requires.iter().chain(&f.excludes) {
            if other == role || !m.frames.contains_key(other) {
                return Err(format!("{at} names {}, not another frame input of the model", other.as_str()));
            }
        }
        if f.requires.iter().any(|r| f.excludes.contains(r)) {
            return Err(format!("{at} requires and excludes the same input"));
        }
        for (name, v) in &f.options {
            let spec = m
                .options
                .get(name)
                .ok_or_else(|| format!("{at}.options names unknown option {name}"))?;
            check_value(spec, v).map_err(|e| format!("{at}.options.{name}: {e}"))?;
        }
        for name in &f.excludes_options {
            // An option with a default is always sent: excluding it would refuse every request.
            match m.options.get(name) {
                Some(spec) if super::request::default_of(spec).is_none() && !f.options.contains_key(name) => {}
                _ => return Err(format!("{at}.excludes_options: {name} is not an option without a default")),
            }
        }
    }
    Ok(())
}

/// A request's frames checked against the model: which inputs it has, how many images each,
/// what each needs and refuses, and the option values each pins (`options` complete with
/// defaults). The error names the request field to fix.
pub(super) fn check_request(m: &ModelSpec, frames: &FrameRequest, options: &Map<String, Value>) -> Result<(), FieldError> {
    for role in FrameRole::ALL {
        let Some(n) = frames.count(role) else { continue };
        let field = role.request_field();
        let Some(input) = m.frames.get(&role) else {
            return Err(FieldError::new(field, format!("{} takes no {}", m.name, role.plain())));
        };
        if n < input.min as usize || n > input.max as usize {
            let want = if input.min == input.max {
                format!("exactly {}", input.min)
            } else {
                format!("{} to {}", input.min, input.max)
            };
            return Err(FieldError::new(
                field,
                format!("{} takes {want} {}; got {n}", m.name, role.unit(input.max)),
            ));
        }
        if let Some(missing) = input.requires.iter().find(|r| frames.count(**r).is_none()) {
            return Err(FieldError::new(
                field,
                format!("{} needs {} too", capital(noun(role)), noun(*missing)),
            ));
        }
        if let Some(clash) = input.excludes.iter().find(|r| frames.count(**r).is_some()) {
            return Err(FieldError::new(
                clash.request_field(),
                format!("{} cannot be combined with {}", capital(noun(*clash)), noun(role)),
            ));
        }
        if let Some(name) = input.excludes_options.iter().find(|o| options.contains_key(*o)) {
            return Err(FieldError::new(
                format!("options.{name}"),
                format!("{} cannot be combined with a {}", capital(noun(role)), name.replace('_', " ")),
            ));
        }
        for (name, want) in &input.options {
            if options.get(name) != Some(want) {
                return Err(FieldError::new(
                    format!("options.{name}"),
                    format!("with {} the {name} must be {}", noun(role), spell(want)),
                ));
            }
        }
    }
    Ok(())
}

fn spell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

impl FrameRole {
    fn plain(self) -> &'static str {
        match self {
            FrameRole::StartFrame => "start frame",
            FrameRole::EndFrame => "end frame",
            FrameRole::References => "reference images",
        }
    }
    fn unit(self, max: u32) -> &'static str {
        match (self, max) {
            (FrameRole::References, _) => "reference images",
            (_, 1) => "image",
            _ => "images",
        }
    }
}

impl ModelSpec {
    /// The Replicate `input` of a video job: the options and prompt as for any model, and each
    /// source URL in the input its role names (`roles[i]` is the role of `sources[i]`).
    pub fn frame_input(&self, prompt: &str, options: &Map<String, Value>, sources: &[String], roles: &[FrameRole]) -> Value {
        let mut input = self.replicate_input(prompt, options, &[]);
        for (role, spec) in &self.frames {
            let urls: Vec<&String> = sources.iter().zip(roles).filter(|(_, r)| *r == role).map(|(u, _)| u).collect();
            if urls.is_empty() {
                continue;
            }
            let value = if spec.list { json!(urls) } else { json!(urls[0]) };
            input[spec.field.as_str()] = value;
        }
        input
    }

    /// The Replicate `input` for a job: its frames when it has roles, else its sources.
    pub fn job_input(&self, job: &crate::domain::Job, sources: &[String]) -> Value {
        if job.source_roles.is_empty() {
            self.replicate_input(&job.prompt, &job.options, sources)
        } else {
            self.frame_input(&job.prompt, &job.options, sources, &job.source_roles)
        }
    }
}
