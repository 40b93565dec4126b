//! Arbitrum Nitro's external DA provider interface: the `daprovider` JSON-RPC namespace
//! Nitro's `daclient` calls (names and result types from Nitro's `daprovider/server`
//! and `daprovider/server_api`), on `POST /` of the proxy's port.
//!
//! - `daprovider_getSupportedHeaderBytes` → `{"headerBytes": "0x01"}`: Nitro's
//!   `DACertificateMessageHeaderFlag`.
//! - `daprovider_getMaxMessageSize` → `{"maxSize": n}`.
//! - `daprovider_store(message, timeout)` → `{"serialized-da-cert": "0x01…"}`: the header
//!   flag, then the same commitment bytes `POST /put` answers (`0x01 0x4c 0x00` +
//!   `abi.encode(DACertV3)`, or memstore's).
//! - `daprovider_recoverPayload(batchNum, batchBlockHash, sequencerMsg)` →
//!   `{"Payload": base64}` (Go's encoding of `[]byte`): `sequencerMsg` is the sequencer
//!   inbox message, its 40-byte header, the flag, then the certificate. `batchBlockHash`
//!   (the L1 block that included the batch) is looked up on the proxy's chain and its
//!   number gets the derivation's inclusion and recency rules, as
//!   `?l1_inclusion_block_number=N` does on `GET /get` (the zero hash: unknown, no rule; a
//!   hash the chain does not have: `-32000`, retry). A certificate the derivation drops
//!   is error `-32001` with `data: {"code", "reason"}`; a blob not retrievable yet,
//!   `-32002` (retry).
//! - `daprovider_collectPreimages(…)` → `{"Preimages": {"3": {"0x<keccak256(cert)>":
//!   base64}}}`: the payload as a preimage of type `DACertificatePreimageType` (3 in
//!   Nitro's `arbutil`), keyed by the keccak of the certificate (flag included), what
//!   Nitro's replay binary reads; `daprovider_recoverPayloadAndPreimages` answers both.
//!
//! Not done: the chunked store (`daprovider_startChunkedStore`,
//! `sendChunk`, `commitChunkedStore`, whose requests are signed) and the validator's
//! proof methods (`daprovider_generateReadPreimageProof`,
//! `daprovider_generateCertificateValidityProof`).

use std::sync::Arc;
use std::time::Instant;

use alloy_primitives::{B256, keccak256};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use lamina_derivation::Outcome;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::server::Proxy;

/// Nitro's `daprovider.DACertificateMessageHeaderFlag`: a batch whose data is a DA
/// certificate.
pub const DA_CERTIFICATE_HEADER_FLAG: u8 = 0x01;
/// Nitro's `arbutil.DACertificatePreimageType`.
pub const DA_CERTIFICATE_PREIMAGE_TYPE: u8 = 3;
/// Bytes of the sequencer inbox message header before the flag (min/max timestamp and
/// block number, after-delayed-messages count: five u64).
pub const SEQUENCER_MESSAGE_HEADER_BYTES: usize = 40;

/// JSON-RPC error codes: the standard ones, then the proxy's.
mod code {
    pub(super) const PARSE_ERROR: i64 = -32700;
    pub(super) const INVALID_REQUEST: i64 = -32600;
    pub(super) const METHOD_NOT_FOUND: i64 = -32601;
    pub(super) const INVALID_PARAMS: i64 = -32602;
    /// The derivation drops the certificate.
    pub(super) const DROPPED: i64 = -32001;
    /// The blob is not retrievable yet: retry.
    pub(super) const NOT_AVAILABLE: i64 = -32002;
    /// Any other failure of the request (the network down, a timeout, too large).
    pub(super) const FAILED: i64 = -32000;
}

/// A JSON-RPC error object.
struct RpcError {
    code: i64,
    message: String,
    data: Option<Value>,
}

impl RpcError {
    fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    fn params(message: impl Into<String>) -> Self {
        Self::new(code::INVALID_PARAMS, message)
    }
}

impl From<ApiError> for RpcError {
    fn from(e: ApiError) -> Self {
        let code = match &e {
            ApiError::Drop(_) | ApiError::InjectedDrop(_) => code::DROPPED,
            ApiError::NotAvailable { .. } => code::NOT_AVAILABLE,
            ApiError::BadCommitmentHex { .. } | ApiError::BadQuery { .. } => code::INVALID_PARAMS,
            ApiError::BatchTooLarge { .. }
            | ApiError::Busy { .. }
            | ApiError::PutTimeout { .. }
            | ApiError::Unavailable { .. }
            | ApiError::Internal { .. } => code::FAILED,
        };
        let mut data = json!({ "reason": e.reason() });
        if let Some(drop) = e.drop_code() {
            data["code"] = drop.number().into();
        }
        Self {
            code,
            message: e.to_string(),
            data: Some(data),
        }
    }
}

/// `POST /`: one JSON-RPC 2.0 call.
pub(crate) async fn rpc(State(proxy): State<Arc<Proxy>>, body: Bytes) -> Response {
    let start = Instant::now();
    let (id, outcome) = match serde_json::from_slice::<Value>(&body) {
        Err(e) => (
            Value::Null,
            Err(RpcError::new(code::PARSE_ERROR, e.to_string())),
        ),
        Ok(request) => {
            let id = request.get("id").cloned().unwrap_or(Value::Null);
            (id, call(&proxy, &request).await)
        }
    };
    let reply = match outcome {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(e) => {
            let mut error = json!({ "code": e.code, "message": e.message });
            if let Some(data) = e.data {
                error["data"] = data;
            }
            json!({ "jsonrpc": "2.0", "id": id, "error": error })
        }
    };
    // JSON-RPC answers 200 whatever the call's outcome; the error is in the body.
    proxy.metrics.request("nitro", 200, start.elapsed());
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        reply.to_string(),
    )
        .into_response()
}

async fn call(proxy: &Proxy, request: &Value) -> Result<Value, RpcError> {
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return Err(RpcError::new(code::INVALID_REQUEST, "no method"));
    };
    let params = request
        .get("params")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    match method {
        "daprovider_getSupportedHeaderBytes" => Ok(json!({
            "headerBytes": hex0x(&[DA_CERTIFICATE_HEADER_FLAG]),
        })),
        "daprovider_getMaxMessageSize" => Ok(json!({ "maxSize": proxy.max_batch_bytes })),
        "daprovider_store" => {
            let message = hex_param(params, 0, "message")?;
            let commitment = proxy.put(&message).await?;
            let cert = [&[DA_CERTIFICATE_HEADER_FLAG][..], &commitment].concat();
            Ok(json!({ "serialized-da-cert": hex0x(&cert) }))
        }
        "daprovider_recoverPayload" => {
            let (_, payload) = recover(proxy, params).await?;
            Ok(json!({ "Payload": base64_of(&payload) }))
        }
        "daprovider_collectPreimages" => {
            let (cert_hash, payload) = recover(proxy, params).await?;
            Ok(json!({ "Preimages": preimages(&cert_hash, &payload) }))
        }
        "daprovider_recoverPayloadAndPreimages" => {
            let (cert_hash, payload) = recover(proxy, params).await?;
            Ok(json!({
                "Payload": base64_of(&payload),
                "Preimages": preimages(&cert_hash, &payload),
            }))
        }
        other => Err(RpcError::new(
            code::METHOD_NOT_FOUND,
            format!("the method {other} does not exist/is not available"),
        )),
    }
}

/// The payload of the certificate in params `(batchNum, batchBlockHash, sequencerMsg)`,
/// with `keccak256` of the certificate (flag included).
async fn recover(proxy: &Proxy, params: &[Value]) -> Result<(B256, Vec<u8>), RpcError> {
    let block_hash = hex_param(params, 1, "batchBlockHash")?;
    let block_hash = B256::try_from(block_hash.as_slice()).map_err(|_| {
        RpcError::params(format!(
            "batchBlockHash has {} bytes, not 32",
            block_hash.len()
        ))
    })?;
    let message = hex_param(params, 2, "sequencerMsg")?;
    let commitment = certificate_in(&message)?;
    let cert_hash = keccak256(&message[SEQUENCER_MESSAGE_HEADER_BYTES..]);
    // The batch's L1 block, when Nitro gives one: the same inclusion and recency rules
    // as `GET /get/…?l1_inclusion_block_number=N`.
    let l1_inclusion_block = proxy.inclusion_block_of(block_hash).await?;
    match proxy.derive(commitment, l1_inclusion_block).await? {
        Outcome::Payload(payload) => Ok((cert_hash, payload)),
        Outcome::Drop(reason) => {
            proxy.metrics.dropped(reason.code().name());
            Err(ApiError::Drop(reason).into())
        }
        Outcome::Stall => Err(ApiError::NotAvailable {
            reason: "the certificate is valid but its blob is not retrievable yet".to_owned(),
        }
        .into()),
    }
}

/// Go's JSON of Nitro's `PreimagesMap` (`map[PreimageType]map[common.Hash][]byte`):
/// decimal type, 0x-hex hash, base64 bytes.
fn preimages(cert_hash: &B256, payload: &[u8]) -> Value {
    json!({
        DA_CERTIFICATE_PREIMAGE_TYPE.to_string(): {
            hex0x(cert_hash.as_slice()): base64_of(payload),
        }
    })
}

/// Go's JSON of `[]byte`.
fn base64_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The certificate in a sequencer inbox message: after its header and the flag.
fn certificate_in(message: &[u8]) -> Result<&[u8], RpcError> {
    match message.get(SEQUENCER_MESSAGE_HEADER_BYTES..) {
        Some([DA_CERTIFICATE_HEADER_FLAG, cert @ ..]) => Ok(cert),
        Some([flag, ..]) => Err(RpcError::params(format!(
            "sequencerMsg header byte {flag:#04x} is not the DA certificate flag {DA_CERTIFICATE_HEADER_FLAG:#04x}"
        ))),
        Some([]) | None => Err(RpcError::params(format!(
            "sequencerMsg has {} bytes, not a {SEQUENCER_MESSAGE_HEADER_BYTES}-byte header and a certificate",
            message.len()
        ))),
    }
}

/// Parameter `index`, a `0x`-hex string (Go's `hexutil.Bytes`).
fn hex_param(params: &[Value], index: usize, name: &str) -> Result<Vec<u8>, RpcError> {
    let text = params
        .get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::params(format!("missing parameter {index} ({name})")))?;
    let digits = text
        .strip_prefix("0x")
        .ok_or_else(|| RpcError::params(format!("{name} is not 0x-prefixed hex")))?;
    hex::decode(digits).map_err(|e| RpcError::params(format!("{name}: {e}")))
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_found_after_the_header_and_flag() {
        let mut message = vec![0u8; SEQUENCER_MESSAGE_HEADER_BYTES];
        message.extend_from_slice(&[DA_CERTIFICATE_HEADER_FLAG, 0x01, 0x4c, 0x00]);
        assert_eq!(certificate_in(&message).ok(), Some(&[0x01, 0x4c, 0x00][..]));
        message[SEQUENCER_MESSAGE_HEADER_BYTES] = 0x88;
        assert!(certificate_in(&message).is_err());
        assert!(certificate_in(&message[..10]).is_err());
        let params = [json!("0x0102"), json!("0102"), json!(7)];
        assert_eq!(hex_param(&params, 0, "a").ok(), Some(vec![1, 2]));
        assert!(hex_param(&params, 1, "b").is_err());
        assert!(hex_param(&params, 2, "c").is_err());
        assert!(hex_param(&params, 3, "d").is_err());
    }
}
