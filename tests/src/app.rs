//! Harness for black-box HTTP tests: `spawn_app()` on a random port with its own database.
