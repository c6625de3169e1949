"""locust.contrib.mqtt: a user that loads an MQTT broker (needs the
`paho-mqtt` package), as Locust's does.

`MqttClient` is a `paho.mqtt.client.Client` that reports to the
environment's `request` event (request type `MQTT`):

* `publish(topic, payload, qos)`: a request named `publish:QOS:TOPIC`,
  timed from the call to the broker's acknowledgement (`on_publish`; for
  QoS 0, when the message left), its length the payload's; a publish paho
  refuses at once is a failure with paho's error code;
* `subscribe(topic, qos)`: `subscribe:QOS:TOPIC`, timed to the SUBACK, a
  failure when the broker refuses the subscription (0x80);
* `connect` and `disconnect`: reported when they happen (a failure with the
  broker's reason when it refuses, or for an unexpected disconnect).

`MqttUser` gives each user such a client (`self.client`), connected to
`host`:`port` in the background (`connect_async` + `loop_start`, paho's
network thread, a greenlet under gevent), with `transport`, `ws_path`,
`tls_context`, `username`/`password`, `client_id` (a random
`locust-…` id by default) and `protocol` (MQTT 3.1.1, or 5). Both the
MQTT 3.1.1 and 5 callback forms of paho's version-1 callback API are
handled. `use_loop_selectors` is taken and changes nothing here: paho's
own loop runs on gevent's `select`, which has no descriptor limit.
"""

import random
import selectors  # noqa: F401
import time
import typing
from contextlib import suppress  # noqa: F401

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode  # noqa: F401

from locust.env import Environment  # noqa: F401
from locust.users import User

SUBACK_FAILURE = 0x80
REQUEST_TYPE = "MQTT"

_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _generate_random_id(length, alphabet=_ID_ALPHABET):
    """`length` characters drawn from `alphabet`."""
    return "".join(random.choice(alphabet) for _ in range(length))


def _generate_mqtt_event_name(event_type, qos, topic):
    """The statistics name of a publish or subscribe: `KIND:QOS:TOPIC`."""
    return f"{event_type}:{qos}:{topic}"


class PublishedMessageContext(typing.NamedTuple):
    """What a publish in flight is reported with when the broker acknowledges it."""

    qos: int
    topic: str
    start_time: float
    payload_size: int


def _reason_value(reason):
    """A paho reason code (or plain int) as a number; 0 is success."""
    return getattr(reason, "value", reason)


class MqttClient(mqtt.Client):
    """paho's client, each operation reported through `environment.events.request`."""

    def __init__(self, *args, environment, client_id=None, protocol=mqtt.MQTTv311, use_loop_selectors=False,
                 **kwargs):
        client_id = client_id or f"locust-{_generate_random_id(16)}"
        super().__init__(*args, client_id=client_id, protocol=protocol, **kwargs)
        self.environment = environment
        self.client_id = client_id
        self._use_loop_selectors = use_loop_selectors
        self._publish_requests = {}
        self._subscribe_requests = {}
        self.on_publish = self._on_publish_cb
        if protocol == mqtt.MQTTv5:
            self.on_connect = self._on_connect_cb_v5
            self.on_disconnect = self._on_disconnect_cb_v5
            self.on_subscribe = self._on_subscribe_cb_v5
        else:
            self.on_connect = self._on_connect_cb_v3x
            self.on_disconnect = self._on_disconnect_cb_v3x
            self.on_subscribe = self._on_subscribe_cb_v3x

    def _generate_event_name(self, event_type, qos, topic):
        return _generate_mqtt_event_name(event_type, qos, topic)

    def _report(self, name, started=None, length=0, exception=None, **context):
        """One request event; its time from `started` (time.time()) to now."""
        self.environment.events.request.fire(
            request_type=REQUEST_TYPE,
            name=name,
            response_time=0 if started is None else (time.time() - started) * 1000,
            response_length=length,
            exception=exception,
            context={"client_id": self.client_id, **context},
        )

    def _on_publish_cb(self, client, userdata, mid, *_reason_and_properties):
        sent = self._publish_requests.pop(mid, None)
        if sent is None:
            self._report("publish", exception=AssertionError(f"no message sent with mid {mid!r} was waiting"), mid=mid)
            return
        self._report(
            self._generate_event_name("publish", sent.qos, sent.topic), sent.start_time, sent.payload_size,
            **sent._asdict(),
        )

    def _on_subscribe_cb_v3x(self, client, userdata, mid, granted_qos):
        asked = self._subscribe_requests.pop(mid, None)
        if asked is None:
            self._report("subscribe", exception=AssertionError(f"no subscription with mid {mid!r} was waiting"), mid=mid)
            return
        qos, topic, started = asked
        refused = SUBACK_FAILURE in granted_qos
        self._report(
            self._generate_event_name("subscribe", qos, topic), started,
            exception=AssertionError(f"the broker refused the subscription: {granted_qos}") if refused else None,
            qos=qos, topic=topic, start_time=started,
        )

    def _on_subscribe_cb_v5(self, client, userdata, mid, reason_codes, properties):
        self._on_subscribe_cb_v3x(client, userdata, mid, [_reason_value(code) for code in reason_codes])

    def _on_connect_cb(self, client, userdata, flags, rc):
        self._report("connect", exception=Exception(str(rc)) if _reason_value(rc) != 0 else None)

    def _on_connect_cb_v3x(self, client, userdata, flags, rc):
        self._on_connect_cb(client, userdata, flags, rc)

    def _on_connect_cb_v5(self, client, userdata, flags, reasoncode, properties):
        self._on_connect_cb(client, userdata, flags, reasoncode)

    def _on_disconnect_cb(self, client, userdata, rc):
        self._report("disconnect", exception=rc if _reason_value(rc) != 0 else None)

    def _on_disconnect_cb_v3x(self, client, userdata, rc):
        self._on_disconnect_cb(client, userdata, rc)

    def _on_disconnect_cb_v5(self, client, userdata, *reason_and_properties):
        # paho calls it with (rc, properties), or (flags, reasoncode, properties).
        reason = reason_and_properties[-2] if len(reason_and_properties) >= 2 else reason_and_properties[0]
        self._on_disconnect_cb(client, userdata, reason)

    def publish(self, topic, payload=None, qos=0, retain=False, properties=None):
        """Publishes; reported when the broker acknowledges (or at once when paho refuses)."""
        sent = PublishedMessageContext(
            qos=qos,
            topic=topic,
            start_time=time.time(),
            payload_size=len(payload) if payload and not isinstance(payload, (int, float)) else 0,
        )
        info = super().publish(topic, payload=payload, qos=qos, retain=retain, properties=properties)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            self._report(self._generate_event_name("publish", qos, topic), exception=info.rc, **sent._asdict())
        else:
            self._publish_requests[info.mid] = sent
        return info

    def subscribe(self, topic, qos=0, options=None, properties=None):
        """Subscribes; reported when the broker answers (or at once when paho refuses)."""
        started = time.time()
        first_topic = topic if isinstance(topic, str) else topic[0][0]
        result, mid = super().subscribe(topic, qos, options, properties)
        name = self._generate_event_name("subscribe", qos, first_topic)
        if result != mqtt.MQTT_ERR_SUCCESS:
            self._report(name, exception=result, qos=qos, topic=first_topic, start_time=started)
        elif mid is None:
            self._report(name, started, qos=qos, topic=first_topic, start_time=started)
        else:
            self._subscribe_requests[mid] = (qos, first_topic, started)
        return result, mid


class MqttUser(User):
    """A user with an MqttClient (`self.client`), connected to `host`:`port`
    in the background when the user is created."""

    abstract = True

    host = "localhost"
    port = 1883
    transport = "tcp"
    ws_path = "/mqtt"
    tls_context = None
    client_cls = MqttClient
    client_id = None
    username = None
    password = None
    protocol = mqtt.MQTTv311
    use_loop_selectors = False

    def __init__(self, environment):
        super().__init__(environment)
        self.client = self.client_cls(
            environment=self.environment,
            transport=self.transport,
            client_id=self.client_id,
            protocol=self.protocol,
            use_loop_selectors=self.use_loop_selectors,
        )
        if self.tls_context:
            self.client.tls_set_context(self.tls_context)
        if self.transport == "websockets" and self.ws_path:
            self.client.ws_set_options(path=self.ws_path)
        if self.username and self.password:
            self.client.username_pw_set(username=self.username, password=self.password)
        self.client.connect_async(host=self.host, port=self.port)
        self.client.loop_start()
