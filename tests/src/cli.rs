//! Harness for end-to-end runs of the `postcore-admin` binary against temporary databases.
