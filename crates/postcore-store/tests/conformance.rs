//! The repository conformance suite, run on SQLite with a fresh database file per test.

postcore_store::conformance_suite!(postcore_store::testing::fresh_sqlite().await);
