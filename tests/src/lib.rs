//! Shared helpers for PostCore's black-box tests: the HTTP app harness, and where the
//! binaries are for tests that drive both (tests of one binary live in its own crate), and a
//! stateful Bluesky stand-in.

pub mod app;
pub mod bins;
pub mod bluesky;
