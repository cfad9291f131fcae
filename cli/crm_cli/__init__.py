"""`crm`, the command line of the CRM: the first client of its event API.

It speaks only the public API (SPEC §5) over NATS: lead events to JetStream, commands and
queries as request/reply, and a core subscription to watch events. It imports no service
code (an import-linter contract), so whatever it can do, any integrator can.
"""
