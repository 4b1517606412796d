//! What a provider says it delivered, bounded before it is stored or queued. A succeeded
//! prediction's `output` comes from the webhook body (up to 1 MiB) or the provider's API, and
//! its URLs are written on the job item (DynamoDB: 400 KB an item) and into the copy message
//! (SQS: 256 KiB a message). Only what the job can use is kept: at most the outputs the user
//! asked (and reserved money) for, each URL at most [`MAX_OUTPUT_URL_BYTES`]. The rest is
//! dropped; the caller logs how many, never the URLs.

/// The longest output URL kept. Replicate's delivery URLs are about 100 bytes
/// (`https://replicate.delivery/xezq/<id>/out-0.png`); 2 KiB is the common practical URL limit.
pub const MAX_OUTPUT_URL_BYTES: usize = 2048;

/// A ceiling on the outputs of one job, whatever its options say: Replicate's own largest
/// count (`max_images` of Seedream 4, inputs and outputs together) is 15. The catalog's counts
/// and a story's frames stay below it (a test checks), so it never cuts what a user paid for;
/// it bounds what a job item and a copy message can hold by construction.
pub const MAX_OUTPUTS_PER_JOB: usize = 15;

/// The outputs kept, and how many were dropped and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeptOutputs {
    pub urls: Vec<String>,
    /// URLs longer than [`MAX_OUTPUT_URL_BYTES`].
    pub too_long: usize,
    /// Usable URLs beyond the ones the job asked for.
    pub beyond: usize,
}

impl KeptOutputs {
    pub fn dropped(&self) -> usize {
        self.too_long + self.beyond
    }
}

/// The first `wanted` (at most [`MAX_OUTPUTS_PER_JOB`]) of the URLs that are not too long, in
/// the provider's order. The same input always keeps the same URLs in the same order (so a
/// duplicate webhook, the reconciler and a redelivery copy output `n` to the same key).
pub fn keep_outputs(delivered: impl IntoIterator<Item = String>, wanted: usize) -> KeptOutputs {
    let wanted = wanted.min(MAX_OUTPUTS_PER_JOB);
    let mut kept = KeptOutputs::default();
    for url in delivered {
        if url.len() > MAX_OUTPUT_URL_BYTES {
            kept.too_long += 1;
        } else if kept.urls.len() < wanted {
            kept.urls.push(url);
        } else {
            kept.beyond += 1;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("https://replicate.delivery/x/{i}.png")).collect()
    }

    #[test]
    fn keeps_the_first_outputs_asked_for_and_counts_the_rest() {
        let k = keep_outputs(urls(10_000), 3);
        assert_eq!(k.urls, urls(3));
        assert_eq!((k.too_long, k.beyond, k.dropped()), (0, 9_997, 9_997));
        let k = keep_outputs(urls(2), 4);
        assert_eq!(k.urls, urls(2), "fewer than asked: all of them");
        assert_eq!(k.dropped(), 0);
        assert_eq!(keep_outputs(Vec::new(), 1), KeptOutputs::default());
    }

    #[test]
    fn an_over_long_url_is_dropped_and_the_next_usable_one_takes_its_place() {
        let long = format!("https://replicate.delivery/{}", "a".repeat(100_000));
        let at_limit = format!("https://replicate.delivery/{}", "b".repeat(MAX_OUTPUT_URL_BYTES - 27));
        assert_eq!(at_limit.len(), MAX_OUTPUT_URL_BYTES);
        let k = keep_outputs(vec![long.clone(), at_limit.clone(), "https://x/2".into(), long], 2);
        assert_eq!(k.urls, vec![at_limit, "https://x/2".to_string()]);
        assert_eq!((k.too_long, k.beyond), (2, 0));
    }

    #[test]
    fn no_job_keeps_more_than_the_ceiling() {
        let k = keep_outputs(urls(100), usize::MAX);
        assert_eq!(k.urls.len(), MAX_OUTPUTS_PER_JOB);
        assert_eq!(k.beyond, 100 - MAX_OUTPUTS_PER_JOB);
    }

    /// What the kept outputs can weigh at most, in the two places they are written.
    #[test]
    fn the_kept_outputs_fit_a_job_item_and_a_copy_message_by_construction() {
        // Worst case: the most outputs, each at the longest, each character one that JSON
        // escapes to six bytes (a control character).
        let worst: Vec<String> = vec!["\u{1}".repeat(MAX_OUTPUT_URL_BYTES); MAX_OUTPUTS_PER_JOB + 5];
        let k = keep_outputs(worst, usize::MAX);
        let json = serde_json::to_string(&k.urls).unwrap();
        assert!(json.len() < 200 * 1024, "the copy message's URLs: {} bytes", json.len());
        // DynamoDB counts a string list as its strings' UTF-8 bytes plus a few per element.
        let item: usize = k.urls.iter().map(|u| u.len() + 1).sum::<usize>() + 3;
        assert!(item < 40 * 1024, "the job item's output_urls: {item} bytes");
    }
}
