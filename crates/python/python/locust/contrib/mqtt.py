"""locust.contrib.mqtt: Locust's MqttUser (needs the `paho-mqtt` package).
The module imports when paho-mqtt is installed; its client and user are not
part of locusta yet: creating one raises NotImplementedError."""

import typing

import paho.mqtt.client as mqtt  # noqa: F401

from locust.env import Environment  # noqa: F401
from locust.users import User

REQUEST_TYPE = "MQTT"
SUBACK_FAILURE = 0x80
_WHY = "locusta: locust.contrib.mqtt's {} is not available yet (publish with paho-mqtt and report through events.request)"


class PublishedMessageContext(typing.NamedTuple):
    """What a publish is reported with."""

    qos: int
    topic: str
    start_time: float
    payload_size: int


class MqttClient:
    """Locust's paho-mqtt client wrapper (not in locusta yet)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_WHY.format("MqttClient"))


class MqttUser(User):
    """Locust's MQTT user (not in locusta yet)."""

    abstract = True

    def __init__(self, environment):
        raise NotImplementedError(_WHY.format("MqttUser"))
