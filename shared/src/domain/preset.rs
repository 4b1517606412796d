//! Style presets (docs/data-model.md, "Style presets"): a model's options and an optional
//! prompt suffix saved under a name, per user, so they follow the user to any browser. Applying
//! one to another model is the catalog's rule (catalog::fit_options).
use super::PresetId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The most presets one user may have.
pub const MAX_PRESETS: u64 = 50;
/// The longest preset name, in characters (after trimming).
pub const MAX_PRESET_NAME_CHARS: usize = 60;
/// The longest prompt suffix, in characters (after trimming).
pub const MAX_SUFFIX_CHARS: usize = 500;

/// One preset (`preset#{id}` in the user's usage partition).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    pub preset_id: PresetId,
    pub name: String,
    /// The model it was saved on (its options are that model's).
    pub model: String,
    #[serde(default)]
    pub options: Map<String, Value>,
    #[serde(default)]
    pub prompt_suffix: String,
    pub created_at: String,
    pub updated_at: String,
}

impl Preset {
    /// The `Preset` object of api.md.
    pub fn to_api(&self) -> Value {
        json!({
            "id": self.preset_id,
            "name": self.name,
            "model": self.model,
            "options": self.options,
            "prompt_suffix": self.prompt_suffix,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// A rule a preset broke: the field and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PresetRuleError {
    pub field: &'static str,
    pub message: String,
}

fn rule(field: &'static str, message: String) -> PresetRuleError {
    PresetRuleError { field, message }
}

/// A preset name, trimmed: 1–60 characters, no control characters.
pub fn check_preset_name(raw: &str) -> Result<String, PresetRuleError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(rule("name", "name must not be empty".into()));
    }
    if name.chars().count() > MAX_PRESET_NAME_CHARS {
        return Err(rule("name", format!("name must be at most {MAX_PRESET_NAME_CHARS} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(rule("name", "name must not contain control characters".into()));
    }
    Ok(name.to_string())
}

/// A prompt suffix, trimmed: empty or up to 500 characters, no control characters.
pub fn check_suffix(raw: &str) -> Result<String, PresetRuleError> {
    let suffix = raw.trim();
    if suffix.chars().count() > MAX_SUFFIX_CHARS {
        return Err(rule(
            "prompt_suffix",
            format!("prompt_suffix must be at most {MAX_SUFFIX_CHARS} characters"),
        ));
    }
    if suffix.chars().any(char::is_control) {
        return Err(rule("prompt_suffix", "prompt_suffix must not contain control characters".into()));
    }
    Ok(suffix.to_string())
}

/// What makes two names the same name: case and runs of spaces do not count ("Moody  Dusk" and
/// "moody dusk" clash). The key of the user's claim on a name.
pub fn name_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_preset_name("  Moody dusk ").unwrap(), "Moody dusk");
        assert_eq!(check_preset_name(" ").unwrap_err().field, "name");
        assert!(check_preset_name(&"é".repeat(MAX_PRESET_NAME_CHARS)).is_ok());
        assert!(check_preset_name(&"é".repeat(MAX_PRESET_NAME_CHARS + 1)).is_err());
        assert!(check_preset_name("a\nb").is_err());
    }

    #[test]
    fn suffixes_may_be_empty_and_are_bounded() {
        assert_eq!(check_suffix("  ").unwrap(), "");
        assert_eq!(check_suffix(" , film grain ").unwrap(), ", film grain");
        assert!(check_suffix(&"x".repeat(MAX_SUFFIX_CHARS)).is_ok());
        let e = check_suffix(&"x".repeat(MAX_SUFFIX_CHARS + 1)).unwrap_err();
        assert_eq!(e.field, "prompt_suffix");
        assert!(check_suffix("a\u{7}").is_err());
    }

    #[test]
    fn names_clash_whatever_their_case_and_spacing() {
        assert_eq!(name_key("Moody  Dusk"), name_key("moody dusk"));
        assert_eq!(name_key("ÉTÉ"), name_key("été"));
        assert_ne!(name_key("Moody dusk"), name_key("Moody dusk 2"));
    }
}
