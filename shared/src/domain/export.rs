//! Zips to take home: a selection of the gallery as one zip, or an export of everything (every
//! asset, `metadata.json`, `usage.csv`). Both are one record (`export#{id}` in the `usage`
//! table's user partition, docs/data-model.md) built by the worker into one S3 object under the
//! user's prefix, kept [`KEEP_SECS`] and handed over as a short-lived signed link.
use super::{AssetId, UserId};
use crate::domain::Micros;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Duration;

/// The most assets one selection zip takes (the gallery's selection limit).
pub const MAX_SELECTION: usize = 500;
/// The most bytes of files one zip holds, selection or export. The worker builds a zip in one
/// invocation (its routes.json timeout, 300 s), so a zip is bounded by what that copies; past
/// it the start is refused with a 400 naming the limit.
pub const MAX_ZIP_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// How long a built zip is kept (the record's expiry; the bucket's `expire-exports` rule removes
/// the object by its `export=true` tag a day after it was written).
pub const KEEP_SECS: i64 = 24 * 3600;
/// The size of each multipart part the worker uploads (S3: at least 5 MiB but the last).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The assets the user selected in the gallery.
    Selection,
    /// Every asset of the user, with `metadata.json` and `usage.csv`.
    Everything,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportState {
    Building,
    Done,
    Failed,
}

/// One zip: what it holds, how far its build is, and where it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub user_id: UserId,
    pub export_id: String,
    pub kind: ExportKind,
    /// The selected assets (a selection); empty for an export of everything.
    #[serde(default)]
    pub asset_ids: Vec<AssetId>,
    pub state: ExportState,
    pub files_done: u32,
    pub files_total: u32,
    /// Assets that were asked for but not found when the zip was built (deleted, trashed or
    /// their file gone): left out, and named here.
    #[serde(default)]
    pub skipped: Vec<AssetId>,
    /// The zip's size once built.
    #[serde(default)]
    pub bytes: u64,
    pub created_at: String,
    /// Epoch seconds after which the zip is gone (created + [`KEEP_SECS`]).
    pub expires_at: i64,
    /// A failed build's message for the user.
    #[serde(default)]
    pub error: Option<String>,
    /// SHA-256 of the request, for the Idempotency-Key's replay check.
    #[serde(default)]
    pub request_hash: String,
}

impl Export {
    /// The S3 key of the zip: under the user's prefix, like every object of theirs.
    pub fn zip_key(&self) -> String {
        format!("users/{}/exports/{}.zip", self.user_id.as_str(), self.export_id)
    }

    /// The name the zip downloads as: `visual-neurons-selection-2026-12-06.zip`.
    pub fn file_name(&self) -> String {
        let what = match self.kind {
            ExportKind::Selection => "selection",
            ExportKind::Everything => "export",
        };
        format!("visual-neurons-{what}-{}.zip", self.created_at.get(..10).unwrap_or("zip"))
    }

    /// The API view (the signed link is added by the caller when the zip is done).
    pub fn export_api(&self, url: Option<&str>) -> serde_json::Value {
        serde_json::json!({
            "id": self.export_id,
            "kind": self.kind,
            "state": self.state,
            "files_done": self.files_done,
            "files_total": self.files_total,
            "skipped": self.skipped,
            "bytes": self.bytes,
            "created_at": self.created_at,
            "expires_at": chrono::DateTime::from_timestamp(self.expires_at, 0).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "error": self.error,
            "file_name": self.file_name(),
            "url": url,
        })
    }
}

/// Why a selection is refused (400, naming `asset_ids`).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectionError {
    #[error("select at least one asset")]
    Empty,
    #[error("a zip takes at most {MAX_SELECTION} assets; {0} were selected")]
    TooMany(usize),
    #[error("{0:?} is not an asset id")]
    BadId(String),
}

/// The selected ids, parsed, duplicates dropped, in the order given.
pub fn parse_selection(ids: &[String]) -> Result<Vec<AssetId>, SelectionError> {
    if ids.is_empty() {
        return Err(SelectionError::Empty);
    }
    if ids.len() > MAX_SELECTION {
        return Err(SelectionError::TooMany(ids.len()));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for raw in ids {
        let id = AssetId::parse(raw).ok_or_else(|| SelectionError::BadId(raw.chars().take(64).collect()))?;
        if seen.insert(id.clone()) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The message for a zip past [`MAX_ZIP_BYTES`].
pub fn too_big(bytes: u64) -> String {
    format!(
        "a zip holds at most {} MiB of files; this one would hold {} MiB (select fewer, or delete what you don't need before exporting)",
        MAX_ZIP_BYTES >> 20,
        bytes.div_ceil(1 << 20)
    )
}

/// The most time kept free before the worker's deadline when a zip starts its next file: for
/// that file, the central directory, the last part, completing the upload and the record's last
/// write.
pub const FINISH_RESERVE: Duration = Duration::from_secs(30);

/// Whether a build with `left` of the `budget` it started with stops before its next file: when
/// less than [`FINISH_RESERVE`] (or a tenth of a shorter budget, as in the local stack's 30 s
/// worker) is left. Such a build fails with [`out_of_time`]: the worker's timeout bounds a zip
/// as much as [`MAX_ZIP_BYTES`] does.
pub fn time_to_stop(left: Duration, budget: Duration) -> bool {
    left < FINISH_RESERVE.min(budget / 10)
}

/// The message for a build that ran out of the worker's time after `done` of `total` files.
pub fn out_of_time(done: u32, total: u32) -> String {
    format!(
        "the zip could not be finished in the time one build may take: {done} of {total} files were copied; select fewer files and try again"
    )
}

/// Names inside a zip, unique: a name already used gets `-2`, `-3`… before its extension.
#[derive(Default)]
pub struct UniqueNames(HashSet<String>);

impl UniqueNames {
    pub fn take(&mut self, name: &str) -> String {
        if self.0.insert(name.to_string()) {
            return name.to_string();
        }
        let (stem, ext) = name.rsplit_once('.').map_or((name, ""), |(s, e)| (s, e));
        (2..)
            .map(|n| {
                if ext.is_empty() {
                    format!("{stem}-{n}")
                } else {
                    format!("{stem}-{n}.{ext}")
                }
            })
            .find(|c| self.0.insert(c.clone()))
            .expect("an unused name")
    }
}

/// An amount of micro-dollars as an exact decimal string of dollars: `40000` → `0.040000`.
pub fn usd_exact(m: Micros) -> String {
    let sign = if m.0 < 0 { "-" } else { "" };
    let abs = m.0.unsigned_abs();
    format!("{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
}

/// One row of `usage.csv`: a day, a model, the jobs settled and what they cost.
pub struct UsageRow<'a> {
    pub date: &'a str,
    pub model: &'a str,
    pub jobs: i64,
    pub spent: Micros,
}

/// `usage.csv`: `date,model,jobs,usd` with exact decimal dollars, rows in the order given.
pub fn usage_csv<'a>(rows: impl IntoIterator<Item = UsageRow<'a>>) -> String {
    let mut out = String::from("date,model,jobs,usd\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            csv_field(r.date),
            csv_field(r.model),
            r.jobs,
            usd_exact(r.spent)
        ));
    }
    out
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_are_bounded_and_parsed() {
        assert_eq!(parse_selection(&[]), Err(SelectionError::Empty));
        let many: Vec<String> = (0..=MAX_SELECTION).map(|_| AssetId::new().as_str().to_string()).collect();
        assert_eq!(parse_selection(&many), Err(SelectionError::TooMany(MAX_SELECTION + 1)));
        assert_eq!(parse_selection(&many[..MAX_SELECTION]).unwrap().len(), MAX_SELECTION);
        assert!(matches!(parse_selection(&["../x".into()]), Err(SelectionError::BadId(_))));
        let a = AssetId::new().as_str().to_string();
        assert_eq!(parse_selection(&[a.clone(), a.clone()]).unwrap().len(), 1);
    }

    #[test]
    fn a_zips_parts_fit_s3s_multipart_rules() {
        // Every part but the last is PART_BYTES: at least S3's 5 MiB and at most 5 GiB.
        assert!(PART_BYTES >= 5 << 20 && (PART_BYTES as u64) <= 5 << 30);
        // The largest zip (its files plus headers, descriptors and the central directory of
        // MAX_SELECTION entries, a few hundred bytes each) stays far under 10,000 parts.
        let largest = MAX_ZIP_BYTES + MAX_SELECTION as u64 * 1024;
        assert!(largest.div_ceil(PART_BYTES as u64) <= 10_000 / 10);
    }

    #[test]
    fn a_build_stops_before_a_file_when_its_time_is_nearly_out() {
        let s = Duration::from_secs;
        // The worker's 300 s in AWS: 30 s are kept.
        assert!(!time_to_stop(s(31), s(300)));
        assert!(time_to_stop(s(29), s(300)));
        // The local stack's 30 s worker: a tenth.
        assert!(!time_to_stop(s(4), s(30)));
        assert!(time_to_stop(Duration::from_millis(2900), s(30)));
        assert!(out_of_time(120, 500).contains("120 of 500 files"));
    }

    #[test]
    fn names_in_a_zip_are_unique() {
        let mut n = UniqueNames::default();
        assert_eq!(n.take("a.png"), "a.png");
        assert_eq!(n.take("a.png"), "a-2.png");
        assert_eq!(n.take("a.png"), "a-3.png");
        assert_eq!(n.take("a-2.png"), "a-2-2.png");
        assert_eq!(n.take("noext"), "noext");
        assert_eq!(n.take("noext"), "noext-2");
    }

    #[test]
    fn usage_csv_has_exact_decimal_dollars() {
        assert_eq!(usd_exact(Micros(40_000)), "0.040000");
        assert_eq!(usd_exact(Micros(12_345_678)), "12.345678");
        assert_eq!(usd_exact(Micros(-5)), "-0.000005");
        assert_eq!(usd_exact(Micros(i64::MIN)), "-9223372036854.775808");
        let csv = usage_csv([
            UsageRow {
                date: "2026-12-01",
                model: "flux-schnell",
                jobs: 3,
                spent: Micros(9_000),
            },
            UsageRow {
                date: "2026-12-02",
                model: "a,b",
                jobs: 1,
                spent: Micros(1_000_000),
            },
        ]);
        assert_eq!(
            csv,
            "date,model,jobs,usd\n2026-12-01,flux-schnell,3,0.009000\n2026-12-02,\"a,b\",1,1.000000\n"
        );
    }

    #[test]
    fn a_zip_lives_under_its_owner_and_downloads_by_kind_and_date() {
        let e = Export {
            user_id: UserId::parse("u1").unwrap(),
            export_id: "01JEXPORT".into(),
            kind: ExportKind::Everything,
            asset_ids: vec![],
            state: ExportState::Building,
            files_done: 0,
            files_total: 0,
            skipped: vec![],
            bytes: 0,
            created_at: "2026-12-06T20:00:00.000Z".into(),
            expires_at: 0,
            error: None,
            request_hash: String::new(),
        };
        assert_eq!(e.zip_key(), "users/u1/exports/01JEXPORT.zip");
        assert_eq!(e.file_name(), "visual-neurons-export-2026-12-06.zip");
    }
}
