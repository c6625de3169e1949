"""Exceptions of the locust API (locusta's own implementation)."""


class LocustError(Exception):
    """A misuse of the API."""


class ResponseError(Exception):
    """Raised in a catch_response block: the request is a failure."""


class CatchResponseError(Exception):
    """The failure given to response.failure() as text."""


class MissingWaitTimeError(LocustError):
    """A user class has no usable wait_time."""


class InterruptTaskSet(Exception):
    """Leave the current TaskSet; the parent picks a task now (reschedule) or after a wait."""

    def __init__(self, reschedule=True):
        super().__init__(reschedule)
        self.reschedule = reschedule


class StopUser(Exception):
    """End this user: its on_stop handlers run and it is not replaced."""


class StopTest(Exception):
    """End the whole test."""


class RescheduleTask(Exception):
    """End the current task; the wait still happens."""


class RescheduleTaskImmediately(Exception):
    """End the current task and start the next one without waiting."""


class RPCError(Exception):
    """A transport error in distributed mode."""


class RPCSendError(RPCError):
    """Sending a message failed."""


class RPCReceiveError(RPCError):
    """Receiving a message failed."""

    def __init__(self, *args, addr=None):
        super().__init__(*args)
        self.addr = addr


class RunnerAlreadyExistsError(Exception):
    """An Environment holds one runner."""


class NoMarkovTasksError(LocustError):
    """A MarkovTaskSet without Markov tasks."""


class InvalidTransitionError(LocustError):
    """A transition to a task that does not exist."""


class NonMarkovTaskTransitionError(LocustError):
    """A transition to a method that is not a Markov task."""


class MarkovTaskTagError(LocustError):
    """Tags are not allowed on Markov tasks."""
