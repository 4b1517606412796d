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
    R: Fn(usize, IdRange, usize) -> Fut,
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

    /// Drops stream `i`'s buffered ids before `target`, up to `decided` or the cursor (passed
    /// over). True when the stream must be read to find its next id.
    fn trim(&mut self, i: usize, target: Option<&str>) -> bool {
        while let Some(head) = self.streams[i].buf.front() {
            let behind = target.is_some_and(|t| self.before(head, t))
                || self.decided.as_deref().is_some_and(|d| !self.before(d, head))
                || self.skip.as_deref() == Some(head.as_str());
            if !behind {
                return false;
            }
            let passed = self.streams[i].buf.pop_front().unwrap_or_default();
            self.pass(passed);
        }
        !self.streams[i].done
    }

    /// Brings each stream of `which` to its first id not before `target` and after `decided`
    /// (or its end), reading those that need it at once: one round trip per round, whatever
    /// the number of streams.
    async fn seek_all(&mut self, which: &[usize], target: Option<&str>) -> Result<(), E> {
        loop {
            let need: Vec<usize> = which.iter().copied().filter(|&i| self.trim(i, target)).collect();
            if need.is_empty() {
                return Ok(());
            }
            // From the furthest of `target` and `decided`, inclusive: one id more than the chunk,
            // as that first one may be passed over (so every read makes progress).
            let start = match (target, self.decided.as_deref()) {
                (Some(t), Some(d)) if self.before(t, d) => Some(d.to_string()),
                (Some(t), _) => Some(t.to_string()),
                (None, d) => d.map(str::to_string),
            };
            let range = self.from(start.as_deref());
            let limit = self.chunk + usize::from(start.is_some());
            self.reads += need.len();
            let read = &self.read;
            let outs = futures_util::future::join_all(need.iter().map(|&i| read(i, range.clone(), limit))).await;
            for (i, out) in need.into_iter().zip(outs) {
                let (ids, done) = out?;
                let s = &mut self.streams[i];
                s.buf = ids.into();
                s.done = done;
            }
        }
    }

    /// The next id in every stream, or None when one stream ends (no more matches). The first
    /// stream leads; then every stream is brought to the furthest head at once, until all agree.
    pub async fn next(&mut self) -> Result<Option<String>, E> {
        let n = self.streams.len();
        // Everything up to `decided` is done: the streams resume from there.
        let from = self.decided.clone();
        self.seek_all(&[0], from.as_deref()).await?;
        let Some(mut target) = self.streams[0].buf.front().cloned() else {
            return Ok(None);
        };
        let all: Vec<usize> = (0..n).collect();
        loop {
            self.seek_all(&all, Some(&target)).await?;
            let mut agree = true;
            let mut furthest = target.clone();
            for s in &self.streams {
                let Some(head) = s.buf.front() else {
                    return Ok(None);
                };
                if *head != target {
                    agree = false;
                    if self.before(&furthest, head) {
                        furthest = head.clone();
                    }
                }
            }
            if agree {
                break;
            }
            target = furthest;
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
