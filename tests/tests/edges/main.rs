//! HTTP edges of the real `postcore` binary (issue 15, item 1): media types with optional
//! whitespace, the database files' modes, slow and stalled clients, a bounded number of
//! connections, and requests refused at the protocol level.

mod files;
mod media;
mod protocol;
mod slow;
mod wire;
