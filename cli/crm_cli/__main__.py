"""`python -m crm_cli ...`: the same as the `crm` script."""

from crm_cli.main import app

app(prog_name="crm")
