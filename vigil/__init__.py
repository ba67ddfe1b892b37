"""Vigil: self-hosted on-call, incident and maintenance platform."""
