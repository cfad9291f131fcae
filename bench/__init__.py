"""Benchmarks (`make bench`) and fault runs (`make faults`) on embedded servers.

Everything here drives the system from outside, as an integrator or an operator would: the
services run as their own processes (`python -m <service>`), leads go in with plain nats-py,
and results are read from the bus and straight from the databases.
"""
