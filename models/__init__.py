"""Model providers and the registry of bundled model files."""
