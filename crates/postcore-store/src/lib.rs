//! PostCore storage: the repository trait and its SQLite implementation (filled by the store issue).
