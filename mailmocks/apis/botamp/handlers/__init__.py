"""Botamp's operations, one module per area of its docs (only "Subscribers" exists)."""
