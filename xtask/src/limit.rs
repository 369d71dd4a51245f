//! `xtask limit-server`: a minimal actix-web server that answers every request with the same
//! pre-serialised bytes — the framework's ceiling on this machine (bench scenario 1).

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context as _, Result};

pub fn run(args: &[String]) -> Result<()> {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .with_context(|| format!("limit-server needs {flag}"))
    };
    let port: u16 = value("--port")?.parse()?;
    let body = web::Bytes::from(std::fs::read(value("--body")?)?);
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let body = body.clone();
            App::new().default_service(web::to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }))
        })
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })?;
    Ok(())
}
