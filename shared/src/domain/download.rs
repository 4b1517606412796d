//! The file name a download is saved under (Content-Disposition of `download_url`): a slug of
//! the prompt, the asset id and the extension, e.g. `a-red-fox-in-snow-01J…-0.png`; an upload
//! keeps its original file name's stem (sanitised), else `upload`.
use super::{Asset, AssetSource};

/// The longest slug kept from a prompt or a file name (characters, all ASCII).
pub const MAX_SLUG: usize = 48;

/// Lowercase ASCII letters and digits, runs of anything else as one dash, no dash at either
/// end, at most `MAX_SLUG` characters (cut at a dash when one is near). Accented Latin letters
/// lose their accent; other scripts are dropped. Empty when nothing usable is left.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.chars() {
        let base = fold(c);
        match base {
            Some(b) if b.is_ascii_alphanumeric() => {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(b.to_ascii_lowercase());
            }
            _ => dash = true,
        }
        if out.len() >= MAX_SLUG {
            break;
        }
    }
    if out.len() > MAX_SLUG {
        out.truncate(MAX_SLUG);
    }
    if out.len() == MAX_SLUG
        && let Some(cut) = out.rfind('-').filter(|i| *i >= MAX_SLUG / 2)
    {
        out.truncate(cut);
    }
    out.trim_matches('-').to_string()
}

/// The ASCII letter of a common accented Latin letter (é → e), the char itself when ASCII.
fn fold(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c);
    }
    const MAP: [(&str, char); 12] = [
        ("àáâãäåāą", 'a'),
        ("çćč", 'c'),
        ("èéêëēęě", 'e'),
        ("ìíîïī", 'i'),
        ("ñńň", 'n'),
        ("òóôõöøō", 'o'),
        ("ùúûüůū", 'u'),
        ("ýÿ", 'y'),
        ("śšß", 's'),
        ("źżž", 'z'),
        ("ł", 'l'),
        ("ř", 'r'),
    ];
    let lower = c.to_lowercase().next()?;
    MAP.iter().find(|(set, _)| set.contains(lower)).map(|(_, b)| *b)
}

/// The download file name of an asset: `{slug}-{id}.{ext}` (`ext` from its object key).
pub fn download_name(a: &Asset) -> String {
    let ext = a.s3_key.rsplit_once('.').map_or("bin", |(_, e)| e);
    let ext = if !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        ext
    } else {
        "bin"
    };
    let stem = match a.source {
        AssetSource::Upload => {
            let s = a.filename.as_deref().map(|f| slug(f.rsplit_once('.').map_or(f, |(stem, _)| stem)));
            s.filter(|s| !s.is_empty()).unwrap_or_else(|| "upload".into())
        }
        AssetSource::Generated => a.prompt.as_deref().map(slug).unwrap_or_default(),
    };
    if stem.is_empty() {
        format!("{}.{ext}", a.asset_id)
    } else {
        format!("{stem}-{}.{ext}", a.asset_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AssetId, AssetKind, UserId};

    #[test]
    fn slugs_are_lowercase_ascii_with_single_dashes() {
        assert_eq!(slug("A red fox in snow"), "a-red-fox-in-snow");
        assert_eq!(slug("  \"Quoted\" 'fox'; rm -rf / && echo  "), "quoted-fox-rm-rf-echo");
        assert_eq!(slug("Crème brûlée à Noël"), "creme-brulee-a-noel");
        assert_eq!(slug("東京の夜 neon"), "neon");
        assert_eq!(slug("東京の夜"), "");
        assert_eq!(slug(""), "");
        assert_eq!(slug("--__--"), "");
        assert_eq!(slug("a\r\nb\tc/..\\d"), "a-b-c-d");
    }

    #[test]
    fn long_prompts_are_cut_at_a_word_within_the_bound() {
        let long = "a majestic red fox standing in deep fresh snow at dawn, cinematic lighting, 8k ".repeat(20);
        let s = slug(&long);
        assert!(s.len() <= MAX_SLUG, "{s}");
        assert!(s.starts_with("a-majestic-red-fox"), "{s}");
        assert!(!s.ends_with('-'), "{s}");
        assert_eq!(s, "a-majestic-red-fox-standing-in-deep-fresh-snow");
        let word = "x".repeat(500);
        assert_eq!(slug(&word).len(), MAX_SLUG);
    }

    fn asset(source: AssetSource, prompt: Option<&str>, filename: Option<&str>, key: &str) -> Asset {
        Asset {
            user_id: UserId::parse("u1").unwrap(),
            asset_id: AssetId::new(),
            kind: AssetKind::Image,
            source,
            model: None,
            prompt: prompt.map(str::to_string),
            parent_ids: vec![],
            job_id: None,
            saved: false,
            content_type: "image/png".into(),
            bytes: 1,
            width: None,
            height: None,
            duration_s: None,
            created_at: "2026-11-01T00:00:00.000Z".into(),
            s3_key: key.into(),
            filename: filename.map(str::to_string),
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        }
    }

    #[test]
    fn download_names_carry_slug_id_and_extension() {
        let a = asset(AssetSource::Generated, Some("A red fox in snow"), None, "users/u/assets/x.png");
        assert_eq!(download_name(&a), format!("a-red-fox-in-snow-{}.png", a.asset_id));
        let empty = asset(AssetSource::Generated, Some("東京"), None, "users/u/assets/x.webp");
        assert_eq!(download_name(&empty), format!("{}.webp", empty.asset_id));
        let up = asset(AssetSource::Upload, None, Some("Holiday Photo (1).JPG"), "users/u/assets/x.jpg");
        assert_eq!(download_name(&up), format!("holiday-photo-1-{}.jpg", up.asset_id));
        let anon = asset(AssetSource::Upload, None, None, "users/u/assets/x.png");
        assert_eq!(download_name(&anon), format!("upload-{}.png", anon.asset_id));
        let odd = asset(AssetSource::Upload, None, Some("\"..\".png"), "users/u/assets/x.png");
        assert_eq!(download_name(&odd), format!("upload-{}.png", odd.asset_id));
    }
}
