//! The conformance suite (filled next).
