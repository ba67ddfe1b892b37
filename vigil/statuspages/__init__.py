"""Status pages: components, their status, public incidents and the maintenance they show."""
