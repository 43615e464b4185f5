"""One module per benchmark; each calls `bench.registry.register(...)` when imported (see bench/README.md)."""
