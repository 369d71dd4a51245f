//! What a `--database` value names, and how it may be shown: a database URL may hold a
//! password (`postgres://user:secret@host/db`), which no log line, message or output may
//! ever carry.

/// Whether `database` names a PostgreSQL database: a `postgres://` or `postgresql://` URL
/// (the scheme in any case). Anything else is SQLite (`sqlite://PATH`, `sqlite:PATH` or a
/// path).
pub fn is_postgres_url(database: &str) -> bool {
    let lower = database.get(..13).unwrap_or(database).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// What replaces a password when a database URL is shown.
pub const REDACTED: &str = "***";

/// `database` as it may be shown: the password of a URL's user information
/// (`scheme://user:PASSWORD@host`) and every `password=` query parameter replaced by
/// [`REDACTED`]. Errs on the side of hiding: everything between the first `:` after the
/// user name and the **last** `@` is the password, so a password holding an unescaped `@`,
/// `/` or `?` is still hidden whole. A path, an `sqlite:` URL or a URL without a password is
/// returned as is.
pub fn redact_database_url(database: &str) -> String {
    // An SQLite path holds no password, whatever `:` and `@` its file name has.
    if database.starts_with("sqlite:") {
        return database.to_owned();
    }
    let Some(scheme_end) = database.find("://") else {
        return database.to_owned();
    };
    let (scheme, rest) = database.split_at(scheme_end + 3);
    let mut rest = rest.to_owned();
    if let Some(at) = rest.rfind('@') {
        let userinfo = &rest[..at];
        if let Some(colon) = userinfo.find(':') {
            rest = format!("{}:{REDACTED}{}", &userinfo[..colon], &rest[at..]);
        }
    }
    if let Some(query_start) = rest.find('?') {
        let (head, query) = rest.split_at(query_start + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name.eq_ignore_ascii_case("password") => {
                    format!("{name}={REDACTED}")
                }
                _ => pair.to_owned(),
            })
            .collect();
        rest = format!("{head}{}", query.join("&"));
    }
    format!("{scheme}{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_are_told_from_sqlite_paths_and_urls() {
        for url in [
            "postgres://u@h/db",
            "postgresql://h/db",
            "POSTGRES://h/db",
            "PostgreSQL://u:p@h:5432/db?sslmode=disable",
        ] {
            assert!(is_postgres_url(url), "{url}");
        }
        for path in [
            "./postcore.db",
            "sqlite:///tmp/x.db",
            "sqlite:x.db",
            "postgres.db",
            "",
            "postgres:",
        ] {
            assert!(!is_postgres_url(path), "{path}");
        }
    }

    #[test]
    fn passwords_are_replaced_and_everything_else_is_kept() {
        let cases = [
            (
                "postgres://postcore:s3cret@db.example.com:5432/postcore",
                "postgres://postcore:***@db.example.com:5432/postcore",
            ),
            (
                "postgresql://u:p%40ss@h/db?sslmode=require&password=other&application_name=x",
                "postgresql://u:***@h/db?sslmode=require&password=***&application_name=x",
            ),
            // An unescaped `@`, `/` or `?` in the password: still hidden whole.
            ("postgres://u:a@b/c?d@host/db", "postgres://u:***@host/db"),
            (
                "postgres://u@h/db?PASSWORD=x",
                "postgres://u@h/db?PASSWORD=***",
            ),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h/db", "postgres://h/db"),
            (
                "sqlite:///var/lib/postcore.db",
                "sqlite:///var/lib/postcore.db",
            ),
            ("./postcore.db", "./postcore.db"),
        ];
        for (given, shown) in cases {
            assert_eq!(redact_database_url(given), shown, "{given}");
        }
    }
}
