//! Shared helpers for PostCore's black-box tests: the HTTP app harness, where the binaries
//! are for tests that drive both, those binaries run as processes ([`server`]), stateful
//! stand-ins for Bluesky ([`bluesky`]) and LinkedIn's OAuth endpoints ([`linkedin`]), and
//! readers of `/metrics` answers ([`metrics`]), and a small filesystem to fill ([`disk`]).

pub mod app;
pub mod bins;
pub mod bluesky;
pub mod disk;
pub mod linkedin;
pub mod metrics;
pub mod server;
