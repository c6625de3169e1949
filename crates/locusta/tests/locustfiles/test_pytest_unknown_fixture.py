"""A pytest-style locustfile whose test asks for a fixture nobody defines."""


def test_needs_a_database(database):
    database.query("select 1")
