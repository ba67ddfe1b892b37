"""Wire dialects and the HTTP application; no domain logic lives here."""
