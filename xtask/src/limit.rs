//! `xtask limit-server --port P --body FILE --headers FILE`: a minimal actix-web server that
//! answers every request 200 with the same pre-serialised bytes and headers — the
//! framework's ceiling on this machine (bench scenario 1). The bench passes scenario 2's
//! sample answer as those (see `bench/sample.rs`, `limit_headers`).

use actix_web::http::header::{HeaderName, HeaderValue};
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
    let headers = parse_headers(&std::fs::read_to_string(value("--headers")?)?)?;
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            let body = body.clone();
            let headers = headers.clone();
            App::new().default_service(web::to(move || {
                let mut answer = HttpResponse::Ok();
                for header in &headers {
                    answer.insert_header(header.clone());
                }
                let body = body.clone();
                async move { answer.body(body) }
            }))
        })
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })?;
    Ok(())
}

/// The headers of a `name: value` line each (blank lines skipped).
///
/// # Errors
/// When a line has no `: ` or a name or value is not valid in HTTP.
fn parse_headers(text: &str) -> Result<Vec<(HeaderName, HeaderValue)>> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (name, value) = line
                .split_once(": ")
                .with_context(|| format!("not a `name: value` header line: {line:?}"))?;
            Ok((
                HeaderName::try_from(name).with_context(|| format!("header name {name:?}"))?,
                HeaderValue::try_from(value).with_context(|| format!("header value {value:?}"))?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::parse_headers;

    #[test]
    fn header_lines_become_headers_in_order() {
        let headers = parse_headers(
            "content-type: application/json\nx-request-id: 00000000-0000-4000-8000-000000000000\n\n",
        )
        .unwrap();
        let text: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
            .collect();
        assert_eq!(
            text,
            [
                ("content-type", "application/json"),
                ("x-request-id", "00000000-0000-4000-8000-000000000000")
            ]
        );
    }

    #[test]
    fn a_line_without_a_colon_is_refused() {
        let e = parse_headers("content-type application/json\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"not a `name: value` header line: "content-type application/json""#
        );
    }
}
