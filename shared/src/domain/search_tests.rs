use super::*;

#[test]
fn words_are_folded_lowercased_and_each_kept_once() {
    assert_eq!(
        words("A Lighthouse, at the CAFÉ — café Straße, Ångström's 35mm"),
        ["lighthouse", "cafe", "strasse", "angstrom", "35mm"]
    );
    // Decomposed accents (e + U+0301) fold like composed ones.
    assert_eq!(words("Cafe\u{301} crème"), ["cafe", "creme"]);
    // Other scripts are kept, lowercased.
    assert_eq!(words("Москва 東京タワー"), ["москва", "東京タワー"]);
}

#[test]
fn an_asset_is_indexed_under_each_prefix_of_two_to_eight_characters() {
    let t = index_terms("Lighthouse at dusk");
    assert_eq!(
        t,
        ["li", "lig", "ligh", "light", "lighth", "lightho", "lighthou", "du", "dus", "dusk"]
    );
    // Shared prefixes are written once.
    let t = index_terms("light lighthouse lights");
    assert_eq!(t.iter().filter(|x| *x == "light").count(), 1);
    assert!(t.contains(&"lights".to_string()));
}

#[test]
fn a_typical_prompt_costs_about_fifty_terms() {
    // The figure docs/decisions/0004-search-index.md states for a typical prompt.
    let t = index_terms("a lighthouse on a rocky cliff at sunset, dramatic clouds, cinematic lighting, 35mm photo");
    assert_eq!(t.len(), 48, "{t:?}");
}

#[test]
fn a_long_prompt_is_capped_at_whole_words() {
    let prompt: String = (0..400).map(|i| format!("word{i:04}x ")).collect();
    let t = index_terms(&prompt);
    assert!(t.len() <= MAX_TERMS && t.len() > MAX_TERMS - MAX_PREFIX, "{}", t.len());
    // Every indexed word has all its prefixes: the last indexed word's 8-character term is there.
    let last = t.last().unwrap();
    assert_eq!(last.chars().count(), MAX_PREFIX);
}

#[test]
fn queries_match_word_prefixes_in_any_case_and_accent() {
    let q = SearchQuery::parse("LIGHT").unwrap().unwrap();
    assert!(q.matches("A lighthouse at dusk"));
    assert!(!q.matches("A flight at dusk"), "a prefix of a word, not any substring");
    let q = SearchQuery::parse("cafe").unwrap().unwrap();
    assert!(q.matches("Un CAFÉ à Paris"));
    let q = SearchQuery::parse("café paris").unwrap().unwrap();
    assert!(q.matches("paris cafe"));
    assert!(!q.matches("a cafe in rome"), "every word must match");
}

#[test]
fn long_query_words_read_their_eight_character_term_and_are_checked_in_full() {
    let q = SearchQuery::parse("photorealistic").unwrap().unwrap();
    assert_eq!(q.terms(), ["photorea"]);
    assert!(q.matches("photorealistic portrait"));
    assert!(!q.matches("photoreal portrait"));
}

#[test]
fn queries_without_a_searchable_word_search_nothing_and_bad_ones_are_refused() {
    assert_eq!(SearchQuery::parse("").unwrap(), None);
    assert_eq!(SearchQuery::parse("  the a , ").unwrap(), None);
    assert!(SearchQuery::parse(&"x".repeat(MAX_QUERY_CHARS + 1)).is_err());
    assert!(SearchQuery::parse("aa bb cc dd ee ff gg hh ii").is_err());
    // A word that prefixes another adds nothing; longest first.
    let q = SearchQuery::parse("light lighthouse sea").unwrap().unwrap();
    assert_eq!(q.terms(), ["lighthou", "sea"]);
}

#[test]
fn date_ranges_are_id_ranges_inclusive_of_both_days() {
    let r = IdRange::from_dates(Some("2026-12-01"), Some("2026-12-01")).unwrap();
    let at = |s: &str| {
        let ms = chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis() as u64;
        ulid::Ulid::from_parts(ms, u128::MAX).to_string()
    };
    let first = ulid::Ulid::from_parts(
        chrono::DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .unwrap()
            .timestamp_millis() as u64,
        0,
    )
    .to_string();
    assert!(r.contains(&first));
    assert!(r.contains(&format!("{}-3", at("2026-12-01T23:59:59.999Z"))));
    assert!(!r.contains(&at("2026-11-30T23:59:59.999Z")));
    assert!(!r.contains(&first.replace(&first[..10], &at("2026-12-02T00:00:00Z")[..10])));
    assert!(IdRange::from_dates(Some("2026-12-02"), Some("2026-12-01")).is_err());
    assert!(IdRange::from_dates(Some("2026-13-01"), None).is_err());
    assert!(IdRange::from_dates(None, Some("yesterday")).is_err());
    assert_eq!(IdRange::from_dates(None, None).unwrap(), IdRange::default());
}

#[test]
fn a_cursor_narrows_the_side_the_sort_reads_towards() {
    let r = IdRange {
        lo: Some("B".into()),
        hi: Some("Y".into()),
    };
    assert_eq!(r.resume(Some("M"), Sort::Newest).hi.as_deref(), Some("M"));
    assert_eq!(r.resume(Some("M"), Sort::Oldest).lo.as_deref(), Some("M"));
    assert_eq!(r.resume(Some("Z"), Sort::Newest).hi.as_deref(), Some("Y"));
    assert!(Sort::parse(Some("random")).is_err());
}
