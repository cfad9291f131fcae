"""The contracts every part of the CRM speaks: the CloudEvents envelope, the versioned events,
the commands and queries with their replies, the payloads (DTOs), the byte-limited string
types and the periods of reports. The bottom layer: it imports nothing else of ours."""
