"""`python -m gateway [serve|migrate|revision MESSAGE|users …|tokens …]`."""

from crm_shared.machinery.cli import run_main

if __name__ == "__main__":
    run_main(__package__)
