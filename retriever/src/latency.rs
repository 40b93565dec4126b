//! Which operators to ask first: an exponentially weighted moving average of each
//! operator's answer time, learned across retrievals. Failures count as the full
//! timeout, so a dead node sinks to the end of the queue.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use lamina_core::OperatorId;

/// Weight of the newest sample, in 1/8ths (as TCP's SRTT: `7/8 old + 1/8 new`).
const NEW_SAMPLE_EIGHTHS: u32 = 1;
/// Most operators remembered; past it the table starts over.
const MAX_TRACKED: usize = 4096;

/// Moving averages of operators' answer times.
#[derive(Debug, Default)]
pub(crate) struct LatencyTable {
    /// A std mutex: held only to read or update a few entries, never across an `.await`.
    averages: Mutex<HashMap<OperatorId, Duration>>,
}

impl LatencyTable {
    /// Folds one observation into `operator`'s average.
    pub(crate) fn record(&self, operator: OperatorId, sample: Duration) {
        let mut map = self
            .averages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_TRACKED && !map.contains_key(&operator) {
            map.clear();
        }
        map.entry(operator)
            .and_modify(|avg| {
                *avg = (*avg * (8 - NEW_SAMPLE_EIGHTHS) + sample * NEW_SAMPLE_EIGHTHS) / 8;
            })
            .or_insert(sample);
    }

    /// The current average, if any sample was seen.
    pub(crate) fn get(&self, operator: &OperatorId) -> Option<Duration> {
        self.averages
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(operator)
            .copied()
    }

    /// Order in which to ask `candidates` (operator, assigned chunk count): fastest
    /// first; operators never measured count as instant (so they get measured); ties
    /// go to the larger assignment (fewer requests to cover the blob), then to the
    /// lower id (deterministic).
    pub(crate) fn rank(&self, candidates: &[(OperatorId, usize)]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&i| {
            let (id, assigned) = candidates[i];
            (self.get(&id).unwrap_or_default(), Reverse(assigned), id)
        });
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(b: u8) -> OperatorId {
        OperatorId([b; 32])
    }

    #[test]
    fn fast_and_unmeasured_first_then_bigger_assignments() {
        let table = LatencyTable::default();
        table.record(id(1), Duration::from_millis(80));
        table.record(id(2), Duration::from_millis(5));
        table.record(id(4), Duration::from_millis(5));
        // 3 never measured; 2 and 4 tie on latency, 4 holds more chunks.
        let order = table.rank(&[(id(1), 16), (id(2), 8), (id(3), 8), (id(4), 16)]);
        assert_eq!(order, vec![2, 3, 1, 0]);
    }

    #[test]
    fn average_moves_an_eighth_towards_each_sample() {
        let table = LatencyTable::default();
        table.record(id(1), Duration::from_millis(800));
        table.record(id(1), Duration::from_millis(0));
        assert_eq!(table.get(&id(1)), Some(Duration::from_millis(700)));
        assert_eq!(table.get(&id(9)), None);
    }
}
