"""Pages people open in a browser: server-rendered HTML that works without JavaScript."""
