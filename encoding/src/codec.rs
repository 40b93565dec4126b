//! Payload ⇄ blob: EigenDA v2's payload encoding (version 0).
//!
//! An encoded payload is a whole number of 32-byte symbols, a power of two of
//! them, each a BN254 scalar read big-endian:
//!
//! ```text
//! symbol 0       [0x00, version = 0x00, len: u32 big-endian, 26 × 0x00]
//! symbol 1..     [0x00, 31 payload bytes]   (the last piece zero-padded)
//! then           zero symbols up to the next power of two
//! ```
//!
//! The leading zero byte keeps every symbol below the scalar modulus `r`.
//! A [`Blob`] is that sequence read as polynomial coefficients: symbol `i` is
//! the coefficient of `x^i`.

use ark_bn254::Fr;
use ark_ff::Zero;
#[cfg(feature = "parallel")]
use rayon::prelude::*;

use crate::point::{FR_BYTES, fr_from_bytes, fr_from_small_be, fr_to_bytes};

/// Bytes of one symbol.
pub const BYTES_PER_SYMBOL: usize = FR_BYTES;
/// Payload bytes carried by one symbol (the first byte is always zero).
pub const PAYLOAD_BYTES_PER_SYMBOL: usize = BYTES_PER_SYMBOL - 1;
/// The only payload encoding version EigenDA v2 defines.
pub const PAYLOAD_ENCODING_VERSION_0: u8 = 0;

/// Why bytes are not a valid blob, or a blob not a valid encoded payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The payload's length does not fit the header's u32 length field.
    #[error("payload has {len} bytes, more than the u32 length field allows")]
    PayloadTooLarge {
        /// Payload length in bytes.
        len: usize,
    },
    /// The blob holds no symbol at all.
    #[error("blob is empty; it needs at least the 32-byte header symbol")]
    Empty,
    /// The byte length is not a whole number of 32-byte symbols.
    #[error("blob has {len} bytes, not a multiple of {BYTES_PER_SYMBOL}")]
    NotWholeSymbols {
        /// Byte length.
        len: usize,
    },
    /// The number of symbols is not a power of two.
    #[error("blob has {symbols} symbols, not a power of two")]
    SymbolCountNotPowerOfTwo {
        /// Number of symbols.
        symbols: usize,
    },
    /// A symbol is not below the scalar modulus `r`.
    #[error("symbol {index} is not below the BN254 scalar modulus r")]
    SymbolOutOfRange {
        /// Index of the symbol.
        index: usize,
    },
    /// The header's first byte is not zero.
    #[error("header byte 0 is {byte:#04x}, expected 0x00")]
    HeaderFirstByte {
        /// The byte found.
        byte: u8,
    },
    /// The header names an encoding version this codec does not know.
    #[error("payload encoding version {version} is not supported (only 0)")]
    UnsupportedVersion {
        /// The version byte found.
        version: u8,
    },
    /// Header bytes 6..32 are not all zero.
    #[error("header byte {offset} is {byte:#04x}, expected 0x00")]
    HeaderPadding {
        /// Offset of the first non-zero byte within the header.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// The header claims more payload bytes than the blob can carry.
    #[error(
        "header claims {claimed} payload bytes, but {symbols} symbols carry at most {capacity}"
    )]
    LengthExceedsBlob {
        /// Length from the header.
        claimed: u32,
        /// Number of symbols in the blob.
        symbols: usize,
        /// Payload bytes the blob can carry.
        capacity: usize,
    },
    /// A data symbol does not start with the 0x00 guard byte.
    #[error("symbol {index} starts with {byte:#04x}, expected the 0x00 guard byte")]
    SymbolPrefix {
        /// Index of the symbol.
        index: usize,
        /// The byte found.
        byte: u8,
    },
    /// A byte after the payload's end is not zero.
    #[error("padding after the payload is not zero (symbol {index})")]
    NonZeroPadding {
        /// Index of the first symbol with a non-zero padding byte.
        index: usize,
    },
}

/// A blob: a power-of-two number of BN254 scalars, the coefficients of the
/// blob's polynomial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    coeffs: Vec<Fr>,
}

impl Blob {
    /// Encodes a payload as EigenDA v2 does (payload encoding version 0).
    ///
    /// # Errors
    /// [`CodecError::PayloadTooLarge`] when the length does not fit in a u32.
    pub fn from_payload(payload: &[u8]) -> Result<Self, CodecError> {
        let len = u32::try_from(payload.len())
            .map_err(|_| CodecError::PayloadTooLarge { len: payload.len() })?;
        let data_symbols = payload.len().div_ceil(PAYLOAD_BYTES_PER_SYMBOL);
        let symbols = (1 + data_symbols).next_power_of_two();

        let mut coeffs = vec![Fr::zero(); symbols];
        coeffs[0] = header_symbol(len);
        let to_symbol = |piece: &[u8]| {
            let mut bytes = [0u8; BYTES_PER_SYMBOL];
            bytes[1..=piece.len()].copy_from_slice(piece);
            fr_from_small_be(&bytes)
        };
        let data = &mut coeffs[1..=data_symbols];
        #[cfg(feature = "parallel")]
        data.par_iter_mut()
            .zip(payload.par_chunks(PAYLOAD_BYTES_PER_SYMBOL))
            .for_each(|(c, piece)| *c = to_symbol(piece));
        #[cfg(not(feature = "parallel"))]
        data.iter_mut()
            .zip(payload.chunks(PAYLOAD_BYTES_PER_SYMBOL))
            .for_each(|(c, piece)| *c = to_symbol(piece));
        Ok(Self { coeffs })
    }

    /// Decodes the payload, checking the header, the length and the padding.
    ///
    /// # Errors
    /// A [`CodecError`] naming the first malformed part.
    pub fn to_payload(&self) -> Result<Vec<u8>, CodecError> {
        let header = fr_to_bytes(&self.coeffs[0]);
        if header[0] != 0 {
            return Err(CodecError::HeaderFirstByte { byte: header[0] });
        }
        if header[1] != PAYLOAD_ENCODING_VERSION_0 {
            return Err(CodecError::UnsupportedVersion { version: header[1] });
        }
        let claimed = u32::from_be_bytes([header[2], header[3], header[4], header[5]]);
        if let Some(offset) = (6..BYTES_PER_SYMBOL).find(|&i| header[i] != 0) {
            return Err(CodecError::HeaderPadding {
                offset,
                byte: header[offset],
            });
        }
        let symbols = self.coeffs.len();
        let capacity = (symbols - 1) * PAYLOAD_BYTES_PER_SYMBOL;
        let len = claimed as usize;
        if len > capacity {
            return Err(CodecError::LengthExceedsBlob {
                claimed,
                symbols,
                capacity,
            });
        }

        let mut payload = vec![0u8; len];
        let data_symbols = len.div_ceil(PAYLOAD_BYTES_PER_SYMBOL);
        let decode = |(i, (c, out)): (usize, (&Fr, &mut [u8]))| {
            let index = i + 1;
            let bytes = fr_to_bytes(c);
            if bytes[0] != 0 {
                return Err(CodecError::SymbolPrefix {
                    index,
                    byte: bytes[0],
                });
            }
            let (data, padding) = bytes[1..].split_at(out.len());
            if padding.iter().any(|b| *b != 0) {
                return Err(CodecError::NonZeroPadding { index });
            }
            out.copy_from_slice(data);
            Ok(())
        };
        let data = &self.coeffs[1..=data_symbols];
        #[cfg(feature = "parallel")]
        data.par_iter()
            .zip(payload.par_chunks_mut(PAYLOAD_BYTES_PER_SYMBOL))
            .enumerate()
            .try_for_each(decode)?;
        #[cfg(not(feature = "parallel"))]
        data.iter()
            .zip(payload.chunks_mut(PAYLOAD_BYTES_PER_SYMBOL))
            .enumerate()
            .try_for_each(decode)?;

        // Everything after the last data symbol is padding and must be zero.
        if let Some(i) = self.coeffs[1 + data_symbols..]
            .iter()
            .position(|c| !c.is_zero())
        {
            return Err(CodecError::NonZeroPadding {
                index: 1 + data_symbols + i,
            });
        }
        Ok(payload)
    }

    /// Reads a blob from its bytes: 32-byte big-endian symbols, each below
    /// `r`, a power of two of them. Does not check the payload encoding
    /// (see [`Blob::to_payload`]).
    ///
    /// # Errors
    /// A [`CodecError`] for a bad length or a symbol `>= r`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CodecError> {
        if bytes.is_empty() {
            return Err(CodecError::Empty);
        }
        if !bytes.len().is_multiple_of(BYTES_PER_SYMBOL) {
            return Err(CodecError::NotWholeSymbols { len: bytes.len() });
        }
        let symbols = bytes.len() / BYTES_PER_SYMBOL;
        if !symbols.is_power_of_two() {
            return Err(CodecError::SymbolCountNotPowerOfTwo { symbols });
        }
        let parse = |(index, chunk): (usize, &[u8])| {
            let mut symbol = [0u8; BYTES_PER_SYMBOL];
            symbol.copy_from_slice(chunk);
            fr_from_bytes(&symbol).map_err(|_| CodecError::SymbolOutOfRange { index })
        };
        #[cfg(feature = "parallel")]
        let coeffs: Result<Vec<Fr>, CodecError> = bytes
            .par_chunks_exact(BYTES_PER_SYMBOL)
            .enumerate()
            .map(parse)
            .collect();
        #[cfg(not(feature = "parallel"))]
        let coeffs: Result<Vec<Fr>, CodecError> = bytes
            .chunks_exact(BYTES_PER_SYMBOL)
            .enumerate()
            .map(parse)
            .collect();
        Ok(Self { coeffs: coeffs? })
    }

    /// Wraps polynomial coefficients (e.g. a reconstructed blob) as a blob.
    ///
    /// # Errors
    /// [`CodecError::Empty`] or [`CodecError::SymbolCountNotPowerOfTwo`].
    pub fn from_coeffs(coeffs: Vec<Fr>) -> Result<Self, CodecError> {
        if coeffs.is_empty() {
            return Err(CodecError::Empty);
        }
        if !coeffs.len().is_power_of_two() {
            return Err(CodecError::SymbolCountNotPowerOfTwo {
                symbols: coeffs.len(),
            });
        }
        Ok(Self { coeffs })
    }

    /// The blob's bytes: each symbol as 32 big-endian bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.coeffs.len() * BYTES_PER_SYMBOL];
        let write = |(c, chunk): (&Fr, &mut [u8])| chunk.copy_from_slice(&fr_to_bytes(c));
        #[cfg(feature = "parallel")]
        self.coeffs
            .par_iter()
            .zip(out.par_chunks_exact_mut(BYTES_PER_SYMBOL))
            .for_each(write);
        #[cfg(not(feature = "parallel"))]
        self.coeffs
            .iter()
            .zip(out.chunks_exact_mut(BYTES_PER_SYMBOL))
            .for_each(write);
        out
    }

    /// The polynomial's coefficients; symbol `i` is the coefficient of `x^i`.
    pub fn coeffs(&self) -> &[Fr] {
        &self.coeffs
    }

    /// Consumes the blob, returning its coefficients.
    pub fn into_coeffs(self) -> Vec<Fr> {
        self.coeffs
    }

    /// Number of symbols (a power of two, at least 1).
    pub fn len_symbols(&self) -> usize {
        self.coeffs.len()
    }
}

/// Symbol 0: `[0x00, version, len (u32 BE), 26 zero bytes]`.
fn header_symbol(len: u32) -> Fr {
    let mut header = [0u8; BYTES_PER_SYMBOL];
    header[1] = PAYLOAD_ENCODING_VERSION_0;
    header[2..6].copy_from_slice(&len.to_be_bytes());
    fr_from_small_be(&header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Byte-level reference encoder, written straight from the format.
    fn encode_naive(payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8, 0u8];
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.resize(32, 0);
        for piece in payload.chunks(31) {
            out.push(0);
            out.extend_from_slice(piece);
            out.resize(out.len().next_multiple_of(32), 0);
        }
        let symbols = (out.len() / 32).next_power_of_two();
        out.resize(symbols * 32, 0);
        out
    }

    fn blob_from_raw(bytes: &[u8]) -> Blob {
        Blob::from_bytes(bytes).expect("valid symbols")
    }

    #[test]
    fn known_layouts() {
        let empty = Blob::from_payload(&[]).expect("small");
        assert_eq!(empty.len_symbols(), 1);
        assert_eq!(empty.to_bytes(), vec![0u8; 32]);
        assert_eq!(empty.to_payload(), Ok(vec![]));

        let one = Blob::from_payload(&[0xab]).expect("small");
        let bytes = one.to_bytes();
        assert_eq!(one.len_symbols(), 2);
        assert_eq!(&bytes[..6], &[0, 0, 0, 0, 0, 1]);
        assert_eq!(&bytes[32..34], &[0, 0xab]);

        // 31 bytes fill one symbol exactly; 32 need two and round up to 4 symbols
        assert_eq!(
            Blob::from_payload(&[1; 31]).expect("small").len_symbols(),
            2
        );
        assert_eq!(
            Blob::from_payload(&[1; 32]).expect("small").len_symbols(),
            4
        );
        // 3 data symbols + header = 4
        assert_eq!(
            Blob::from_payload(&[1; 93]).expect("small").len_symbols(),
            4
        );
        assert_eq!(
            Blob::from_payload(&[1; 94]).expect("small").len_symbols(),
            8
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn payload_round_trips_and_matches_naive(payload in proptest::collection::vec(any::<u8>(), 0..3000)) {
            let blob = Blob::from_payload(&payload).expect("small");
            let bytes = blob.to_bytes();
            prop_assert_eq!(&bytes, &encode_naive(&payload));
            prop_assert!(blob.len_symbols().is_power_of_two());
            prop_assert_eq!(blob.to_payload().expect("valid"), payload);
            prop_assert_eq!(Blob::from_bytes(&bytes).expect("valid"), blob);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(blob) = Blob::from_bytes(&bytes) {
                let _ = blob.to_payload();
            }
        }

        #[test]
        fn any_nonzero_padding_byte_is_rejected(
            payload in proptest::collection::vec(any::<u8>(), 0..400),
            pick in any::<prop::sample::Index>(),
            value in 1u8..=255,
        ) {
            let mut bytes = encode_naive(&payload);
            // every byte that is neither header nor payload nor a guard byte
            let pad: Vec<usize> = (32..bytes.len())
                .filter(|&i| {
                    let (sym, off) = (i / 32, i % 32);
                    off != 0 && (sym - 1) * 31 + (off - 1) >= payload.len()
                })
                .collect();
            prop_assume!(!pad.is_empty());
            let at = pad[pick.index(pad.len())];
            bytes[at] = value;
            prop_assert_eq!(
                blob_from_raw(&bytes).to_payload(),
                Err(CodecError::NonZeroPadding { index: at / 32 })
            );
        }
    }

    #[test]
    fn malformed_lengths_are_rejected() {
        assert_eq!(Blob::from_bytes(&[]), Err(CodecError::Empty));
        assert_eq!(
            Blob::from_bytes(&[0; 33]),
            Err(CodecError::NotWholeSymbols { len: 33 })
        );
        assert_eq!(
            Blob::from_bytes(&[0; 96]),
            Err(CodecError::SymbolCountNotPowerOfTwo { symbols: 3 })
        );
        assert_eq!(Blob::from_coeffs(vec![]), Err(CodecError::Empty));
        assert_eq!(
            Blob::from_coeffs(vec![Fr::zero(); 6]),
            Err(CodecError::SymbolCountNotPowerOfTwo { symbols: 6 })
        );
    }

    #[test]
    fn symbols_at_or_above_r_are_rejected() {
        let mut bytes = encode_naive(b"hello");
        bytes[32..64].copy_from_slice(&[0xff; 32]);
        assert_eq!(
            Blob::from_bytes(&bytes),
            Err(CodecError::SymbolOutOfRange { index: 1 })
        );
    }

    #[test]
    fn malformed_headers_are_rejected() {
        let good = encode_naive(b"hello world");
        let with = |at: usize, v: u8| {
            let mut b = good.clone();
            b[at] = v;
            blob_from_raw(&b).to_payload()
        };
        assert_eq!(with(0, 0x01), Err(CodecError::HeaderFirstByte { byte: 1 }));
        assert_eq!(
            with(1, 0x02),
            Err(CodecError::UnsupportedVersion { version: 2 })
        );
        assert_eq!(
            with(20, 0x07),
            Err(CodecError::HeaderPadding {
                offset: 20,
                byte: 7
            })
        );
        // length 11 → 256 + 11 = 267 > one data symbol's 31 bytes
        assert_eq!(
            with(4, 0x01),
            Err(CodecError::LengthExceedsBlob {
                claimed: 267,
                symbols: 2,
                capacity: 31
            })
        );
    }

    #[test]
    fn guard_bytes_and_truncated_length_are_checked() {
        let payload = [7u8; 40]; // two data symbols, 4 symbols in all
        let mut bytes = encode_naive(&payload);
        bytes[64] = 0x01;
        assert_eq!(
            blob_from_raw(&bytes).to_payload(),
            Err(CodecError::SymbolPrefix { index: 2, byte: 1 })
        );
        // claiming fewer bytes leaves payload bytes where padding must be
        let mut short = encode_naive(&payload);
        short[5] = 35;
        assert_eq!(
            blob_from_raw(&short).to_payload(),
            Err(CodecError::NonZeroPadding { index: 2 })
        );
        short[5] = 31;
        assert_eq!(
            blob_from_raw(&short).to_payload(),
            Err(CodecError::NonZeroPadding { index: 2 })
        );
    }

    #[test]
    fn extra_zero_symbols_are_accepted() {
        // a blob longer than needed (e.g. padded by its sender) still decodes
        let mut bytes = encode_naive(b"abc");
        bytes.resize(32 * 16, 0);
        assert_eq!(blob_from_raw(&bytes).to_payload(), Ok(b"abc".to_vec()));
    }

    #[test]
    fn large_payload_round_trips() {
        let payload: Vec<u8> = (0..1_000_000u32).map(|i| (i * 31 % 251) as u8).collect();
        let blob = Blob::from_payload(&payload).expect("small");
        assert_eq!(blob.len_symbols(), 32_768);
        assert_eq!(blob.to_payload().expect("valid"), payload);
    }
}
