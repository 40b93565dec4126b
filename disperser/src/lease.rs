//! The controller's lease: only one controller acts on a metadata database at a time.
//!
//! A controller takes the lease [`CONTROLLER_LEASE`] before it recovers or dispatches
//! anything (a standby waits here, asking every third of the lease's length), renews it
//! every third of its length, and stops its pipeline the moment a renewal fails or finds
//! the lease taken: past its expiry another controller may have taken over, and two
//! dispatching at once could certify one blob twice. The database's clock decides
//! expiry, so controllers' clocks need not agree.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::error::StoreError;
use crate::metadata::MetadataStore;

/// The lease's name in the metadata database.
pub const CONTROLLER_LEASE: &str = "controller";

/// A held controller lease.
#[derive(Debug)]
pub struct ControllerLease {
    store: Arc<dyn MetadataStore>,
    holder: String,
    ttl: Duration,
}

/// A holder name unique to this process: host, process id and start time.
pub fn holder_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "unknown-host".to_owned());
    format!("{host}/{}/{}", std::process::id(), crate::store::now_ns())
}

impl ControllerLease {
    /// Waits until the lease is ours, or `cancel` fires (`None`).
    pub async fn acquire(
        store: Arc<dyn MetadataStore>,
        ttl: Duration,
        cancel: &CancellationToken,
    ) -> Result<Option<Self>, StoreError> {
        let holder = holder_name();
        let mut waiting = false;
        loop {
            if store
                .try_acquire_lease(CONTROLLER_LEASE, &holder, ttl)
                .await?
            {
                tracing::info!(%holder, ttl_secs = ttl.as_secs(), "controller lease taken");
                return Ok(Some(Self { store, holder, ttl }));
            }
            if !waiting {
                tracing::info!("another controller holds the lease; standing by");
                waiting = true;
            }
            tokio::select! {
                () = cancel.cancelled() => return Ok(None),
                () = tokio::time::sleep(ttl / 3) => {}
            }
        }
    }

    /// This holder's name.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Renews the lease until `cancel` fires; if it is lost (taken, or not renewed
    /// before it expired), cancels `lost` so the pipeline stops.
    pub async fn hold(&self, cancel: CancellationToken, lost: CancellationToken) {
        let mut last_renewed = tokio::time::Instant::now();
        loop {
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(self.ttl / 3) => {}
            }
            match self
                .store
                .renew_lease(CONTROLLER_LEASE, &self.holder, self.ttl)
                .await
            {
                Ok(true) => last_renewed = tokio::time::Instant::now(),
                Ok(false) => {
                    tracing::error!(holder = %self.holder, "controller lease lost to another controller; stopping");
                    lost.cancel();
                    return;
                }
                Err(e) if last_renewed.elapsed() < self.ttl => {
                    tracing::warn!(error = %e, "controller lease renewal failed; retrying");
                }
                Err(e) => {
                    tracing::error!(error = %e, "controller lease expired unrenewed; stopping");
                    lost.cancel();
                    return;
                }
            }
        }
    }

    /// Gives the lease up (a clean stop: a standby takes over at once, not after expiry).
    pub async fn release(self) {
        if let Err(e) = self
            .store
            .release_lease(CONTROLLER_LEASE, &self.holder)
            .await
        {
            tracing::warn!(error = %e, "controller lease not released; it expires on its own");
        }
    }
}
