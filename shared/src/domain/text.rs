//! A language model's answer is untrusted text: it is cleaned (no control characters, no markup
//! meaning: the page shows it with `textContent`), capped in length, and split into at most a
//! few proposals before anyone sees it.

/// Characters of a model's whole answer that are looked at; the rest is cut.
pub const MAX_ANSWER_CHARS: usize = 4000;
/// Characters of one proposal (a prompt: the same limit as a prompt the user types).
pub const MAX_PROPOSAL_CHARS: usize = super::MAX_PROMPT_CHARS;
/// Proposals of a variation request.
pub const MAX_PROPOSALS: usize = 4;

/// The answer with control characters removed (newlines kept as line breaks, tabs as spaces)
/// and cut to [`MAX_ANSWER_CHARS`].
pub fn clean_answer(raw: &str) -> String {
    raw.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' | '\r' => Some(' '),
            c if c.is_control() => None,
            // Bidirectional overrides and zero-width characters can disguise what a text says.
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => None,
            c => Some(c),
        })
        .take(MAX_ANSWER_CHARS)
        .collect()
}

/// One proposal per non-empty line (list numbering, bullets and wrapping quotes removed), each
/// cut to [`MAX_PROPOSAL_CHARS`], at most `max`. A line that only introduces the list ("Here
/// are four variations:") is dropped.
pub fn proposals(answer: &str, max: usize) -> Vec<String> {
    clean_answer(answer)
        .lines()
        .map(strip_marker)
        .filter(|l| !l.is_empty() && !is_preamble(l))
        .map(|l| l.chars().take(MAX_PROPOSAL_CHARS).collect::<String>().trim().to_string())
        .take(max)
        .collect()
}

/// A line without its list marker ("1.", "2)", "-", "•") or wrapping quotes.
pub fn strip_marker(line: &str) -> &str {
    let mut l = line.trim();
    // "1." "2)" "3 -" "-" "*" "•"
    let digits = l.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits <= 2 {
        let rest = &l[digits..];
        if let Some(r) = rest
            .strip_prefix('.')
            .or_else(|| rest.strip_prefix(')'))
            .or_else(|| rest.strip_prefix(':'))
        {
            l = r.trim_start();
        }
    }
    for b in ["- ", "* ", "• "] {
        if let Some(r) = l.strip_prefix(b) {
            l = r.trim_start();
        }
    }
    let l = l.trim();
    for (a, b) in [('"', '"'), ('“', '”'), ('\'', '\'')] {
        if l.len() >= 2 && l.starts_with(a) && l.ends_with(b) {
            return l[a.len_utf8()..l.len() - b.len_utf8()].trim();
        }
    }
    l
}

fn is_preamble(line: &str) -> bool {
    line.ends_with(':') && line.chars().count() < 80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_invisible_characters_go_and_markup_stays_text() {
        let a = clean_answer("a\u{0}b\u{7}c\td\r\ne\u{202E}f\u{200B}g <img src=x onerror=alert(1)>");
        assert_eq!(a, "abc d \nefg <img src=x onerror=alert(1)>");
    }

    #[test]
    fn the_answer_is_capped() {
        let long = "x".repeat(MAX_ANSWER_CHARS * 3);
        assert_eq!(clean_answer(&long).chars().count(), MAX_ANSWER_CHARS);
        let one = proposals(&long, 4);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].chars().count(), MAX_PROPOSAL_CHARS);
    }

    #[test]
    fn lines_become_at_most_max_proposals_without_numbering() {
        let p = proposals(
            "Here are four variations:\n\n1. \"a fox at dawn\"\n2) a fox, watercolor\n- a fox in neon\n* a fox, macro\n5. a fifth",
            4,
        );
        assert_eq!(p, ["a fox at dawn", "a fox, watercolor", "a fox in neon", "a fox, macro"]);
        assert!(proposals("\n \n\u{0}", 4).is_empty());
        assert_eq!(proposals("2026 was a year", 4), ["2026 was a year"]);
    }
}
