//! Shared helpers for PostCore's black-box tests: the HTTP app harness and the CLI harness.

pub mod app;
pub mod cli;
