"""Use cases of deal-service: plain async functions `(command, context)`."""
