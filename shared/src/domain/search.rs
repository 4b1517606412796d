//! Prompt search (docs/decisions/0004-search-index.md): how a prompt becomes index terms, how a
//! query becomes the terms it reads, and the id range of a date filter. Plain Rust, no AWS.
//!
//! A word is a run of letters or digits, lowercased, Latin diacritics folded ("Café" → "cafe").
//! An asset is indexed under every prefix of 2 to [`MAX_PREFIX`] characters of each word of its
//! prompt (stop words and one-character words left out), at most [`MAX_TERMS`] terms, whole
//! words only. A query word matches a prompt word it is a prefix of; several words must all match.
//! A query word longer than [`MAX_PREFIX`] reads its first [`MAX_PREFIX`] characters' term and
//! the candidates are checked against the prompt itself, so answers are exact.
use chrono::{NaiveDate, NaiveTime};

/// The index layout version an indexed asset carries (`search_v`); a backfill re-indexes assets
/// without it.
pub const INDEX_VERSION: i64 = 1;
/// Shortest indexed prefix (and shortest query word that is looked up).
pub const MIN_WORD: usize = 2;
/// Longest indexed prefix, in characters.
pub const MAX_PREFIX: usize = 8;
/// Most terms (prefix items) of one asset.
pub const MAX_TERMS: usize = 400;
/// Most characters of `q`.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most words of `q` that are looked up.
pub const MAX_QUERY_WORDS: usize = 8;

/// Words too common to narrow a search: not indexed, dropped from queries.
const STOP_WORDS: &[&str] = &[
    "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its", "of", "on", "or", "the", "to", "with",
];

/// One character, lowercased and folded, appended to `out`; false when it is not part of a word.
fn push_folded(c: char, out: &mut String) -> bool {
    if ('\u{0300}'..='\u{036f}').contains(&c) {
        return true; // a combining accent (decomposed input): dropped, the word goes on
    }
    if !c.is_alphanumeric() {
        return false;
    }
    let folded = match c {
        'à'..='å' | 'À'..='Å' | 'ā' | 'Ā' | 'ă' | 'Ă' | 'ą' | 'Ą' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' | 'ć' | 'Ć' | 'č' | 'Č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'Ď' | 'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'è'..='ë' | 'È'..='Ë' | 'ē' | 'Ē' | 'ę' | 'Ę' | 'ě' | 'Ě' | 'ė' | 'Ė' => "e",
        'ğ' | 'Ğ' | 'ģ' | 'Ģ' => "g",
        'ì'..='ï' | 'Ì'..='Ï' | 'ī' | 'Ī' | 'į' | 'Į' | 'ı' | 'İ' => "i",
        'ł' | 'Ł' | 'ľ' | 'Ľ' | 'ļ' | 'Ļ' | 'ĺ' | 'Ĺ' => "l",
        'ñ' | 'Ñ' | 'ń' | 'Ń' | 'ň' | 'Ň' | 'ņ' | 'Ņ' => "n",
        'ò'..='ö' | 'Ò'..='Ö' | 'ø' | 'Ø' | 'ō' | 'Ō' | 'ő' | 'Ő' => "o",
        'œ' | 'Œ' => "oe",
        'ř' | 'Ř' | 'ŕ' | 'Ŕ' => "r",
        'ś' | 'Ś' | 'š' | 'Š' | 'ş' | 'Ş' | 'ș' | 'Ș' => "s",
        'ß' => "ss",
        'ť' | 'Ť' | 'ţ' | 'Ţ' | 'ț' | 'Ț' => "t",
        'þ' | 'Þ' => "th",
        'ù'..='ü' | 'Ù'..='Ü' | 'ū' | 'Ū' | 'ů' | 'Ů' | 'ű' | 'Ű' | 'ų' | 'Ų' => "u",
        'ý' | 'Ý' | 'ÿ' | 'Ÿ' => "y",
        'ź' | 'Ź' | 'ż' | 'Ż' | 'ž' | 'Ž' => "z",
        _ => {
            out.extend(c.to_lowercase());
            return true;
        }
    };
    out.push_str(folded);
    true
}

/// The words of `text`, folded, in order of first appearance, each once; stop words and
/// one-character words left out.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut flush = |word: &mut String| {
        let w = std::mem::take(word);
        if w.chars().count() >= MIN_WORD && !STOP_WORDS.contains(&w.as_str()) && !out.contains(&w) {
            out.push(w);
        }
    };
    for c in text.chars() {
        if !push_folded(c, &mut word) {
            flush(&mut word);
        }
    }
    flush(&mut word);
    out
}

/// The first `n` characters of `w`.
fn prefix(w: &str, n: usize) -> &str {
    w.char_indices().nth(n).map_or(w, |(i, _)| &w[..i])
}

/// The terms an asset with this prompt is indexed under: each prefix of 2 to [`MAX_PREFIX`]
/// characters of each word, each once, in prompt order; words whose new prefixes no longer fit
/// in [`MAX_TERMS`] are left out whole (so a word is either fully searchable or not at all).
pub fn index_terms(prompt: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for w in words(prompt) {
        let len = w.chars().count().min(MAX_PREFIX);
        let new: Vec<String> = (MIN_WORD..=len)
            .map(|n| prefix(&w, n).to_string())
            .filter(|p| !terms.contains(p))
            .collect();
        if terms.len() + new.len() > MAX_TERMS {
            break;
        }
        terms.extend(new);
    }
    terms
}

/// A parsed `q`: the words every result's prompt must have a word starting with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    words: Vec<String>,
}

impl SearchQuery {
    /// `q` as typed. None when it has no word to look up (empty, or only stop words and single
    /// characters): the gallery is then not searched. Err: a message for a 400 on `q`.
    pub fn parse(q: &str) -> Result<Option<SearchQuery>, String> {
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(format!("q is at most {MAX_QUERY_CHARS} characters"));
        }
        let all = words(q);
        // A word that is a prefix of another query word adds nothing ("light lighthouse").
        let mut kept: Vec<String> = all
            .iter()
            .filter(|w| !all.iter().any(|o| o != *w && o.starts_with(w.as_str())))
            .cloned()
            .collect();
        if kept.len() > MAX_QUERY_WORDS {
            return Err(format!("q has at most {MAX_QUERY_WORDS} words"));
        }
        // The longest words first: they are the rarest terms, the join reads them first.
        kept.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        Ok((!kept.is_empty()).then_some(SearchQuery { words: kept }))
    }

    /// The index terms to read: each word cut to [`MAX_PREFIX`], each once.
    pub fn terms(&self) -> Vec<String> {
        let mut t: Vec<String> = Vec::new();
        for w in &self.words {
            let p = prefix(w, MAX_PREFIX).to_string();
            if !t.contains(&p) {
                t.push(p);
            }
        }
        t
    }

    /// Whether a prompt answers the query: each query word starts some word of the prompt.
    pub fn matches(&self, prompt: &str) -> bool {
        let have = words(prompt);
        self.words.iter().all(|q| have.iter().any(|w| w.starts_with(q.as_str())))
    }
}

/// Newest first (descending asset id, the default) or oldest first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
}

impl Sort {
    pub fn parse(s: Option<&str>) -> Result<Sort, String> {
        match s {
            None | Some("newest") => Ok(Sort::Newest),
            Some("oldest") => Ok(Sort::Oldest),
            Some(_) => Err("sort must be newest or oldest".into()),
        }
    }
    pub fn forward(self) -> bool {
        self == Sort::Oldest
    }
}

/// An inclusive range of asset ids: ULIDs sort by creation time, so a date range is a key range.
/// `lo`/`hi` None: open on that side.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdRange {
    pub lo: Option<String>,
    pub hi: Option<String>,
}

/// The first characters of every ULID made at or after `ms` (its 10-character time part).
fn time_part(ms: u64) -> String {
    ulid::Ulid::from_parts(ms, 0).to_string()[..10].to_string()
}

fn parse_day(field: &str, s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| s.len() == 10 && (2000..=9999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| format!("{field} must be a date YYYY-MM-DD (year 2000 to 9999)"))
}

fn day_ms(d: NaiveDate) -> u64 {
    d.and_time(NaiveTime::MIN).and_utc().timestamp_millis().max(0) as u64
}

impl IdRange {
    /// `from` and `to` (`YYYY-MM-DD`, inclusive, UTC). Err: (field, message) for a 400.
    pub fn from_dates(from: Option<&str>, to: Option<&str>) -> Result<IdRange, (&'static str, String)> {
        let from = from.map(|f| parse_day("from", f).map_err(|m| ("from", m))).transpose()?;
        let to = to.map(|t| parse_day("to", t).map_err(|m| ("to", m))).transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(("from", "from must not be after to".into()));
        }
        Ok(IdRange {
            lo: from.map(|f| time_part(day_ms(f))),
            // Every id of the last millisecond of `to` sorts below its time part followed by '~'.
            hi: to.map(|t| format!("{}~", time_part(day_ms(t + chrono::Days::new(1)) - 1))),
        })
    }

    /// Narrowed by a cursor: the page resumes past `after` (inclusive bound; the reader drops
    /// `after` itself), below it newest first, above it oldest first.
    pub fn resume(&self, after: Option<&str>, sort: Sort) -> IdRange {
        let mut r = self.clone();
        if let Some(a) = after {
            let side = if sort.forward() { &mut r.lo } else { &mut r.hi };
            if side.as_deref().is_none_or(|b| (a < b) != sort.forward()) {
                *side = Some(a.to_string());
            }
        }
        r
    }

    pub fn contains(&self, id: &str) -> bool {
        self.lo.as_deref().is_none_or(|l| id >= l) && self.hi.as_deref().is_none_or(|h| id <= h)
    }
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
