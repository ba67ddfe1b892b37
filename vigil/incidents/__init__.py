"""Incident lifecycle (trigger, acknowledge, resolve, reroute), timeline and reporting queries."""
