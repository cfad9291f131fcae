"""Backup and restore of the whole system (`crm backup`, `crm restore`): the services'
schemas, the JetStream streams, the configuration and the gateway's secrets, at one moment.
"""
