"""locust.contrib.mqtt's MqttUser against a real broker (mosquitto, started
by the test on 127.0.0.1:$MQTT_PORT): each Sensor connects, subscribes to
its topics with QoS 1, then publishes readings with QoS 1 (each reported
when the broker's PUBACK arrives) and QoS 0. At the end each user prints
how many of its readings came back through its subscription."""

import os
import time

import gevent

from locust import constant, events, task
from locust.contrib.mqtt import MqttUser

received = []


class Sensor(MqttUser):
    host = "127.0.0.1"
    port = int(os.environ["MQTT_PORT"])
    wait_time = constant(0.02)

    def on_start(self):
        deadline = time.monotonic() + 10
        while not self.client.is_connected() and time.monotonic() < deadline:
            gevent.sleep(0.02)
        assert self.client.is_connected(), "no connection to the broker"
        self.client.on_message = lambda client, userdata, message: received.append(message.topic)
        self.client.subscribe("locusta/sensors/#", qos=1)

    @task(3)
    def reading(self):
        self.client.publish("locusta/sensors/temperature", b"21.5", qos=1)

    @task
    def heartbeat(self):
        self.client.publish("locusta/sensors/alive", b"1", qos=0)


@events.test_stop.add_listener
def _count(**_kwargs):
    print(f"MQTT received={len(received)}", flush=True)
