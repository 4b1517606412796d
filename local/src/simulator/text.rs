//! What the simulated language model answers: deterministic rewrites of the prompt. Asked for
//! four (the system prompt says "four"), it writes four lines, one per direction; otherwise
//! one richer line. The `verbose` fault makes it ramble far past any sane length.

use serde_json::Value;

const DIRECTIONS: [&str; 4] = [
    "as a soft watercolor painting with loose brush strokes",
    "at golden hour, cinematic wide shot, warm rim light",
    "in a minimalist flat vector style, bold shapes, limited palette",
    "as a moody night scene, neon reflections on wet streets",
];
const ENHANCEMENT: &str =
    "highly detailed, soft natural light, rich textures, shallow depth of field, balanced composition, 35mm photograph";

/// The answer as Replicate streams it (pieces to be joined) and its token counts (about four
/// bytes a token, as the metrics of `input_token_count` and `output_token_count`).
pub struct Answer {
    pub pieces: Vec<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

pub fn answer(input: &Value, verbose: bool) -> Answer {
    let get = |k: &str| input.get(k).and_then(Value::as_str).unwrap_or("");
    let prompt = get("prompt").trim();
    let system = get("system_prompt");
    let text = if verbose {
        format!("{prompt}, {}", "and ever more detail ".repeat(600))
    } else if system.to_lowercase().contains("four") {
        DIRECTIONS.iter().map(|d| format!("{prompt}, {d}")).collect::<Vec<_>>().join("\n")
    } else {
        format!("{prompt}, {ENHANCEMENT}")
    };
    let mut pieces = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        cur.push(c);
        if c == ' ' || c == '\n' {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    let tokens = |s: &str| (s.len() as u64).div_ceil(4);
    Answer {
        input_tokens: tokens(system) + tokens(prompt) + 16,
        output_tokens: tokens(&text),
        pieces,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn four_directions_or_one_enhancement_deterministically() {
        let v = answer(&json!({"prompt": "a fox", "system_prompt": "Write four rewrites"}), false);
        let text: String = v.pieces.concat();
        assert_eq!(text.lines().count(), 4);
        assert!(text.lines().all(|l| l.starts_with("a fox, ")));
        let e = answer(&json!({"prompt": "a fox", "system_prompt": "Rewrite into one"}), false);
        assert_eq!(e.pieces.concat(), format!("a fox, {ENHANCEMENT}"));
        assert_eq!(answer(&json!({"prompt": "a fox"}), false).pieces, e.pieces);
        assert!(answer(&json!({"prompt": "a fox"}), true).pieces.concat().len() > 10_000);
        assert!(v.input_tokens > 0 && v.output_tokens > 0);
    }
}
