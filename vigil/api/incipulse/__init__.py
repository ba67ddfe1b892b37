"""The Incipulse (iTechOps) status-page API dialect, wire-compatible: the `{Success, Result,
Message}` envelope, `X-API-KEY`, maintenance as an incident of `Type: "Maintenance"`."""
