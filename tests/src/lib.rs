//! Shared helpers for PostCore's black-box tests: the HTTP app harness, and where the
//! binaries are for tests that drive both, and those binaries run as processes ([`server`]).

pub mod app;
pub mod bins;
pub mod server;
