//! One page of a newest-first list read through DynamoDB Query, whose own pages stop at
//! `Limit` items or at 1 MB of data read, whichever comes first. A text job is up to ~40 KB,
//! so a 1 MB page can hold fewer items than asked: the list keeps querying
//! from `LastEvaluatedKey` until it has one item more than the page (there is a next page) or
//! DynamoDB has no more (there is none). Full pages, and a cursor exactly when something follows.

use super::{Item, StoreError, aws, s};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

/// Items read by one Query and where the next Query starts (`LastEvaluatedKey`; None: done).
pub(crate) type Read<T, K> = (Vec<T>, Option<K>);

/// One page of a whole partition, read consistently: `query` (its table, and a projection if
/// any, set by the caller, where tools/infra-check reads which table it is) with the key
/// condition `hash = value`, from `start`, at most `limit` items; and the key the next page
/// starts from (None: the partition is read to its end). What the account erasure reads a
/// user's items by, page after page (store::wipe, store::erasure).
pub(crate) async fn partition_page(
    query: QueryFluentBuilder,
    (hash, value): (&str, &str),
    limit: i32,
    start: Option<Item>,
    op: &'static str,
) -> Result<(Vec<Item>, Option<Item>), StoreError> {
    let out = query
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", hash)
        .expression_attribute_values(":pk", s(value))
        .consistent_read(true)
        .limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .await
        .map_err(aws(op))?;
    Ok((out.items.unwrap_or_default(), out.last_evaluated_key.filter(|k| !k.is_empty())))
}

/// Reads a page of at most `limit` items with `read(start, want)`, one Query from `start`
/// asking for `want` more items. Returns the page and, when more items follow, the cursor of
/// its last item (`cursor_of`), from which the next page's key condition starts.
pub(crate) async fn read_page<T, K, E, C, Fut>(
    limit: usize,
    mut read: impl FnMut(Option<K>, usize) -> Fut,
    cursor_of: impl Fn(&T) -> C,
) -> Result<(Vec<T>, Option<C>), E>
where
    Fut: std::future::Future<Output = Result<Read<T, K>, E>>,
{
    let mut found: Vec<T> = Vec::new();
    let mut start: Option<K> = None;
    loop {
        // One more than the page: when it comes, a next page exists.
        let (items, next) = read(start.take(), limit + 1 - found.len()).await?;
        found.extend(items);
        start = next;
        if found.len() > limit || start.is_none() {
            break;
        }
    }
    let cursor = if found.len() > limit {
        found.truncate(limit);
        found.last().map(cursor_of)
    } else {
        None
    };
    Ok((found, cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A partition as Query sees it, newest first: item ids with their sizes, read in pages cut
    /// at `Limit` items or when the next item would pass `budget` bytes (DynamoDB's 1 MB).
    struct Partition {
        items: Vec<(u32, usize)>,
        budget: usize,
    }

    impl Partition {
        /// One Query of the items below `before` (the key condition), from `start` (an index
        /// into the items), at most `limit` of them. Counts the Queries in `queries`.
        fn query(&self, before: Option<u32>, start: Option<usize>, limit: usize, queries: &mut usize) -> Read<u32, usize> {
            *queries += 1;
            let (mut out, mut used, mut last) = (Vec::new(), 0, 0);
            for (i, &(id, size)) in self.items.iter().enumerate().skip(start.unwrap_or(0)) {
                if before.is_some_and(|b| id >= b) {
                    continue;
                }
                if out.len() == limit || (!out.is_empty() && used + size > self.budget) {
                    return (out, Some(last));
                }
                out.push(id);
                used += size;
                last = i;
            }
            (out, None)
        }

        /// Every page of `limit` from the start, following the cursors; and the Queries made.
        fn list(&self, limit: usize) -> (Vec<Vec<u32>>, usize) {
            let (mut pages, mut queries) = (Vec::new(), 0);
            let mut before = None;
            loop {
                let read = |start: Option<usize>, want: usize| {
                    // `start` is the last item read: the next Query starts after it.
                    std::future::ready(Ok::<_, ()>(self.query(before, start.map(|s| s + 1), want, &mut queries)))
                };
                let (page, cursor) = block_on(read_page(limit, read, |id: &u32| *id)).unwrap();
                pages.push(page);
                match cursor {
                    Some(c) => before = Some(c),
                    None => return (pages, queries),
                }
                assert!(pages.len() <= self.items.len() + 1, "the cursor never ends");
            }
        }
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    /// `n` items, newest (highest id) first, each `size` bytes.
    fn partition(n: u32, size: usize) -> Partition {
        Partition {
            items: (0..n).rev().map(|id| (id, size)).collect(),
            budget: 1_000_000,
        }
    }

    #[test]
    fn pages_cut_at_one_megabyte_still_list_every_item_once_in_full_pages() {
        // 30 items of 60 KB (whole boards, were they listed): 16 fit a Query page, a list page is 25.
        let boards = partition(30, 60_000);
        let (pages, _) = boards.list(25);
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [25, 5]);
        assert_eq!(pages.concat(), (0..30).rev().collect::<Vec<_>>());
        // 120 text jobs of 40 KB in pages of 50 (24 per Query page).
        let jobs = partition(120, 40_000);
        let (pages, queries) = jobs.list(50);
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 20]);
        assert_eq!(pages.concat(), (0..120).rev().collect::<Vec<_>>());
        assert!(queries <= 3 * 3, "a few Queries a page, not one per item: {queries}");
    }

    #[test]
    fn a_list_that_ends_on_a_page_boundary_ends_without_an_empty_page() {
        for (n, size, limit) in [(25, 60_000, 25), (16, 60_000, 16), (48, 40_000, 24), (10, 100, 5), (0, 100, 5)] {
            let (pages, _) = partition(n, size).list(limit);
            let last = pages.last().unwrap();
            assert!(!last.is_empty() || n == 0, "{n} items by {limit}: an empty page after the last");
            assert_eq!(pages.concat(), (0..n).rev().collect::<Vec<_>>(), "{n} items by {limit}");
        }
    }

    #[test]
    fn mixed_sizes_and_limits_never_lose_or_repeat_an_item() {
        for limit in [1, 2, 7, 24, 25, 100] {
            let items: Vec<(u32, usize)> = (0..150).rev().map(|id| (id, 1_000 + (id as usize * 7_919) % 300_000)).collect();
            let p = Partition { items, budget: 1_000_000 };
            let (pages, _) = p.list(limit);
            assert!(
                pages[..pages.len() - 1].iter().all(|pg| pg.len() == limit),
                "limit {limit}: full pages"
            );
            assert_eq!(pages.concat(), (0..150).rev().collect::<Vec<_>>(), "limit {limit}");
        }
    }
}
