"""Maintenance: VictorOps maintenance modes (and, later, scheduled windows) and muting decisions."""
