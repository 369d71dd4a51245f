//! `/webhooks` against the real `postcore` binary (issue 13): `--webhook-allow-private`
//! and `POSTCORE_WEBHOOK_ALLOW_PRIVATE=true` let an endpoint on 127.0.0.1 in, the default
//! refuses it, and `postcore-admin webhooks list` sees what the API created.

use postcore_tests::server::{Server, admin};
use serde_json::{Value, json};

/// `POST /webhooks {"url": url}` on `server`: status and body.
async fn create(server: &Server, url: &str) -> (u16, Value) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("http://{}/webhooks", server.address))
        .header("x-api-key", &server.key)
        .json(&json!({ "url": url }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn loopback_endpoints_need_the_operators_setting_as_a_flag_or_an_env_var() {
    let url = "http://127.0.0.1:9/hook";
    let refused = json!({"error": "VALIDATION_ERROR",
        "message": "url is refused: the URL's host is a loopback address, where webhooks are not sent"});

    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("postcore.db");
    let server = Server::start(&database);
    assert_eq!(create(&server, url).await, (400, refused));
    let key = server.key.clone();
    drop(server);

    for (flags, env) in [
        (&["--webhook-allow-private"][..], &[][..]),
        (&[][..], &[("POSTCORE_WEBHOOK_ALLOW_PRIVATE", "true")][..]),
    ] {
        let mut server = Server::start_with_env(&database, flags, env);
        server.key.clone_from(&key);
        let (status, body) = create(&server, url).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["url"], url);
        drop(server);
    }
    let listed: Value =
        serde_json::from_str(&admin(&database, &["webhooks", "list", "--json"])).unwrap();
    let urls: Vec<&Value> = listed["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| &w["url"])
        .collect();
    assert_eq!(urls, [url, url]);
    assert!(!listed.to_string().contains("whsec_"));
}
