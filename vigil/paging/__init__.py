"""Running escalations and personal paging policies: who is paged, when, and through what."""
