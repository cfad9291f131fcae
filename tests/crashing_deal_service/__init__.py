"""deal-service whose lead consumer loop crashes (test-only, see `__main__`)."""
