//! [`EncoderConfig`]: everything `lamina encoder run` needs. Read from TOML;
//! `lamina encoder run` flags and `LAMINA_ENCODER_<FIELD>` variables override the file.

use std::net::SocketAddr;
use std::path::PathBuf;

use lamina_core::SrsConfig;
use lamina_encoding::MAX_BLOB_SYMBOLS;
use lamina_storage::ObjectStoreConfig;
use serde::{Deserialize, Serialize};

use crate::error::EncoderError;

/// The encoder service's configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncoderConfig {
    /// Where `lamina.encoder.v1.Encoder` listens. Default: `0.0.0.0:34001`.
    pub grpc_listen: SocketAddr,
    /// Where `GET /health` and `GET /metrics` listen. Default: `0.0.0.0:9140`.
    pub metrics_listen: SocketAddr,
    /// The object store blobs are read from and frames written to: the same store the
    /// disperser's `[objects]` names. Default: the directory `encoder-data/objects`
    /// (useful only on the disperser's machine; point both at one bucket otherwise).
    pub objects: ObjectStoreConfig,
    /// The SRS frames are proven with: the disperser's. Default: the development SRS.
    /// The encoder holds no trust (operators verify every frame against the commitment
    /// the disperser checked), so unlike the disperser it does not read the chain to
    /// approve the development SRS; frames proven with a different SRS than the
    /// commitments simply fail verification.
    pub srs: SrsConfig,
    /// G1 points to load: the largest blob, in symbols, it can encode. Default: 524288
    /// (16 MiB blobs).
    pub srs_points: usize,
    /// Blobs encoded at once (each on all cores, so 1 is usually fastest); past it
    /// `EncodeBlob` answers RESOURCE_EXHAUSTED at once and the controller asks another
    /// encoder. Default: 1.
    pub max_concurrent_encodes: usize,
    /// Longest an `EncodeBlob` may run, seconds. Default: 300.
    pub grpc_request_timeout_secs: u64,
    /// MiB of window multiples each FK20 table may keep (precomputed multiples of
    /// the table's bases that roughly halve the Toeplitz MSMs' work for chunks of
    /// 8 to 64 symbols); a shape that needs more encodes without them. Default: 256,
    /// which covers version 0 blobs up to 1 MiB (153 MiB there); 16 MiB blobs need
    /// 936 MiB and gain ~1.4× on their proofs. 0 turns them off.
    pub fk20_window_multiples_mib: usize,
    /// TLS of the gRPC server. Default: none (plaintext).
    pub tls: lamina_core::tls::TlsConfig,
    /// The data directory every Lamina service has (only created: the encoder keeps no
    /// state). Default: `encoder-data`.
    pub data_dir: PathBuf,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        Self {
            grpc_listen: SocketAddr::from(([0, 0, 0, 0], 34001)),
            metrics_listen: SocketAddr::from(([0, 0, 0, 0], 9140)),
            objects: ObjectStoreConfig::Dir(PathBuf::from("encoder-data/objects")),
            srs: SrsConfig::default(),
            srs_points: MAX_BLOB_SYMBOLS,
            max_concurrent_encodes: 1,
            grpc_request_timeout_secs: 300,
            fk20_window_multiples_mib: lamina_encoding::DEFAULT_FIXED_BASES_LIMIT >> 20,
            tls: lamina_core::tls::TlsConfig::default(),
            data_dir: PathBuf::from("encoder-data"),
        }
    }
}

impl EncoderConfig {
    /// Parses TOML (every field optional).
    pub fn from_toml(text: &str) -> Result<Self, EncoderError> {
        toml::from_str(text).map_err(|e| EncoderError::Config {
            field: "toml",
            reason: e.to_string(),
        })
    }

    /// Checks every field, naming the bad one.
    pub fn validate(&self) -> Result<(), EncoderError> {
        let bad = |field, reason: &str| {
            Err(EncoderError::Config {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.srs_points == 0 || !self.srs_points.is_power_of_two() {
            return bad("srs_points", "must be a positive power of two");
        }
        if self.srs_points > MAX_BLOB_SYMBOLS {
            return bad("srs_points", "must be at most 524288 (16 MiB blobs)");
        }
        if self.max_concurrent_encodes == 0 {
            return bad("max_concurrent_encodes", "must be at least 1");
        }
        if self.grpc_request_timeout_secs == 0 {
            return bad("grpc_request_timeout_secs", "must be at least 1");
        }
        self.objects.validate().map_err(EncoderError::Objects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_bad_fields_are_named() {
        EncoderConfig::default()
            .validate()
            .expect("defaults are valid");
        let config = EncoderConfig::from_toml(
            "grpc_listen = \"127.0.0.1:1\"\nmax_concurrent_encodes = 2\n[objects]\ndir = \"o\"\n",
        )
        .expect("parses");
        assert_eq!(config.max_concurrent_encodes, 2);
        assert_eq!(config.objects, ObjectStoreConfig::Dir("o".into()));
        let field = |text: &str| match EncoderConfig::from_toml(text).and_then(|c| c.validate()) {
            Err(EncoderError::Config { field, .. }) => field.to_owned(),
            Err(EncoderError::Objects(e)) => format!("objects.{e}"),
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(field("srs_points = 3000"), "srs_points");
        assert_eq!(
            field("max_concurrent_encodes = 0"),
            "max_concurrent_encodes"
        );
        assert!(field("[objects.s3]\nregion = \"x\"").starts_with("objects.s3.bucket"));
        assert_eq!(field("unknown = 1"), "toml");
    }
}
