//! Black-box tests of the `postcore` HTTP API over real HTTP: one binary, one module per
//! concern, each test with its own server, port, database and fixed clock.

mod bad_inputs;
mod connect;
mod disconnect;
mod errors;
mod expiry;
mod faults;
mod faulty_store;
mod filters;
mod head;
mod last_use;
mod linkedin;
mod listing;
mod metrics;
mod openapi;
mod profiles;
mod rate_limits;
mod raw;
mod seed;
mod tenancy;
mod webhooks;
