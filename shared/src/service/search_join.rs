//! The intersection of sorted id streams (a search's terms, a collection's members, a gallery
//! filter's index), read in chunks and skipped forward: a leapfrog join. Each stream is read in
//! id order from where the join has got to; a stream whose next id is behind the furthest head
//! is re-read from that head (one Query), so a rare term leads and a common one is only read
//! where the rare one has ids. Reads are bounded by the streams' ids around the matches, not by
//! the account: docs/decisions/0004-search-index.md "What a search reads".
use crate::domain::search::IdRange;
use std::collections::VecDeque;
use std::future::Future;

/// One stream's state: ids read and not yet passed, and whether anything follows them.
struct Stream {
    buf: VecDeque<String>,
    done: bool,
}

/// The join of `n` streams over `range`, in ascending (`forward`) or descending id order.
pub struct Join<R> {
    read: R,
    streams: Vec<Stream>,
    range: IdRange,
    forward: bool,
    chunk: usize,
    /// Queries made so far.
    pub reads: usize,
    /// The furthest id known to be decided (a match returned, or passed over as no match):
    /// a cursor there resumes without skipping or repeating anything.
    pub decided: Option<String>,
    /// Ids the caller has already seen (the cursor itself): passed over, never returned.
    skip: Option<String>,
}

impl<R, Fut, E> Join<R>
where
    R: FnMut(usize, IdRange, usize) -> Fut,
    Fut: Future<Output = Result<(Vec<String>, bool), E>>,
{
    /// `read(stream, range, limit)` reads at most `limit` ids of a stream within `range`, in the
    /// join's order, and says whether none follow. `skip`: an id not to return (the cursor).
    pub fn new(n: usize, read: R, range: IdRange, forward: bool, chunk: usize, skip: Option<String>) -> Self {
        Join {
            read,
            streams: (0..n)
                .map(|_| Stream {
                    buf: VecDeque::new(),
                    done: false,
                })
                .collect(),
            range,
            forward,
            chunk,
            reads: 0,
            decided: None,
            skip,
        }
    }

    /// Whether `a` comes before `b` in the join's order.
    fn before(&self, a: &str, b: &str) -> bool {
        if self.forward { a < b } else { a > b }
    }

    fn pass(&mut self, id: String) {
        if self.decided.as_deref().is_none_or(|d| self.before(d, &id)) {
            self.decided = Some(id);
        }
    }

    /// The range from `target` on (inclusive) in the join's order.
    fn from(&self, target: Option<&str>) -> IdRange {
        let mut r = self.range.clone();
        if let Some(t) = target {
            if self.forward {
                r.lo = Some(t.to_string());
            } else {
                r.hi = Some(t.to_string());
            }
        }
        r
    }

    /// Stream `i`'s first id not before `target` and after `decided`, reading as needed. None:
    /// the stream ends.
    async fn seek(&mut self, i: usize, target: Option<&str>) -> Result<Option<String>, E> {
        loop {
            while let Some(head) = self.streams[i].buf.front() {
                let behind = target.is_some_and(|t| self.before(head, t))
                    || self.decided.as_deref().is_some_and(|d| !self.before(d, head))
                    || self.skip.as_deref() == Some(head.as_str());
                if behind {
                    let passed = self.streams[i].buf.pop_front().unwrap_or_default();
                    self.pass(passed);
                } else {
                    return Ok(self.streams[i].buf.front().cloned());
                }
            }
            if self.streams[i].done {
                return Ok(None);
            }
            // From the furthest of `target` and `decided`, inclusive: one id more than the chunk,
            // as that first one may be passed over (so every read makes progress).
            let start = match (target, self.decided.as_deref()) {
                (Some(t), Some(d)) if self.before(t, d) => Some(d.to_string()),
                (Some(t), _) => Some(t.to_string()),
                (None, d) => d.map(str::to_string),
            };
            let range = self.from(start.as_deref());
            self.reads += 1;
            let limit = self.chunk + usize::from(start.is_some());
            let (ids, done) = (self.read)(i, range, limit).await?;
            let s = &mut self.streams[i];
            s.buf = ids.into();
            s.done = done;
        }
    }

    /// The next id in every stream, or None when one stream ends (no more matches).
    pub async fn next(&mut self) -> Result<Option<String>, E> {
        let n = self.streams.len();
        // Everything up to `decided` is done: the streams resume from there.
        let from = self.decided.clone();
        let Some(mut target) = self.seek(0, from.as_deref()).await? else {
            return Ok(None);
        };
        // Round the streams until `n` in a row have `target` as their head.
        let (mut agree, mut i) = (1, 1 % n);
        while agree < n {
            let Some(head) = self.seek(i, Some(&target)).await? else {
                return Ok(None);
            };
            if head == target {
                agree += 1;
            } else {
                target = head;
                agree = 1;
            }
            i = (i + 1) % n;
        }
        for s in &mut self.streams {
            s.buf.pop_front();
        }
        self.pass(target.clone());
        Ok(Some(target))
    }
}

#[cfg(test)]
#[path = "search_join_tests.rs"]
mod tests;
