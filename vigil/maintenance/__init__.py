"""Maintenance: modes that mute paging now, and the time maths of windows scheduled ahead."""
