"""Organizations (tenants) and the keys that authenticate them."""
