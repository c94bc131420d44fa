"""modelfolio."""
