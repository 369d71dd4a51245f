//! Shared helpers for PostCore's black-box tests: the HTTP app harness (tests of one binary
//! live in its own crate).

pub mod app;
