"""On-call: rotations, "who is on call at t", overrides, escalation policies, schedules."""
