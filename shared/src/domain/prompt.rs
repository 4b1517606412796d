use serde::Serialize;

pub const MAX_PROMPT_CHARS: usize = 2000;

/// A prompt a model will receive: trimmed, not empty (unless the model allows it), at most
/// [`MAX_PROMPT_CHARS`] characters (Unicode scalar values, not bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Prompt(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PromptError {
    #[error("prompt must not be empty")]
    Empty,
    #[error("prompt is {0} characters; the maximum is {MAX_PROMPT_CHARS}")]
    TooLong(usize),
    #[error("prompt contains control characters")]
    ControlChars,
}

impl Prompt {
    pub fn parse(raw: &str, allow_empty: bool) -> Result<Self, PromptError> {
        let s = raw.trim();
        if s.is_empty() && !allow_empty {
            return Err(PromptError::Empty);
        }
        let n = s.chars().count();
        if n > MAX_PROMPT_CHARS {
            return Err(PromptError::TooLong(n));
        }
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
            return Err(PromptError::ControlChars);
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_in_characters() {
        assert_eq!(Prompt::parse("  a cat  ", false).unwrap().as_str(), "a cat");
        assert_eq!(Prompt::parse("   ", false), Err(PromptError::Empty));
        assert!(Prompt::parse("", true).is_ok());
        let max = "é".repeat(MAX_PROMPT_CHARS);
        assert!(Prompt::parse(&max, false).is_ok());
        assert_eq!(Prompt::parse(&format!("{max}x"), false), Err(PromptError::TooLong(2001)));
        assert_eq!(Prompt::parse("a\u{0}b", false), Err(PromptError::ControlChars));
    }
}
