"""A pytest-style locustfile: no User class, only test functions taking
the `session` and `fastsession` fixtures. Under locusta (and Locust) each
function is a user looping over it; under plain pytest, the tests pass
against a server given with --host.

Each function ends in a request whose raise_for_status() raises: in a load
test the error is ignored and the function starts again, so `/after-error`
is never requested.
"""


def test_shop(session):
    session.get("/products")
    session.get("/products/1", name="/products/[id]")
    session.post("/login", data={"username": "ann", "password": "pw"})
    response = session.get("/cart")
    assert response.status_code == 200, response.text
    if session.user is not None:  # in a load test: a failed request that raises
        session.get("/status/404").raise_for_status()
        session.get("/after-error")


def test_fast(fastsession):
    with fastsession.get("/products", catch_response=True) as response:
        if not response.text.startswith("["):
            response.failure("not a list of products")
    if fastsession.user is not None:
        fastsession.get("/status/503").raise_for_status()
        fastsession.get("/after-error")
