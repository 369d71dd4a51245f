//! PostCore HTTP transport: the Profiles API on actix-web (filled by the HTTP issue).
