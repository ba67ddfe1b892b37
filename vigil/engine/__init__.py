"""The worker: claims due timers stored in the database and runs them."""
