//! Operator sockets, read once and then followed incrementally.
//!
//! Sockets live only in `RegistryCoordinator.OperatorSocketUpdate` events. Reading them
//! with `eth_getLogs` from block 0 for every operator on every batch and retrieval costs
//! the RPC node a scan of the whole history each time. [`SocketIndex`] instead keeps
//! every operator's socket history and the block it has read up to; a lookup at a later
//! block first reads only the blocks since then (one `eth_getLogs` for all operators, in
//! ranges of at most [`MAX_LOG_RANGE`] blocks), and a lookup at an earlier block reads
//! nothing. [`super::EthChain`] shares one index among its clones, so the disperser and
//! the retriever use it through `Chain::operator_info` without knowing.
//!
//! Reorgs: the index records what the chain said when it was read. The disperser asks
//! at its reference block (settled, `reference_block_delay` deep); a socket read near a
//! head that is then reorged away only makes that operator unreachable (a non-signer, or
//! a retrieval that tries the others) until it announces its socket again.

use std::collections::HashMap;

use alloy::eips::BlockNumberOrTag;
use alloy::primitives::{Address, B256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::Filter;
use alloy::sol_types::SolEvent;

use super::ChainError;
use super::bindings::registry_coordinator::RegistryCoordinator;
use crate::types::OperatorId;

/// Most blocks one `eth_getLogs` call covers (public RPC endpoints refuse wide ranges).
pub const MAX_LOG_RANGE: u64 = 10_000;

/// Every operator's socket history up to a block.
#[derive(Debug, Default)]
pub struct SocketIndex {
    /// Blocks `0..=synced_to` are read; `None` before the first read.
    synced_to: Option<u64>,
    /// Per operator, `(block, socket)` in chain order.
    history: HashMap<OperatorId, Vec<(u64, String)>>,
    /// `eth_getLogs` calls made so far.
    log_queries: u64,
}

impl SocketIndex {
    /// The last block read, if any.
    pub fn synced_to(&self) -> Option<u64> {
        self.synced_to
    }

    /// `eth_getLogs` calls made so far.
    pub fn log_queries(&self) -> u64 {
        self.log_queries
    }

    /// Reads the socket updates of blocks after [`Self::synced_to`] up to `block`.
    /// On an error nothing is recorded past the last range read whole, so the next call
    /// resumes there.
    pub async fn sync_to(
        &mut self,
        provider: &DynProvider,
        coordinator: Address,
        block: u64,
    ) -> Result<(), ChainError> {
        let mut from = self.synced_to.map_or(0, |b| b + 1);
        while from <= block {
            let to = block.min(from.saturating_add(MAX_LOG_RANGE - 1));
            let filter = Filter::new()
                .address(coordinator)
                .event_signature(RegistryCoordinator::OperatorSocketUpdate::SIGNATURE_HASH)
                .from_block(BlockNumberOrTag::Number(from))
                .to_block(BlockNumberOrTag::Number(to));
            self.log_queries += 1;
            let logs = provider.get_logs(&filter).await?;
            for log in &logs {
                let (Some(operator), Some(at)) = (log.topics().get(1), log.block_number) else {
                    continue;
                };
                if let Ok(event) =
                    RegistryCoordinator::OperatorSocketUpdate::decode_log_data(log.data())
                {
                    self.history
                        .entry(OperatorId(B256::from(*operator).0))
                        .or_default()
                        .push((at, event.socket));
                }
            }
            self.synced_to = Some(to);
            from = to + 1;
        }
        Ok(())
    }

    /// The latest socket `operator` announced at or before `block` (which must be
    /// synced: see [`Self::sync_to`]).
    pub fn socket_at(&self, operator: &OperatorId, block: u64) -> Option<String> {
        self.history.get(operator).and_then(|h| {
            h.iter()
                .rev()
                .find(|(at, _)| *at <= block)
                .map(|(_, socket)| socket.clone())
        })
    }
}
