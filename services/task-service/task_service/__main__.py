"""`python -m task_service [serve|migrate|revision MESSAGE]`."""

from crm_shared.machinery.cli import run_main

if __name__ == "__main__":
    run_main(__package__)
