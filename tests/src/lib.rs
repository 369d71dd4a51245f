//! Shared helpers for PostCore's black-box tests.
