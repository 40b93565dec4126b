//! Blob versions: the erasure-coding parameters a blob is encoded with, and
//! the chunk shape they give a blob of a given length.
//!
//! EigenDA v2 reads versions from the `ThresholdRegistry` contract; Lamina
//! keeps the table small and explicit here ([`BlobParams::version`]) so the
//! contracts, the node and the disperser all read the same numbers.

/// Largest evaluation domain the BN254 scalar field supports: `2^28`
/// (the 2-adicity of `r - 1`).
pub const MAX_EVALUATIONS: u64 = 1 << 28;

/// Encoding parameters of one blob version, as EigenDA v2's `BlobVersionParameters`
/// and the `ThresholdRegistry` contract store them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlobParams {
    /// Number of chunks (frames) a blob is cut into; a power of two.
    pub num_chunks: u32,
    /// Reed-Solomon expansion factor; a power of two.
    pub coding_rate: u32,
    /// Largest operator count a quorum may have for this version.
    pub max_num_operators: u32,
}

/// The shape of one blob's frames: how many chunks and how many symbols each.
///
/// EigenDA's `encoding.EncodingParams`. `num_chunks * chunk_length` is the size
/// of the Reed-Solomon evaluation domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EncodingParams {
    /// Number of chunks (frames); a power of two.
    pub num_chunks: u64,
    /// Symbols per chunk; a power of two.
    pub chunk_length: u64,
}

/// Why blob parameters or a blob length cannot be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// No blob version with this number exists.
    #[error("unknown blob version {version}; known versions are 0 (mainnet shape) and 1 (devnet)")]
    UnknownVersion {
        /// The requested version.
        version: u16,
    },
    /// A parameter that must be a power of two is not.
    #[error("{field} must be a power of two, got {value}")]
    NotPowerOfTwo {
        /// Name of the parameter.
        field: &'static str,
        /// Its value.
        value: u64,
    },
    /// The coding rate is below 2 (no redundancy) or above the number of chunks.
    #[error("coding rate {coding_rate} must be at least 2 and at most num_chunks {num_chunks}")]
    BadCodingRate {
        /// The coding rate.
        coding_rate: u32,
        /// The number of chunks.
        num_chunks: u32,
    },
    /// More operators than chunks: some operator would get no chunk.
    #[error("max_num_operators {max_num_operators} exceeds num_chunks {num_chunks}")]
    TooManyOperators {
        /// Largest operator count.
        max_num_operators: u32,
        /// The number of chunks.
        num_chunks: u32,
    },
    /// A blob has no symbols.
    #[error("blob has no symbols")]
    EmptyBlob,
    /// The evaluation domain would exceed what the scalar field supports.
    #[error(
        "blob of {blob_symbols} symbols needs {evaluations} evaluations, the field supports at most {MAX_EVALUATIONS}"
    )]
    DomainTooLarge {
        /// Blob length in symbols.
        blob_symbols: u64,
        /// `num_chunks * chunk_length`.
        evaluations: u64,
    },
    /// The scalar field has no radix-2 domain of this many points.
    #[error("no radix-2 evaluation domain of {size} points (at most {MAX_EVALUATIONS})")]
    NoDomain {
        /// Points asked for.
        size: u64,
    },
}

impl BlobParams {
    /// EigenDA v2 blob version 0: `{num_chunks: 8192, coding_rate: 8, max_num_operators: 3537}`.
    pub const V0: Self = Self {
        num_chunks: 8192,
        coding_rate: 8,
        max_num_operators: 3537,
    };

    /// Lamina devnet/test version 1: `{num_chunks: 64, coding_rate: 8, max_num_operators: 8}`.
    ///
    /// Why these numbers: the devnet runs 4 operators. 64 chunks give each of
    /// them 16 chunks at equal stake, still a whole number of chunks for up to
    /// 8 operators at uneven stakes, and any 8 chunks (1/coding_rate)
    /// reconstruct a blob, so one honest operator's share suffices. With 64
    /// chunks FK20 needs only a 64-point G1 FFT, so encoding a devnet blob
    /// costs milliseconds, and chunk_length = blob_symbols / 8 keeps frames
    /// large enough that per-frame overhead (one proof) stays small.
    pub const V1_DEVNET: Self = Self {
        num_chunks: 64,
        coding_rate: 8,
        max_num_operators: 8,
    };

    /// The parameters of a blob version (see the table on the constants).
    pub fn version(version: u16) -> Result<Self, ParamsError> {
        match version {
            0 => Ok(Self::V0),
            1 => Ok(Self::V1_DEVNET),
            _ => Err(ParamsError::UnknownVersion { version }),
        }
    }

    /// Checks the invariants every version must satisfy: powers of two,
    /// `2 <= coding_rate <= num_chunks`, `max_num_operators <= num_chunks`.
    pub fn validate(&self) -> Result<(), ParamsError> {
        check_power_of_two("num_chunks", u64::from(self.num_chunks))?;
        check_power_of_two("coding_rate", u64::from(self.coding_rate))?;
        if self.coding_rate < 2 || self.coding_rate > self.num_chunks {
            return Err(ParamsError::BadCodingRate {
                coding_rate: self.coding_rate,
                num_chunks: self.num_chunks,
            });
        }
        if self.max_num_operators > self.num_chunks {
            return Err(ParamsError::TooManyOperators {
                max_num_operators: self.max_num_operators,
                num_chunks: self.num_chunks,
            });
        }
        Ok(())
    }

    /// Symbols per chunk for a blob of `blob_symbols` symbols:
    /// `max(1, blob_symbols * coding_rate / num_chunks)`.
    pub fn chunk_length(&self, blob_symbols: u64) -> u64 {
        (blob_symbols * u64::from(self.coding_rate) / u64::from(self.num_chunks)).max(1)
    }

    /// The chunk shape of a blob of `blob_symbols` symbols under these
    /// parameters, after validating both.
    pub fn encoding_params(&self, blob_symbols: u64) -> Result<EncodingParams, ParamsError> {
        self.validate()?;
        if blob_symbols == 0 {
            return Err(ParamsError::EmptyBlob);
        }
        check_power_of_two("blob_symbols", blob_symbols)?;
        let num_chunks = u64::from(self.num_chunks);
        let evaluations = blob_symbols
            .saturating_mul(u64::from(self.coding_rate))
            .max(num_chunks);
        if evaluations > MAX_EVALUATIONS {
            return Err(ParamsError::DomainTooLarge {
                blob_symbols,
                evaluations,
            });
        }
        Ok(EncodingParams {
            num_chunks,
            chunk_length: self.chunk_length(blob_symbols),
        })
    }
}

impl EncodingParams {
    /// Size of the Reed-Solomon evaluation domain: `num_chunks * chunk_length`.
    pub fn num_evaluations(&self) -> u64 {
        self.num_chunks * self.chunk_length
    }

    /// Checks both are powers of two and the domain fits the field.
    pub fn validate(&self) -> Result<(), ParamsError> {
        check_power_of_two("num_chunks", self.num_chunks)?;
        check_power_of_two("chunk_length", self.chunk_length)?;
        let evaluations = self.num_chunks.saturating_mul(self.chunk_length);
        if evaluations > MAX_EVALUATIONS {
            return Err(ParamsError::NoDomain { size: evaluations });
        }
        Ok(())
    }

    /// Minimum number of distinct chunks that reconstruct a blob of
    /// `blob_symbols` symbols: `ceil(blob_symbols / chunk_length)`.
    pub fn min_chunks(&self, blob_symbols: u64) -> u64 {
        blob_symbols.div_ceil(self.chunk_length)
    }
}

fn check_power_of_two(field: &'static str, value: u64) -> Result<(), ParamsError> {
    if value.is_power_of_two() {
        Ok(())
    } else {
        Err(ParamsError::NotPowerOfTwo { field, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v0_shapes_match_eigenda() {
        // 128 KiB, 1 MiB, 16 MiB blobs: 4096, 32768, 524288 symbols.
        let p = BlobParams::V0;
        assert_eq!(
            p.encoding_params(4096),
            Ok(EncodingParams {
                num_chunks: 8192,
                chunk_length: 4
            })
        );
        assert_eq!(
            p.encoding_params(1 << 15),
            Ok(EncodingParams {
                num_chunks: 8192,
                chunk_length: 32
            })
        );
        assert_eq!(
            p.encoding_params(1 << 19),
            Ok(EncodingParams {
                num_chunks: 8192,
                chunk_length: 512
            })
        );
        // Tiny blobs: chunk length saturates at 1, domain = num_chunks.
        assert_eq!(
            p.encoding_params(32),
            Ok(EncodingParams {
                num_chunks: 8192,
                chunk_length: 1
            })
        );
    }

    #[test]
    fn versions_validate() {
        for v in 0..2 {
            BlobParams::version(v)
                .and_then(|p| p.validate())
                .unwrap_or_else(|e| panic!("v{v}: {e}"));
        }
        assert_eq!(
            BlobParams::version(7),
            Err(ParamsError::UnknownVersion { version: 7 })
        );
    }

    #[test]
    fn rejects_bad_params() {
        let bad = BlobParams {
            num_chunks: 96,
            coding_rate: 8,
            max_num_operators: 8,
        };
        assert_eq!(
            bad.validate(),
            Err(ParamsError::NotPowerOfTwo {
                field: "num_chunks",
                value: 96
            })
        );
        let bad = BlobParams {
            num_chunks: 64,
            coding_rate: 1,
            max_num_operators: 8,
        };
        assert!(matches!(
            bad.validate(),
            Err(ParamsError::BadCodingRate { .. })
        ));
        let bad = BlobParams {
            num_chunks: 4,
            coding_rate: 2,
            max_num_operators: 8,
        };
        assert!(matches!(
            bad.validate(),
            Err(ParamsError::TooManyOperators { .. })
        ));
        assert_eq!(
            BlobParams::V1_DEVNET.encoding_params(3000),
            Err(ParamsError::NotPowerOfTwo {
                field: "blob_symbols",
                value: 3000
            })
        );
        assert_eq!(
            BlobParams::V1_DEVNET.encoding_params(0),
            Err(ParamsError::EmptyBlob)
        );
    }
}
