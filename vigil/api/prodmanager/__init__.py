"""The Prod Manager API dialect, wire-compatible with Prod Manager's own OpenAPI document for
scopes, services and maintenances: everything under `/api`, form-encoded `POST`s to
verb-suffixed paths, `{"items": [...]}` lists with pagination in `x-*` headers."""
