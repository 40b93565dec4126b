//! The pages: one HTML layout, a body per page and one script, all embedded with
//! `include_str!` (no build step, nothing fetched from elsewhere). The HTML is a shell;
//! `console.js` fills it from `/api/v1` and polls every `refresh_ms`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::ConsoleConfig;

const LAYOUT: &str = include_str!("../assets/layout.html");
const CONSOLE_JS: &str = include_str!("../assets/console.js");
const CONSOLE_CSS: &str = include_str!("../assets/console.css");

/// Every page the console serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Page {
    /// `/`: recent blobs, search, throughput and latency charts.
    Blobs,
    /// `/blobs/{key}`.
    Blob,
    /// `/batches`.
    Batches,
    /// `/batches/{id}`.
    Batch,
    /// `/operators`.
    Operators,
    /// The node's `/`.
    Node,
}

impl Page {
    const ALL: [Self; 6] = [
        Self::Blobs,
        Self::Blob,
        Self::Batches,
        Self::Batch,
        Self::Operators,
        Self::Node,
    ];

    /// The `data-page` name `console.js` dispatches on.
    fn name(self) -> &'static str {
        match self {
            Self::Blobs => "blobs",
            Self::Blob => "blob",
            Self::Batches => "batches",
            Self::Batch => "batch",
            Self::Operators => "operators",
            Self::Node => "node",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Blobs => "Blobs",
            Self::Blob => "Blob",
            Self::Batches => "Batches",
            Self::Batch => "Batch",
            Self::Operators => "Operators",
            Self::Node => "Node",
        }
    }
}

/// The pages, rendered once from the layout.
#[derive(Debug)]
pub(crate) struct Pages {
    rendered: Vec<(Page, String)>,
}

impl Pages {
    pub(crate) fn new(config: &ConsoleConfig) -> Self {
        let rendered = Page::ALL
            .iter()
            .map(|&page| {
                let html = LAYOUT
                    .replace("{{TITLE}}", page.title())
                    .replace("{{PAGE}}", page.name())
                    .replace("{{REFRESH_MS}}", &config.refresh_ms.to_string());
                (page, html)
            })
            .collect();
        Self { rendered }
    }

    pub(crate) fn html(&self, page: Page) -> Response {
        let body = self
            .rendered
            .iter()
            .find(|(p, _)| *p == page)
            .map_or_else(String::new, |(_, html)| html.clone());
        with_type(body, "text/html; charset=utf-8")
    }
}

fn with_type(body: String, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Nothing on these pages comes from elsewhere: scripts, styles, fetches stay on
    // this origin; the pages cannot be framed.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `/assets/{name}`.
pub(crate) fn asset(name: &str) -> Option<Response> {
    match name {
        "console.js" => Some(with_type(
            CONSOLE_JS.to_owned(),
            "text/javascript; charset=utf-8",
        )),
        "console.css" => Some(with_type(CONSOLE_CSS.to_owned(), "text/css; charset=utf-8")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_names_itself_and_loads_only_local_assets() {
        let pages = Pages::new(&ConsoleConfig::default());
        for page in Page::ALL {
            let (_, html) = pages
                .rendered
                .iter()
                .find(|(p, _)| *p == page)
                .expect("rendered");
            assert!(html.contains(&format!("data-page=\"{}\"", page.name())));
            assert!(html.contains("data-refresh-ms=\"2000\""));
            assert!(!html.contains("{{"), "placeholder left in {}", page.name());
            assert!(!html.contains("http://") && !html.contains("https://"));
        }
        assert!(asset("console.js").is_some());
        assert!(asset("../secret").is_none());
    }
}
