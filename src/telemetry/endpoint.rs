//! `GET /metrics`: the metrics in the Prometheus text format (OpenMetrics 1.0 text, which Prometheus reads), on the
//! MCP listener (`telemetry.metrics = true`, HTTP mode) or on an address of its own (`telemetry.metrics_listen`,
//! any transport). Outside the MCP bearer authentication, behind its own optional token
//! (`telemetry.metrics_token_env` / `_file`), compared in constant time.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use subtle::ConstantTimeEq;
use tokio_util::sync::CancellationToken;

use crate::config::Secret;

/// The content type of the exposition (OpenMetrics 1.0 text; Prometheus negotiates it).
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `/metrics` route, behind `token` when given; `None` when there are no metrics.
fn router(token: Option<Secret>) -> Option<Router> {
    super::metrics()?;
    let route = Router::new().route("/metrics", get(scrape));
    Some(match token {
        Some(token) => route.layer(middleware::from_fn_with_state(
            Arc::new(token),
            require_token,
        )),
        None => route,
    })
}

/// The route to add to the MCP listener, when `/metrics` is served there (`metrics = true`, no
/// `metrics_listen`).
pub fn router_for_mcp_listener(listen: SocketAddr) -> Option<Router> {
    let settings = super::settings()?;
    if !settings.metrics || settings.metrics_listen.is_some() {
        return None;
    }
    if settings.metrics_token.is_none() && !crate::config::is_loopback(listen) {
        tracing::warn!(
            "/metrics is served beyond loopback without a token (it is outside the MCP bearer check); set \
             telemetry.metrics_token_env if agent names and call rates are not for everyone who can reach {listen}"
        );
    }
    router(settings.metrics_token.clone())
}

/// Binds `telemetry.metrics_listen` (when set) and serves `/metrics` there until `shutdown`. Binding errors are
/// returned (naming the key); serving runs in the background. Logs the bound address.
pub async fn serve_own_listener(shutdown: CancellationToken) -> anyhow::Result<()> {
    let Some(settings) = super::settings() else {
        return Ok(());
    };
    let Some(addr) = settings.metrics_listen else {
        return Ok(());
    };
    let Some(app) = router(settings.metrics_token.clone()) else {
        return Ok(());
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (telemetry.metrics_listen)"))?;
    let local: SocketAddr = listener
        .local_addr()
        .context("reading the bound address of telemetry.metrics_listen")?;
    tracing::info!(addr = %local, url = %format!("http://{local}/metrics"), "serving metrics");
    if settings.metrics_token.is_none() && !crate::config::is_loopback(local) {
        tracing::warn!(
            "/metrics is served beyond loopback without a token; set telemetry.metrics_token_env if agent \
             names and call rates are not for everyone who can reach {local}"
        );
    }
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "the metrics listener failed");
        }
    });
    Ok(())
}

async fn scrape() -> Response {
    let Some(metrics) = super::metrics() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = metrics.encode().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// Lets a scrape through only with `Authorization: Bearer <telemetry.metrics_token>`.
async fn require_token(State(token): State<Arc<Secret>>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let ok = presented.is_some_and(|t| bool::from(token.expose().as_bytes().ct_eq(t.as_bytes())));
    if ok {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "Unauthorized: send Authorization: Bearer <token> with the token of telemetry.metrics_token_env/_file\n",
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(r#"Bearer realm="metrics""#),
    );
    response
}
