//! The HTTP routes: `/api/v1/...` (JSON) and the pages, for the disperser
//! ([`disperser_router`]) and for a node ([`node_router`]).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::Serialize;

use crate::ConsoleError;
use crate::config::ConsoleConfig;
use crate::model::SearchResult;
use crate::pages;
use crate::source::{BlobCursor, BlobQuery, DisperserSource, NodeSource, parse_hex, parse_hex32};

/// The longest signing-rate window the API answers: 7 days.
pub const MAX_WINDOW_SECS: u64 = 7 * 24 * 3600;

/// The client address, when the server records it (`into_make_service_with_connect_info`).
struct Peer(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        ))
    }
}

/// Serialized JSON bytes (a serialization failure, which the model types cannot cause,
/// becomes an error object rather than a panic).
pub(crate) fn json_body<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|e| {
        format!(r#"{{"error":{{"code":"INTERNAL","message":"serializing: {e}"}}}}"#).into_bytes()
    })
}

/// A `200 application/json` answer.
struct Json<T>(T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let mut response = (StatusCode::OK, json_body(&self.0)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // Live data: never cached.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// The query string as a map; any key given twice, or a value needing percent-decoding
/// (no parameter of this API does), is refused.
fn query_map(raw: Option<String>) -> Result<HashMap<String, String>, ConsoleError> {
    let mut map = HashMap::new();
    for pair in raw
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if v.contains('%') || v.contains('+') {
            return Err(ConsoleError::invalid(
                "query",
                format!("{k}: encoded characters are not accepted (keys, numbers and hex only)"),
            ));
        }
        if map.insert(k.to_owned(), v.to_owned()).is_some() {
            return Err(ConsoleError::invalid("query", format!("{k} given twice")));
        }
    }
    Ok(map)
}

fn parse_u64(field: &'static str, text: &str) -> Result<u64, ConsoleError> {
    text.parse().map_err(|_| {
        ConsoleError::invalid(field, format!("{text:?} is not a non-negative integer"))
    })
}

fn limit(config: &ConsoleConfig, query: &HashMap<String, String>) -> Result<usize, ConsoleError> {
    match query.get("limit") {
        None => Ok(config.default_page_size),
        Some(text) => {
            let n = parse_u64("limit", text)?;
            if n == 0 || n > config.max_page_size as u64 {
                return Err(ConsoleError::invalid(
                    "limit",
                    format!("{n} is outside 1..={}", config.max_page_size),
                ));
            }
            Ok(n as usize)
        }
    }
}

fn window(query: &HashMap<String, String>) -> Result<u64, ConsoleError> {
    let secs = query
        .get("window")
        .map_or(Ok(3600), |w| parse_u64("window", w))?;
    if secs == 0 || secs > MAX_WINDOW_SECS {
        return Err(ConsoleError::invalid(
            "window",
            format!("{secs} s is outside 1..={MAX_WINDOW_SECS} (seconds)"),
        ));
    }
    Ok(secs)
}

#[derive(Clone)]
struct DisperserState {
    source: Arc<dyn DisperserSource>,
    config: Arc<ConsoleConfig>,
    pages: Arc<pages::Pages>,
}

/// The disperser's console: the JSON API under `/api/v1` and the pages (`/`, `/blobs/{key}`,
/// `/batches`, `/operators`). Serve it with `into_make_service_with_connect_info::<SocketAddr>`
/// so that the per-address limit sees client addresses.
pub fn disperser_router(source: Arc<dyn DisperserSource>, config: ConsoleConfig) -> Router {
    let state = DisperserState {
        pages: Arc::new(pages::Pages::new(&config)),
        source,
        config: Arc::new(config),
    };
    Router::new()
        .route("/api/v1/blobs", get(api_blobs))
        .route("/api/v1/blobs/{key}", get(api_blob))
        .route("/api/v1/blobs/{key}/certificate.json", get(api_certificate))
        .route(
            "/api/v1/blobs/{key}/retrievability",
            get(api_retrievability),
        )
        .route("/api/v1/batches", get(api_batches))
        .route("/api/v1/batches/{id}", get(api_batch))
        .route("/api/v1/operators", get(api_operators))
        .route("/api/v1/operators/{id}/signing-rate", get(api_signing_rate))
        .route("/api/v1/search", get(api_search))
        .route("/", layout(pages::Page::Blobs))
        .route("/blobs/{key}", get(page_blob))
        .route("/batches", layout(pages::Page::Batches))
        .route("/batches/{id}", get(page_batch))
        .route("/operators", layout(pages::Page::Operators))
        .route("/assets/{name}", get(asset))
        .with_state(state)
}

async fn api_blobs(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    let query = query_map(raw)?;
    let request = BlobQuery {
        account: query
            .get("account")
            .map(|a| parse_hex::<20>("account", a))
            .transpose()?,
        before: query
            .get("before")
            .map(|b| BlobCursor::parse(b))
            .transpose()?,
        limit: limit(&s.config, &query)?,
    };
    Ok(Json(s.source.blobs(request).await?))
}

async fn api_blob(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    Path(key): Path<String>,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    let key = parse_hex32("blob_key", &key)?;
    Ok(Json(s.source.blob(key).await?))
}

async fn api_certificate(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    s.source.admit(peer)?;
    let blob_key = parse_hex32("blob_key", &key)?;
    let detail = s.source.blob(blob_key).await?;
    let cert = detail.certificate.ok_or_else(|| ConsoleError::NotFound {
        what: "certificate of blob",
        key: hex::encode(blob_key),
    })?;
    let mut response = Json(cert.json).into_response();
    let disposition = format!(
        "attachment; filename=\"cert-{}.json\"",
        hex::encode(blob_key)
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn api_retrievability(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    Path(key): Path<String>,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    let key = parse_hex32("blob_key", &key)?;
    Ok(Json(s.source.retrievability(key).await?))
}

async fn api_batches(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    let query = query_map(raw)?;
    let before = query
        .get("before")
        .map(|b| parse_u64("before", b))
        .transpose()?;
    Ok(Json(
        s.source.batches(before, limit(&s.config, &query)?).await?,
    ))
}

async fn api_batch(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    let id = parse_u64("batch_id", &id)?;
    Ok(Json(s.source.batch(id).await?))
}

async fn api_operators(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    Ok(Json(s.source.operators().await?))
}

async fn api_signing_rate(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    let operator = parse_hex32("operator_id", &id)?;
    let window = window(&query_map(raw)?)?;
    Ok(Json(s.source.signing_rate(operator, window).await?))
}

/// `q` is a blob key (64 hex digits), an account (40) or a batch id (digits); a blob key
/// is looked up, so an unknown key is `404`.
async fn api_search(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    RawQuery(raw): RawQuery,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    let query = query_map(raw)?;
    let q = query
        .get("q")
        .map(|q| q.trim())
        .filter(|q| !q.is_empty())
        .ok_or_else(|| {
            ConsoleError::invalid("q", "missing: a blob key, an account or a batch id")
        })?;
    let digits = q.strip_prefix("0x").unwrap_or(q);
    let result = if digits.len() == 64 {
        let key = parse_hex32("q", digits)?;
        s.source.blob(key).await?;
        let key = hex::encode(key);
        SearchResult {
            kind: "blob".into(),
            page: format!("/blobs/{key}"),
            key,
        }
    } else if digits.len() == 40 {
        let account = format!("0x{}", hex::encode(parse_hex::<20>("q", digits)?));
        SearchResult {
            kind: "account".into(),
            page: format!("/?account={account}"),
            key: account,
        }
    } else if q.bytes().all(|b| b.is_ascii_digit()) {
        let id = parse_u64("q", q)?;
        s.source.batch(id).await?;
        SearchResult {
            kind: "batch".into(),
            page: format!("/batches/{id}"),
            key: id.to_string(),
        }
    } else {
        return Err(ConsoleError::invalid(
            "q",
            format!("{q:?} is neither a blob key (64 hex digits), an account (40) nor a batch id"),
        ));
    };
    Ok(Json(result))
}

/// A page with no path parameter to check: its layout, after the per-address limit.
fn layout(page: pages::Page) -> MethodRouter<DisperserState> {
    get(
        move |State(s): State<DisperserState>, Peer(peer): Peer| async move {
            s.source.admit(peer)?;
            Ok::<_, ConsoleError>(s.pages.html(page))
        },
    )
}

async fn page_blob(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    Path(key): Path<String>,
) -> Result<Response, ConsoleError> {
    s.source.admit(peer)?;
    parse_hex32("blob_key", &key)?;
    Ok(s.pages.html(pages::Page::Blob))
}

async fn page_batch(
    State(s): State<DisperserState>,
    Peer(peer): Peer,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    s.source.admit(peer)?;
    parse_u64("batch_id", &id)?;
    Ok(s.pages.html(pages::Page::Batch))
}

async fn asset(Path(name): Path<String>) -> Result<Response, ConsoleError> {
    pages::asset(&name).ok_or(ConsoleError::NotFound {
        what: "asset",
        key: name,
    })
}

#[derive(Clone)]
struct NodeState {
    source: Arc<dyn NodeSource>,
    pages: Arc<pages::Pages>,
}

/// A node's page: `/` and `/node` (the page), `/api/v1/node` (its figures).
pub fn node_router(source: Arc<dyn NodeSource>, config: ConsoleConfig) -> Router {
    let state = NodeState {
        pages: Arc::new(pages::Pages::new(&config)),
        source,
    };
    Router::new()
        .route("/api/v1/node", get(api_node))
        .route("/", get(page_node))
        .route("/node", get(page_node))
        .route("/assets/{name}", get(asset))
        .with_state(state)
}

async fn api_node(
    State(s): State<NodeState>,
    Peer(peer): Peer,
) -> Result<impl IntoResponse, ConsoleError> {
    s.source.admit(peer)?;
    Ok(Json(s.source.summary().await?))
}

async fn page_node(State(s): State<NodeState>, Peer(peer): Peer) -> Result<Response, ConsoleError> {
    s.source.admit(peer)?;
    Ok(s.pages.html(pages::Page::Node))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_parse_strictly() {
        let q = query_map(Some("limit=5&account=0xab".into())).expect("parses");
        assert_eq!(q.get("limit").map(String::as_str), Some("5"));
        assert!(query_map(Some("limit=1&limit=2".into())).is_err());
        assert!(query_map(Some("q=%41".into())).is_err());
        let config = ConsoleConfig::default();
        assert_eq!(limit(&config, &HashMap::new()).expect("default"), 25);
        let over = HashMap::from([("limit".to_owned(), "201".to_owned())]);
        assert!(limit(&config, &over).is_err());
        let w = HashMap::from([("window".to_owned(), "0".to_owned())]);
        assert!(window(&w).is_err());
        assert_eq!(window(&HashMap::new()).expect("default"), 3600);
    }
}
