"""The contracts every part of the CRM speaks, by owner: `deal`, `task`, `notify` (each its
commands, queries, replies and events) and `analytics`; shared by them, the bases (`base`),
the CloudEvents envelope, the refusals, the payloads (DTOs), the byte-limited string types and
the periods of reports. The bottom layer: it imports nothing else of ours."""
