"""The VictorOps (Splunk On-Call) public API, wire-compatible with real clients."""
