//! [`Retriever`]: who holds which chunks of a blob, read from the chain at the
//! batch's reference block, then a [`Rebuilder`] run over them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures::future::join_all;
use lamina_core::chain::Chain;
use lamina_core::tls::GrpcConnector;
use lamina_core::{
    BlobHeader, BlobKey, BlobParams, OperatorId, QuorumId, QuorumOperators, assign_blob,
};
use lamina_encoding::Srs;

use crate::collect::Candidate;
use crate::disperser::DisperserSource;
use crate::error::RetrieverError;
use crate::options::RetrievalOptions;
use crate::rebuild::{Rebuilder, RetrievalSource, Retrieved, RetrievedBlob};
use crate::report::RetrievalReport;

/// Retrieves blobs from the operators registered on a [`Chain`].
#[derive(Debug)]
pub struct Retriever<C> {
    chain: C,
    rebuilder: Rebuilder,
    /// Asked for the whole blob when the operators cannot rebuild it.
    disperser: Option<DisperserSource>,
    /// Opens the disperser's endpoint (and, through the rebuilder, operator sockets).
    connector: GrpcConnector,
    /// Blob parameters by version: registered once, never changed, so cached. A std
    /// mutex: never held across an `.await`.
    params: Mutex<HashMap<u16, BlobParams>>,
}

/// Which operators of a quorum hold which chunks of a blob at a reference block.
pub fn candidates_from_state(
    params: &BlobParams,
    state: &[QuorumOperators],
    quorum: QuorumId,
) -> Result<Vec<(OperatorId, Vec<u32>)>, lamina_core::AssignmentError> {
    let mut assignments = assign_blob(params, state)?;
    let members = state
        .iter()
        .find(|q| q.quorum() == quorum)
        .map(|q| q.iter().map(|s| s.operator_id).collect::<Vec<_>>())
        .unwrap_or_default();
    Ok(members
        .into_iter()
        .map(|id| {
            let indices = assignments
                .remove(&id)
                .map(|a| a.indices)
                .unwrap_or_default();
            (id, indices)
        })
        .collect())
}

impl<C: Chain> Retriever<C> {
    /// A retriever reading operator state from `chain` and verifying against `srs`.
    pub fn new(chain: C, srs: Arc<Srs>, options: RetrievalOptions) -> Self {
        Self {
            chain,
            rebuilder: Rebuilder::new(srs, options),
            disperser: None,
            connector: GrpcConnector::default(),
            params: Mutex::new(HashMap::new()),
        }
    }

    /// Connects over TLS as `connector` says: operator sockets with `operator_tls`, an
    /// `https://` disperser endpoint, trusting its CA. Call before
    /// [`Retriever::with_disperser`].
    pub fn with_tls(mut self, connector: GrpcConnector) -> Self {
        self.rebuilder.set_connector(connector.clone());
        self.connector = connector;
        self
    }

    /// Also asks the disperser at `endpoint` (`host:port`) for the whole blob when the
    /// operators of every quorum cannot rebuild it; its bytes are checked against the
    /// commitment like any operator's frames.
    ///
    /// # Errors
    /// [`RetrieverError::Config`] for an endpoint that is not `host:port`.
    pub fn with_disperser(mut self, endpoint: &str) -> Result<Self, RetrieverError> {
        let options = self.rebuilder.options();
        self.disperser = Some(DisperserSource::new(
            endpoint,
            &self.connector,
            options.connect_timeout(),
            options.operator_timeout(),
        )?);
        Ok(self)
    }

    /// The chain it reads.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The rebuilder (SRS, options, connections).
    pub fn rebuilder(&self) -> &Rebuilder {
        &self.rebuilder
    }

    /// Retrieves the payload of the blob with `header` from the operators of `quorum`
    /// as registered at `reference_block` (the batch's reference block):
    /// [`Retriever::retrieve_blob`], then [`crate::decode_payload`].
    pub async fn retrieve(
        &self,
        header: &BlobHeader,
        reference_block: u32,
        quorum: QuorumId,
    ) -> Result<Retrieved, RetrieverError> {
        self.retrieve_blob(header, reference_block, quorum)
            .await?
            .into_payload(header.blob_key())
            .await
    }

    /// Retrieves the blob with `header`, exactly as committed (`commitment.length`
    /// symbols, padding included, whatever they encode), from the operators of
    /// `quorum` as registered at `reference_block`.
    pub async fn retrieve_blob(
        &self,
        header: &BlobHeader,
        reference_block: u32,
        quorum: QuorumId,
    ) -> Result<RetrievedBlob, RetrieverError> {
        let blob_key = header.blob_key();
        let params = self.blob_params(blob_key, header.version).await?;
        let candidates = self
            .candidates(header, params, reference_block, quorum)
            .await?;
        let retrieved = self
            .rebuilder
            .rebuild_blob(header, params, quorum, candidates)
            .await?;
        tracing::info!(%blob_key, quorum, report = %retrieved.report, "blob retrieved");
        Ok(retrieved)
    }

    /// The payload by [`Retriever::retrieve_blob_preferring`], decoded by the one rule
    /// ([`crate::decode_payload`]) whichever source served the blob: the same payload,
    /// or the same [`RetrieverError::Payload`], for the same certificate.
    pub async fn retrieve_preferring(
        &self,
        header: &BlobHeader,
        reference_block: u32,
        quorum: QuorumId,
    ) -> Result<Retrieved, RetrieverError> {
        self.retrieve_blob_preferring(header, reference_block, quorum)
            .await?
            .into_payload(header.blob_key())
            .await
    }

    /// [`Retriever::retrieve_blob`] from `quorum` first, then from each other quorum
    /// of the blob in turn while the operators cannot rebuild it, then (when
    /// configured, see [`Retriever::with_disperser`]) from the disperser; the first
    /// quorum's error when none can ([`RetrieverError::DisperserFallback`] around it
    /// when the disperser failed too). Every source yields the same bytes: the blob
    /// of `commitment.length` symbols the commitment binds.
    pub async fn retrieve_blob_preferring(
        &self,
        header: &BlobHeader,
        reference_block: u32,
        quorum: QuorumId,
    ) -> Result<RetrievedBlob, RetrieverError> {
        let first = match self.retrieve_blob(header, reference_block, quorum).await {
            Ok(r) => return Ok(r),
            Err(e @ RetrieverError::NotEnoughChunks { .. }) => e,
            Err(e) => return Err(e),
        };
        for &other in header.quorum_numbers.iter().filter(|&&q| q != quorum) {
            tracing::warn!(error = %first, quorum = other, "trying another quorum");
            if let Ok(r) = self.retrieve_blob(header, reference_block, other).await {
                return Ok(r);
            }
        }
        let Some(disperser) = &self.disperser else {
            return Err(first);
        };
        let blob_key = header.blob_key();
        tracing::warn!(%blob_key, error = %first, disperser = disperser.endpoint(), "operators cannot rebuild the blob; asking the disperser");
        match disperser.fetch(self.rebuilder.srs(), header).await {
            Ok(blob) => {
                tracing::info!(%blob_key, "blob retrieved from the disperser");
                // What the operators of the first quorum did, for the record.
                let report = match first {
                    RetrieverError::NotEnoughChunks { report, .. } => *report,
                    _ => RetrievalReport::default(),
                };
                Ok(RetrievedBlob {
                    blob,
                    report,
                    source: RetrievalSource::Disperser,
                })
            }
            Err(reason) => Err(RetrieverError::DisperserFallback {
                blob_key,
                operators: Box::new(first),
                endpoint: disperser.endpoint().to_owned(),
                reason: reason.to_string(),
            }),
        }
    }

    /// The operators of `quorum` at `reference_block`, their sockets and the chunks
    /// each must hold.
    ///
    /// Stakes (hence assignments) are read at the reference block, as the disperser
    /// assigned them; sockets are the latest announced, so a node that moved since
    /// the batch is still found.
    pub async fn candidates(
        &self,
        header: &BlobHeader,
        params: BlobParams,
        reference_block: u32,
        quorum: QuorumId,
    ) -> Result<Vec<Candidate>, RetrieverError> {
        let blob_key = header.blob_key();
        if !header.quorum_numbers.contains(&quorum) {
            return Err(RetrieverError::QuorumNotInBlob {
                blob_key,
                quorum,
                blob_quorums: header.quorum_numbers.clone(),
            });
        }
        let chain_err = |source| RetrieverError::Chain {
            blob_key,
            source: Box::new(source),
        };
        let state = self
            .chain
            .operator_state(&header.quorum_numbers, reference_block)
            .await
            .map_err(chain_err)?;
        let assigned = candidates_from_state(&params, &state, quorum).map_err(|source| {
            RetrieverError::Assignment {
                blob_key,
                reference_block,
                source,
            }
        })?;
        let head = self.chain.block_number().await.map_err(chain_err)?;
        let head = u32::try_from(head).unwrap_or(u32::MAX).max(reference_block);
        // One operator whose socket (or registration) cannot be read is one candidate
        // without a socket, not a failed retrieval: the others may well answer.
        let infos = join_all(
            assigned
                .iter()
                .map(|(id, _)| self.chain.operator_info(*id, head)),
        )
        .await;
        Ok(assigned
            .into_iter()
            .zip(infos)
            .map(|((operator_id, assigned), info)| Candidate {
                operator_id,
                socket: match info {
                    Ok(info) => info.socket,
                    Err(e) => {
                        tracing::warn!(operator = %operator_id, error = %e, "operator info unavailable: no socket to ask");
                        None
                    }
                },
                assigned,
            })
            .collect())
    }

    async fn blob_params(
        &self,
        blob_key: BlobKey,
        version: u16,
    ) -> Result<BlobParams, RetrieverError> {
        let cached = self
            .params
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&version)
            .copied();
        if let Some(p) = cached {
            return Ok(p);
        }
        let p = self
            .chain
            .blob_params(version)
            .await
            .map_err(|source| RetrieverError::Chain {
                blob_key,
                source: Box::new(source),
            })?;
        self.params
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(version, p);
        Ok(p)
    }
}
