//! Shared helpers for PostCore's black-box tests: the HTTP app harness, where the binaries
//! are for tests that drive both, those binaries run as processes ([`server`]), and a
//! stateful Bluesky stand-in ([`bluesky`]).

pub mod app;
pub mod bins;
pub mod bluesky;
pub mod server;
