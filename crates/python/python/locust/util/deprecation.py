"""locust.util.deprecation: the pre-1.0 class names (Locust, HttpLocust,
FastHttpLocust, task_set), which now only raise a message saying what to use."""

from locust.exception import LocustError


def check_for_deprecated_task_set_attribute(class_dict):
    """Raises when a class still uses `task_set = ...` (replaced by `tasks = [...]`)."""
    if "task_set" in class_dict and class_dict["task_set"] is not None:
        raise LocustError(
            "The task_set attribute is no longer supported: use tasks = [YourTaskSet] instead"
        )


def deprecated_locust_meta_class(deprecation_message):
    """A metaclass whose subclasses cannot be created: creating one raises
    `deprecation_message`."""

    class MetaClass(type):
        def __new__(mcs, name, bases, namespace):
            if bases:
                raise ImportError(deprecation_message)
            return super().__new__(mcs, name, bases, namespace)

    return MetaClass


DeprecatedLocustClass = deprecated_locust_meta_class(
    "The Locust class has been renamed to User in version 1.0. "
    "For more info see: https://docs.locust.io/en/latest/changelog.html#changelog-1-0"
)("DeprecatedLocustClass", (), {})
DeprecatedHttpLocustClass = deprecated_locust_meta_class(
    "The HttpLocust class has been renamed to HttpUser in version 1.0. "
    "For more info see: https://docs.locust.io/en/latest/changelog.html#changelog-1-0"
)("DeprecatedHttpLocustClass", (), {})
DeprecatedFastHttpLocustClass = deprecated_locust_meta_class(
    "The FastHttpLocust class has been renamed to FastHttpUser in version 1.0. "
    "For more info see: https://docs.locust.io/en/latest/changelog.html#changelog-1-0"
)("DeprecatedFastHttpLocustClass", (), {})
