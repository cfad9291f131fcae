"""`combine`: deferred writes and the outbox INSERT as one statement, parameters renumbered."""

from crm_shared.machinery.outbox import combine


def test_one_statement_is_left_as_it_is() -> None:
    assert combine([("UPDATE t SET a = $1", (1,))]) == ("UPDATE t SET a = $1", [1])


def test_statements_become_with_items_and_parameters_follow_on() -> None:
    sql, args = combine(
        [
            ("INSERT INTO a SELECT unnest($1::int[])", ([1, 2],)),
            ("UPDATE b SET x = $2 WHERE id = $1", ("b1", "x")),
            ("INSERT INTO c VALUES ($1, $2, $10)", tuple(range(10))),
        ]
    )
    assert sql == (
        "WITH w0 AS (INSERT INTO a SELECT unnest($1::int[])), "
        "w1 AS (UPDATE b SET x = $3 WHERE id = $2) "
        "INSERT INTO c VALUES ($4, $5, $13)"
    )
    assert args == [[1, 2], "b1", "x", *range(10)]
