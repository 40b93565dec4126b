//! From candidates (operators and their assigned chunks) to the blob: check the
//! header's length proof, collect verified chunks, rebuild the blob (bound to the
//! commitment by the two); then, when the payload is wanted, decode it.
//! Needs no chain: [`crate::Retriever`] finds the candidates, tests can give them.
//!
//! Blobs are certified as opaque field elements (EigenDA's model): a certificate
//! vouches for the blob's bytes, never for their payload encoding. So a rebuilt blob
//! is always exactly the `commitment.length` symbols the certificate commits to
//! (padding included), whichever source served it, and a blob that is not a valid
//! payload encoding is [`RetrieverError::Payload`], the same error from every source.

use std::sync::Arc;

use lamina_core::{BlobHeader, BlobKey, BlobParams, QuorumId};
use lamina_encoding::{Blob, KzgError, Srs, decode, decode_checked, verify_length_proof};

use crate::check::{Target, on_rayon};
use crate::collect::{Candidate, Collector, Wanted};
use crate::error::RetrieverError;
use crate::fetch::Channels;
use crate::latency::LatencyTable;
use crate::options::RetrievalOptions;
use crate::report::RetrievalReport;

/// A retrieved payload and how it was obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retrieved {
    /// The original payload.
    pub payload: Vec<u8>,
    /// Every operator's part (faults included, even on success).
    pub report: RetrievalReport,
    /// Where the payload came from.
    pub source: RetrievalSource,
}

/// A retrieved blob, exactly as committed, and how it was obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetrievedBlob {
    /// The blob: `commitment.length` symbols, checked against the commitment.
    pub blob: Blob,
    /// Every operator's part (faults included, even on success).
    pub report: RetrievalReport,
    /// Where the blob came from.
    pub source: RetrievalSource,
}

impl RetrievedBlob {
    /// Decodes the payload (on rayon: linear in the blob, 16 MiB at most).
    ///
    /// # Errors
    /// [`RetrieverError::Payload`] when the blob is not a valid payload encoding.
    pub async fn into_payload(self, blob_key: BlobKey) -> Result<Retrieved, RetrieverError> {
        let Self {
            blob,
            report,
            source,
        } = self;
        let payload =
            on_rayon("payload decoding", move || decode_payload(blob_key, &blob)).await??;
        Ok(Retrieved {
            payload,
            report,
            source,
        })
    }
}

/// The payload of `blob` (payload encoding version 0): the one decoding rule every
/// retrieval path applies, so each gives the same answer for the same blob.
///
/// # Errors
/// [`RetrieverError::Payload`] naming the codec error.
pub fn decode_payload(blob_key: BlobKey, blob: &Blob) -> Result<Vec<u8>, RetrieverError> {
    blob.to_payload()
        .map_err(|source| RetrieverError::Payload { blob_key, source })
}

/// Where a retrieved blob came from; either way it was checked against the
/// blob's commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetrievalSource {
    /// Rebuilt from operators' verified chunks.
    Operators,
    /// The whole blob from the disperser's `GetBlob`, after the operators could not
    /// provide enough chunks.
    Disperser,
}

/// Rebuilds blobs from given operators; keeps connections and latency estimates
/// across calls.
#[derive(Debug)]
pub struct Rebuilder {
    srs: Arc<Srs>,
    options: RetrievalOptions,
    channels: Channels,
    latency: LatencyTable,
}

impl Rebuilder {
    /// A rebuilder verifying against `srs` (needs at least as many G1 points as the
    /// largest blob has symbols).
    pub fn new(srs: Arc<Srs>, options: RetrievalOptions) -> Self {
        let channels = Channels::new(options.connect_timeout());
        Self {
            srs,
            options,
            channels,
            latency: LatencyTable::default(),
        }
    }

    /// Opens operator sockets with `connector` (TLS with `operator_tls`, its CA).
    pub fn set_connector(&mut self, connector: lamina_core::tls::GrpcConnector) {
        self.channels.set_connector(connector);
    }

    /// The options in force.
    pub fn options(&self) -> &RetrievalOptions {
        &self.options
    }

    /// The SRS frames are verified against.
    pub fn srs(&self) -> &Arc<Srs> {
        &self.srs
    }

    /// Retrieves the payload of the blob of `header` (encoded with `params`) from
    /// `candidates`, the operators of `quorum` and their assigned chunks:
    /// [`Rebuilder::rebuild_blob`], then [`decode_payload`].
    pub async fn rebuild(
        &self,
        header: &BlobHeader,
        params: BlobParams,
        quorum: QuorumId,
        candidates: Vec<Candidate>,
    ) -> Result<Retrieved, RetrieverError> {
        self.rebuild_blob(header, params, quorum, candidates)
            .await?
            .into_payload(header.blob_key())
            .await
    }

    /// Rebuilds the blob of `header` (encoded with `params`) from `candidates`, the
    /// operators of `quorum` and their assigned chunks: `commitment.length` symbols,
    /// bound to the commitment, whatever they encode.
    pub async fn rebuild_blob(
        &self,
        header: &BlobHeader,
        params: BlobParams,
        quorum: QuorumId,
        candidates: Vec<Candidate>,
    ) -> Result<RetrievedBlob, RetrieverError> {
        let blob_key = header.blob_key();
        let blob_symbols = u64::from(header.commitment.length);
        let shape = params
            .encoding_params(blob_symbols)
            .map_err(|source| RetrieverError::Params { blob_key, source })?;
        self.check_srs(header, shape.chunk_length)?;
        let degree_bounded = self.check_length_proof(header).await?;
        let needed = usize::try_from(shape.min_chunks(blob_symbols)).unwrap_or(usize::MAX);
        let wanted = Wanted {
            blob_key,
            quorum,
            target: Target {
                commitment: header.commitment.commitment,
                params: shape,
            },
            needed,
        };
        let collector = Collector {
            srs: &self.srs,
            channels: &self.channels,
            latency: &self.latency,
            options: &self.options,
        };
        let (frames, report) = collector.collect(wanted, candidates).await?;
        let srs = Arc::clone(&self.srs);
        let commitment = header.commitment.commitment;
        let chunks = frames.len();
        let coeffs = on_rayon("blob decoding", move || {
            if degree_bounded {
                decode(&frames, shape, blob_symbols)
            } else {
                decode_checked(&srs, &commitment, &frames, shape, blob_symbols)
            }
        })
        .await?
        .map_err(|source| RetrieverError::Decode {
            blob_key,
            chunks,
            source,
        })?;
        // `decode` returns `blob_symbols` coefficients, a power of two
        // (`encoding_params` checked it): this cannot fail but is not unwrapped.
        let blob = Blob::from_coeffs(coeffs)
            .map_err(|source| RetrieverError::BlobShape { blob_key, source })?;
        Ok(RetrievedBlob {
            blob,
            report,
            source: RetrievalSource::Operators,
        })
    }

    /// Checks the header's length proof: `true` once it holds, `false` when this SRS
    /// lacks the reverse power to check it (EigenDA files without
    /// `g1.point.reversePowerOf2`).
    ///
    /// A valid proof bounds the committed polynomial's degree below the blob's
    /// length, so the one polynomial of that degree through `blob_symbols` verified
    /// evaluations is the committed one: the rebuilt blob then needs no
    /// re-commitment (a G1 MSM of `blob_symbols` points, a third of an 8 MiB
    /// retrieval). Without the check, [`decode_checked`] makes that MSM.
    async fn check_length_proof(&self, header: &BlobHeader) -> Result<bool, RetrieverError> {
        let srs = Arc::clone(&self.srs);
        let commitments = header.commitment;
        match on_rayon("length proof", move || {
            verify_length_proof(&srs, &commitments)
        })
        .await?
        {
            Ok(()) => Ok(true),
            Err(KzgError::MissingReversePower { .. }) => Ok(false),
            Err(source) => Err(RetrieverError::BadCommitment {
                blob_key: header.blob_key(),
                source,
            }),
        }
    }

    /// Frames are verified with `[tau^chunk_length]G2` and the blob rebuilt with
    /// `blob_symbols` G1 points: refuse up front rather than blame operators later.
    fn check_srs(&self, header: &BlobHeader, chunk_length: u64) -> Result<(), RetrieverError> {
        let blob_symbols = u64::from(header.commitment.length);
        let g1 = self.srs.g1().len();
        let g2_log = self.srs.g2_power_of_2().len();
        let needs_log = u64::from(chunk_length.trailing_zeros()) as usize;
        if (g1 as u64) < blob_symbols || (g1 as u64) < chunk_length || g2_log <= needs_log {
            return Err(RetrieverError::SrsTooSmall {
                blob_key: header.blob_key(),
                blob_symbols,
                srs_points: g1,
            });
        }
        Ok(())
    }
}
