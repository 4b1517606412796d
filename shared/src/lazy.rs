//! A value built on first use. SDK clients are wrapped in it so a function pays only for the
//! clients it touches, and none of them during init (docs/benchmarks.md).
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

pub struct Lazy<T> {
    cell: OnceLock<T>,
    make: Arc<dyn Fn() -> T + Send + Sync>,
}

impl<T> Lazy<T> {
    pub fn new(make: impl Fn() -> T + Send + Sync + 'static) -> Self {
        Self {
            cell: OnceLock::new(),
            make: Arc::new(make),
        }
    }
}

impl<T> Deref for Lazy<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.cell.get_or_init(|| (self.make)())
    }
}

impl<T: Clone> Clone for Lazy<T> {
    fn clone(&self) -> Self {
        Self {
            cell: self.cell.clone(),
            make: self.make.clone(),
        }
    }
}

impl<T> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.cell.get().is_some() {
            "Lazy(built)"
        } else {
            "Lazy(not built)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn builds_once_on_first_use_only() {
        let n = Arc::new(AtomicUsize::new(0));
        let c = n.clone();
        let lazy = Lazy::new(move || c.fetch_add(1, Ordering::SeqCst) + 41);
        assert_eq!(n.load(Ordering::SeqCst), 0);
        assert_eq!(*lazy, 41);
        assert_eq!(*lazy, 41);
        assert_eq!(n.load(Ordering::SeqCst), 1);
    }
}
