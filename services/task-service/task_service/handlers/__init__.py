"""Use cases of task-service: plain async functions `(input, context)`."""
