"""The runtime machinery every service runs on: bus and database setup, the outbox and its
relay, the inbox, the batch consumer on standing pull requests, typed request/reply (served
with `rpc.Endpoints`, asked with `asking.Bus.ask`), metrics and /healthz, the service's life
(waiting, serving, stopping) and the loops it runs.
Above the contracts and the configuration model; never imports the dev stack."""
