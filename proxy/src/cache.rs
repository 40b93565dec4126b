//! [`RecentBatches`]: batches this proxy wrote, by commitment, up to a byte budget.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// Recently written batches, oldest evicted first once their bytes pass the budget.
#[derive(Debug)]
pub(crate) struct RecentBatches {
    budget: usize,
    /// A std mutex: held only to insert, look up or evict, never across an `.await`.
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    by_commitment: HashMap<Vec<u8>, Arc<Vec<u8>>>,
    order: VecDeque<Vec<u8>>,
    bytes: usize,
}

impl RecentBatches {
    /// A cache of at most `budget` payload bytes (0: nothing is kept).
    pub(crate) fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub(crate) fn insert(&self, commitment: Vec<u8>, payload: Vec<u8>) {
        if self.budget == 0 || payload.len() > self.budget {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.bytes += payload.len();
        if let Some(old) = inner
            .by_commitment
            .insert(commitment.clone(), Arc::new(payload))
        {
            inner.bytes -= old.len();
        } else {
            inner.order.push_back(commitment);
        }
        while inner.bytes > self.budget {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(evicted) = inner.by_commitment.remove(&oldest) {
                inner.bytes -= evicted.len();
            }
        }
    }

    pub(crate) fn get(&self, commitment: &[u8]) -> Option<Arc<Vec<u8>>> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_commitment
            .get(commitment)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_batches_go_first_past_the_budget() {
        let cache = RecentBatches::new(10);
        cache.insert(vec![1], vec![0; 4]);
        cache.insert(vec![2], vec![0; 4]);
        cache.insert(vec![3], vec![0; 4]);
        assert!(cache.get(&[1]).is_none());
        assert_eq!(cache.get(&[2]).map(|p| p.len()), Some(4));
        assert_eq!(cache.get(&[3]).map(|p| p.len()), Some(4));
        cache.insert(vec![4], vec![0; 11]);
        assert!(cache.get(&[4]).is_none(), "larger than the whole budget");
        let none = RecentBatches::new(0);
        none.insert(vec![1], vec![0; 1]);
        assert!(none.get(&[1]).is_none());
    }
}
