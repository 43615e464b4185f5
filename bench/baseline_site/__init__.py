"""A bench-only Django site: one model, one view that saves one row, no middleware. The baseline's server."""
