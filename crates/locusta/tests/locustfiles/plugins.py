"""locust-plugins under locusta: its command-line options and checks
(`--check-*`, `-i`), `constant_total_ips`, the CSV reader, the request
listeners (RescheduleTaskOnFail, JmeterListener) and the transaction
manager, as its README and examples use them. PLUGINS_DATA names a CSV of
paths to request; PLUGINS_OUT a directory for the JMeter-style file."""

import os

import locust_plugins  # noqa: F401 - adds its options and checks
from locust_plugins import constant_total_ips
from locust_plugins.csvreader import CSVReader
from locust_plugins.listeners import RescheduleTaskOnFail
from locust_plugins.listeners.jmeter import JmeterListener
from locust_plugins.transaction_manager import TransactionManager

from locust import HttpUser, SequentialTaskSet, events, task

paths = CSVReader(os.environ["PLUGINS_DATA"])


@events.init.add_listener
def on_init(environment, **_kwargs):
    JmeterListener(env=environment, results_filename=os.path.join(os.environ["PLUGINS_OUT"], "jmeter.csv"))
    # Last, as its documentation says: a failed request ends the task.
    RescheduleTaskOnFail(environment)


@events.quitting.add_listener
def report(environment, **_kwargs):
    options = environment.parsed_options
    print(
        f"PLUGIN OPTIONS iterations={options.iterations} check_rps={options.check_rps} "
        f"console_stats_interval={options.console_stats_interval} ips={options.ips} "
        f"log_transactions_in_file={options.log_transactions_in_file}",
        flush=True,
    )


class Journey(SequentialTaskSet):
    def on_start(self):
        self.tm = TransactionManager()

    @task
    def from_csv(self):
        self.tm.start_transaction("journey")
        self.client.get(next(paths)[0], name="from-csv")
        # Not reached when the request failed (RescheduleTaskOnFail).
        self.client.get("/", name="after-success")

    @task
    def home(self):
        self.client.get("/", name="home")
        self.tm.end_transaction("journey")


class Shopper(HttpUser):
    wait_time = constant_total_ips(50)
    tasks = [Journey]
