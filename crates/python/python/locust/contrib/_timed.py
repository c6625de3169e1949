"""What the vector-database users (`locust.contrib.qdrant`, `.milvus`)
share: an operation run and timed into Locust's result dict, which never
raises — `success`, `response_time` in ms, and `result` or `exception`."""

import time


def timed(call):
    """Runs `call()`; its outcome as a result dict."""
    started = time.time()
    try:
        result = call()
    except Exception as error:  # noqa: BLE001 - reported as the request's failure
        return {"success": False, "response_time": (time.time() - started) * 1000, "exception": error}
    return {"success": True, "response_time": (time.time() - started) * 1000, "result": result}


def not_empty(outcome, found):
    """A search's or query's outcome: an empty answer (`found`) is `empty`
    and not a success (it is still not an exception)."""
    if outcome["success"]:
        outcome["empty"] = len(found) == 0
        outcome["success"] = not outcome["empty"]
    return outcome


def fire(request_type, name, result):
    """Reports one result dict through events.request (time in whole ms,
    as Locust reports these)."""
    from locust import events

    events.request.fire(
        request_type=request_type,
        name=name,
        response_time=int(result.get("response_time", 0)),
        response_length=0,
        exception=result.get("exception"),
    )
