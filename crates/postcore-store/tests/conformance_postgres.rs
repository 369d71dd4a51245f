//! The repository conformance suite, run on PostgreSQL with a fresh database per test, on
//! the server named by `POSTCORE_TEST_POSTGRES_URL`. Without it every test passes at once
//! and one "skipped: set POSTCORE_TEST_POSTGRES_URL=…" line is printed.
#![cfg(feature = "postgres")]

postcore_store::conformance_suite!(optional: postcore_store::testing::fresh_postgres().await);
