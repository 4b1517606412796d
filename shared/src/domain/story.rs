//! A visual story: one prompt told as 2–8 frames, each a scene with its caption, made by one
//! Seedream 4 prediction with sequential generation (docs/architecture.md, "Visual stories").
//! The captions are derived here, deterministically, from the prompt: no language model runs.
use super::text::clean_answer;
use super::{JobId, Micros, StoryId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub const MIN_STORY_FRAMES: u32 = 2;
pub const MAX_STORY_FRAMES: u32 = 8;
/// Characters of one caption; a longer scene is cut.
pub const MAX_CAPTION_CHARS: usize = 160;
/// The model every story runs on (its sequential generation keeps characters and style).
pub const STORY_MODEL: &str = "seedream-4";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub user_id: UserId,
    pub story_id: StoryId,
    /// The prompt as the user typed it (the job's prompt is the numbered scenes).
    pub prompt: String,
    pub frames: u32,
    /// One per frame, in order (untrusted text: cleaned and capped).
    pub captions: Vec<String>,
    pub model: String,
    /// The options as requested (the job adds `sequential_image_generation` and `max_images`).
    pub options: Map<String, Value>,
    pub job_id: JobId,
    pub estimated_micros: Micros,
    pub created_at: String,
}

impl Story {
    /// The `Story` object of the API (without its frames).
    pub fn to_api(&self) -> Value {
        json!({
            "id": self.story_id,
            "prompt": self.prompt,
            "frames": self.frames,
            "captions": self.captions,
            "model": self.model,
            "options": self.options,
            "job_id": self.job_id,
            "estimated_cost_usd": self.estimated_micros.usd(),
            "created_at": self.created_at,
        })
    }
}

/// 2–8 frames, or what is wrong (a 400 on `frames`).
pub fn check_story_frames(frames: i64) -> Result<u32, String> {
    if (i64::from(MIN_STORY_FRAMES)..=i64::from(MAX_STORY_FRAMES)).contains(&frames) {
        Ok(frames as u32)
    } else {
        Err(format!("a story has {MIN_STORY_FRAMES} to {MAX_STORY_FRAMES} frames; got {frames}"))
    }
}

/// The beats of a story arc; a story of `n` frames takes `n` of them, spread from first to last.
const BEATS: [&str; 8] = [
    "The beginning",
    "Setting out",
    "Something changes",
    "The challenge grows",
    "The turning point",
    "The hardest moment",
    "The way through",
    "The ending",
];

/// Cleans untrusted text for a caption: no control or invisible characters, one line, at most
/// [`MAX_CAPTION_CHARS`] characters.
pub fn clean_caption(raw: &str) -> String {
    let one_line = clean_answer(raw).replace('\n', " ");
    let squeezed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = squeezed.chars().take(MAX_CAPTION_CHARS).collect();
    if squeezed.chars().count() > MAX_CAPTION_CHARS {
        out.pop();
        out.push('…');
    }
    out
}

/// One caption per frame, in order. A prompt that already lists exactly `n` scenes (one per
/// line, numbering allowed) is told as written; otherwise every frame shows the prompt's
/// subject at one beat of a story arc, "2/4 · Something changes: a fox in a snowy forest".
pub fn story_captions(prompt: &str, n: u32) -> Vec<String> {
    let lines: Vec<String> = clean_answer(prompt)
        .lines()
        .map(super::text::strip_marker)
        .filter(|l| !l.is_empty())
        .map(clean_caption)
        .collect();
    if lines.len() == n as usize {
        return lines;
    }
    let subject = clean_caption(&lines.join(" "));
    (0..n as usize)
        .map(|i| {
            let beat = if n == 1 { 0 } else { i * (BEATS.len() - 1) / (n as usize - 1) };
            clean_caption(&format!("{}: {subject}", BEATS[beat]))
        })
        .collect()
}

/// The one prompt sent to the model: the whole story, then its scenes numbered, so one
/// sequential generation draws them in order with the same characters and style.
pub fn story_prompt(prompt: &str, captions: &[String]) -> String {
    let mut p = format!(
        "A visual story told in {} sequential images, one scene per image, in this order, with the \
         same characters, setting and art style in every image. Story: {}.",
        captions.len(),
        clean_answer(prompt)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
    );
    for (i, c) in captions.iter().enumerate() {
        p.push_str(&format!(" Image {}: {c}.", i + 1));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_to_eight_frames() {
        assert_eq!(check_story_frames(2), Ok(2));
        assert_eq!(check_story_frames(8), Ok(8));
        assert!(check_story_frames(1).is_err());
        assert!(check_story_frames(9).unwrap_err().contains("2 to 8"));
    }

    #[test]
    fn captions_follow_the_arc_in_order_and_name_the_subject() {
        let c = story_captions("a fox in a snowy forest", 4);
        assert_eq!(c.len(), 4);
        assert_eq!(c[0], "The beginning: a fox in a snowy forest");
        assert_eq!(c[3], "The ending: a fox in a snowy forest");
        assert!(c.iter().all(|x| x.ends_with("a fox in a snowy forest")));
        let mut distinct = c.clone();
        distinct.dedup();
        assert_eq!(distinct.len(), 4, "{c:?}");
        assert_eq!(story_captions("a fox", 8).len(), 8);
        assert_eq!(story_captions("a fox in a snowy forest", 4), c, "deterministic");
    }

    #[test]
    fn a_prompt_listing_the_scenes_is_told_as_written() {
        let c = story_captions("1. a fox wakes\n2. it hunts\n3) it sleeps", 3);
        assert_eq!(c, ["a fox wakes", "it hunts", "it sleeps"]);
        // A different count: the lines are one subject.
        let c = story_captions("a fox wakes\nit hunts", 3);
        assert_eq!(c[0], "The beginning: a fox wakes it hunts");
    }

    #[test]
    fn captions_are_capped_and_cleaned() {
        let c = story_captions(&format!("a\u{0}b\u{202E}c {}", "x".repeat(500)), 2);
        assert!(c.iter().all(|x| x.chars().count() <= MAX_CAPTION_CHARS));
        assert!(c[0].starts_with("The beginning: abc x"));
        assert!(c[0].ends_with('…'));
        assert!(!c.iter().any(|x| x.chars().any(char::is_control)));
    }

    #[test]
    fn the_model_prompt_numbers_every_scene() {
        let caps = story_captions("a fox", 3);
        let p = story_prompt("a fox", &caps);
        assert!(p.contains("3 sequential images"));
        assert!(p.contains("Image 1: The beginning: a fox."));
        assert!(p.contains("Image 3: The ending: a fox."));
    }
}
