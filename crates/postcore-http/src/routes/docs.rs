//! The machine-readable contract (api.md §5.8): `GET /openapi.json`, the OpenAPI 3.1
//! document built from the code, and `GET /docs`, Swagger UI for it, bundled into the
//! binary (`utoipa-swagger-ui`, `vendored`): no page loads anything from another host.

use crate::ApiError;
use crate::routes::only;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use std::sync::{Arc, OnceLock};
use utoipa_swagger_ui::Config;

/// Registers `/openapi.json`, `/docs` and the Swagger UI files under `/docs/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/openapi.json")
            .route(super::get_and_head().to(openapi_json))
            .default_service(only("GET, HEAD")),
    )
    .service(
        web::resource("/docs")
            .route(super::get_and_head().to(swagger_ui))
            .default_service(only("GET, HEAD")),
    )
    .service(
        web::resource("/docs/{file:.*}")
            .route(super::get_and_head().to(swagger_file))
            .default_service(only("GET, HEAD")),
    );
}

/// `GET /openapi.json`: the OpenAPI 3.1 document of every route (api.md §5.8), as JSON.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json",
            body = Object),
    ),
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(crate::openapi::json())
}

/// `GET /docs`: Swagger UI for `/openapi.json`, every file served by this server.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "operations",
    responses(
        (status = 200, description = "Swagger UI's page", content_type = "text/html", body = String),
    ),
)]
pub async fn swagger_ui() -> Result<HttpResponse, ApiError> {
    file("")
}

/// `GET /docs/{file}`: one file of Swagger UI (`/docs/` is the page); 404 `NOT_FOUND` for
/// any other name.
pub async fn swagger_file(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    file(req.match_info().get("file").unwrap_or_default())
}

/// Swagger UI's settings: this server's document, and no call to the public validator
/// (which Swagger UI would otherwise load a badge from).
fn config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| Arc::new(Config::new(["/openapi.json"]).validator_url("none")))
        .clone()
}

/// The Swagger UI file `name` (`""`: the page). The page gets `<base href="/docs/">` so
/// that its relative links resolve under `/docs/` whether it was asked for as `/docs` or
/// `/docs/`.
fn file(name: &str) -> Result<HttpResponse, ApiError> {
    let found = utoipa_swagger_ui::serve(name, config())
        .map_err(|e| ApiError::internal(anyhow::anyhow!("serving Swagger UI: {e}")))?;
    let Some(found) = found else {
        return Err(ApiError::RouteNotFound);
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(found.content_type)
        .insert_header((header::CACHE_CONTROL, "no-cache"));
    if name.is_empty() || name == "index.html" {
        let page = String::from_utf8_lossy(&found.bytes).replacen(
            "<head>",
            "<head>\n    <base href=\"/docs/\">",
            1,
        );
        return Ok(response.body(page));
    }
    Ok(response.body(found.bytes.into_owned()))
}
