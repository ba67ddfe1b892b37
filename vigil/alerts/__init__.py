"""Routing keys and alert ingestion: how monitoring tools' alerts become incidents."""
