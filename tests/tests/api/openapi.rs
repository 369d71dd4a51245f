//! The machine-readable contract (api.md §5.8): `GET /openapi.json` holds every route,
//! status code and error code of api.md, with the seed's examples; `GET /docs` is Swagger
//! UI that loads nothing from another host. Also through the real `postcore` binary.

use postcore_tests::app::{exactly, spawn_app};
use postcore_tests::server::Server;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Authenticated operations can answer these, whatever they do (api.md §1, §4): 401 for
/// the key, 429 for the rate limits, 500 for anything else.
const AUTHENTICATED: &[(&str, &[&str])] = &[
    ("401", &["MISSING_API_KEY", "INVALID_API_KEY"]),
    ("429", &["RATE_LIMIT_EXCEEDED"]),
    ("500", &["INTERNAL_ERROR"]),
];

/// A body-taking operation can also answer these (api.md §4).
const BODY: &[(&str, &[&str])] = &[
    ("413", &["PAYLOAD_TOO_LARGE"]),
    ("415", &["UNSUPPORTED_MEDIA_TYPE"]),
];

/// One operation of api.md: method, path, whether it takes the API key, and the statuses
/// it answers besides [`AUTHENTICATED`] (with the `error` codes of each error status).
struct Route {
    method: &'static str,
    path: &'static str,
    authenticated: bool,
    body: bool,
    statuses: &'static [(&'static str, &'static [&'static str])],
}

/// api.md's routes × statuses × error codes.
const API_MD: &[Route] = &[
    // §5.6: 200 when the database answers, 503 otherwise; no authentication.
    Route {
        method: "get",
        path: "/health",
        authenticated: false,
        body: false,
        statuses: &[("200", &[]), ("503", &[])],
    },
    // §5.1: the list, and its query parameters (400 for a bad one).
    Route {
        method: "get",
        path: "/profiles",
        authenticated: true,
        body: false,
        statuses: &[("200", &[]), ("400", &["VALIDATION_ERROR"])],
    },
    // §5.2: one profile, 404 for any key that is not the caller's.
    Route {
        method: "get",
        path: "/profiles/{profileKey}",
        authenticated: true,
        body: false,
        statuses: &[("200", &[]), ("404", &["PROFILE_NOT_FOUND"])],
    },
    // §5.3: create, 201; a bad body is 400 (§4).
    Route {
        method: "post",
        path: "/profiles/create",
        authenticated: true,
        body: true,
        statuses: &[("201", &[]), ("400", &["VALIDATION_ERROR"])],
    },
    // §5.4: delete; a second delete is 404.
    Route {
        method: "delete",
        path: "/profiles/{profileKey}",
        authenticated: true,
        body: false,
        statuses: &[("200", &[]), ("404", &["PROFILE_NOT_FOUND"])],
    },
    // §5.5: Bluesky connect — rejected credentials 400, PDS unreachable 502.
    Route {
        method: "post",
        path: "/profiles/connect",
        authenticated: true,
        body: true,
        statuses: &[
            ("200", &[]),
            (
                "400",
                &[
                    "VALIDATION_ERROR",
                    "PROFILE_ALREADY_EXISTS",
                    "INVALID_CREDENTIALS",
                ],
            ),
            ("404", &["PROFILE_NOT_FOUND"]),
            ("502", &["UPSTREAM_ERROR"]),
        ],
    },
    // §5.5: the hosted LinkedIn start, a 302 to LinkedIn; 501 when not configured (§4).
    Route {
        method: "get",
        path: "/profiles/connect",
        authenticated: true,
        body: false,
        statuses: &[
            ("302", &[]),
            ("400", &["VALIDATION_ERROR"]),
            ("404", &["PROFILE_NOT_FOUND"]),
            ("501", &["NOT_CONFIGURED"]),
        ],
    },
    // §5.5: the recommended LinkedIn start.
    Route {
        method: "post",
        path: "/profiles/connect/linkedin",
        authenticated: true,
        body: true,
        statuses: &[
            ("200", &[]),
            ("400", &["VALIDATION_ERROR"]),
            ("404", &["PROFILE_NOT_FOUND"]),
            ("501", &["NOT_CONFIGURED"]),
        ],
    },
    // §5.5: LinkedIn's callback, a 302 back to the return URL.
    Route {
        method: "get",
        path: "/oauth/linkedin/callback",
        authenticated: false,
        body: false,
        statuses: &[("302", &[]), ("501", &["NOT_CONFIGURED"])],
    },
    // §5.5: disconnect; a platform that is not connected is 404 CONNECTION_NOT_FOUND.
    Route {
        method: "delete",
        path: "/profiles/{profileKey}/connections/{platform}",
        authenticated: true,
        body: false,
        statuses: &[
            ("200", &[]),
            ("400", &["VALIDATION_ERROR"]),
            ("404", &["PROFILE_NOT_FOUND", "CONNECTION_NOT_FOUND"]),
        ],
    },
    // §5.7: webhook endpoints; another account's id is 404 WEBHOOK_NOT_FOUND.
    Route {
        method: "post",
        path: "/webhooks",
        authenticated: true,
        body: true,
        statuses: &[("201", &[]), ("400", &["VALIDATION_ERROR"])],
    },
    Route {
        method: "get",
        path: "/webhooks",
        authenticated: true,
        body: false,
        statuses: &[("200", &[])],
    },
    Route {
        method: "delete",
        path: "/webhooks/{id}",
        authenticated: true,
        body: false,
        statuses: &[("200", &[]), ("404", &["WEBHOOK_NOT_FOUND"])],
    },
    Route {
        method: "post",
        path: "/webhooks/{id}/test",
        authenticated: true,
        body: false,
        statuses: &[("202", &[]), ("404", &["WEBHOOK_NOT_FOUND"])],
    },
    // A rotation while three retired secrets still sign is 400 VALIDATION_ERROR.
    Route {
        method: "post",
        path: "/webhooks/{id}/rotate-secret",
        authenticated: true,
        body: false,
        statuses: &[
            ("200", &[]),
            ("400", &["VALIDATION_ERROR"]),
            ("404", &["WEBHOOK_NOT_FOUND"]),
        ],
    },
    Route {
        method: "post",
        path: "/webhooks/{id}/enable",
        authenticated: true,
        body: false,
        statuses: &[("200", &[]), ("404", &["WEBHOOK_NOT_FOUND"])],
    },
    // §5.8: the document itself and Swagger UI.
    Route {
        method: "get",
        path: "/openapi.json",
        authenticated: false,
        body: false,
        statuses: &[("200", &[])],
    },
    Route {
        method: "get",
        path: "/docs",
        authenticated: false,
        body: false,
        statuses: &[("200", &[])],
    },
];

/// Every `error` code of api.md §4's table, and the extension codes of §5.7.
const SECTION_4_CODES: &[&str] = &[
    "MISSING_API_KEY",
    "INVALID_API_KEY",
    "PROFILE_NOT_FOUND",
    "VALIDATION_ERROR",
    "PROFILE_ALREADY_EXISTS",
    "INVALID_CREDENTIALS",
    "CONNECTION_NOT_FOUND",
    "NOT_CONFIGURED",
    "NOT_FOUND",
    "METHOD_NOT_ALLOWED",
    "PAYLOAD_TOO_LARGE",
    "UNSUPPORTED_MEDIA_TYPE",
    "RATE_LIMIT_EXCEEDED",
    "UPSTREAM_ERROR",
    "INTERNAL_ERROR",
    // (extension, §5.7)
    "WEBHOOK_NOT_FOUND",
];

/// The codes a response documents: its schema's narrowed `error` enum, which must name the
/// same codes as its examples.
fn codes_of(response: &Value) -> Result<BTreeSet<String>, String> {
    let content = &response["content"]["application/json"];
    let strings = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect()
    };
    let in_schema = strings(&content["schema"]["allOf"][1]["properties"]["error"]["enum"]);
    let in_examples: BTreeSet<String> = content["examples"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, e)| e["value"]["error"].as_str().unwrap_or_default().to_owned())
        .collect();
    if in_schema != in_examples {
        return Err(format!(
            "schema codes {in_schema:?} differ from example codes {in_examples:?}"
        ));
    }
    Ok(in_schema)
}

/// Everything of [`API_MD`] and §4 that `doc` lacks, one line each (empty: nothing).
fn missing(doc: &Value) -> Vec<String> {
    let mut missing = Vec::new();
    for route in API_MD {
        let operation = &doc["paths"][route.path][route.method];
        if operation.is_null() {
            missing.push(format!("{} {}: no operation", route.method, route.path));
            continue;
        }
        let extra: Vec<(&str, &[&str])> = match (route.authenticated, route.body) {
            (true, true) => [AUTHENTICATED, BODY].concat(),
            (true, false) => AUTHENTICATED.to_vec(),
            (false, _) => Vec::new(),
        };
        for (status, codes) in route.statuses.iter().chain(&extra) {
            let response = &operation["responses"][status];
            if response.is_null() {
                missing.push(format!("{} {}: no {status}", route.method, route.path));
                continue;
            }
            if codes.is_empty() {
                continue;
            }
            match codes_of(response) {
                Err(e) => missing.push(format!("{} {} {status}: {e}", route.method, route.path)),
                Ok(found) => {
                    for code in *codes {
                        if !found.contains(*code) {
                            missing.push(format!(
                                "{} {} {status}: no {code}",
                                route.method, route.path
                            ));
                        }
                    }
                }
            }
        }
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        if secured != route.authenticated {
            missing.push(format!(
                "{} {}: security {} where api.md says {}",
                route.method, route.path, secured, route.authenticated
            ));
        }
    }
    for (name, status, code) in [
        ("NotFound", "404", "NOT_FOUND"),
        ("MethodNotAllowed", "405", "METHOD_NOT_ALLOWED"),
    ] {
        let response = &doc["components"]["responses"][name];
        match codes_of(response) {
            Ok(codes) if codes.contains(code) => {}
            other => missing.push(format!("components.responses.{name} ({status}): {other:?}")),
        }
    }
    let enum_codes: BTreeSet<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for code in SECTION_4_CODES {
        if !enum_codes.contains(code) {
            missing.push(format!("ErrorCode: no {code}"));
        }
    }
    missing
}

/// `GET /openapi.json` of a fresh app, parsed.
async fn document() -> Value {
    let app = spawn_app().await;
    let response = app.request("GET", "/openapi.json", None).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_document_has_every_route_status_and_error_code_of_api_md() {
    let doc = document().await;
    assert_eq!(missing(&doc), Vec::<String>::new());
}

#[tokio::test]
async fn a_route_a_status_or_a_code_taken_out_of_the_document_is_reported() {
    let mut doc = document().await;
    let profiles = &mut doc["paths"]["/profiles/{profileKey}"];
    profiles["delete"]["responses"]
        .as_object_mut()
        .unwrap()
        .remove("404");
    let unauthorized = &mut profiles["get"]["responses"]["401"]["content"]["application/json"];
    unauthorized["schema"]["allOf"][1]["properties"]["error"]["enum"] = json!(["INVALID_API_KEY"]);
    unauthorized["examples"]
        .as_object_mut()
        .unwrap()
        .remove("MISSING_API_KEY");
    doc["paths"].as_object_mut().unwrap().remove("/health");
    assert_eq!(
        missing(&doc),
        [
            "get /health: no operation",
            "get /profiles/{profileKey} 401: no MISSING_API_KEY",
            "delete /profiles/{profileKey}: no 404",
        ]
    );
}

/// The `info` object the document must carry exactly.
fn expected_info() -> Value {
    json!({
        "title": "PostCore Profiles API",
        "version": env!("CARGO_PKG_VERSION"),
        "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
    })
}

/// Checks `GET /openapi.json` at `base`: 200, JSON, OpenAPI 3.1, the exact `info` (its
/// description apart, checked to be there), and the `x-api-key` scheme.
async fn check_openapi_json(client: &reqwest::Client, base: &str) {
    let response = client
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let mut doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let description = doc["info"]
        .as_object_mut()
        .unwrap()
        .remove("description")
        .unwrap();
    assert!(
        description
            .as_str()
            .unwrap()
            .starts_with("The PostCore Profiles API")
    );
    assert_eq!(doc["info"], expected_info());
    assert_eq!(
        doc["components"]["securitySchemes"]["apiKey"],
        json!({"type": "apiKey", "in": "header", "name": "x-api-key",
               "description": "An API key, `pc_live_…` (api.md §1)."})
    );
}

/// Every `src`/`href` value in `html`.
fn links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            found.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    found
}

/// Checks `GET /docs` at `base`: a 200 HTML page whose every asset is on this server (no
/// `http(s)://` or `//` URL), and each of those assets answers 200.
async fn check_docs(client: &reqwest::Client, base: &str) {
    let response = client.get(format!("{base}/docs")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/html"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("<base href=\"/docs/\">"), "{page}");
    let assets = links(&page);
    assert_eq!(
        assets,
        [
            "./swagger-ui-bundle.js",
            "./swagger-ui-standalone-preset.js",
            "./swagger-initializer.js",
            "/docs/",
            "./swagger-ui.css",
            "index.css",
            "./favicon-32x32.png",
            "./favicon-16x16.png",
        ]
    );
    for asset in assets.iter().filter(|a| a.as_str() != "/docs/") {
        let url = format!("{base}/docs/{}", asset.trim_start_matches("./"));
        let status = client.get(&url).send().await.unwrap().status().as_u16();
        assert_eq!(status, 200, "{url}");
    }
    let initializer = client
        .get(format!("{base}/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        initializer.contains("\"url\": \"/openapi.json\""),
        "{initializer}"
    );
    // No validator badge from validator.swagger.io.
    assert!(
        initializer.contains("\"validatorUrl\": \"none\""),
        "{initializer}"
    );
}

#[tokio::test]
async fn get_openapi_json_is_the_3_1_document_with_its_exact_info_and_the_key_scheme() {
    let app = spawn_app().await;
    check_openapi_json(&app.client, &app.address).await;
}

/// The operator's routes are in the document too (api.md §5.8: every route): `/metrics`
/// with its text format, and the 429's `retry_after` is at least one second.
#[tokio::test]
async fn metrics_and_the_429_body_are_documented_as_served() {
    let doc = document().await;
    let metrics = &doc["paths"]["/metrics"]["get"]["responses"];
    let statuses: Vec<&String> = metrics.as_object().unwrap().keys().collect();
    assert_eq!(statuses, ["200", "404", "500"]);
    assert_eq!(
        metrics["200"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["text/plain; version=0.0.4; charset=utf-8"]
    );
    assert_eq!(
        doc["components"]["schemas"]["Error"]["properties"]["retry_after"]["minimum"],
        serde_json::json!(1)
    );
}

#[tokio::test]
async fn get_docs_is_swagger_ui_whose_every_asset_is_served_here() {
    let app = spawn_app().await;
    check_docs(&app.client, &app.address).await;
}

#[tokio::test]
async fn the_docs_and_the_document_answer_like_every_other_route_to_other_methods_and_paths() {
    let app = spawn_app().await;
    let (status, content_type, body) =
        exactly(app.request("POST", "/openapi.json", None).await).await;
    assert_eq!(
        (status, content_type.as_str(), body),
        (
            405,
            "application/json",
            br#"{"error":"METHOD_NOT_ALLOWED","message":"Method not allowed. Allowed methods: GET, HEAD"}"#
                .to_vec()
        )
    );
    let (status, _, body) = exactly(app.request("GET", "/docs/no-such-file.js", None).await).await;
    assert_eq!(
        (status, body),
        (
            404,
            br#"{"error":"NOT_FOUND","message":"Route not found"}"#.to_vec()
        )
    );
    let response = app.request("DELETE", "/docs", None).await;
    assert_eq!(
        (
            response.status().as_u16(),
            response.headers()["allow"].to_str().unwrap()
        ),
        (405, "GET, HEAD")
    );
}

#[tokio::test]
async fn the_seed_examples_are_the_documents_examples() {
    let doc = document().await;
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/postcore-admin/tests/fixtures/seed-profiles.txt"
    ))
    .unwrap();
    let json_after = |marker: &str| -> Value {
        let start = seed.find(marker).unwrap() + marker.len();
        let text = &seed[start..];
        let end = text.find("}Status").unwrap() + 1;
        serde_json::from_str(text[..end].trim()).unwrap()
    };
    let content = |path: &str, method: &str, status: &str| -> Value {
        doc["paths"][path][method]["responses"][status]["content"]["application/json"].clone()
    };
    let list = content("/profiles", "get", "200");
    assert_eq!(list["examples"]["seed"]["value"], json_after("Response\n"));
    assert_eq!(list["examples"]["empty"]["value"], json!({"profiles": []}));
    assert_eq!(
        content("/profiles/{profileKey}", "get", "200")["example"],
        json_after("Response:\n")
    );
    assert_eq!(
        content("/profiles/{profileKey}", "get", "401")["examples"]["INVALID_API_KEY"]["value"],
        json_after("Invalid API Key\n")
    );
    assert_eq!(
        content("/profiles/{profileKey}", "get", "404")["examples"]["PROFILE_NOT_FOUND"]["value"],
        json_after("Profile Not Found (Single Profile Endpoint)\n")
    );
    assert_eq!(
        content("/profiles/create", "post", "201")["example"],
        json!({"profileKey": "prof_abc123def456", "profileName": "User: john@example.com"})
    );
    assert_eq!(
        content("/profiles/{profileKey}", "delete", "200")["example"],
        json!({"message": "Profile deleted successfully"})
    );
}

#[tokio::test]
async fn a_connected_platforms_expiry_fields_are_required_and_nullable_as_in_api_md() {
    let doc = document().await;
    let schema = &doc["components"]["schemas"]["ConnectedPlatform"];
    assert_eq!(
        schema["required"],
        json!([
            "platform",
            "displayName",
            "username",
            "connectedAt",
            "expiresAt",
            "daysUntilExpiry",
            "needsReconnect"
        ])
    );
    let field = |name: &str| {
        let mut f = schema["properties"][name].clone();
        f.as_object_mut().unwrap().remove("description");
        f
    };
    assert_eq!(
        field("expiresAt"),
        json!({"type": ["string", "null"], "format": "date-time"})
    );
    assert_eq!(
        field("daysUntilExpiry"),
        json!({"type": ["integer", "null"], "format": "int64", "minimum": 0})
    );
    assert_eq!(
        field("connectedAt"),
        json!({"type": "string", "format": "date-time"})
    );
    assert_eq!(
        field("platform"),
        json!({"$ref": "#/components/schemas/Platform"})
    );
    assert_eq!(
        doc["components"]["schemas"]["Platform"]["enum"],
        json!(["linkedin", "bluesky"])
    );
}

#[tokio::test]
async fn the_real_binary_serves_the_document_and_the_docs() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("postcore.db"));
    let base = format!("http://{}", server.address);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    check_openapi_json(&client, &base).await;
    check_docs(&client, &base).await;
    let doc: Value = client
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(missing(&doc), Vec::<String>::new());
}

#[tokio::test]
async fn every_webhook_endpoint_field_is_required_the_create_body_closed_and_its_secret_only_where_shown()
 {
    let doc = document().await;
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["WebhookEndpoint"]["required"],
        json!([
            "id",
            "url",
            "events",
            "description",
            "createdAt",
            "disabled",
            "disabledAt",
            "disabledReason",
            "consecutiveFailures"
        ])
    );
    assert!(schemas["WebhookEndpoint"]["properties"]["secret"].is_null());
    assert_eq!(
        schemas["CreateWebhook"]["additionalProperties"],
        json!(false)
    );
    assert_eq!(
        schemas["WebhookEventType"]["enum"],
        json!([
            "connection.expiring",
            "connection.expired",
            "connection.needs_reconnect",
            "connection.connected",
            "connection.disconnected",
            "profile.deleted"
        ])
    );
}
